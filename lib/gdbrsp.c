/* SPDX-License-Identifier: MIT */
/*
 * gdbrsp.c — GDB remote serial protocol framing and command parsing for hvmm's stub (gdbrsp.h). GDB manual, appendix
 * "GDB Remote Serial Protocol": "Overview" (framing, checksum, acknowledgements), "Packets" (the commands),
 * "General Query Packets" (qSupported, qAttached), "Interrupts" (0x03).
 */
#include "gdbrsp.h"

#include <string.h>

enum { RX_IDLE, RX_DATA, RX_SUM1, RX_SUM2 };

enum rsp_event rsp_rx_feed(struct rsp_rx *rx, uint8_t ch)
{
	if (ch == '$') { /* a new packet, also in the middle of another (resynchronisation) */
		rx->state = RX_DATA;
		rx->sum = 0;
		rx->len = 0;
		rx->overflow = 0;
		return RSP_EV_NONE;
	}
	switch (rx->state) {
	case RX_DATA:
		if (ch == '#') {
			rx->state = RX_SUM1;
			return RSP_EV_NONE;
		}
		rx->sum = (uint8_t)(rx->sum + ch);
		if (rx->len < RSP_PACKET_MAX)
			rx->buf[rx->len++] = (char)ch;
		else
			rx->overflow = 1;
		return RSP_EV_NONE;
	case RX_SUM1: {
		int d = rsp_hex_digit((char)ch);
		rx->got = (uint8_t)(d < 0 ? 0 : d);
		rx->overflow |= d < 0;
		rx->state = RX_SUM2;
		return RSP_EV_NONE;
	}
	case RX_SUM2: {
		int d = rsp_hex_digit((char)ch);
		rx->state = RX_IDLE;
		rx->buf[rx->len] = 0;
		if (d < 0 || rx->overflow || (uint8_t)(rx->got << 4 | d) != rx->sum)
			return RSP_EV_BAD;
		return RSP_EV_PACKET;
	}
	default: /* between packets */
		return ch == 0x03 ? RSP_EV_INTERRUPT : ch == '+' ? RSP_EV_ACK : ch == '-' ? RSP_EV_NAK : RSP_EV_NONE;
	}
}

int rsp_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int rsp_hex_decode(const char *hex, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = rsp_hex_digit(hex[2 * i]), lo = rsp_hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

size_t rsp_hex_encode(char *out, const uint8_t *in, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	return 2 * n;
}

size_t rsp_frame(char *out, const char *p, size_t n)
{
	if (n > RSP_PACKET_MAX)
		return 0;
	uint8_t sum = 0;
	out[0] = '$';
	for (size_t i = 0; i < n; i++) {
		out[1 + i] = p[i];
		sum = (uint8_t)(sum + (uint8_t)p[i]);
	}
	out[n + 1] = '#';
	rsp_hex_encode(out + n + 2, &sum, 1);
	return n + 4;
}

/* A hex number of 1-16 digits at *p (before end), stored in *v; *p moves past it. 0, or -1. */
static int number(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;
	int d;
	while (s < end && (d = rsp_hex_digit(*s)) >= 0) {
		if (s - *p == 16)
			return -1; /* more than 64 bits */
		x = x << 4 | (uint64_t)d;
		s++;
	}
	if (s == *p)
		return -1;
	*p = s;
	*v = x;
	return 0;
}

/* The character c at *p (before end); *p moves past it. 0, or -1. */
static int expect(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return -1;
	(*p)++;
	return 0;
}

/* "addr,len" for m, M, Z, z (after the type for Z/z). */
static int addr_len(const char **p, const char *end, struct rsp_cmd *cmd)
{
	return number(p, end, &cmd->addr) || expect(p, end, ',') || number(p, end, &cmd->len) ? -1 : 0;
}

/* Is the payload [p, end) exactly the word w, or w followed by one of the separators in seps? */
static int word(const char *p, const char *end, const char *w, const char *seps)
{
	size_t n = strlen(w);
	if ((size_t)(end - p) < n || memcmp(p, w, n))
		return 0;
	return p + n == end || (p[n] && strchr(seps, p[n]) != NULL);
}

enum rsp_op rsp_parse(const char *p, size_t len, struct rsp_cmd *cmd)
{
	const char *end = p + len, *s = p + 1;
	memset(cmd, 0, sizeof(*cmd));
	cmd->op = RSP_UNSUPPORTED;
	if (!len)
		return cmd->op;
	switch (p[0]) {
	case '?':
		cmd->op = len == 1 ? RSP_HALT_REASON : RSP_MALFORMED;
		break;
	case 'g':
		cmd->op = len == 1 ? RSP_READ_REGS : RSP_MALFORMED;
		break;
	case 'G':
		cmd->op = RSP_WRITE_REGS;
		cmd->data = s;
		cmd->data_len = len - 1;
		if (cmd->data_len % 2)
			cmd->op = RSP_MALFORMED;
		break;
	case 'm':
		cmd->op = addr_len(&s, end, cmd) || s != end || cmd->len > RSP_MEM_MAX ? RSP_MALFORMED : RSP_READ_MEM;
		break;
	case 'M':
		if (addr_len(&s, end, cmd) || expect(&s, end, ':') || cmd->len > RSP_MEM_MAX ||
		    (size_t)(end - s) != 2 * cmd->len) {
			cmd->op = RSP_MALFORMED;
			break;
		}
		cmd->op = RSP_WRITE_MEM;
		cmd->data = s;
		cmd->data_len = (size_t)(end - s);
		break;
	case 'Z':
	case 'z': {
		uint64_t type;
		/* "Z type,addr,kind" possibly followed by ";cond_list" (target-side conditions: not offered, ignored) */
		const char *stop = s;
		while (stop < end && *stop != ';')
			stop++;
		if (number(&s, stop, &type) || type > 4 || expect(&s, stop, ',') || addr_len(&s, stop, cmd) || s != stop) {
			cmd->op = RSP_MALFORMED;
			break;
		}
		cmd->type = (unsigned)type;
		cmd->op = p[0] == 'Z' ? RSP_INSERT : RSP_REMOVE;
		break;
	}
	case 's':
	case 'c':
		cmd->op = p[0] == 's' ? RSP_STEP : RSP_CONTINUE;
		if (len > 1) {
			cmd->has_addr = 1;
			if (number(&s, end, &cmd->addr) || s != end)
				cmd->op = RSP_MALFORMED;
		}
		break;
	case 'D':
		cmd->op = len == 1 || p[1] == ';' ? RSP_DETACH : RSP_MALFORMED;
		break;
	case 'k':
		cmd->op = RSP_KILL;
		break;
	case 'H':
		cmd->op = len >= 3 ? RSP_SET_THREAD : RSP_MALFORMED;
		break;
	case 'q':
		if (word(p, end, "qSupported", ":"))
			cmd->op = RSP_QSUPPORTED;
		else if (word(p, end, "qAttached", ":"))
			cmd->op = RSP_ATTACHED;
		break;
	default:
		break;
	}
	return cmd->op;
}
