/* The MMIO instruction decoder on arbitrary bytes, in every CPU mode.
 * Checks: a decoded length is 1..15 and within the bytes given (the input
 * is a heap copy of exactly 'avail' bytes, so ASan catches any read past
 * them); decoding is prefix-closed (the first 'length' bytes alone decode
 * to the same instruction, and fewer bytes never decode); every field is
 * in its range; x86_insn_bytes_str() stays within its buffer.
 * FUZZ-DEPS: arch/x86/emulate/decode.c */
#include "tests/fuzz/fuzz.h"
#include "arch/x86/emulate/decode.h"
#include "arch/x86/regs.h"

static bool size_ok(unsigned s)
{
	return s == 1 || s == 2 || s == 4 || s == 8;
}

static void check_fields(const struct x86_insn *in, enum x86_cpu_mode mode)
{
	int nregs = mode == X86_MODE_LONG64 ? 16 : 8;
	const struct x86_mem *m = &in->mem;

	FUZZ_CHECK(in->op > X86_OP_INVALID && in->op < X86_OP_COUNT, "op %d", in->op);
	FUZZ_CHECK(size_ok(in->opsize) && size_ok(in->src_size), "sizes %u/%u",
		   in->opsize, in->src_size);
	FUZZ_CHECK(in->src_size <= in->opsize, "src %u > op %u", in->src_size, in->opsize);
	FUZZ_CHECK(mode == X86_MODE_LONG64 || in->opsize <= 4, "opsize %u", in->opsize);
	FUZZ_CHECK(m->addr_size == 2 || m->addr_size == 4 || m->addr_size == 8,
		   "addr_size %u", m->addr_size);
	FUZZ_CHECK(mode == X86_MODE_LONG64 ? m->addr_size >= 4 : m->addr_size <= 4,
		   "addr_size %u in mode %d", m->addr_size, mode);
	FUZZ_CHECK(m->base >= -1 && m->base < nregs, "base %d", m->base);
	FUZZ_CHECK(m->index >= -1 && m->index < nregs && m->index != GPR_RSP,
		   "index %d", m->index);
	FUZZ_CHECK(m->scale == 1 || m->scale == 2 || m->scale == 4 || m->scale == 8,
		   "scale %u", m->scale);
	FUZZ_CHECK(m->seg <= X86_SEG_GS, "seg %d", m->seg);
	FUZZ_CHECK(!m->rip_rel || (mode == X86_MODE_LONG64 && m->base < 0 && m->index < 0),
		   "rip_rel");
	FUZZ_CHECK(in->reg >= -1 && in->reg < nregs, "reg %d", in->reg);
	FUZZ_CHECK(!in->reg_high8 || (in->reg >= 0 && in->reg < 4 && in->opsize == 1 && !in->rex),
		   "high8 reg %d", in->reg);
	FUZZ_CHECK(!in->has_imm || in->imm_size == 1 || in->imm_size == 2 || in->imm_size == 4,
		   "imm_size %u", in->imm_size);
	FUZZ_CHECK(in->has_imm || in->imm == 0, "imm without has_imm");
	FUZZ_CHECK(in->seg_override >= -1 && in->seg_override <= X86_SEG_GS, "override");
	FUZZ_CHECK(!in->lock || in->op == X86_OP_XCHG ||
		   (in->op >= X86_OP_ADD && in->op < X86_OP_CMP && in->mem_is_dst),
		   "lock on %s", x86_op_name(in->op));
	/* the register operand or immediate the emulator needs is there */
	FUZZ_CHECK(in->reg >= 0 || in->has_imm || in->op == X86_OP_MOVS ||
		   in->op == X86_OP_CLFLUSH, "%s without a second operand", x86_op_name(in->op));
	FUZZ_CHECK(in->op != X86_OP_CLFLUSH || (in->reg < 0 && !in->has_imm && in->two_byte &&
						in->opcode == 0xae && ((in->modrm >> 3) & 7) == 7),
		   "clflush");
}

static void check_bytes_str(const uint8_t *b, unsigned len, size_t size)
{
	char *buf = malloc(size ? size : 1);
	int n;

	if (!buf)
		abort();
	n = x86_insn_bytes_str(b, len, buf, size);
	if (size == 0) {
		FUZZ_CHECK(n == -1, "size 0 gave %d", n);
	} else {
		FUZZ_CHECK(n >= 0 && (size_t)n < size && strlen(buf) == (size_t)n,
			   "bytes_str %d for size %zu", n, size);
		FUZZ_CHECK(n <= (int)len * 3, "bytes_str %d chars for %u bytes", n, len);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in_init(data, size);
	enum x86_cpu_mode mode = (enum x86_cpu_mode)(fuzz_u8(&in) & 3);
	size_t avail;
	const uint8_t *bytes = fuzz_bytes(&in, 32, &avail);
	uint8_t *copy = fuzz_dup(bytes, avail);
	struct x86_insn insn, again;
	int rc = x86_decode(copy, (unsigned)avail, mode, &insn);

	FUZZ_CHECK(rc <= 0 && rc >= X86_DECODE_EREGFORM, "rc %d", rc);
	if (rc == 0) {
		FUZZ_CHECK(insn.length >= 1 && insn.length <= X86_INSN_MAX_LEN &&
			   insn.length <= avail, "length %u of %zu", insn.length, avail);
		check_fields(&insn, mode);
		/* the instruction's own bytes decode alone, to the same thing */
		uint8_t *exact = fuzz_dup(copy, insn.length);
		FUZZ_CHECK(x86_decode(exact, insn.length, mode, &again) == 0 &&
			   memcmp(&insn, &again, sizeof(insn)) == 0, "not prefix-closed");
		FUZZ_CHECK(x86_decode(exact, insn.length - 1u, mode, &again) ==
			   X86_DECODE_ETRUNC, "decodes with a byte missing");
		free(exact);
		check_bytes_str(copy, insn.length, fuzz_range(&in, 64));
	} else if (rc == X86_DECODE_ETRUNC) {
		FUZZ_CHECK(avail < X86_INSN_MAX_LEN, "ETRUNC with %zu bytes", avail);
	}
	FUZZ_CHECK(x86_op_name((enum x86_op)fuzz_u8(&in)) != NULL, "op name");
	free(copy);
	return 0;
}
