/* The local APIC: xAPIC MMIO registers at 0xFEE00000, then x2APIC mode via
 * IA32_APIC_BASE and the same registers through MSRs 0x800-0x8FF. */
#include "guest.h"

#define APIC_BASE_MSR 0x1B
#define XAPIC ((volatile uint32_t *)(uintptr_t)0xFEE00000u)
#define R(off) XAPIC[(off) / 4]

enum { ID = 0x20, VER = 0x30, TPR = 0x80, LDR = 0xD0, DFR = 0xE0, SVR = 0xF0, ESR = 0x280,
       ICR_LO = 0x300, ICR_HI = 0x310 };

void test_main(void)
{
	int vireo = running_on_vireo();
	printf("lapic test (%s)\n", vireo ? "on Vireo" : "native");
	uint64_t base = rdmsr(APIC_BASE_MSR);
	check_eq(base & 0xFFFFFFFFu, 0xFEE00900u, "apic-base");

	/* ---- xAPIC MMIO ---- */
	uint32_t id = R(ID), ver = R(VER);
	printf("xAPIC id=0x%x version=0x%x\n", id, ver);
	check_eq(id >> 24, 0, "xapic-id");
	check((ver & 0xFF) != 0, "xapic-version");
	if (vireo) {
		/* Vireo keeps the ID fixed (IPIs are routed by it), with or
		 * without APIC virtualization, which lets the store reach the
		 * register page. */
		R(ID) = 0x7F000000u;
		check_eq(R(ID), id, "xapic-id-write-ignored");
	}
	R(TPR) = 0x20;
	check_eq(R(TPR) & 0xFF, 0x20, "xapic-tpr");
	R(TPR) = 0;
	check_eq(R(TPR) & 0xFF, 0, "xapic-tpr-zero");
	R(SVR) = 0x1FF; /* enable, spurious vector 0xFF */
	check(R(SVR) & 0x100, "xapic-svr-enable");
	check_eq(R(SVR) & 0xFF, 0xFF, "xapic-svr-vector");
	R(DFR) = 0xFFFFFFFFu;
	check_eq(R(DFR) >> 28, 0xF, "xapic-dfr-flat");
	R(LDR) = 0x01000000u;
	check_eq(R(LDR) & 0xFF000000u, 0x01000000u, "xapic-ldr");
	R(ESR) = 0;
	printf("xAPIC ESR=0x%x\n", R(ESR));

	/* fixed IPI, vector 0x40, to APIC ID 15 (nobody): must not hang */
	R(ICR_HI) = 15u << 24;
	R(ICR_LO) = 0x00004040;
	int idle = 0;
	for (int i = 0; i < 100000; i++)
		if (!(R(ICR_LO) & (1u << 12))) {
			idle = 1;
			break;
		}
	check(idle, "xapic-icr-delivery-idle");
	R(ESR) = 0;
	printf("xAPIC ESR after IPI=0x%x\n", R(ESR));

	/* ---- x2APIC ---- */
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & (1u << 21))) {
		if (vireo)
			fail("x2apic-cpuid", "CPUID.1:ECX[21] clear under Vireo");
		else
			skip("x2apic", "CPUID.1:ECX[21] clear");
		return;
	}
	int e = wrmsr_safe(APIC_BASE_MSR, base | (1u << 11) | (1u << 10));
	if (!check(e < 0, "x2apic-enable")) {
		printf("  (exception %d)\n", e);
		return;
	}
	check_eq(rdmsr(APIC_BASE_MSR) & 0xFFFFFFFFu, 0xFEE00D00u, "x2apic-apic-base");
	uint64_t v;
	check(rdmsr_safe(0x802, &v) < 0 && v == 0, "x2apic-id");
	check(rdmsr_safe(0x803, &v) < 0 && (v & 0xFF) == (ver & 0xFF), "x2apic-version");
	check(wrmsr_safe(0x808, 0x30) < 0, "x2apic-tpr-write");
	check(rdmsr_safe(0x808, &v) < 0 && v == 0x30, "x2apic-tpr-read");
	wrmsr_safe(0x808, 0);
	check(rdmsr_safe(0x80F, &v) < 0 && (v & 0x100), "x2apic-svr-enabled");
	/* logical ID derived from the x2APIC ID: cluster 0, bit 0 */
	check(rdmsr_safe(0x80D, &v) < 0, "x2apic-ldr-read");
	check_eq(v, 1, "x2apic-ldr-derived");
	check(wrmsr_safe(0x828, 0) < 0, "x2apic-esr-write");
	check(rdmsr_safe(0x828, &v) < 0, "x2apic-esr-read");
	/* EOI is write-only: RDMSR #GPs, WRMSR 0 is fine */
	e = rdmsr_safe(0x80B, &v);
	check_eq((uint64_t)(int64_t)e, 13, "x2apic-eoi-read-gp");
	check(wrmsr_safe(0x80B, 0) < 0, "x2apic-eoi-write");
	/* an IPI to a nonexistent x2APIC ID, through the 64-bit ICR */
	check(wrmsr_safe(0x830, (15ULL << 32) | 0x4040) < 0, "x2apic-icr-write");
}
