/* Host GDT and TSS (SDM Vol. 3 3.4.5, 8.2.3, 8.7). The VMX code copies the
 * selectors and bases below into the VMCS host-state area. */
#ifndef VIREO_ARCH_X86_CPU_GDT_H
#define VIREO_ARCH_X86_CPU_GDT_H

#define GDT_NULL       0x00
#define GDT_KERNEL_CS  0x08 /* 64-bit code, DPL 0 */
#define GDT_KERNEL_DS  0x10 /* data, DPL 0; also used for SS */
#define GDT_KERNEL_SS  GDT_KERNEL_DS
#define GDT_TSS        0x18 /* 16-byte 64-bit TSS descriptor */
#define GDT_ENTRIES    5    /* null, code, data, TSS (2 slots) */

/* Interrupt Stack Table slots (SDM Vol. 3 6.14.5), as IDT gate IST values. */
#define IST_DOUBLE_FAULT 1
#define IST_NMI_MCE      2

#ifndef __ASSEMBLY__
#include <stdint.h>

/* Load the GDT, reload every segment register (CS by far return) and TR. */
void gdt_init(void);
uint64_t gdt_base(void);
uint16_t gdt_limit(void);
/* The TSS limit is 0x67 (104 bytes, no I/O bitmap), which is also what a
 * VM exit loads into TR.limit (SDM Vol. 3 28.5.2). */
uint64_t tss_base(void);
#endif

#endif
