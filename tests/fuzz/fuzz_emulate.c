/* Decode and emulate one MMIO instruction against a fake bus and guest,
 * from random registers, flags and device contents.
 * Checks: every access is 1/2/4/8 bytes of the operand's size; a
 * single-operand instruction touches only the MMIO address, MOVS only the
 * two translated ones; CMP/TEST and loads never write; a failure changes
 * no register; a success changes only the destination register (string
 * ops: rAX/rSI/rDI/rCX), only the arithmetic flags, and moves RIP by the
 * length (wrapped to the mode) or, for an unfinished REP, not at all.
 * MOV/MOVZX/MOVSX/XCHG results and ALU results and flags are compared
 * with a model written here with 128-bit arithmetic, string elements and
 * rSI/rDI/rCX/RIP with the SDM's REP rules.
 * FUZZ-DEPS: arch/x86/emulate/decode.c arch/x86/emulate/emulate.c */
#include "tests/fuzz/fuzz.h"
#include "arch/x86/emulate/emulate.h"

#define MMIO_GPA 0xfee00000ULL
#define MAX_ACC 4

struct access {
	bool write;
	uint64_t gpa, val;
	unsigned size;
};

struct bus {
	uint64_t mmio_val;	/* what every read returns (truncated) */
	uint8_t fail;		/* bit 0: reads fail, 1: writes, 2: translate */
	uint64_t seg_base;
	struct access acc[MAX_ACC];
	unsigned n;
};

static int b_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	struct bus *b = ctx;

	FUZZ_CHECK(b->n < MAX_ACC, "too many accesses");
	if (b->fail & 1)
		return -1;
	*val = b->mmio_val & (size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1);
	b->acc[b->n++] = (struct access){ false, gpa, *val, size };
	return 0;
}

static int b_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	struct bus *b = ctx;

	FUZZ_CHECK(b->n < MAX_ACC, "too many accesses");
	if (b->fail & 2)
		return -1;
	b->acc[b->n++] = (struct access){ true, gpa, val, size };
	return 0;
}

static int b_translate(void *ctx, enum x86_seg seg, uint64_t off, bool write,
		       uint64_t *gpa)
{
	struct bus *b = ctx;

	(void)write;
	FUZZ_CHECK(seg <= X86_SEG_GS, "translate seg %d", seg);
	if (b->fail & 4)
		return -14;
	*gpa = b->seg_base + off;
	return 0;
}

static uint64_t mask(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static uint64_t sext(uint64_t v, unsigned size)
{
	unsigned sh = 64 - 8 * size;

	return (uint64_t)((int64_t)(v << sh) >> sh);
}

/* The register operand's value (AH..BH for reg_high8). */
static uint64_t reg_val(const struct x86_regs *r, const struct x86_insn *in)
{
	if (in->reg_high8)
		return (r->gpr[in->reg] >> 8) & 0xff;
	return r->gpr[in->reg] & mask(in->opsize);
}

static bool parity(uint64_t v)
{
	return !(__builtin_popcount((unsigned)(v & 0xff)) & 1);
}

/* Reference ALU: result and flags from wide arithmetic. */
static uint64_t ref_alu(enum x86_op op, uint64_t a, uint64_t b, unsigned size,
			uint64_t *fl)
{
	unsigned bits = 8 * size;
	unsigned __int128 ua = a, ub = b, ur;
	__int128 sa = (int64_t)sext(a, size), sb = (int64_t)sext(b, size), sr;
	uint64_t cin = *fl & X86_RFLAGS_CF ? 1 : 0, f = 0, r;
	bool arith = true;

	switch (op) {
	case X86_OP_ADD: case X86_OP_ADC:
		if (op == X86_OP_ADD)
			cin = 0;
		ur = ua + ub + cin; sr = sa + sb + cin;
		if (ur >> bits) f |= X86_RFLAGS_CF;
		if (((a & 0xf) + (b & 0xf) + cin) > 0xf) f |= X86_RFLAGS_AF;
		break;
	case X86_OP_SUB: case X86_OP_SBB: case X86_OP_CMP:
		if (op != X86_OP_SBB)
			cin = 0;
		ur = ua - ub - cin; sr = sa - sb - cin;
		if (ua < ub + cin) f |= X86_RFLAGS_CF;
		if ((a & 0xf) < (b & 0xf) + cin) f |= X86_RFLAGS_AF;
		break;
	case X86_OP_AND: case X86_OP_TEST:
		ur = ua & ub; sr = 0; arith = false; break;
	case X86_OP_OR:
		ur = ua | ub; sr = 0; arith = false; break;
	default:
		ur = ua ^ ub; sr = 0; arith = false; break;
	}
	r = (uint64_t)ur & mask(size);
	if (arith && (sr < -((__int128)1 << (bits - 1)) || sr >= ((__int128)1 << (bits - 1))))
		f |= X86_RFLAGS_OF;
	if (r == 0) f |= X86_RFLAGS_ZF;
	if (r >> (bits - 1)) f |= X86_RFLAGS_SF;
	if (parity(r)) f |= X86_RFLAGS_PF;
	*fl = (*fl & ~(uint64_t)X86_RFLAGS_ARITH) | f;
	return r;
}

/* The register as a write of 'size' leaves it (merge or zero-extend). */
static uint64_t reg_after(uint64_t old, const struct x86_insn *in,
			  enum x86_cpu_mode mode, unsigned size, uint64_t v)
{
	if (in->reg_high8)
		return (old & ~0xff00ULL) | ((v & 0xff) << 8);
	if (size == 8 || (size == 4 && mode == X86_MODE_LONG64))
		return v & mask(size);
	return (old & ~mask(size)) | (v & mask(size));
}

static bool is_string(enum x86_op op)
{
	return op == X86_OP_MOVS || op == X86_OP_STOS || op == X86_OP_LODS;
}

static void check_accesses(const struct x86_insn *in, const struct bus *b)
{
	bool reads_only = in->op == X86_OP_CMP || in->op == X86_OP_TEST ||
			  in->op == X86_OP_LODS || in->op == X86_OP_MOVZX ||
			  in->op == X86_OP_MOVSX ||
			  (in->op == X86_OP_MOV && !in->mem_is_dst);

	for (unsigned i = 0; i < b->n; i++) {
		const struct access *a = &b->acc[i];

		FUZZ_CHECK(a->size == in->opsize || a->size == in->src_size,
			   "access of %u bytes by a %u-byte %s", a->size,
			   in->opsize, x86_op_name(in->op));
		FUZZ_CHECK(in->op == X86_OP_MOVS || a->gpa == MMIO_GPA,
			   "access at %#llx", (unsigned long long)a->gpa);
		FUZZ_CHECK(!(a->write && reads_only), "%s wrote", x86_op_name(in->op));
		FUZZ_CHECK((a->val & ~mask(a->size)) == 0, "value wider than access");
	}
	FUZZ_CHECK(b->n <= 2, "%u accesses", b->n);
}

/* Results of the data-moving and ALU ops against the model. */
static void check_result(const struct x86_insn *in, enum x86_cpu_mode mode,
			 const struct x86_regs *old, const struct x86_regs *now,
			 const struct bus *b)
{
	uint64_t m = b->mmio_val & mask(in->src_size), fl = old->rflags, want;

	if (in->op == X86_OP_CLFLUSH) {
		FUZZ_CHECK(b->n == 0 && now->rflags == old->rflags &&
			   !memcmp(now->gpr, old->gpr, sizeof(now->gpr)), "clflush touched something");
	} else if (in->op == X86_OP_MOV && in->mem_is_dst) {
		want = in->reg >= 0 ? reg_val(old, in) : (uint64_t)in->imm & mask(in->opsize);
		FUZZ_CHECK(b->n == 1 && b->acc[0].write && b->acc[0].val == want, "mov store");
	} else if (in->op == X86_OP_MOV || in->op == X86_OP_MOVZX ||
		   in->op == X86_OP_MOVSX) {
		want = in->op == X86_OP_MOVSX ? sext(m, in->src_size) : m;
		FUZZ_CHECK(now->gpr[in->reg] == reg_after(old->gpr[in->reg], in, mode,
							  in->opsize, want), "%s load",
			   x86_op_name(in->op));
	} else if (in->op == X86_OP_XCHG) {
		FUZZ_CHECK(b->n == 2 && b->acc[1].write && b->acc[1].val == reg_val(old, in) &&
			   now->gpr[in->reg] == reg_after(old->gpr[in->reg], in, mode,
							  in->opsize, m), "xchg");
	} else if (!is_string(in->op)) {
		bool mem_dst = in->mem_is_dst;
		uint64_t other = in->reg >= 0 ? reg_val(old, in) : (uint64_t)in->imm & mask(in->opsize);
		uint64_t r = mem_dst ? ref_alu(in->op, m, other, in->opsize, &fl)
				     : ref_alu(in->op, other, m, in->opsize, &fl);
		bool writes = in->op != X86_OP_CMP && in->op != X86_OP_TEST;

		FUZZ_CHECK(now->rflags == fl, "%s flags %#llx, model %#llx", x86_op_name(in->op),
			   (unsigned long long)now->rflags, (unsigned long long)fl);
		if (writes && mem_dst)
			FUZZ_CHECK(b->n == 2 && b->acc[1].write && b->acc[1].val == r,
				   "%s result", x86_op_name(in->op));
		if (writes && !mem_dst)
			FUZZ_CHECK(now->gpr[in->reg] == reg_after(old->gpr[in->reg], in, mode,
								  in->opsize, r),
				   "%s register result", x86_op_name(in->op));
	}
}

/* One element of MOVS/STOS/LODS: what moves, and rSI/rDI/rCX/RIP after it
 * at the address size (SDM Vol. 2 MOVS, STOS, LODS, REP). */
static void check_string(const struct x86_insn *in, enum x86_cpu_mode mode,
			 const struct x86_regs *old, const struct x86_regs *now,
			 const struct bus *b)
{
	unsigned as = in->mem.addr_size, sz = in->opsize;
	bool rep = in->rep || in->repne;
	uint64_t am = mask(as), step = (old->rflags & X86_RFLAGS_DF) ? 0 - (uint64_t)sz : sz;
	uint64_t ip_mask = mode == X86_MODE_LONG64 ? ~0ULL : mode == X86_MODE_PROT32 ? 0xffffffffULL : 0xffff;
	uint64_t next = (old->rip + in->length) & ip_mask, rcx = old->gpr[GPR_RCX];
	struct x86_insn r = { .reg = 0 };	/* a plain register write of 'as' bytes */

	if (rep && (rcx & am) == 0) {
		FUZZ_CHECK(b->n == 0 && now->rip == next &&
			   memcmp(now->gpr, old->gpr, sizeof(now->gpr)) == 0, "rep with rCX 0");
		return;
	}
	if (in->op == X86_OP_STOS)
		FUZZ_CHECK(b->n == 1 && b->acc[0].write && b->acc[0].val == (old->gpr[GPR_RAX] & mask(sz)),
			   "stos");
	if (in->op == X86_OP_LODS)
		FUZZ_CHECK(b->n == 1 && !b->acc[0].write &&
			   now->gpr[GPR_RAX] == reg_after(old->gpr[GPR_RAX], &r, mode, sz, b->acc[0].val),
			   "lods");
	if (in->op == X86_OP_MOVS)
		FUZZ_CHECK(b->n == 2 && !b->acc[0].write && b->acc[1].write &&
			   b->acc[0].gpa == b->seg_base + (old->gpr[GPR_RSI] & am) &&
			   b->acc[1].gpa == b->seg_base + (old->gpr[GPR_RDI] & am) &&
			   b->acc[1].val == b->acc[0].val, "movs");
	FUZZ_CHECK(now->gpr[GPR_RSI] == (in->op == X86_OP_STOS ? old->gpr[GPR_RSI] :
		   reg_after(old->gpr[GPR_RSI], &r, mode, as, old->gpr[GPR_RSI] + step)), "rSI");
	FUZZ_CHECK(now->gpr[GPR_RDI] == (in->op == X86_OP_LODS ? old->gpr[GPR_RDI] :
		   reg_after(old->gpr[GPR_RDI], &r, mode, as, old->gpr[GPR_RDI] + step)), "rDI");
	FUZZ_CHECK(now->gpr[GPR_RCX] == (rep ? reg_after(rcx, &r, mode, as, rcx - 1) : rcx), "rCX");
	FUZZ_CHECK(now->rip == (rep && ((rcx - 1) & am) ? old->rip : next), "string RIP");
}

static void check_regs(const struct x86_insn *in, enum x86_cpu_mode mode,
		       const struct x86_regs *old, const struct x86_regs *now)
{
	uint64_t ip_mask = mode == X86_MODE_LONG64 ? ~0ULL :
			   mode == X86_MODE_PROT32 ? 0xffffffffULL : 0xffffULL;
	uint64_t next = (old->rip + in->length) & ip_mask;

	FUZZ_CHECK(((now->rflags ^ old->rflags) & ~(uint64_t)X86_RFLAGS_ARITH) == 0,
		   "non-arithmetic flags changed");
	for (int i = 0; i < GPR_COUNT; i++) {
		bool may = is_string(in->op)
			? (i == GPR_RAX || i == GPR_RSI || i == GPR_RDI || i == GPR_RCX)
			: i == in->reg;

		FUZZ_CHECK(may || now->gpr[i] == old->gpr[i], "%s changed gpr %d",
			   x86_op_name(in->op), i);
	}
	if (is_string(in->op) && (in->rep || in->repne))
		FUZZ_CHECK(now->rip == next || now->rip == old->rip, "rep rip");
	else
		FUZZ_CHECK(now->rip == next, "rip %#llx, want %#llx",
			   (unsigned long long)now->rip, (unsigned long long)next);
}

/* The operand's offset: base + index * scale + disp (+ the next RIP),
 * wrapped to the address size. */
static void check_mem_offset(const struct x86_insn *in, const struct x86_regs *r)
{
	const struct x86_mem *m = &in->mem;
	unsigned __int128 off = (unsigned __int128)(uint64_t)m->disp;

	if (m->base >= 0)
		off += r->gpr[m->base];
	if (m->index >= 0)
		off += (unsigned __int128)r->gpr[m->index] * m->scale;
	if (m->rip_rel)
		off += r->rip + in->length;
	FUZZ_CHECK(x86_insn_mem_offset(in, r) == ((uint64_t)off & mask(m->addr_size)),
		   "memory offset");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in_init(data, size);
	enum x86_cpu_mode mode = (enum x86_cpu_mode)(fuzz_u8(&in) & 3);
	static const struct x86_emu_ops ops_tmpl = { NULL, b_translate, b_read, b_write };
	struct x86_emu_ops ops = ops_tmpl;
	struct bus b = { 0 };
	struct x86_regs regs, old;
	struct x86_insn insn;
	size_t avail;
	const uint8_t *bytes;
	int rc;

	b.fail = fuzz_u8(&in);
	b.fail = (b.fail & 0xf0) ? 0 : b.fail;	/* mostly no failure */
	b.mmio_val = fuzz_u64(&in);
	b.seg_base = fuzz_u64(&in);
	for (int i = 0; i < GPR_COUNT; i++)
		regs.gpr[i] = fuzz_u64(&in);
	regs.rip = fuzz_u64(&in);
	regs.rflags = fuzz_u64(&in);
	bytes = fuzz_bytes(&in, X86_INSN_MAX_LEN, &avail);
	if (x86_decode(bytes, (unsigned)avail, mode, &insn) != 0)
		return 0;
	if (mode != X86_MODE_LONG64)
		regs.rip &= 0xffffffffULL;
	ops.ctx = &b;
	check_mem_offset(&insn, &regs);
	old = regs;
	rc = x86_emulate_mmio(&insn, mode, &regs, MMIO_GPA, &ops);
	check_accesses(&insn, &b);
	if (rc != 0) {
		FUZZ_CHECK(rc >= X86_EMU_EINVAL && rc <= X86_EMU_EUNSUP, "rc %d", rc);
		FUZZ_CHECK(memcmp(&regs, &old, sizeof(regs)) == 0,
			   "%s failed (%d) but changed registers", x86_op_name(insn.op), rc);
		FUZZ_CHECK(b.fail, "%s failed (%d) on a working bus",
			   x86_op_name(insn.op), rc);
		return 0;
	}
	check_regs(&insn, mode, &old, &regs);
	if (is_string(insn.op))
		check_string(&insn, mode, &old, &regs, &b);
	else
		check_result(&insn, mode, &old, &regs, &b);
	return 0;
}
