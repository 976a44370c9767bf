/* Chaos guest: chaos_try / chaos_recover (a setjmp/longjmp around one
 * operation), and the 16-bit code that op_mode16 far-calls through a
 * 16-bit code segment (selector 0x30, based at chaos16_start). */

	.data
	.balign 8
	.globl chaos_in_try
chaos_in_try:	.long 0
chaos_jb:	.skip 8 * 8

	.text
#ifdef __x86_64__
	.code64
/* int chaos_try(void (*fn)(void)): 0 when fn returns */
	.globl chaos_try
chaos_try:
	sub $8, %rsp                    /* fn is entered with the ABI's alignment */
	mov %rbx, chaos_jb + 0
	mov %rbp, chaos_jb + 8
	mov %r12, chaos_jb + 16
	mov %r13, chaos_jb + 24
	mov %r14, chaos_jb + 32
	mov %r15, chaos_jb + 40
	mov %rsp, chaos_jb + 48
	movl $1, chaos_in_try
	call *%rdi
	movl $0, chaos_in_try
	add $8, %rsp
	xor %eax, %eax
	ret

/* Entered by IRET from the exception handler, on whatever stack the
 * faulting code had; EAX was set in the frame by the handler. */
	.globl chaos_recover
chaos_recover:
	cld
	mov chaos_jb + 48, %rsp
	mov chaos_jb + 0, %rbx
	mov chaos_jb + 8, %rbp
	mov chaos_jb + 16, %r12
	mov chaos_jb + 24, %r13
	mov chaos_jb + 32, %r14
	mov chaos_jb + 40, %r15
	movl $0, chaos_in_try
	add $8, %rsp
	ret
#else
	.code32
	.globl chaos_try
chaos_try:
	mov 4(%esp), %eax
	mov %ebx, chaos_jb + 0
	mov %esi, chaos_jb + 4
	mov %edi, chaos_jb + 8
	mov %ebp, chaos_jb + 12
	mov %esp, chaos_jb + 16
	movl $1, chaos_in_try
	call *%eax
	movl $0, chaos_in_try
	xor %eax, %eax
	ret

	.globl chaos_recover
chaos_recover:
	cld
	mov chaos_jb + 16, %esp
	mov chaos_jb + 0, %ebx
	mov chaos_jb + 4, %esi
	mov chaos_jb + 8, %edi
	mov chaos_jb + 12, %ebp
	movl $0, chaos_in_try
	ret
#endif

/* ---- 16-bit code: entered by a 32-bit far call (CS = 0x30, based at
 * chaos16_start, so offsets are relative to it); returns with a 32-bit
 * far return. DS/ES/SS stay the flat 32-bit data segment, so memory
 * operands use 32-bit addresses (addr32). Registers in, registers out. */
	.balign 16
	.globl chaos16_start
chaos16_start:
	.code16
	.globl c16_cpuid, c16_inb, c16_outb, c16_inw, c16_outl, c16_rdmsr, c16_wrmsr
	.globl c16_vmcall, c16_insb, c16_outsw, c16_ud2, c16_int3, c16_mmio_rd, c16_mmio_wr
	.globl c16_crs, c16_segrd, c16_end
c16_cpuid:
	cpuid
	lretl
c16_inb:
	inb %dx, %al
	lretl
c16_outb:
	outb %al, %dx
	lretl
c16_inw:
	inw %dx, %ax
	lretl
c16_outl:
	outl %eax, %dx
	lretl
c16_rdmsr:
	rdmsr
	lretl
c16_wrmsr:
	wrmsr
	lretl
c16_vmcall:
	vmcall
	lretl
c16_insb:                              /* ES:EDI, ECX elements */
	addr32 rep insb
	lretl
c16_outsw:                             /* DS:ESI, ECX elements */
	addr32 rep outsw
	lretl
c16_ud2:
	ud2
	lretl
c16_int3:
	int3
	lretl
c16_mmio_rd:                           /* 32-bit load from (EBX) */
	addr32 movl (%ebx), %eax
	lretl
c16_mmio_wr:
	addr32 movl %eax, (%ebx)
	lretl
c16_crs:                               /* CR0 and CR4 read back as written */
	movl %cr4, %eax
	movl %eax, %cr4
	movl %cr0, %eax
	lretl
c16_segrd:                             /* 16-bit load from CX:(BX), DS put back */
	movw %ds, %si
	movw %cx, %ds
	movw (%bx), %ax
	movw %si, %ds
	lretl
c16_end:
	.globl chaos16_end
chaos16_end:
#ifdef __x86_64__
	.code64
#else
	.code32
#endif
