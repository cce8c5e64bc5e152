/* SPDX-License-Identifier: MIT */
/*
 * moncmd.h — the commands of hvmm's monitor (docs/running.md "The monitor"): a typed line split into a command and
 * its arguments, checked, and either a command to run or a one-line error. The table of commands is also what
 * `help` prints.
 */
#ifndef HVMM_LIB_MONCMD_H
#define HVMM_LIB_MONCMD_H
#include <stddef.h>
#include <stdint.h>

enum moncmd_op {
	MONCMD_EMPTY, /* a blank line: nothing to do */
	MONCMD_ERROR, /* moncmd.error says why */
	MONCMD_HELP,
	MONCMD_LIST,
	MONCMD_STATS, /* guest[0] == 0: every guest */
	MONCMD_PAUSE,
	MONCMD_RESUME,
	MONCMD_KILL,
	MONCMD_CONSOLE,
	MONCMD_SLICE,
	MONCMD_NMI,
	MONCMD_TRACE, /* count: the newest events per CPU to show, 0 = all kept */
};

#define MONCMD_NAME_MAX 32 /* a guest name, with its NUL (GUEST_NAME_MAX) */
#define MONCMD_ERROR_MAX 120

/* The limits of a time slice: `slice <time>` here, and slice= on hvmm's command line (hvmm/core/config.c). */
#define MONCMD_SLICE_MIN_US 100
#define MONCMD_SLICE_MAX_US 10000000

struct moncmd {
	enum moncmd_op op;
	char guest[MONCMD_NAME_MAX]; /* the guest argument, or "" */
	uint64_t us; /* slice: the time in microseconds */
	uint64_t count; /* trace: the number given (1 or more), 0 without one */
	char error[MONCMD_ERROR_MAX]; /* MONCMD_ERROR: the reason, one line without a newline */
};

/* One command of the table: its name, its arguments as help shows them, what it does. */
struct moncmd_info {
	const char *name, *args, *what;
	enum moncmd_op op;
};
extern const struct moncmd_info moncmd_table[];
extern const size_t moncmd_count;

/* Parse one line (NUL-terminated, any bytes) into c. Words are separated by spaces or tabs. Returns c->op. */
enum moncmd_op moncmd_parse(const char *line, struct moncmd *c);

#endif
