/* CPUID as Vireo presents it: hypervisor bit, signature leaf, version leaf,
 * VMX hidden, APIC ID of vCPU 0. Vireo-only checks are skipped natively. */
#include "guest.h"

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
}
