/*
 * hypercall.c — VMMCALL handling (RAX = number; RDI, RSI, RDX = arguments; RAX = result) per hvmm/guest_abi.h.
 * Guest console output is collected per guest and printed one whole line at a time as "[<name>] <text>".
 */
#include "hvmm/hypercall.h"

#include "hvmm/console.h"
#include "hvmm/exit.h"
#include "hvmm/guest.h"
#include "hvmm/guest_abi.h"
#include "hvmm/tsc.h"
#include "hvmm/vmcb.h"

#define VMMCALL_LEN 3 /* 0F 01 D9 */

void hypercall_flush_console(struct guest *g)
{
	if (g->line_len) {
		con_guest_line(g->name, g->line, g->line_len);
		g->line_len = 0;
	}
}

/* Append one guest byte to g's line; '\n' or a full buffer prints the line. Control bytes become '.'. */
static void console_putc(struct guest *g, char ch)
{
	if (ch == '\n') {
		con_guest_line(g->name, g->line, g->line_len);
		g->line_len = 0;
		return;
	}
	if (ch == '\r')
		return;
	if (ch == '\t')
		ch = ' ';
	if ((unsigned char)ch < 0x20 || (unsigned char)ch >= 0x7f)
		ch = '.';
	g->line[g->line_len++] = ch;
	if (g->line_len == GUEST_LINE_MAX)
		hypercall_flush_console(g);
}

/* HVMM_HC_WRITE: copy len bytes at guest-physical buf to the console. */
static int64_t hc_write(struct guest *g, uint64_t buf, uint64_t len)
{
	if (len > HVMM_WRITE_MAX)
		return HVMM_EINVAL;
	const char *p = guest_ptr(g, buf, len);
	if (!p)
		return HVMM_EFAULT;
	for (uint64_t i = 0; i < len; i++)
		console_putc(g, p[i]);
	return (int64_t)len;
}

void handle_vmmcall(struct cpu *c, struct guest *g)
{
	(void)c;
	struct vmcb *v = g->vmcb;
	int64_t ret = 0;

	switch (v->save.rax) {
	case HVMM_HC_NOP:
		break;
	case HVMM_HC_WRITE:
		ret = hc_write(g, g->regs.rdi, g->regs.rsi);
		break;
	case HVMM_HC_YIELD:
		g->yield = 1;
		break;
	case HVMM_HC_EXIT:
		hypercall_flush_console(g);
		g->state = GUEST_EXITED;
		g->exit_status = (int32_t)g->regs.rdi; /* a C int */
		hlog("guest %s exited status=%ld", g->name, g->exit_status);
		return;
	case HVMM_HC_TSC_KHZ:
		ret = (int64_t)tsc_khz;
		break;
	default:
		ret = HVMM_ENOSYS;
		break;
	}
	v->save.rax = (uint64_t)ret;
	exit_skip_insn(g, VMMCALL_LEN);
}
