/* SPDX-License-Identifier: MIT */
/* config.c — parse hvmm's command line: slice=, exit_port=, apic=, srso=, bench=, stats=, log=, trace=, vmcb_check=, cpus=, smt=, panic_test=. Bad input gets
 * a message and the default, never a crash. */
#include "hvmm/core/config.h"

#include <string.h>

#include "cmdline.h"
#include "moncmd.h"
#include "hvmm/core/console.h"
#include "hvmm/core/percpu.h"

#define SLICE_MIN_US ((uint64_t)MONCMD_SLICE_MIN_US) /* the monitor's `slice` takes the same */
#define SLICE_MAX_US ((uint64_t)MONCMD_SLICE_MAX_US)

struct config config = {
	.slice_us = 10000,
	.exit_port = 0,
	.srso = 2,
	.bench_log4 = -1,
	.cpus = 0, /* every usable CPU */
	.panic_test = -1,
};

void config_parse(const char *cmdline)
{
	struct cmdline_iter it;
	char key[32], val[64];
	int r;

	cmdline_init(&it, cmdline);
	while ((r = cmdline_next(&it, key, sizeof(key), val, sizeof(val))) != 0) {
		uint64_t v;
		if (r < 0) {
			hlog("warning: command-line option '%s...' is too long; ignored", key);
		} else if (!strcmp(key, "slice")) {
			if (parse_time_us(val, &v) || v < SLICE_MIN_US || v > SLICE_MAX_US)
				hlog("warning: slice=%s is not a duration between %lu us and %lu s; using %lu us", val,
				     SLICE_MIN_US, SLICE_MAX_US / 1000000, config.slice_us);
			else
				config.slice_us = v;
		} else if (!strcmp(key, "exit_port")) {
			if (parse_u64(val, &v) || v == 0 || v > 0xffff)
				hlog("warning: exit_port=%s is not an I/O port number; ignored", val);
			else
				config.exit_port = (uint16_t)v;
		} else if (!strcmp(key, "apic")) {
			if (!strcmp(val, "auto") || !strcmp(val, "xapic") || !strcmp(val, "x2apic"))
				config.apic = !strcmp(val, "auto") ? 0 : !strcmp(val, "xapic") ? 1 : 2;
			else
				hlog("warning: apic=%s is not auto, xapic or x2apic; using auto", val);
		} else if (!strcmp(key, "srso")) {
			if (!strcmp(val, "safe-ret") || !strcmp(val, "ibpb") || !strcmp(val, "off"))
				config.srso = !strcmp(val, "safe-ret") ? 2 : !strcmp(val, "ibpb");
			else
				hlog("warning: srso=%s is not safe-ret, ibpb or off; using safe-ret", val);
		} else if (!strcmp(key, "bench")) {
			if (parse_u64(val, &v) || v > 9)
				hlog("warning: bench=%s is not a number 0..9 (n up to 4^bench); ignored", val);
			else
				config.bench_log4 = (int)v;
		} else if (!strcmp(key, "stats")) {
			if (!strcmp(val, "full") || !strcmp(val, "short"))
				config.stats_full = !strcmp(val, "full");
			else
				hlog("warning: stats=%s is not 'full' or 'short'; using short", val);
		} else if (!strcmp(key, "log")) {
			if (!strcmp(val, "json") || !strcmp(val, "text"))
				config.log_json = !strcmp(val, "json");
			else
				hlog("warning: log=%s is not 'json' or 'text'; using text", val);
		} else if (!strcmp(key, "trace")) {
			if (parse_u64(val, &v)) {
				hlog("warning: trace=%s is not a number of events; tracing is off", val);
				config.trace = 0;
			} else if (v > (uint64_t)TRACE_MAX)
				hlog("warning: trace=%s is more than %lu events per CPU; keeping %lu", val, (uint64_t)TRACE_MAX,
				     config.trace = (uint64_t)TRACE_MAX);
			else
				config.trace = v;
		} else if (!strcmp(key, "vmcb_check")) {
			if (parse_u64(val, &v) || v > 1)
				hlog("warning: vmcb_check=%s is not 0 or 1; ignored", val);
			else
				config.vmcb_check = (int)v;
		} else if (!strcmp(key, "panic_test")) {
			if (parse_u64(val, &v) || v >= MAX_CPUS)
				hlog("warning: panic_test=%s is not a CPU number below %u; ignored", val, MAX_CPUS);
			else
				config.panic_test = (int)v;
		} else if (!strcmp(key, "gdb")) {
			if (!val[0] || strlen(val) >= sizeof(config.gdb))
				hlog("warning: gdb=%s is not a guest name (1-%u characters); ignored", val,
				     (unsigned)sizeof(config.gdb) - 1);
			else
				strlcpy(config.gdb, val, sizeof(config.gdb));
		} else if (!strcmp(key, "smt")) {
			if (!strcmp(val, "on") || !strcmp(val, "off"))
				config.smt = !strcmp(val, "on");
			else
				hlog("warning: smt=%s is not on or off; using off", val);
		} else if (!strcmp(key, "cpus")) {
			if (parse_u64(val, &v) || v == 0)
				hlog("warning: cpus=%s is not a number of CPUs (1 or more); ignored", val);
			else if (v > MAX_CPUS)
				hlog("warning: cpus=%s is more than the %u CPUs hvmm supports; using %u", val, MAX_CPUS,
				     config.cpus = MAX_CPUS);
			else
				config.cpus = (unsigned)v;
		} else {
			hlog("warning: unknown command-line option '%s'; ignored", key);
		}
	}
}
