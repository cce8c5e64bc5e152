# sdk.mk — the flags that build an hvmm guest with this SDK (hvmm's docs/guest-abi.md, "Build a guest").
# In a Makefile:  include <sdk>/sdk.mk
#   $(CC) $(HVMM_CFLAGS) -c hello.c -o hello.o
#   $(LD) $(HVMM_LDFLAGS) -o hello.elf hello.o $(HVMM_LIBS)
HVMM_SDK := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
# Freestanding x86-64 code that runs at the address it was linked for: no PIE (hvmm loads ET_EXEC only), no red zone,
# no stack protector or CET notes (nothing sets them up), no unwind tables. SSE is allowed (the runtime enables it).
HVMM_CFLAGS := -std=gnu11 -ffreestanding -fno-pic -fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables \
	-fcf-protection=none -mno-red-zone -mcmodel=small -O2 -g -I$(HVMM_SDK)/include
# For ld itself: a static ELF64 ET_EXEC laid out by guest.ld at 1 MiB, entered at the runtime's _start.
HVMM_LDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack -T $(HVMM_SDK)/lib/guest.ld -u _start
HVMM_LIBS := -L$(HVMM_SDK)/lib -lhvmm
