# The isolation scan (guests/tests/isoscan*.c, tests/guest/scenarios-isolation.sh):
# one 64-bit guest from three sources, wrapped as elf32-i386 like the others.
ISOSCAN_OBJS := $(GB)/obj64/tests/isoscan.o $(GB)/obj64/tests/isoscan_pt.o $(GB)/obj64/tests/isoscan_dma.o \
		$(GB)/obj64/tests/isoscan_fpu.o

guests: $(GB)/isoscan.elf
$(GB)/obj64/isoscan.elf64: $(ISOSCAN_OBJS) $(GUEST_LIB64) guests/lib/guest.ld
	@mkdir -p $(dir $@)
	$(GUEST_LD) -m elf_x86_64 $(GUEST_LDFLAGS) -o $@ $(GUEST_LIB64) $(ISOSCAN_OBJS)
$(GB)/isoscan.elf: $(GB)/obj64/isoscan.elf64
	$(GUEST_OBJCOPY) -O elf32-i386 $< $@
# the AVX test names YMM registers (in asm only; the C stays integer)
$(GB)/obj64/tests/isoscan_fpu.o: GUEST_GENREGS :=
