/* RDMSR/WRMSR exits. The MSR bitmap lets the guest reach, without exits,
 * the MSRs whose state the VMCS switches or Vireo switches per vCPU; the
 * rest land here: an emulated set, and #GP for everything else, as a CPU
 * does for an MSR it does not implement (SDM Vol. 2B RDMSR). */
#include "arch/x86/cpu/cpu.h"
#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/guest.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_asm.h"
#include "lib/libc.h"
#include "lib/printk.h"

#define MSR_IA32_PLATFORM_ID 0x17
#define MSR_IA32_TSC_ADJUST  0x3b
#define MTRR_DEF_TYPE_VALID  0xcffULL  /* E, FE, type (SDM 12.11.2.1) */
#define EFER_VALID (X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE)

static bool pat_valid(uint64_t pat)
{
	for (int i = 0; i < 8; i++) {
		uint8_t t = (uint8_t)(pat >> (i * 8));

		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

static bool read_msr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	struct vmx_vcpu *x = to_vmx(v);

	if (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST)
		return vlapic_rdmsr(&x->lapic, msr, val) == 0;
	switch (msr) {
	case MSR_IA32_TSC_DEADLINE: *val = vlapic_get_tsc_deadline(&x->lapic); return true;
	case MSR_IA32_TSC_ADJUST:   *val = (uint64_t)x->tsc_adjust; return true;
	case MSR_IA32_APIC_BASE:    *val = vlapic_get_apicbase(&x->lapic); return true;
	case MSR_IA32_EFER:         *val = vmread(VMCS_GUEST_IA32_EFER); return true;
	case MSR_IA32_TSC:          *val = vmx_guest_tsc(x); return true;
	case MSR_IA32_PAT:
		*val = (vmx_cpu.ctls.entry & VM_ENTRY_LOAD_IA32_PAT) ? vmread(VMCS_GUEST_IA32_PAT)
								       : x->pat;
		return true;
	case MSR_IA32_MISC_ENABLE:  *val = x->misc_enable; return true;
	case MSR_IA32_MTRRCAP:      *val = 0; return true;   /* no variable/fixed MTRRs */
	case MSR_IA32_MTRR_DEF_TYPE: *val = x->mtrr_def_type; return true;
	case MSR_IA32_FEATURE_CONTROL: *val = FEATURE_CONTROL_LOCKED; return true; /* no VMX */
	case MSR_IA32_BIOS_SIGN_ID: *val = 0; return true;   /* no microcode revision */
	case MSR_IA32_PLATFORM_ID:  *val = 0; return true;
	case MSR_IA32_MCG_CAP:      *val = 0; return true;   /* no MCA banks */
	case MSR_IA32_MCG_STATUS:   *val = 0; return true;
	case MSR_IA32_DEBUGCTL:     *val = vmread(VMCS_GUEST_IA32_DEBUGCTL); return true;
	case MSR_IA32_SYSENTER_CS:  *val = vmread(VMCS_GUEST_SYSENTER_CS); return true;
	case MSR_IA32_SYSENTER_ESP: *val = vmread(VMCS_GUEST_SYSENTER_ESP); return true;
	case MSR_IA32_SYSENTER_EIP: *val = vmread(VMCS_GUEST_SYSENTER_EIP); return true;
	case MSR_IA32_XSS:          *val = 0; return true;
	}
	return false;
}

/* EFER.LMA is the processor's to set (SDM 10.8.5); changing LME while
 * paging is on is #GP. */
static bool write_efer(uint64_t val)
{
	uint64_t old = vmread(VMCS_GUEST_IA32_EFER);
	bool paging = vmread(VMCS_CR0_READ_SHADOW) & X86_CR0_PG;

	if (val & ~EFER_VALID)
		return false;
	if (paging && ((val ^ old) & X86_EFER_LME))
		return false;
	val = (val & ~X86_EFER_LMA) | (old & X86_EFER_LMA);
	vmwrite(VMCS_GUEST_IA32_EFER, val);
	return true;
}

static bool write_msr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	struct vmx_vcpu *x = to_vmx(v);

	if (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST) {
		vmx_irq_check(x);
		return vlapic_wrmsr(&x->lapic, msr, val) == 0;
	}
	switch (msr) {
	case MSR_IA32_APIC_BASE:
		vmx_irq_check(x);
		if (vlapic_set_apicbase(&x->lapic, val))
			return false;
		if (vmx_cpu.apicv)
			vmx_apicv_mode_sync(v);
		return true;
	case MSR_IA32_TSC_DEADLINE:
		vlapic_set_tsc_deadline(&x->lapic, val);
		return true;
	case MSR_IA32_TSC_ADJUST:
		/* SDM 17.17.3: the TSC moves by what the adjustment moves. */
		vmx_set_tsc_offset(x, x->tsc_offset + ((int64_t)val - x->tsc_adjust));
		x->tsc_adjust = (int64_t)val;
		return true;
	case MSR_IA32_EFER:
		return write_efer(val);
	case MSR_IA32_TSC: {
		/* A TSC write moves IA32_TSC_ADJUST by as much (17.17.3). */
		int64_t delta = (int64_t)(val - vmx_guest_tsc(x));

		x->tsc_adjust += delta;
		vmx_set_tsc_offset(x, x->tsc_offset + delta);
		return true;
	}
	case MSR_IA32_PAT:
		if (!pat_valid(val))
			return false;
		if (vmx_cpu.ctls.entry & VM_ENTRY_LOAD_IA32_PAT)
			vmwrite(VMCS_GUEST_IA32_PAT, val);
		x->pat = val;
		return true;
	case MSR_IA32_MISC_ENABLE:
		/* Only fast-strings is the guest's to change. */
		x->misc_enable = (x->misc_enable & ~1ULL) | (val & 1);
		return true;
	case MSR_IA32_MTRR_DEF_TYPE:
		if (val & ~MTRR_DEF_TYPE_VALID)
			return false;
		x->mtrr_def_type = val;
		return true;
	case MSR_IA32_BIOS_SIGN_ID: /* written before CPUID to fetch the revision */
		return true;
	case MSR_IA32_MCG_STATUS:
		return val == 0;
	case MSR_IA32_DEBUGCTL:
		if (val & ~3ULL)      /* LBR and BTF only */
			return false;
		vmwrite(VMCS_GUEST_IA32_DEBUGCTL, val);
		return true;
	case MSR_IA32_SYSENTER_CS:  vmwrite(VMCS_GUEST_SYSENTER_CS, val); return true;
	case MSR_IA32_SYSENTER_ESP: vmwrite(VMCS_GUEST_SYSENTER_ESP, val); return true;
	case MSR_IA32_SYSENTER_EIP: vmwrite(VMCS_GUEST_SYSENTER_EIP, val); return true;
	case MSR_IA32_XSS:
		return val == 0;     /* no supervisor state components are offered */
	}
	return false;
}

enum exit_action vmexit_rdmsr(struct vcpu *v)
{
	struct x86_regs *r = &to_vmx(v)->regs;
	uint32_t msr = (uint32_t)r->gpr[GPR_RCX];
	uint64_t val = 0;

	if (!read_msr(v, msr, &val)) {
		pr_debug("vm %s: RDMSR 0x%x: #GP\n", v->vm->name, msr);
		guest_inject_gp(v);
		return EXIT_CONTINUE;
	}
	r->gpr[GPR_RAX] = (uint32_t)val;
	r->gpr[GPR_RDX] = val >> 32;
	guest_skip_insn();
	return EXIT_CONTINUE;
}

enum exit_action vmexit_wrmsr(struct vcpu *v)
{
	struct x86_regs *r = &to_vmx(v)->regs;
	uint32_t msr = (uint32_t)r->gpr[GPR_RCX];
	uint64_t val = (r->gpr[GPR_RDX] << 32) | (uint32_t)r->gpr[GPR_RAX];

	if (!write_msr(v, msr, val)) {
		pr_debug("vm %s: WRMSR 0x%x <- 0x%llx: #GP\n", v->vm->name, msr,
			 (unsigned long long)val);
		guest_inject_gp(v);
		return EXIT_CONTINUE;
	}
	guest_skip_insn();
	return EXIT_CONTINUE;
}

/* The MSR bitmap (SDM 24.6.9): read bitmap low at 0, high at 1024; write
 * bitmap low at 2048, high at 3072. A set bit means "exit". */
static void msr_pass(uint8_t *bm, uint32_t msr)
{
	uint32_t off = (msr >= 0xc0000000u) ? 1024 : 0;
	uint32_t idx = msr & 0x1fff;

	bm[off + idx / 8] &= (uint8_t)~(1u << (idx % 8));
	bm[2048 + off + idx / 8] &= (uint8_t)~(1u << (idx % 8));
}

void vmx_msr_bitmap_init(uint8_t *bm)
{
	static const uint32_t passthrough[] = {
		/* switched by the VMCS on every entry and exit */
		MSR_IA32_FS_BASE, MSR_IA32_GS_BASE,
		MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
		/* switched by Vireo when another vCPU takes the CPU (vmx.c) */
		MSR_IA32_STAR, MSR_IA32_LSTAR, MSR_IA32_CSTAR, MSR_IA32_FMASK,
		MSR_IA32_KERNEL_GS_BASE, MSR_IA32_TSC_AUX,
	};

	memset(bm, 0xff, 4096);
	for (unsigned i = 0; i < ARRAY_SIZE(passthrough); i++)
		msr_pass(bm, passthrough[i]);
}
