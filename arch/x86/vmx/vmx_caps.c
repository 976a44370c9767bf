/* VMX capability reading and control selection (SDM Vol. 3C 23.7, 23.8,
 * 31.5.1; Vol. 3D Appendix A). See vmx_caps.h. */
#include "lib/libc.h"
#include "arch/x86/vmx/vmx_caps.h"
#include "arch/x86/vmx/vmcs_fields.h"

#define CPUID1_ECX_VMX (1u << 5)

static uint32_t allowed1(uint64_t cap)
{
	return (uint32_t)(cap >> 32);
}

void vmx_caps_read(struct vmx_caps *caps, vmx_rdmsr_fn rdmsr, void *ctx)
{
	uint32_t proc2_allowed1;

	memset(caps, 0, sizeof(*caps));
	/* A.1-A.9: present on every CPU with VMX. */
	caps->feature_control = rdmsr(ctx, MSR_IA32_FEATURE_CONTROL);
	caps->basic = rdmsr(ctx, MSR_IA32_VMX_BASIC);
	caps->pinbased = rdmsr(ctx, MSR_IA32_VMX_PINBASED_CTLS);
	caps->procbased = rdmsr(ctx, MSR_IA32_VMX_PROCBASED_CTLS);
	caps->exit = rdmsr(ctx, MSR_IA32_VMX_EXIT_CTLS);
	caps->entry = rdmsr(ctx, MSR_IA32_VMX_ENTRY_CTLS);
	caps->misc = rdmsr(ctx, MSR_IA32_VMX_MISC);
	caps->cr0_fixed0 = rdmsr(ctx, MSR_IA32_VMX_CR0_FIXED0);
	caps->cr0_fixed1 = rdmsr(ctx, MSR_IA32_VMX_CR0_FIXED1);
	caps->cr4_fixed0 = rdmsr(ctx, MSR_IA32_VMX_CR4_FIXED0);
	caps->cr4_fixed1 = rdmsr(ctx, MSR_IA32_VMX_CR4_FIXED1);
	caps->vmcs_enum = rdmsr(ctx, MSR_IA32_VMX_VMCS_ENUM);

	/* A.3.3: PROCBASED_CTLS2 exists only if "activate secondary
	 * controls" may be 1; reading a missing MSR would #GP. */
	if (allowed1(caps->procbased) & CPU_BASED_ACTIVATE_SECONDARY_CTLS)
		caps->procbased2 = rdmsr(ctx, MSR_IA32_VMX_PROCBASED_CTLS2);
	proc2_allowed1 = allowed1(caps->procbased2);
	/* A.10: EPT_VPID_CAP exists if EPT or VPID may be enabled. */
	if (proc2_allowed1 & (SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_ENABLE_VPID))
		caps->ept_vpid_cap = rdmsr(ctx, MSR_IA32_VMX_EPT_VPID_CAP);
	/* A.1: BASIC bit 55 announces the TRUE_* MSRs. */
	if (caps->basic & VMX_BASIC_TRUE_CTLS) {
		caps->true_pinbased = rdmsr(ctx, MSR_IA32_VMX_TRUE_PINBASED_CTLS);
		caps->true_procbased = rdmsr(ctx, MSR_IA32_VMX_TRUE_PROCBASED_CTLS);
		caps->true_exit = rdmsr(ctx, MSR_IA32_VMX_TRUE_EXIT_CTLS);
		caps->true_entry = rdmsr(ctx, MSR_IA32_VMX_TRUE_ENTRY_CTLS);
	}
	/* A.11: VMFUNC exists if "enable VM functions" may be 1. */
	if (proc2_allowed1 & SECONDARY_EXEC_ENABLE_VMFUNC)
		caps->vmfunc = rdmsr(ctx, MSR_IA32_VMX_VMFUNC);
}

int vmx_adjust_ctls(uint64_t cap, uint32_t required, uint32_t optional,
		    uint32_t *out, uint32_t *missing)
{
	uint32_t must_be_1 = (uint32_t)cap;   /* allowed-0 settings: 1 = fixed to 1 */
	uint32_t may_be_1 = allowed1(cap);    /* allowed-1 settings: 0 = fixed to 0 */

	*missing = required & ~may_be_1;
	*out = (required | (optional & may_be_1) | must_be_1) & may_be_1;
	return *missing ? -1 : 0;
}

/* One required control bit and the message when the CPU lacks it. */
struct ctl_need {
	uint32_t bit;
	const char *what;
};

static const struct ctl_need pin_needs[] = {
	{ PIN_BASED_EXT_INTR_EXITING, "external-interrupt exiting not supported" },
	{ PIN_BASED_NMI_EXITING, "NMI exiting not supported" },
	/* NMI-window exiting and the guest's NMI blocking (until IRET) need
	 * virtual NMIs (24.6.1, 25.3). */
	{ PIN_BASED_VIRTUAL_NMIS, "virtual NMIs not supported" },
};

/* Secondary controls come first: without them there is no EPT either. */
static const struct ctl_need proc_needs[] = {
	{ CPU_BASED_ACTIVATE_SECONDARY_CTLS, "secondary controls not supported" },
	{ CPU_BASED_HLT_EXITING, "HLT exiting not supported" },
	{ CPU_BASED_USE_IO_BITMAPS, "I/O bitmaps not supported" },
	{ CPU_BASED_USE_MSR_BITMAPS, "MSR bitmaps not supported" },
};

static const struct ctl_need proc2_needs[] = {
	{ SECONDARY_EXEC_ENABLE_EPT, "EPT not supported" },
	{ SECONDARY_EXEC_UNRESTRICTED_GUEST, "unrestricted guest not supported" },
};

static const struct ctl_need exit_needs[] = {
	{ VM_EXIT_HOST_ADDR_SPACE_SIZE, "64-bit host not supported" },
	{ VM_EXIT_SAVE_IA32_EFER, "VM-exit save IA32_EFER not supported" },
	{ VM_EXIT_LOAD_IA32_EFER, "VM-exit load IA32_EFER not supported" },
	{ VM_EXIT_ACK_INTR_ON_EXIT, "acknowledge interrupt on exit not supported" },
};

static const struct ctl_need entry_needs[] = {
	{ VM_ENTRY_LOAD_IA32_EFER, "VM-entry load IA32_EFER not supported" },
};

static uint32_t need_mask(const struct ctl_need *n, size_t count)
{
	uint32_t m = 0;

	for (size_t i = 0; i < count; i++)
		m |= n[i].bit;
	return m;
}

/* Adjust one control word; on failure name the first missing bit. */
static int adjust_one(uint64_t cap, const struct ctl_need *n, size_t count,
		      uint32_t optional, uint32_t *out, char *err, size_t errlen)
{
	uint32_t missing;

	if (vmx_adjust_ctls(cap, need_mask(n, count), optional, out, &missing) == 0)
		return 0;
	for (size_t i = 0; i < count; i++) {
		if (missing & n[i].bit) {
			snprintf(err, errlen, "%s", n[i].what);
			return -1;
		}
	}
	return -1; /* not reached: missing is a subset of the needs */
}

#define ADJUST(cap, needs, opt, out) \
	adjust_one(cap, needs, ARRAY_SIZE(needs), opt, out, err, errlen)

/* EPT features Vireo depends on (A.10): a 4-level walk matches the EPTP
 * built by ept_eptp(), and WB is the memory type of guest RAM and of the
 * paging structures themselves. */
static int check_ept_caps(uint64_t cap, char *err, size_t errlen)
{
	if (!(cap & VMX_EPT_PAGE_WALK_4)) {
		snprintf(err, errlen, "EPT 4-level page walk not supported");
		return -1;
	}
	if (!(cap & VMX_EPT_MEMTYPE_WB)) {
		snprintf(err, errlen, "EPT write-back memory type not supported");
		return -1;
	}
	return 0;
}

/* Record capability flags derived from the chosen controls and the MSRs. */
static void fill_flags(const struct vmx_caps *caps, struct vmx_controls *c)
{
	uint64_t ept = caps->ept_vpid_cap;
	uint32_t p1 = allowed1(caps->procbased);
	uint32_t s1 = allowed1(caps->procbased2);

	c->has_preempt_timer = (c->pin & PIN_BASED_PREEMPTION_TIMER) != 0;
	c->has_invept_single = (ept & VMX_EPT_INVEPT) && (ept & VMX_EPT_INVEPT_SINGLE_CONTEXT);
	c->has_invept_all = (ept & VMX_EPT_INVEPT) && (ept & VMX_EPT_INVEPT_ALL_CONTEXT);
	c->has_invvpid_single = (ept & VMX_VPID_INVVPID) &&
				(ept & VMX_VPID_INVVPID_SINGLE_CONTEXT);
	c->has_invvpid_all = (ept & VMX_VPID_INVVPID) && (ept & VMX_VPID_INVVPID_ALL_CONTEXT);
	c->has_tpr_shadow = (p1 & CPU_BASED_TPR_SHADOW) != 0;
	c->has_virt_apic_accesses = (s1 & SECONDARY_EXEC_VIRT_APIC_ACCESSES) != 0;
	c->has_apic_reg_virt = (s1 & SECONDARY_EXEC_APIC_REGISTER_VIRT) != 0;
	c->has_virt_x2apic = (s1 & SECONDARY_EXEC_VIRT_X2APIC_MODE) != 0;
	c->has_virt_intr_delivery = (s1 & SECONDARY_EXEC_VIRT_INTR_DELIVERY) != 0;
	c->ept_2m = (ept & VMX_EPT_2MB_PAGE) != 0;
	c->ept_1g = (ept & VMX_EPT_1GB_PAGE) != 0;
	c->ept_wb = (ept & VMX_EPT_MEMTYPE_WB) != 0;
	c->ept_ad = (ept & VMX_EPT_AD_BITS) != 0;
	c->preempt_timer_shift = VMX_MISC_PREEMPT_TIMER_SHIFT(caps->misc);
}

/* VPID without a usable INVVPID would leave stale guest TLB entries after
 * EPT changes or vCPU migration (28.3.3.3): drop VPID in that case. */
static void settle_vpid(struct vmx_controls *c)
{
	if (!c->has_invvpid_single && !c->has_invvpid_all)
		c->proc2 &= ~SECONDARY_EXEC_ENABLE_VPID;
	c->has_vpid = (c->proc2 & SECONDARY_EXEC_ENABLE_VPID) != 0;
}

/* Policy:
 *  required: pin ext-intr + NMI exiting (the host keeps its interrupts),
 *    virtual NMIs (NMI injection with blocking until IRET);
 *    proc HLT exiting, I/O and MSR bitmaps, secondary controls;
 *    proc2 EPT + unrestricted guest (real mode and paging off run natively,
 *    so guest CR3 accesses need no exits: CR3 load/store exiting is never
 *    requested); exit 64-bit host, save/load EFER, ack interrupt on exit;
 *    entry load EFER.
 *  optional: CR8 load/store exiting, TSC offsetting, MONITOR/MWAIT exiting,
 *    preemption timer
 *    (+ save its value on exit), VPID, RDTSCP,
 *    INVPCID, XSAVES/XRSTORS (a guest #UDs on these if the control is 0),
 *    save/load IA32_PAT.
 *  never requested: RDTSC exiting, CR3 load/store exiting, MTF. With the
 *    TRUE_* MSRs none of these is forced; on a CPU without them (BASIC bit
 *    55 clear) the legacy allowed-0 settings force CR3 load/store exiting
 *    on (A.3.2), and they are then set as the SDM demands (31.5.1). */
int vmx_compute_controls(const struct vmx_caps *caps, struct vmx_controls *out,
			 char *err, size_t errlen)
{
	bool use_true = (caps->basic & VMX_BASIC_TRUE_CTLS) != 0;
	uint64_t pin_cap = use_true ? caps->true_pinbased : caps->pinbased;
	uint64_t proc_cap = use_true ? caps->true_procbased : caps->procbased;
	uint64_t exit_cap = use_true ? caps->true_exit : caps->exit;
	uint64_t entry_cap = use_true ? caps->true_entry : caps->entry;
	uint32_t opt;

	memset(out, 0, sizeof(*out));
	/* CR8 exiting sends a 64-bit guest's MOV CR8 to its virtual TPR
	 * rather than the real one; TSC offsetting lets it write IA32_TSC;
	 * MONITOR/MWAIT exiting turns those (hidden in CPUID) into #UD
	 * instead of letting a guest put the physical CPU to sleep. */
	opt = CPU_BASED_CR8_LOAD_EXITING | CPU_BASED_CR8_STORE_EXITING |
	      CPU_BASED_USE_TSC_OFFSETTING | CPU_BASED_MWAIT_EXITING | CPU_BASED_MONITOR_EXITING;
	if (ADJUST(proc_cap, proc_needs, opt, &out->proc))
		return -1;
	opt = SECONDARY_EXEC_ENABLE_VPID | SECONDARY_EXEC_ENABLE_RDTSCP |
	      SECONDARY_EXEC_ENABLE_INVPCID | SECONDARY_EXEC_ENABLE_XSAVES;
	if (ADJUST(caps->procbased2, proc2_needs, opt, &out->proc2))
		return -1;
	if (check_ept_caps(caps->ept_vpid_cap, err, errlen))
		return -1;
	if (ADJUST(pin_cap, pin_needs, PIN_BASED_PREEMPTION_TIMER, &out->pin))
		return -1;
	opt = VM_EXIT_SAVE_IA32_PAT | VM_EXIT_LOAD_IA32_PAT;
	if (out->pin & PIN_BASED_PREEMPTION_TIMER)
		opt |= VM_EXIT_SAVE_PREEMPTION_TIMER;
	if (ADJUST(exit_cap, exit_needs, opt, &out->exit))
		return -1;
	if (ADJUST(entry_cap, entry_needs, VM_ENTRY_LOAD_IA32_PAT, &out->entry))
		return -1;
	/* IA-32e mode guest is per guest (set at VM entry by the vCPU code),
	 * not part of the common policy, unless the CPU forces it. */
	fill_flags(caps, out);
	settle_vpid(out);
	return 0;
}

int vmx_apicv_supported(const struct vmx_controls *c, const char **why)
{
	*why = !c->has_tpr_shadow ? "no TPR shadow" :
	       !c->has_virt_apic_accesses ? "no APIC-access virtualization" :
	       !c->has_virt_x2apic ? "no x2APIC-mode virtualization" :
	       !c->has_apic_reg_virt ? "no APIC-register virtualization" :
	       !c->has_virt_intr_delivery ? "no virtual-interrupt delivery" : NULL;
	return *why ? -1 : 0;
}

enum vmx_fc_action vmx_feature_control_check(uint64_t fc, uint64_t *new_fc)
{
	*new_fc = fc;
	if (!(fc & FEATURE_CONTROL_LOCKED)) {
		/* Firmware left it open: enable VMXON outside SMX and lock,
		 * since VMXON #GPs while the lock bit is clear (23.7). */
		*new_fc = fc | FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMXON_OUTSIDE_SMX;
		return VMX_FC_WRITE;
	}
	if (fc & FEATURE_CONTROL_VMXON_OUTSIDE_SMX)
		return VMX_FC_OK;
	return VMX_FC_DISABLED;
}

const char *vmx_fc_action_str(enum vmx_fc_action a)
{
	switch (a) {
	case VMX_FC_OK:
		return "VMXON outside SMX enabled and locked";
	case VMX_FC_WRITE:
		return "IA32_FEATURE_CONTROL unlocked: enable VMXON outside SMX and lock";
	case VMX_FC_DISABLED:
		return "VT-x disabled by firmware (IA32_FEATURE_CONTROL locked, VMXON outside SMX off)";
	}
	return "unknown IA32_FEATURE_CONTROL action";
}

int vmx_check_cpuid(uint32_t cpuid1_ecx, char *err, size_t errlen)
{
	if (cpuid1_ecx & CPUID1_ECX_VMX)
		return 0;
	snprintf(err, errlen, "CPU has no VT-x (CPUID.1:ECX.VMX=0)");
	return -1;
}

uint64_t vmx_fixed_cr(uint64_t value, uint64_t fixed0, uint64_t fixed1)
{
	return (value | fixed0) & fixed1;
}
