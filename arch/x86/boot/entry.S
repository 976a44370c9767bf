/* 32-bit entry from the bootloader: build identity page tables for the
 * first 4 GiB (2 MiB pages), enable long mode (SDM Vol. 3 10.8.5) and call
 * kmain(magic, info) in 64-bit mode. The multiboot specs leave us in flat
 * 32-bit protected mode with paging off, EAX = magic, EBX = info. */

#define X86_CR0_PE  (1 << 0)
#define X86_CR0_NE  (1 << 5)
#define X86_CR0_WP  (1 << 16)
#define X86_CR0_PG  (1 << 31)
#define X86_CR4_PAE (1 << 5)
#define MSR_IA32_EFER 0xC0000080
#define X86_EFER_LME (1 << 8)
#define PTE_P   (1 << 0)
#define PTE_W   (1 << 1)
#define PTE_PS  (1 << 7)

	.section .text.boot, "ax"
	.code32
	.globl _start32
_start32:
	cli
	cld
	movl %eax, %edi                 /* keep magic and info for kmain */
	movl %ebx, %esi
	movl $boot_stack_top, %esp

	/* Zero the boot page tables: the loader may not clear .bss for us. */
	pushl %edi
	movl $boot_pml4, %edi
	movl $((6 * 4096) / 4), %ecx
	xorl %eax, %eax
	rep stosl
	popl %edi

	/* PML4[0] -> PDPT; PDPT[0..3] -> four page directories. */
	movl $boot_pdpt, %eax
	orl $(PTE_P | PTE_W), %eax
	movl %eax, boot_pml4
	movl $boot_pd, %eax
	orl $(PTE_P | PTE_W), %eax
	movl $boot_pdpt, %ebx
	movl $4, %ecx
1:	movl %eax, (%ebx)
	addl $4096, %eax
	addl $8, %ebx
	loop 1b

	/* 2048 2 MiB pages: identity map of 0-4 GiB. */
	movl $boot_pd, %ebx
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $21, %eax
	orl $(PTE_P | PTE_W | PTE_PS), %eax
	movl %eax, (%ebx, %ecx, 8)
	movl %ecx, %eax
	shrl $11, %eax                  /* high dword: (i << 21) >> 32 */
	movl %eax, 4(%ebx, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jne 2b

	movl %cr4, %eax
	orl $X86_CR4_PAE, %eax
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $MSR_IA32_EFER, %ecx
	rdmsr
	orl $X86_EFER_LME, %eax
	wrmsr
	/* GRUB leaves CD/NW set: start with caches on, NE for VMXON. */
	movl $(X86_CR0_PE | X86_CR0_NE | X86_CR0_WP | X86_CR0_PG), %eax
	movl %eax, %cr0

	lgdt boot_gdt_desc
	ljmp $0x08, $start64

	.code64
start64:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movabsq $boot_stack_top, %rsp
	xorq %rbp, %rbp                 /* terminates stack traces */
	/* edi = magic, esi = info: already the SysV argument registers. */
	movl %edi, %edi
	movl %esi, %esi
	call kmain
3:	cli
	hlt
	jmp 3b

	.section .rodata.boot, "a"
	.balign 16
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff        /* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff        /* 0x10: data */
boot_gdt_end:
boot_gdt_desc:
	.short boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	.section .bss.boot, "aw", @nobits
	.balign 4096
	.globl boot_pml4
boot_pml4:	.skip 4096
boot_pdpt:	.skip 4096
boot_pd:	.skip 4 * 4096
	.balign 16
	.globl boot_stack_top
boot_stack:	.skip 32768
boot_stack_top:
