# Vireo: `make` builds the hypervisor and the test guests, `make run` boots
# Linux (Debian's kernel, a busybox shell) under Vireo in Bochs, `make demo`
# the two small demo VMs, `make test` runs every test. See README.md.

BUILD    ?= build
CC       ?= gcc
HOSTCC   ?= gcc
LD       ?= ld
OBJCOPY  ?= objcopy

WARN     := -Wall -Wextra -Werror
# The hypervisor never touches FPU/SSE state, so guest FPU registers survive
# every exit without a save (SDM Vol. 1 13: only vCPU switches XSAVE).
KCFLAGS  := -std=c11 $(WARN) -O2 -g -ffreestanding -fno-builtin -nostdinc \
	    -isystem $(shell $(CC) -print-file-name=include) \
	    -fno-stack-protector -fno-pic -fno-pie -mno-red-zone \
	    -mno-mmx -mno-sse -mno-sse2 -mno-avx -mcmodel=small \
	    -fno-omit-frame-pointer -fno-asynchronous-unwind-tables -I.
KASFLAGS := -I. -D__ASSEMBLY__ -fno-pic -fno-pie
KLDFLAGS := -nostdlib -static -z noexecstack -z max-page-size=0x1000 -T arch/x86/boot/vireo.ld

KSRC     := $(sort $(shell find arch core devices loaders lib -name '*.c' -o -name '*.S'))
KOBJ     := $(patsubst %,$(BUILD)/k/%.o,$(KSRC))

.PHONY: all kernel guests unit guest-test test run demo linux-guest bench deps clean
all: kernel guests

kernel: $(BUILD)/vireo.elf $(BUILD)/vireo32.elf

$(BUILD)/k/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KCFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/k/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(KASFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/vireo.elf: $(KOBJ) arch/x86/boot/vireo.ld
	@echo "  LD      $@"
	@$(LD) $(KLDFLAGS) -o $@ $(KOBJ)

# qemu -kernel takes only 32-bit multiboot ELFs: the same image, rewrapped.
$(BUILD)/vireo32.elf: $(BUILD)/vireo.elf
	$(OBJCOPY) -O elf32-i386 $< $@

-include $(KOBJ:.o=.d)
-include guests/guests.mk
# suites with their own make targets (tests/fuzz: make fuzz, tests/chaos: make chaos)
-include $(wildcard tests/*/*.mk)

deps:
	@tools/deps.sh

unit:
	@tests/unit/run.sh

guest-test: kernel guests
	@tests/guest/run.sh

test: deps
	@tests/run-all.sh

# The default Linux guest: fetched and assembled once (tools/linux-guest.sh).
linux-guest: deps
	@tools/linux-guest.sh $(BUILD)/linux

run: deps all linux-guest
	./vireo run --name linux --kernel $(BUILD)/linux/bzImage \
		--initrd $(BUILD)/linux/initramfs.cpio.gz --append console=ttyS0 -m 256M

demo: deps all
	./vireo run --vm guests/demo/hello.vm --vm guests/demo/counter.vm --stats

bench: deps all
	@tools/bench.sh

bench-linux: deps
	@tools/bench-linux.sh

clean:
	rm -rf $(BUILD)
