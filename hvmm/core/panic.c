/* SPDX-License-Identifier: MIT */
/* panic.c — report a broken hvmm invariant with registers, then stop the machine: every other CPU first (NMI IPI). */
#include "hvmm/core/panic.h"

#include <stdarg.h>

#include "fmt.h"

#include "hvmm/core/arch.h"
#include "hvmm/core/console.h"
#include "hvmm/core/percpu.h"

#define NO_CPU (-1)

static void (*stop_hook)(void);
static void (*freeze_hook)(void);
static int panic_cpu = NO_CPU; /* the CPU that panicked first */
static unsigned parked; /* CPUs stopped by panic_park */

void panic_set_stop(void (*stop)(void)) { stop_hook = stop; }
void panic_set_freeze(void (*freeze)(void)) { freeze_hook = freeze; }

unsigned panic_parked(void) { return __atomic_load_n(&parked, __ATOMIC_ACQUIRE); }

void panic_park(void)
{
	int p = __atomic_load_n(&panic_cpu, __ATOMIC_ACQUIRE);
	if (p == NO_CPU || p == (int)this_cpu()->id)
		return;
	__atomic_fetch_add(&parked, 1, __ATOMIC_RELEASE);
	halt_forever(); /* inside the NMI handler: NMIs stay blocked, nothing wakes this CPU again */
}

void panic_stop(void)
{
	if (stop_hook)
		stop_hook();
	halt_forever();
}

void panic_header(const char *fmt, va_list ap)
{
	cli();
	char msg[CON_LINE_MAX];
	int me = (int)this_cpu()->id, first = NO_CPU;
	if (!__atomic_compare_exchange_n(&panic_cpu, &first, me, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		/* A panic while panicking, or another CPU panicked first: that one reports (its NMI wakes this CPU
		 * from HLT into panic_park, which counts it); print nothing more. */
		halt_forever();
	}
	if (freeze_hook)
		freeze_hook(); /* stop the other CPUs before printing, so nothing mixes with the panic's lines */
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	con_panic(); /* the console lock freed, what was queued, then the panic, synchronously */
	hlog("PANIC: %s (cpu %d)", msg, me);
	if (ncpus > 1)
		hlog("  other CPUs stopped by NMI: %u of %u", panic_parked(), ncpus - 1);
}

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	panic_header(fmt, ap);
	va_end(ap);
	uint64_t rsp, rbp;
	__asm__ volatile("mov %%rsp, %0; mov %%rbp, %1" : "=r"(rsp), "=r"(rbp));
	hlog("  rip=%p rsp=0x%lx rbp=0x%lx cr0=0x%lx cr3=0x%lx cr4=0x%lx", __builtin_return_address(0), rsp, rbp,
	     read_cr0(), read_cr3(), read_cr4());
	panic_stop();
}
