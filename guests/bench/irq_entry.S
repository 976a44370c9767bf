/* Interrupt round-trip benchmarks: the interrupt handlers and the start-up
 * code of vCPU 1 (64-bit guest, see irq.c).
 *
 * The handlers are installed straight into the IDT (irq.c: set_gate), not
 * through the guest library's irq_set_handler(): the library's common stub
 * saves every register and calls C, about a hundred instructions that would
 * count in every round trip. These do what a round trip needs and no more:
 * count, EOI, IRET (vCPU 1's also sends the reply). */
#include "irq.h"

	.text
	.code64

/* xAPIC: count in bench_irq_count, EOI through MMIO 0xFEE000B0. */
	.globl bench_irq_xapic
bench_irq_xapic:
	push %rax
	incl bench_irq_count(%rip)
	mov $BENCH_XAPIC_EOI, %eax
	movl $0, (%rax)
	pop %rax
	iretq

/* x2APIC: count, EOI through WRMSR 0x80B. */
	.globl bench_irq_x2apic
bench_irq_x2apic:
	push %rax
	push %rcx
	push %rdx
	incl bench_irq_count(%rip)
	mov $0x80b, %ecx
	xor %eax, %eax
	xor %edx, %edx
	wrmsr
	pop %rdx
	pop %rcx
	pop %rax
	iretq

/* vCPU 1's ping handler: count, EOI, then the reply: a fixed IPI of
 * BENCH_V_PONG to APIC ID 0 (vCPU 1's ICR high holds destination 0, written
 * once by bench_ap_main, so the send is the one write to ICR low). */
	.globl bench_irq_ping
bench_irq_ping:
	push %rax
	incl bench_ping_count(%rip)
	mov $BENCH_XAPIC_EOI, %eax
	movl $0, (%rax)
	mov $BENCH_XAPIC_ICR, %eax
	movl $(BENCH_ICR_ASSERT | BENCH_V_PONG), (%rax)
	pop %rax
	iretq

/* ---- vCPU 1 start-up
 * bench_tramp_start..bench_tramp_end is position-independent 16-bit code
 * that irq.c copies to BENCH_AP_TRAMP; a STARTUP IPI with vector
 * BENCH_AP_TRAMP >> 12 starts the AP there in real mode. It loads the guest
 * runtime's GDT (start.S: 0x08 code32, 0x10 data, 0x18 code64) through a
 * descriptor inside the blob, enters protected mode, then long mode with the
 * BSP's page tables (bench_ap_cr3), loads the BSP's IDT (bench_ap_idtr),
 * takes a start ticket and calls bench_ap_main(ticket) on its own stack,
 * as guests/tests/smp_trampoline.S does for 32-bit guests. */
	.section .rodata
	.code16
	.balign 16
	.globl bench_tramp_start, bench_tramp_end
bench_tramp_start:
	cli
	cld
	mov %cs, %ax
	mov %ax, %ds
	lgdtl tramp_gdtr - bench_tramp_start
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x08, $ap_pm32
	.balign 8
tramp_gdtr:
	.word 4 * 8 - 1
	.long gdt
bench_tramp_end:

	.text
	.code32
ap_pm32:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %cr4, %eax
	or $0x20, %eax                  /* PAE */
	mov %eax, %cr4
	mov bench_ap_cr3, %eax
	mov %eax, %cr3
	mov $0xC0000080, %ecx           /* EFER.LME */
	rdmsr
	or $0x100, %eax
	wrmsr
	mov %cr0, %eax
	or $0x80000001, %eax            /* PG|PE */
	mov %eax, %cr0
	ljmp $0x18, $ap_long

	.code64
ap_long:
	lidt bench_ap_idtr(%rip)
	mov $1, %eax
	lock xadd %eax, bench_ap_tickets(%rip)
	cmp $BENCH_AP_MAX, %eax
	jae 2f                          /* more starts than stacks: just count */
	lea 1(%rax), %ecx
	imul $BENCH_AP_STACK, %ecx
	lea ap_stacks(%rip), %rsp
	add %rcx, %rsp
	xor %ebp, %ebp
	mov %eax, %edi
	call bench_ap_main
2:	cli
	hlt
	jmp 2b

	.data
	.balign 16
	.globl bench_ap_idtr, bench_ap_cr3, bench_ap_tickets
	.skip 6
bench_ap_idtr:                          /* limit at +0, base at +2: the base 8-aligned */
	.word 0
	.quad 0
bench_ap_cr3:
	.long 0
bench_ap_tickets:
	.long 0

	.bss
	.balign 4096
ap_stacks:
	.skip BENCH_AP_MAX * BENCH_AP_STACK
