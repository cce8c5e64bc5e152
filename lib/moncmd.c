/* SPDX-License-Identifier: MIT */
/* moncmd.c — parse a line typed at hvmm's monitor (moncmd.h). */
#include "moncmd.h"

#include <string.h>

#include "cmdline.h"
#include "fmt.h"

enum args { NONE, GUEST, GUEST_OPT, TIME, COUNT_OPT };

static const struct {
	enum args args;
} table_args[] = {
	[MONCMD_HELP] = { NONE },     [MONCMD_LIST] = { NONE },	    [MONCMD_STATS] = { GUEST_OPT },
	[MONCMD_PAUSE] = { GUEST },   [MONCMD_RESUME] = { GUEST },  [MONCMD_KILL] = { GUEST },
	[MONCMD_CONSOLE] = { GUEST }, [MONCMD_SLICE] = { TIME },    [MONCMD_NMI] = { GUEST },
	[MONCMD_TRACE] = { COUNT_OPT },
};

const struct moncmd_info moncmd_table[] = {
	{ "list", "", "every guest: state, CPU, vCPUs, switches, exits, lag p50/p99, runtime, memory", MONCMD_LIST },
	{ "stats", "[guest]", "exits by reason and the lag distribution (of one guest, or of all)", MONCMD_STATS },
	{ "pause", "<guest>", "stop running the guest until resume", MONCMD_PAUSE },
	{ "resume", "<guest>", "run a paused guest again", MONCMD_RESUME },
	{ "kill", "<guest>", "end the guest (killed: from the monitor)", MONCMD_KILL },
	{ "console", "<guest>", "give the guest the input focus (leaves the monitor)", MONCMD_CONSOLE },
	{ "slice", "<time>", "the time slice from the next slice on (us, ms or s; 100us..10s)", MONCMD_SLICE },
	{ "nmi", "<guest>", "a PC's NMI button: the guest's LINT1 (an NMI if LVT LINT1 says so)", MONCMD_NMI },
	{ "trace", "[n]", "the timeline: each CPU's last runs (trace=<n>), the newest n of each", MONCMD_TRACE },
	{ "help", "", "this list", MONCMD_HELP },
};
const size_t moncmd_count = sizeof(moncmd_table) / sizeof(moncmd_table[0]);

static int blank(char ch) { return ch == ' ' || ch == '\t'; }

/* The next word of *p into w (size bytes, NUL-terminated, cut short if longer); 0 at the end of the line, 1 for a
 * word, -1 for a word that did not fit. */
static int word(const char **p, char *w, size_t size)
{
	const char *s = *p;
	while (blank(*s))
		s++;
	size_t n = 0;
	while (s[n] && !blank(s[n]))
		n++;
	*p = s + n;
	if (!n)
		return 0;
	size_t k = n < size ? n : size - 1;
	memcpy(w, s, k);
	w[k] = 0;
	return n < size ? 1 : -1;
}

static enum moncmd_op fail(struct moncmd *c, const char *fmt, const char *a, const char *b)
{
	fmt_snprintf(c->error, sizeof(c->error), fmt, a, b);
	return c->op = MONCMD_ERROR;
}

/* A word shown in an error: printable ASCII only, so the error stays one line. */
static void printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

enum moncmd_op moncmd_parse(const char *line, struct moncmd *c)
{
	char name[16] = "", arg[MONCMD_NAME_MAX] = "", extra[8] = "";
	*c = (struct moncmd){ .op = MONCMD_EMPTY };
	int r = word(&line, name, sizeof(name));
	if (r == 0)
		return c->op;
	printable(name);
	const struct moncmd_info *info = NULL;
	for (size_t i = 0; i < moncmd_count && r > 0; i++)
		if (!strcmp(name, moncmd_table[i].name))
			info = &moncmd_table[i];
	if (!info)
		return fail(c, "unknown command '%s%s' (help lists the commands)", name, r < 0 ? "..." : "");
	enum args want = table_args[info->op].args;
	r = word(&line, arg, sizeof(arg));
	printable(arg);
	if (r != 0 && want == NONE)
		return fail(c, "%s takes no argument (got '%s')", info->name, arg);
	if (r == 0 && (want == GUEST || want == TIME))
		return fail(c, "%s needs %s", info->name, want == TIME ? "a time (e.g. 5ms)" : "a guest name");
	if (r < 0)
		return fail(c, "'%s...' is longer than any guest name or time (%s)", arg, info->name);
	if (word(&line, extra, sizeof(extra)) != 0)
		return fail(c, "%s takes one argument at most (got more after '%s')", info->name, arg);
	if (want == TIME) {
		if (parse_time_us(arg, &c->us) || c->us < MONCMD_SLICE_MIN_US || c->us > MONCMD_SLICE_MAX_US)
			return fail(c, "slice: '%s' is not a time between 100us and 10s%s", arg, "");
	} else if (want == COUNT_OPT) {
		if (r && (parse_u64(arg, &c->count) || c->count == 0))
			return fail(c, "trace: '%s' is not a number of events (1 or more)%s", arg, "");
	} else if (r) {
		memcpy(c->guest, arg, sizeof(c->guest));
	}
	return c->op = info->op;
}
