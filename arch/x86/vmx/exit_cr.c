/* Control-register exits (SDM Vol. 3C 25.1.3, 27.2.1 Table 27-3) and
 * XSETBV. Vireo owns CR0.NE/PG and CR4.VMXE (plus CR4 bits the CPU cannot
 * run with); the guest sees its own values through the read shadows.
 * Whatever a guest writes, it gets the #GP the CPU would give or a state
 * VM entry accepts, never an entry failure (SDM 26.3.1). */
#include "arch/x86/cpu/cpu.h"
#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/guest.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_asm.h"
#include "lib/libc.h"

static uint64_t gpr_read(struct vcpu *v, unsigned n)
{
	return n == GPR_RSP ? vmread(VMCS_GUEST_RSP) : to_vmx(v)->regs.gpr[n];
}

static void gpr_write(struct vcpu *v, unsigned n, uint64_t val)
{
	if (n == GPR_RSP)
		vmwrite(VMCS_GUEST_RSP, val);
	else
		to_vmx(v)->regs.gpr[n] = val;
}

/* A PAE page-directory-pointer entry that is present may not set bits 2:1,
 * 8:5 or any bit at or above MAXPHYADDR (SDM 4.4.1; VM entry checks the
 * same, 26.3.1.6). */
static bool pdpte_valid(uint64_t e)
{
	uint64_t above = ~0ULL << vmx_cpu.maxphyaddr;

	return !(e & 1) || !(e & (above | 0x1e6ULL));
}

/* PAE paging outside long mode: VM entry loads the four PDPTEs from the
 * VMCS (SDM 26.3.2.4), so when an emulated CR0 write turns such paging on
 * or changes CD/NW under it, they are read from the guest's CR3 here, as
 * MOV to CR0 would on hardware; an unreadable or reserved entry is #GP. */
static bool read_pdptes(struct vcpu *v, uint64_t pdpte[4])
{
	uint64_t cr3 = vmread(VMCS_GUEST_CR3) & 0xffffffe0ULL;

	if (!vm_read_phys(v->vm, cr3, pdpte, 4 * sizeof(uint64_t)))
		return false;
	for (int i = 0; i < 4; i++)
		if (!pdpte_valid(pdpte[i]))
			return false;
	return true;
}

static void set_ia32e_mode(bool on)
{
	uint64_t entry = vmread(VMCS_ENTRY_CTLS);
	uint64_t efer = vmread(VMCS_GUEST_IA32_EFER);

	if (on) {
		entry |= VM_ENTRY_IA32E_MODE_GUEST;
		efer |= X86_EFER_LMA;
	} else {
		entry &= ~(uint64_t)VM_ENTRY_IA32E_MODE_GUEST;
		efer &= ~X86_EFER_LMA;
	}
	vmwrite(VMCS_ENTRY_CTLS, entry);
	vmwrite(VMCS_GUEST_IA32_EFER, efer);
}

#define CR0_DEFINED (X86_CR0_PE | X86_CR0_MP | X86_CR0_EM | X86_CR0_TS | X86_CR0_ET | \
		     X86_CR0_NE | X86_CR0_WP | X86_CR0_AM | X86_CR0_NW | X86_CR0_CD | X86_CR0_PG)

/* The #GP cases of MOV to CR0 (SDM Vol. 2B MOV—Move to/from Control
 * Registers; Vol. 3A 10.8.5), all decided before anything changes, so a
 * refused write leaves the vCPU as it was and an accepted one is a state
 * VM entry takes (26.3.1.1). */
static bool cr0_write_faults(uint64_t old, uint64_t val, uint64_t cr4, uint64_t efer, bool long64)
{
	bool paging_on = !(old & X86_CR0_PG) && (val & X86_CR0_PG);
	bool paging_off = (old & X86_CR0_PG) && !(val & X86_CR0_PG);

	if ((val >> 32) || ((val & X86_CR0_PG) && !(val & X86_CR0_PE)) ||
	    ((val & X86_CR0_NW) && !(val & X86_CR0_CD)))
		return true;
	/* Leaving paging needs compatibility mode and PCIDE clear. */
	if (paging_off && (long64 || (cr4 & X86_CR4_PCIDE)))
		return true;
	/* Entering IA-32e mode needs PAE, and may not start in 64-bit code. */
	if (paging_on && (efer & X86_EFER_LME) &&
	    (!(cr4 & X86_CR4_PAE) || (vmread(VMCS_GUEST_CS_AR) & VMX_AR_L)))
		return true;
	return false;
}

static bool guest_write_cr0(struct vcpu *v, uint64_t val)
{
	uint64_t old = vmread(VMCS_CR0_READ_SHADOW);
	uint64_t efer = vmread(VMCS_GUEST_IA32_EFER);
	uint64_t cr4 = vmread(VMCS_GUEST_CR4);
	bool long64 = guest_in_64bit_mode();
	bool ia32e, load_pdptes;
	uint64_t pdpte[4];

	if (!long64)
		val = (uint32_t)val;   /* the operand is 32 bits outside 64-bit mode */
	if (cr0_write_faults(old, val, cr4, efer, long64))
		return false;
	/* Reserved bits stay clear and ET stays set (Vol. 2B MOV). */
	val = (val & CR0_DEFINED) | X86_CR0_ET;
	ia32e = (val & X86_CR0_PG) && (efer & X86_EFER_LME);
	load_pdptes = (val & X86_CR0_PG) && (cr4 & X86_CR4_PAE) && !ia32e &&
		      ((old ^ val) & (X86_CR0_PG | X86_CR0_CD | X86_CR0_NW));
	if (load_pdptes && !read_pdptes(v, pdpte))
		return false;

	if (ia32e != !!(efer & X86_EFER_LMA))
		set_ia32e_mode(ia32e);         /* SDM 10.8.5: paging with LME */
	vmx_set_guest_cr0(val);
	if (load_pdptes) {
		vmwrite(VMCS_GUEST_PDPTE0, pdpte[0]);
		vmwrite(VMCS_GUEST_PDPTE1, pdpte[1]);
		vmwrite(VMCS_GUEST_PDPTE2, pdpte[2]);
		vmwrite(VMCS_GUEST_PDPTE3, pdpte[3]);
	}
	return true;
}

/* CR8 is the TPR's bits 7:4 (SDM 10.8.6.1), in xAPIC and x2APIC mode. */
static bool access_cr8(struct vcpu *v, bool write, unsigned gpr)
{
	struct vmx_vcpu *x = to_vmx(v);

	if (write) {
		uint64_t val = gpr_read(v, gpr);

		if (val > 15)
			return false;
		vlapic_set_cr8(&x->lapic, val);
		vmx_irq_check(x);      /* a lower TPR may let an interrupt in */
	} else {
		gpr_write(v, gpr, vlapic_get_cr8(&x->lapic));
	}
	return true;
}

enum exit_action vmexit_cr_access(struct vcpu *v)
{
	uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
	unsigned cr = EXIT_QUAL_CR_NUM(q), gpr = EXIT_QUAL_CR_GPR(q);
	bool ok = false;

	switch (EXIT_QUAL_CR_TYPE(q)) {
	case EXIT_QUAL_CR_TYPE_MOV_TO_CR:
		if (cr == 0)
			ok = guest_write_cr0(v, gpr_read(v, gpr));
		/* Every CR4 bit the guest may own is guest-owned in the VMCS,
		 * so the CPU makes those writes itself, with its own #GP checks
		 * (PCIDE, PAE in long mode, LA57...). A write exits only when it
		 * sets a bit whose read shadow is 0 because the guest may not
		 * have it: a reserved bit, or VMXE (VMX is hidden). #GP. */
		else if (cr == 4)
			ok = false;
		else if (cr == 8)
			ok = access_cr8(v, true, gpr);
		break;
	case EXIT_QUAL_CR_TYPE_MOV_FROM_CR:
		if (cr == 8)
			ok = access_cr8(v, false, gpr);
		break;
	case EXIT_QUAL_CR_TYPE_CLTS:
		ok = guest_write_cr0(v, vmread(VMCS_CR0_READ_SHADOW) & ~X86_CR0_TS);
		break;
	case EXIT_QUAL_CR_TYPE_LMSW: {
		/* LMSW sets PE (never clears it), MP, EM, TS (SDM Vol. 2A LMSW). */
		uint64_t old = vmread(VMCS_CR0_READ_SHADOW);
		uint64_t msw = EXIT_QUAL_CR_LMSW_DATA(q) & 0xf;

		ok = guest_write_cr0(v, (old & ~0xeULL) | msw | (old & X86_CR0_PE));
		break;
	}
	}
	if (!ok) {
		guest_inject_gp(v);
		return EXIT_CONTINUE;
	}
	guest_skip_insn();
	return EXIT_CONTINUE;
}

/* XSETBV (SDM Vol. 2C): XCR0 must keep x87, AVX needs SSE, AVX-512's
 * three components go together and need AVX, and only bits CPUID leaf 0xD
 * offers the guest (not MPX's). */
static bool xcr0_valid(uint64_t val)
{
	const uint64_t avx512 = 0xe0;

	if (!(val & 1) || (val & ~(vmx_cpu.xcr0_supported & ~CPUID_XCR0_HIDDEN)))
		return false;
	if ((val & 4) && !(val & 2))
		return false;
	if ((val & avx512) && ((val & avx512) != avx512 || !(val & 4)))
		return false;
	if (((val >> 3) & 1) != ((val >> 4) & 1)) /* MPX BNDREGS/BNDCSR pair */
		return false;
	return true;
}

enum exit_action vmexit_xsetbv(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	uint64_t val = (x->regs.gpr[GPR_RDX] << 32) | (uint32_t)x->regs.gpr[GPR_RAX];

	if (!vmx_cpu.has_xsave || !(vmread(VMCS_GUEST_CR4) & X86_CR4_OSXSAVE)) {
		guest_inject_ud(v);
		return EXIT_CONTINUE;
	}
	if ((uint32_t)x->regs.gpr[GPR_RCX] != 0 || guest_cpl() != 0 || !xcr0_valid(val)) {
		guest_inject_gp(v);
		return EXIT_CONTINUE;
	}
	/* This vCPU owns the FPU while it runs: its XCR0 is the CPU's. */
	xsetbv(0, val);
	x->xcr0 = val;
	guest_skip_insn();
	return EXIT_CONTINUE;
}
