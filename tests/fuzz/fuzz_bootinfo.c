/* The parser of the hypervisor's own boot information (Multiboot2 tags or
 * a Multiboot v1 structure, from GRUB) over random bootloader memory.
 * Every map() call hands out a fresh heap copy of exactly the bytes asked
 * for, so ASan reports any read past what the parser mapped.
 * Checks: the result is 0 or -1; an error is one NUL-terminated line;
 * counts within their arrays; every string (command line, loader name,
 * module strings, refusal reasons) terminated within its field; module
 * ranges not reversed; the RSDP copy flagged only with an address.
 * FUZZ-DEPS: arch/x86/boot/bootinfo.c */
#include "tests/fuzz/fuzz.h"
#include "arch/x86/boot/bootinfo.h"

#define MAX_MAPS 4096

static const uint8_t *mem;
static size_t mem_len;
static void *maps[MAX_MAPS];
static unsigned nmaps;
static struct boot_info bi;

static const void *map(void *ctx, uint64_t phys, size_t len)
{
	void *p;

	(void)ctx;
	if (phys > mem_len || len > mem_len - phys || nmaps == MAX_MAPS)
		return NULL;
	p = fuzz_dup(mem + phys, len);
	maps[nmaps++] = p;
	return p;
}

static bool terminated(const char *s, size_t n)
{
	return memchr(s, 0, n) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in_init(data, size);
	uint8_t sel = fuzz_u8(&in);
	uint32_t magic = (sel & 3) == 0 ? MB2_BOOTLOADER_MAGIC :
			 (sel & 3) == 1 ? MB1_BOOTLOADER_MAGIC : fuzz_u32(&in);
	uint64_t info = fuzz_u16(&in) % 64;
	char err[120];
	int rc;

	mem = in.p;
	mem_len = in.len;
	nmaps = 0;
	memset(err, 0, sizeof(err));
	rc = bootinfo_parse(magic, info, map, NULL, &bi, err, sizeof(err));
	if (fuzz_verbose())
		fprintf(stderr, "bootinfo: rc %d: %s (%d ranges, %d modules)\n", rc,
			rc ? err : "parsed", bi.nmem, bi.nmods);
	FUZZ_CHECK(rc == 0 || rc == -1, "rc %d", rc);
	FUZZ_CHECK(terminated(err, sizeof(err)) && !strchr(err, '\n'), "error not one line");
	FUZZ_CHECK(rc == 0 || err[0], "refused without a reason");
	FUZZ_CHECK(bi.nmem >= 0 && bi.nmem <= BOOT_MAX_MEM && bi.nmods >= 0 &&
		   bi.nmods <= BOOT_MAX_MODS, "counts %d %d", bi.nmem, bi.nmods);
	FUZZ_CHECK(terminated(bi.cmdline, sizeof(bi.cmdline)) &&
		   terminated(bi.loader, sizeof(bi.loader)), "strings");
	for (int i = 0; i < bi.nmods; i++) {
		const struct boot_module *m = &bi.mods[i];

		FUZZ_CHECK(terminated(m->string, sizeof(m->string)) &&
			   terminated(m->refused, sizeof(m->refused)), "module %d strings", i);
		FUZZ_CHECK(m->refused[0] || m->start <= m->end, "module %d at %#llx-%#llx kept", i,
			   (unsigned long long)m->start, (unsigned long long)m->end);
	}
	FUZZ_CHECK(!bi.has_rsdp || rc != 0 || bi.rsdp_copy_phys, "RSDP without an address");
	for (unsigned i = 0; i < nmaps; i++)
		free(maps[i]);
	return 0;
}
