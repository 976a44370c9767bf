/* Demo guest: greets, shows what the CPU and the loader told it, and exits
 * through the EXIT hypercall (debug-exit when not running on Vireo). */
#include "guest.h"

void test_main(void)
{
	char greeting[64];
	if (!cmdline_get("greeting", greeting, sizeof(greeting)))
		snprintf(greeting, sizeof(greeting), "hello");
	int vireo = running_on_vireo();
	printf("%s from a Vireo guest (%s)\n", greeting, vireo ? "running on Vireo" : "not on Vireo");

	uint32_t a, b, r[12];
	char vendor[13];
	cpuid_vendor(vendor, 0);
	printf("CPU vendor: %s\n", vendor);
	cpuid(0x80000000, 0, &a, 0, 0, 0);
	if (a >= 0x80000004) {
		for (int i = 0; i < 3; i++)
			cpuid(0x80000002 + i, 0, &r[4 * i], &r[4 * i + 1], &r[4 * i + 2], &r[4 * i + 3]);
		char brand[49];
		memcpy(brand, r, 48);
		brand[48] = 0;
		const char *p = brand;
		while (*p == ' ')
			p++;
		printf("CPU brand: %s\n", p);
	}
	cpuid(1, 0, 0, &b, 0, 0);
	printf("vCPU %u (APIC ID)\n", b >> 24);
	if (vireo)
		printf("hypervisor ABI version 0x%lx, vCPU id %ld\n", hc_version(), hc_vcpu_id());

	if (mb_magic == MB_MAGIC) {
		struct mb_info *mi = mb_info();
		printf("memory: %u KiB low, %u KiB high (RAM ends at 0x%llx)\n", mi->mem_lower, mi->mem_upper,
		       (unsigned long long)mb_ram_end());
		printf("cmdline: \"%s\"\n", mb_cmdline());
		if (mi->flags & (1u << 9))
			printf("loaded by: %s\n", (const char *)phys(mi->boot_loader_name));
		if (mi->flags & (1u << 3)) {
			const struct mb_module *m = phys(mi->mods_addr);
			for (uint32_t i = 0; i < mi->mods_count; i++)
				printf("module %u: %u bytes \"%s\"\n", i, m[i].mod_end - m[i].mod_start,
				       m[i].string ? (const char *)phys(m[i].string) : "");
		}
	}
	printf("goodbye\n");
	if (vireo)
		hc_exit(0);
	guest_exit(0);
}
