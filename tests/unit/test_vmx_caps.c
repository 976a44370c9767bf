/* UNIT-DEPS: arch/x86/vmx/vmx_caps.c */
/* VMX capability policy against the MSR values Bochs 2.7 reports
 * (shared/notes/bochs.md) and against CPUs lacking required features. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/libc.h"
#include "arch/x86/vmx/vmx_caps.h"
#include "arch/x86/vmx/vmcs_fields.h"

struct msr_val {
	uint32_t msr;
	uint64_t val;
};

struct fake_cpu {
	const struct msr_val *msrs;
	size_t n;
	uint32_t read_log[64];
	size_t nread;
	int bad_reads; /* reads of MSRs the fake CPU does not have (#GP) */
};

static const struct msr_val skylake_x[] = {
	{ 0x3a, 0x5 },
	{ 0x480, 0x00d810000000002bull },
	{ 0x481, 0x0000007f00000016ull },
	{ 0x482, 0xf7f9fffe0401e172ull },
	{ 0x483, 0x007fffff00036dffull },
	{ 0x484, 0x0000ffff000011ffull },
	{ 0x485, 0x00000000600401e0ull },
	{ 0x486, 0x80000021ull },
	{ 0x487, 0xffffffffull },
	{ 0x488, 0x2000ull },
	{ 0x489, 0x3727ffull },
	{ 0x48a, 0x34ull },
	{ 0x48b, 0x02177fff00000000ull },
	{ 0x48c, 0x00000f0106334141ull },
	{ 0x48d, 0x0000007f00000016ull },
	{ 0x48e, 0xf7f9fffe04006172ull },
	{ 0x48f, 0x007fffff00036dfbull },
	{ 0x490, 0x0000ffff000011fbull },
	{ 0x491, 0x1ull },
};

static const struct msr_val tigerlake[] = {
	{ 0x3a, 0x5 },
	{ 0x480, 0x01d8100000000004ull },
	{ 0x481, 0x0000007f00000016ull },
	{ 0x482, 0xfff9fffe0401e172ull },
	{ 0x483, 0x107fffff00036dffull },
	{ 0x484, 0x0010ffff000011ffull },
	{ 0x485, 0x00000000600401e0ull },
	{ 0x486, 0x80000021ull },
	{ 0x487, 0xffffffffull },
	{ 0x488, 0x2000ull },
	{ 0x489, 0xf72fffull },
	{ 0x48a, 0x34ull },
	{ 0x48b, 0x02977fff00000000ull },
	{ 0x48c, 0x00000f0106b34141ull },
	{ 0x48d, 0x0000007f00000016ull },
	{ 0x48e, 0xfff9fffe04006172ull },
	{ 0x48f, 0x107fffff00036dfbull },
	{ 0x490, 0x0010ffff000011fbull },
	{ 0x491, 0x1ull },
};

static uint64_t fake_rdmsr(void *ctx, uint32_t msr)
{
	struct fake_cpu *cpu = ctx;

	if (cpu->nread < ARRAY_SIZE(cpu->read_log))
		cpu->read_log[cpu->nread++] = msr;
	for (size_t i = 0; i < cpu->n; i++)
		if (cpu->msrs[i].msr == msr)
			return cpu->msrs[i].val;
	cpu->bad_reads++;
	return 0;
}

static bool was_read(const struct fake_cpu *cpu, uint32_t msr)
{
	for (size_t i = 0; i < cpu->nread; i++)
		if (cpu->read_log[i] == msr)
			return true;
	return false;
}

static void read_caps(const struct msr_val *m, size_t n, struct vmx_caps *caps)
{
	struct fake_cpu cpu = { .msrs = m, .n = n };

	vmx_caps_read(caps, fake_rdmsr, &cpu);
	assert_int_equal(cpu.bad_reads, 0);
}

/* Every allowed-0 ("must be 1") bit is set and no bit outside allowed-1. */
static void assert_respects(uint64_t cap, uint32_t val)
{
	assert_int_equal(val & (uint32_t)cap, (uint32_t)cap);
	assert_int_equal(val & ~(uint32_t)(cap >> 32), 0);
}

static void test_read_skylake_all_msrs(void **state)
{
	struct fake_cpu cpu = { .msrs = skylake_x, .n = ARRAY_SIZE(skylake_x) };
	struct vmx_caps c;

	(void)state;
	vmx_caps_read(&c, fake_rdmsr, &cpu);
	assert_int_equal(cpu.bad_reads, 0);
	assert_true(was_read(&cpu, 0x48b));
	assert_true(was_read(&cpu, 0x48c));
	assert_true(was_read(&cpu, 0x48e));
	assert_true(was_read(&cpu, 0x491));
	assert_int_equal(c.basic, 0x00d810000000002bull);
	assert_int_equal(c.procbased2, 0x02177fff00000000ull);
	assert_int_equal(c.ept_vpid_cap, 0x00000f0106334141ull);
	assert_int_equal(c.true_procbased, 0xf7f9fffe04006172ull);
	assert_int_equal(c.true_entry, 0x0000ffff000011fbull);
	assert_int_equal(c.vmfunc, 1);
	assert_int_equal(c.feature_control, 5);
	assert_int_equal(c.cr4_fixed1, 0x3727ff);
}

/* A minimal old CPU: no secondary controls, no TRUE MSRs. Reading 0x48b,
 * 0x48c, 0x48d-0x491 would #GP: they must not be read. */
static const struct msr_val old_cpu[] = {
	{ 0x3a, 0x5 },
	{ 0x480, 0x00d810000000002bull & ~(1ull << 55) },
	{ 0x481, 0x0000007f00000016ull },
	{ 0x482, 0x77f9fffe0401e172ull }, /* bit 31 not allowed */
	{ 0x483, 0x007fffff00036dffull },
	{ 0x484, 0x0000ffff000011ffull },
	{ 0x485, 0x00000000600401e0ull },
	{ 0x486, 0x80000021ull }, { 0x487, 0xffffffffull },
	{ 0x488, 0x2000ull }, { 0x489, 0x3727ffull }, { 0x48a, 0x34ull },
};

static void test_read_skips_missing_msrs(void **state)
{
	struct fake_cpu cpu = { .msrs = old_cpu, .n = ARRAY_SIZE(old_cpu) };
	struct vmx_caps c;
	struct vmx_controls ctl;
	char err[128] = "";

	(void)state;
	vmx_caps_read(&c, fake_rdmsr, &cpu);
	assert_int_equal(cpu.bad_reads, 0);
	for (uint32_t m = 0x48b; m <= 0x491; m++)
		assert_false(was_read(&cpu, m));
	assert_int_equal(c.procbased2, 0);
	assert_int_equal(c.true_pinbased, 0);
	assert_int_equal(vmx_compute_controls(&c, &ctl, err, sizeof(err)), -1);
	assert_string_equal(err, "secondary controls not supported");
}

/* Secondary controls present but without EPT/VPID/VMFUNC: 0x48c and 0x491
 * must not be read. */
static void test_read_no_ept_vpid(void **state)
{
	struct msr_val m[ARRAY_SIZE(skylake_x)];
	struct fake_cpu cpu = { .msrs = m, .n = ARRAY_SIZE(m) };
	struct vmx_caps c;

	(void)state;
	memcpy(m, skylake_x, sizeof(m));
	for (size_t i = 0; i < ARRAY_SIZE(m); i++) {
		if (m[i].msr == 0x48b)
			m[i].val &= ~((uint64_t)(SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_ENABLE_VPID |
						 SECONDARY_EXEC_ENABLE_VMFUNC) << 32);
		if (m[i].msr == 0x48c || m[i].msr == 0x491)
			m[i].msr = 0xffff; /* absent */
	}
	vmx_caps_read(&c, fake_rdmsr, &cpu);
	assert_int_equal(cpu.bad_reads, 0);
	assert_false(was_read(&cpu, 0x48c));
	assert_false(was_read(&cpu, 0x491));
	assert_true(was_read(&cpu, 0x48b));
}

static void test_adjust_ctls(void **state)
{
	uint32_t out, missing;

	(void)state;
	/* allowed-0 = 0x16 forced, allowed-1 = 0x7f. */
	assert_int_equal(vmx_adjust_ctls(0x0000007f00000016ull, 0x9, 0x40, &out, &missing), 0);
	assert_int_equal(out, 0x16 | 0x9 | 0x40);
	assert_int_equal(missing, 0);
	/* optional bit not allowed is dropped silently */
	assert_int_equal(vmx_adjust_ctls(0x0000007f00000016ull, 0x1, 0x80, &out, &missing), 0);
	assert_int_equal(out, 0x17);
	/* required bit not allowed: error with the missing bits */
	assert_int_equal(vmx_adjust_ctls(0x0000007f00000016ull, 0x181, 0, &out, &missing), -1);
	assert_int_equal(missing, 0x180);
}

static void test_controls_skylake(void **state)
{
	struct vmx_caps c;
	struct vmx_controls k;
	char err[128] = "";

	(void)state;
	read_caps(skylake_x, ARRAY_SIZE(skylake_x), &c);
	assert_int_equal(vmx_compute_controls(&c, &k, err, sizeof(err)), 0);
	/* TRUE MSRs are used (BASIC bit 55): CR3 exits and debug-control
	 * save/load are not forced. */
	assert_respects(c.true_pinbased, k.pin);
	assert_respects(c.true_procbased, k.proc);
	assert_respects(c.procbased2, k.proc2);
	assert_respects(c.true_exit, k.exit);
	assert_respects(c.true_entry, k.entry);
	assert_int_equal(k.pin, PIN_BASED_EXT_INTR_EXITING | PIN_BASED_NMI_EXITING |
				PIN_BASED_VIRTUAL_NMIS | PIN_BASED_PREEMPTION_TIMER | 0x16);
	assert_true(k.proc & CPU_BASED_HLT_EXITING);
	assert_true(k.proc & CPU_BASED_USE_IO_BITMAPS);
	assert_true(k.proc & CPU_BASED_USE_MSR_BITMAPS);
	assert_true(k.proc & CPU_BASED_ACTIVATE_SECONDARY_CTLS);
	assert_false(k.proc & CPU_BASED_RDTSC_EXITING);
	assert_false(k.proc & CPU_BASED_CR3_LOAD_EXITING);
	assert_false(k.proc & CPU_BASED_CR3_STORE_EXITING);
	assert_false(k.proc & CPU_BASED_MONITOR_TRAP_FLAG);
	assert_int_equal(k.proc, 0x04006172u | CPU_BASED_HLT_EXITING | CPU_BASED_USE_IO_BITMAPS |
				 CPU_BASED_USE_MSR_BITMAPS | CPU_BASED_ACTIVATE_SECONDARY_CTLS |
				 CPU_BASED_CR8_LOAD_EXITING | CPU_BASED_CR8_STORE_EXITING |
				 CPU_BASED_USE_TSC_OFFSETTING | CPU_BASED_MWAIT_EXITING |
				 CPU_BASED_MONITOR_EXITING);
	assert_int_equal(k.proc2, SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_UNRESTRICTED_GUEST |
				  SECONDARY_EXEC_ENABLE_VPID | SECONDARY_EXEC_ENABLE_RDTSCP |
				  SECONDARY_EXEC_ENABLE_INVPCID | SECONDARY_EXEC_ENABLE_XSAVES);
	assert_int_equal(k.exit, 0x00036dfbu | VM_EXIT_HOST_ADDR_SPACE_SIZE |
				 VM_EXIT_SAVE_IA32_EFER | VM_EXIT_LOAD_IA32_EFER |
				 VM_EXIT_ACK_INTR_ON_EXIT | VM_EXIT_SAVE_IA32_PAT |
				 VM_EXIT_LOAD_IA32_PAT | VM_EXIT_SAVE_PREEMPTION_TIMER);
	assert_false(k.exit & VM_EXIT_SAVE_DEBUG_CONTROLS);
	assert_int_equal(k.entry, 0x11fbu | VM_ENTRY_LOAD_IA32_EFER | VM_ENTRY_LOAD_IA32_PAT);
	assert_false(k.entry & VM_ENTRY_IA32E_MODE_GUEST);
	assert_true(k.has_vpid);
	assert_true(k.has_preempt_timer);
	assert_true(k.has_invept_single);
	assert_true(k.has_invept_all);
	assert_true(k.has_invvpid_single);
	assert_true(k.has_invvpid_all);
	assert_true(k.has_apic_reg_virt);
	assert_true(k.has_virt_x2apic);
	assert_true(k.has_virt_intr_delivery);
	assert_true(k.has_tpr_shadow);
	assert_true(k.has_virt_apic_accesses);
	assert_true(k.ept_2m && k.ept_1g && k.ept_wb && k.ept_ad);
	assert_int_equal(k.preempt_timer_shift, 0);
	/* Bochs skylake_x offers every APIC virtualization control. */
	const char *why = "unset";
	assert_int_equal(vmx_apicv_supported(&k, &why), 0);
	assert_null(why);
	k.has_virt_intr_delivery = false;
	assert_int_equal(vmx_apicv_supported(&k, &why), -1);
	assert_string_equal(why, "no virtual-interrupt delivery");
	k.has_tpr_shadow = false;
	assert_int_equal(vmx_apicv_supported(&k, &why), -1);
	assert_string_equal(why, "no TPR shadow");
}

static void test_controls_tigerlake(void **state)
{
	struct vmx_caps c;
	struct vmx_controls k;
	char err[128] = "";

	(void)state;
	read_caps(tigerlake, ARRAY_SIZE(tigerlake), &c);
	assert_int_equal(vmx_compute_controls(&c, &k, err, sizeof(err)), 0);
	assert_respects(c.true_pinbased, k.pin);
	assert_respects(c.true_procbased, k.proc);
	assert_respects(c.procbased2, k.proc2);
	assert_respects(c.true_exit, k.exit);
	assert_respects(c.true_entry, k.entry);
	/* tigerlake allows MTF; the policy still leaves it off. */
	assert_true((c.true_procbased >> 32) & CPU_BASED_MONITOR_TRAP_FLAG);
	assert_false(k.proc & CPU_BASED_MONITOR_TRAP_FLAG);
	/* Load CET state is allowed but not requested. */
	assert_false(k.exit & VM_EXIT_LOAD_CET_STATE);
	assert_false(k.entry & VM_ENTRY_LOAD_CET_STATE);
	assert_true(k.proc2 & SECONDARY_EXEC_ENABLE_EPT);
	assert_true(k.proc2 & SECONDARY_EXEC_UNRESTRICTED_GUEST);
	assert_false(k.proc2 & SECONDARY_EXEC_EPT_SUBPAGE_WRITE);
	assert_true(k.exit & VM_EXIT_HOST_ADDR_SPACE_SIZE);
	assert_true(k.entry & VM_ENTRY_LOAD_IA32_EFER);
	assert_true(k.has_vpid && k.has_preempt_timer);
	assert_true(k.ept_1g);
}

/* BASIC bit 55 clear: the legacy MSRs are used and their allowed-0 bits
 * (CR3 load/store exiting, debug-control save/load) are forced on. */
static void test_controls_without_true_msrs(void **state)
{
	struct msr_val m[ARRAY_SIZE(skylake_x)];
	struct fake_cpu cpu = { .msrs = m, .n = ARRAY_SIZE(m) };
	struct vmx_caps c;
	struct vmx_controls k;
	char err[128] = "";

	(void)state;
	memcpy(m, skylake_x, sizeof(m));
	m[1].val &= ~VMX_BASIC_TRUE_CTLS;
	vmx_caps_read(&c, fake_rdmsr, &cpu);
	assert_false(was_read(&cpu, 0x48d));
	assert_false(was_read(&cpu, 0x490));
	assert_int_equal(c.true_procbased, 0);
	assert_int_equal(vmx_compute_controls(&c, &k, err, sizeof(err)), 0);
	assert_respects(c.pinbased, k.pin);
	assert_respects(c.procbased, k.proc);
	assert_respects(c.exit, k.exit);
	assert_respects(c.entry, k.entry);
	assert_true(k.proc & CPU_BASED_CR3_LOAD_EXITING);
	assert_true(k.proc & CPU_BASED_CR3_STORE_EXITING);
	assert_true(k.exit & VM_EXIT_SAVE_DEBUG_CONTROLS);
	assert_true(k.entry & VM_ENTRY_LOAD_DEBUG_CONTROLS);
	assert_false(k.proc & CPU_BASED_RDTSC_EXITING);
}

/* Compute with one MSR edited; expect failure with 'msg'. */
static void expect_refusal(uint32_t msr, uint64_t clear, const char *msg)
{
	struct msr_val m[ARRAY_SIZE(skylake_x)];
	struct vmx_caps c;
	struct vmx_controls k;
	char err[128] = "";

	memcpy(m, skylake_x, sizeof(m));
	for (size_t i = 0; i < ARRAY_SIZE(m); i++)
		if (m[i].msr == msr)
			m[i].val &= ~clear;
	read_caps(m, ARRAY_SIZE(m), &c);
	assert_int_equal(vmx_compute_controls(&c, &k, err, sizeof(err)), -1);
	assert_string_equal(err, msg);
}

static void test_refusals(void **state)
{
	(void)state;
	expect_refusal(0x48b, (uint64_t)SECONDARY_EXEC_ENABLE_EPT << 32, "EPT not supported");
	expect_refusal(0x48b, (uint64_t)SECONDARY_EXEC_UNRESTRICTED_GUEST << 32,
		       "unrestricted guest not supported");
	expect_refusal(0x48e, (uint64_t)CPU_BASED_ACTIVATE_SECONDARY_CTLS << 32,
		       "secondary controls not supported");
	expect_refusal(0x48e, (uint64_t)CPU_BASED_USE_MSR_BITMAPS << 32,
		       "MSR bitmaps not supported");
	expect_refusal(0x48f, (uint64_t)VM_EXIT_HOST_ADDR_SPACE_SIZE << 32,
		       "64-bit host not supported");
	expect_refusal(0x48f, (uint64_t)VM_EXIT_LOAD_IA32_EFER << 32,
		       "VM-exit load IA32_EFER not supported");
	expect_refusal(0x490, (uint64_t)VM_ENTRY_LOAD_IA32_EFER << 32,
		       "VM-entry load IA32_EFER not supported");
	expect_refusal(0x48d, (uint64_t)PIN_BASED_NMI_EXITING << 32, "NMI exiting not supported");
	expect_refusal(0x48d, (uint64_t)PIN_BASED_VIRTUAL_NMIS << 32, "virtual NMIs not supported");
	expect_refusal(0x48c, VMX_EPT_MEMTYPE_WB, "EPT write-back memory type not supported");
	expect_refusal(0x48c, VMX_EPT_PAGE_WALK_4, "EPT 4-level page walk not supported");
}

/* Optional features missing: still accepted, just not used. */
static void test_optional_missing(void **state)
{
	struct msr_val m[ARRAY_SIZE(skylake_x)];
	struct vmx_caps c;
	struct vmx_controls k;
	char err[128] = "";

	(void)state;
	memcpy(m, skylake_x, sizeof(m));
	for (size_t i = 0; i < ARRAY_SIZE(m); i++) {
		if (m[i].msr == 0x48d)
			m[i].val &= ~((uint64_t)PIN_BASED_PREEMPTION_TIMER << 32);
		if (m[i].msr == 0x48c) /* INVVPID gone: VPID must be dropped */
			m[i].val &= ~(VMX_VPID_INVVPID | VMX_EPT_INVEPT_SINGLE_CONTEXT | VMX_EPT_1GB_PAGE);
		if (m[i].msr == 0x485)
			m[i].val |= 5; /* timer rate TSC >> 5 */
	}
	read_caps(m, ARRAY_SIZE(m), &c);
	assert_int_equal(vmx_compute_controls(&c, &k, err, sizeof(err)), 0);
	assert_false(k.pin & PIN_BASED_PREEMPTION_TIMER);
	assert_false(k.exit & VM_EXIT_SAVE_PREEMPTION_TIMER);
	assert_false(k.has_preempt_timer);
	assert_false(k.proc2 & SECONDARY_EXEC_ENABLE_VPID);
	assert_false(k.has_vpid);
	assert_false(k.has_invvpid_single);
	assert_false(k.has_invept_single);
	assert_true(k.has_invept_all);
	assert_false(k.ept_1g);
	assert_true(k.ept_2m);
	assert_int_equal(k.preempt_timer_shift, 5);
}

static void test_feature_control(void **state)
{
	uint64_t fc;

	(void)state;
	assert_int_equal(vmx_feature_control_check(0, &fc), VMX_FC_WRITE);
	assert_int_equal(fc, FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMXON_OUTSIDE_SMX);
	/* other bits (e.g. SENTER enables) are kept */
	assert_int_equal(vmx_feature_control_check(0x7f00, &fc), VMX_FC_WRITE);
	assert_int_equal(fc, 0x7f05);
	assert_int_equal(vmx_feature_control_check(5, &fc), VMX_FC_OK);
	assert_int_equal(fc, 5);
	assert_int_equal(vmx_feature_control_check(1, &fc), VMX_FC_DISABLED);
	assert_int_equal(vmx_feature_control_check(3, &fc), VMX_FC_DISABLED);
	assert_non_null(strstr(vmx_fc_action_str(VMX_FC_DISABLED), "VT-x disabled by firmware"));
}

static void test_check_cpuid(void **state)
{
	char err[80] = "";

	(void)state;
	assert_int_equal(vmx_check_cpuid(1u << 5, err, sizeof(err)), 0);
	assert_int_equal(vmx_check_cpuid(~(1u << 5), err, sizeof(err)), -1);
	assert_string_equal(err, "CPU has no VT-x (CPUID.1:ECX.VMX=0)");
}

static void test_fixed_cr(void **state)
{
	(void)state;
	/* CR0 after GRUB: CD|NW|ET|PE; fixed0 forces PG|NE|PE. */
	assert_int_equal(vmx_fixed_cr(0x60000011, 0x80000021, 0xffffffff), 0xe0000031);
	/* CR4: VMXE forced on, bits beyond fixed1 forced off. */
	assert_int_equal(vmx_fixed_cr(0x20, 0x2000, 0x3727ff), 0x2020);
	assert_int_equal(vmx_fixed_cr(0x400020, 0x2000, 0x3727ff), 0x2020); /* PKE not allowed */
	assert_int_equal(vmx_fixed_cr(0x400020, 0x2000, 0xf72fff), 0x402020);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_skylake_all_msrs),
		cmocka_unit_test(test_read_skips_missing_msrs),
		cmocka_unit_test(test_read_no_ept_vpid),
		cmocka_unit_test(test_adjust_ctls),
		cmocka_unit_test(test_controls_skylake),
		cmocka_unit_test(test_controls_tigerlake),
		cmocka_unit_test(test_controls_without_true_msrs),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_optional_missing),
		cmocka_unit_test(test_feature_control),
		cmocka_unit_test(test_check_cpuid),
		cmocka_unit_test(test_fixed_cr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
