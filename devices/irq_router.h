/* The chipset's interrupt wiring (PIIX3 + I/O APIC, as the MADT the VM
 * gets describes it): devices raise and lower ISA IRQ lines or GSIs here,
 * never an interrupt controller directly. An ISA line n goes both to 8259
 * input n and to I/O APIC pin n, except IRQ0, which the I/O APIC sees on
 * pin 2 (the "IRQ0 -> GSI 2" interrupt source override); the guest masks
 * whichever controller it does not use. Pure logic. */
#ifndef VIREO_DEVICES_IRQ_ROUTER_H
#define VIREO_DEVICES_IRQ_ROUTER_H

#include <stdbool.h>
#include <stdint.h>

#define IRQ_ISA_LINES 16
#define IRQ_GSIS      24

struct irq_router_ops {
	void (*pic_set)(void *opaque, unsigned irq, bool level);
	/* The electrical level of an I/O APIC pin (its polarity decides). */
	void (*ioapic_set)(void *opaque, unsigned gsi, bool level);
};

struct irq_router {
	uint32_t asserted;           /* bit n: ISA line n asserted */
	uint32_t active_low;         /* bit n: GSI n is active-low on the wire */
	const struct irq_router_ops *ops;
	void *opaque;
};

void irq_router_init(struct irq_router *r, const struct irq_router_ops *ops, void *opaque);
/* GSI 'gsi' is wired active-low (a level-triggered PCI-style line such as
 * the ACPI SCI): its I/O APIC pin sees the inverted level. Sets the pin
 * to its idle (high) level at once. */
void irq_router_set_active_low(struct irq_router *r, unsigned gsi);
/* ISA line 'irq' (0-15) asserted or not. */
void irq_set_isa(struct irq_router *r, unsigned irq, bool asserted);
/* The I/O APIC pin an ISA line reaches. */
unsigned irq_isa_to_gsi(unsigned irq);

#endif
