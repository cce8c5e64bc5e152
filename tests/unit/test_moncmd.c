/* SPDX-License-Identifier: MIT */
/* Host unit tests of hvmm's console input in lib/: the focus key (conkeys.c), the monitor's line editor
 * (lineedit.c) and its command parser (moncmd.c). */
#define UNIT_MODULE "moncmd"
#include <stdint.h>
#include <string.h>

#include "conkeys.h"
#include "lineedit.h"
#include "moncmd.h"
#include "unit.h"

/* Feed s through a fresh conkeys; the bytes passed on into out (NUL-terminated), switches counted. */
static int keys(const char *s, size_t n, char *out)
{
	struct conkeys k = { 0 };
	int switches = 0;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t b[CONKEYS_REPEAT];
		int r = conkeys_feed(&k, (uint8_t)s[i], b);
		if (r == CONKEYS_SWITCH)
			switches++;
		for (int j = 0; j < r; j++)
			out[o++] = (char)b[j];
	}
	out[o] = 0;
	return switches;
}

/* Type s into a fresh editor; returns the number of ended lines, the last in line. */
static int type(const char *s, char *line, char *echo_all)
{
	struct lineedit e = { 0 };
	char echo[LINEEDIT_ECHO_MAX];
	size_t n, all = 0;
	int ended = 0;
	line[0] = 0;
	for (; *s; s++) {
		if (lineedit_feed(&e, *s, echo, &n)) {
			ended++;
			strcpy(line, e.buf);
		}
		memcpy(echo_all + all, echo, n);
		all += n;
	}
	echo_all[all] = 0;
	return ended;
}

static enum moncmd_op parse(const char *line, struct moncmd *c) { return moncmd_parse(line, c); }

int main(void)
{
	char out[64], line[LINEEDIT_MAX], echo[1024];
	struct moncmd c;

	CHECK(keys("ab", 2, out) == 0 && !strcmp(out, "ab"), "plain bytes pass");
	CHECK(keys("\x01\x01\x01", 3, out) == 1 && !strcmp(out, ""), "Ctrl-A three times: a switch, nothing passed");
	CHECK(keys("a\x01" "b", 3, out) == 0 && !strcmp(out, "a\x01" "b"), "one Ctrl-A before a key is passed with it");
	CHECK(keys("\x01\x01" "c", 3, out) == 0 && !strcmp(out, "\x01\x01" "c"), "two Ctrl-A before a key are passed");
	CHECK(keys("\x01\x01\x01\x01\x01\x01", 6, out) == 2 && !strcmp(out, ""), "six Ctrl-A: two switches");
	CHECK(keys("\x01\x01\x01\x01x", 5, out) == 1 && !strcmp(out, "\x01x"), "four Ctrl-A then x: a switch, then ^A x");
	CHECK(keys("\x01", 1, out) == 0 && !strcmp(out, ""), "a lone Ctrl-A waits for the next byte");

	CHECK(type("list\r", line, echo) == 1 && !strcmp(line, "list") && !strcmp(echo, "list\n"), "a line, echoed");
	CHECK(type("lisx\x7ft\r\n", line, echo) == 1 && !strcmp(line, "list"), "DEL erases; CR LF is one Enter");
	CHECK(!strcmp(echo, "lisx\b \bt\n"), "DEL echoes backspace-space-backspace");
	CHECK(type("abc\x15" "help\n", line, echo) == 1 && !strcmp(line, "help"), "Ctrl-U erases the line");
	CHECK(type("\r\r", line, echo) == 2 && !strcmp(line, ""), "two CRs: two empty lines");
	CHECK(type("a\x1b[Ab\r", line, echo) == 1 && !strcmp(line, "a[Ab"), "ESC and other control bytes are ignored");
	CHECK(type("\b\b\bx\r", line, echo) == 1 && !strcmp(line, "x") && !strcmp(echo, "x\n"),
	      "backspace on an empty line does nothing");
	char longer[LINEEDIT_MAX + 20];
	memset(longer, 'a', sizeof(longer) - 2);
	longer[sizeof(longer) - 2] = '\r';
	longer[sizeof(longer) - 1] = 0;
	CHECK(type(longer, line, echo) == 1 && strlen(line) == LINEEDIT_MAX - 1 && strchr(echo, '\a'),
	      "a line longer than %d bytes is cut, the bell rings", LINEEDIT_MAX - 1);
	CHECK(type("ab\rcd\r", line, echo) == 2 && !strcmp(line, "cd"), "the next line starts empty");

	CHECK(parse("", &c) == MONCMD_EMPTY && parse("  \t ", &c) == MONCMD_EMPTY, "blank lines do nothing");
	CHECK(parse("list", &c) == MONCMD_LIST && parse(" help ", &c) == MONCMD_HELP, "list, help");
	CHECK(parse("stats", &c) == MONCMD_STATS && c.guest[0] == 0, "stats without a guest: all");
	CHECK(parse("stats linux", &c) == MONCMD_STATS && !strcmp(c.guest, "linux"), "stats <guest>");
	CHECK(parse("pause a", &c) == MONCMD_PAUSE && parse("resume a", &c) == MONCMD_RESUME &&
	      parse("kill a", &c) == MONCMD_KILL && parse("console\ta", &c) == MONCMD_CONSOLE && !strcmp(c.guest, "a"),
	      "pause, resume, kill, console <guest> (tab separates too)");
	CHECK(parse("nmi a", &c) == MONCMD_NMI && !strcmp(c.guest, "a"), "nmi <guest>");
	CHECK(parse("nmi", &c) == MONCMD_ERROR && strstr(c.error, "nmi needs a guest name"), "nmi needs a guest");
	CHECK(parse("slice 5ms", &c) == MONCMD_SLICE && c.us == 5000, "slice 5ms = 5000 us");
	CHECK(parse("slice 100us", &c) == MONCMD_SLICE && parse("slice 10s", &c) == MONCMD_SLICE && c.us == 10000000,
	      "slice limits 100us and 10s taken");
	CHECK(parse("slice 99us", &c) == MONCMD_ERROR && parse("slice 11s", &c) == MONCMD_ERROR &&
	      parse("slice x", &c) == MONCMD_ERROR && strstr(c.error, "'x'"), "slice out of range or malformed: error");
	CHECK(parse("trace", &c) == MONCMD_TRACE && c.count == 0, "trace without a number: every event kept");
	CHECK(parse("trace 16", &c) == MONCMD_TRACE && c.count == 16, "trace 16: the newest 16 of each CPU");
	CHECK(parse("trace 0", &c) == MONCMD_ERROR && parse("trace x", &c) == MONCMD_ERROR &&
	      !strcmp(c.error, "trace: 'x' is not a number of events (1 or more)") &&
	      parse("trace 99999999999999999999999", &c) == MONCMD_ERROR, "trace 0, x or too large: error");
	CHECK(parse("bogus", &c) == MONCMD_ERROR && !strcmp(c.error, "unknown command 'bogus' (help lists the commands)"),
	      "unknown command: the error names it");
	CHECK(parse("LIST", &c) == MONCMD_ERROR, "commands are lower case");
	CHECK(parse("list x", &c) == MONCMD_ERROR && strstr(c.error, "takes no argument"), "list takes no argument");
	CHECK(parse("pause", &c) == MONCMD_ERROR && !strcmp(c.error, "pause needs a guest name"), "pause needs a guest");
	CHECK(parse("slice", &c) == MONCMD_ERROR && strstr(c.error, "needs a time"), "slice needs a time");
	CHECK(parse("kill a b", &c) == MONCMD_ERROR && strstr(c.error, "one argument at most"), "one argument at most");
	CHECK(parse("kill 0123456789012345678901234567890123456789", &c) == MONCMD_ERROR && strstr(c.error, "longer"),
	      "a guest name longer than any is an error");
	CHECK(parse("verylongcommandname123", &c) == MONCMD_ERROR && strstr(c.error, "...'"),
	      "a long unknown word is shown cut short");
	CHECK(parse("\x7f\x01x", &c) == MONCMD_ERROR && !strchr(c.error, 0x7f) && !strchr(c.error, 0x01),
	      "an error shows control bytes as '?': one printable line");
	int all_named = 1;
	for (size_t i = 0; i < moncmd_count; i++) {
		char l[64];
		snprintf(l, sizeof(l), "%s%s", moncmd_table[i].name, moncmd_table[i].args[0] == '<' ? " g" : "");
		if (!strcmp(moncmd_table[i].name, "slice"))
			snprintf(l, sizeof(l), "slice 1ms");
		all_named &= parse(l, &c) == moncmd_table[i].op;
	}
	CHECK(all_named, "every command of the table parses to its own op");
	return unit_done();
}
