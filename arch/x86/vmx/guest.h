/* Reaching guest memory from exit handlers: the guest's paging mode from
 * its VMCS, linear-to-physical walks, instruction fetch, fault injection. */
#ifndef VIREO_ARCH_X86_VMX_GUEST_H
#define VIREO_ARCH_X86_VMX_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/emulate/decode.h"
#include "arch/x86/emulate/pagewalk.h"
#include "arch/x86/cpu/cpu.h"
#include "arch/x86/regs.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx_asm.h"

struct vcpu;

void guest_paging(struct x86_paging *pg);
/* The mode from state already read: CR0.PE, EFER.LMA, CS.L and CS.D. */
enum x86_cpu_mode guest_mode_of(const struct x86_paging *pg, uint64_t cs_ar);
/* 64-bit mode: IA-32e active and CS.L (SDM 3.4.5). */
static inline bool guest_in_64bit_mode(void)
{
	return (vmread(VMCS_GUEST_CS_AR) & VMX_AR_L) &&
	       (vmread(VMCS_GUEST_IA32_EFER) & X86_EFER_LMA);
}

/* CPL is SS.DPL (SDM 24.4.1 notes this is what VMX keeps). */
static inline unsigned guest_cpl(void)
{
	return (unsigned)((vmread(VMCS_GUEST_SS_AR) & VMX_AR_DPL_MASK) >> VMX_AR_DPL_SHIFT);
}

int guest_read_phys(void *vm, uint64_t gpa, void *buf, unsigned size);
/* seg:offset -> guest-physical; negative x86_walk code on a fault. */
int guest_translate(struct vcpu *v, enum x86_seg seg, uint64_t offset, unsigned access,
		    uint64_t *gpa, uint64_t *la);
/* Up to 15 bytes at CS:RIP; returns how many could be read. */
unsigned guest_fetch_insn(struct vcpu *v, const struct x86_paging *pg, enum x86_cpu_mode mode,
			  uint64_t rip, uint8_t *buf);


/* Exceptions for the next VM entry (queued, then injected by event.c). */
void guest_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error);
void guest_inject_gp(struct vcpu *v);
void guest_inject_ud(struct vcpu *v);
void guest_inject_pf(struct vcpu *v, uint64_t la, uint32_t error);

#define PENDING_DBG_BS (1u << 14)   /* single-step, SDM 24.4.2 Table 24-4 */

/* The end of an instruction Vireo completed, RIP aside: STI and MOV SS
 * blocking end (SDM 26.3.1.5), RFLAGS.RF clears, and with RFLAGS.TF set
 * the single-step #DB the instruction would have raised becomes pending
 * (the CPU delivers it after VM entry, DR6.BS set, blocking respected). */
static inline void guest_insn_retired(void)
{
	uint64_t intr = vmread(VMCS_GUEST_INTERRUPTIBILITY);
	uint64_t rflags = vmread(VMCS_GUEST_RFLAGS);

	if (intr & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))
		vmwrite(VMCS_GUEST_INTERRUPTIBILITY,
			intr & ~(uint64_t)(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
	if (rflags & X86_RFLAGS_RF)
		vmwrite(VMCS_GUEST_RFLAGS, rflags & ~(uint64_t)X86_RFLAGS_RF);
	if (rflags & X86_RFLAGS_TF)
		vmwrite(VMCS_GUEST_PENDING_DBG_EXCEPTIONS,
			vmread(VMCS_GUEST_PENDING_DBG_EXCEPTIONS) | PENDING_DBG_BS);
}

/* Past an instruction Vireo completed: RIP moves to 'rip' (a
 * non-canonical one in 64-bit mode is #GP instead), then as above. */
void guest_complete_insn(struct vcpu *v, uint64_t rip);
void guest_skip_insn_slow(uint64_t next);

/* Past the instruction that exited, as if it had executed. Only a next
 * RIP that crosses a 64 KiB line can wrap (16-bit IP, 32-bit EIP) or leave
 * the canonical range; the rest need not look at the mode. */
static inline void guest_skip_insn(void)
{
	uint64_t rip = vmread(VMCS_GUEST_RIP);
	uint64_t next = rip + vmread(VMCS_EXIT_INSTRUCTION_LEN);

	if ((rip ^ next) >> 16) {
		guest_skip_insn_slow(next);
		return;
	}
	vmwrite(VMCS_GUEST_RIP, next);
	guest_insn_retired();
}

#endif
