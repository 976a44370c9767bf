/* Table-driven tests for the MMIO instruction decoder.
 * UNIT-DEPS: arch/x86/emulate/decode.c arch/x86/emulate/emulate.c */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "arch/x86/emulate/decode.h"
#include "arch/x86/emulate/emulate.h"

#define BYTES(...) .b = { __VA_ARGS__ }, .n = sizeof((uint8_t[]){ __VA_ARGS__ })
#define MEM(s, bs, ix, sc, as, d) .m = { X86_SEG_##s, bs, ix, sc, as, false, d }
#define RIPREL(as, d) .m = { X86_SEG_DS, -1, -1, 1, as, true, d }
#define N (-1)
#define P_LOCK  1u
#define P_REP   2u
#define P_REPNE 4u

enum { R16 = X86_MODE_REAL16, P16 = X86_MODE_PROT16, P32 = X86_MODE_PROT32,
       L64 = X86_MODE_LONG64 };

struct row {
	const char *what;
	uint8_t b[16];
	unsigned n;
	int mode;
	int rc;
	uint8_t len;
	enum x86_op op;
	uint8_t size, src;	/* src 0: same as size */
	struct x86_mem m;
	int8_t reg;
	bool hi8, dst, has_imm;
	int64_t imm;
	unsigned pfx;
	int8_t segov;		/* expected seg_override, 0 = none */
};

#define ES_ (X86_SEG_ES + 1)
#define FS_ (X86_SEG_FS + 1)

static const struct row rows[] = {
	/* ---- 64-bit MOV forms, ModRM/SIB/REX ---- */
	{ "mov eax,[rip+0x1000]", BYTES(0x8b, 0x05, 0x00, 0x10, 0x00, 0x00), L64, 0,
	  6, X86_OP_MOV, 4, 0, RIPREL(8, 0x1000), GPR_RAX, false, false, false, 0, 0, 0 },
	{ "mov [rax],ecx", BYTES(0x89, 0x08), L64, 0,
	  2, X86_OP_MOV, 4, 0, MEM(DS, GPR_RAX, N, 1, 8, 0), GPR_RCX, false, true, false, 0, 0, 0 },
	{ "mov [rax],rcx (REX.W)", BYTES(0x48, 0x89, 0x08), L64, 0,
	  3, X86_OP_MOV, 8, 0, MEM(DS, GPR_RAX, N, 1, 8, 0), GPR_RCX, false, true, false, 0, 0, 0 },
	{ "mov [r8],ecx (REX.B)", BYTES(0x41, 0x89, 0x08), L64, 0,
	  3, X86_OP_MOV, 4, 0, MEM(DS, GPR_R8, N, 1, 8, 0), GPR_RCX, false, true, false, 0, 0, 0 },
	{ "mov [rax],r9d (REX.R)", BYTES(0x44, 0x89, 0x08), L64, 0,
	  3, X86_OP_MOV, 4, 0, MEM(DS, GPR_RAX, N, 1, 8, 0), GPR_R9, false, true, false, 0, 0, 0 },
	{ "mov rax,[rax+r9*4] (REX.WX)", BYTES(0x4a, 0x8b, 0x04, 0x88), L64, 0,
	  4, X86_OP_MOV, 8, 0, MEM(DS, GPR_RAX, GPR_R9, 4, 8, 0), GPR_RAX, false, false, false, 0, 0, 0 },
	{ "mov eax,[rsp]", BYTES(0x8b, 0x04, 0x24), L64, 0,
	  3, X86_OP_MOV, 4, 0, MEM(SS, GPR_RSP, N, 1, 8, 0), GPR_RAX, false, false, false, 0, 0, 0 },
	{ "mov eax,[rbp+8]", BYTES(0x8b, 0x45, 0x08), L64, 0,
	  3, X86_OP_MOV, 4, 0, MEM(SS, GPR_RBP, N, 1, 8, 8), GPR_RAX, false, false, false, 0, 0, 0 },
	{ "mov eax,[rax+0x100] disp32", BYTES(0x8b, 0x80, 0x00, 0x01, 0x00, 0x00), L64, 0,
	  6, X86_OP_MOV, 4, 0, MEM(DS, GPR_RAX, N, 1, 8, 0x100), GPR_RAX, false, false, false, 0, 0, 0 },
	{ "mov eax,[rax-0x10] disp8", BYTES(0x8b, 0x40, 0xf0), L64, 0,
	  3, X86_OP_MOV, 4, 0, MEM(DS, GPR_RAX, N, 1, 8, -0x10), GPR_RAX, false, false, false, 0, 0, 0 },
	{ "mov eax,[abs32] SIB no base", BYTES(0x8b, 0x04, 0x25, 0x00, 0x00, 0xfe, 0xfe), L64, 0,
	  7, X86_OP_MOV, 4, 0, MEM(DS, N, N, 1, 8, -0x1020000), GPR_RAX, false, false, false, 0, 0, 0 },
	{ "mov eax,[r13+0]", BYTES(0x41, 0x8b, 0x45, 0x00), L64, 0,
	  4, X86_OP_MOV, 4, 0, MEM(DS, GPR_R13, N, 1, 8, 0), GPR_RAX, false, false, false, 0, 0, 0 },
	{ "mov eax,[r12*4+0x10] (REX.X)", BYTES(0x42, 0x8b, 0x04, 0xa5, 0x10, 0x00, 0x00, 0x00), L64, 0,
	  8, X86_OP_MOV, 4, 0, MEM(DS, N, GPR_R12, 4, 8, 0x10), GPR_RAX, false, false, false, 0, 0, 0 },
	{ "mov eax,[r12]", BYTES(0x41, 0x8b, 0x04, 0x24), L64, 0,
	  4, X86_OP_MOV, 4, 0, MEM(DS, GPR_R12, N, 1, 8, 0), GPR_RAX, false, false, false, 0, 0, 0 },
	{ "mov r11,[r12+r13*8+0x7f]", BYTES(0x4f, 0x8b, 0x5c, 0xec, 0x7f), L64, 0,
	  5, X86_OP_MOV, 8, 0, MEM(DS, GPR_R12, GPR_R13, 8, 8, 0x7f), GPR_R11, false, false, false, 0, 0, 0 },
	{ "mov [rax],cx (66)", BYTES(0x66, 0x89, 0x08), L64, 0,
	  3, X86_OP_MOV, 2, 0, MEM(DS, GPR_RAX, N, 1, 8, 0), GPR_RCX, false, true, false, 0, 0, 0 },
	{ "66 REX.W: REX.W wins", BYTES(0x66, 0x48, 0x89, 0x08), L64, 0,
	  4, X86_OP_MOV, 8, 0, MEM(DS, GPR_RAX, N, 1, 8, 0), GPR_RCX, false, true, false, 0, 0, 0 },
	{ "REX then 66: REX dropped", BYTES(0x49, 0x66, 0x89, 0x08), L64, 0,
	  4, X86_OP_MOV, 2, 0, MEM(DS, GPR_RAX, N, 1, 8, 0), GPR_RCX, false, true, false, 0, 0, 0 },
	{ "mov [rax],ah", BYTES(0x88, 0x20), L64, 0,
	  2, X86_OP_MOV, 1, 0, MEM(DS, GPR_RAX, N, 1, 8, 0), GPR_RAX, true, true, false, 0, 0, 0 },
	{ "mov [rax],spl (REX)", BYTES(0x40, 0x88, 0x20), L64, 0,
	  3, X86_OP_MOV, 1, 0, MEM(DS, GPR_RAX, N, 1, 8, 0), GPR_RSP, false, true, false, 0, 0, 0 },
	{ "mov bh,[rsi]", BYTES(0x8a, 0x3e), L64, 0,
	  2, X86_OP_MOV, 1, 0, MEM(DS, GPR_RSI, N, 1, 8, 0), GPR_RBX, true, false, false, 0, 0, 0 },
	{ "mov byte [rax],0xab", BYTES(0xc6, 0x00, 0xab), L64, 0,
	  3, X86_OP_MOV, 1, 0, MEM(DS, GPR_RAX, N, 1, 8, 0), N, false, true, true, -0x55, 0, 0 },
	{ "mov dword [rax+4],imm32", BYTES(0xc7, 0x40, 0x04, 0x78, 0x56, 0x34, 0x12), L64, 0,
	  7, X86_OP_MOV, 4, 0, MEM(DS, GPR_RAX, N, 1, 8, 4), N, false, true, true, 0x12345678, 0, 0 },
	{ "mov qword [rax],-1", BYTES(0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff), L64, 0,
	  7, X86_OP_MOV, 8, 0, MEM(DS, GPR_RAX, N, 1, 8, 0), N, false, true, true, -1, 0, 0 },
	{ "mov word [rax],0x1234", BYTES(0x66, 0xc7, 0x00, 0x34, 0x12), L64, 0,
	  5, X86_OP_MOV, 2, 0, MEM(DS, GPR_RAX, N, 1, 8, 0), N, false, true, true, 0x1234, 0, 0 },
	{ "mov dword [rip-0x10],1", BYTES(0xc7, 0x05, 0xf0, 0xff, 0xff, 0xff, 0x01, 0, 0, 0), L64, 0,
	  10, X86_OP_MOV, 4, 0, RIPREL(8, -0x10), N, false, true, true, 1, 0, 0 },
	{ "mov eax,[eip+0x10] (67)", BYTES(0x67, 0x8b, 0x05, 0x10, 0, 0, 0), L64, 0,
	  7, X86_OP_MOV, 4, 0, RIPREL(4, 0x10), GPR_RAX, false, false, false, 0, 0, 0 },
	/* ---- CLFLUSH/CLFLUSHOPT: no access ---- */
	{ "clflush [rax]", BYTES(0x0f, 0xae, 0x38), L64, 0,
	  3, X86_OP_CLFLUSH, 1, 0, MEM(DS, GPR_RAX, N, 1, 8, 0), N, false, false, false, 0, 0, 0 },
	/* ---- MOVZX/MOVSX/MOVSXD ---- */
	{ "movzx eax,byte [rax]", BYTES(0x0f, 0xb6, 0x00), L64, 0,
	  3, X86_OP_MOVZX, 4, 1, MEM(DS, GPR_RAX, N, 1, 8, 0), GPR_RAX, false, false, false, 0, 0, 0 },
	{ "movzx rcx,word [rax]", BYTES(0x48, 0x0f, 0xb7, 0x08), L64, 0,
	  4, X86_OP_MOVZX, 8, 2, MEM(DS, GPR_RAX, N, 1, 8, 0), GPR_RCX, false, false, false, 0, 0, 0 },
	{ "movsx ecx,byte [rax]", BYTES(0x0f, 0xbe, 0x08), L64, 0,
	  3, X86_OP_MOVSX, 4, 1, MEM(DS, GPR_RAX, N, 1, 8, 0), GPR_RCX, false, false, false, 0, 0, 0 },
	{ "movsx di,word [rax] (no high8)", BYTES(0x66, 0x0f, 0xbf, 0x38), L64, 0,
	  4, X86_OP_MOVSX, 2, 2, MEM(DS, GPR_RAX, N, 1, 8, 0), GPR_RDI, false, false, false, 0, 0, 0 },
	{ "movsxd rcx,[rax]", BYTES(0x48, 0x63, 0x08), L64, 0,
	  3, X86_OP_MOVSX, 8, 4, MEM(DS, GPR_RAX, N, 1, 8, 0), GPR_RCX, false, false, false, 0, 0, 0 },
	{ "movsxd ecx,[rax] = mov", BYTES(0x63, 0x08), L64, 0,
	  2, X86_OP_MOV, 4, 0, MEM(DS, GPR_RAX, N, 1, 8, 0), GPR_RCX, false, false, false, 0, 0, 0 },
	/* ---- ALU ---- */
	{ "add [rax],ecx", BYTES(0x01, 0x08), L64, 0,
	  2, X86_OP_ADD, 4, 0, MEM(DS, GPR_RAX, N, 1, 8, 0), GPR_RCX, false, true, false, 0, 0, 0 },
	{ "add ecx,[rax]", BYTES(0x03, 0x08), L64, 0,
	  2, X86_OP_ADD, 4, 0, MEM(DS, GPR_RAX, N, 1, 8, 0), GPR_RCX, false, false, false, 0, 0, 0 },
	{ "adc [rax],ecx", BYTES(0x11, 0x08), L64, 0,
	  2, X86_OP_ADC, 4, 0, MEM(DS, GPR_RAX, N, 1, 8, 0), GPR_RCX, false, true, false, 0, 0, 0 },
	{ "sbb cl,[rax]", BYTES(0x1a, 0x08), L64, 0,
	  2, X86_OP_SBB, 1, 0, MEM(DS, GPR_RAX, N, 1, 8, 0), GPR_RCX, false, false, false, 0, 0, 0 },
	{ "or dword [rax],1 (83)", BYTES(0x83, 0x08, 0x01), L64, 0,
	  3, X86_OP_OR, 4, 0, MEM(DS, GPR_RAX, N, 1, 8, 0), N, false, true, true, 1, 0, 0 },
	{ "and dword [rax],-16 (83)", BYTES(0x83, 0x20, 0xf0), L64, 0,
	  3, X86_OP_AND, 4, 0, MEM(DS, GPR_RAX, N, 1, 8, 0), N, false, true, true, -16, 0, 0 },
	{ "add word [rax],-1 (66 83)", BYTES(0x66, 0x83, 0x00, 0xff), L64, 0,
	  4, X86_OP_ADD, 2, 0, MEM(DS, GPR_RAX, N, 1, 8, 0), N, false, true, true, -1, 0, 0 },
	{ "cmp dword [rax],0x80000000", BYTES(0x81, 0x38, 0x00, 0x00, 0x00, 0x80), L64, 0,
	  6, X86_OP_CMP, 4, 0, MEM(DS, GPR_RAX, N, 1, 8, 0), N, false, true, true, -0x80000000LL, 0, 0 },
	{ "xor byte [rax],0xff", BYTES(0x80, 0x30, 0xff), L64, 0,
	  3, X86_OP_XOR, 1, 0, MEM(DS, GPR_RAX, N, 1, 8, 0), N, false, true, true, -1, 0, 0 },
	{ "sub [rax],ecx", BYTES(0x29, 0x08), L64, 0,
	  2, X86_OP_SUB, 4, 0, MEM(DS, GPR_RAX, N, 1, 8, 0), GPR_RCX, false, true, false, 0, 0, 0 },
	{ "cmp ecx,[rax]", BYTES(0x3b, 0x08), L64, 0,
	  2, X86_OP_CMP, 4, 0, MEM(DS, GPR_RAX, N, 1, 8, 0), GPR_RCX, false, false, false, 0, 0, 0 },
	{ "test [rax],ecx", BYTES(0x85, 0x08), L64, 0,
	  2, X86_OP_TEST, 4, 0, MEM(DS, GPR_RAX, N, 1, 8, 0), GPR_RCX, false, true, false, 0, 0, 0 },
	{ "test byte [rax],1", BYTES(0xf6, 0x00, 0x01), L64, 0,
	  3, X86_OP_TEST, 1, 0, MEM(DS, GPR_RAX, N, 1, 8, 0), N, false, true, true, 1, 0, 0 },
	{ "test dword [rax],0x10000", BYTES(0xf7, 0x00, 0x00, 0x00, 0x01, 0x00), L64, 0,
	  6, X86_OP_TEST, 4, 0, MEM(DS, GPR_RAX, N, 1, 8, 0), N, false, true, true, 0x10000, 0, 0 },
	{ "xchg [rax],ecx", BYTES(0x87, 0x08), L64, 0,
	  2, X86_OP_XCHG, 4, 0, MEM(DS, GPR_RAX, N, 1, 8, 0), GPR_RCX, false, true, false, 0, 0, 0 },
	{ "xchg [r12],rcx", BYTES(0x49, 0x87, 0x0c, 0x24), L64, 0,
	  4, X86_OP_XCHG, 8, 0, MEM(DS, GPR_R12, N, 1, 8, 0), GPR_RCX, false, true, false, 0, 0, 0 },
	{ "lock or [rax],ecx", BYTES(0xf0, 0x09, 0x08), L64, 0,
	  3, X86_OP_OR, 4, 0, MEM(DS, GPR_RAX, N, 1, 8, 0), GPR_RCX, false, true, false, 0, P_LOCK, 0 },
	/* ---- moffs ---- */
	{ "mov eax,[moffs64]", BYTES(0xa1, 0x00, 0x00, 0xe0, 0xfe, 0, 0, 0, 0), L64, 0,
	  9, X86_OP_MOV, 4, 0, MEM(DS, N, N, 1, 8, 0xfee00000), GPR_RAX, false, false, false, 0, 0, 0 },
	{ "mov eax,[moffs32] (67)", BYTES(0x67, 0xa1, 0x00, 0x00, 0xe0, 0xfe), L64, 0,
	  6, X86_OP_MOV, 4, 0, MEM(DS, N, N, 1, 4, 0xfee00000), GPR_RAX, false, false, false, 0, 0, 0 },
	{ "mov [moffs64],al", BYTES(0xa2, 0x10, 0, 0, 0, 0, 0, 0, 0), L64, 0,
	  9, X86_OP_MOV, 1, 0, MEM(DS, N, N, 1, 8, 0x10), GPR_RAX, false, true, false, 0, 0, 0 },
	{ "32: mov [moffs32],eax", BYTES(0xa3, 0x00, 0x00, 0xc0, 0xfe), P32, 0,
	  5, X86_OP_MOV, 4, 0, MEM(DS, N, N, 1, 4, 0xfec00000), GPR_RAX, false, true, false, 0, 0, 0 },
	{ "16: mov ax,[moffs16]", BYTES(0xa1, 0x34, 0x12), R16, 0,
	  3, X86_OP_MOV, 2, 0, MEM(DS, N, N, 1, 2, 0x1234), GPR_RAX, false, false, false, 0, 0, 0 },
	/* ---- string ops ---- */
	{ "rep stosd", BYTES(0xf3, 0xab), L64, 0,
	  2, X86_OP_STOS, 4, 0, MEM(ES, GPR_RDI, N, 1, 8, 0), GPR_RAX, false, true, false, 0, P_REP, 0 },
	{ "repne stosb", BYTES(0xf2, 0xaa), L64, 0,
	  2, X86_OP_STOS, 1, 0, MEM(ES, GPR_RDI, N, 1, 8, 0), GPR_RAX, false, true, false, 0, P_REPNE, 0 },
	{ "rep movsq", BYTES(0xf3, 0x48, 0xa5), L64, 0,
	  3, X86_OP_MOVS, 8, 0, MEM(DS, GPR_RSI, N, 1, 8, 0), N, false, false, false, 0, P_REP, 0 },
	{ "fs movsb", BYTES(0x64, 0xa4), L64, 0,
	  2, X86_OP_MOVS, 1, 0, MEM(FS, GPR_RSI, N, 1, 8, 0), N, false, false, false, 0, 0, FS_ },
	{ "es movsb (ignored in 64-bit)", BYTES(0x26, 0xa4), L64, 0,
	  2, X86_OP_MOVS, 1, 0, MEM(DS, GPR_RSI, N, 1, 8, 0), N, false, false, false, 0, 0, ES_ },
	{ "lodsw (67: esi)", BYTES(0x67, 0x66, 0xad), L64, 0,
	  3, X86_OP_LODS, 2, 0, MEM(DS, GPR_RSI, N, 1, 4, 0), GPR_RAX, false, false, false, 0, 0, 0 },
	{ "16: rep movsw", BYTES(0xf3, 0xa5), R16, 0,
	  2, X86_OP_MOVS, 2, 0, MEM(DS, GPR_RSI, N, 1, 2, 0), N, false, false, false, 0, P_REP, 0 },
	{ "gs mov eax,[0]", BYTES(0x65, 0x8b, 0x04, 0x25, 0, 0, 0, 0), L64, 0,
	  8, X86_OP_MOV, 4, 0, MEM(GS, N, N, 1, 8, 0), GPR_RAX, false, false, false, 0, 0, X86_SEG_GS + 1 },
	/* ---- 32-bit mode ---- */
	{ "32: mov eax,[disp32] (no RIP-rel)", BYTES(0x8b, 0x05, 0x00, 0x00, 0xe0, 0xfe), P32, 0,
	  6, X86_OP_MOV, 4, 0, MEM(DS, N, N, 1, 4, -0x1200000), GPR_RAX, false, false, false, 0, 0, 0 },
	{ "32: mov [eax],cx", BYTES(0x66, 0x89, 0x08), P32, 0,
	  3, X86_OP_MOV, 2, 0, MEM(DS, GPR_RAX, N, 1, 4, 0), GPR_RCX, false, true, false, 0, 0, 0 },
	{ "32: mov [bx],eax (67)", BYTES(0x67, 0x89, 0x07), P32, 0,
	  3, X86_OP_MOV, 4, 0, MEM(DS, GPR_RBX, N, 1, 2, 0), GPR_RAX, false, true, false, 0, 0, 0 },
	{ "32: mov eax,[ecx*4+0x1000]", BYTES(0x8b, 0x04, 0x8d, 0x00, 0x10, 0x00, 0x00), P32, 0,
	  7, X86_OP_MOV, 4, 0, MEM(DS, N, GPR_RCX, 4, 4, 0x1000), GPR_RAX, false, false, false, 0, 0, 0 },
	{ "32: ss mov eax,[eax]", BYTES(0x36, 0x8b, 0x00), P32, 0,
	  3, X86_OP_MOV, 4, 0, MEM(SS, GPR_RAX, N, 1, 4, 0), GPR_RAX, false, false, false, 0, 0, X86_SEG_SS + 1 },
	{ "32: cs ds mov: last wins", BYTES(0x2e, 0x3e, 0x8b, 0x00), P32, 0,
	  4, X86_OP_MOV, 4, 0, MEM(DS, GPR_RAX, N, 1, 4, 0), GPR_RAX, false, false, false, 0, 0, X86_SEG_DS + 1 },
	{ "32: add byte [eax],1 (82)", BYTES(0x82, 0x00, 0x01), P32, 0,
	  3, X86_OP_ADD, 1, 0, MEM(DS, GPR_RAX, N, 1, 4, 0), N, false, true, true, 1, 0, 0 },
	{ "16-bit prot: mov [bp+di-2],ax", BYTES(0x89, 0x43, 0xfe), P16, 0,
	  3, X86_OP_MOV, 2, 0, MEM(SS, GPR_RBP, GPR_RDI, 1, 2, -2), GPR_RAX, false, true, false, 0, 0, 0 },
	/* ---- real mode 16-bit addressing ---- */
	{ "16: mov [bx+si],ax", BYTES(0x89, 0x00), R16, 0,
	  2, X86_OP_MOV, 2, 0, MEM(DS, GPR_RBX, GPR_RSI, 1, 2, 0), GPR_RAX, false, true, false, 0, 0, 0 },
	{ "16: mov ax,[bp+2]", BYTES(0x8b, 0x46, 0x02), R16, 0,
	  3, X86_OP_MOV, 2, 0, MEM(SS, GPR_RBP, N, 1, 2, 2), GPR_RAX, false, false, false, 0, 0, 0 },
	{ "16: mov dx,[0x1234]", BYTES(0x8b, 0x16, 0x34, 0x12), R16, 0,
	  4, X86_OP_MOV, 2, 0, MEM(DS, N, N, 1, 2, 0x1234), GPR_RDX, false, false, false, 0, 0, 0 },
	{ "16: mov eax,[bx+disp16] (66)", BYTES(0x66, 0x8b, 0x87, 0x00, 0x80), R16, 0,
	  5, X86_OP_MOV, 4, 0, MEM(DS, GPR_RBX, N, 1, 2, -0x8000), GPR_RAX, false, false, false, 0, 0, 0 },
	{ "16: es mov [di],al", BYTES(0x26, 0x88, 0x05), R16, 0,
	  3, X86_OP_MOV, 1, 0, MEM(ES, N, GPR_RDI, 1, 2, 0), GPR_RAX, false, true, false, 0, 0, ES_ },
	{ "16: mov eax,[esp] (67)", BYTES(0x67, 0x66, 0x8b, 0x04, 0x24), R16, 0,
	  5, X86_OP_MOV, 4, 0, MEM(SS, GPR_RSP, N, 1, 4, 0), GPR_RAX, false, false, false, 0, 0, 0 },
	{ "16: mov byte [si],imm", BYTES(0xc6, 0x04, 0x7f), R16, 0,
	  3, X86_OP_MOV, 1, 0, MEM(DS, N, GPR_RSI, 1, 2, 0), N, false, true, true, 0x7f, 0, 0 },
	/* ---- rejected ---- */
	{ "reg form mov eax,ecx", BYTES(0x8b, 0xc1), L64, X86_DECODE_EREGFORM },
	{ "truncated disp32", BYTES(0x8b, 0x05, 0x00, 0x10), L64, X86_DECODE_ETRUNC },
	{ "truncated after REX", BYTES(0x48), L64, X86_DECODE_ETRUNC },
	{ "truncated SIB", BYTES(0x8b, 0x04), L64, X86_DECODE_ETRUNC },
	{ "truncated imm", BYTES(0xc7, 0x00, 0x01, 0x02), L64, X86_DECODE_ETRUNC },
	{ "ud2", BYTES(0x0f, 0x0b), L64, X86_DECODE_EUNSUP },
	{ "xsaveopt [rax] (0f ae /6)", BYTES(0x0f, 0xae, 0x30), L64, X86_DECODE_EUNSUP },
	{ "lfence (0f ae e8, register form)", BYTES(0x0f, 0xae, 0xe8), L64, X86_DECODE_EREGFORM },
	{ "16 bytes", BYTES(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
			    0x66, 0x66, 0x66, 0x66, 0x66, 0x89, 0x08), L64, X86_DECODE_ETOOLONG },
	{ "lock mov", BYTES(0xf0, 0x89, 0x08), L64, X86_DECODE_ELOCK },
	{ "lock cmp", BYTES(0xf0, 0x39, 0x08), L64, X86_DECODE_ELOCK },
	{ "lock add reg,mem", BYTES(0xf0, 0x03, 0x08), L64, X86_DECODE_ELOCK },
	{ "32: inc eax (0x40 not REX)", BYTES(0x40, 0x89, 0x08), P32, X86_DECODE_EUNSUP },
	{ "32: arpl", BYTES(0x63, 0x08), P32, X86_DECODE_EUNSUP },
	{ "64: 82 invalid", BYTES(0x82, 0x00, 0x01), L64, X86_DECODE_EUNSUP },
	{ "c7 /1", BYTES(0xc7, 0x08, 0, 0, 0, 0), L64, X86_DECODE_EUNSUP },
	{ "not [rax] (f6 /2)", BYTES(0xf6, 0x10), L64, X86_DECODE_EUNSUP },
	{ "mov eax,imm (b8)", BYTES(0xb8, 1, 0, 0, 0), L64, X86_DECODE_EUNSUP },
};

static void check_row(const struct row *r)
{
	struct x86_insn in;
	int rc = x86_decode(r->b, r->n, (enum x86_cpu_mode)r->mode, &in);

	print_message("  %s\n", r->what);
	assert_int_equal(rc, r->rc);
	if (rc)
		return;
	assert_int_equal(in.length, r->len);
	assert_int_equal(in.op, r->op);
	assert_int_equal(in.opsize, r->size);
	assert_int_equal(in.src_size, r->src ? r->src : r->size);
	assert_int_equal(in.mem.seg, r->m.seg);
	assert_int_equal(in.mem.base, r->m.base);
	assert_int_equal(in.mem.index, r->m.index);
	if (in.mem.index >= 0)
		assert_int_equal(in.mem.scale, r->m.scale);
	assert_int_equal(in.mem.addr_size, r->m.addr_size);
	assert_int_equal(in.mem.rip_rel, r->m.rip_rel);
	assert_int_equal(in.mem.disp, r->m.disp);
	assert_int_equal(in.reg, r->reg);
	assert_int_equal(in.reg_high8, r->hi8);
	assert_int_equal(in.mem_is_dst, r->dst);
	assert_int_equal(in.has_imm, r->has_imm);
	if (r->has_imm)
		assert_int_equal(in.imm, r->imm);
	assert_int_equal(in.lock, !!(r->pfx & P_LOCK));
	assert_int_equal(in.rep, !!(r->pfx & P_REP));
	assert_int_equal(in.repne, !!(r->pfx & P_REPNE));
	assert_int_equal(in.seg_override, r->segov - 1);
}

static void test_table(void **state)
{
	(void)state;
	assert_true(ARRAY_SIZE(rows) >= 40);
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		check_row(&rows[i]);
}

/* Every proper prefix of a valid encoding is reported as truncated. */
static void test_truncation_everywhere(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct x86_insn in;

		if (rows[i].rc)
			continue;
		for (unsigned n = 0; n < rows[i].len; n++)
			assert_int_equal(x86_decode(rows[i].b, n,
				(enum x86_cpu_mode)rows[i].mode, &in),
				X86_DECODE_ETRUNC);
	}
}

/* Trailing bytes beyond the instruction do not change the length. */
static void test_extra_bytes_ignored(void **state)
{
	uint8_t b[16] = { 0x89, 0x08, 0x90, 0x90, 0x90 };
	struct x86_insn in;

	(void)state;
	assert_int_equal(x86_decode(b, sizeof(b), X86_MODE_LONG64, &in), 0);
	assert_int_equal(in.length, 2);
	assert_int_equal(x86_decode(NULL, 4, X86_MODE_LONG64, &in), X86_DECODE_EINVAL);
}

static void test_names_and_hex(void **state)
{
	const uint8_t b[] = { 0x8b, 0x05, 0x00, 0x10, 0x00, 0xff };
	char buf[32];

	(void)state;
	assert_string_equal(x86_op_name(X86_OP_MOV), "mov");
	assert_string_equal(x86_op_name(X86_OP_CMP), "cmp");
	assert_string_equal(x86_op_name(X86_OP_MOVSX), "movsx");
	assert_string_equal(x86_op_name((enum x86_op)999), "???");
	for (int op = X86_OP_INVALID; op < X86_OP_COUNT; op++)
		assert_string_not_equal(x86_op_name((enum x86_op)op), "???");

	assert_int_equal(x86_insn_bytes_str(b, 6, buf, sizeof(buf)), 17);
	assert_string_equal(buf, "8b 05 00 10 00 ff");
	/* 9 bytes of room: "8b 05" fits, "8b 05 00" needs 9 including NUL */
	assert_int_equal(x86_insn_bytes_str(b, 6, buf, 9), 8);
	assert_string_equal(buf, "8b 05 00");
	assert_int_equal(x86_insn_bytes_str(b, 6, buf, 8), 5);
	assert_string_equal(buf, "8b 05");
	assert_int_equal(x86_insn_bytes_str(b, 0, buf, 8), 0);
	assert_string_equal(buf, "");
	assert_int_equal(x86_insn_bytes_str(b, 6, buf, 0), -1);
}

/* Effective-offset helper: RIP-relative uses the next RIP; 16/32-bit
 * address sizes wrap. */
static void test_mem_offset(void **state)
{
	struct x86_regs regs = { 0 };
	struct x86_insn in;
	const uint8_t riprel[] = { 0x8b, 0x05, 0xf0, 0xff, 0xff, 0xff };
	const uint8_t sib[] = { 0x4a, 0x8b, 0x44, 0x88, 0x10 };
	const uint8_t bxsi[] = { 0x8b, 0x40, 0xff };	/* [bx+si-1] */

	(void)state;
	regs.rip = 0x400000;
	assert_int_equal(x86_decode(riprel, sizeof(riprel), X86_MODE_LONG64, &in), 0);
	assert_int_equal(x86_insn_mem_offset(&in, &regs), 0x400000 + 6 - 0x10);

	regs.gpr[GPR_RAX] = 0x1000;
	regs.gpr[GPR_R9] = 3;
	assert_int_equal(x86_decode(sib, sizeof(sib), X86_MODE_LONG64, &in), 0);
	assert_int_equal(x86_insn_mem_offset(&in, &regs), 0x1000 + 12 + 0x10);

	regs.gpr[GPR_RBX] = 0;
	regs.gpr[GPR_RSI] = 0;
	assert_int_equal(x86_decode(bxsi, sizeof(bxsi), X86_MODE_REAL16, &in), 0);
	assert_int_equal(x86_insn_mem_offset(&in, &regs), 0xffff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_truncation_everywhere),
		cmocka_unit_test(test_extra_bytes_ignored),
		cmocka_unit_test(test_names_and_hex),
		cmocka_unit_test(test_mem_offset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
