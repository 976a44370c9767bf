/* Test helper: build ELF32/ELF64 executables and Multiboot headers in a
 * buffer, little-endian, as a linker would. Used by test_elf.c and
 * test_multiboot.c. */
#ifndef VIREO_TESTS_UNIT_ELF_IMAGE_H
#define VIREO_TESTS_UNIT_ELF_IMAGE_H

#include "lib/libc.h"
#include "loaders/le.h"

struct tseg {
	uint32_t type;		/* 1 = PT_LOAD */
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

#define T_EM_386    3
#define T_EM_X86_64 62

/* Writes the ELF header and program headers (right after it) into buf.
 * Segment contents are the caller's business. Returns the header size. */
static inline size_t build_elf(uint8_t *buf, bool is64, uint16_t machine,
			       uint64_t entry, const struct tseg *s, int n)
{
	size_t eh = is64 ? 64 : 52, ph = is64 ? 56 : 32;
	int i;

	memset(buf, 0, eh + ph * (size_t)n);
	memcpy(buf, "\x7f" "ELF", 4);
	buf[4] = is64 ? 2 : 1;
	buf[5] = 1;
	buf[6] = 1;
	put_le16(buf + 16, 2);		/* ET_EXEC */
	put_le16(buf + 18, machine);
	put_le32(buf + 20, 1);
	if (is64) {
		put_le64(buf + 24, entry);
		put_le64(buf + 32, eh);
		put_le16(buf + 52, (uint16_t)eh);
		put_le16(buf + 54, (uint16_t)ph);
		put_le16(buf + 56, (uint16_t)n);
	} else {
		put_le32(buf + 24, (uint32_t)entry);
		put_le32(buf + 28, (uint32_t)eh);
		put_le16(buf + 40, (uint16_t)eh);
		put_le16(buf + 42, (uint16_t)ph);
		put_le16(buf + 44, (uint16_t)n);
	}
	for (i = 0; i < n; i++) {
		uint8_t *p = buf + eh + ph * (size_t)i;

		put_le32(p, s[i].type);
		if (is64) {
			put_le64(p + 8, s[i].offset);
			put_le64(p + 16, s[i].vaddr);
			put_le64(p + 24, s[i].paddr);
			put_le64(p + 32, s[i].filesz);
			put_le64(p + 40, s[i].memsz);
		} else {
			put_le32(p + 4, (uint32_t)s[i].offset);
			put_le32(p + 8, (uint32_t)s[i].vaddr);
			put_le32(p + 12, (uint32_t)s[i].paddr);
			put_le32(p + 16, (uint32_t)s[i].filesz);
			put_le32(p + 20, (uint32_t)s[i].memsz);
		}
	}
	return eh + ph * (size_t)n;
}

/* A Multiboot v1 header at buf + off: magic, flags, checksum, and with
 * bit 16 the five a.out-kludge address fields. */
static inline void build_mbhdr(uint8_t *buf, size_t off, uint32_t flags,
			       const uint32_t addr[5])
{
	int i;

	put_le32(buf + off, 0x1BADB002u);
	put_le32(buf + off + 4, flags);
	put_le32(buf + off + 8, (uint32_t)-(0x1BADB002u + flags));
	for (i = 0; addr && i < 5; i++)
		put_le32(buf + off + 12 + 4 * (size_t)i, addr[i]);
}

/* Fill buf with a recognisable pattern that depends on the seed. */
static inline void fill_pattern(uint8_t *buf, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed + i * 7);
}

#endif
