/* SPDX-License-Identifier: MIT */
/* config.h — hvmm's command-line options (multiboot2 tag 1), parsed once at boot. docs/cmdline.md lists them. */
#ifndef HVMM_CONFIG_H
#define HVMM_CONFIG_H
#include <stdint.h>

#define TRACE_MAX (1u << 20) /* trace= at most: events per CPU, 32 bytes each (hvmm/guest/trace.h) */

struct config {
	uint64_t slice_us; /* time slice (µs); slice= , default 10 ms */
	uint16_t exit_port; /* QEMU isa-debug-exit port, 0 = none; exit_port= */
	int apic; /* apic= : 0 auto (firmware's mode), 1 xapic, 2 x2apic (enum lapic_mode) */
	int srso; /* srso= on CPUs exposed to SRSO/Retbleed: 2 (safe-ret, default) the safe RET, 1 (ibpb) IBPB at every exit, 0 (off); lib/spec_policy.h enum spec_srso */
	int bench_log4; /* run the native latency benchmark up to n = 4^bench_log4; bench= , -1 = off */
	int stats_full; /* print the dist/hist lines in the summary; stats=full (1) or stats=short (0, default) */
	int vmcb_check; /* check every VMCB before VMRUN (hvmm/svm/vmcb_check.h); vmcb_check=1, default 0 */
	unsigned cpus; /* CPUs to run guests on, 1..MAX_CPUS; cpus= , default 0: every usable CPU (MADT, MAX_CPUS) */
	int smt; /* smt=on (1): guests on every SMT thread; smt=off (0, default): one thread per core (docs/cmdline.md) */
	int log_json; /* log=json: JSON lines beside the text summary (docs/running.md); log=text (0, default) */
	uint64_t trace; /* trace=<n>: keep the last n guest runs per CPU (hvmm/guest/trace.h); 0 (default) = off */
	char gdb[32]; /* gdb=<guest>: the guest the gdb stub on COM2 debugs (hvmm/guest/gdbstub.h); "" = none */
	int panic_test; /* testing: this CPU panics on purpose 300 ms after the guests start; panic_test= , -1 = off */
};

extern struct config config;

/* Parse hvmm's command line (NULL = empty) into config; unknown keys and bad values are reported and ignored. */
void config_parse(const char *cmdline);

#endif
