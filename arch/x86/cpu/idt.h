/* Host IDT (SDM Vol. 3 6.10, 6.14.1). Every vector goes to a stub in isr.S
 * and from there to trap_handler() (traps.c). */
#ifndef VIREO_ARCH_X86_CPU_IDT_H
#define VIREO_ARCH_X86_CPU_IDT_H

#define IDT_ENTRIES 256
/* isr.S emits one stub per vector, each padded to this many bytes, so the
 * stub for vector v is at isr_stubs + v * ISR_STUB_SIZE. */
#define ISR_STUB_SIZE 16

#ifndef __ASSEMBLY__
#include <stdint.h>

/* Fill and load the IDT. Call after gdt_init() (gates use GDT_KERNEL_CS and
 * the TSS's IST stacks). */
void idt_init(void);
uint64_t idt_base(void);
uint16_t idt_limit(void);
#endif

#endif
