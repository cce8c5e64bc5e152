# SPDX-License-Identifier: MIT
# hvmm: one build for the hypervisor, its guests, the ISO and the tests. Every output goes under build/.
# `make help` lists the targets. The build prints one short line per file; V=1 prints the full commands.

CROSS ?=
CC := $(CROSS)gcc
LD := $(CROSS)ld
OBJCOPY := $(CROSS)objcopy
HOSTCC ?= cc
PYTHON ?= python3
B := build
# hvmm's version: one place, the VERSION file (README "Versions"); the start-up line "hvmm <version> starting" shows it.
HVMM_VERSION := $(shell cat VERSION)

# Quiet build (kernel style): "  CC      hvmm/svm/vmcb.c"; V=1 shows every command.
ifeq ($(V),1)
Q :=
say = @:
else
Q := @
say = @printf '  %-7s %s\n' $(1) $(2);
endif

# Freestanding flags for hvmm and guests, defined once here.
GCC_INC := $(shell $(CC) -print-file-name=include)
CFLAGS_COMMON := -std=gnu11 -ffreestanding -nostdinc -isystem $(GCC_INC) -Iinclude -Ilib/include -Ilib -I. \
	-O2 -g -Wall -Wextra -Wmissing-prototypes -Wstrict-prototypes -Werror \
	-fno-pic -fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables -fno-builtin \
	-fcf-protection=none -mno-red-zone -mcmodel=small -MMD -MP
# Retpolines for every indirect call and jump in hvmm (Spectre v2: a guest must not steer hvmm's indirect branches;
# docs/security.md "Real silicon"); tests/switchpath.py checks that none is left. Every return is a JMP to
# __x86_return_thunk, patched at boot to a RET or to the safe RET against SRSO (hvmm/x86/spec_ret.h).
HVMM_CFLAGS := $(CFLAGS_COMMON) -mno-mmx -mno-sse -mno-sse2 -mno-80387 -mgeneral-regs-only \
	-mindirect-branch=thunk-inline -mindirect-branch-register -mfunction-return=thunk-extern
GUEST_CFLAGS := $(CFLAGS_COMMON) -Iguests/rt
ASFLAGS := -Iinclude -Ilib/include -Ilib -I. -MMD -MP -D__ASSEMBLY__
LDFLAGS := -nostdlib -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments

LIB_SRCS := lib/string.c lib/fmt.c lib/elf64.c lib/mb2.c lib/cmdline.c lib/stats.c lib/x86_decode.c lib/xcr0.c
LIB_SRCS += lib/mb1.c
LIB_SRCS += lib/pagewalk.c
LIB_SRCS += lib/memtype.c # memory types from the memory map (hvmm/x86/paging.c)
LIB_SRCS += lib/bzimage.c # the Linux boot protocol (docs/linux-guest.md)
LIB_SRCS += lib/caltime.c
LIB_SRCS += lib/mptable.c # the MP table of PC guests (docs/guest-abi.md, "Low memory")
LIB_SRCS += lib/pcbios.c # IVT, BIOS data area and EBDA of PC guests (same)
LIB_SRCS += lib/msr_policy.c # the guest MSR table (docs/guest-abi.md "MSRs")
LIB_SRCS += lib/tsccal.c # TSC calibration robust to stalls (hvmm/x86/tsc.c)
LIB_SRCS += lib/acpitab.c # the ACPI tables of the virtual PC (docs/guest-abi.md)
LIB_SRCS += lib/virtq.c # split virtqueues of the virtio devices (hvmm/vdev/virtio*.c)
LIB_SRCS += lib/conkeys.c lib/lineedit.c lib/moncmd.c # console input: focus key, monitor line, commands (docs/running.md)
LIB_SRCS += lib/jsonw.c # the JSON lines of log=json (docs/running.md)
LIB_SRCS += lib/gdbrsp.c # the gdb stub's remote serial protocol (docs/running.md)
LIB_SRCS += lib/spec_policy.c # the speculation policy (hvmm/x86/spec.c, docs/security.md "Real silicon")
LIB_SRCS += lib/cputopo.c # SMT siblings from CPUID and the MADT (hvmm/x86/smp.c, docs/hardware.md "Several CPUs")
HVMM_SRCS := $(wildcard boot/*.S) $(wildcard hvmm/*.c hvmm/*/*.c) $(wildcard hvmm/*/*.S) $(LIB_SRCS)
HVMM_OBJS := $(patsubst %,$(B)/hvmm-obj/%.o,$(HVMM_SRCS) $(B)/gen/fbcon_font.c)

GUEST_RT_SRCS := $(wildcard guests/rt/*.c) $(wildcard guests/rt/*.S) lib/string.c lib/fmt.c lib/cmdline.c
GUEST_RT_OBJS := $(patsubst %,$(B)/guest-obj/%.o,$(GUEST_RT_SRCS))
# Sample guests (guests/) and the guests that exist only for tests (tests/guests/); all build to build/guests/.
SAMPLE_GUESTS := $(basename $(notdir $(wildcard guests/*.c)))
TEST_GUESTS := $(basename $(notdir $(wildcard tests/guests/*.c)))
GUEST_ELFS := $(patsubst %,$(B)/guests/%.elf,$(SAMPLE_GUESTS) $(TEST_GUESTS))

# The default ISO: the three sample guests (README "Quick start").
DEFAULT_CMDLINE ?= slice=10ms
DEFAULT_GUEST_ELFS := $(B)/guests/counter.elf $(B)/guests/matmul.elf $(B)/guests/exitcode.elf
DEFAULT_GUESTS := -g "$(B)/guests/counter.elf name=counter mem=16M" \
	-g "$(B)/guests/matmul.elf name=matmul mem=16M" \
	-g "$(B)/guests/exitcode.elf name=exitcode mem=8M status=3"

UNIT_NAMES := $(basename $(notdir $(wildcard tests/unit/test_*.c)))
UNIT_BINS := $(patsubst %,$(B)/tests/%,$(UNIT_NAMES))
UNIT_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -Ilib -Itests/unit -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer

# A change of compiler or flags (a `git pull` that changes them) rebuilds every object: build/.flags holds the flags
# of the last build and is rewritten, with a new time stamp, only when they differ; every object depends on it.
FLAGS_FILE := $(B)/.flags
FLAGS_NOW := $(CC) $(HVMM_CFLAGS) | $(GUEST_CFLAGS) | $(ASFLAGS) | $(UNIT_CFLAGS)
$(shell mkdir -p $(B) && { [ "$$(cat $(FLAGS_FILE) 2>/dev/null)" = '$(FLAGS_NOW)' ] || printf '%s\n' '$(FLAGS_NOW)' > $(FLAGS_FILE); })

.PHONY: all iso guests run test test-kut unit scenarios bench deps clean help sdk version
.SECONDARY: # keep intermediate objects (no "rm" lines at the end of a build)
all: $(B)/hvmm.elf guests iso

help:
	@echo "hvmm make targets (outputs under $(B)/; V=1 shows full commands):"
	@echo "  all        (default) hvmm, every guest and the default ISO $(B)/hvmm.iso"
	@echo "  iso        the default ISO only"
	@echo "  guests     the sample guests (guests/) and the test guests (tests/guests/)"
	@echo "  run        build hvmm and the sample guests, boot them in QEMU (serial console here); succeeds when they all end"
	@echo "  run-kernel the same without GRUB or an ISO: qemu -kernel $(B)/hvmm.elf -initrd ..."
	@echo "  debug      boot it paused, with QEMU's gdb stub on localhost:1234 (gdb -x tools/gdbinit)"
	@echo "  test       unit tests, fuzzers (10 s each), the QEMU and Bochs scenarios (and a vmcb_check=1 pass); ends with 'N passed, N failed'"
	@echo "             ONLY='NAME ...' runs only those scenarios or groups (unit fuzz selftest usb scenarios"
	@echo "             hostile hw bochs vmcb_check kut); TEST_FLAGS='-v' every check, '--tap', '--junit FILE'; tests/run.py --list"
	@echo "  test-kut   kvm-unit-tests (KUT_DIR=<build>, default build/kvm-unit-tests) under hvmm and directly under QEMU"
	@echo "  unit       build the host unit tests of lib/ and of hvmm/svm/vmcb_check.c"
	@echo "  scenarios  the QEMU and Bochs scenarios only"
	@echo "  test-tsc   the TSC calibration under a disturbed vCPU: TSC_RUNS boots (default 20), each within 0.1 % (slow)"
	@echo "  bench      benchmarks: $(B)/bench/report.md and plots (BENCH_FLAGS=--quick for a short run)"
	@echo "  bench-linux  Linux boot time under hvmm against QEMU alone: $(B)/bench/linux.md (docs/linux-guest.md),"
	@echo "             and an idle Linux guest's exits by reason: $(B)/bench/idle.md (docs/measurement.md)"
	@echo "             and virtio-blk/-net throughput against QEMU's devices: $(B)/bench/virtio.md (docs/measurement.md)"
	@echo "  fuzz       run each fuzzer for FUZZ_SECONDS (default 60)"
	@echo "  usb        write the ISO to a USB stick: make usb DEV=/dev/sdX"
	@echo "  sdk        the guest SDK in $(B)/sdk/: headers, libhvmm.a, guest.ld, sdk.mk, pkg-config, an example"
	@echo "  deps       install the Debian packages the build and tests need (apt-get)"
	@echo "  version    print hvmm's version (the VERSION file)"
	@echo "  clean      remove $(B)/"

$(B)/hvmm-obj/%.c.o: %.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(HVMM_CFLAGS) -c $< -o $@
$(B)/hvmm-obj/hvmm/main.c.o: VERSION
$(B)/hvmm-obj/hvmm/main.c.o: HVMM_CFLAGS += -DHVMM_VERSION='"$(HVMM_VERSION)"'
$(B)/hvmm-obj/%.S.o: %.S $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(call say,AS,$<)
	$(Q)$(CC) $(ASFLAGS) -c $< -o $@

# The framebuffer console's font (hvmm/core/fbcon.h), converted at build time from a PSF console font (console-data).
FONT_PSF ?= /usr/share/consolefonts/default8x16.psf.gz
$(B)/gen/fbcon_font.c: tools/font2c tools/psffont.py
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)
	$(Q)$(PYTHON) tools/font2c $(FONT_PSF) > $@.tmp && mv $@.tmp $@

# The virtual PC's DSDT, compiled from ASL by acpica-tools' iasl (warnings are errors), included by dsdt_aml.S.
IASL ?= iasl
$(B)/gen/dsdt.aml: hvmm/guest/dsdt.asl
	@mkdir -p $(dir $@)
	$(call say,IASL,$<)
	$(Q)$(IASL) -we -vs -p $(B)/gen/dsdt $< >$(B)/gen/dsdt.log 2>&1 || { cat $(B)/gen/dsdt.log; exit 1; }
$(B)/hvmm-obj/hvmm/guest/dsdt_aml.S.o: $(B)/gen/dsdt.aml
$(B)/hvmm-obj/hvmm/guest/dsdt_aml.S.o: ASFLAGS += -Wa,-I$(B)/gen

# Two links (hvmm/x86/spec_ret.h): the first without the table of return sites, which tools/retsites then lists from
# its code; the table goes at the end of .rodata, after all code, so the second link's code sits where the first's
# did, and tools/retsites checks the final image's table against its code again.
RETSITES_OBJ := $(B)/hvmm-obj/$(B)/gen/retsites.S.o
$(B)/hvmm-pre.elf: $(HVMM_OBJS) linker.ld
	$(call say,LD,$@)
	$(Q)$(LD) $(LDFLAGS) -T linker.ld -o $@ $(HVMM_OBJS)
$(B)/gen/retsites.S: $(B)/hvmm-pre.elf tools/retsites
	$(call say,GEN,$@)
	$(Q)$(PYTHON) tools/retsites gen $< > $@.tmp && mv $@.tmp $@
$(B)/hvmm.elf: $(HVMM_OBJS) $(RETSITES_OBJ) linker.ld tools/retsites
	$(call say,LD,$@)
	$(Q)$(LD) $(LDFLAGS) -T linker.ld -o $@ $(HVMM_OBJS) $(RETSITES_OBJ)
	$(Q)$(PYTHON) tools/retsites check $@ || { rm -f $@; exit 1; }

$(B)/guest-obj/%.c.o: %.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(GUEST_CFLAGS) -c $< -o $@
$(B)/guest-obj/%.S.o: %.S $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(call say,AS,$<)
	$(Q)$(CC) $(ASFLAGS) -Iguests/rt -c $< -o $@

define guest_link
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(LD) $(LDFLAGS) -T guests/rt/guest.ld -o $@ $(GUEST_RT_OBJS) $<
endef
$(B)/guests/%.elf: $(B)/guest-obj/guests/%.c.o $(GUEST_RT_OBJS) guests/rt/guest.ld
	$(guest_link)
$(B)/guests/%.elf: $(B)/guest-obj/tests/guests/%.c.o $(GUEST_RT_OBJS) guests/rt/guest.ld
	$(guest_link)

# Multiboot v1 test kernels (tests/mb1/): ELF32 i386, also bootable with qemu-system-x86_64 -kernel.
MB1_CFLAGS := -m32 -march=i686 -std=gnu11 -Wno-format-zero-length -ffreestanding -nostdinc -isystem $(GCC_INC) -Ilib -O2 -g -Wall -Wextra \
	-Wmissing-prototypes -Werror -fno-pic -fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables -fno-builtin \
	-fcf-protection=none -mgeneral-regs-only -MMD -MP
MB1_RT_OBJS := $(B)/mb1-obj/rt.c.o $(B)/mb1-obj/start.S.o
MB1_KERNELS := $(patsubst tests/mb1/%.c,$(B)/mb1/%.elf,$(filter-out tests/mb1/rt.c,$(wildcard tests/mb1/*.c)))
$(B)/mb1-obj/%.c.o: tests/mb1/%.c
	@mkdir -p $(dir $@)
	$(call say,CC32,$<)
	$(Q)$(CC) $(MB1_CFLAGS) -c $< -o $@
$(B)/mb1-obj/%.S.o: tests/mb1/%.S
	@mkdir -p $(dir $@)
	$(call say,AS32,$<)
	$(Q)$(CC) $(MB1_CFLAGS) -c $< -o $@
$(B)/mb1/%.elf: $(B)/mb1-obj/%.c.o $(MB1_RT_OBJS) tests/mb1/mb1.ld
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(LD) -m elf_i386 -nostdlib -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments -T tests/mb1/mb1.ld \
		-o $@ $(MB1_RT_OBJS) $<

guests: $(GUEST_ELFS) $(MB1_KERNELS)

iso: $(B)/hvmm.iso
$(B)/hvmm.iso: $(B)/hvmm.elf $(GUEST_ELFS) tools/mkiso iso/grub.cfg.in
	$(call say,MKISO,$@)
	$(Q)tools/mkiso -q -o $@ -k $(B)/hvmm.elf -c "$(DEFAULT_CMDLINE)" $(DEFAULT_GUESTS)

# Boot the default guests with the serial console on this terminal (KVM with nested SVM when usable, else TCG). The
# ISO for it is the default one plus exit_port=0xf4, so that run-qemu's exit status (and make's) is the run's result
# (docs/serial-log.md "Exit status"); build/hvmm.iso itself has no exit_port= (it is also for real hardware).
RUN_CMDLINE ?= $(DEFAULT_CMDLINE) exit_port=0xf4
# make run builds only what it boots: hvmm and the three sample guests. Their run ends with run-qemu's status 1 when
# all went well, because exitcode exits 3 on purpose (the exit-status demo): make run says so and succeeds; any other
# non-zero status is make's error (README "Quick start").
$(B)/run.iso: $(B)/hvmm.elf $(DEFAULT_GUEST_ELFS) tools/mkiso iso/grub.cfg.in
	$(call say,MKISO,$@)
	$(Q)tools/mkiso -q -o $@ -k $(B)/hvmm.elf -c "$(RUN_CMDLINE)" $(DEFAULT_GUESTS)
RUN_VERDICT = st=$$?; if [ $$st -eq 1 ]; then echo "make run: success: every guest ran to its end (exitcode's status 3 is \
	the exit-status demo; tools/run-qemu gives the exact status)"; exit 0; fi; exit $$st
run: $(B)/run.iso
	@echo "tools/run-qemu --iso $(B)/run.iso"; tools/run-qemu --iso $(B)/run.iso; $(RUN_VERDICT)
run-kernel: $(B)/hvmm.elf $(DEFAULT_GUEST_ELFS)
	@echo "tools/run-qemu --kernel $(B)/hvmm.elf ..."; \
	tools/run-qemu --kernel $(B)/hvmm.elf --append "$(RUN_CMDLINE)" $(DEFAULT_GUESTS); $(RUN_VERDICT)

# Write the ISO to a USB stick: make usb DEV=/dev/sdX (USB_FLAGS=--yes for scripts). tools/usb refuses anything but a
# removable, unmounted whole disk that does not hold the running system, and verifies by reading back (docs/hardware.md).
.PHONY: usb debug run-kernel
usb: iso
	@test -n "$(DEV)" || { echo "make usb: name the stick: make usb DEV=/dev/sdX (lsblk -d -o NAME,TRAN,RM,SIZE,MODEL)"; exit 2; }
	tools/usb --iso $(B)/hvmm.iso $(USB_FLAGS) $(DEV)

# Boot the default ISO in QEMU (TCG, -cpu max) paused, with the gdb stub on localhost:1234 (tools/gdbinit attaches).
debug: all
	@echo "make debug: QEMU is paused and waits for gdb on localhost:1234. In another terminal, in $(CURDIR):"
	@echo "    gdb -x tools/gdbinit     (loads $(B)/hvmm.elf, connects, breaks at hvmm_main; then 'continue')"
	@echo "make debug: the serial console follows here; quit QEMU with Ctrl-A X"
	tools/run-qemu --accel tcg --iso $(B)/hvmm.iso -- -s -S

$(B)/tests/%: tests/unit/%.c $(LIB_SRCS) $(wildcard lib/*.h) tests/unit/unit.h $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) -I. -Iinclude -o $@ $< $(filter-out lib/string.c,$(LIB_SRCS)) $(UNIT_SRCS_$*)

# hvmm code without hardware access that a unit test links in (besides lib/): UNIT_SRCS_<test>.
UNIT_SRCS_test_vmcb_check := hvmm/svm/vmcb_check.c
$(B)/tests/test_vmcb_check: $(UNIT_SRCS_test_vmcb_check) hvmm/svm/vmcb_check.h hvmm/svm/vmcb.h hvmm/core/arch.h

# The decoder's test also links its two reference decoders, Capstone (libcapstone-dev) and Zydis (libzydis-dev),
# each through a wrapper of its own (tests/unit/x86_ref.h); the fuzzer compares with them too.
CAPSTONE_LIBS ?= $(shell pkg-config --libs capstone 2>/dev/null || echo -lcapstone)
XREF_SRCS := tests/unit/x86_ref_capstone.c tests/unit/x86_ref_zydis.c tests/unit/x86_ref_compare.c
XREF_LIBS = $(CAPSTONE_LIBS) -lZydis
$(B)/tests/test_x86_decode: tests/unit/test_x86_decode.c $(XREF_SRCS) tests/unit/x86_ref.h \
		tests/unit/x86_ref_compare.h $(LIB_SRCS) $(wildcard lib/*.h) tests/unit/unit.h
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) -o $@ $< $(XREF_SRCS) $(filter-out lib/string.c,$(LIB_SRCS)) $(XREF_LIBS)

unit: $(UNIT_BINS)

# Host unit tests, the fuzzers, the self-test, then the QEMU and Bochs scenarios as users run hvmm, and some of them again
# with vmcb_check=1 (tests/run.py, tests/registry.py);
# ends with "N passed, N failed".
# ONLY="name ..." runs only those scenarios, tests or groups; TEST_FLAGS adds -v, --tap, --junit FILE, --jobs N.
ONLY ?=
TEST_FLAGS ?=
test: all unit sdk
	$(PYTHON) tests/run.py --unit $(UNIT_BINS) $(if $(strip $(ONLY)),--only $(ONLY)) $(TEST_FLAGS)

# kvm-unit-tests as a reference suite (docs/kvm-unit-tests.md): KUT_DIR=<a build>, default build/kvm-unit-tests.
test-kut: all
	$(PYTHON) tests/kut.py $(if $(KUT_DIR),--kut-dir $(KUT_DIR))

scenarios: all sdk
	$(PYTHON) tests/run.py --only scenarios $(TEST_FLAGS)

# The TSC calibration under a disturbed vCPU (slow, not in `make test`; docs/hardware.md "TSC frequency"):
# TSC_RUNS boots under QEMU TCG with the QEMU process stopped and continued at random, each within 0.1 %.
.PHONY: test-tsc
TSC_RUNS ?= 20
test-tsc: all
	$(PYTHON) tests/tsc_calibration.py --runs $(TSC_RUNS)

version:
	@echo "hvmm $(HVMM_VERSION)"

# The guest SDK (docs/guest-abi.md "Build a guest"): everything a guest outside this tree needs, in $(B)/sdk/.
SDK := $(B)/sdk
SDK_FILES := $(SDK)/include/hvmm.h $(SDK)/include/hvmm/abi.h $(SDK)/include/hvmm/latency.h $(SDK)/include/string.h \
	$(SDK)/lib/libhvmm.a $(SDK)/lib/guest.ld $(SDK)/sdk.mk $(SDK)/lib/pkgconfig/hvmm-guest.pc $(SDK)/README.md \
	$(SDK)/example/Makefile $(SDK)/example/hello.c $(SDK)/VERSION
sdk: $(SDK_FILES)
define sdk_copy
$(SDK)/$(1): $(2)
	@mkdir -p $$(dir $$@)
	$$(call say,SDK,$$@)
	$$(Q)cp $$< $$@
endef
$(eval $(call sdk_copy,include/hvmm.h,guests/rt/hvmm.h))
$(eval $(call sdk_copy,include/hvmm/abi.h,include/hvmm/abi.h))
$(eval $(call sdk_copy,include/hvmm/latency.h,include/hvmm/latency.h))
$(eval $(call sdk_copy,include/string.h,lib/include/string.h))
$(eval $(call sdk_copy,lib/guest.ld,guests/rt/guest.ld))
$(eval $(call sdk_copy,VERSION,VERSION))
$(foreach f,sdk.mk README.md example/Makefile example/hello.c,\
	$(eval $(call sdk_copy,$(f),guests/sdk/$(f))))
$(SDK)/lib/pkgconfig/hvmm-guest.pc: guests/sdk/lib/pkgconfig/hvmm-guest.pc VERSION
	@mkdir -p $(dir $@)
	$(call say,SDK,$@)
	$(Q)sed 's/@VERSION@/$(HVMM_VERSION)/' $< > $@
$(SDK)/lib/libhvmm.a: $(GUEST_RT_OBJS)
	@mkdir -p $(dir $@)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $(GUEST_RT_OBJS)

# Benchmarks (docs/measurement.md): latency table, lag distributions, sweeps; build/bench/report.md and plots.
# BENCH_FLAGS=--quick for a short run.
bench: all
	$(PYTHON) tools/bench $(BENCH_FLAGS)

# Linux boot time to /init under hvmm against QEMU -kernel alone (docs/linux-guest.md): build/bench/linux.md; an idle
# Linux guest's exits by reason and share of a CPU (docs/measurement.md, tools/idle-bench): build/bench/idle.md;
# virtio-blk and virtio-net throughput against QEMU's own devices (docs/measurement.md, tools/virtio-bench):
# build/bench/virtio.md.
.PHONY: bench-linux
bench-linux: all
	$(PYTHON) tools/linux-bench $(LINUX_BENCH_FLAGS)
	$(PYTHON) tools/idle-bench
	$(PYTHON) tools/virtio-bench $(VIRTIO_BENCH_FLAGS)

# Fuzzing of lib/'s parsers with libFuzzer (docs/fuzzing.md): tests/fuzz/fuzz_*.c -> build/fuzz/fuzz_*.
# `make fuzz` runs each for FUZZ_SECONDS from tests/fuzz/corpus/<target>/ (new inputs go to build/fuzz/corpus/);
# `make test` runs each for ~10 s (tests/run.py's fuzz stage).
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_NAMES := $(basename $(notdir $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS := $(patsubst %,$(B)/fuzz/%,$(FUZZ_NAMES))
FUZZ_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -Ilib -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer
.PHONY: fuzz fuzz-bins
$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_SRCS) $(wildcard lib/*.h)
	@mkdir -p $(dir $@)
	$(call say,FUZZCC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(filter-out lib/string.c,$(LIB_SRCS))
# The decoder's fuzzer also compares with Zydis (tests/unit/x86_ref_zydis.c, x86_ref_compare.c).
$(B)/fuzz/fuzz_x86_decode: tests/fuzz/fuzz_x86_decode.c tests/unit/x86_ref_zydis.c tests/unit/x86_ref_compare.c \
		tests/unit/x86_ref.h tests/unit/x86_ref_compare.h $(LIB_SRCS) $(wildcard lib/*.h)
	@mkdir -p $(dir $@)
	$(call say,FUZZCC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -Itests/unit -o $@ $< tests/unit/x86_ref_zydis.c tests/unit/x86_ref_compare.c \
		$(filter-out lib/string.c,$(LIB_SRCS)) -lZydis
fuzz-bins: $(FUZZ_BINS)
fuzz: fuzz-bins
	$(PYTHON) tests/fuzz/fuzz.py --seconds $(FUZZ_SECONDS) $(FUZZ_NAMES)
# The fuzzers are built for a full run, or when ONLY= names the fuzz group or a fuzz target.
test: $(if $(strip $(ONLY)),$(if $(filter fuzz fuzz_%,$(ONLY)),fuzz-bins),fuzz-bins)

deps:
	tools/deps

clean:
	rm -rf $(B)

# Dependency files of objects whose source still exists: a .d left by a source that moved or was deleted would name
# the old path as a prerequisite and stop make with "No rule to make target" (gcc writes the source first).
-include $(shell find $(B) -name '*.d' -exec awk 'FNR == 1 { if (system("test -e " $$2) == 0) print FILENAME }' {} + 2>/dev/null)
