#include "arch/x86/cpu/cpu.h"
#include "arch/x86/cpu/traps.h"
#include "arch/x86/vmx/guest.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_asm.h"
#include "core/vm.h"
#include "lib/libc.h"


static const uint32_t seg_base_field[] = {
	[X86_SEG_ES] = VMCS_GUEST_ES_BASE, [X86_SEG_CS] = VMCS_GUEST_CS_BASE,
	[X86_SEG_SS] = VMCS_GUEST_SS_BASE, [X86_SEG_DS] = VMCS_GUEST_DS_BASE,
	[X86_SEG_FS] = VMCS_GUEST_FS_BASE, [X86_SEG_GS] = VMCS_GUEST_GS_BASE,
};

/* CR3 and CR4 matter only with paging on: two VMREADs saved otherwise. */
void guest_paging(struct x86_paging *pg)
{
	pg->cr0 = vmread(VMCS_GUEST_CR0);
	pg->efer = vmread(VMCS_GUEST_IA32_EFER);
	pg->maxphyaddr = vmx_cpu.maxphyaddr;
	if (pg->cr0 & X86_CR0_PG) {
		pg->cr3 = vmread(VMCS_GUEST_CR3);
		pg->cr4 = vmread(VMCS_GUEST_CR4);
	} else {
		pg->cr3 = pg->cr4 = 0;
	}
}

enum x86_cpu_mode guest_mode_of(const struct x86_paging *pg, uint64_t cs_ar)
{
	if (!(pg->cr0 & X86_CR0_PE))
		return X86_MODE_REAL16;
	if ((pg->efer & X86_EFER_LMA) && (cs_ar & VMX_AR_L))
		return X86_MODE_LONG64;
	return (cs_ar & VMX_AR_DB) ? X86_MODE_PROT32 : X86_MODE_PROT16;
}




static uint64_t seg_base(enum x86_cpu_mode mode, enum x86_seg seg)
{
	/* In 64-bit mode only FS and GS have bases (SDM 3.4.4). */
	if (mode == X86_MODE_LONG64 && seg != X86_SEG_FS && seg != X86_SEG_GS)
		return 0;
	return vmread(seg_base_field[seg]);
}

int guest_read_phys(void *vm, uint64_t gpa, void *buf, unsigned size)
{
	return vm_read_phys(vm, gpa, buf, size) ? 0 : -1;
}

int guest_translate(struct vcpu *v, enum x86_seg seg, uint64_t offset, unsigned access,
		    uint64_t *gpa, uint64_t *la)
{
	struct x86_paging pg;
	enum x86_cpu_mode mode;

	guest_paging(&pg);
	mode = guest_mode_of(&pg, vmread(VMCS_GUEST_CS_AR));
	*la = seg_base(mode, seg) + offset;
	if (mode != X86_MODE_LONG64)
		*la &= 0xffffffffu;
	if (guest_cpl() == 3)
		access |= X86_ACC_USER;
	return x86_walk(&pg, *la, access, guest_read_phys, v->vm, gpa);
}

/* Code-segment linear address -> guest-physical, for a fetch. With
 * paging off (real mode, multiboot entry) that is the identity. */
static int fetch_translate(struct vcpu *v, const struct x86_paging *pg, enum x86_cpu_mode mode,
			   unsigned access, uint64_t la, uint64_t *gpa)
{
	if (mode != X86_MODE_LONG64)
		la &= 0xffffffffu;
	if (!(pg->cr0 & X86_CR0_PG)) {
		*gpa = la;
		return 0;
	}
	return x86_walk(pg, la, access, guest_read_phys, v->vm, gpa);
}

unsigned guest_fetch_insn(struct vcpu *v, const struct x86_paging *pg, enum x86_cpu_mode mode,
			  uint64_t rip, uint8_t *buf)
{
	uint64_t la = (mode == X86_MODE_LONG64 ? 0 : vmread(VMCS_GUEST_CS_BASE)) + rip;
	unsigned access = X86_ACC_FETCH;
	unsigned n = 0;

	if ((pg->cr0 & X86_CR0_PG) && guest_cpl() == 3)
		access |= X86_ACC_USER;

	/* One walk per page: the instruction may cross into a second page,
	 * or end just before an unmapped one, and we want every byte there is. */
	while (n < 15) {
		uint64_t gpa;
		unsigned chunk;

		if (fetch_translate(v, pg, mode, access, la + n, &gpa))
			break;
		chunk = 4096 - (unsigned)(gpa & 4095);
		if (chunk > 15 - n)
			chunk = 15 - n;
		if (!vm_read_phys(v->vm, gpa, &buf[n], chunk))
			break;
		n += chunk;
	}
	return n;
}

void guest_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
	vmx_queue_exception(v, vector, has_error, error);
}

/* In 64-bit mode an address is canonical when bits 63 down to the linear
 * width (48, or 57 with LA57) are all equal (SDM Vol. 1 3.3.7.1). */
static bool canonical(uint64_t la, bool la57)
{
	unsigned shift = la57 ? 64 - 57 : 64 - 48;

	return (uint64_t)((int64_t)(la << shift) >> shift) == la;
}

void guest_complete_insn(struct vcpu *v, uint64_t rip)
{
	/* Falling off the canonical range is #GP, never an entry failure. */
	if (rip >= (1ULL << 47) && !canonical(rip, vmread(VMCS_GUEST_CR4) & X86_CR4_LA57) &&
	    guest_in_64bit_mode()) {
		guest_inject_gp(v);
		return;
	}
	vmwrite(VMCS_GUEST_RIP, rip);
	guest_insn_retired();
}

/* IP wraps at 64 KiB in 16-bit code and EIP at 4 GiB outside 64-bit mode
 * (SDM Vol. 1 3.6); VM entry refuses a RIP above 4 GiB there (26.3.1.4). */
void guest_skip_insn_slow(uint64_t next)
{
	uint64_t cs_ar = vmread(VMCS_GUEST_CS_AR);

	if (!(cs_ar & VMX_AR_L) || !(vmread(VMCS_GUEST_IA32_EFER) & X86_EFER_LMA))
		next &= (cs_ar & VMX_AR_DB) ? 0xffffffffULL : 0xffffULL;
	guest_complete_insn(vmx_cpu.loaded, next);
}

void guest_inject_gp(struct vcpu *v)
{
	guest_inject_exception(v, X86_TRAP_GP, true, 0);
}

void guest_inject_ud(struct vcpu *v)
{
	guest_inject_exception(v, X86_TRAP_UD, false, 0);
}

/* The host never faults on its own, so CR2 still holds the guest's value
 * and can be set directly. */
void guest_inject_pf(struct vcpu *v, uint64_t la, uint32_t error)
{
	write_cr2(la);
	guest_inject_exception(v, X86_TRAP_PF, true, error);
}

