# Chaos guest (issue 9): chaos.elf (32-bit, with a 16-bit code segment) and
# chaos64.elf (64-bit), from the same sources: the driver, the CPU and the
# device operations, and the try/recover + 16-bit code in chaos_seg.S.
CHAOS_PARTS := chaos chaos_cpu chaos_dev chaos_seg
CHAOS_OBJ32 := $(foreach p,$(CHAOS_PARTS),$(GB)/obj32/tests/$(p).o)
CHAOS_OBJ64 := $(foreach p,$(CHAOS_PARTS),$(GB)/obj64/tests/$(p).o)

guests: $(GB)/chaos.elf $(GB)/chaos64.elf

$(GB)/chaos.elf: $(CHAOS_OBJ32) $(GUEST_LIB32) guests/lib/guest.ld
	@mkdir -p $(dir $@)
	$(GUEST_LD) -m elf_i386 $(GUEST_LDFLAGS) -o $@ $(GUEST_LIB32) $(CHAOS_OBJ32)

$(GB)/obj64/chaos64.elf64: $(CHAOS_OBJ64) $(GUEST_LIB64) guests/lib/guest.ld
	@mkdir -p $(dir $@)
	$(GUEST_LD) -m elf_x86_64 $(GUEST_LDFLAGS) -o $@ $(GUEST_LIB64) $(CHAOS_OBJ64)

$(GB)/chaos64.elf: $(GB)/obj64/chaos64.elf64
	$(GUEST_OBJCOPY) -O elf32-i386 $< $@
