/* ELF32/ELF64 loader; see loaders/elf.h. Field offsets follow the System V
 * gABI "ELF Header" and "Program Header" layouts for each class. */
#include "loaders/elf.h"
#include "lib/errmsg.h"
#include "loaders/le.h"
#include "loaders/pc_layout.h"

#define EI_CLASS      4
#define EI_DATA       5
#define EI_VERSION    6
#define ELFCLASS32    1
#define ELFCLASS64    2
#define ELFDATA2LSB   1
#define EV_CURRENT    1
#define ET_EXEC       2
#define EM_386        3
#define EM_X86_64     62
#define PT_LOAD       1

#define EHDR32_SIZE   52
#define EHDR64_SIZE   64
#define PHDR32_SIZE   32
#define PHDR64_SIZE   56

/* Class-independent view of the fields the loader uses. */
struct ehdr {
	bool is64;
	uint16_t type, machine, phentsize, phnum;
	uint64_t entry, phoff;
};

struct phdr {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

bool elf_is_elf(const uint8_t *img, size_t len)
{
	return len >= 4 && img[0] == 0x7f && img[1] == 'E' && img[2] == 'L' &&
	       img[3] == 'F';
}

static int read_ehdr(const uint8_t *img, size_t len, struct ehdr *eh,
		     char *err, size_t errlen)
{
	if (len < 16 || !elf_is_elf(img, len)) {
		seterr(err, errlen, "not an ELF file (bad magic)");
		return -1;
	}
	if (img[EI_CLASS] != ELFCLASS32 && img[EI_CLASS] != ELFCLASS64) {
		seterr(err, errlen, "ELF class %u is neither ELFCLASS32 nor "
			"ELFCLASS64", img[EI_CLASS]);
		return -1;
	}
	if (img[EI_DATA] != ELFDATA2LSB || img[EI_VERSION] != EV_CURRENT) {
		seterr(err, errlen, "ELF is not little-endian version 1 "
			"(EI_DATA %u, EI_VERSION %u)", img[EI_DATA],
			img[EI_VERSION]);
		return -1;
	}
	eh->is64 = img[EI_CLASS] == ELFCLASS64;
	if (len < (eh->is64 ? EHDR64_SIZE : EHDR32_SIZE)) {
		seterr(err, errlen, "ELF truncated: %llu bytes, header needs "
			"%d", ULL(len), eh->is64 ? EHDR64_SIZE : EHDR32_SIZE);
		return -1;
	}
	eh->type = le16(img + 16);
	eh->machine = le16(img + 18);
	if (eh->is64) {
		eh->entry = le64(img + 24);
		eh->phoff = le64(img + 32);
		eh->phentsize = le16(img + 54);
		eh->phnum = le16(img + 56);
	} else {
		eh->entry = le32(img + 24);
		eh->phoff = le32(img + 28);
		eh->phentsize = le16(img + 42);
		eh->phnum = le16(img + 44);
	}
	return 0;
}

static int check_ehdr(const struct ehdr *eh, size_t len, char *err,
		      size_t errlen)
{
	size_t min = eh->is64 ? PHDR64_SIZE : PHDR32_SIZE;

	if (eh->type != ET_EXEC) {
		seterr(err, errlen, "ELF e_type %u is not ET_EXEC", eh->type);
		return -1;
	}
	if (eh->machine != EM_386 && eh->machine != EM_X86_64) {
		seterr(err, errlen, "ELF e_machine %u is not EM_386 or "
			"EM_X86_64", eh->machine);
		return -1;
	}
	if (eh->phnum == 0 || eh->phnum > ELF_MAX_PHDRS) {
		seterr(err, errlen, "ELF e_phnum %u not in 1-%d", eh->phnum,
			ELF_MAX_PHDRS);
		return -1;
	}
	if (eh->phentsize < min) {
		seterr(err, errlen, "ELF e_phentsize %u < %llu", eh->phentsize,
			ULL(min));
		return -1;
	}
	/* phnum * phentsize <= 256 * 65535: no overflow in 64 bits. */
	if (eh->phoff > len ||
	    (uint64_t)eh->phnum * eh->phentsize > len - eh->phoff) {
		seterr(err, errlen, "ELF program header table at 0x%llx "
			"(%u x %u bytes) is outside the %llu-byte file",
			ULL(eh->phoff), eh->phnum, eh->phentsize, ULL(len));
		return -1;
	}
	return 0;
}

static void read_phdr(const uint8_t *img, const struct ehdr *eh, unsigned i,
		      struct phdr *ph)
{
	const uint8_t *p = img + eh->phoff + (size_t)i * eh->phentsize;

	ph->type = le32(p);
	if (eh->is64) {
		ph->offset = le64(p + 8);
		ph->vaddr = le64(p + 16);
		ph->paddr = le64(p + 24);
		ph->filesz = le64(p + 32);
		ph->memsz = le64(p + 40);
	} else {
		ph->offset = le32(p + 4);
		ph->vaddr = le32(p + 8);
		ph->paddr = le32(p + 12);
		ph->filesz = le32(p + 16);
		ph->memsz = le32(p + 20);
	}
}

static bool is_loaded(const struct phdr *ph)
{
	return ph->type == PT_LOAD && ph->memsz > 0;
}

static int check_segment(const struct guest_mem *mem, unsigned i,
			 const struct phdr *ph, size_t len, char *err,
			 size_t errlen)
{
	uint64_t end = ph->paddr + ph->memsz;

	if (ph->memsz < ph->filesz) {
		seterr(err, errlen, "ELF segment %u: p_memsz 0x%llx < "
			"p_filesz 0x%llx", i, ULL(ph->memsz), ULL(ph->filesz));
		return -1;
	}
	if (ph->offset > len || ph->filesz > len - ph->offset) {
		seterr(err, errlen, "ELF segment %u: file bytes 0x%llx-0x%llx "
			"are outside the %llu-byte file", i, ULL(ph->offset),
			ULL(ph->offset + ph->filesz), ULL(len));
		return -1;
	}
	if (end < ph->paddr || end > mem->size) {
		seterr(err, errlen, "ELF segment %u at 0x%llx-0x%llx is "
			"outside guest RAM (0x%llx bytes)", i, ULL(ph->paddr),
			ULL(end), ULL(mem->size));
		return -1;
	}
	if (!gmem_is_ram(mem, ph->paddr, ph->memsz)) {
		seterr(err, errlen, "ELF segment %u at 0x%llx-0x%llx overlaps "
			"the 0xA0000-0xFFFFF hole", i, ULL(ph->paddr),
			ULL(end));
		return -1;
	}
	if (pc_in_firmware(ph->paddr, ph->memsz)) {
		seterr(err, errlen, "ELF segment %u at 0x%llx-0x%llx overlaps "
			"the ACPI tables at 0x%llx-0x%llx", i, ULL(ph->paddr),
			ULL(end), ULL(PC_ACPI_TABLES), ULL(GMEM_HOLE_START - 1));
		return -1;
	}
	return 0;
}

/* Segment i against every earlier loaded segment. */
static int check_overlap(const uint8_t *img, const struct ehdr *eh,
			 unsigned i, const struct phdr *ph, char *err,
			 size_t errlen)
{
	struct phdr o;
	unsigned j;

	for (j = 0; j < i; j++) {
		read_phdr(img, eh, j, &o);
		if (!is_loaded(&o))
			continue;
		if (ph->paddr < o.paddr + o.memsz &&
		    o.paddr < ph->paddr + ph->memsz) {
			seterr(err, errlen, "ELF segments %u (0x%llx-0x%llx) "
				"and %u (0x%llx-0x%llx) overlap", j,
				ULL(o.paddr), ULL(o.paddr + o.memsz), i,
				ULL(ph->paddr), ULL(ph->paddr + ph->memsz));
			return -1;
		}
	}
	return 0;
}

/* e_entry is a virtual address; like GRUB (multiboot_elfxx.c) translate it
 * through the segment whose p_vaddr range holds it. */
static int find_entry(const uint8_t *img, const struct ehdr *eh,
		      uint64_t *entry, char *err, size_t errlen)
{
	struct phdr ph;
	unsigned i;

	for (i = 0; i < eh->phnum; i++) {
		read_phdr(img, eh, i, &ph);
		if (is_loaded(&ph) && eh->entry >= ph.vaddr &&
		    eh->entry - ph.vaddr < ph.memsz) {
			*entry = eh->entry - ph.vaddr + ph.paddr;
			return 0;
		}
	}
	seterr(err, errlen, "ELF entry point 0x%llx is not inside any "
		"loaded segment", ULL(eh->entry));
	return -1;
}

int elf_check(const struct guest_mem *mem, const uint8_t *img, size_t len,
	      struct elf_image *out, char *err, size_t errlen)
{
	struct ehdr eh;
	struct phdr ph;
	unsigned i;

	if (read_ehdr(img, len, &eh, err, errlen) < 0 ||
	    check_ehdr(&eh, len, err, errlen) < 0)
		return -1;
	memset(out, 0, sizeof(*out));
	out->is64 = eh.is64;
	out->machine = eh.machine;
	out->lo = UINT64_MAX;
	for (i = 0; i < eh.phnum; i++) {
		read_phdr(img, &eh, i, &ph);
		if (!is_loaded(&ph))
			continue;
		if (check_segment(mem, i, &ph, len, err, errlen) < 0 ||
		    check_overlap(img, &eh, i, &ph, err, errlen) < 0)
			return -1;
		if (ph.paddr < out->lo)
			out->lo = ph.paddr;
		if (ph.paddr + ph.memsz > out->hi)
			out->hi = ph.paddr + ph.memsz;
		out->nload++;
	}
	if (out->nload == 0) {
		seterr(err, errlen, "ELF has no PT_LOAD segment with data");
		return -1;
	}
	return find_entry(img, &eh, &out->entry, err, errlen);
}

int elf_load(struct guest_mem *mem, const uint8_t *img, size_t len,
	     struct elf_image *out, char *err, size_t errlen)
{
	struct ehdr eh;
	struct phdr ph;
	unsigned i;

	if (elf_check(mem, img, len, out, err, errlen) < 0)
		return -1;
	read_ehdr(img, len, &eh, NULL, 0);
	for (i = 0; i < eh.phnum; i++) {
		read_phdr(img, &eh, i, &ph);
		if (!is_loaded(&ph))
			continue;
		memcpy(mem->base + ph.paddr, img + ph.offset, ph.filesz);
		memset(mem->base + ph.paddr + ph.filesz, 0,
		       ph.memsz - ph.filesz);
	}
	return 0;
}
