/* VMX capability reporting (SDM Vol. 3D Appendix A) and the choice of
 * VM-execution, VM-exit and VM-entry controls Vireo runs guests with.
 * Pure logic: MSRs are read through a callback so the policy is unit-tested
 * on the host with the values Bochs reports (docs: shared/notes/bochs.md). */
#ifndef VIREO_ARCH_X86_VMX_VMX_CAPS_H
#define VIREO_ARCH_X86_VMX_VMX_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Capability MSRs (SDM Vol. 4 Table 2-2; Vol. 3D Appendix A). */
#define MSR_IA32_FEATURE_CONTROL       0x3a
#define MSR_IA32_VMX_BASIC             0x480
#define MSR_IA32_VMX_PINBASED_CTLS     0x481
#define MSR_IA32_VMX_PROCBASED_CTLS    0x482
#define MSR_IA32_VMX_EXIT_CTLS         0x483
#define MSR_IA32_VMX_ENTRY_CTLS        0x484
#define MSR_IA32_VMX_MISC              0x485
#define MSR_IA32_VMX_CR0_FIXED0        0x486
#define MSR_IA32_VMX_CR0_FIXED1        0x487
#define MSR_IA32_VMX_CR4_FIXED0        0x488
#define MSR_IA32_VMX_CR4_FIXED1        0x489
#define MSR_IA32_VMX_VMCS_ENUM         0x48a
#define MSR_IA32_VMX_PROCBASED_CTLS2   0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP      0x48c
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS  0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS    0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS   0x490
#define MSR_IA32_VMX_VMFUNC            0x491

/* IA32_FEATURE_CONTROL bits (SDM Vol. 3C 23.7). */
#define FEATURE_CONTROL_LOCKED             (1ull << 0)
#define FEATURE_CONTROL_VMXON_INSIDE_SMX   (1ull << 1)
#define FEATURE_CONTROL_VMXON_OUTSIDE_SMX  (1ull << 2)

/* IA32_VMX_BASIC (A.1). */
#define VMX_BASIC_REVISION_MASK        0x7fffffffull
#define VMX_BASIC_VMCS_SIZE(b)         ((unsigned)(((b) >> 32) & 0x1fff))
#define VMX_BASIC_32BIT_ADDR           (1ull << 48)
#define VMX_BASIC_DUAL_MONITOR         (1ull << 49)
#define VMX_BASIC_MEMTYPE(b)           ((unsigned)(((b) >> 50) & 0xf))
#define VMX_BASIC_MEMTYPE_WB           6u
#define VMX_BASIC_INOUT_INFO           (1ull << 54)
#define VMX_BASIC_TRUE_CTLS            (1ull << 55)
#define VMX_BASIC_NO_HW_ERRCODE_CHECK  (1ull << 56)

/* IA32_VMX_MISC (A.6). */
#define VMX_MISC_PREEMPT_TIMER_SHIFT(m) ((unsigned)((m) & 0x1f))
#define VMX_MISC_STORE_LMA             (1ull << 5)
#define VMX_MISC_ACTIVITY_HLT          (1ull << 6)
#define VMX_MISC_ACTIVITY_SHUTDOWN     (1ull << 7)
#define VMX_MISC_ACTIVITY_WAIT_SIPI    (1ull << 8)
#define VMX_MISC_CR3_TARGETS(m)        ((unsigned)(((m) >> 16) & 0x1ff))
#define VMX_MISC_VMWRITE_ANY_FIELD     (1ull << 29)

/* IA32_VMX_EPT_VPID_CAP (A.10). */
#define VMX_EPT_EXECUTE_ONLY           (1ull << 0)
#define VMX_EPT_PAGE_WALK_4            (1ull << 6)
#define VMX_EPT_PAGE_WALK_5            (1ull << 7)
#define VMX_EPT_MEMTYPE_UC             (1ull << 8)
#define VMX_EPT_MEMTYPE_WB             (1ull << 14)
#define VMX_EPT_2MB_PAGE               (1ull << 16)
#define VMX_EPT_1GB_PAGE               (1ull << 17)
#define VMX_EPT_INVEPT                 (1ull << 20)
#define VMX_EPT_AD_BITS                (1ull << 21)
#define VMX_EPT_ADV_EXIT_INFO          (1ull << 22)
#define VMX_EPT_SUPERVISOR_SHADOW_STACK (1ull << 23)
#define VMX_EPT_INVEPT_SINGLE_CONTEXT  (1ull << 25)
#define VMX_EPT_INVEPT_ALL_CONTEXT     (1ull << 26)
#define VMX_VPID_INVVPID               (1ull << 32)
#define VMX_VPID_INVVPID_INDIV_ADDR    (1ull << 40)
#define VMX_VPID_INVVPID_SINGLE_CONTEXT (1ull << 41)
#define VMX_VPID_INVVPID_ALL_CONTEXT   (1ull << 42)
#define VMX_VPID_INVVPID_SINGLE_NONGLOBAL (1ull << 43)

/* Raw capability MSRs. An MSR the CPU does not implement (A.3.3, A.10, ...)
 * is left 0, which reads as "nothing allowed". */
struct vmx_caps {
	uint64_t feature_control;   /* 0x3a */
	uint64_t basic;             /* 0x480 */
	uint64_t pinbased;          /* 0x481 */
	uint64_t procbased;         /* 0x482 */
	uint64_t exit;              /* 0x483 */
	uint64_t entry;             /* 0x484 */
	uint64_t misc;              /* 0x485 */
	uint64_t cr0_fixed0;        /* 0x486 */
	uint64_t cr0_fixed1;        /* 0x487 */
	uint64_t cr4_fixed0;        /* 0x488 */
	uint64_t cr4_fixed1;        /* 0x489 */
	uint64_t vmcs_enum;         /* 0x48a */
	uint64_t procbased2;        /* 0x48b, if primary allowed-1 bit 31 */
	uint64_t ept_vpid_cap;      /* 0x48c, if secondary allows EPT or VPID */
	uint64_t true_pinbased;     /* 0x48d..0x490, if BASIC bit 55 */
	uint64_t true_procbased;
	uint64_t true_exit;
	uint64_t true_entry;
	uint64_t vmfunc;            /* 0x491, if secondary allows VM functions */
};

/* The controls Vireo programs into every VMCS, plus what the CPU offers for
 * features enabled per vCPU (APIC virtualization, apicv.c). */
struct vmx_controls {
	uint32_t pin, proc, proc2, exit, entry;
	bool has_vpid;              /* SECONDARY_EXEC_ENABLE_VPID set in proc2 */
	bool has_preempt_timer;     /* PIN_BASED_PREEMPTION_TIMER set in pin */
	bool has_invept_single;     /* INVEPT type 1 */
	bool has_invept_all;        /* INVEPT type 2 */
	bool has_invvpid_single;    /* INVVPID type 1 */
	bool has_invvpid_all;       /* INVVPID type 2 */
	bool has_apic_reg_virt;     /* allowed, not enabled here */
	bool has_virt_x2apic;       /* allowed, not enabled here */
	bool has_virt_intr_delivery; /* allowed, not enabled here */
	bool has_tpr_shadow;        /* allowed, not enabled here */
	bool has_virt_apic_accesses; /* allowed, not enabled here */
	bool ept_2m, ept_1g, ept_wb, ept_ad;
	unsigned preempt_timer_shift; /* timer ticks every 2^shift TSC ticks */
};

enum vmx_fc_action {
	VMX_FC_OK,        /* locked, VMXON outside SMX allowed: nothing to do */
	VMX_FC_WRITE,     /* unlocked: write *new_fc to IA32_FEATURE_CONTROL */
	VMX_FC_DISABLED,  /* locked with VMXON outside SMX off: VT-x disabled by firmware */
};

typedef uint64_t (*vmx_rdmsr_fn)(void *ctx, uint32_t msr);

/* Fill 'caps' reading only the MSRs that exist on this CPU (A.1-A.11). */
void vmx_caps_read(struct vmx_caps *caps, vmx_rdmsr_fn rdmsr, void *ctx);

/* Combine a control capability MSR (A.3.1: bits 31:0 allowed-0 settings,
 * bits 63:32 allowed-1 settings) with the wanted bits (31.5.1).
 * *out = required | (optional & allowed-1) | allowed-0-forced bits.
 * Returns 0, or -1 with *missing = required bits the CPU cannot set. */
int vmx_adjust_ctls(uint64_t cap, uint32_t required, uint32_t optional,
		    uint32_t *out, uint32_t *missing);

/* Choose the controls (policy in vmx_caps.c). Returns 0, or -1 with a
 * one-line cause in 'err'. */
int vmx_compute_controls(const struct vmx_caps *caps, struct vmx_controls *out,
			 char *err, size_t errlen);

/* Every control APIC virtualization needs (TPR shadow, virtualize APIC
 * accesses and x2APIC mode, APIC-register virtualization, virtual-
 * interrupt delivery): 0, or -1 with the first missing one in 'why'. */
int vmx_apicv_supported(const struct vmx_controls *c, const char **why);

/* IA32_FEATURE_CONTROL decision (23.7). *new_fc is set for VMX_FC_WRITE. */
enum vmx_fc_action vmx_feature_control_check(uint64_t fc, uint64_t *new_fc);
/* One-line text for an action ("VT-x disabled by firmware" ...). */
const char *vmx_fc_action_str(enum vmx_fc_action a);

/* 0 if CPUID.1:ECX.VMX[bit 5] is set, else -1 with "CPU has no VT-x ...". */
int vmx_check_cpuid(uint32_t cpuid1_ecx, char *err, size_t errlen);

/* Force CR0/CR4 to the values VMX operation allows (23.8, A.7, A.8):
 * bits set in fixed0 must be 1, bits clear in fixed1 must be 0. */
uint64_t vmx_fixed_cr(uint64_t value, uint64_t fixed0, uint64_t fixed1);

#endif
