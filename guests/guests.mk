# Vireo test and demo guests (included by the top-level Makefile).
# Everything lands in $(BUILD)/guests/: NAME.elf (32-bit multiboot ELF; the
# 64-bit guests are wrapped with objcopy -O elf32-i386) and realmode.bin.

GUEST_CC      ?= gcc
GUEST_LD      ?= ld
GUEST_OBJCOPY ?= objcopy
GB            := $(BUILD)/guests

GUEST_CFLAGS  := -std=c11 -ffreestanding -fno-pic -fno-pie -nostdlib -mno-red-zone -O2 \
		 -Wall -Wextra -Werror -fno-stack-protector -fno-asynchronous-unwind-tables \
		 -fno-omit-frame-pointer -I. -Iguests/lib
GUEST_GENREGS := -mgeneral-regs-only
GUEST_LDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments -T guests/lib/guest.ld

# 32-bit test guests (source guests/tests/NAME.c) and demos (guests/demo/NAME.c)
GUEST_TESTS32 := cpuid hypercall portio msr exceptions lapic overrun pattern triple mbinfo timer idle console
GUEST_DEMOS32 := hello counter
# 64-bit guests: NAME64 is built from guests/tests/NAME.c; fpu is 64-bit only
GUEST_TESTS64 := exceptions portio hypercall msr timer
GUEST_ONLY64  := fpu evinject reinject

GUEST_ALL := $(GB)/realmode.bin \
	$(foreach t,$(GUEST_TESTS32) $(GUEST_DEMOS32) $(GUEST_ONLY64),$(GB)/$(t).elf) \
	$(foreach t,$(GUEST_TESTS64),$(GB)/$(t)64.elf)

guests: $(GUEST_ALL)

# ---- objects
$(GB)/obj32/%.o: guests/%.c
	@mkdir -p $(dir $@)
	$(GUEST_CC) -m32 $(GUEST_CFLAGS) $(GUEST_GENREGS) -MMD -MP -c $< -o $@

$(GB)/obj32/%.o: guests/%.S
	@mkdir -p $(dir $@)
	$(GUEST_CC) -m32 -fno-pic -fno-pie -I. -Iguests/lib -MMD -MP -c $< -o $@

$(GB)/obj64/%.o: guests/%.c
	@mkdir -p $(dir $@)
	$(GUEST_CC) -m64 -mcmodel=small $(GUEST_CFLAGS) $(GUEST_GENREGS) -MMD -MP -c $< -o $@

$(GB)/obj64/%.o: guests/%.S
	@mkdir -p $(dir $@)
	$(GUEST_CC) -m64 -fno-pic -fno-pie -I. -Iguests/lib -MMD -MP -c $< -o $@

# the FPU test is the one guest file allowed to use SSE/AVX registers
$(GB)/obj64/tests/fpu.o: GUEST_GENREGS :=

GUEST_LIB32 := $(GB)/obj32/lib/start.o $(GB)/obj32/lib/lib.o $(GB)/obj32/lib/apic.o
GUEST_LIB64 := $(GB)/obj64/lib/start.o $(GB)/obj64/lib/lib.o $(GB)/obj64/lib/apic.o

# ---- links
define guest32_rule
$(GB)/$(1).elf: $(GB)/obj32/$(2)/$(1).o $(GUEST_LIB32) guests/lib/guest.ld
	@mkdir -p $$(dir $$@)
	$(GUEST_LD) -m elf_i386 $(GUEST_LDFLAGS) -o $$@ $(GUEST_LIB32) $(GB)/obj32/$(2)/$(1).o
endef

define guest64_rule
$(GB)/obj64/$(1).elf64: $(GB)/obj64/tests/$(2).o $(GUEST_LIB64) guests/lib/guest.ld
	@mkdir -p $$(dir $$@)
	$(GUEST_LD) -m elf_x86_64 $(GUEST_LDFLAGS) -o $$@ $(GUEST_LIB64) $(GB)/obj64/tests/$(2).o
$(GB)/$(1).elf: $(GB)/obj64/$(1).elf64
	$(GUEST_OBJCOPY) -O elf32-i386 $$< $$@
endef

$(foreach t,$(GUEST_TESTS32),$(eval $(call guest32_rule,$(t),tests)))
$(foreach t,$(GUEST_DEMOS32),$(eval $(call guest32_rule,$(t),demo)))
$(foreach t,$(GUEST_TESTS64),$(eval $(call guest64_rule,$(t)64,$(t))))
$(foreach t,$(GUEST_ONLY64),$(eval $(call guest64_rule,$(t),$(t))))

# ---- smp: the C test plus its real-mode AP trampoline (two objects)
guests: $(GB)/smp.elf
$(GB)/smp.elf: $(GB)/obj32/tests/smp.o $(GB)/obj32/tests/smp_trampoline.o $(GUEST_LIB32) guests/lib/guest.ld
	@mkdir -p $(dir $@)
	$(GUEST_LD) -m elf_i386 $(GUEST_LDFLAGS) -o $@ $(GUEST_LIB32) $(GB)/obj32/tests/smp.o $(GB)/obj32/tests/smp_trampoline.o

# ---- ipi: SMP again, the same trampoline
guests: $(GB)/ipi.elf
$(GB)/ipi.elf: $(GB)/obj32/tests/ipi.o $(GB)/obj32/tests/smp_trampoline.o $(GUEST_LIB32) guests/lib/guest.ld
	@mkdir -p $(dir $@)
	$(GUEST_LD) -m elf_i386 $(GUEST_LDFLAGS) -o $@ $(GUEST_LIB32) $(GB)/obj32/tests/ipi.o $(GB)/obj32/tests/smp_trampoline.o

# ---- PC-chipset guests (8259, I/O APIC, 8254, RTC, PCI, ACPI, COM1 IRQ,
# reset): the library plus guests/lib/pc.c. Only these link pc.o, so the
# other guests (and the benchmark binaries) stay exactly as they were.
GUEST_PC_TESTS32 := pit pic rtc acpi ioapic pci uart reset
GUEST_PC_TESTS64 := pci
GUEST_PC32 := $(GUEST_LIB32) $(GB)/obj32/lib/pc.o
GUEST_PC64 := $(GUEST_LIB64) $(GB)/obj64/lib/pc.o

define guest32pc_rule
$(GB)/$(1).elf: $(GB)/obj32/tests/$(1).o $(GUEST_PC32) guests/lib/guest.ld
	@mkdir -p $$(dir $$@)
	$(GUEST_LD) -m elf_i386 $(GUEST_LDFLAGS) -o $$@ $(GUEST_PC32) $(GB)/obj32/tests/$(1).o
endef

define guest64pc_rule
$(GB)/obj64/$(1)64.elf64: $(GB)/obj64/tests/$(1).o $(GUEST_PC64) guests/lib/guest.ld
	@mkdir -p $$(dir $$@)
	$(GUEST_LD) -m elf_x86_64 $(GUEST_LDFLAGS) -o $$@ $(GUEST_PC64) $(GB)/obj64/tests/$(1).o
$(GB)/$(1)64.elf: $(GB)/obj64/$(1)64.elf64
	$(GUEST_OBJCOPY) -O elf32-i386 $$< $$@
endef

$(foreach t,$(GUEST_PC_TESTS32),$(eval $(call guest32pc_rule,$(t))))
$(foreach t,$(GUEST_PC_TESTS64),$(eval $(call guest64pc_rule,$(t))))
guests: $(foreach t,$(GUEST_PC_TESTS32),$(GB)/$(t).elf) $(foreach t,$(GUEST_PC_TESTS64),$(GB)/$(t)64.elf)

# ioapicsmp: two CPUs, started with the smp trampoline
guests: $(GB)/ioapicsmp.elf
$(GB)/ioapicsmp.elf: $(GB)/obj32/tests/ioapicsmp.o $(GB)/obj32/tests/smp_trampoline.o $(GUEST_PC32) guests/lib/guest.ld
	@mkdir -p $(dir $@)
	$(GUEST_LD) -m elf_i386 $(GUEST_LDFLAGS) -o $@ $(GUEST_PC32) $(GB)/obj32/tests/ioapicsmp.o $(GB)/obj32/tests/smp_trampoline.o

# ---- the raw real-mode image: flat binary linked at 0x7c00 (also a valid boot sector)
$(GB)/obj16/realmode.o: guests/tests/realmode.S
	@mkdir -p $(dir $@)
	$(GUEST_CC) -m32 -c $< -o $@

$(GB)/obj16/realmode.elf: $(GB)/obj16/realmode.o
	$(GUEST_LD) -m elf_i386 -nostdlib -static -z noexecstack -Ttext=0x7c00 -e start -o $@ $<

$(GB)/realmode.bin: $(GB)/obj16/realmode.elf
	$(GUEST_OBJCOPY) -O binary -j .text $< $@

-include $(wildcard $(GB)/obj32/*/*.d $(GB)/obj64/*/*.d)
-include guests/bench/bench.mk
# one more file per guest family that needs its own link rules
-include $(wildcard guests/tests/*.mk)
