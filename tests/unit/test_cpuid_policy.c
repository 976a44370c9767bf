/* UNIT-DEPS: arch/x86/vmx/cpuid_policy.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/libc.h"
#include "arch/x86/vmx/cpuid_policy.h"
#include "core/hypercall_abi.h"

static const struct cpuid_regs all_ones = { ~0u, ~0u, ~0u, ~0u };

static struct cpuid_vcpu_info vinfo(uint32_t apic_id, uint32_t n)
{
	struct cpuid_vcpu_info vi = { .apic_id = apic_id, .nr_vcpus = n,
				      .guest_osxsave = false, .guest_x2apic_ok = true,
				      .host_max_basic = 0x1f, .tsc_khz = 49998,
				      .apic_khz = 100000 };
	return vi;
}

static struct cpuid_regs apply(uint32_t leaf, uint32_t sub, struct cpuid_regs host,
			       const struct cpuid_vcpu_info *vi)
{
	struct cpuid_regs out;

	memset(&out, 0x5a, sizeof(out));
	cpuid_policy_apply(leaf, sub, &host, vi, &out);
	return out;
}

static void test_leaf1_hidden_and_set(void **state)
{
	struct cpuid_vcpu_info vi = vinfo(3, 1);
	struct cpuid_regs r;
	uint32_t hidden_ecx = (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 7) |
			      (1u << 8) | (1u << 15);
	uint32_t hidden_edx = (1u << 21) | (1u << 22) | (1u << 29) | (1u << 31);

	(void)state;
	r = apply(1, 0, all_ones, &vi);
	assert_int_equal(r.ecx & hidden_ecx, 0);
	assert_int_equal(r.edx & hidden_edx, 0);
	assert_true(r.ecx & (1u << 31));           /* hypervisor present */
	assert_true(r.ecx & (1u << 21));           /* x2APIC kept (allowed) */
	assert_true(r.ecx & (1u << 24));           /* TSC-deadline: the vLAPIC's */
	assert_true(r.ecx & (1u << 26));           /* XSAVE kept */
	assert_false(r.ecx & (1u << 27));          /* guest CR4.OSXSAVE = 0 */
	assert_int_equal(r.eax, ~0u);              /* family/model kept */
	assert_int_equal(r.ebx >> 24, 3);          /* APIC ID */
	assert_int_equal((r.ebx >> 16) & 0xff, 1); /* logical processors */
	assert_int_equal(r.ebx & 0xffff, 0xffff);  /* CLFLUSH size, brand */
	assert_true(r.edx & (1u << 28));           /* HTT kept from host */
	assert_true(r.edx & 1);                    /* FPU etc. kept */

	/* host without HTT and one vCPU: HTT stays clear */
	r = apply(1, 0, (struct cpuid_regs){ 0, 0, 0, 0 }, &vi);
	assert_false(r.edx & (1u << 28));
	assert_int_equal(r.ecx, (1u << 31) | (1u << 24));
	/* two vCPUs set HTT */
	vi = vinfo(1, 2);
	r = apply(1, 0, (struct cpuid_regs){ 0, 0, 0, 0 }, &vi);
	assert_true(r.edx & (1u << 28));
	assert_int_equal(r.ebx, (1u << 24) | (2u << 16));
}

static void test_leaf1_osxsave_x2apic(void **state)
{
	struct cpuid_vcpu_info vi = vinfo(0, 1);
	struct cpuid_regs host = { 0, 0, (1u << 26) | (1u << 21), 0 };
	struct cpuid_regs r;

	(void)state;
	vi.guest_osxsave = true;
	r = apply(1, 0, host, &vi);
	assert_true(r.ecx & (1u << 27));
	/* no XSAVE on the host: OSXSAVE cannot be reported */
	host.ecx = 0;
	r = apply(1, 0, host, &vi);
	assert_false(r.ecx & (1u << 27));
	/* host OSXSAVE (host CR4) does not leak when the guest has it off */
	vi.guest_osxsave = false;
	host.ecx = (1u << 26) | (1u << 27) | (1u << 21);
	vi.guest_x2apic_ok = false;
	r = apply(1, 0, host, &vi);
	assert_false(r.ecx & (1u << 27));
	assert_false(r.ecx & (1u << 21));
}

static void test_leaf4(void **state)
{
	struct cpuid_vcpu_info vi = vinfo(0, 4);
	struct cpuid_regs host = { (7u << 26) | (1u << 14) | 0x121, 0x1c0003f, 0x3f, 0 };
	struct cpuid_regs r;

	(void)state;
	r = apply(4, 0, host, &vi);
	assert_int_equal(r.eax >> 26, 3);
	assert_int_equal(r.eax & 0x03ffffff, (1u << 14) | 0x121);
	assert_int_equal(r.ebx, 0x1c0003f);
	assert_int_equal(r.ecx, 0x3f);
	/* terminating null descriptor untouched */
	r = apply(4, 4, (struct cpuid_regs){ 0, 0, 0, 0 }, &vi);
	assert_int_equal(r.eax, 0);
}

static void test_zeroed_leaves(void **state)
{
	struct cpuid_vcpu_info vi = vinfo(0, 1);
	const uint32_t leaves[] = { 5, 0xa, 0x12, 0x14 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(leaves); i++) {
		struct cpuid_regs r = apply(leaves[i], 0, all_ones, &vi);

		assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	}
	/* leaf 6: ARAT alone */
	struct cpuid_regs r = apply(6, 0, all_ones, &vi);
	assert_int_equal(r.eax, 1u << 2);
	assert_int_equal(r.ebx | r.ecx | r.edx, 0);
}

static void test_leaf7(void **state)
{
	struct cpuid_vcpu_info vi = vinfo(0, 1);
	struct cpuid_regs r;

	(void)state;
	r = apply(7, 0, all_ones, &vi);
	assert_int_equal(r.eax, ~0u);
	assert_int_equal(r.ebx, ~((1u << 2) | (1u << 14) | (1u << 25)));
	assert_int_equal(r.ecx, ~((1u << 5) | (1u << 7) | (1u << 30)));
	assert_int_equal(r.edx, ~((1u << 18) | (1u << 20) | (0x3fu << 26)));
	assert_true(r.ebx & (1u << 1));   /* TSC_ADJUST: emulated */
	assert_true(r.ebx & (1u << 4));   /* HLE kept */
	assert_true(r.ebx & (1u << 11));  /* RTM kept */
	/* other subleaves pass through */
	r = apply(7, 1, all_ones, &vi);
	assert_int_equal(r.ebx, ~0u);
}

static void test_leaf_b_topology(void **state)
{
	struct cpuid_vcpu_info vi = vinfo(5, 6);
	struct cpuid_regs r;

	(void)state;
	r = apply(0xb, 0, all_ones, &vi);
	assert_int_equal(r.eax, 0);
	assert_int_equal(r.ebx, 1);
	assert_int_equal(r.ecx, 0x100);
	assert_int_equal(r.edx, 5);
	r = apply(0xb, 1, all_ones, &vi);
	assert_int_equal(r.eax, 3); /* 6 vCPUs need 3 ID bits */
	assert_int_equal(r.ebx, 6);
	assert_int_equal(r.ecx, 0x201);
	assert_int_equal(r.edx, 5);
	r = apply(0xb, 2, all_ones, &vi);
	assert_int_equal(r.eax, 0);
	assert_int_equal(r.ebx, 0);
	assert_int_equal(r.ecx, 2);
	assert_int_equal(r.edx, 5);
	vi = vinfo(0, 1);
	r = apply(0xb, 1, all_ones, &vi);
	assert_int_equal(r.eax, 0);
	assert_int_equal(r.ebx, 1);
	vi = vinfo(0, 4);
	r = apply(0x1f, 1, all_ones, &vi);
	assert_int_equal(r.eax, 2);
	assert_int_equal(r.ebx, 4);
}

static void test_hypervisor_leaves(void **state)
{
	struct cpuid_vcpu_info vi = vinfo(0, 1);
	struct cpuid_regs r;
	char sig[13] = { 0 };

	(void)state;
	r = apply(0x40000000, 0, all_ones, &vi);
	assert_int_equal(r.eax, 0x40000010);
	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	assert_string_equal(sig, "VireoVireoHV");
	assert_string_equal(sig, VIREO_CPUID_SIGNATURE);
	r = apply(0x40000001, 0, all_ones, &vi);
	assert_int_equal(r.eax, (VIREO_ABI_MAJOR << 16) | VIREO_ABI_MINOR);
	assert_int_equal(r.ebx | r.ecx | r.edx, 0);
	r = apply(0x40000002, 0, all_ones, &vi);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	r = apply(0x40000100, 0, all_ones, &vi);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
}

/* A Skylake-server-like layout: AVX at 576, MPX at 960/1024, AVX-512's
 * opmask/ZMM_Hi256/Hi16_ZMM at 1088/1152/1664, PKRU at 2688. */
static struct xsave_layout skx_layout(void)
{
	struct xsave_layout l = { .align64 = 0 };
	const uint32_t off[10] = { 0, 0, 576, 960, 1024, 1088, 1152, 1664, 0, 2688 };
	const uint32_t sz[10] = { 0, 0, 256, 64, 64, 64, 512, 1024, 0, 8 };

	for (int i = 2; i < 10; i++) {
		l.offset[i] = off[i];
		l.size[i] = sz[i];
	}
	return l;
}

static void test_xsave_sizes(void **state)
{
	struct xsave_layout l = skx_layout();
	struct cpuid_vcpu_info vi = vinfo(0, 1);
	struct cpuid_regs host = { 0x2ff, 9999, 9999, 0 }, r;

	(void)state;
	assert_int_equal(xsave_area_size(&l, 0x3, false), 576);
	assert_int_equal(xsave_area_size(&l, 0x7, false), 832);
	/* AVX-512 without MPX: the standard format keeps MPX's hole... */
	assert_int_equal(xsave_area_size(&l, 0xe7, false), 2688);
	/* ...the compacted one packs it away (what Linux sums up) */
	assert_int_equal(xsave_area_size(&l, 0xe7, true), 2432);
	assert_int_equal(xsave_area_size(&l, 0x2e7, true), 2440);
	l.size[10] = 16;                           /* a 64-byte aligned one */
	l.offset[10] = 2752;
	l.align64 = 1u << 10;
	assert_int_equal(xsave_area_size(&l, 0x6e7, true), 2496 + 16);
	assert_int_equal(xsave_area_size(&l, 0x6e7, false), 2768);
	l.size[10] = 0;

	l.align64 = 0;
	vi.xsave = &l;
	vi.xcr0 = 0xe7;
	r = apply(0xd, 0, host, &vi);
	assert_int_equal(r.eax, 0x2e7);            /* MPX bits not offered */
	assert_int_equal(r.ebx, 2688);             /* for the guest's XCR0 */
	assert_int_equal(r.ecx, 2696);             /* everything offered */
	host = (struct cpuid_regs){ 0xf, 2688, 0x1ff00, 0 };
	r = apply(0xd, 1, host, &vi);
	assert_int_equal(r.eax, 0xf);              /* XSAVEOPT/C/S, XGETBV1 */
	assert_int_equal(r.ebx, 2432);             /* compacted, XSS = 0 */
	assert_int_equal(r.ecx | r.edx, 0);        /* no IA32_XSS components */
	host = (struct cpuid_regs){ 256, 576, 0, 0 };
	r = apply(0xd, 2, host, &vi);              /* a user component: as is */
	assert_memory_equal(&r, &host, sizeof(r));
	host = (struct cpuid_regs){ 24, 0, 1, 0 };
	r = apply(0xd, 11, host, &vi);             /* CET_U: supervisor, hidden */
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
}

static void test_pass_through(void **state)
{
	struct cpuid_vcpu_info vi = vinfo(0, 1);
	struct cpuid_regs host = { 0x16, 0x756e6547, 0x6c65746e, 0x49656e69 };
	struct cpuid_regs r;

	(void)state;
	r = apply(0, 0, host, &vi);
	assert_memory_equal(&r, &host, sizeof(r));
	/* a host whose basic range ends below 0x16: the guest's reaches it */
	host.eax = 0xd;
	r = apply(0, 0, host, &vi);
	assert_int_equal(r.eax, 0x16);
	host.eax = 0x16;
	r = apply(0x80000001, 0, all_ones, &vi);
	assert_memory_equal(&r, &all_ones, sizeof(r));
	r = apply(0x80000007, 0, all_ones, &vi);   /* invariant TSC only */
	assert_int_equal(r.eax | r.ebx | r.ecx, 0);
	assert_int_equal(r.edx, 1u << 8);
	r = apply(0x80000008, 0, host, &vi);
	assert_memory_equal(&r, &host, sizeof(r));
	r = apply(0xd, 3, all_ones, &vi);          /* MPX's component: hidden */
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	/* above the host's max basic leaf: the host's answer, untouched (even
	 * for numbers the policy would otherwise rewrite) */
	vi.host_max_basic = 0xa;
	r = apply(0x17, 0, host, &vi);
	assert_memory_equal(&r, &host, sizeof(r));
	/* ...except below 0x16, where the guest's range reaches: zero */
	r = apply(0xb, 0, host, &vi);
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	r = apply(0x20, 0, host, &vi);
	assert_memory_equal(&r, &host, sizeof(r));
	/* nr_vcpus 0 behaves as 1 */
	vi = vinfo(0, 0);
	r = apply(1, 0, (struct cpuid_regs){ 0, 0, 0, 0 }, &vi);
	assert_int_equal((r.ebx >> 16) & 0xff, 1);
}

/* 0x15, 0x16 and 0x40000010 agree with each other and with the rates
 * the virtual timers run at, whatever the host reports. */
static void test_timing_leaves(void **state)
{
	struct cpuid_vcpu_info vi = vinfo(0, 1);
	struct cpuid_regs r;

	(void)state;
	r = apply(0x15, 0, all_ones, &vi);
	assert_int_equal((uint64_t)r.ecx * r.ebx / r.eax, 49998000ull);   /* TSC Hz */
	assert_int_equal(r.ecx, 100000000u);                          /* APIC clock */
	/* Reduced (49998/100000 = 24999/50000), and crystal_khz * EBX fits
	 * in 32 bits, as Linux computes it. */
	assert_int_equal(r.eax, 50000);
	assert_int_equal(r.ebx, 24999);
	assert_true((uint64_t)(r.ecx / 1000) * r.ebx <= 0xffffffffull);
	/* Vireo's own choice: the APIC timer at the TSC rate gives 1/1. */
	vi.apic_khz = vi.tsc_khz = 2999999;
	r = apply(0x15, 0, all_ones, &vi);
	assert_int_equal(r.eax, 1);
	assert_int_equal(r.ebx, 1);
	assert_int_equal(r.ecx, 2999999000u);
	vi.apic_khz = 100000;
	vi.tsc_khz = 49998;
	r = apply(0x16, 0, all_ones, &vi);
	assert_int_equal(r.eax, 49);
	assert_int_equal(r.ebx, 49);
	assert_int_equal(r.ecx, 100);
	r = apply(0x40000010, 0, all_ones, &vi);
	assert_int_equal(r.eax, 49998);
	assert_int_equal(r.ebx, 100000);
	assert_int_equal(r.ecx | r.edx, 0);
	/* also above a small host range */
	vi.host_max_basic = 0xd;
	r = apply(0x15, 0, all_ones, &vi);
	assert_int_equal(r.ebx, 24999);
}

/* Every CPUID bit that promises an MSR, with what Vireo does about it.
 * A host that claims everything goes through the policy; each feature
 * still advertised must be one whose MSRs exit_msr.c emulates (or passes
 * through), and each that is not must be hidden. */
static void test_msr_backed_features(void **state)
{
	static const struct {
		uint32_t leaf, sub;
		int reg;         /* 0 eax, 1 ebx, 2 ecx, 3 edx */
		unsigned bit;
		bool emulated;
		const char *what;
	} f[] = {
		{ 1, 0, 3, 4, true, "TSC: IA32_TSC" },
		{ 1, 0, 3, 5, true, "MSR: RDMSR/WRMSR" },
		{ 1, 0, 3, 7, true, "MCE: MCG_STATUS" },
		{ 1, 0, 3, 9, true, "APIC: IA32_APIC_BASE" },
		{ 1, 0, 3, 11, true, "SEP: SYSENTER_CS/ESP/EIP" },
		{ 1, 0, 3, 12, true, "MTRR: MTRRCAP, MTRR_DEF_TYPE" },
		{ 1, 0, 3, 14, true, "MCA: MCG_CAP" },
		{ 1, 0, 3, 16, true, "PAT: IA32_PAT" },
		{ 1, 0, 3, 21, false, "DS: IA32_DS_AREA" },
		{ 1, 0, 3, 22, false, "ACPI: thermal MSRs" },
		{ 1, 0, 2, 3, false, "MONITOR: MONITOR_FILTER_SIZE" },
		{ 1, 0, 2, 5, false, "VMX: IA32_VMX_*" },
		{ 1, 0, 2, 7, false, "EST: PERF_CTL" },
		{ 1, 0, 2, 8, false, "TM2: THERM2_CTL" },
		{ 1, 0, 2, 15, false, "PDCM: PERF_CAPABILITIES" },
		{ 1, 0, 2, 21, true, "x2APIC: 0x800-0x8ff" },
		{ 1, 0, 2, 24, true, "TSC-deadline: IA32_TSC_DEADLINE" },
		{ 6, 0, 0, 0, false, "DTS: THERM_STATUS" },
		{ 6, 0, 2, 0, false, "HCF: MPERF/APERF" },
		{ 7, 0, 1, 1, true, "TSC_ADJUST: IA32_TSC_ADJUST" },
		{ 7, 0, 1, 14, false, "MPX: BNDCFGS" },
		{ 7, 0, 1, 25, false, "PT: RTIT_CTL" },
		{ 7, 0, 2, 7, false, "CET_SS: U_CET/S_CET" },
		{ 7, 0, 3, 20, false, "CET_IBT: U_CET/S_CET" },
		{ 7, 0, 3, 26, false, "IBRS/IBPB: SPEC_CTRL, PRED_CMD" },
		{ 7, 0, 3, 27, false, "STIBP: SPEC_CTRL" },
		{ 7, 0, 3, 28, false, "L1D_FLUSH: FLUSH_CMD" },
		{ 7, 0, 3, 29, false, "ARCH_CAPABILITIES" },
		{ 7, 0, 3, 30, false, "CORE_CAPABILITIES" },
		{ 7, 0, 3, 31, false, "SSBD: SPEC_CTRL" },
		{ 0xa, 0, 0, 0, false, "PMU: PERFEVTSEL/PMC" },
		{ 0x80000001, 0, 3, 11, true, "SYSCALL: STAR/LSTAR/FMASK" },
		{ 0x80000001, 0, 3, 27, true, "RDTSCP: TSC_AUX" },
		{ 0x80000007, 0, 3, 8, true, "invariant TSC (no MSR)" },
		{ 0x80000007, 0, 3, 7, false, "HW P-state: PSTATE MSRs" },
	};
	struct cpuid_vcpu_info vi = vinfo(0, 1);

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(f); i++) {
		struct cpuid_regs r = apply(f[i].leaf, f[i].sub, all_ones, &vi);
		uint32_t regs[4] = { r.eax, r.ebx, r.ecx, r.edx };
		bool adv = (regs[f[i].reg] >> f[i].bit) & 1;

		if (adv != f[i].emulated)
			fail_msg("%s: advertised %d, emulated %d", f[i].what, adv, f[i].emulated);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leaf1_hidden_and_set),
		cmocka_unit_test(test_leaf1_osxsave_x2apic),
		cmocka_unit_test(test_leaf4),
		cmocka_unit_test(test_zeroed_leaves),
		cmocka_unit_test(test_leaf7),
		cmocka_unit_test(test_leaf_b_topology),
		cmocka_unit_test(test_hypervisor_leaves),
		cmocka_unit_test(test_pass_through),
		cmocka_unit_test(test_xsave_sizes),
		cmocka_unit_test(test_timing_leaves),
		cmocka_unit_test(test_msr_backed_features),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
