/* panic.c — report a broken hvmm invariant with registers, then stop the machine. */
#include "hvmm/core/panic.h"

#include <stdarg.h>

#include "fmt.h"

#include "hvmm/core/arch.h"
#include "hvmm/core/console.h"
#include "hvmm/core/percpu.h"

static int in_panic;
static void (*stop_hook)(void);

void panic_set_stop(void (*stop)(void)) { stop_hook = stop; }

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
	if (in_panic++) { /* a panic while panicking: print nothing more */
		halt_forever();
	}
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	con_panic(); /* what was queued, then the panic, synchronously */
	hlog("PANIC: %s (cpu %u)", msg, this_cpu()->id);
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
