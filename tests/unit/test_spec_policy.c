/* SPDX-License-Identifier: MIT */
/* Host unit tests of lib/spec_policy.c: the speculation policy for CPU models and srso= values. */
#define UNIT_MODULE "spec_policy"
#include <string.h>

#include "spec_policy.h"
#include "unit.h"

#define IBPB SPEC_CPUID_E8_IBPB
#define IBPB_RET SPEC_CPUID_E8_IBPB_RET
#define BRTYPE SPEC_CPUID_E21_IBPB_BRTYPE
#define SRSO_NO SPEC_CPUID_E21_SRSO_NO

static struct spec_policy decide(int amd, unsigned family, uint32_t e8, uint32_t e21, enum spec_srso mode)
{
	struct spec_cpu cpu = {.amd = amd, .family = family, .model = 0x01, .e8_ebx = e8, .e21_eax = e21};
	struct spec_policy p;
	memset(&p, 0x5a, sizeof p); /* every field must be written */
	spec_policy_decide(&cpu, mode, &p);
	return p;
}

int main(void)
{
	struct spec_policy p;

	/* QEMU TCG -cpu max: family 6 style, no IBPB. */
	p = decide(1, 0x6, 0, 0, SPEC_SRSO_SAFE_RET);
	CHECK(!p.srso_affected && p.ret == SPEC_RET_PLAIN && !p.ibpb_exit && !p.ibpb_switch && p.rsb_fill_switch &&
		      !p.warning && strstr(p.srso_why, "not an AMD family 17h-19h"),
	      "not exposed (family 6h): plain RET, no IBPB, fill at switches, no warning");
	p = decide(0, 0x17, IBPB, 0, SPEC_SRSO_SAFE_RET);
	CHECK(!p.srso_affected && p.ret == SPEC_RET_PLAIN && p.ibpb_switch, "another vendor with family 17h: not exposed");
	p = decide(1, 0x15, IBPB, 0, SPEC_SRSO_IBPB);
	CHECK(!p.srso_affected && p.ret == SPEC_RET_PLAIN && !p.ibpb_exit && p.ibpb_switch,
	      "family 15h (Bochs zambezi), srso=ibpb: IBPB at switches only");
	p = decide(1, 0x1a, IBPB | IBPB_RET, BRTYPE, SPEC_SRSO_SAFE_RET);
	CHECK(!p.srso_affected && p.ret == SPEC_RET_PLAIN && p.ibpb_switch && !p.rsb_fill_switch,
	      "family 1Ah (Zen 5): not exposed; IBPB_RET: fill skipped");
	p = decide(1, 0x19, IBPB | IBPB_RET, BRTYPE | SRSO_NO, SPEC_SRSO_SAFE_RET);
	CHECK(!p.srso_affected && p.ret == SPEC_RET_PLAIN && strstr(p.srso_why, "SRSO_NO") && !p.warning,
	      "family 19h with SRSO_NO: not exposed");

	/* Zen 1/2 (family 17h; Hygon 18h): the Zen 1/2 safe RET by default, IBPB only at guest switches. */
	p = decide(1, 0x17, IBPB, 0, SPEC_SRSO_SAFE_RET);
	CHECK(p.srso_affected && p.ret == SPEC_RET_SAFE_ZEN12 && !p.ibpb_exit && p.ibpb_switch && p.rsb_fill_switch &&
		      !p.warning && strstr(p.srso_why, "Zen 1/2"),
	      "family 17h, default: safe RET (Zen 1/2), IBPB at switches, fill at switches");
	p = decide(1, 0x18, IBPB | IBPB_RET, 0, SPEC_SRSO_SAFE_RET);
	CHECK(p.ret == SPEC_RET_SAFE_ZEN12 && p.ibpb_switch && !p.rsb_fill_switch,
	      "Hygon family 18h: Zen 1/2 sequence; IBPB_RET: the switch IBPB replaces the fill");
	p = decide(1, 0x17, IBPB, 0, SPEC_SRSO_IBPB);
	CHECK(p.ret == SPEC_RET_PLAIN && p.ibpb_exit && !p.ibpb_switch && !p.warning && strstr(p.srso_why, "srso=ibpb"),
	      "family 17h, srso=ibpb: IBPB at every exit (IBPB flushes returns on 17h), plain RET");
	p = decide(1, 0x17, 0, 0, SPEC_SRSO_IBPB);
	CHECK(p.ret == SPEC_RET_SAFE_ZEN12 && !p.ibpb_exit && !p.ibpb_switch && p.warning &&
		      strstr(p.warning, "no IBPB") && strstr(p.srso_why, "no IBPB"),
	      "family 17h without IBPB, srso=ibpb: safe RET instead, warning");
	p = decide(1, 0x17, 0, 0, SPEC_SRSO_SAFE_RET);
	CHECK(p.ret == SPEC_RET_SAFE_ZEN12 && !p.ibpb_switch && p.rsb_fill_switch && p.warning,
	      "family 17h without IBPB (Bochs ryzen): safe RET, fill at switches, warning");
	p = decide(1, 0x17, IBPB, 0, SPEC_SRSO_OFF);
	CHECK(p.ret == SPEC_RET_PLAIN && !p.ibpb_exit && p.ibpb_switch && p.warning && strstr(p.warning, "srso=off"),
	      "family 17h, srso=off: plain RET, IBPB at switches, warning");

	/* Zen 3/4 (family 19h). */
	p = decide(1, 0x19, IBPB | IBPB_RET, BRTYPE, SPEC_SRSO_SAFE_RET);
	CHECK(p.ret == SPEC_RET_SAFE_ZEN34 && !p.ibpb_exit && p.ibpb_switch && !p.rsb_fill_switch && !p.warning &&
		      strstr(p.srso_why, "Zen 3/4"),
	      "family 19h with IBPB_BRTYPE, default: safe RET (Zen 3/4), IBPB at switches, no fill");
	p = decide(1, 0x19, IBPB | IBPB_RET, BRTYPE, SPEC_SRSO_IBPB);
	CHECK(p.ret == SPEC_RET_PLAIN && p.ibpb_exit && !p.ibpb_switch && !p.rsb_fill_switch,
	      "family 19h with IBPB_BRTYPE, srso=ibpb: IBPB at every exit, plain RET, no fill");
	p = decide(1, 0x19, IBPB, 0, SPEC_SRSO_IBPB);
	CHECK(p.ret == SPEC_RET_SAFE_ZEN34 && !p.ibpb_exit && p.ibpb_switch && p.warning &&
		      strstr(p.warning, "IBPB_BRTYPE") && strstr(p.srso_why, "does not flush"),
	      "family 19h without IBPB_BRTYPE, srso=ibpb: safe RET instead (its IBPB keeps returns), warning");
	p = decide(1, 0x19, IBPB, 0, SPEC_SRSO_SAFE_RET);
	CHECK(p.ret == SPEC_RET_SAFE_ZEN34 && p.ibpb_switch && p.rsb_fill_switch && p.warning,
	      "family 19h without IBPB_BRTYPE, default: safe RET, IBPB and fill at switches, warning");
	p = decide(1, 0x19, IBPB, BRTYPE, SPEC_SRSO_OFF);
	CHECK(p.ret == SPEC_RET_PLAIN && !p.ibpb_exit && p.ibpb_switch && p.warning, "family 19h, srso=off");

	/* Invariants over every input combination. */
	unsigned bad = 0;
	for (unsigned f = 0x10; f <= 0x1a; f++)
		for (unsigned bits = 0; bits < 32; bits++)
			for (int mode = 0; mode < 3; mode++) {
				uint32_t e8 = (bits & 1 ? IBPB : 0) | (bits & 2 ? IBPB_RET : 0);
				uint32_t e21 = (bits & 4 ? BRTYPE : 0) | (bits & 8 ? SRSO_NO : 0);
				p = decide(bits & 16 ? 1 : 0, f, e8, e21, (enum spec_srso)mode);
				int exposed = (bits & 16) && f >= 0x17 && f <= 0x19 && !(bits & 8);
				bad += p.srso_affected != exposed; /* exposed exactly as AMD-SB-7005 says */
				bad += !exposed && (p.ret != SPEC_RET_PLAIN || p.ibpb_exit || p.warning); /* no work */
				bad += p.ibpb_exit && p.ret != SPEC_RET_PLAIN; /* one mitigation at a time */
				bad += exposed && mode != SPEC_SRSO_OFF && !p.ibpb_exit && p.ret == SPEC_RET_PLAIN;
				bad += p.ret == SPEC_RET_SAFE_ZEN34 && f != 0x19;
				bad += p.ret == SPEC_RET_SAFE_ZEN12 && f == 0x19;
				bad += (p.ibpb_exit || p.ibpb_switch) && !(e8 & IBPB); /* IBPB only where it exists */
				bad += p.ibpb_switch != ((e8 & IBPB) && !p.ibpb_exit);
				bad += !p.rsb_fill_switch && !((e8 & IBPB) && (e8 & IBPB_RET)); /* fill unless IBPB_RET */
				bad += !p.srso_why;
			}
	CHECK(bad == 0, "invariants over families 10h-1Ah, vendors, CPUID bits and srso= (%u violations)", bad);
	return unit_done();
}
