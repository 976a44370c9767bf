/* Execute a decoded instruction whose memory operand is emulated MMIO.
 *
 * The caller decodes the faulting instruction (decode.h), then calls
 * x86_emulate_mmio() with the guest-physical address from the EPT-violation
 * exit. On success the guest registers, RFLAGS and RIP are updated exactly
 * as the instruction would have; on failure nothing in *regs is changed. */
#ifndef VIREO_ARCH_X86_EMULATE_EMULATE_H
#define VIREO_ARCH_X86_EMULATE_EMULATE_H

#include "arch/x86/emulate/decode.h"
#include "arch/x86/regs.h"

struct x86_emu_ops {
	void *ctx;
	/* segment:offset -> guest-physical, honouring the guest's segment
	 * base and paging. Returns 0 on success, negative on fault. Only
	 * MOVS (two memory operands) uses it. */
	int (*translate)(void *ctx, enum x86_seg seg, uint64_t offset,
			 bool write, uint64_t *gpa);
	/* Guest-physical access, RAM or MMIO (the host routes it). Returns
	 * 0 on success, negative on failure. 'val' is zero-extended. */
	int (*phys_read)(void *ctx, uint64_t gpa, unsigned size, uint64_t *val);
	int (*phys_write)(void *ctx, uint64_t gpa, unsigned size, uint64_t val);
};

/* Negative results of x86_emulate_mmio(). */
#define X86_EMU_EUNSUP    (-1)	/* op not emulated, or insn malformed */
#define X86_EMU_ETRANSLATE (-2)	/* ops->translate failed (MOVS): the host
				 * should inject the fault it found */
#define X86_EMU_EREAD     (-3)	/* ops->phys_read failed */
#define X86_EMU_EWRITE    (-4)	/* ops->phys_write failed */
#define X86_EMU_EINVAL    (-5)	/* NULL argument or missing callback */

/* Emulate 'insn'. Single-memory-operand instructions access 'mmio_gpa'
 * directly. REP MOVS/STOS/LODS perform one iteration per call and advance
 * RIP only once rCX reaches zero, so the guest re-executes the instruction
 * (and exits again) for the next element. */
int x86_emulate_mmio(const struct x86_insn *insn, enum x86_cpu_mode mode,
		     struct x86_regs *regs, uint64_t mmio_gpa,
		     const struct x86_emu_ops *ops);

/* Effective offset (within its segment) of insn's memory operand, for
 * diagnostics and for callers that must translate it themselves.
 * 'regs->rip' must still point at the instruction. */
uint64_t x86_insn_mem_offset(const struct x86_insn *insn,
			     const struct x86_regs *regs);

#endif
