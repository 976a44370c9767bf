/* CPUID as Vireo presents it: hypervisor bit, signature leaf, version leaf,
 * VMX hidden, APIC ID of vCPU 0, XSAVE sizes that match the components
 * leaf 0xD lists. Vireo-only checks are skipped natively. */
#include "guest.h"

static int xsetbv_safe(uint64_t v)
{
	unsigned long before = exc_count;

	__asm__ volatile("1: xsetbv\n2:\n" EXTABLE(1b, 2b)
			 : : "c"(0), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
	return exc_count == before ? -1 : (int)exc_last.vector;
}

/* With every offered component enabled, leaf 0xD's sizes must be what its
 * own subleaves add up to (SDM Vol. 1 13.4.3): subleaf 0 EBX the end of
 * the highest component, subleaf 1 EBX the compacted sum Linux checks. */
static void check_xsave_sizes(void)
{
	uint32_t a, b, c, d, std = 576, cmp = 576;
	uint64_t offered;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & (1u << 26))) {
		skip("xsave-sizes", "no XSAVE");
		return;
	}
	write_cr4(read_cr4() | (1ul << 9) | (1ul << 18));   /* OSFXSR, OSXSAVE */
	cpuid(0xd, 0, &a, &b, &c, &d);
	offered = ((uint64_t)d << 32) | a;
	check_eq(offered & 0x18, 0, "xcr0-mpx-not-offered");
	check_eq(xsetbv_safe(offered), -1, "xsetbv-all-offered");
	check_eq(xsetbv_safe(offered | 0x18), 13, "xsetbv-mpx-gp");
	for (unsigned i = 2; i < 64; i++) {
		uint32_t sa, sb, sc, sd;

		if (!((offered >> i) & 1))
			continue;
		cpuid(0xd, i, &sa, &sb, &sc, &sd);
		if (sb + sa > std)
			std = sb + sa;
		if (sc & 2)
			cmp = (cmp + 63) & ~63u;
		cmp += sa;
	}
	uint32_t b1, c1, d1;

	cpuid(0xd, 1, &a, &b1, &c1, &d1);
	cpuid(0xd, 0, &a, &b, &c, &d);
	printf("xsave: XCR0 0x%llx: standard %u (leaf 0xD.0 says %u), compacted %u (0xD.1 says %u)\n",
	       (unsigned long long)offered, std, b, cmp, b1);
	check_eq(b, std, "xsave-size-standard");
	check_eq(c, std, "xsave-size-max");
	check_eq(b1, cmp, "xsave-size-compacted");
	check_eq(c1 | d1, 0, "xss-none-offered");
	check_eq(xsetbv_safe(1), -1, "xsetbv-x87");
	cpuid(0xd, 0, &a, &b, &c, &d);
	check_eq(b, 576, "xsave-size-follows-xcr0");
}

void test_main(void)
{
	uint32_t a, b, c, d;
	int vireo = running_on_vireo();
	printf("cpuid test (%s)\n", vireo ? "on Vireo" : "native, no Vireo");

	char vendor[13];
	cpuid_vendor(vendor, &a);
	printf("vendor %s max basic leaf 0x%x\n", vendor, a);
	check(a >= 1, "max-basic-leaf");

	cpuid(1, 0, &a, &b, &c, &d);
	printf("leaf 1: eax=0x%x ebx=0x%x ecx=0x%x edx=0x%x\n", a, b, c, d);
	check(!(c & (1u << 5)), "vmx-hidden");
	check_eq(b >> 24, 0, "apic-id-vcpu0");

	if (!vireo) {
		skip("hypervisor-bit", "not on Vireo");
		skip("signature", "not on Vireo");
		skip("max-hv-leaf", "not on Vireo");
		skip("hv-version", "not on Vireo");
		skip("xsave-sizes", "Vireo's leaf 0xD");
		return;
	}
	check(c & (1u << 31), "hypervisor-bit");
	char sig[13];
	cpuid_hv_signature(sig, &a);
	printf("hypervisor signature \"%s\"\n", sig);
	check(!strcmp(sig, "VireoVireoHV"), "signature");
	check_eq(a, VIREO_CPUID_MAX_LEAF, "max-hv-leaf");
	cpuid(0x40000001, 0, &a, &b, &c, &d);
	check_eq(a, (VIREO_ABI_MAJOR << 16) | VIREO_ABI_MINOR, "hv-version");
	check_xsave_sizes();
}
