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
				      .host_max_basic = 0x1f };
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
			      (1u << 8) | (1u << 15) | (1u << 24);
	uint32_t hidden_edx = (1u << 21) | (1u << 22) | (1u << 29) | (1u << 31);

	(void)state;
	r = apply(1, 0, all_ones, &vi);
	assert_int_equal(r.ecx & hidden_ecx, 0);
	assert_int_equal(r.edx & hidden_edx, 0);
	assert_true(r.ecx & (1u << 31));           /* hypervisor present */
	assert_true(r.ecx & (1u << 21));           /* x2APIC kept (allowed) */
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
	assert_int_equal(r.ecx, 1u << 31);
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
	const uint32_t leaves[] = { 5, 6, 0xa, 0x12, 0x14 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(leaves); i++) {
		struct cpuid_regs r = apply(leaves[i], 0, all_ones, &vi);

		assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	}
}

static void test_leaf7(void **state)
{
	struct cpuid_vcpu_info vi = vinfo(0, 1);
	struct cpuid_regs r;

	(void)state;
	r = apply(7, 0, all_ones, &vi);
	assert_int_equal(r.eax, ~0u);
	assert_int_equal(r.ebx, ~((1u << 2) | (1u << 25)));
	assert_int_equal(r.ecx, ~((1u << 5) | (1u << 30)));
	assert_int_equal(r.edx, ~(1u << 18));
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
	assert_int_equal(r.eax, 0x40000001);
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

static void test_pass_through(void **state)
{
	struct cpuid_vcpu_info vi = vinfo(0, 1);
	struct cpuid_regs host = { 0x16, 0x756e6547, 0x6c65746e, 0x49656e69 };
	struct cpuid_regs r;

	(void)state;
	r = apply(0, 0, host, &vi);
	assert_memory_equal(&r, &host, sizeof(r));
	r = apply(0x80000001, 0, all_ones, &vi);
	assert_memory_equal(&r, &all_ones, sizeof(r));
	r = apply(0x80000008, 0, host, &vi);
	assert_memory_equal(&r, &host, sizeof(r));
	r = apply(0xd, 1, all_ones, &vi);
	assert_memory_equal(&r, &all_ones, sizeof(r));
	/* above the host's max basic leaf: the host's answer, untouched (even
	 * for numbers the policy would otherwise rewrite) */
	vi.host_max_basic = 0xa;
	r = apply(0xb, 0, host, &vi);
	assert_memory_equal(&r, &host, sizeof(r));
	r = apply(0x20, 0, host, &vi);
	assert_memory_equal(&r, &host, sizeof(r));
	/* nr_vcpus 0 behaves as 1 */
	vi = vinfo(0, 0);
	r = apply(1, 0, (struct cpuid_regs){ 0, 0, 0, 0 }, &vi);
	assert_int_equal((r.ebx >> 16) & 0xff, 1);
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
