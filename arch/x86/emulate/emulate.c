/* MMIO instruction emulation: the subset decode.c understands. */
#include "arch/x86/emulate/emulate.h"

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static uint64_t sign_extend(uint64_t v, unsigned size)
{
	uint64_t sign = 1ULL << (8 * size - 1);

	v &= size_mask(size);
	return (v ^ sign) - sign;
}

static bool valid_size(unsigned size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

/* ---- registers ---- */

static uint64_t reg_get(const struct x86_regs *regs, int reg, bool high8,
			unsigned size)
{
	uint64_t v = regs->gpr[reg];

	if (high8)
		return (v >> 8) & 0xff;
	return v & size_mask(size);
}

/* 8/16-bit writes merge; 32-bit writes zero-extend in 64-bit mode (SDM
 * Vol. 1 3.4.1.1) and leave the invisible upper half alone elsewhere. */
static void reg_set(struct x86_regs *regs, enum x86_cpu_mode mode, int reg,
		    bool high8, unsigned size, uint64_t val)
{
	uint64_t *r = &regs->gpr[reg];

	if (high8) {
		*r = (*r & ~0xff00ULL) | ((val & 0xff) << 8);
	} else if (size == 8 || (size == 4 && mode == X86_MODE_LONG64)) {
		*r = val & size_mask(size);
	} else {
		*r = (*r & ~size_mask(size)) | (val & size_mask(size));
	}
}

/* IP wraps at the code segment's operand width. */
static void advance_rip(const struct x86_insn *insn, enum x86_cpu_mode mode,
			struct x86_regs *regs)
{
	uint64_t rip = regs->rip + insn->length;

	if (mode == X86_MODE_PROT32)
		rip &= 0xffffffffULL;
	else if (mode != X86_MODE_LONG64)
		rip &= 0xffffULL;
	regs->rip = rip;
}

/* ---- flags (SDM Vol. 1 3.4.3.1 and appendix A) ---- */

static bool parity_even(uint64_t v)
{
	uint8_t b = (uint8_t)v;

	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return !(b & 1);
}

/* ZF, SF, PF of a result; CF/OF/AF are added by the caller. */
static uint64_t flags_zsp(uint64_t res, unsigned size)
{
	uint64_t f = 0;

	res &= size_mask(size);
	if (res == 0)
		f |= X86_RFLAGS_ZF;
	if (res >> (8 * size - 1))
		f |= X86_RFLAGS_SF;
	if (parity_even(res))
		f |= X86_RFLAGS_PF;
	return f;
}

/* Execute an ALU op on a, b (already 'size' wide). Returns the result and
 * replaces the arithmetic flags in *rflags. AF is cleared for logic ops
 * (architecturally undefined). */
static uint64_t alu(enum x86_op op, uint64_t a, uint64_t b, unsigned size,
		    uint64_t *rflags)
{
	unsigned top = 8 * size - 1;
	uint64_t cin = (*rflags & X86_RFLAGS_CF) ? 1 : 0;
	uint64_t r, f, carry = 0, ovf = 0;
	bool arith = true;

	switch (op) {
	case X86_OP_ADD:
	case X86_OP_ADC:
		r = a + b + (op == X86_OP_ADC ? cin : 0);
		/* carry out of the top bit: full-adder identity */
		carry = ((a & b) | ((a | b) & ~r)) >> top;
		ovf = ((a ^ r) & (b ^ r)) >> top;
		break;
	case X86_OP_SUB:
	case X86_OP_SBB:
	case X86_OP_CMP:
		r = a - b - (op == X86_OP_SBB ? cin : 0);
		/* borrow out of the top bit: full-subtractor identity */
		carry = ((~a & b) | (~(a ^ b) & r)) >> top;
		ovf = ((a ^ b) & (a ^ r)) >> top;
		break;
	case X86_OP_AND:
	case X86_OP_TEST:
		r = a & b;
		arith = false;
		break;
	case X86_OP_OR:
		r = a | b;
		arith = false;
		break;
	default: /* X86_OP_XOR */
		r = a ^ b;
		arith = false;
		break;
	}
	r &= size_mask(size);
	f = flags_zsp(r, size);
	if (carry & 1)
		f |= X86_RFLAGS_CF;
	if (ovf & 1)
		f |= X86_RFLAGS_OF;
	if (arith)	/* carry/borrow out of bit 3 */
		f |= (a ^ b ^ r) & X86_RFLAGS_AF;
	*rflags = (*rflags & ~(uint64_t)X86_RFLAGS_ARITH) | f;
	return r;
}

/* ---- memory ---- */

static int mem_read(const struct x86_emu_ops *ops, uint64_t gpa,
		    unsigned size, uint64_t *val)
{
	*val = 0;
	if (ops->phys_read(ops->ctx, gpa, size, val) < 0)
		return X86_EMU_EREAD;
	*val &= size_mask(size);
	return 0;
}

static int mem_write(const struct x86_emu_ops *ops, uint64_t gpa,
		     unsigned size, uint64_t val)
{
	if (ops->phys_write(ops->ctx, gpa, size, val & size_mask(size)) < 0)
		return X86_EMU_EWRITE;
	return 0;
}

/* Second operand of a memory-destination op: register or immediate. */
static uint64_t src_operand(const struct x86_insn *insn,
			    const struct x86_regs *regs)
{
	if (insn->reg >= 0)
		return reg_get(regs, insn->reg, insn->reg_high8, insn->opsize);
	return (uint64_t)insn->imm & size_mask(insn->opsize);
}

/* ---- per-op handlers ---- */

static int emu_mov(const struct x86_insn *insn, enum x86_cpu_mode mode,
		   struct x86_regs *regs, uint64_t gpa,
		   const struct x86_emu_ops *ops)
{
	uint64_t v;
	int rc;

	if (insn->mem_is_dst)
		return mem_write(ops, gpa, insn->opsize,
				 src_operand(insn, regs));
	if ((rc = mem_read(ops, gpa, insn->src_size, &v)))
		return rc;
	if (insn->op == X86_OP_MOVSX)
		v = sign_extend(v, insn->src_size);
	reg_set(regs, mode, insn->reg, insn->reg_high8, insn->opsize, v);
	return 0;
}

/* ALU and TEST: memory is either operand; CMP/TEST write nothing back. */
static int emu_alu(const struct x86_insn *insn, enum x86_cpu_mode mode,
		   struct x86_regs *regs, uint64_t gpa,
		   const struct x86_emu_ops *ops)
{
	unsigned size = insn->opsize;
	uint64_t m, a, b, r, fl = regs->rflags;
	bool writes = insn->op != X86_OP_CMP && insn->op != X86_OP_TEST;
	int rc;

	if ((rc = mem_read(ops, gpa, size, &m)))
		return rc;
	if (insn->mem_is_dst) {
		a = m;
		b = src_operand(insn, regs);
	} else {
		a = reg_get(regs, insn->reg, insn->reg_high8, size);
		b = m;
	}
	r = alu(insn->op, a, b, size, &fl);
	if (writes && insn->mem_is_dst && (rc = mem_write(ops, gpa, size, r)))
		return rc;
	if (writes && !insn->mem_is_dst)
		reg_set(regs, mode, insn->reg, insn->reg_high8, size, r);
	regs->rflags = fl;
	return 0;
}

/* XCHG with memory: read the old value, store the register, then load. */
static int emu_xchg(const struct x86_insn *insn, enum x86_cpu_mode mode,
		    struct x86_regs *regs, uint64_t gpa,
		    const struct x86_emu_ops *ops)
{
	uint64_t old;
	int rc;

	if ((rc = mem_read(ops, gpa, insn->opsize, &old)))
		return rc;
	if ((rc = mem_write(ops, gpa, insn->opsize, src_operand(insn, regs))))
		return rc;
	reg_set(regs, mode, insn->reg, insn->reg_high8, insn->opsize, old);
	return 0;
}

/* One element of MOVS: both operands go through translate, since either
 * (or both) may be MMIO. */
static int movs_one(const struct x86_insn *insn, const struct x86_regs *regs,
		    uint64_t amask, const struct x86_emu_ops *ops)
{
	uint64_t src, dst, v;
	int rc;

	if (!ops->translate)
		return X86_EMU_EINVAL;
	if (ops->translate(ops->ctx, insn->mem.seg,
			   regs->gpr[GPR_RSI] & amask, false, &src) < 0 ||
	    ops->translate(ops->ctx, X86_SEG_ES,
			   regs->gpr[GPR_RDI] & amask, true, &dst) < 0)
		return X86_EMU_ETRANSLATE;
	if ((rc = mem_read(ops, src, insn->opsize, &v)))
		return rc;
	return mem_write(ops, dst, insn->opsize, v);
}

/* MOVS/STOS/LODS, one iteration (SDM Vol. 2 REP). rSI/rDI/rCX are used
 * and updated at the address size; DF picks the direction. */
static int emu_string(const struct x86_insn *insn, enum x86_cpu_mode mode,
		      struct x86_regs *regs, uint64_t gpa,
		      const struct x86_emu_ops *ops)
{
	unsigned as = insn->mem.addr_size, size = insn->opsize;
	uint64_t amask = size_mask(as), v, step;
	bool rep = insn->rep || insn->repne;	/* F2 acts as REP here */
	uint64_t *gpr = regs->gpr;
	int rc;

	if (rep && (gpr[GPR_RCX] & amask) == 0) {
		advance_rip(insn, mode, regs);
		return 0;
	}
	switch (insn->op) {
	case X86_OP_MOVS:
		rc = movs_one(insn, regs, amask, ops);
		break;
	case X86_OP_STOS:
		rc = mem_write(ops, gpa, size, reg_get(regs, GPR_RAX, false,
						       size));
		break;
	default: /* LODS */
		if (!(rc = mem_read(ops, gpa, size, &v)))
			reg_set(regs, mode, GPR_RAX, false, size, v);
		break;
	}
	if (rc)
		return rc;

	step = (regs->rflags & X86_RFLAGS_DF) ? (uint64_t)0 - size : size;
	if (insn->op != X86_OP_STOS)
		reg_set(regs, mode, GPR_RSI, false, as, gpr[GPR_RSI] + step);
	if (insn->op != X86_OP_LODS)
		reg_set(regs, mode, GPR_RDI, false, as, gpr[GPR_RDI] + step);
	if (rep) {
		reg_set(regs, mode, GPR_RCX, false, as, gpr[GPR_RCX] - 1);
		if ((gpr[GPR_RCX] & amask) != 0)
			return 0;	/* re-execute for the next element */
	}
	advance_rip(insn, mode, regs);
	return 0;
}

/* Reject fields a hand-built or corrupted insn could carry. */
static bool insn_sane(const struct x86_insn *insn)
{
	if (!valid_size(insn->opsize) || !valid_size(insn->src_size))
		return false;
	if (insn->reg >= GPR_COUNT || (insn->reg_high8 && insn->reg > 3))
		return false;
	if (insn->mem.addr_size != 2 && insn->mem.addr_size != 4 &&
	    insn->mem.addr_size != 8)
		return false;
	switch (insn->op) {
	case X86_OP_MOVS: case X86_OP_STOS: case X86_OP_LODS: case X86_OP_CLFLUSH:
		return true;
	case X86_OP_MOV: case X86_OP_TEST:
		return insn->reg >= 0 || (insn->mem_is_dst && insn->has_imm);
	default:	/* everything else needs its register, or an imm */
		return insn->reg >= 0 || (insn->has_imm && insn->mem_is_dst &&
					  insn->op <= X86_OP_CMP);
	}
}

int x86_emulate_mmio(const struct x86_insn *insn, enum x86_cpu_mode mode,
		     struct x86_regs *regs, uint64_t mmio_gpa,
		     const struct x86_emu_ops *ops)
{
	int rc;

	if (!insn || !regs || !ops || !ops->phys_read || !ops->phys_write)
		return X86_EMU_EINVAL;
	if (insn->op == X86_OP_INVALID || insn->op >= X86_OP_COUNT ||
	    !insn_sane(insn))
		return X86_EMU_EUNSUP;

	switch (insn->op) {
	case X86_OP_MOVS: case X86_OP_STOS: case X86_OP_LODS:
		return emu_string(insn, mode, regs, mmio_gpa, ops);
	case X86_OP_MOV: case X86_OP_MOVZX: case X86_OP_MOVSX:
		rc = emu_mov(insn, mode, regs, mmio_gpa, ops);
		break;
	case X86_OP_XCHG:
		rc = emu_xchg(insn, mode, regs, mmio_gpa, ops);
		break;
	case X86_OP_CLFLUSH:
		rc = 0;         /* device memory has no cache lines */
		break;
	default:
		rc = emu_alu(insn, mode, regs, mmio_gpa, ops);
		break;
	}
	if (rc)
		return rc;
	advance_rip(insn, mode, regs);
	return 0;
}

uint64_t x86_insn_mem_offset(const struct x86_insn *insn,
			     const struct x86_regs *regs)
{
	const struct x86_mem *m = &insn->mem;
	uint64_t off = (uint64_t)m->disp;

	if (m->base >= 0)
		off += regs->gpr[m->base];
	if (m->index >= 0)
		off += regs->gpr[m->index] * m->scale;
	if (m->rip_rel)
		off += regs->rip + insn->length;
	return off & size_mask(m->addr_size);
}
