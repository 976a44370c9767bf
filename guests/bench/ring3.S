/* Ring-3 side of the syscall workload (work.c): enter user mode with
 * SYSRET, ping-pong with SYSCALL, come back to the kernel caller.
 *
 *   void user_pingpong(uint64_t n, void *user_stack_top);
 * runs user_loop in ring 3: n SYSCALLs with RAX=0, each answered by an
 * immediate SYSRET, then one SYSCALL with RAX=1 that returns to the caller
 * on its own kernel stack. syscall_entry is what LSTAR points at. */
	.text
	.code64
	.globl user_pingpong, syscall_entry

user_pingpong:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, kernel_rsp
	mov %rsi, %rsp			/* SYSRET keeps RSP: switch first */
	mov $user_loop, %rcx		/* SYSRET's RIP */
	mov $0x2, %r11			/* its RFLAGS: IF stays clear */
	sysretq

/* Ring 3. RDI counts down; SYSCALL clobbers only RCX and R11. */
user_loop:
1:	xor %eax, %eax
	syscall
	dec %rdi
	jnz 1b
	mov $1, %eax
	syscall
	ud2

/* Ring 0, still on the user stack (SYSCALL does not switch stacks): the
 * ping answer touches no memory at all. */
syscall_entry:
	test %rax, %rax
	jnz 2f
	sysretq
2:	mov kernel_rsp, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret

	.bss
	.balign 8
kernel_rsp:	.skip 8
