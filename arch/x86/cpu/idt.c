/* The host IDT: 256 interrupt gates, each pointing at its isr.S stub. */
#include "arch/x86/cpu/idt.h"
#include "arch/x86/cpu/gdt.h"
#include "arch/x86/cpu/traps.h"

/* 64-bit IDT gate descriptor (SDM Vol. 3 6.14.1, figure 6-8). */
struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;       /* bits 2:0 */
	uint8_t type_attr; /* P | DPL | type */
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gate is 16 bytes");

/* P=1, DPL=0, type 0xE = 64-bit interrupt gate (clears IF on entry). */
#define IDT_GATE_INTR 0x8e

extern char isr_stubs[]; /* isr.S */

/* Machine-global: the one CPU's IDT. */
static struct idt_gate idt[IDT_ENTRIES] __attribute__((aligned(16)));

static void set_gate(int vec, uint64_t handler, uint8_t ist)
{
	struct idt_gate *g = &idt[vec];

	g->offset_lo = (uint16_t)handler;
	g->selector = GDT_KERNEL_CS;
	g->ist = ist;
	g->type_attr = IDT_GATE_INTR;
	g->offset_mid = (uint16_t)(handler >> 16);
	g->offset_hi = (uint32_t)(handler >> 32);
	g->reserved = 0;
}

void idt_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)idt };

	for (int v = 0; v < IDT_ENTRIES; v++)
		set_gate(v, (uint64_t)isr_stubs + (uint64_t)v * ISR_STUB_SIZE, 0);
	/* Faults that can arrive with a bad or overflowed stack get their own
	 * (SDM Vol. 3 6.14.5). */
	set_gate(X86_TRAP_DF, (uint64_t)isr_stubs + X86_TRAP_DF * ISR_STUB_SIZE, IST_DOUBLE_FAULT);
	set_gate(X86_TRAP_NMI, (uint64_t)isr_stubs + X86_TRAP_NMI * ISR_STUB_SIZE, IST_NMI_MCE);
	set_gate(X86_TRAP_MC, (uint64_t)isr_stubs + X86_TRAP_MC * ISR_STUB_SIZE, IST_NMI_MCE);
	__asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
}

uint64_t idt_base(void)
{
	return (uint64_t)idt;
}

uint16_t idt_limit(void)
{
	return sizeof(idt) - 1;
}
