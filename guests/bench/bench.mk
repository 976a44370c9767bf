# Vireo benchmark guests (included at the end of guests/guests.mk; reuses its
# compilers, flags and the 64-bit guest library). Output in $(GB)/bench/:
#   exits.elf  exit and interrupt round-trip micro-benchmark (Vireo only;
#              exits.c, irq.c, irq_entry.S)
#   work.elf   workloads, booted natively and under Vireo
# Both are 64-bit, wrapped as elf32-i386 like the other 64-bit guests.
# `make bench` (tools/bench.sh) builds and runs them.

GBB         := $(GB)/bench
BENCH_GUESTS := $(GBB)/exits.elf $(GBB)/work.elf
BENCH_COMMON := $(GBB)/obj64/common.o

.PHONY: bench-guests
bench-guests: $(BENCH_GUESTS)
guests: bench-guests

$(GBB)/obj64/%.o: guests/bench/%.c
	@mkdir -p $(dir $@)
	$(GUEST_CC) -m64 -mcmodel=small $(GUEST_CFLAGS) $(GUEST_GENREGS) -Iguests/bench -MMD -MP -c $< -o $@

$(GBB)/obj64/%.o: guests/bench/%.S
	@mkdir -p $(dir $@)
	$(GUEST_CC) -m64 -fno-pic -fno-pie -I. -Iguests/lib -MMD -MP -c $< -o $@

BENCH_EXITS := $(GBB)/obj64/exits.o $(GBB)/obj64/irq.o $(GBB)/obj64/irq_entry.o

$(GBB)/exits.elf64: $(BENCH_EXITS) $(BENCH_COMMON) $(GUEST_LIB64) guests/lib/guest.ld
	$(GUEST_LD) -m elf_x86_64 $(GUEST_LDFLAGS) -o $@ $(GUEST_LIB64) $(BENCH_COMMON) $(BENCH_EXITS)

$(GBB)/work.elf64: $(GBB)/obj64/work.o $(GBB)/obj64/ring3.o $(BENCH_COMMON) $(GUEST_LIB64) guests/lib/guest.ld
	$(GUEST_LD) -m elf_x86_64 $(GUEST_LDFLAGS) -o $@ $(GUEST_LIB64) $(BENCH_COMMON) \
		$(GBB)/obj64/work.o $(GBB)/obj64/ring3.o

$(GBB)/%.elf: $(GBB)/%.elf64
	$(GUEST_OBJCOPY) -O elf32-i386 $< $@

-include $(wildcard $(GBB)/obj64/*.d)
