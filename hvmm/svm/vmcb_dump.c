/* SPDX-License-Identifier: MIT */
/* vmcb_dump.c — print a VMCB's fields on the console, one group per line (docs/serial-log.md, "VMCB dump"). */
#include "hvmm/svm/vmcb_dump.h"

#include "hvmm/core/console.h"
#include "hvmm/svm/vmcb.h"

static void seg_line(const char *who, const char *what, const char *const names[4], const struct vmcb_seg *const s[4])
{
	hlog("%s: vmcb %s: %s=%04x/%03x/%x/%lx %s=%04x/%03x/%x/%lx %s=%04x/%03x/%x/%lx %s=%04x/%03x/%x/%lx", who, what,
	     names[0], s[0]->selector, s[0]->attrib, s[0]->limit, s[0]->base, names[1], s[1]->selector, s[1]->attrib,
	     s[1]->limit, s[1]->base, names[2], s[2]->selector, s[2]->attrib, s[2]->limit, s[2]->base, names[3],
	     s[3]->selector, s[3]->attrib, s[3]->limit, s[3]->base);
}

void vmcb_dump(const char *who, const struct vmcb *v)
{
	const struct vmcb_control *c = &v->control;
	const struct vmcb_save *s = &v->save;

	hlog("%s: vmcb control: cr_rd=%04x cr_wr=%04x dr_rd=%04x dr_wr=%04x exc=%08x misc=%08x/%08x/%08x iopm=0x%lx "
	     "msrpm=0x%lx tsc_offset=0x%lx asid=%u tlb_control=%u int_ctl=0x%x int_vector=0x%x int_state=0x%lx",
	     who, c->intercept_cr_read, c->intercept_cr_write, c->intercept_dr_read, c->intercept_dr_write,
	     c->intercept_exceptions, c->intercept_misc1, c->intercept_misc2, c->intercept_misc3, c->iopm_base_pa,
	     c->msrpm_base_pa, c->tsc_offset, c->asid, c->tlb_control, c->int_ctl, c->int_vector, c->int_state);
	hlog("%s: vmcb control: np_control=0x%lx ncr3=0x%lx eventinj=0x%lx virt_ext=0x%lx clean=0x%x exitcode=0x%lx "
	     "exitinfo1=0x%lx exitinfo2=0x%lx exitintinfo=0x%lx nrip=0x%lx",
	     who, c->np_control, c->ncr3, c->eventinj, c->virt_ext, c->clean, c->exitcode, c->exitinfo1, c->exitinfo2,
	     c->exitintinfo, c->nrip);
	hlog("%s: vmcb state: rip=0x%lx rsp=0x%lx rax=0x%lx rflags=0x%lx cpl=%u efer=0x%lx cr0=0x%lx cr2=0x%lx "
	     "cr3=0x%lx cr4=0x%lx dr6=0x%lx dr7=0x%lx g_pat=0x%lx",
	     who, s->rip, s->rsp, s->rax, s->rflags, s->cpl, s->efer, s->cr0, s->cr2, s->cr3, s->cr4, s->dr6, s->dr7,
	     s->g_pat);
	static const char *const n1[4] = { "es", "cs", "ss", "ds" }, *const n2[4] = { "fs", "gs", "ldtr", "tr" };
	seg_line(who, "segments (selector/attrib/limit/base)", n1,
		 (const struct vmcb_seg *const[4]){ &s->es, &s->cs, &s->ss, &s->ds });
	seg_line(who, "segments", n2, (const struct vmcb_seg *const[4]){ &s->fs, &s->gs, &s->ldtr, &s->tr });
	hlog("%s: vmcb tables: gdtr=%x/%lx idtr=%x/%lx kernel_gs_base=0x%lx star=0x%lx lstar=0x%lx cstar=0x%lx "
	     "sfmask=0x%lx",
	     who, s->gdtr.limit, s->gdtr.base, s->idtr.limit, s->idtr.base, s->kernel_gs_base, s->star, s->lstar,
	     s->cstar, s->sfmask);
}
