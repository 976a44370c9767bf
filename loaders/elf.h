/* ELF32/ELF64 executable loader for x86 guests (System V gABI, "Program
 * Header"). Segments go to their physical addresses (p_paddr), as the
 * Multiboot 0.6.96 spec ("ELF" in "The exact definitions of Multiboot
 * header") asks for kernels without the a.out kludge. */
#ifndef VIREO_LOADERS_ELF_H
#define VIREO_LOADERS_ELF_H

#include "loaders/guest_mem.h"

#define ELF_MAX_PHDRS 256	/* bounds the O(n^2) overlap check */

struct elf_image {
	bool is64;		/* ELFCLASS64 (else ELFCLASS32) */
	uint16_t machine;	/* EM_386 (3) or EM_X86_64 (62) */
	uint64_t entry;		/* physical entry: e_entry mapped via p_vaddr->p_paddr */
	uint64_t lo, hi;	/* loaded physical range [lo, hi), memsz included */
	unsigned nload;		/* PT_LOAD segments with p_memsz > 0 */
};

/* True if img starts with the ELF magic "\x7fELF". */
bool elf_is_elf(const uint8_t *img, size_t len);

/* Check every header and segment against the image and guest RAM, without
 * touching guest memory. Returns 0 and fills *out, or -1 with err set. */
int elf_check(const struct guest_mem *mem, const uint8_t *img, size_t len,
	      struct elf_image *out, char *err, size_t errlen);

/* elf_check, then copy p_filesz bytes and zero up to p_memsz per PT_LOAD.
 * Guest memory is untouched on failure. */
int elf_load(struct guest_mem *mem, const uint8_t *img, size_t len,
	     struct elf_image *out, char *err, size_t errlen);

#endif
