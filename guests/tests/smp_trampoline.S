/* smp: the application processors' start-up code.
 *
 * smp_tramp_start..smp_tramp_end is a position-independent 16-bit real-mode
 * blob that smp.c copies to a page below 1 MiB (SMP_TRAMP_BASE); a STARTUP
 * IPI with vector V starts an AP there at CS:IP = (V<<8):0000. It loads the
 * guest's flat GDT (start.S, 0x08 code / 0x10 data) with a descriptor kept
 * inside the blob (addressed DS = CS relative, so any page works), sets
 * CR0.PE and far-jumps to smp_ap_pm32 in the kernel image above 1 MiB.
 *
 * smp_ap_pm32 (32-bit) loads the data segments, the BSP's IDT (smp_ap_idtr,
 * filled by the BSP), takes a start ticket with `lock xadd` (tickets count
 * AP starts, so a stray or repeated start shows up), picks the ticket's
 * stack and calls smp_ap_main(ticket) (smp.c), then parks in `cli; hlt`. */

#define AP_STACK_SIZE 4096
#define AP_MAX        64

	.section .rodata
	.code16
	.balign 16
	.globl smp_tramp_start, smp_tramp_end
smp_tramp_start:
	cli
	cld
	mov %cs, %ax
	mov %ax, %ds
	/* CR0.PE must be clear: we came from INIT + STARTUP */
	lgdtl tramp_gdtr - smp_tramp_start
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x08, $smp_ap_pm32
	.balign 8
tramp_gdtr:
	.word 4 * 8 - 1                 /* start.S: null, code32, data, code64 */
	.long gdt
smp_tramp_end:

	.text
	.code32
	.globl smp_ap_pm32
smp_ap_pm32:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	mov %ax, %ss
	lidt smp_ap_idtr
	mov $1, %eax
	lock xadd %eax, smp_ap_tickets
	cmp $AP_MAX, %eax
	jae 2f                          /* more starts than stacks: just count */
	mov %eax, %ecx
	inc %ecx
	shl $12, %ecx                   /* (ticket + 1) * AP_STACK_SIZE */
	lea smp_ap_stacks(%ecx), %esp
	xor %ebp, %ebp
	push %eax
	call smp_ap_main
	add $4, %esp
2:	cli
	hlt
	jmp 2b

	.data
	.balign 8
	.globl smp_ap_idtr, smp_ap_tickets
	.word 0
smp_ap_idtr:
	.word 0
	.long 0
smp_ap_tickets:
	.long 0

	.bss
	.balign 4096
smp_ap_stacks:
	.skip AP_MAX * AP_STACK_SIZE
