/* Host exception handling: any exception in the hypervisor is a bug, so the
 * handler reports everything it can and stops the machine. */
#ifndef VIREO_ARCH_X86_CPU_TRAPS_H
#define VIREO_ARCH_X86_CPU_TRAPS_H

/* Exception vectors (SDM Vol. 3 6.3.1, table 6-1). */
#define X86_TRAP_DE  0  /* divide error */
#define X86_TRAP_DB  1  /* debug */
#define X86_TRAP_NMI 2  /* non-maskable interrupt */
#define X86_TRAP_BP  3  /* breakpoint */
#define X86_TRAP_OF  4  /* overflow */
#define X86_TRAP_BR  5  /* BOUND range exceeded */
#define X86_TRAP_UD  6  /* invalid opcode */
#define X86_TRAP_NM  7  /* device not available */
#define X86_TRAP_DF  8  /* double fault */
#define X86_TRAP_TS  10 /* invalid TSS */
#define X86_TRAP_NP  11 /* segment not present */
#define X86_TRAP_SS  12 /* stack-segment fault */
#define X86_TRAP_GP  13 /* general protection */
#define X86_TRAP_PF  14 /* page fault */
#define X86_TRAP_MF  16 /* x87 floating-point error */
#define X86_TRAP_AC  17 /* alignment check */
#define X86_TRAP_MC  18 /* machine check */
#define X86_TRAP_XM  19 /* SIMD floating-point */
#define X86_TRAP_VE  20 /* virtualization exception */
#define X86_TRAP_CP  21 /* control protection */
#define X86_TRAP_HV  28 /* hypervisor injection (AMD) */
#define X86_TRAP_VC  29 /* VMM communication (AMD) */
#define X86_TRAP_SX  30 /* security exception (AMD) */

/* #PF error code bits (SDM Vol. 3 4.7, figure 4-12). */
#define X86_PF_P    (1u << 0) /* 1: protection violation; 0: not present */
#define X86_PF_W    (1u << 1) /* write access */
#define X86_PF_U    (1u << 2) /* user-mode access */
#define X86_PF_RSVD (1u << 3) /* reserved bit set in a paging entry */
#define X86_PF_I    (1u << 4) /* instruction fetch */
#define X86_PF_PK   (1u << 5) /* protection key */
#define X86_PF_SS   (1u << 6) /* shadow stack */

/* Byte offsets of struct trap_frame fields, for isr.S. */
#define TRAP_FRAME_VECTOR 120
#define TRAP_FRAME_SIZE   176

#ifndef __ASSEMBLY__
#include <stdint.h>

/* What isr.S leaves on the stack, lowest address first: the GPRs it pushed,
 * the vector and error code (0 when the CPU pushes none), then the frame
 * the CPU pushed (SDM Vol. 3 6.14.2, figure 6-9). */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;
	uint64_t error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

_Static_assert(__builtin_offsetof(struct trap_frame, vector) == TRAP_FRAME_VECTOR,
	       "isr.S layout");
_Static_assert(sizeof(struct trap_frame) == TRAP_FRAME_SIZE, "isr.S layout");

/* Called by isr.S for every vector; reports and calls machine_shutdown(). */
void trap_handler(struct trap_frame *tf);
/* "page fault" etc.; "unknown exception"/"interrupt" for others. */
const char *trap_name(uint64_t vector);

/* stacktrace.c: print return addresses walking the RBP chain from 'rbp'. */
void stacktrace_print(uint64_t rbp);
#endif

#endif
