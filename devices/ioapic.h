/* I/O APIC model: 24 pins, version 0x20 (the ICH/PIIX-style IOxAPIC with
 * the directed-EOI register at +0x40).
 * Intel 82093AA datasheet (290566): 3.1 IOREGSEL/IOWIN, 3.2.1 ID, 3.2.2
 * version, 3.2.3 arbitration, 3.2.4 IOREDTBL; ICH datasheets for the EOI
 * register.
 *
 * Inputs are the pins' ELECTRICAL levels (ioapic_set_irq): the entry's
 * polarity bit decides whether a level counts as asserted, as the chip's
 * input stage does. Every line starts electrically low, so the integrator
 * must drive idle active-low lines (the ACPI SCI) high after ioapic_init;
 * that is harmless while the pin is masked, as it is after reset.
 *
 * Delivery is instantaneous (the deliver callback runs before the access
 * or ioapic_set_irq returns), so the delivery-status bit always reads 0.
 * The model is pure logic: no globals, no locking (callers serialize). */
#ifndef VIREO_DEVICES_IOAPIC_H
#define VIREO_DEVICES_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define IOAPIC_DEFAULT_BASE   0xFEC00000ULL
#define IOAPIC_MMIO_SIZE      0x1000
#define IOAPIC_NPINS          24
#define IOAPIC_VERSION        0x20u     /* has the EOI register */

/* Direct (MMIO) registers, offsets in the window. */
#define IOAPIC_IOREGSEL       0x00      /* index, bits 7:0 */
#define IOAPIC_IOWIN          0x10      /* data of the selected register */
#define IOAPIC_EOIR           0x40      /* write a vector: clear remote IRR */

/* Indirect registers, selected through IOREGSEL (82093AA 3.2). */
#define IOAPIC_REG_ID         0x00
#define IOAPIC_REG_VER        0x01
#define IOAPIC_REG_ARB        0x02
#define IOAPIC_REG_REDTBL     0x10      /* pin n: 0x10 + 2n low, +1 high */
#define IOAPIC_REG_REDTBL_END (IOAPIC_REG_REDTBL + 2 * IOAPIC_NPINS)

#define IOAPIC_ID_SHIFT       24
#define IOAPIC_ID_MASK        0x0F000000u   /* ID bits 27:24 */
#define IOAPIC_VER_MRE_SHIFT  16            /* max redirection entry */
#define IOAPIC_VER_VALUE      (IOAPIC_VERSION | \
			       ((IOAPIC_NPINS - 1u) << IOAPIC_VER_MRE_SHIFT))

/* Redirection table entry, 82093AA 3.2.4. The delivery-mode field has the
 * encoding (and the bit position) of the LAPIC ICR's: APIC_ICR_DM_*. */
#define IOAPIC_RTE_VECTOR     0x000000FFu
#define IOAPIC_RTE_DELMOD     0x00000700u
#define IOAPIC_RTE_DESTMOD    0x00000800u   /* 1 = logical */
#define IOAPIC_RTE_DELIVS     0x00001000u   /* delivery status, RO, 0 */
#define IOAPIC_RTE_INTPOL     0x00002000u   /* 1 = active low */
#define IOAPIC_RTE_REMOTE_IRR 0x00004000u   /* RO */
#define IOAPIC_RTE_TRIGGER    0x00008000u   /* 1 = level */
#define IOAPIC_RTE_MASKED     0x00010000u
#define IOAPIC_RTE_DEST_SHIFT 56            /* destination, bits 63:56 */

struct ioapic_ops {
	/* An interrupt message: dest is the entry's 8-bit destination,
	 * delivery_mode an APIC_ICR_DM_* value, level true for a
	 * level-triggered fixed/lowest-priority entry (the LAPIC sets TMR
	 * and will broadcast the EOI back to ioapic_eoi). */
	void (*deliver)(void *opaque, uint32_t dest, bool logical,
			uint32_t delivery_mode, uint8_t vector, bool level);
};

struct ioapic {
	uint8_t id;                    /* 4-bit I/O APIC ID */
	uint8_t ioregsel;              /* selected indirect register */
	uint32_t lines;                /* electrical level, bit n = pin n */
	uint64_t rte[IOAPIC_NPINS];    /* redirection table */
	const struct ioapic_ops *ops;
	void *opaque;
};

/* Reset state: every entry masked and otherwise 0, IOREGSEL 0, all lines
 * low. Only the low 4 bits of 'id' fit the ID register. */
void ioapic_init(struct ioapic *io, uint8_t id, const struct ioapic_ops *ops,
		 void *opaque);
/* bus_mmio_fn for the 4 KiB window (base 4 KiB aligned; addr absolute).
 * Only aligned 32-bit accesses to IOREGSEL, IOWIN and EOIR do anything;
 * any other access reads all-ones and drops writes. Always BUS_OK. */
int ioapic_mmio(void *dev, uint64_t addr, unsigned size, bool write,
		uint64_t *val);
/* Electrical level of 'pin'; out-of-range pins are ignored. */
void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level);
/* A LAPIC EOI of a level-triggered vector (EOI broadcast). */
void ioapic_eoi(struct ioapic *io, uint8_t vector);
/* True when the entry is masked; out-of-range pins count as masked. */
bool ioapic_pin_masked(const struct ioapic *io, unsigned pin);

#endif
