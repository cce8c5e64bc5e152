/* SPDX-License-Identifier: MIT */
/* Host unit tests of GDB's remote serial protocol in lib/gdbrsp.c: framing, checksums, acknowledgements, the
 * interrupt byte, and the commands hvmm's stub serves (docs/running.md "Debugging a guest with gdb"). */
#define UNIT_MODULE "gdbrsp"
#include <stdint.h>
#include <string.h>

#include "gdbrsp.h"
#include "unit.h"

/* Feed s (n bytes) to rx; the events in order into ev (at most max), their count returned. */
static int feed(struct rsp_rx *rx, const char *s, size_t n, enum rsp_event *ev, int max)
{
	int k = 0;
	for (size_t i = 0; i < n; i++) {
		enum rsp_event e = rsp_rx_feed(rx, (uint8_t)s[i]);
		if (e != RSP_EV_NONE && k < max)
			ev[k++] = e;
	}
	return k;
}

static enum rsp_op parse(const char *s, struct rsp_cmd *c) { return rsp_parse(s, strlen(s), c); }

int main(void)
{
	struct rsp_rx rx = { 0 };
	enum rsp_event ev[8];
	struct rsp_cmd c;

	/* Framing: the GDB manual's own example checksum, "$g#67" (g = 0x67). */
	int n = feed(&rx, "+$g#67", 6, ev, 8);
	CHECK(n == 2 && ev[0] == RSP_EV_ACK && ev[1] == RSP_EV_PACKET && rx.len == 1 && !strcmp(rx.buf, "g"),
	      "'+' then $g#67: an ack and the packet 'g'");
	n = feed(&rx, "$g#68", 5, ev, 8);
	CHECK(n == 1 && ev[0] == RSP_EV_BAD, "a wrong checksum is refused");
	n = feed(&rx, "$m0,4#zz", 8, ev, 8);
	CHECK(n == 1 && ev[0] == RSP_EV_BAD, "non-hex checksum digits are refused");
	n = feed(&rx, "$garbage$?#3f", 13, ev, 8);
	CHECK(n == 1 && ev[0] == RSP_EV_PACKET && !strcmp(rx.buf, "?"), "a '$' restarts the packet (resynchronises)");
	n = feed(&rx, "\x03-x", 3, ev, 8);
	CHECK(n == 2 && ev[0] == RSP_EV_INTERRUPT && ev[1] == RSP_EV_NAK, "0x03 between packets interrupts, '-' naks");
	char big[RSP_PACKET_MAX + 8];
	memset(big, 'a', sizeof(big));
	big[0] = '$';
	n = feed(&rx, big, sizeof(big), ev, 8);
	n += feed(&rx, "#00", 3, ev + n, 8 - n);
	CHECK(n == 1 && ev[0] == RSP_EV_BAD && rx.len == RSP_PACKET_MAX, "a packet longer than RSP_PACKET_MAX is refused");

	/* Framing a reply and reading it back. */
	char frame[RSP_FRAME_MAX];
	size_t f = rsp_frame(frame, "OK", 2);
	CHECK(f == 6 && !memcmp(frame, "$OK#9a", 6), "rsp_frame(\"OK\") = $OK#9a");
	CHECK(rsp_frame(frame, big, RSP_PACKET_MAX + 1) == 0, "rsp_frame refuses a payload over RSP_PACKET_MAX");

	/* Hex. */
	uint8_t b[4];
	char h[8];
	CHECK(rsp_hex_decode("0aFf", b, 2) == 0 && b[0] == 0x0a && b[1] == 0xff, "hex decode, either case");
	CHECK(rsp_hex_decode("0g", b, 1) == -1, "hex decode refuses a non-digit");
	CHECK(rsp_hex_encode(h, (const uint8_t *)"\x12\xab", 2) == 4 && !memcmp(h, "12ab", 4), "hex encode");

	/* Commands. */
	CHECK(parse("m7fff0010,40", &c) == RSP_READ_MEM && c.addr == 0x7fff0010 && c.len == 0x40, "m addr,len");
	CHECK(parse("m10,", &c) == RSP_MALFORMED && parse("m10", &c) == RSP_MALFORMED && parse("m,4", &c) == RSP_MALFORMED,
	      "m without a length or address is malformed");
	CHECK(parse("m10,1000", &c) == RSP_MALFORMED, "m longer than a reply can carry is malformed");
	CHECK(parse("m11112222333344445,1", &c) == RSP_MALFORMED, "an address over 64 bits is malformed");
	CHECK(parse("M1000,2:cc90", &c) == RSP_WRITE_MEM && c.addr == 0x1000 && c.len == 2 && c.data_len == 4 &&
		      !memcmp(c.data, "cc90", 4), "M addr,len:data");
	CHECK(parse("M1000,2:cc", &c) == RSP_MALFORMED, "M with fewer data digits than its length is malformed");
	CHECK(parse("Z0,ffffffff81000000,1", &c) == RSP_INSERT && c.type == 0 && c.addr == 0xffffffff81000000ull &&
		      c.len == 1, "Z0 addr,kind");
	CHECK(parse("z1,401000,1", &c) == RSP_REMOVE && c.type == 1, "z1");
	CHECK(parse("Z0,1000,1;X2,0a", &c) == RSP_INSERT, "Z with a condition list: the condition is ignored");
	CHECK(parse("Z5,1000,1", &c) == RSP_MALFORMED && parse("Z0,1000", &c) == RSP_MALFORMED, "bad Z is malformed");
	CHECK(parse("s", &c) == RSP_STEP && !c.has_addr, "s");
	CHECK(parse("c401000", &c) == RSP_CONTINUE && c.has_addr && c.addr == 0x401000, "c addr");
	CHECK(parse("cx", &c) == RSP_MALFORMED, "c with a bad address is malformed");
	CHECK(parse("G0011", &c) == RSP_WRITE_REGS && c.data_len == 4, "G data");
	CHECK(parse("G001", &c) == RSP_MALFORMED, "G with an odd number of digits is malformed");
	CHECK(parse("qSupported:multiprocess+;swbreak+", &c) == RSP_QSUPPORTED && parse("qSupported", &c) == RSP_QSUPPORTED,
	      "qSupported with and without features");
	CHECK(parse("qSupportedX", &c) == RSP_UNSUPPORTED, "a longer q word is not qSupported");
	CHECK(parse("qAttached:1", &c) == RSP_ATTACHED, "qAttached");
	CHECK(parse("?", &c) == RSP_HALT_REASON && parse("g", &c) == RSP_READ_REGS && parse("k", &c) == RSP_KILL &&
		      parse("D", &c) == RSP_DETACH && parse("D;1", &c) == RSP_DETACH && parse("Hg0", &c) == RSP_SET_THREAD,
	      "?, g, k, D, Hg0");
	CHECK(parse("vCont?", &c) == RSP_UNSUPPORTED && parse("", &c) == RSP_UNSUPPORTED &&
		      rsp_parse("X1000,0:", 8, &c) == RSP_UNSUPPORTED, "vCont?, X and the empty packet are unsupported");
	return unit_done();
}
