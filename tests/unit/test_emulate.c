/* MMIO instruction emulation against a fake device and fake RAM.
 * Expected flags were cross-checked against real x86-64 hardware.
 * UNIT-DEPS: arch/x86/emulate/decode.c arch/x86/emulate/emulate.c */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "arch/x86/emulate/emulate.h"

#define MMIO_BASE 0xfee00000ULL
#define MMIO_SIZE 0x100
#define RAM_SIZE  0x10000	/* RAM at GPA 0 */
#define BAD_OFFSET 0xdead0000ULL	/* translate() faults on this */

#define CF X86_RFLAGS_CF
#define PF X86_RFLAGS_PF
#define AF X86_RFLAGS_AF
#define ZF X86_RFLAGS_ZF
#define SF X86_RFLAGS_SF
#define OF X86_RFLAGS_OF

struct fake {
	uint8_t mmio[MMIO_SIZE];
	uint8_t ram[RAM_SIZE];
	uint64_t seg_base[6];
	unsigned reads, writes;
	uint64_t last_gpa;
	unsigned last_size;
	bool fail_read, fail_write;
	char log[16];		/* 'r'/'w' order of accesses */
};

static uint8_t *locate(struct fake *f, uint64_t gpa, unsigned size)
{
	if (gpa >= MMIO_BASE && gpa + size <= MMIO_BASE + MMIO_SIZE)
		return &f->mmio[gpa - MMIO_BASE];
	if (gpa + size <= RAM_SIZE)
		return &f->ram[gpa];
	return NULL;
}

static void logc(struct fake *f, char c)
{
	size_t n = strlen(f->log);

	if (n + 1 < sizeof(f->log))
		f->log[n] = c;
}

static int f_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	struct fake *f = ctx;
	uint8_t *p = locate(f, gpa, size);

	if (f->fail_read || !p)
		return -1;
	*val = 0;
	for (unsigned i = 0; i < size; i++)
		*val |= (uint64_t)p[i] << (8 * i);
	f->reads++;
	f->last_gpa = gpa;
	f->last_size = size;
	logc(f, 'r');
	return 0;
}

static int f_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	struct fake *f = ctx;
	uint8_t *p = locate(f, gpa, size);

	if (f->fail_write || !p)
		return -1;
	for (unsigned i = 0; i < size; i++)
		p[i] = (uint8_t)(val >> (8 * i));
	f->writes++;
	f->last_gpa = gpa;
	f->last_size = size;
	logc(f, 'w');
	return 0;
}

static int f_translate(void *ctx, enum x86_seg seg, uint64_t off, bool write,
		       uint64_t *gpa)
{
	struct fake *f = ctx;

	(void)write;
	if (off == BAD_OFFSET)
		return -14;
	*gpa = f->seg_base[seg] + off;
	return 0;
}

static struct fake F;
static struct x86_emu_ops OPS = { &F, f_translate, f_read, f_write };

static int setup(void **state)
{
	(void)state;
	memset(&F, 0, sizeof(F));
	return 0;
}

static void put(uint64_t gpa, unsigned size, uint64_t v)
{
	uint8_t *p = locate(&F, gpa, size);

	assert_non_null(p);
	for (unsigned i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(uint64_t gpa, unsigned size)
{
	uint8_t *p = locate(&F, gpa, size);
	uint64_t v = 0;

	assert_non_null(p);
	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Decode 'b' and emulate it against MMIO_BASE + off. */
static int emu(const uint8_t *b, unsigned n, enum x86_cpu_mode mode,
	       struct x86_regs *r, uint64_t off)
{
	struct x86_insn in;

	assert_int_equal(x86_decode(b, n, mode, &in), 0);
	return x86_emulate_mmio(&in, mode, r, MMIO_BASE + off, &OPS);
}
#define EMU(mode, r, off, ...) \
	emu((const uint8_t[]){ __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ }), mode, r, off)

static void test_mov_loads(void **state)
{
	struct x86_regs r = { 0 };

	(void)state;
	put(MMIO_BASE, 8, 0x8877665512345678ULL);
	r.gpr[GPR_RAX] = ~0ULL;
	r.rip = 0x1000;
	/* mov eax,[rip+x]: 32-bit load zero-extends in long mode */
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 0, 0x8b, 0x05, 0, 0, 0, 0), 0);
	assert_int_equal(r.gpr[GPR_RAX], 0x12345678);
	assert_int_equal(r.rip, 0x1006);
	assert_int_equal(F.last_size, 4);
	assert_int_equal(F.last_gpa, MMIO_BASE);

	/* mov cx,[rax]: 16-bit merge */
	r.gpr[GPR_RCX] = 0xaaaaaaaaaaaaaaaaULL;
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 0, 0x66, 0x8b, 0x08), 0);
	assert_int_equal(r.gpr[GPR_RCX], 0xaaaaaaaaaaaa5678ULL);

	/* mov bh,[rsi] then mov dl,[rax]: 8-bit merges, high byte */
	r.gpr[GPR_RBX] = 0x1111111111111111ULL;
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 1, 0x8a, 0x3e), 0);
	assert_int_equal(r.gpr[GPR_RBX], 0x1111111111115611ULL);
	r.gpr[GPR_RDX] = 0x2222222222222222ULL;
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 0, 0x8a, 0x10), 0);
	assert_int_equal(r.gpr[GPR_RDX], 0x2222222222222278ULL);

	/* mov rax,[rax] full 64 */
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 0, 0x48, 0x8b, 0x00), 0);
	assert_int_equal(r.gpr[GPR_RAX], 0x8877665512345678ULL);

	/* mov r9d,[rax]: REX.R register */
	r.gpr[GPR_R9] = ~0ULL;
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 4, 0x44, 0x8b, 0x08), 0);
	assert_int_equal(r.gpr[GPR_R9], 0x88776655);

	/* 32-bit mode: 32-bit load leaves the (invisible) upper half */
	r.gpr[GPR_RAX] = 0xdeadbeef00000000ULL;
	r.rip = 0xfffffffe;
	assert_int_equal(EMU(X86_MODE_PROT32, &r, 0, 0x8b, 0x00), 0);
	assert_int_equal(r.gpr[GPR_RAX], 0xdeadbeef12345678ULL);
	assert_int_equal(r.rip, 0);	/* EIP wraps */

	/* real mode: IP wraps at 64K */
	r.rip = 0xffff;
	assert_int_equal(EMU(X86_MODE_REAL16, &r, 0, 0x8b, 0x07), 0);
	assert_int_equal(r.rip, 1);
	assert_int_equal(r.gpr[GPR_RAX] & 0xffff, 0x5678);
}

static void test_mov_stores(void **state)
{
	struct x86_regs r = { 0 };

	(void)state;
	r.gpr[GPR_RCX] = 0x1122334455667788ULL;
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 0, 0x89, 0x08), 0);
	assert_int_equal(F.last_size, 4);
	assert_int_equal(get(MMIO_BASE, 8), 0x55667788);
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 8, 0x48, 0x89, 0x08), 0);
	assert_int_equal(get(MMIO_BASE + 8, 8), 0x1122334455667788ULL);
	/* mov [rax],ch (no REX) vs mov [rax],bpl (REX) */
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 16, 0x88, 0x28), 0);
	assert_int_equal(get(MMIO_BASE + 16, 1), 0x77);
	r.gpr[GPR_RBP] = 0x99;
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 17, 0x40, 0x88, 0x28), 0);
	assert_int_equal(get(MMIO_BASE + 17, 1), 0x99);
	/* immediates: byte, sign-extended qword, word */
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 20, 0xc6, 0x00, 0xab), 0);
	assert_int_equal(get(MMIO_BASE + 20, 2), 0x00ab);
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 24, 0x48, 0xc7, 0x00, 0xfe, 0xff, 0xff, 0xff), 0);
	assert_int_equal(get(MMIO_BASE + 24, 8), 0xfffffffffffffffeULL);
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 32, 0x66, 0xc7, 0x00, 0x34, 0x12), 0);
	assert_int_equal(F.last_size, 2);
	assert_int_equal(get(MMIO_BASE + 32, 4), 0x1234);
	/* moffs: mov [moffs],al */
	r.gpr[GPR_RAX] = 0x5a;
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 40, 0xa2, 0x28, 0, 0xe0, 0xfe, 0, 0, 0, 0), 0);
	assert_int_equal(get(MMIO_BASE + 40, 1), 0x5a);
	assert_int_equal(F.last_size, 1);
	assert_int_equal(r.rip, 3 + 2 + 2 + 3 + 3 + 7 + 5 + 9);
}

static void test_extensions(void **state)
{
	struct x86_regs r = { 0 };

	(void)state;
	put(MMIO_BASE, 4, 0x80000080);
	r.gpr[GPR_RCX] = ~0ULL;
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 0, 0x0f, 0xbe, 0x08), 0);	/* movsx ecx,byte */
	assert_int_equal(r.gpr[GPR_RCX], 0xffffff80ULL);
	assert_int_equal(F.last_size, 1);
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 0, 0x48, 0x0f, 0xbe, 0x08), 0);	/* movsx rcx,byte */
	assert_int_equal(r.gpr[GPR_RCX], 0xffffffffffffff80ULL);
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 0, 0x0f, 0xb6, 0x08), 0);	/* movzx ecx,byte */
	assert_int_equal(r.gpr[GPR_RCX], 0x80);
	r.gpr[GPR_RCX] = ~0ULL;
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 2, 0x66, 0x0f, 0xb6, 0x08), 0);	/* movzx cx,byte */
	assert_int_equal(r.gpr[GPR_RCX], 0xffffffffffff0000ULL);
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 2, 0x0f, 0xbf, 0x08), 0);	/* movsx ecx,word */
	assert_int_equal(r.gpr[GPR_RCX], 0xffff8000ULL);
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 0, 0x48, 0x63, 0x08), 0);	/* movsxd */
	assert_int_equal(r.gpr[GPR_RCX], 0xffffffff80000080ULL);
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 0, 0x48, 0x0f, 0xb7, 0x08), 0);	/* movzx rcx,word */
	assert_int_equal(r.gpr[GPR_RCX], 0x80);
}

/* One ALU case: mem op reg at 'size', memory is the destination. */
struct alu_case {
	uint8_t opc;		/* the 8-bit r/m,reg opcode: 00 add, 38 cmp... */
	unsigned size;
	uint64_t a, b;
	bool cin;
	uint64_t res;		/* value left in memory */
	uint64_t flags;
};

static const struct alu_case alu_cases[] = {
	{ 0x00, 4, 0xffffffff, 1, 0, 0, CF | PF | AF | ZF },
	{ 0x00, 4, 0x7fffffff, 1, 0, 0x80000000, OF | SF | AF | PF },
	{ 0x00, 1, 0x80, 0x80, 0, 0, CF | OF | ZF | PF },
	{ 0x00, 8, 1ULL << 63, 1ULL << 63, 0, 0, CF | OF | ZF | PF },
	{ 0x00, 2, 0x1234, 0x1111, 0, 0x2345, 0 },
	{ 0x00, 1, 0x0f, 0x01, 0, 0x10, AF },
	{ 0x28, 4, 0, 1, 0, 0xffffffff, CF | SF | PF | AF },
	{ 0x28, 4, 0x80000000, 1, 0, 0x7fffffff, OF | AF | PF },
	{ 0x28, 1, 5, 5, 0, 0, ZF | PF },
	{ 0x28, 8, 1, 2, 0, ~0ULL, CF | SF | PF | AF },
	{ 0x38, 4, 3, 5, 0, 3, CF | AF | SF },	/* cmp: memory untouched */
	{ 0x20, 4, 0xf0f0f0f0, 0x0f0f0f0f, 1, 0, ZF | PF },	/* and clears CF */
	{ 0x20, 1, 0x80, 0xff, 0, 0x80, SF },
	{ 0x08, 2, 0x8000, 1, 0, 0x8001, SF },
	{ 0x30, 8, 0x123456789ULL, 0x123456789ULL, 0, 0, ZF | PF },
	{ 0x10, 4, 0xffffffff, 0, 1, 0, CF | ZF | PF | AF },	/* adc */
	{ 0x10, 8, 0x7fffffffffffffffULL, 0, 1, 1ULL << 63, OF | SF | PF | AF },
	{ 0x18, 1, 0, 0, 1, 0xff, CF | SF | PF | AF },	/* sbb */
	{ 0x18, 2, 0x8000, 0x7fff, 1, 0, OF | ZF | PF | AF },
	{ 0x84, 4, 0x100, 0x100, 0, 0x100, PF },	/* test */
};

static void test_alu_flags(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(alu_cases); i++) {
		const struct alu_case *c = &alu_cases[i];
		struct x86_regs r = { 0 };
		uint8_t b[4];
		unsigned n = 0;

		if (c->size == 2)
			b[n++] = 0x66;
		if (c->size == 8)
			b[n++] = 0x48;
		b[n++] = (uint8_t)(c->opc | (c->size > 1));
		b[n++] = 0x08;		/* [rax], ecx */
		memset(F.mmio, 0xcc, sizeof(F.mmio));
		put(MMIO_BASE, c->size, c->a);
		r.gpr[GPR_RCX] = c->b;
		/* stale arithmetic flags must all be replaced; DF/IF kept */
		r.rflags = X86_RFLAGS_FIXED | X86_RFLAGS_IF | X86_RFLAGS_DF |
			   (c->cin ? CF : 0) | (c->cin ? (OF | AF) : (ZF | SF));
		print_message("  case %zu\n", i);
		assert_int_equal(emu(b, n, X86_MODE_LONG64, &r, 0), 0);
		assert_int_equal(get(MMIO_BASE, c->size), c->res);
		assert_int_equal(r.rflags, X86_RFLAGS_FIXED | X86_RFLAGS_IF |
				 X86_RFLAGS_DF | c->flags);
		assert_int_equal(r.rip, n);
		if (c->size < 8)	/* no write past the operand */
			assert_int_equal(F.mmio[c->size], 0xcc);
	}
}

static void test_alu_forms(void **state)
{
	struct x86_regs r = { 0 };

	(void)state;
	/* cmp and test never write memory */
	put(MMIO_BASE, 4, 7);
	r.gpr[GPR_RCX] = 7;
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 0, 0x39, 0x08), 0);
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 0, 0x85, 0x08), 0);
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 0, 0x3b, 0x08), 0);	/* cmp ecx,[rax] */
	assert_int_equal(F.writes, 0);
	assert_int_equal(r.gpr[GPR_RCX], 7);
	assert_true(r.rflags & ZF);

	/* add ecx,[rax]: register destination, zero-extended */
	r.gpr[GPR_RCX] = 0xffffffff00000001ULL;
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 0, 0x03, 0x08), 0);
	assert_int_equal(r.gpr[GPR_RCX], 8);
	assert_int_equal(F.writes, 0);

	/* sub ah,[rax] (8-bit reg dst, high byte) */
	r.gpr[GPR_RAX] = 0x1234;
	put(MMIO_BASE, 1, 0x13);
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 0, 0x2a, 0x20), 0);
	assert_int_equal(r.gpr[GPR_RAX], 0xff34);
	assert_true(r.rflags & CF);

	/* or dword [rax],0x80 (83 /1 imm8 sign-extended, positive) */
	put(MMIO_BASE, 4, 0x11);
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 0, 0x83, 0x08, 0x80), 0);
	assert_int_equal(get(MMIO_BASE, 4), 0xffffff91);	/* imm8 0x80 = -128 */
	/* and dword [rax],-16 */
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 0, 0x83, 0x20, 0xf0), 0);
	assert_int_equal(get(MMIO_BASE, 4), 0xffffff90);
	assert_int_equal(F.log[0], 'r');
	/* test dword [rax],0x10 (F7 /0): ZF */
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 0, 0xf7, 0x00, 0x01, 0, 0, 0), 0);
	assert_true(r.rflags & ZF);
	/* cmp byte [rax],0x90 in real mode */
	put(MMIO_BASE, 1, 0x90);
	assert_int_equal(EMU(X86_MODE_REAL16, &r, 0, 0x80, 0x3f, 0x90), 0);
	assert_true(r.rflags & ZF);
	/* lock add: read-modify-write order */
	memset(F.log, 0, sizeof(F.log));
	put(MMIO_BASE, 4, 1);
	r.gpr[GPR_RCX] = 2;
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 0, 0xf0, 0x01, 0x08), 0);
	assert_string_equal(F.log, "rw");
	assert_int_equal(get(MMIO_BASE, 4), 3);
}

static void test_xchg(void **state)
{
	struct x86_regs r = { 0 };

	(void)state;
	put(MMIO_BASE, 4, 0xaabbccdd);
	r.gpr[GPR_RCX] = 0xffffffff11223344ULL;
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 0, 0x87, 0x08), 0);
	assert_string_equal(F.log, "rw");
	assert_int_equal(get(MMIO_BASE, 4), 0x11223344);
	assert_int_equal(r.gpr[GPR_RCX], 0xaabbccdd);	/* zero-extended */
	/* xchg [rax],dh */
	r.gpr[GPR_RDX] = 0x5500;
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 0, 0x86, 0x30), 0);
	assert_int_equal(r.gpr[GPR_RDX], 0x4400);
	assert_int_equal(get(MMIO_BASE, 4), 0x11223355);
	assert_int_equal(r.rip, 4);
}

/* CLFLUSH of device memory: no access at all, RIP moves on. */
static void test_clflush(void **state)
{
	struct x86_regs r = { 0 };

	(void)state;
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 0, 0x0f, 0xae, 0x38), 0);
	assert_string_equal(F.log, "");
	assert_int_equal(r.rip, 3);
}

static void test_rep_stos(void **state)
{
	struct x86_regs r = { 0 };
	const uint8_t rep_stosd[] = { 0xf3, 0xab };
	struct x86_insn in;

	(void)state;
	assert_int_equal(x86_decode(rep_stosd, 2, X86_MODE_LONG64, &in), 0);
	r.gpr[GPR_RAX] = 0xcafebabe;
	r.gpr[GPR_RCX] = 3;
	r.gpr[GPR_RDI] = 0x100;
	r.rip = 0x500;
	for (unsigned i = 0; i < 3; i++) {
		uint64_t gpa = MMIO_BASE + 4 * i;

		assert_int_equal(r.gpr[GPR_RDI], 0x100 + 4 * i);
		assert_int_equal(x86_emulate_mmio(&in, X86_MODE_LONG64, &r, gpa, &OPS), 0);
		assert_int_equal(get(gpa, 4), 0xcafebabe);
		assert_int_equal(r.gpr[GPR_RCX], 2 - i);
		assert_int_equal(r.rip, i < 2 ? 0x500 : 0x502);
	}
	assert_int_equal(r.gpr[GPR_RDI], 0x10c);
	/* rCX == 0: nothing written, RIP advanced */
	r.rip = 0x500;
	assert_int_equal(x86_emulate_mmio(&in, X86_MODE_LONG64, &r, MMIO_BASE, &OPS), 0);
	assert_int_equal(F.writes, 3);
	assert_int_equal(r.rip, 0x502);

	/* DF=1 walks down; stosb without REP advances RIP at once */
	r.rflags = X86_RFLAGS_DF;
	r.gpr[GPR_RDI] = 0x100;
	r.gpr[GPR_RCX] = 9;
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 0x20, 0xaa), 0);
	assert_int_equal(r.gpr[GPR_RDI], 0xff);
	assert_int_equal(r.gpr[GPR_RCX], 9);
	assert_int_equal(get(MMIO_BASE + 0x20, 1), 0xbe);
	assert_int_equal(r.rip, 0x503);
}

static void test_rep_movs(void **state)
{
	struct x86_regs r = { 0 };
	const uint8_t rep_movsw[] = { 0xf3, 0xa5 };
	struct x86_insn in;

	(void)state;
	/* real mode: DS base 0xfee00000 (MMIO), ES base 0 (RAM); copy 2
	 * words from MMIO to RAM; SI wraps at 64K and merges */
	F.seg_base[X86_SEG_DS] = MMIO_BASE - 0xfffe;
	put(MMIO_BASE, 4, 0x22221111);
	assert_int_equal(x86_decode(rep_movsw, 2, X86_MODE_REAL16, &in), 0);
	r.gpr[GPR_RSI] = 0xabcd0000fffeULL;
	r.gpr[GPR_RDI] = 0x200;
	r.gpr[GPR_RCX] = 0x77770002;
	assert_int_equal(x86_emulate_mmio(&in, X86_MODE_REAL16, &r, 0, &OPS), 0);
	assert_int_equal(get(0x200, 2), 0x1111);
	assert_int_equal(r.gpr[GPR_RSI], 0xabcd00000000ULL);
	assert_int_equal(r.gpr[GPR_RDI], 0x202);
	assert_int_equal(r.gpr[GPR_RCX], 0x77770001);
	assert_int_equal(r.rip, 0);
	F.seg_base[X86_SEG_DS] = MMIO_BASE + 2;	/* SI now 0 */
	assert_int_equal(x86_emulate_mmio(&in, X86_MODE_REAL16, &r, 0, &OPS), 0);
	assert_int_equal(get(0x202, 2), 0x2222);
	assert_int_equal(r.gpr[GPR_RCX], 0x77770000);
	assert_int_equal(r.rip, 2);

	/* 64-bit, 67 prefix: ECX/ESI/EDI, writes zero-extend; DF=1 */
	const uint8_t movsd32[] = { 0x67, 0xf3, 0xa5 };
	F.seg_base[X86_SEG_DS] = 0;
	put(0x300, 4, 0x600d600d);
	assert_int_equal(x86_decode(movsd32, 3, X86_MODE_LONG64, &in), 0);
	memset(&r, 0, sizeof(r));
	r.rflags = X86_RFLAGS_DF;
	r.gpr[GPR_RSI] = 0xffffffff00000300ULL;
	r.gpr[GPR_RDI] = 0xffffffff00000000ULL + (MMIO_BASE + 0x10);
	r.gpr[GPR_RCX] = 0xffffffff00000001ULL;
	assert_int_equal(x86_emulate_mmio(&in, X86_MODE_LONG64, &r, 0, &OPS), 0);
	assert_int_equal(get(MMIO_BASE + 0x10, 4), 0x600d600d);
	assert_int_equal(r.gpr[GPR_RSI], 0x2fc);
	assert_int_equal(r.gpr[GPR_RDI], MMIO_BASE + 0xc);
	assert_int_equal(r.gpr[GPR_RCX], 0);
	assert_int_equal(r.rip, 3);
}

static void test_lods(void **state)
{
	struct x86_regs r = { 0 };

	(void)state;
	put(MMIO_BASE, 2, 0xbeef);
	r.gpr[GPR_RAX] = 0x1111111111111111ULL;
	r.gpr[GPR_RSI] = 0x40;
	assert_int_equal(EMU(X86_MODE_LONG64, &r, 0, 0x66, 0xad), 0);
	assert_int_equal(r.gpr[GPR_RAX], 0x111111111111beefULL);
	assert_int_equal(r.gpr[GPR_RSI], 0x42);
	assert_int_equal(r.rip, 2);
}

static void test_failures(void **state)
{
	struct x86_regs r = { 0 }, saved;
	struct x86_insn in;
	const uint8_t xchg[] = { 0x87, 0x08 };
	const uint8_t movsb[] = { 0xa4 };

	(void)state;
	r.gpr[GPR_RCX] = 5;
	r.rip = 0x100;
	saved = r;
	assert_int_equal(x86_decode(xchg, 2, X86_MODE_LONG64, &in), 0);
	F.fail_read = true;
	assert_int_equal(x86_emulate_mmio(&in, X86_MODE_LONG64, &r, MMIO_BASE, &OPS), X86_EMU_EREAD);
	assert_memory_equal(&r, &saved, sizeof(r));
	F.fail_read = false;
	F.fail_write = true;
	assert_int_equal(x86_emulate_mmio(&in, X86_MODE_LONG64, &r, MMIO_BASE, &OPS), X86_EMU_EWRITE);
	assert_memory_equal(&r, &saved, sizeof(r));
	F.fail_write = false;

	/* MOVS with a faulting source translation */
	assert_int_equal(x86_decode(movsb, 1, X86_MODE_LONG64, &in), 0);
	r.gpr[GPR_RSI] = BAD_OFFSET;
	saved = r;
	assert_int_equal(x86_emulate_mmio(&in, X86_MODE_LONG64, &r, 0, &OPS), X86_EMU_ETRANSLATE);
	assert_memory_equal(&r, &saved, sizeof(r));
	struct x86_emu_ops no_tr = OPS;
	no_tr.translate = NULL;
	assert_int_equal(x86_emulate_mmio(&in, X86_MODE_LONG64, &r, 0, &no_tr), X86_EMU_EINVAL);

	/* bad arguments / malformed insn */
	assert_int_equal(x86_emulate_mmio(NULL, X86_MODE_LONG64, &r, 0, &OPS), X86_EMU_EINVAL);
	assert_int_equal(x86_emulate_mmio(&in, X86_MODE_LONG64, &r, 0, NULL), X86_EMU_EINVAL);
	in.op = X86_OP_INVALID;
	assert_int_equal(x86_emulate_mmio(&in, X86_MODE_LONG64, &r, 0, &OPS), X86_EMU_EUNSUP);
	assert_int_equal(x86_decode(xchg, 2, X86_MODE_LONG64, &in), 0);
	in.opsize = 3;
	assert_int_equal(x86_emulate_mmio(&in, X86_MODE_LONG64, &r, 0, &OPS), X86_EMU_EUNSUP);
	assert_int_equal(x86_decode(xchg, 2, X86_MODE_LONG64, &in), 0);
	in.reg = -1;
	assert_int_equal(x86_emulate_mmio(&in, X86_MODE_LONG64, &r, 0, &OPS), X86_EMU_EUNSUP);
	assert_memory_equal(&r, &saved, sizeof(r));
	assert_int_equal(F.writes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_mov_loads, setup),
		cmocka_unit_test_setup(test_mov_stores, setup),
		cmocka_unit_test_setup(test_extensions, setup),
		cmocka_unit_test_setup(test_alu_flags, setup),
		cmocka_unit_test_setup(test_alu_forms, setup),
		cmocka_unit_test_setup(test_xchg, setup),
		cmocka_unit_test_setup(test_clflush, setup),
		cmocka_unit_test_setup(test_rep_stos, setup),
		cmocka_unit_test_setup(test_rep_movs, setup),
		cmocka_unit_test_setup(test_lods, setup),
		cmocka_unit_test_setup(test_failures, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
