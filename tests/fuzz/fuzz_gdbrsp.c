/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the gdb stub's protocol in lib/gdbrsp.c: every input byte goes through rsp_rx_feed as hvmm's
 * stub feeds what arrives on COM2 (hvmm/guest/gdbstub.c), and each accepted packet through rsp_parse. Checks the
 * header's contracts: an accepted payload is NUL-terminated inside the buffer with at most RSP_PACKET_MAX bytes; a
 * parsed command's data lies inside the payload, an M packet carries exactly 2 * len digits, m/M lengths stay within
 * RSP_MEM_MAX and Z/z types within 0-4; the payload framed again (rsp_frame) and fed to a fresh receiver comes back
 * as the same packet.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gdbrsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_packet(const struct rsp_rx *rx)
{
	if (rx->len > RSP_PACKET_MAX || rx->buf[rx->len] != 0)
		abort();
	char *p = malloc(rx->len ? rx->len : 1); /* exactly sized: a read past the payload is an ASan report */
	memcpy(p, rx->buf, rx->len);
	struct rsp_cmd c;
	enum rsp_op op = rsp_parse(p, rx->len, &c);
	if (op != c.op || op > RSP_ATTACHED)
		abort();
	if (c.data && (c.data < p || c.data + c.data_len > p + rx->len))
		abort();
	if ((op == RSP_READ_MEM || op == RSP_WRITE_MEM) && c.len > RSP_MEM_MAX)
		abort();
	if (op == RSP_WRITE_MEM) {
		uint8_t bytes[RSP_MEM_MAX];
		if (c.data_len != 2 * c.len)
			abort();
		(void)rsp_hex_decode(c.data, bytes, c.len);
	}
	if ((op == RSP_INSERT || op == RSP_REMOVE) && c.type > 4)
		abort();
	if (op == RSP_WRITE_REGS && c.data_len % 2)
		abort();
	/* Framed again and received by a fresh receiver: the same packet (a '$' or '#' inside cannot have come in). */
	char frame[RSP_FRAME_MAX];
	size_t f = rsp_frame(frame, p, rx->len);
	struct rsp_rx again = { 0 };
	enum rsp_event e = RSP_EV_NONE;
	for (size_t i = 0; i < f; i++)
		e = rsp_rx_feed(&again, (uint8_t)frame[i]);
	if (f != rx->len + 4 || e != RSP_EV_PACKET || again.len != rx->len || memcmp(again.buf, p, rx->len))
		abort();
	free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rsp_rx rx; /* large: not on the stack */
	memset(&rx, 0, sizeof(rx));
	for (size_t i = 0; i < size; i++) {
		enum rsp_event e = rsp_rx_feed(&rx, data[i]);
		if (e > RSP_EV_NAK)
			abort();
		if (e == RSP_EV_PACKET)
			check_packet(&rx);
	}
	return 0;
}
