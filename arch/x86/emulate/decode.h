/* x86 instruction decoder for the instructions that touch emulated MMIO.
 *
 * Only memory-operand forms are decoded: an EPT violation on MMIO can only
 * come from an instruction that addresses memory, so register-register
 * encodings are rejected (X86_DECODE_EREGFORM). Encodings follow SDM Vol. 2
 * chapter 2 (prefixes, REX, ModRM/SIB) and the opcode map in appendix A. */
#ifndef VIREO_ARCH_X86_EMULATE_DECODE_H
#define VIREO_ARCH_X86_EMULATE_DECODE_H

#include "lib/libc.h"

/* Architectural limit on instruction length (SDM Vol. 2 2.3.11). */
#define X86_INSN_MAX_LEN 15

/* Code-segment mode; picks default operand and address size. PROT32 also
 * covers compatibility mode (IA-32e with CS.L=0, CS.D=1). */
enum x86_cpu_mode {
	X86_MODE_REAL16,
	X86_MODE_PROT16,
	X86_MODE_PROT32,
	X86_MODE_LONG64,
};

/* Segment registers in SDM encoding order (Sreg field, Vol. 2 B.1.4.3). */
enum x86_seg {
	X86_SEG_ES, X86_SEG_CS, X86_SEG_SS, X86_SEG_DS, X86_SEG_FS, X86_SEG_GS,
};

/* ADD..CMP are in group-1 /digit order so X86_OP_ADD + digit works. */
enum x86_op {
	X86_OP_INVALID,
	X86_OP_ADD, X86_OP_OR, X86_OP_ADC, X86_OP_SBB,
	X86_OP_AND, X86_OP_SUB, X86_OP_XOR, X86_OP_CMP,
	X86_OP_MOV,	/* 88-8B, C6/C7 /0, A0-A3, 63 without REX.W */
	X86_OP_MOVZX,	/* 0F B6/B7 */
	X86_OP_MOVSX,	/* 0F BE/BF, 63 with REX.W (MOVSXD) */
	X86_OP_TEST,	/* 84/85, F6/F7 /0 */
	X86_OP_XCHG,	/* 86/87 */
	X86_OP_MOVS,	/* A4/A5 */
	X86_OP_STOS,	/* AA/AB */
	X86_OP_LODS,	/* AC/AD */
	X86_OP_CLFLUSH,	/* 0F AE /7 (66: CLFLUSHOPT): no access to device memory */
	X86_OP_COUNT
};

/* Negative results of x86_decode(). */
#define X86_DECODE_ETRUNC   (-1)	/* more bytes needed than 'avail' */
#define X86_DECODE_EUNSUP   (-2)	/* opcode or form not supported */
#define X86_DECODE_ETOOLONG (-3)	/* longer than 15 bytes: #GP on hw */
#define X86_DECODE_ELOCK    (-4)	/* LOCK on a non-lockable form: #UD */
#define X86_DECODE_EREGFORM (-5)	/* ModRM.mod=3: no memory operand */
#define X86_DECODE_EINVAL   (-6)	/* bad arguments */

/* The memory operand. Its offset is
 *   base + index*scale + disp (+ next RIP if rip_rel), truncated to
 * addr_size bytes; x86_insn_mem_offset() in emulate.h computes it. For
 * MOVS this is the source (seg:rSI); the destination is always ES:rDI. */
struct x86_mem {
	enum x86_seg seg;	/* effective segment: default or override */
	int8_t base;		/* GPR number, or -1 */
	int8_t index;		/* GPR number, or -1 */
	uint8_t scale;		/* 1, 2, 4 or 8 */
	uint8_t addr_size;	/* 2, 4 or 8 bytes */
	bool rip_rel;		/* disp is relative to the next instruction */
	int64_t disp;		/* sign-extended disp, or zero-extended moffs */
};

struct x86_insn {
	uint8_t length;		/* total bytes, prefixes and immediate included */
	enum x86_op op;
	uint8_t opsize;		/* operation size in bytes: 1, 2, 4, 8 */
	uint8_t src_size;	/* bytes read from memory by MOVZX/MOVSX;
				 * equal to opsize for every other op */
	bool mem_is_dst;	/* memory is the first (destination) operand;
				 * CMP/TEST only read it */
	struct x86_mem mem;
	int8_t reg;		/* register operand (GPR number), -1 if none */
	bool reg_high8;		/* reg is AH/CH/DH/BH (then reg is 0-3) */
	bool has_imm;
	uint8_t imm_size;	/* bytes of immediate in the encoding */
	int64_t imm;		/* immediate sign-extended to 64 bits */

	/* Prefixes as they appeared, for diagnostics and string ops. */
	bool lock, rep, repne;	/* F0, F3, F2 (last of F2/F3 wins) */
	bool opsize_prefix;	/* 66 */
	bool addrsize_prefix;	/* 67 */
	int8_t seg_override;	/* enum x86_seg of the last segment prefix, -1 */
	uint8_t rex;		/* REX byte in effect, 0 if none */
	uint8_t opcode;		/* primary opcode byte (after 0F if two_byte) */
	bool two_byte;		/* opcode was 0F xx */
	uint8_t modrm;		/* ModRM byte, 0 for forms without one */
};

/* Decode one instruction from 'bytes' (at most 'avail' of them are valid).
 * Returns 0 and fills *out, or a negative X86_DECODE_* code. */
int x86_decode(const uint8_t *bytes, unsigned avail, enum x86_cpu_mode mode,
	       struct x86_insn *out);

/* Mnemonic for diagnostics ("mov", "movzx", ...); "???" if out of range. */
const char *x86_op_name(enum x86_op op);

/* Format 'len' bytes as lowercase hex separated by spaces ("8b 05 00").
 * Always NUL-terminates when size > 0, truncating at a byte boundary.
 * Returns the number of characters written (without the NUL), or -1 if
 * buf is NULL or size is 0. */
int x86_insn_bytes_str(const uint8_t *bytes, unsigned len, char *buf,
		       size_t size);

#endif
