/* SPDX-License-Identifier: MIT */
/*
 * gdbrsp.h — GDB's remote serial protocol (RSP) on the stub's side, without hardware: the byte stream cut into packets
 * "$<payload>#<two hex digits>" with their checksums (the sum of the payload bytes modulo 256), the acknowledgements
 * '+' and '-', the interrupt byte 0x03 between packets; a packet's payload parsed into one command; hex helpers and
 * the framing of replies. GDB manual, appendix "GDB Remote Serial Protocol" (sections "Overview", "Packets", "Stop
 * Reply Packets", "Interrupts"). hvmm's stub (hvmm/guest/gdbstub.c, docs/running.md "Debugging a guest with gdb").
 */
#ifndef HVMM_LIB_GDBRSP_H
#define HVMM_LIB_GDBRSP_H
#include <stddef.h>
#include <stdint.h>

/* The largest payload taken or sent (bytes): qSupported's PacketSize (in hex there). A longer packet is refused with
 * '-' as a checksum error is. 1024 payload bytes = 512 bytes of memory in one m/M packet. */
#define RSP_PACKET_MAX 1024
#define RSP_FRAME_MAX (RSP_PACKET_MAX + 4) /* '$', payload, '#', two checksum digits */

/* What one received byte completed (rsp_rx_feed). */
enum rsp_event {
	RSP_EV_NONE, /* nothing yet (a byte inside a packet, or noise between packets) */
	RSP_EV_PACKET, /* a packet with a correct checksum: rx->buf holds its payload, NUL-terminated, rx->len bytes */
	RSP_EV_BAD, /* a packet with a wrong checksum, a non-hex checksum digit or too long: answer '-' */
	RSP_EV_INTERRUPT, /* 0x03 between packets: gdb's Ctrl-C */
	RSP_EV_ACK, /* '+' between packets */
	RSP_EV_NAK, /* '-' between packets: send the last packet again */
};

struct rsp_rx {
	uint8_t state; /* 0 between packets, 1 in the payload, 2/3 at the first/second checksum digit */
	uint8_t sum; /* the payload's sum so far (mod 256) */
	uint8_t got; /* the checksum's first digit's value */
	uint8_t overflow; /* the payload had more than RSP_PACKET_MAX bytes: the packet is refused */
	size_t len;
	char buf[RSP_PACKET_MAX + 1];
};

/* Take one received byte. A '$' always starts a new packet (whatever came before it is dropped), so the stream
 * resynchronises after noise. Zero-initialise rx before the first byte. */
enum rsp_event rsp_rx_feed(struct rsp_rx *rx, uint8_t ch);

/* The commands a payload can be (rsp_parse). */
enum rsp_op {
	RSP_UNSUPPORTED, /* a packet this stub does not implement: the answer is the empty packet */
	RSP_MALFORMED, /* a known command with bad arguments: the answer is "E01" */
	RSP_QSUPPORTED, /* qSupported[:features] */
	RSP_HALT_REASON, /* ? */
	RSP_READ_REGS, /* g */
	RSP_WRITE_REGS, /* G <hex>: data, data_len */
	RSP_READ_MEM, /* m addr,len (len <= RSP_MEM_MAX) */
	RSP_WRITE_MEM, /* M addr,len:<hex> (data holds exactly 2 * len digits) */
	RSP_INSERT, /* Z type,addr,kind */
	RSP_REMOVE, /* z type,addr,kind */
	RSP_STEP, /* s [addr] */
	RSP_CONTINUE, /* c [addr] */
	RSP_DETACH, /* D or D;pid */
	RSP_KILL, /* k */
	RSP_SET_THREAD, /* H<op><thread>: the one thread this stub has: "OK" */
	RSP_ATTACHED, /* qAttached[:pid]: "1", the stub attached to a running machine */
};

#define RSP_MEM_MAX ((RSP_PACKET_MAX - 8) / 2) /* bytes an m reply or an M packet carries at most */

struct rsp_cmd {
	enum rsp_op op;
	uint64_t addr; /* m, M, Z, z: the address; s, c: the address to resume at when has_addr */
	uint64_t len; /* m, M: bytes; Z, z: the kind (the breakpoint's length) */
	unsigned type; /* Z, z: 0 software breakpoint, 1 hardware breakpoint, 2 write, 3 read, 4 access watchpoint */
	int has_addr;
	const char *data; /* G, M: the hex digits in the payload (not NUL-terminated) */
	size_t data_len; /* their number */
};

/* Parse payload p (len bytes, the received packet) into *cmd; returns cmd->op. */
enum rsp_op rsp_parse(const char *p, size_t len, struct rsp_cmd *cmd);

/* The value of hex digit c (0-9, a-f, A-F), or -1. */
int rsp_hex_digit(char c);
/* Decode n bytes from 2n hex digits at hex into out; returns 0, or -1 at a non-hex digit (out partly written). */
int rsp_hex_decode(const char *hex, uint8_t *out, size_t n);
/* Encode n bytes as 2n lower-case hex digits at out (no NUL); returns 2n. */
size_t rsp_hex_encode(char *out, const uint8_t *in, size_t n);
/* Frame payload p (n bytes, at most RSP_PACKET_MAX) into out: "$<p>#<checksum>". Returns the frame's length (n + 4),
 * or 0 when n is too long. out must hold RSP_FRAME_MAX bytes. The payload is sent as given: the stub's replies
 * never contain '$', '#', '}' or '*'. */
size_t rsp_frame(char *out, const char *p, size_t n);

#endif
