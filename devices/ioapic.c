/* I/O APIC register model (Intel 82093AA datasheet, section 3; the EOI
 * register from the ICH datasheets' IOxAPIC chapter).
 *
 * How pins become messages:
 *  - edge-triggered entries send one message per assertion edge seen by
 *    ioapic_set_irq. An edge on a masked pin is lost: 82093AA 3.2.4, bit
 *    16: "Edge-sensitive interrupts signaled on a masked interrupt pin are
 *    ignored (i.e., not delivered or held pending)".
 *  - level-triggered entries send while the pin is asserted and remote IRR
 *    is 0; sending sets remote IRR, and an EOI with the entry's vector
 *    (LAPIC broadcast or the EOI register) clears it, after which a pin
 *    still asserted sends again. The level is re-sampled on unmask too,
 *    so masking never loses a level interrupt.
 *  - SMI, NMI, INIT and ExtINT are edge-only (3.2.4, bits 10:8: "treated
 *    as an edge triggered interrupt, even if it is programmed as a level
 *    triggered interrupt"): a level entry of those modes behaves as edge
 *    and never sets remote IRR, which no LAPIC EOI would clear.
 *  - the reserved delivery modes 011b and 110b send nothing (110b would
 *    read as STARTUP in the ICR encoding the callback uses). */
#include "devices/ioapic.h"
#include "devices/bus.h"
#include "devices/lapic.h"
#include "lib/libc.h"

/* Bits software may write; the rest are RO (delivery status, remote IRR)
 * or reserved (55:17), which read 0. */
#define RTE_LOW_WRITABLE  (IOAPIC_RTE_VECTOR | IOAPIC_RTE_DELMOD | \
			   IOAPIC_RTE_DESTMOD | IOAPIC_RTE_INTPOL | \
			   IOAPIC_RTE_TRIGGER | IOAPIC_RTE_MASKED)
#define RTE_HIGH_WRITABLE 0xFF000000u

#define ALL_ONES          0xFFFFFFFFu

void ioapic_init(struct ioapic *io, uint8_t id, const struct ioapic_ops *ops,
		 void *opaque)
{
	memset(io, 0, sizeof(*io));
	io->id = id & (IOAPIC_ID_MASK >> IOAPIC_ID_SHIFT);
	io->ops = ops;
	io->opaque = opaque;
	for (unsigned pin = 0; pin < IOAPIC_NPINS; pin++)
		io->rte[pin] = IOAPIC_RTE_MASKED;
}

/* Polarity is applied here, on the electrical level (3.2.4, bit 13). */
static bool pin_asserted(const struct ioapic *io, unsigned pin)
{
	bool high = (io->lines >> pin) & 1;

	return (io->rte[pin] & IOAPIC_RTE_INTPOL) ? !high : high;
}

static bool mode_is_sendable(uint32_t mode)
{
	switch (mode) {
	case APIC_ICR_DM_FIXED:
	case APIC_ICR_DM_LOWPRI:
	case APIC_ICR_DM_SMI:
	case APIC_ICR_DM_NMI:
	case APIC_ICR_DM_INIT:
	case APIC_ICR_DM_EXTINT:
		return true;
	default:
		return false;
	}
}

/* Level semantics (remote IRR, EOI) apply to fixed and lowest-priority
 * entries only; see the file comment. */
static bool rte_is_level(uint64_t rte)
{
	uint32_t mode = (uint32_t)rte & IOAPIC_RTE_DELMOD;

	if (!(rte & IOAPIC_RTE_TRIGGER))
		return false;
	return mode == APIC_ICR_DM_FIXED || mode == APIC_ICR_DM_LOWPRI;
}

/* Send the entry's message if the entry lets it through now. */
static void ioapic_send(struct ioapic *io, unsigned pin)
{
	uint64_t rte = io->rte[pin];
	uint32_t mode = (uint32_t)rte & IOAPIC_RTE_DELMOD;
	bool level = rte_is_level(rte);

	if ((rte & IOAPIC_RTE_MASKED) || !mode_is_sendable(mode))
		return;
	if (level) {
		if (rte & IOAPIC_RTE_REMOTE_IRR)
			return;
		/* Set before the callback, so that an EOI the callback
		 * causes at once finds it set. */
		io->rte[pin] |= IOAPIC_RTE_REMOTE_IRR;
	}
	if (io->ops == NULL || io->ops->deliver == NULL)
		return;
	io->ops->deliver(io->opaque, (uint32_t)(rte >> IOAPIC_RTE_DEST_SHIFT),
			 (rte & IOAPIC_RTE_DESTMOD) != 0, mode,
			 (uint8_t)(rte & IOAPIC_RTE_VECTOR), level);
}

void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level)
{
	bool was;

	if (pin >= IOAPIC_NPINS)
		return;
	was = pin_asserted(io, pin);
	if (level)
		io->lines |= 1u << pin;
	else
		io->lines &= ~(1u << pin);
	if (!pin_asserted(io, pin))
		return;
	/* A level entry sends whenever asserted (ioapic_send checks remote
	 * IRR); an edge entry only on the transition. */
	if (rte_is_level(io->rte[pin]) || !was)
		ioapic_send(io, pin);
}

void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
	/* Every entry with the vector, not just the first: the ICH EOI
	 * register description says so for shared vectors. */
	for (unsigned pin = 0; pin < IOAPIC_NPINS; pin++) {
		uint64_t rte = io->rte[pin];

		if (!(rte & IOAPIC_RTE_REMOTE_IRR) ||
		    (rte & IOAPIC_RTE_VECTOR) != vector)
			continue;
		io->rte[pin] &= ~(uint64_t)IOAPIC_RTE_REMOTE_IRR;
		if (pin_asserted(io, pin))
			ioapic_send(io, pin);
	}
}

bool ioapic_pin_masked(const struct ioapic *io, unsigned pin)
{
	if (pin >= IOAPIC_NPINS)
		return true;
	return (io->rte[pin] & IOAPIC_RTE_MASKED) != 0;
}

static uint32_t rte_read(const struct ioapic *io, unsigned pin, bool high)
{
	uint64_t rte = io->rte[pin];

	return high ? (uint32_t)(rte >> 32) : (uint32_t)rte;
}

static void rte_write(struct ioapic *io, unsigned pin, bool high, uint32_t v)
{
	uint64_t rte = io->rte[pin];

	if (high) {
		rte = (rte & 0xFFFFFFFFu) | (uint64_t)(v & RTE_HIGH_WRITABLE) << 32;
		io->rte[pin] = rte;
		return;
	}
	rte = (rte & ~(uint64_t)RTE_LOW_WRITABLE) | (v & RTE_LOW_WRITABLE);
	/* Remote IRR means nothing for an edge entry; clearing it on the
	 * switch to edge is what Linux relies on to unstick an entry on
	 * IOAPICs without the EOI register (mask, set edge, set level). */
	if (!(rte & IOAPIC_RTE_TRIGGER))
		rte &= ~(uint64_t)IOAPIC_RTE_REMOTE_IRR;
	io->rte[pin] = rte;
	/* Re-sample a level pin: unmasking (or turning into level) an
	 * asserted pin sends now. Edges are only ever seen by set_irq. */
	if (rte_is_level(rte) && pin_asserted(io, pin))
		ioapic_send(io, pin);
}

static bool is_rte_reg(uint8_t reg)
{
	return reg >= IOAPIC_REG_REDTBL && reg < IOAPIC_REG_REDTBL_END;
}

/* Index 0x10 + 2n is pin n's low half, 0x11 + 2n its high half. */
static unsigned rte_pin(uint8_t reg)
{
	return ((unsigned)reg - IOAPIC_REG_REDTBL) >> 1;
}

/* Unimplemented indices read all-ones (as QEMU's does; undefined on the
 * datasheet). */
static uint32_t ioapic_read_reg(const struct ioapic *io, uint8_t reg)
{
	switch (reg) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB:
		/* 3.2.3: the arbitration ID is loaded with the ID. */
		return (uint32_t)io->id << IOAPIC_ID_SHIFT;
	case IOAPIC_REG_VER:
		return IOAPIC_VER_VALUE;
	default:
		if (!is_rte_reg(reg))
			return ALL_ONES;
		return rte_read(io, rte_pin(reg), reg & 1);
	}
}

static void ioapic_write_reg(struct ioapic *io, uint8_t reg, uint32_t v)
{
	switch (reg) {
	case IOAPIC_REG_ID:
		io->id = (uint8_t)((v & IOAPIC_ID_MASK) >> IOAPIC_ID_SHIFT);
		break;
	case IOAPIC_REG_VER:
	case IOAPIC_REG_ARB:
		break;                  /* read-only */
	default:
		if (is_rte_reg(reg))
			rte_write(io, rte_pin(reg), reg & 1, v);
		break;
	}
}

/* The 82093AA/82374 datasheets have every register accessed with 32-bit
 * loads and stores. ICH IOxAPICs document IOREGSEL as an 8-bit register,
 * so a byte write there selects a register on those chips; this model,
 * like bhyve's, ignores it (Linux and FreeBSD write it with 32-bit stores). */
int ioapic_mmio(void *dev, uint64_t addr, unsigned size, bool write,
		uint64_t *val)
{
	struct ioapic *io = dev;
	uint32_t off = (uint32_t)(addr & (IOAPIC_MMIO_SIZE - 1));
	uint32_t v = write ? (uint32_t)*val : ALL_ONES;

	if (size != 4) {
		if (!write)
			*val = size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
		return BUS_OK;
	}
	switch (off) {
	case IOAPIC_IOREGSEL:
		if (write)
			io->ioregsel = (uint8_t)v;
		else
			v = io->ioregsel;
		break;
	case IOAPIC_IOWIN:
		if (write)
			ioapic_write_reg(io, io->ioregsel, v);
		else
			v = ioapic_read_reg(io, io->ioregsel);
		break;
	case IOAPIC_EOIR:
		/* Write-only: reads float. */
		if (write)
			ioapic_eoi(io, (uint8_t)v);
		break;
	default:
		break;
	}
	if (!write)
		*val = v;
	return BUS_OK;
}
