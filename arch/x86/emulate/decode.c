/* x86 instruction decoder for MMIO emulation (SDM Vol. 2 chapter 2). */
#include "arch/x86/emulate/decode.h"
#include "arch/x86/regs.h"

/* REX bits (SDM Vol. 2 2.2.1.2). */
#define REX_B 0x1
#define REX_X 0x2
#define REX_R 0x4
#define REX_W 0x8

/* ModRM fields (SDM Vol. 2 2.1.5). */
#define MODRM_MOD(m) (((m) >> 6) & 3)
#define MODRM_REG(m) (((m) >> 3) & 7)
#define MODRM_RM(m)  ((m) & 7)

/* Byte stream with a bound from the caller and the 15-byte limit. */
struct cursor {
	const uint8_t *p;
	unsigned avail;
	unsigned pos;
};

static int peek(const struct cursor *c, uint8_t *b)
{
	if (c->pos >= X86_INSN_MAX_LEN)
		return X86_DECODE_ETOOLONG;
	if (c->pos >= c->avail)
		return X86_DECODE_ETRUNC;
	*b = c->p[c->pos];
	return 0;
}

/* Fetch an n-byte little-endian value, zero-extended. */
static int fetch(struct cursor *c, unsigned n, uint64_t *v)
{
	uint64_t x = 0;

	if (c->pos + n > X86_INSN_MAX_LEN)
		return X86_DECODE_ETOOLONG;
	if (c->pos + n > c->avail)
		return X86_DECODE_ETRUNC;
	for (unsigned i = 0; i < n; i++)
		x |= (uint64_t)c->p[c->pos + i] << (8 * i);
	c->pos += n;
	*v = x;
	return 0;
}

/* Fetch an n-byte value and sign-extend it to 64 bits. */
static int fetch_signed(struct cursor *c, unsigned n, int64_t *v)
{
	uint64_t x;
	int rc = fetch(c, n, &x);

	if (rc)
		return rc;
	if (n < 8 && (x & (1ULL << (8 * n - 1))))
		x |= ~0ULL << (8 * n);
	*v = (int64_t)x;
	return 0;
}

/* Segment-override prefix byte -> enum x86_seg, or -1. */
static int seg_prefix(uint8_t b)
{
	switch (b) {
	case 0x26: return X86_SEG_ES;
	case 0x2e: return X86_SEG_CS;
	case 0x36: return X86_SEG_SS;
	case 0x3e: return X86_SEG_DS;
	case 0x64: return X86_SEG_FS;
	case 0x65: return X86_SEG_GS;
	default: return -1;
	}
}

/* Legacy prefixes (SDM Vol. 2 2.1.1) and REX. A REX byte only counts when
 * it immediately precedes the opcode, so a later legacy prefix drops it. */
static int decode_prefixes(struct cursor *c, enum x86_cpu_mode mode,
			   struct x86_insn *insn)
{
	uint8_t b;
	int rc;

	for (;;) {
		if ((rc = peek(c, &b)))
			return rc;
		if (mode == X86_MODE_LONG64 && (b & 0xf0) == 0x40) {
			insn->rex = b;
			c->pos++;
			continue;
		}
		if (seg_prefix(b) >= 0)
			insn->seg_override = (int8_t)seg_prefix(b);
		else if (b == 0x66)
			insn->opsize_prefix = true;
		else if (b == 0x67)
			insn->addrsize_prefix = true;
		else if (b == 0xf0)
			insn->lock = true;
		else if (b == 0xf2)
			insn->repne = true, insn->rep = false;
		else if (b == 0xf3)
			insn->rep = true, insn->repne = false;
		else
			return 0;
		insn->rex = 0;
		c->pos++;
	}
}

/* Default sizes per mode (SDM Vol. 1 3.6 and Vol. 2 2.2.1.2). */
static void set_sizes(enum x86_cpu_mode mode, struct x86_insn *insn)
{
	bool o = insn->opsize_prefix, a = insn->addrsize_prefix;

	switch (mode) {
	case X86_MODE_LONG64:
		insn->opsize = (insn->rex & REX_W) ? 8 : o ? 2 : 4;
		insn->mem.addr_size = a ? 4 : 8;
		break;
	case X86_MODE_PROT32:
		insn->opsize = o ? 2 : 4;
		insn->mem.addr_size = a ? 2 : 4;
		break;
	default:
		insn->opsize = o ? 4 : 2;
		insn->mem.addr_size = a ? 4 : 2;
		break;
	}
}

/* 16-bit ModRM addressing (SDM Vol. 2 table 2-1). */
static int decode_mem16(struct cursor *c, uint8_t modrm, struct x86_insn *insn)
{
	static const int8_t base[8] = { GPR_RBX, GPR_RBX, GPR_RBP, GPR_RBP,
					-1, -1, GPR_RBP, GPR_RBX };
	static const int8_t index[8] = { GPR_RSI, GPR_RDI, GPR_RSI, GPR_RDI,
					 GPR_RSI, GPR_RDI, -1, -1 };
	unsigned mod = MODRM_MOD(modrm), rm = MODRM_RM(modrm);
	struct x86_mem *m = &insn->mem;

	if (mod == 0 && rm == 6) {
		/* [disp16] alone; the displacement is an unsigned offset. */
		uint64_t d = 0;
		int rc = fetch(c, 2, &d);

		m->disp = (int64_t)d;
		return rc;
	}
	m->base = base[rm];
	m->index = index[rm];
	if (mod == 1)
		return fetch_signed(c, 1, &m->disp);
	if (mod == 2)
		return fetch_signed(c, 2, &m->disp);
	return 0;
}

/* 32/64-bit ModRM + SIB addressing (SDM Vol. 2 tables 2-2, 2-3, 2.2.1.6). */
static int decode_mem32(struct cursor *c, enum x86_cpu_mode mode,
			uint8_t modrm, struct x86_insn *insn)
{
	unsigned mod = MODRM_MOD(modrm), rm = MODRM_RM(modrm);
	unsigned rex_b = (insn->rex & REX_B) ? 8 : 0;
	struct x86_mem *m = &insn->mem;
	uint64_t sib = 0;
	int rc;

	if (rm == 4) {
		if ((rc = fetch(c, 1, &sib)))
			return rc;
		unsigned ss = (sib >> 6) & 3, idx = (sib >> 3) & 7;
		unsigned b = sib & 7;

		idx |= (insn->rex & REX_X) ? 8 : 0;
		if (idx != GPR_RSP) {	/* index 100b without REX.X = none */
			m->index = (int8_t)idx;
			m->scale = (uint8_t)(1u << ss);
		}
		if (b == 5 && mod == 0)	/* no base, disp32 (also for r13) */
			return fetch_signed(c, 4, &m->disp);
		m->base = (int8_t)(b | rex_b);
	} else if (rm == 5 && mod == 0) {
		/* disp32; RIP-relative in 64-bit mode (SDM Vol. 2 2.2.1.6). */
		m->rip_rel = (mode == X86_MODE_LONG64);
		return fetch_signed(c, 4, &m->disp);
	} else {
		m->base = (int8_t)(rm | rex_b);
	}
	if (mod == 1)
		return fetch_signed(c, 1, &m->disp);
	if (mod == 2)
		return fetch_signed(c, 4, &m->disp);
	return 0;
}

/* Map a ModRM.reg / implied register to a GPR, honouring the legacy
 * AH/CH/DH/BH encoding of byte registers 4-7 when there is no REX. */
static void set_reg(struct x86_insn *insn, unsigned reg, unsigned size)
{
	if (size == 1 && !insn->rex && reg >= 4 && reg < 8) {
		insn->reg = (int8_t)(reg - 4);
		insn->reg_high8 = true;
	} else {
		insn->reg = (int8_t)reg;
	}
}

/* Segment defaults: SS for rBP/rSP-based forms, DS otherwise (SDM Vol. 1
 * 3.7.4). In 64-bit mode only FS/GS overrides have an effect. */
static void set_segment(enum x86_cpu_mode mode, struct x86_insn *insn)
{
	struct x86_mem *m = &insn->mem;
	int8_t o = insn->seg_override;

	m->seg = (m->base == GPR_RBP || m->base == GPR_RSP) ? X86_SEG_SS
							    : X86_SEG_DS;
	if (o < 0)
		return;
	if (mode != X86_MODE_LONG64 || o == X86_SEG_FS || o == X86_SEG_GS)
		m->seg = (enum x86_seg)o;
}

/* ModRM byte and memory operand. 'reg_size' > 0 makes ModRM.reg the
 * register operand of that size; 0 means ModRM.reg is an opcode extension. */
static int decode_modrm(struct cursor *c, enum x86_cpu_mode mode,
			unsigned reg_size, struct x86_insn *insn)
{
	uint64_t modrm = 0;
	int rc;

	if ((rc = fetch(c, 1, &modrm)))
		return rc;
	insn->modrm = (uint8_t)modrm;
	if (MODRM_MOD(modrm) == 3)
		return X86_DECODE_EREGFORM;
	if (reg_size)
		set_reg(insn, MODRM_REG(modrm) | ((insn->rex & REX_R) ? 8 : 0),
			reg_size);
	if (insn->mem.addr_size == 2)
		rc = decode_mem16(c, (uint8_t)modrm, insn);
	else
		rc = decode_mem32(c, mode, (uint8_t)modrm, insn);
	if (rc)
		return rc;
	set_segment(mode, insn);
	return 0;
}

/* Immediate of 'n' bytes, sign-extended. */
static int decode_imm(struct cursor *c, unsigned n, struct x86_insn *insn)
{
	insn->has_imm = true;
	insn->imm_size = (uint8_t)n;
	return fetch_signed(c, n, &insn->imm);
}

/* "Iz": 16 bits for 16-bit operands, else 32 (sign-extended for 64). */
static unsigned imm_z(const struct x86_insn *insn)
{
	return insn->opsize == 2 ? 2 : 4;
}

/* String instructions address seg:rSI (source) or ES:rDI (SDM Vol. 1
 * 7.3.9); only the source segment can be overridden. */
static void set_string_mem(enum x86_cpu_mode mode, struct x86_insn *insn,
			   int8_t reg)
{
	struct x86_mem *m = &insn->mem;

	m->base = reg;
	if (reg == GPR_RDI) {
		m->seg = X86_SEG_ES;
		return;
	}
	set_segment(mode, insn);
}

/* 0F xx: MOVZX/MOVSX, and CLFLUSH/CLFLUSHOPT (kernels flush the lines of
 * ioremapped ranges; on device memory it is a no-op). */
static int decode_0f(struct cursor *c, enum x86_cpu_mode mode,
		     struct x86_insn *insn)
{
	uint64_t op = 0;
	int rc;

	if ((rc = fetch(c, 1, &op)))
		return rc;
	insn->two_byte = true;
	insn->opcode = (uint8_t)op;
	switch (op) {
	case 0xae:
		if ((rc = decode_modrm(c, mode, 0, insn)))
			return rc;
		if (MODRM_REG(insn->modrm) != 7)
			return X86_DECODE_EUNSUP;   /* XSAVE, XRSTOR, CLWB, ... */
		insn->op = X86_OP_CLFLUSH;
		insn->opsize = 1;
		return 0;
	case 0xb6: case 0xb7:
		insn->op = X86_OP_MOVZX;
		break;
	case 0xbe: case 0xbf:
		insn->op = X86_OP_MOVSX;
		break;
	default:
		return X86_DECODE_EUNSUP;
	}
	insn->src_size = (op & 1) ? 2 : 1;
	return decode_modrm(c, mode, insn->opsize, insn);
}

/* Group 1 (80-83): ALU r/m, imm. 82 is an alias of 80 outside 64-bit. */
static int decode_group1(struct cursor *c, enum x86_cpu_mode mode,
			 uint8_t op, struct x86_insn *insn)
{
	int rc;

	if (op == 0x82 && mode == X86_MODE_LONG64)
		return X86_DECODE_EUNSUP;
	if (op != 0x81 && op != 0x83)
		insn->opsize = 1;
	insn->mem_is_dst = true;
	if ((rc = decode_modrm(c, mode, 0, insn)))
		return rc;
	insn->op = (enum x86_op)(X86_OP_ADD + MODRM_REG(insn->modrm));
	return decode_imm(c, op == 0x81 ? imm_z(insn) : 1, insn);
}

/* ALU r/m,reg and reg,r/m forms 00-3B: low bit = width, bit 1 = direction. */
static int decode_alu(struct cursor *c, enum x86_cpu_mode mode, uint8_t op,
		      struct x86_insn *insn)
{
	insn->op = (enum x86_op)(X86_OP_ADD + (op >> 3));
	if (!(op & 1))
		insn->opsize = 1;
	insn->mem_is_dst = !(op & 2);
	return decode_modrm(c, mode, insn->opsize, insn);
}

/* A0-A3: MOV between the accumulator and a moffs of address size. */
static int decode_moffs(struct cursor *c, enum x86_cpu_mode mode, uint8_t op,
			struct x86_insn *insn)
{
	uint64_t off = 0;
	int rc;

	insn->op = X86_OP_MOV;
	if (!(op & 1))
		insn->opsize = 1;
	insn->mem_is_dst = (op & 2) != 0;
	insn->reg = GPR_RAX;
	if ((rc = fetch(c, insn->mem.addr_size, &off)))
		return rc;
	insn->mem.disp = (int64_t)off;
	set_segment(mode, insn);
	return 0;
}

/* A4/A5, AA/AB, AC/AD. */
static int decode_string(enum x86_cpu_mode mode, uint8_t op,
			 struct x86_insn *insn)
{
	if (!(op & 1))
		insn->opsize = 1;
	insn->reg = GPR_RAX;
	switch (op & ~1) {
	case 0xa4:
		insn->op = X86_OP_MOVS;
		insn->reg = -1;
		set_string_mem(mode, insn, GPR_RSI);
		break;
	case 0xaa:
		insn->op = X86_OP_STOS;
		insn->mem_is_dst = true;
		set_string_mem(mode, insn, GPR_RDI);
		break;
	default:
		insn->op = X86_OP_LODS;
		set_string_mem(mode, insn, GPR_RSI);
		break;
	}
	return 0;
}

/* C6/C7 /0 (MOV r/m, imm) and F6/F7 /0,/1 (TEST r/m, imm). */
static int decode_group_imm(struct cursor *c, enum x86_cpu_mode mode,
			    uint8_t op, struct x86_insn *insn)
{
	unsigned sub;
	int rc;

	if (!(op & 1))
		insn->opsize = 1;
	insn->mem_is_dst = true;
	if ((rc = decode_modrm(c, mode, 0, insn)))
		return rc;
	sub = MODRM_REG(insn->modrm);
	if ((op & ~1) == 0xc6 && sub == 0)
		insn->op = X86_OP_MOV;
	else if ((op & ~1) == 0xf6 && sub <= 1)	/* /1 is an alias of /0 */
		insn->op = X86_OP_TEST;
	else
		return X86_DECODE_EUNSUP;
	return decode_imm(c, insn->opsize == 1 ? 1 : imm_z(insn), insn);
}

static int decode_opcode(struct cursor *c, enum x86_cpu_mode mode, uint8_t op,
			 struct x86_insn *insn)
{
	if (op < 0x40 && (op & 7) <= 3)
		return decode_alu(c, mode, op, insn);
	switch (op) {
	case 0x0f:
		return decode_0f(c, mode, insn);
	case 0x63:
		/* MOVSXD in 64-bit mode; ARPL elsewhere (not supported). */
		if (mode != X86_MODE_LONG64)
			return X86_DECODE_EUNSUP;
		insn->op = insn->opsize == 8 ? X86_OP_MOVSX : X86_OP_MOV;
		insn->src_size = insn->opsize == 8 ? 4 : insn->opsize;
		return decode_modrm(c, mode, insn->opsize, insn);
	case 0x80: case 0x81: case 0x82: case 0x83:
		return decode_group1(c, mode, op, insn);
	case 0x84: case 0x85: case 0x86: case 0x87:
	case 0x88: case 0x89: case 0x8a: case 0x8b:
		insn->op = op < 0x86 ? X86_OP_TEST :
			   op < 0x88 ? X86_OP_XCHG : X86_OP_MOV;
		if (!(op & 1))
			insn->opsize = 1;
		insn->mem_is_dst = op < 0x8a;
		return decode_modrm(c, mode, insn->opsize, insn);
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		return decode_moffs(c, mode, op, insn);
	case 0xa4: case 0xa5: case 0xaa: case 0xab: case 0xac: case 0xad:
		return decode_string(mode, op, insn);
	case 0xc6: case 0xc7: case 0xf6: case 0xf7:
		return decode_group_imm(c, mode, op, insn);
	default:
		return X86_DECODE_EUNSUP;
	}
}

/* LOCK is legal only on read-modify-write memory forms (SDM Vol. 2 LOCK);
 * anything else raises #UD on hardware and never reaches us. */
static bool lock_ok(const struct x86_insn *insn)
{
	if (insn->op == X86_OP_XCHG)
		return true;
	return insn->op >= X86_OP_ADD && insn->op < X86_OP_CMP &&
	       insn->mem_is_dst;
}

int x86_decode(const uint8_t *bytes, unsigned avail, enum x86_cpu_mode mode,
	       struct x86_insn *out)
{
	struct cursor c = { bytes, avail, 0 };
	uint8_t op;
	int rc;

	if (!bytes || !out || mode > X86_MODE_LONG64)
		return X86_DECODE_EINVAL;
	memset(out, 0, sizeof(*out));
	out->reg = -1;
	out->seg_override = -1;
	out->mem.base = -1;
	out->mem.index = -1;
	out->mem.scale = 1;
	out->mem.seg = X86_SEG_DS;

	if ((rc = decode_prefixes(&c, mode, out)))
		return rc;
	set_sizes(mode, out);
	if ((rc = peek(&c, &op)))
		return rc;
	c.pos++;
	out->opcode = op;
	if ((rc = decode_opcode(&c, mode, op, out)))
		return rc;
	if (!out->src_size)
		out->src_size = out->opsize;
	if (out->lock && !lock_ok(out))
		return X86_DECODE_ELOCK;
	out->length = (uint8_t)c.pos;
	return 0;
}

const char *x86_op_name(enum x86_op op)
{
	static const char *const names[X86_OP_COUNT] = {
		[X86_OP_INVALID] = "(bad)",
		[X86_OP_ADD] = "add", [X86_OP_OR] = "or",
		[X86_OP_ADC] = "adc", [X86_OP_SBB] = "sbb",
		[X86_OP_AND] = "and", [X86_OP_SUB] = "sub",
		[X86_OP_XOR] = "xor", [X86_OP_CMP] = "cmp",
		[X86_OP_MOV] = "mov", [X86_OP_MOVZX] = "movzx",
		[X86_OP_MOVSX] = "movsx", [X86_OP_TEST] = "test",
		[X86_OP_XCHG] = "xchg", [X86_OP_MOVS] = "movs",
		[X86_OP_STOS] = "stos", [X86_OP_LODS] = "lods",
		[X86_OP_CLFLUSH] = "clflush",
	};

	if ((unsigned)op >= X86_OP_COUNT || !names[op])
		return "???";
	return names[op];
}

int x86_insn_bytes_str(const uint8_t *bytes, unsigned len, char *buf,
		       size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (!buf || size == 0)
		return -1;
	for (unsigned i = 0; bytes && i < len; i++) {
		size_t need = (i ? 3 : 2);

		if (n + need + 1 > size)
			break;
		if (i)
			buf[n++] = ' ';
		buf[n++] = hex[bytes[i] >> 4];
		buf[n++] = hex[bytes[i] & 0xf];
	}
	buf[n] = '\0';
	return (int)n;
}
