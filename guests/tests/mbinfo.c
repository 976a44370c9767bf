/* The multiboot v1 information the loader passes. The harness boots it with
 *   --append "alpha=1 beta=two" --module DIR/mod1.txt --module DIR/mod2.txt
 * where mod1.txt holds MOD1_TEXT and mod2.txt MOD2_TEXT (exactly). */
#include "guest.h"

#define EXPECT_CMDLINE "alpha=1 beta=two"
#define MOD1_TEXT "VIREO-MODULE-ONE\n"
#define MOD2_TEXT "vireo module two, a little longer\n"

extern char __bss_end[];

static void check_module(const struct mb_module *m, const char *file, const char *text, int i)
{
	char n[48];
	const char *s = m->string ? (const char *)phys(m->string) : "";
	uint32_t len = m->mod_end - m->mod_start;
	printf("module %d: [0x%x, 0x%x) \"%s\"\n", i, m->mod_start, m->mod_end, s);
	snprintf(n, sizeof(n), "module%d-string", i);
	check(strstr(s, file) != 0, n);
	snprintf(n, sizeof(n), "module%d-size", i);
	check_eq(len, strlen(text), n);
	snprintf(n, sizeof(n), "module%d-contents", i);
	check(len == strlen(text) && !memcmp(phys(m->mod_start), text, len), n);
	snprintf(n, sizeof(n), "module%d-page-aligned", i);
	check((m->mod_start & 0xFFF) == 0, n);
	snprintf(n, sizeof(n), "module%d-above-kernel", i);
	check(m->mod_start >= (uintptr_t)__bss_end, n);
	snprintf(n, sizeof(n), "module%d-in-ram", i);
	check(mb_ram_end() && m->mod_end <= mb_ram_end() && m->mod_start >= 0x100000, n);
}

/* cmdline padlen=N pad=<N characters>: a long command line arrives whole,
 * after the image's path (GRUB's and QEMU's argv[0]). */
static void long_cmdline(uint64_t padlen)
{
	static char pad[8192];
	const char *cl = mb_cmdline();

	check(cl[0] == '/' && strstr(cl, ".elf ") != 0, "cmdline-image-path-first");
	check(cmdline_get("pad", pad, sizeof(pad)), "long-cmdline-pad-present");
	check_eq(strlen(pad), padlen, "long-cmdline-intact");
}

void test_main(void)
{
	int vireo = running_on_vireo();
	printf("mbinfo test (%s)\n", vireo ? "on Vireo" : "native");
	check_eq(mb_magic, MB_MAGIC, "magic");
	if (mb_magic != MB_MAGIC)
		return;
	uint64_t padlen = cmdline_u64("padlen", 0);
	if (padlen) {
		long_cmdline(padlen);
		return;
	}
	struct mb_info *mi = mb_info();
	printf("info at 0x%x flags 0x%x\n", mb_info_addr, mi->flags);
	check(mi->flags & (1u << 0), "flag-mem");
	check(mi->flags & (1u << 2), "flag-cmdline");
	check(mi->flags & (1u << 3), "flag-mods");
	check(mi->flags & (1u << 6), "flag-mmap");

	/* memory */
	printf("mem_lower %u KiB, mem_upper %u KiB\n", mi->mem_lower, mi->mem_upper);
	check_eq(mi->mem_lower, 639, "mem-lower");
	check(mi->mem_upper >= 1024, "mem-upper-nonzero");
	uint64_t ram_end = mb_ram_end();
	if (vireo) {
		outw(0x510, 3);
		uint64_t ram = 0;
		for (int i = 0; i < 8; i++)
			ram |= (uint64_t)inb(0x511) << (8 * i);
		check_eq(ram_end, ram, "mem-upper-matches-fwcfg-ram");
	}

	/* cmdline: exactly the --append string (a loader may prepend the kernel path) */
	const char *cl = mb_cmdline();
	printf("cmdline \"%s\"\n", cl);
	size_t cll = strlen(cl), el = strlen(EXPECT_CMDLINE);
	check(!strcmp(cl, EXPECT_CMDLINE) ||
	      (cll > el && cl[cll - el - 1] == ' ' && !strcmp(cl + cll - el, EXPECT_CMDLINE)), "cmdline");
	if (vireo)  /* argv[0]: the image's path, as GRUB and QEMU pass it */
		check(cl[0] == '/' && cll > el && cl[cll - el - 1] == ' ', "cmdline-image-path-first");
	char v[16];
	check(cmdline_get("beta", v, sizeof(v)) && !strcmp(v, "two"), "cmdline-parse-beta");
	check_eq(cmdline_u64("alpha", 99), 1, "cmdline-parse-alpha");

	/* modules */
	check_eq(mi->mods_count, 2, "mods-count");
	if ((mi->flags & (1u << 3)) && mi->mods_count == 2) {
		const struct mb_module *m = phys(mi->mods_addr);
		check_module(&m[0], "mod1.txt", MOD1_TEXT, 0);
		check_module(&m[1], "mod2.txt", MOD2_TEXT, 1);
		check(m[1].mod_start >= m[0].mod_end || m[0].mod_start >= m[1].mod_end, "modules-disjoint");
	}

	/* memory map */
	if (mi->flags & (1u << 6)) {
		int n = 0, low_ok = 0, high_ok = 0, hole_ok = 1;
		uint64_t avail_end = 0;
		for (uint32_t off = 0; off < mi->mmap_length; n++) {
			const struct mb_mmap *e = phys(mi->mmap_addr + off);
			uint64_t s = e->addr, end = e->addr + e->len;
			printf("mmap %d: [0x%llx, 0x%llx) type %u\n", n, (unsigned long long)s,
			       (unsigned long long)end, e->type);
			if (e->type == 1) {
				if (s == 0 && end >= (uint64_t)mi->mem_lower * 1024)
					low_ok = 1;
				if (s <= 0x100000 && end >= ram_end && end > 0x100000)
					high_ok = 1;
				if (s < 0x100000 && end > 0xA0000)
					hole_ok = 0;
				if (end <= 0x100000000ULL && end > avail_end)
					avail_end = end;
			}
			off += e->size + 4;
			if (e->size < 20 || n > 64)
				break;
		}
		check(n >= 2, "mmap-entries");
		check(low_ok, "mmap-low-ram-available");
		check(high_ok, "mmap-ram-above-1m-available");
		check(hole_ok, "mmap-hole-not-available");
		check_eq(avail_end, ram_end, "mmap-available-ends-at-mem-upper");
	}

	/* boot loader name */
	const char *ln = (mi->flags & (1u << 9)) && mi->boot_loader_name ? (const char *)phys(mi->boot_loader_name) : "(none)";
	printf("boot loader \"%s\"\n", ln);
	if (vireo)
		check(!strcmp(ln, "Vireo"), "loader-name");
	else
		skip("loader-name", "not on Vireo");
}
