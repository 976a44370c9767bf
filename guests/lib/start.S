/* Vireo test-guest entry: multiboot v1 header, 32-bit entry, flat GDT,
 * stubs for all 256 IDT vectors; with __x86_64__ also the switch to long
 * mode (identity map of 0-4 GiB with 2 MiB pages). The entry code is always
 * 32-bit. */

#define MB_HDR_MAGIC 0x1BADB002
#define MB_HDR_FLAGS 0x00000003 /* page-aligned modules, memory info */

	.section .multiboot, "a"
	.balign 4
	.long MB_HDR_MAGIC, MB_HDR_FLAGS, -(MB_HDR_MAGIC + MB_HDR_FLAGS)

	.section .text.entry, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	mov %eax, %ebp
	mov %ebx, %esi
	/* zero .bss (the loader should have, but be safe) */
	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	xor %eax, %eax
	rep stosb
	mov %ebp, mb_magic
	mov %esi, mb_info_addr
	mov $stack_top, %esp
	lgdt gdt_desc
	ljmp $0x08, $1f
1:	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	mov %ax, %ss
#ifdef __x86_64__
	/* page directories: 2048 2 MiB pages, P|RW|PS */
	mov $guest_pd, %edi
	mov $0x83, %eax
	mov $2048, %ecx
2:	mov %eax, (%edi)
	movl $0, 4(%edi)
	add $0x200000, %eax
	add $8, %edi
	loop 2b
	/* PDPT[0..3] -> the four page directories */
	mov $guest_pdpt, %edi
	mov $guest_pd + 3, %eax
	mov $4, %ecx
3:	mov %eax, (%edi)
	movl $0, 4(%edi)
	add $4096, %eax
	add $8, %edi
	loop 3b
	mov $guest_pdpt + 3, %eax
	mov %eax, guest_pml4
	movl $0, guest_pml4 + 4
	mov %cr4, %eax
	or $0x20, %eax                  /* PAE */
	mov %eax, %cr4
	mov $guest_pml4, %eax
	mov %eax, %cr3
	mov $0xC0000080, %ecx           /* EFER.LME */
	rdmsr
	or $0x100, %eax
	wrmsr
	mov %cr0, %eax
	or $0x80000001, %eax            /* PG|PE */
	mov %eax, %cr0
	ljmp $0x18, $long_entry

	.code64
long_entry:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $stack_top, %rsp
	xor %ebp, %ebp
	call guest_runtime_start
4:	cli
	hlt
	jmp 4b
#else
	xor %ebp, %ebp
	call guest_runtime_start
4:	cli
	hlt
	jmp 4b
#endif

/* ---- interrupt stubs ----
 * Each stub pushes an error code (0 where the CPU pushes none) and its
 * vector, so every vector reaches int_dispatch() with the same frame
 * (struct exc_frame in guest.h). */
	.text
#ifdef __x86_64__
	.code64
#define PTR .quad
#else
	.code32
#define PTR .long
#endif

.macro STUB n
	.balign 16
exc_stub_\n:
	.if (\n == 8) || ((\n >= 10) && (\n <= 14)) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
	.else
	push $0
	.endif
	push $\n
	jmp int_common
.endm

	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	STUB \n
	.endr

/* Vectors 32..255: no error code. Stub v sits at irq_stubs + (v - 32) * 16
 * (lib.c computes the address: no table needed). */
	.balign 16
	.globl irq_stubs
irq_stubs:
	.set vec, 32
	.rept 224
	.balign 16
	push $0
	push $vec
	jmp int_common
	.set vec, vec + 1
	.endr

int_common:
#ifdef __x86_64__
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, %rdi
	mov %rsp, %rbx
	and $-16, %rsp
	call int_dispatch
	mov %rbx, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	add $16, %rsp
	iretq
#else
	pusha
	mov %esp, %eax
	push %eax
	call int_dispatch
	add $4, %esp
	popa
	add $8, %esp
	iret
#endif

	.section .rodata
	.balign 8
	.globl exc_stubs
exc_stubs:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	PTR exc_stub_\n
	.endr

/* GDT: 0x08 flat code32, 0x10 flat data, 0x18 code64, 0x20 a 64-bit TSS
 * descriptor (16 bytes) that lib.c fills in when IST stacks are wanted. */
	.section .data
	.balign 16
	.globl gdt
gdt:
	.quad 0
	.quad 0x00CF9A000000FFFF
	.quad 0x00CF92000000FFFF
	.quad 0x00AF9A000000FFFF
	.quad 0, 0
gdt_end:
	.balign 8
	.word 0
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt, 0

	.globl mb_magic, mb_info_addr
	.balign 4
mb_magic:	.long 0
mb_info_addr:	.long 0

	.section .bss
	.balign 4096
#ifdef __x86_64__
	.globl guest_pd
guest_pml4:	.skip 4096
guest_pdpt:	.skip 4096
guest_pd:	.skip 4 * 4096
#endif
	.balign 16
stack_bottom:	.skip 32768
	.globl stack_top
stack_top:
