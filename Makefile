# hvmm: one build for the hypervisor, its guests, the ISO and the tests. Every output goes under build/.
# Targets: all (default: hvmm + guests + ISO), iso, run, debug, test, unit, deps, clean.

CROSS ?=
CC := $(CROSS)gcc
LD := $(CROSS)ld
OBJCOPY := $(CROSS)objcopy
HOSTCC ?= cc
PYTHON ?= python3
B := build

# Freestanding flags for hvmm and guests (style.md: flags once).
GCC_INC := $(shell $(CC) -print-file-name=include)
CFLAGS_COMMON := -std=gnu11 -ffreestanding -nostdinc -isystem $(GCC_INC) -Ilib/include -Ilib -I. \
	-O2 -g -Wall -Wextra -Wmissing-prototypes -Wstrict-prototypes -Werror \
	-fno-pic -fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables -fno-builtin \
	-fcf-protection=none -mno-red-zone -mcmodel=small -MMD -MP
HVMM_CFLAGS := $(CFLAGS_COMMON) -mno-mmx -mno-sse -mno-sse2 -mno-80387 -mgeneral-regs-only
GUEST_CFLAGS := $(CFLAGS_COMMON) -Iguests/rt
ASFLAGS := -Ilib/include -Ilib -I. -MMD -MP -D__ASSEMBLY__
LDFLAGS := -nostdlib -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments

LIB_SRCS := lib/string.c lib/fmt.c lib/elf64.c lib/mb2.c lib/cmdline.c lib/stats.c
HVMM_SRCS := $(wildcard boot/*.S) $(wildcard hvmm/*.c) $(wildcard hvmm/*.S) $(LIB_SRCS)
HVMM_OBJS := $(patsubst %,$(B)/hvmm-obj/%.o,$(HVMM_SRCS) $(B)/gen/fbcon_font.c)

GUEST_RT_SRCS := $(wildcard guests/rt/*.c) $(wildcard guests/rt/*.S) lib/string.c lib/fmt.c lib/cmdline.c
GUEST_RT_OBJS := $(patsubst %,$(B)/guest-obj/%.o,$(GUEST_RT_SRCS))
GUEST_NAMES := $(basename $(notdir $(wildcard guests/*.c guests/*.S)))
GUEST_ELFS := $(patsubst %,$(B)/guests/%.elf,$(GUEST_NAMES))

# The default ISO: the three sample guests (README "Quick start").
DEFAULT_CMDLINE ?= slice=10ms
DEFAULT_GUESTS := -g "$(B)/guests/counter.elf name=counter mem=16M" \
	-g "$(B)/guests/matmul.elf name=matmul mem=16M" \
	-g "$(B)/guests/exitcode.elf name=exitcode mem=8M status=3"

UNIT_NAMES := $(basename $(notdir $(wildcard tests/unit/test_*.c)))
UNIT_BINS := $(patsubst %,$(B)/tests/%,$(UNIT_NAMES))
UNIT_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -Ilib -Itests/unit -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer

.PHONY: all iso guests run test unit scenarios bench deps clean
.SECONDARY: # keep intermediate objects (no "rm" lines at the end of a build)
all: $(B)/hvmm.elf guests iso

$(B)/hvmm-obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HVMM_CFLAGS) -c $< -o $@
$(B)/hvmm-obj/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(ASFLAGS) -c $< -o $@

# The framebuffer console's font (hvmm/fbcon.h), converted at build time from a PSF console font (console-data).
FONT_PSF ?= /usr/share/consolefonts/default8x16.psf.gz
$(B)/gen/fbcon_font.c: tools/font2c tools/psffont.py
	@mkdir -p $(dir $@)
	$(PYTHON) tools/font2c $(FONT_PSF) > $@.tmp && mv $@.tmp $@

$(B)/hvmm.elf: $(HVMM_OBJS) linker.ld
	$(LD) $(LDFLAGS) -T linker.ld -o $@ $(HVMM_OBJS)

$(B)/guest-obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@
$(B)/guest-obj/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(ASFLAGS) -Iguests/rt -c $< -o $@

$(B)/guests/%.elf: $(B)/guest-obj/guests/%.c.o $(GUEST_RT_OBJS) guests/rt/guest.ld
	@mkdir -p $(dir $@)
	$(LD) $(LDFLAGS) -T guests/rt/guest.ld -o $@ $(GUEST_RT_OBJS) $<
$(B)/guests/%.elf: $(B)/guest-obj/guests/%.S.o $(GUEST_RT_OBJS) guests/rt/guest.ld
	@mkdir -p $(dir $@)
	$(LD) $(LDFLAGS) -T guests/rt/guest.ld -o $@ $(GUEST_RT_OBJS) $<

guests: $(GUEST_ELFS)

iso: $(B)/hvmm.iso
$(B)/hvmm.iso: $(B)/hvmm.elf $(GUEST_ELFS) tools/mkiso iso/grub.cfg.in
	tools/mkiso -o $@ -k $(B)/hvmm.elf -c "$(DEFAULT_CMDLINE)" $(DEFAULT_GUESTS)

# Boot the default ISO with the serial console on this terminal (KVM with nested SVM when usable, else TCG).
run: all
	tools/run-qemu --iso $(B)/hvmm.iso

# Write the ISO to a USB stick: make usb DEV=/dev/sdX (USB_FLAGS=--yes for scripts). tools/usb refuses anything but a
# removable, unmounted whole disk that does not hold the running system, and verifies by reading back (docs/hardware.md).
.PHONY: usb debug
usb: iso
	@test -n "$(DEV)" || { echo "make usb: name the stick: make usb DEV=/dev/sdX (lsblk -d -o NAME,TRAN,RM,SIZE,MODEL)"; exit 2; }
	tools/usb --iso $(B)/hvmm.iso $(USB_FLAGS) $(DEV)

# Boot the default ISO in QEMU (TCG, -cpu max) paused, with the gdb stub on localhost:1234 (tools/gdbinit attaches).
debug: all
	@echo "make debug: QEMU is paused and waits for gdb on localhost:1234. In another terminal, in $(CURDIR):"
	@echo "    gdb -x tools/gdbinit     (loads $(B)/hvmm.elf, connects, breaks at hvmm_main; then 'continue')"
	@echo "make debug: the serial console follows here; quit QEMU with Ctrl-A X"
	tools/run-qemu --accel tcg --iso $(B)/hvmm.iso -- -s -S

$(B)/tests/%: tests/unit/%.c $(LIB_SRCS) $(wildcard lib/*.h) tests/unit/unit.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(UNIT_CFLAGS) -o $@ $< $(filter-out lib/string.c,$(LIB_SRCS))

unit: $(UNIT_BINS)

# Host unit tests of lib/, then the QEMU scenarios; ends with "N passed, N failed".
test: all unit
	$(PYTHON) tests/run.py --unit $(UNIT_BINS)

scenarios: all
	$(PYTHON) tests/run.py

# Benchmarks (docs/measurement.md): latency table, lag distributions, sweeps; build/bench/report.md and plots.
# BENCH_FLAGS=--quick for a short run.
bench: all
	$(PYTHON) tools/bench $(BENCH_FLAGS)

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
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(filter-out lib/string.c,$(LIB_SRCS))
fuzz-bins: $(FUZZ_BINS)
fuzz: fuzz-bins
	$(PYTHON) tests/fuzz/fuzz.py --seconds $(FUZZ_SECONDS) $(FUZZ_NAMES)
test: fuzz-bins

deps:
	tools/deps

clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
