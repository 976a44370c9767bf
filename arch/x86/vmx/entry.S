/* VM entry and exit (SDM Vol. 3C 26, 27).
 *
 * vmx_enter(regs, launched) saves the host's callee-saved registers once,
 * points HOST_RSP at its frame and enters the guest. At every VM exit the
 * CPU lands on vmx_exit with that RSP; the guest's general registers are
 * stored into *regs and vmx_exit_dispatch(regs) (C) handles the exit. If
 * it returns 0 the guest is resumed straight away: the common exit costs
 * no return to the run loop and no reload of host registers. Otherwise
 * vmx_enter returns 0 to its caller. It returns 1 or 2 when VMLAUNCH or
 * VMRESUME itself fails (VMfailInvalid / VMfailValid). The guest's RSP,
 * RIP and RFLAGS live in the VMCS. */

#define VMCS_HOST_RSP 0x6c14

#define R_RAX 0
#define R_RCX 8
#define R_RDX 16
#define R_RBX 24
#define R_RBP 40
#define R_RSI 48
#define R_RDI 56
#define R_R8  64
#define R_R9  72
#define R_R10 80
#define R_R11 88
#define R_R12 96
#define R_R13 104
#define R_R14 112
#define R_R15 120

/* Load the guest's registers from *%rdi (%rdi last). */
.macro LOAD_GUEST
	movq R_RAX(%rdi), %rax
	movq R_RCX(%rdi), %rcx
	movq R_RDX(%rdi), %rdx
	movq R_RBX(%rdi), %rbx
	movq R_RBP(%rdi), %rbp
	movq R_RSI(%rdi), %rsi
	movq R_R8(%rdi), %r8
	movq R_R9(%rdi), %r9
	movq R_R10(%rdi), %r10
	movq R_R11(%rdi), %r11
	movq R_R12(%rdi), %r12
	movq R_R13(%rdi), %r13
	movq R_R14(%rdi), %r14
	movq R_R15(%rdi), %r15
	movq R_RDI(%rdi), %rdi
.endm

	.text
	.globl vmx_enter
vmx_enter:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi                      /* regs, found again at exit */
	movq $VMCS_HOST_RSP, %rax
	vmwrite %rsp, %rax
	testl %esi, %esi                /* flags survive the loads below */
	LOAD_GUEST
	jnz resume
	vmlaunch
	jmp fail
resume:
	vmresume
fail:	/* CF=1 VMfailInvalid, ZF=1 VMfailValid */
	movl $1, %eax
	movl $2, %ecx
	cmovzl %ecx, %eax
	jmp leave

	.globl vmx_exit
vmx_exit:
	pushq %rdi
	movq 8(%rsp), %rdi
	movq %rax, R_RAX(%rdi)
	movq %rcx, R_RCX(%rdi)
	movq %rdx, R_RDX(%rdi)
	movq %rbx, R_RBX(%rdi)
	movq %rbp, R_RBP(%rdi)
	movq %rsi, R_RSI(%rdi)
	movq %r8, R_R8(%rdi)
	movq %r9, R_R9(%rdi)
	movq %r10, R_R10(%rdi)
	movq %r11, R_R11(%rdi)
	movq %r12, R_R12(%rdi)
	movq %r13, R_R13(%rdi)
	movq %r14, R_R14(%rdi)
	movq %r15, R_R15(%rdi)
	popq %rax
	movq %rax, R_RDI(%rdi)
	xorl %ebp, %ebp                 /* stack traces end here */
	call vmx_exit_dispatch          /* rdi = regs; rsp is 16-byte aligned here */
	testl %eax, %eax
	jnz done
	movq (%rsp), %rdi
	LOAD_GUEST
	jmp resume                      /* a failed VMRESUME is reported as usual */
done:
	xorl %eax, %eax
leave:
	addq $8, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
