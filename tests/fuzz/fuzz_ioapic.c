/* FUZZ-DEPS: devices/ioapic.c
 *
 * libFuzzer target for the I/O APIC (devices/ioapic.c). The input is a
 * sequence of MMIO accesses (any offset and width), pin level changes and
 * LAPIC EOI broadcasts. A shadow model written from the 82093AA datasheet
 * (3.2.4) runs alongside and every step is checked against it:
 *  - a redirection entry reads back what was written minus the read-only
 *    bits (delivery status 0, remote IRR as the model has it, reserved
 *    55:17 zero); ID/VER/ARB and IOREGSEL read back, other indices and
 *    offsets read all-ones, other widths read all-ones and change nothing;
 *  - the messages delivered (dest, mode, vector, trigger) are exactly the
 *    ones the model predicts: one per assertion edge of an unmasked edge
 *    entry, level entries gated by remote IRR and re-sent after EOI or on
 *    unmask while asserted, nothing for reserved delivery modes. */
#include "tests/fuzz/fuzz.h"

#include <stdbool.h>

#include "devices/bus.h"
#include "devices/ioapic.h"
#include "devices/lapic.h"

#define BASE IOAPIC_DEFAULT_BASE
#define MAXMSG 64
#define LOW_W 0x0001AFFFu       /* vector, delmod, destmod, polarity, trigger, mask */

struct msg {
	uint32_t dest;
	bool logical;
	uint32_t mode;
	uint8_t vector;
	bool level;
};

struct model {
	uint32_t low[IOAPIC_NPINS];     /* writable low bits */
	uint8_t dest[IOAPIC_NPINS];
	bool rirr[IOAPIC_NPINS];
	uint32_t lines;
	uint8_t id, sel;
};

static struct ioapic io;
static struct model md;
static struct msg got[MAXMSG], want[MAXMSG];
static unsigned ngot, nwant;

static void deliver(void *opaque, uint32_t dest, bool logical, uint32_t mode,
		    uint8_t vector, bool level)
{
	(void)opaque;
	if (ngot < MAXMSG)
		got[ngot] = (struct msg){ dest, logical, mode, vector, level };
	ngot++;
}

static const struct ioapic_ops ops = { .deliver = deliver };

/* ---- the model ---- */

static bool m_asserted(unsigned pin)
{
	bool high = (md.lines >> pin) & 1;

	return (md.low[pin] & IOAPIC_RTE_INTPOL) ? !high : high;
}

static uint32_t m_mode(unsigned pin)
{
	return md.low[pin] & IOAPIC_RTE_DELMOD;
}

/* Remote IRR only for level fixed / lowest-priority entries. */
static bool m_level(unsigned pin)
{
	uint32_t mode = m_mode(pin);

	return (md.low[pin] & IOAPIC_RTE_TRIGGER) &&
	       (mode == APIC_ICR_DM_FIXED || mode == APIC_ICR_DM_LOWPRI);
}

static void m_send(unsigned pin)
{
	uint32_t mode = m_mode(pin);

	if (md.low[pin] & IOAPIC_RTE_MASKED)
		return;
	/* 011b and 110b are reserved: nothing goes out. */
	if (mode == 0x300 || mode == 0x600)
		return;
	if (m_level(pin)) {
		if (md.rirr[pin])
			return;
		md.rirr[pin] = true;
	}
	if (nwant < MAXMSG)
		want[nwant] = (struct msg){ md.dest[pin],
			(md.low[pin] & IOAPIC_RTE_DESTMOD) != 0, mode,
			(uint8_t)md.low[pin], m_level(pin) };
	nwant++;
}

static void m_set_irq(unsigned pin, bool level)
{
	if (pin >= IOAPIC_NPINS)
		return;
	bool was = m_asserted(pin);
	if (level)
		md.lines |= 1u << pin;
	else
		md.lines &= ~(1u << pin);
	if (m_asserted(pin) && (m_level(pin) || !was))
		m_send(pin);
}

static void m_eoi(uint8_t vector)
{
	for (unsigned pin = 0; pin < IOAPIC_NPINS; pin++) {
		if (!md.rirr[pin] || (uint8_t)md.low[pin] != vector)
			continue;
		md.rirr[pin] = false;
		if (m_asserted(pin))
			m_send(pin);
	}
}

static void m_write_reg(uint8_t reg, uint32_t v)
{
	if (reg == IOAPIC_REG_ID) {
		md.id = (v >> 24) & 0xF;
		return;
	}
	if (reg < IOAPIC_REG_REDTBL || reg >= IOAPIC_REG_REDTBL_END)
		return;
	unsigned pin = (reg - IOAPIC_REG_REDTBL) / 2;
	if (reg & 1) {
		md.dest[pin] = (uint8_t)(v >> 24);
		return;
	}
	md.low[pin] = v & LOW_W;
	if (!(md.low[pin] & IOAPIC_RTE_TRIGGER))
		md.rirr[pin] = false;
	if (m_level(pin) && m_asserted(pin))
		m_send(pin);
}

static uint32_t m_read_reg(uint8_t reg)
{
	if (reg == IOAPIC_REG_ID || reg == IOAPIC_REG_ARB)
		return (uint32_t)md.id << 24;
	if (reg == IOAPIC_REG_VER)
		return 0x00170020u;
	if (reg < IOAPIC_REG_REDTBL || reg >= IOAPIC_REG_REDTBL_END)
		return 0xFFFFFFFFu;
	unsigned pin = (reg - IOAPIC_REG_REDTBL) / 2;
	if (reg & 1)
		return (uint32_t)md.dest[pin] << 24;
	return md.low[pin] | (md.rirr[pin] ? IOAPIC_RTE_REMOTE_IRR : 0);
}

/* ---- checks ---- */

static void check_msgs(void)
{
	FUZZ_CHECK(ngot == nwant, "%u messages delivered, model expects %u", ngot, nwant);
	for (unsigned i = 0; i < ngot && i < MAXMSG; i++) {
		struct msg *g = &got[i], *w = &want[i];

		FUZZ_CHECK(g->dest == w->dest && g->logical == w->logical &&
			   g->mode == w->mode && g->vector == w->vector &&
			   g->level == w->level,
			   "message %u: dest %#x log %d mode %#x vec %#x lvl %d, "
			   "model dest %#x log %d mode %#x vec %#x lvl %d", i,
			   g->dest, g->logical, g->mode, g->vector, g->level,
			   w->dest, w->logical, w->mode, w->vector, w->level);
	}
	ngot = nwant = 0;
}

static void check_state(void)
{
	check_msgs();
	FUZZ_CHECK(io.id == md.id && io.ioregsel == md.sel, "id %u sel %#x", io.id,
		   io.ioregsel);
	for (unsigned pin = 0; pin < IOAPIC_NPINS; pin++) {
		uint64_t r = io.rte[pin];
		uint64_t m = md.low[pin] | ((uint64_t)md.dest[pin] << 56) |
			     (md.rirr[pin] ? IOAPIC_RTE_REMOTE_IRR : 0);

		FUZZ_CHECK(r == m, "pin %u RTE %#llx, model %#llx", pin,
			   (unsigned long long)r, (unsigned long long)m);
		FUZZ_CHECK(ioapic_pin_masked(&io, pin) ==
			   ((md.low[pin] & IOAPIC_RTE_MASKED) != 0), "pin %u mask", pin);
	}
	FUZZ_CHECK(ioapic_pin_masked(&io, IOAPIC_NPINS), "pin 24 not masked");
}

static void mmio(uint32_t off, unsigned size, bool write, uint64_t v)
{
	uint64_t val = write ? v : 0x5A5A5A5A5A5A5A5Aull;
	int rc = ioapic_mmio(&io, BASE + off, size, write, &val);

	FUZZ_CHECK(rc == BUS_OK, "mmio rc %d", rc);
	off &= IOAPIC_MMIO_SIZE - 1;
	if (size != 4) {
		if (!write) {
			uint64_t ones = size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
			FUZZ_CHECK(val == ones, "size %u read %#llx", size,
				   (unsigned long long)val);
		}
		return;
	}
	uint32_t expect = 0xFFFFFFFFu;
	switch (off) {
	case IOAPIC_IOREGSEL:
		if (write)
			md.sel = (uint8_t)v;
		expect = md.sel;
		break;
	case IOAPIC_IOWIN:
		if (write)
			m_write_reg(md.sel, (uint32_t)v);
		else
			expect = m_read_reg(md.sel);
		break;
	case IOAPIC_EOIR:
		if (write)
			m_eoi((uint8_t)v);
		break;
	default:
		break;
	}
	if (!write)
		FUZZ_CHECK(val == expect, "read off %#x sel %#x: %#llx, model %#x",
			   off, md.sel, (unsigned long long)val, expect);
}

static uint32_t pick_off(uint8_t a, struct fuzz_in *in)
{
	static const uint32_t offs[] = { IOAPIC_IOREGSEL, IOAPIC_IOWIN, IOAPIC_EOIR };

	if (a < 0xF0)
		return offs[a % 3];
	return fuzz_u16(in);    /* anywhere (and beyond) the window */
}

static void step(struct fuzz_in *in)
{
	uint8_t op = fuzz_u8(in);
	uint8_t a = fuzz_u8(in);

	switch (op % 8) {
	case 0: {               /* raw access */
		static const unsigned sizes[] = { 4, 4, 4, 1, 2, 8, 3, 0 };
		uint32_t off = pick_off(a, in);
		uint8_t b = fuzz_u8(in);
		mmio(off, sizes[b % 8], b & 0x80, fuzz_u32(in));
		break;
	}
	case 1: {               /* program an entry, as OSes do: high, low */
		unsigned pin = a % 25u;
		mmio(IOAPIC_IOREGSEL, 4, true, IOAPIC_REG_REDTBL + 2 * pin + 1);
		mmio(IOAPIC_IOWIN, 4, true, (uint32_t)fuzz_u8(in) << 24);
		mmio(IOAPIC_IOREGSEL, 4, true, IOAPIC_REG_REDTBL + 2 * pin);
		mmio(IOAPIC_IOWIN, 4, true, fuzz_u32(in));
		break;
	}
	case 2:                 /* read an indirect register */
		mmio(IOAPIC_IOREGSEL, 4, true, a);
		mmio(IOAPIC_IOWIN, 4, false, 0);
		break;
	case 3:
		ioapic_set_irq(&io, a % 26u, true);
		m_set_irq(a % 26u, true);
		break;
	case 4:
		ioapic_set_irq(&io, a % 26u, false);
		m_set_irq(a % 26u, false);
		break;
	case 5:                 /* LAPIC EOI broadcast */
		ioapic_eoi(&io, a);
		m_eoi(a);
		break;
	case 6:                 /* EOI register */
		mmio(IOAPIC_EOIR, 4, true, a);
		break;
	default: {              /* write the low half only (mask/unmask) */
		unsigned pin = a % 24u;
		mmio(IOAPIC_IOREGSEL, 4, true, IOAPIC_REG_REDTBL + 2 * pin);
		mmio(IOAPIC_IOWIN, 4, true, fuzz_u32(in));
		break;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in_init(data, size);
	uint8_t id = fuzz_u8(&in);

	memset(&md, 0, sizeof(md));
	ngot = nwant = 0;
	ioapic_init(&io, id, &ops, NULL);
	md.id = id & 0xF;
	for (unsigned pin = 0; pin < IOAPIC_NPINS; pin++)
		md.low[pin] = IOAPIC_RTE_MASKED;
	check_state();
	while (fuzz_left(&in) > 0) {
		step(&in);
		check_state();
	}
	return 0;
}
