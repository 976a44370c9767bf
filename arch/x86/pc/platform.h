/* A VM's PC platform: the chipset devices of a PIIX3-era PC (8259 pair,
 * I/O APIC, 8254, RTC/CMOS, PCI configuration space, ACPI PM registers,
 * COM1's interrupt) wired through one interrupt router, each with its
 * timer in the physical CPU's queue. Interrupt routing:
 *
 *   device --ISA IRQ--> irq_router --+--> 8259 pair --INTR--> BSP LINT0 (ExtINT)
 *                                    +--> I/O APIC --message--> local APICs
 *
 * The guest masks whichever controller it does not use; both see every
 * line, as on the real chipset. */
#ifndef VIREO_ARCH_X86_PC_PLATFORM_H
#define VIREO_ARCH_X86_PC_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/timer.h"
#include "devices/acpi_pm.h"
#include "devices/i8042.h"
#include "devices/ioapic.h"
#include "devices/irq_router.h"
#include "devices/pci.h"
#include "devices/pic8259.h"
#include "devices/pit8254.h"
#include "devices/rtc.h"

struct vm;
struct pc_platform;

/* One device's link to the platform: its timer and its interrupt line. */
struct pc_slot {
	struct pc_platform *pc;
	struct vtimer timer;
	void (*expired)(void *dev);
	void *dev;
};

struct pc_platform {
	struct vm *vm;
	struct irq_router irqs;
	struct pic8259 pic;
	struct ioapic ioapic;
	struct rtc rtc;
	struct pci pci;
	struct acpi_pm pm;
	struct pit8254 pit;
	struct i8042 kbc;
	struct pc_slot rtc_slot, pm_slot, uart_slot, pit_slot;
};

int pc_platform_init(struct vm *vm, char *err, size_t errlen);
void pc_platform_destroy(struct vm *vm);
/* The 8259's INTR as a vCPU's LINT0 sees it, and its acknowledge. */
bool pc_extint_pending(struct vm *vm);
int pc_extint_ack(struct vm *vm);
/* A local APIC's EOI of a level-triggered vector (broadcast). */
void pc_eoi_level(struct vm *vm, uint8_t vector);

#endif
