/* Guest general-purpose registers as the VM-exit path saves them, indexed by
 * the x86 register number used in ModRM/SIB encodings (SDM Vol. 2 2.1.5). */
#ifndef VIREO_ARCH_X86_REGS_H
#define VIREO_ARCH_X86_REGS_H

#include <stdint.h>

enum x86_gpr {
	GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
	GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15,
	GPR_COUNT
};

/* gpr[GPR_RSP] is a copy of the VMCS guest RSP, refreshed by the exit
 * path only when a handler needs it (instruction emulation). */
struct x86_regs {
	uint64_t gpr[GPR_COUNT];
	uint64_t rip;
	uint64_t rflags;
};

/* RFLAGS bits (SDM Vol. 1 3.4.3). */
#define X86_RFLAGS_CF   (1u << 0)
#define X86_RFLAGS_FIXED (1u << 1)
#define X86_RFLAGS_PF   (1u << 2)
#define X86_RFLAGS_AF   (1u << 4)
#define X86_RFLAGS_ZF   (1u << 6)
#define X86_RFLAGS_SF   (1u << 7)
#define X86_RFLAGS_TF   (1u << 8)
#define X86_RFLAGS_IF   (1u << 9)
#define X86_RFLAGS_DF   (1u << 10)
#define X86_RFLAGS_OF   (1u << 11)
#define X86_RFLAGS_RF   (1u << 16)
#define X86_RFLAGS_VM   (1u << 17)
#define X86_RFLAGS_ARITH (X86_RFLAGS_CF | X86_RFLAGS_PF | X86_RFLAGS_AF | \
			  X86_RFLAGS_ZF | X86_RFLAGS_SF | X86_RFLAGS_OF)

#endif
