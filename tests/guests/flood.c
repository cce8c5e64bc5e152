/* SPDX-License-Identifier: MIT */
/*
 * flood: a console flood. It writes bytes= bytes (default 2M, K/M/G suffixes; rounded down to whole lines) as
 * fixed-length numbered lines in chunk=-byte HVMM_HC_WRITE calls (default 4096, the most one call takes), never
 * yielding, then prints one summary line and exits 0. It checks that the console keeps up with a guest that does
 * nothing but print, and that such a guest neither starves the others nor loses output.
 *
 * Line k (k = 1 .. bytes / len, len from line=, default 100, 17 <= len <= 4096, newline included) is
 *     "flood " + k as 8 decimal digits (zero-padded) + " " + payload + "\n"
 * where payload has len - 16 characters, character j being 'a' + (k + j) % 26. tests/scenarios_soak.py rebuilds
 * every line from this rule. Lines straddle the write calls whenever len does not divide chunk. A line longer than
 * hvmm's console line (200 bytes) is printed in pieces, the later ones marked "[<name>]+ " (hvmm/guest/guest_console.c).
 *
 * At the end it prints
 *     flood done lines=<n> bytes=<b> writes=<w> ms=<TSC time from start to end, in ms>
 * (how much of that the guest held the CPU is hvmm's to tell: its "reentry" statistic, and how the flood's lines
 * interleave with the other guests').
 */
#include "hvmm.h"

#define CHUNK_MAX HVMM_WRITE_MAX
#define PREFIX_LEN 16 /* "flood " + 8 digits + " ", and the newline */

static char buf[CHUNK_MAX];

/* Append line k of length len to out (which has room); returns the bytes written. */
static unsigned make_line(char *out, uint64_t k, unsigned len)
{
	static const char head[] = "flood ";
	unsigned n = 0;
	for (unsigned i = 0; i < sizeof(head) - 1; i++)
		out[n++] = head[i];
	uint64_t v = k;
	for (int d = 7; d >= 0; d--) {
		out[n + (unsigned)d] = (char)('0' + v % 10);
		v /= 10;
	}
	n += 8;
	out[n++] = ' ';
	for (unsigned j = 0; j + PREFIX_LEN < len; j++)
		out[n++] = (char)('a' + (k + j) % 26);
	out[n++] = '\n';
	return n;
}

int guest_main(const struct hvmm_bootinfo *bi)
{
	uint64_t len = rt_arg_u64(bi, "line", 100);
	uint64_t chunk = rt_arg_u64(bi, "chunk", CHUNK_MAX);
	uint64_t total = rt_arg_u64(bi, "bytes", 2u << 20);
	uint64_t khz = rt_tsc_khz(bi);

	if (len < PREFIX_LEN + 1 || len > CHUNK_MAX || chunk < 1 || chunk > CHUNK_MAX) {
		gprintf("flood: bad line=%llu or chunk=%llu (17 <= line <= 4096, 1 <= chunk <= 4096)\n",
			(unsigned long long)len, (unsigned long long)chunk);
		return 1;
	}
	uint64_t lines = total / len;

	/* The stream of lines, cut into chunk-byte writes; line holds the line being copied out. */
	static char line[CHUNK_MAX];
	unsigned line_len = 0, line_off = 0;
	uint64_t k = 0, fill = 0, writes = 0;
	uint64_t start = rdtsc();
	for (;;) {
		while (fill < chunk) {
			if (line_off == line_len) {
				if (k == lines)
					break;
				line_len = make_line(line, ++k, (unsigned)len);
				line_off = 0;
			}
			unsigned n = line_len - line_off;
			if (n > chunk - fill)
				n = (unsigned)(chunk - fill);
			for (unsigned i = 0; i < n; i++)
				buf[fill + i] = line[line_off + i];
			fill += n;
			line_off += n;
		}
		if (!fill)
			break;
		long r = hc_write(buf, fill);
		if (r != (long)fill) {
			gprintf("flood: write of %llu bytes returned %ld\n", (unsigned long long)fill, r);
			return 1;
		}
		writes++;
		fill = 0;
	}
	uint64_t ms = khz ? (rdtsc() - start) / khz : 0;
	gprintf("flood done lines=%llu bytes=%llu writes=%llu ms=%llu\n", (unsigned long long)lines,
		(unsigned long long)(lines * len), (unsigned long long)writes, (unsigned long long)ms);
	return 0;
}
