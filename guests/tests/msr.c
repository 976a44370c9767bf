/* MSRs as Vireo emulates them: PAT, MISC_ENABLE, SYSENTER_*, APIC_BASE,
 * TSC, and #GP for unknown MSRs (reads and writes). */
#include "guest.h"

#define MSR_TSC            0x10
#define MSR_APIC_BASE      0x1B
#define MSR_SYSENTER_CS    0x174
#define MSR_SYSENTER_ESP   0x175
#define MSR_SYSENTER_EIP   0x176
#define MSR_MISC_ENABLE    0x1A0
#define MSR_PAT            0x277

static void rw(uint32_t msr, uint64_t v, const char *name)
{
	char n[48];
	int e = wrmsr_safe(msr, v);
	snprintf(n, sizeof(n), "%s-write", name);
	if (!check(e < 0, n)) {
		printf("  (exception %d)\n", e);
		return;
	}
	uint64_t got;
	e = rdmsr_safe(msr, &got);
	snprintf(n, sizeof(n), "%s-readback", name);
	if (e >= 0)
		fail(n, "exception %d", e);
	else
		check_eq(got, v, n);
}

void test_main(void)
{
	int vireo = running_on_vireo();
	printf("msr test (%s, %d-bit)\n", vireo ? "on Vireo" : "native", (int)sizeof(void *) * 8);
	uint64_t v;

	/* IA32_PAT */
	check(rdmsr_safe(MSR_PAT, &v) < 0, "pat-read");
	printf("PAT = 0x%llx\n", (unsigned long long)v);
	uint64_t pat0 = v;
	rw(MSR_PAT, 0x0007010600070106ULL, "pat");
	rw(MSR_PAT, pat0, "pat-restore");

	/* IA32_MISC_ENABLE */
	check(rdmsr_safe(MSR_MISC_ENABLE, &v) < 0, "misc-enable-read");
	printf("MISC_ENABLE = 0x%llx\n", (unsigned long long)v);

	/* SYSENTER */
	rw(MSR_SYSENTER_CS, 0x10, "sysenter-cs");
	rw(MSR_SYSENTER_ESP, 0x12345678, "sysenter-esp");
	rw(MSR_SYSENTER_EIP, 0x00abcdef, "sysenter-eip");

	/* IA32_APIC_BASE: 0xFEE00000 | enable (bit 11) | BSP (bit 8) */
	check(rdmsr_safe(MSR_APIC_BASE, &v) < 0, "apic-base-read");
	check_eq(v, 0xFEE00900ULL, "apic-base-value");

	/* TSC: monotonic through RDMSR and RDTSC */
	uint64_t t0, t1, t2;
	rdmsr_safe(MSR_TSC, &t0);
	for (volatile int i = 0; i < 1000; i++)
		;
	rdmsr_safe(MSR_TSC, &t1);
	t2 = rdtsc();
	printf("TSC %llx -> %llx -> %llx\n", (unsigned long long)t0, (unsigned long long)t1,
	       (unsigned long long)t2);
	if (!vireo && t0 == 0 && t1 == 0)
		skip("tsc-msr-monotonic", "native TCG reads MSR 0x10 as 0");
	else
		check(t1 > t0, "tsc-msr-monotonic");
	check(t2 >= t1, "tsc-rdtsc-monotonic");

	/* unknown MSRs -> #GP(0), caught by our own handler */
	if (!vireo) {
		skip("unknown-msr-read-gp", "native TCG does not #GP on unknown MSRs");
		skip("unknown-msr-write-gp", "native TCG does not #GP on unknown MSRs");
		return;
	}
	unsigned long before = exc_count;
	int e = rdmsr_safe(0x12345, &v);
	check_eq((uint64_t)(int64_t)e, 13, "unknown-msr-read-gp");
	check_eq(exc_last.error, 0, "unknown-msr-read-gp-error");
	e = wrmsr_safe(0xC0011FFF, 0x1234);
	check_eq((uint64_t)(int64_t)e, 13, "unknown-msr-write-gp");
	e = rdmsr_safe(0xC0011FFF, &v);
	check_eq((uint64_t)(int64_t)e, 13, "unknown-msr-read-gp-2");
	check_eq(exc_count - before, 3, "gp-count");
	/* still alive and MSRs still work after the injected #GPs */
	rw(MSR_SYSENTER_CS, 0x8, "sysenter-cs-after-gp");
}
