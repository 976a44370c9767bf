/* realmode: a raw image started in 16-bit real mode at 0:0x7c00. It prints
 * through COM1 at every stage, goes real mode -> protected mode -> long mode
 * (PAE paging, EFER.LME, CR0.PG), verifies each switch by reading CR0, CR4
 * and EFER back, and ends with a debug-exit (v = 0, or 1 on a failure).
 * Linked at 0x7c00 and flattened with objcopy -O binary; the 0xAA55 tail
 * makes it a valid boot sector too, so a BIOS can boot it natively. */

#define COM1 0x3F8
#define PML4 0x1000
#define PDPT 0x2000
#define PD   0x3000

	.text
	.code16
	.globl start
start:
	cli
	cld
	xor %ax, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $0x7c00, %sp
	ljmp $0, $1f
1:	mov $msg_real, %si
	call puts16
	mov %cr0, %eax
	test $1, %al
	jnz fail16                      /* CR0.PE must be clear */
	lgdtl gdtr
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x08, $pm32

puts16:	lodsb
	test %al, %al
	jz 2f
	mov %al, %ah
	mov $COM1 + 5, %dx
1:	in %dx, %al
	test $0x20, %al
	jz 1b
	mov %ah, %al
	mov $COM1, %dx
	out %al, %dx
	jmp puts16
2:	ret

fail16:	mov $msg_fail, %si
	call puts16
	mov $1, %eax
	mov $0xf4, %dx
	outl %eax, %dx
	hlt

	.code32
pm32:	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $0x7c00, %esp
	mov %cr0, %eax
	test $1, %al
	jz fail
	mov $msg_pm, %esi
	call puts
	/* page tables: PML4[0] -> PDPT[0] -> PD: 512 x 2 MiB identity (1 GiB) */
	mov $PML4, %edi
	mov $3 * 1024, %ecx
	xor %eax, %eax
	rep stosl
	movl $PDPT + 3, PML4
	movl $PD + 3, PDPT
	mov $PD, %edi
	mov $0x83, %eax
	mov $512, %ecx
1:	mov %eax, (%edi)
	add $0x200000, %eax
	add $8, %edi
	loop 1b
	mov %cr4, %eax
	or $0x20, %eax                  /* PAE */
	mov %eax, %cr4
	mov $PML4, %eax
	mov %eax, %cr3
	mov $0xC0000080, %ecx
	rdmsr
	or $0x100, %eax                 /* EFER.LME */
	wrmsr
	mov %cr0, %eax
	or $0x80000000, %eax            /* PG */
	mov %eax, %cr0
	ljmp $0x18, $lm64

/* prints the string at ESI/RSI: the same bytes work in 32- and 64-bit mode */
puts:	lodsb
	test %al, %al
	jz 2f
	mov %al, %ah
	mov $COM1 + 5, %edx
1:	in %dx, %al
	test $0x20, %al
	jz 1b
	mov %ah, %al
	mov $COM1, %edx
	out %al, %dx
	jmp puts
2:	ret

/* also valid in 64-bit mode */
fail:	mov $msg_fail, %esi
	call puts
	mov $1, %eax
	mov $0xf4, %edx
	out %eax, %dx
	hlt

	.code64
lm64:	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %ss
	mov $0xC0000080, %ecx
	rdmsr
	test $0x400, %eax               /* EFER.LMA */
	jz fail
	mov %cr0, %rax
	bt $31, %rax                    /* CR0.PG */
	jnc fail
	mov %cr4, %rax
	test $0x20, %al                 /* CR4.PAE */
	jz fail
	mov %cr3, %rax
	cmp $PML4, %rax
	jne fail
	mov $msg_lm, %esi
	call puts
	mov $msg_pass, %esi
	call puts
	xor %eax, %eax
	mov $0xf4, %edx
	out %eax, %dx
3:	hlt
	jmp 3b

	.balign 8
gdt:	.quad 0
	.quad 0x00CF9A000000FFFF        /* 0x08 code32 */
	.quad 0x00CF92000000FFFF        /* 0x10 data */
	.quad 0x00AF9A000000FFFF        /* 0x18 code64 */
gdtr:	.word gdtr - gdt - 1
	.long gdt

msg_real:	.asciz "real mode\n"
msg_pm:		.asciz "protected mode\n"
msg_lm:		.asciz "long mode\n"
msg_pass:	.asciz "RESULT: PASS\n"
msg_fail:	.asciz "RESULT: FAIL (1 failures)\n"

	.org 510
	.word 0xAA55
