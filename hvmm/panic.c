/* panic.c — report a broken hvmm invariant with registers, then stop the machine. */
#include "hvmm/panic.h"

#include <stdarg.h>

#include "fmt.h"

#include "hvmm/console.h"
#include "hvmm/percpu.h"
#include "hvmm/power.h"
#include "hvmm/x86.h"

static int in_panic;

static void panic_header(const char *fmt, va_list ap)
{
	cli();
	char msg[CON_LINE_MAX];
	if (in_panic++) { /* a panic while panicking: print nothing more */
		halt_forever();
	}
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
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
	power_off(POWER_PANIC);
}

void panic_frame(const struct trap_frame *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	panic_header(fmt, ap);
	va_end(ap);
	hlog("  rip=0x%lx cs=0x%lx rflags=0x%lx rsp=0x%lx ss=0x%lx error=0x%lx cr2=0x%lx", f->rip, f->cs, f->rflags,
	     f->rsp, f->ss, f->error_code, read_cr2());
	hlog("  rax=0x%lx rbx=0x%lx rcx=0x%lx rdx=0x%lx", f->rax, f->rbx, f->rcx, f->rdx);
	hlog("  rsi=0x%lx rdi=0x%lx rbp=0x%lx r8=0x%lx", f->rsi, f->rdi, f->rbp, f->r8);
	hlog("  r9=0x%lx r10=0x%lx r11=0x%lx r12=0x%lx", f->r9, f->r10, f->r11, f->r12);
	hlog("  r13=0x%lx r14=0x%lx r15=0x%lx", f->r13, f->r14, f->r15);
	power_off(POWER_PANIC);
}
