/* Interrupt/exception entry stubs. Each vector's stub pushes a dummy error
 * code when the CPU does not push one, then the vector number, and jumps to
 * a common path that saves every GPR into a struct trap_frame (traps.h) and
 * calls trap_handler(frame). */
#include "arch/x86/cpu/idt.h"

/* Vectors for which the CPU pushes an error code (SDM Vol. 3 table 6-1):
 * #DF 8, #TS 10, #NP 11, #SS 12, #GP 13, #PF 14, #AC 17, #CP 21, #VC 29,
 * #SX 30. */

	.code64
	.text
	.balign ISR_STUB_SIZE
	.globl isr_stubs
isr_stubs:
	.set vec, 0
	.rept IDT_ENTRIES
	.balign ISR_STUB_SIZE
	.if (vec == 8) || (vec >= 10 && vec <= 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq $0
	.endif
	pushq $vec
	jmp isr_common
	.set vec, vec + 1
	.endr
	/* Fails to assemble ("move .org backwards") if a stub outgrew its slot,
	 * which would break idt.c's isr_stubs + v * ISR_STUB_SIZE. */
	.org isr_stubs + IDT_ENTRIES * ISR_STUB_SIZE

isr_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	/* The CPU aligned RSP to 16 before its 5-word push; 2 + 15 more words
	 * keep it aligned for the call, as the SysV ABI requires. */
	cld
	movq %rsp, %rdi
	call trap_handler
	/* trap_handler returns only for the host's idle wake-up interrupt. */
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp /* vector, error code */
	iretq

	.section .note.GNU-stack, "", @progbits
