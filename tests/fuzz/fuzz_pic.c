/* FUZZ-DEPS: devices/pic8259.c
 *
 * libFuzzer target for the 8259A pair (devices/pic8259.c): the input is a
 * sequence of port accesses, ISA line changes and INTA cycles. After every
 * step the public state is checked against what the datasheet allows:
 *  - INT (as reported by the callback, which must only report changes)
 *    equals a small independent model of the priority resolver;
 *  - level-triggered IRR bits follow their lines, the lines follow what the
 *    harness drove, master IR2 follows the slave's INT;
 *  - an INTA returns the vector of the level the model picked, sets its ISR
 *    bit (unless auto-EOI) and clears an edge request; a spurious one is
 *    base + 7 without an ISR bit on the answering chip;
 *  - reads give IMR / IRR / ISR / a well-formed poll word; EOI callbacks
 *    name a real ISA IRQ (never the cascade) whose ISR bit was set.
 *
 * Input: repeated [op u8][args...]; see the switch in step(). */
#include "tests/fuzz/fuzz.h"

#include <stdbool.h>

#include "devices/bus.h"
#include "devices/pic8259.h"

#define NONE (-1)

struct harness {
	struct pic8259 pic;
	bool intr;              /* INT as last reported by the callback */
	uint16_t lines;         /* ISA levels the harness drove (bit n = IRQ n) */
};

static struct harness h;

static void intr_changed(void *opaque, bool level)
{
	struct harness *hh = opaque;

	FUZZ_CHECK(level != hh->intr, "INT reported without a change (%d)", level);
	hh->intr = level;
}

static void eoi_cb(void *opaque, unsigned irq)
{
	struct harness *hh = opaque;

	FUZZ_CHECK(irq < PIC_NR_IRQS, "EOI callback for irq %u", irq);
	/* The master's cascade input has no device behind it. */
	bool cascade = !(hh->pic.chip[0].icw1 & 0x02) &&
		       (hh->pic.chip[0].icw3 & (1u << PIC_CASCADE_IR));
	FUZZ_CHECK(!(irq == PIC_CASCADE_IR && cascade), "EOI callback for the cascade");
}

static const struct pic8259_ops ops = {
	.intr_changed = intr_changed,
	.eoi = eoi_cb,
};

/* ---- an independent model of the resolver (datasheet "Interrupt
 * Sequence", "Special Mask Mode", "Special Fully Nested Mode") ---- */

static unsigned m_rank(const struct pic8259_chip *c, unsigned level)
{
	/* lpr is the lowest priority: lpr + 1 ranks 0 (highest). */
	return (level + 8u - (c->lpr + 1u) % 8u) % 8u;
}

static int m_best(const struct pic8259_chip *c, uint8_t bits)
{
	int best = NONE;

	for (unsigned l = 0; l < 8; l++)
		if ((bits >> l) & 1)
			if (best == NONE || m_rank(c, l) < m_rank(c, (unsigned)best))
				best = (int)l;
	return best;
}

static bool m_cascade(const struct pic8259 *p, unsigned level)
{
	const struct pic8259_chip *m = &p->chip[0];

	return !(m->icw1 & 0x02) && ((m->icw3 >> level) & 1) &&
	       level == PIC_CASCADE_IR;
}

static int m_pending(const struct pic8259 *p, unsigned idx)
{
	const struct pic8259_chip *c = &p->chip[idx];

	if (!c->initialized || c->init_step != 0)
		return NONE;
	int req = m_best(c, (uint8_t)(c->irr & ~c->imr));
	if (req == NONE)
		return NONE;
	uint8_t isr = c->smm ? (uint8_t)(c->isr & ~c->imr) : c->isr;
	int svc = m_best(c, isr);
	if (svc == NONE || m_rank(c, (unsigned)req) < m_rank(c, (unsigned)svc))
		return req;
	if (idx == 0 && c->sfnm && req == svc && m_cascade(p, (unsigned)req))
		return req;
	return NONE;
}

static uint8_t level_mask(const struct pic8259_chip *c)
{
	return (c->icw1 & 0x08) ? 0xFF : c->elcr;
}

static void check_state(void)
{
	const struct pic8259 *p = &h.pic;
	const struct pic8259_chip *m = &p->chip[0], *s = &p->chip[1];

	FUZZ_CHECK(h.intr == pic8259_intr(p), "callback INT %d, model INT %d",
		   h.intr, pic8259_intr(p));
	FUZZ_CHECK(pic8259_intr(p) == (m_pending(p, 0) != NONE),
		   "INT %d but model pending level %d", pic8259_intr(p),
		   m_pending(p, 0));
	/* Lines follow what was driven; master IR2 follows the slave's INT. */
	FUZZ_CHECK(s->lines == (uint8_t)(h.lines >> 8), "slave lines %#x, driven %#x",
		   s->lines, h.lines >> 8);
	FUZZ_CHECK((m->lines & 0xFB) == (uint8_t)(h.lines & 0xFB),
		   "master lines %#x, driven %#x", m->lines, h.lines & 0xFF);
	bool slave_int = m_pending(p, 1) != NONE;
	FUZZ_CHECK(((m->lines >> PIC_CASCADE_IR) & 1) == slave_int,
		   "master IR2 line %d, slave INT %d", (m->lines >> 2) & 1, slave_int);
	for (unsigned i = 0; i < 2; i++) {
		const struct pic8259_chip *c = &p->chip[i];
		uint8_t lm = level_mask(c);

		FUZZ_CHECK((c->irr & lm) == (c->lines & lm),
			   "chip %u level IRR %#x, lines %#x, mask %#x", i,
			   c->irr, c->lines, lm);
		FUZZ_CHECK(c->lpr < 8, "chip %u lpr %u", i, c->lpr);
		FUZZ_CHECK((c->vector_base & 7) == 0, "chip %u base %#x", i,
			   c->vector_base);
		FUZZ_CHECK(c->init_step == 0 || (c->init_step >= 2 && c->init_step <= 4),
			   "chip %u init_step %u", i, c->init_step);
	}
	FUZZ_CHECK((m->elcr & 0x07) == 0 && (s->elcr & 0x21) == 0,
		   "ELCR read-only bits set: %#x %#x", m->elcr, s->elcr);
}

/* INTA: the vector must be the one the model predicts. */
static void do_ack(void)
{
	struct pic8259 *p = &h.pic;
	struct pic8259_chip *m = &p->chip[0], *s = &p->chip[1];
	bool was_init = m->initialized;
	int ml = m_pending(p, 0);
	int sl = ml != NONE && m_cascade(p, (unsigned)ml) ? m_pending(p, 1) : NONE;
	uint8_t m_lm = level_mask(m), s_lm = level_mask(s);
	uint8_t mbase = m->vector_base, sbase = s->vector_base;
	bool maeoi = m->aeoi, saeoi = s->aeoi;
	uint8_t s_isr = s->isr, m_isr = m->isr;

	int v = pic8259_ack(p);
	if (!was_init) {
		FUZZ_CHECK(v == -1, "ack of an uninitialized PIC gave %d", v);
		return;
	}
	FUZZ_CHECK(v >= 0 && v <= 255, "ack vector %d", v);
	if (ml == NONE) {
		FUZZ_CHECK(v == mbase + PIC_SPURIOUS_IR, "spurious ack %#x, base %#x",
			   v, mbase);
		FUZZ_CHECK(m->isr == m_isr, "spurious ack changed master ISR");
		return;
	}
	if (!m_cascade(p, (unsigned)ml)) {
		FUZZ_CHECK(v == mbase + ml, "ack %#x, model level %d base %#x", v, ml, mbase);
		if (!maeoi)
			FUZZ_CHECK((m->isr >> ml) & 1, "ISR bit %d not set after ack", ml);
		if (!((m_lm >> ml) & 1))
			FUZZ_CHECK(!((m->irr >> ml) & 1), "edge IRR %d kept after ack", ml);
		return;
	}
	if (!maeoi)
		FUZZ_CHECK((m->isr >> PIC_CASCADE_IR) & 1, "master IR2 not in service");
	if (sl == NONE) {
		FUZZ_CHECK(v == sbase + PIC_SPURIOUS_IR, "slave spurious %#x base %#x",
			   v, sbase);
		FUZZ_CHECK(s->isr == s_isr, "slave spurious ack changed slave ISR");
		return;
	}
	FUZZ_CHECK(v == sbase + sl, "slave ack %#x, model level %d base %#x", v, sl,
		   sbase);
	if (!saeoi)
		FUZZ_CHECK((s->isr >> sl) & 1, "slave ISR bit %d not set", sl);
	if (!((s_lm >> sl) & 1))
		FUZZ_CHECK(!((s->irr >> sl) & 1), "slave edge IRR %d kept after ack", sl);
}

static uint16_t pick_port(uint8_t sel)
{
	static const uint16_t ports[] = {
		PIC_MASTER_CMD, PIC_MASTER_DATA, PIC_SLAVE_CMD, PIC_SLAVE_DATA,
		PIC_ELCR1, PIC_ELCR2, 0x22, 0x4D2,
	};
	return ports[sel % 8];
}

static void do_read(uint16_t port)
{
	struct pic8259 *p = &h.pic;
	bool slave = port == PIC_SLAVE_CMD || port == PIC_SLAVE_DATA;
	struct pic8259_chip *c = &p->chip[slave];
	bool pic_port = port == PIC_MASTER_CMD || port == PIC_MASTER_DATA || slave;
	bool poll = pic_port && c->poll;
	int pl = poll ? m_pending(p, slave) : NONE;
	uint8_t imr = c->imr, irr = c->irr, isr = c->isr;
	bool ris = c->read_isr;
	uint32_t v = 0xDEADBEEF;

	int rc = pic8259_pio(p, port, 1, false, &v);
	if (!pic_port && port != PIC_ELCR1 && port != PIC_ELCR2) {
		FUZZ_CHECK(rc == BUS_UNCLAIMED && v == 0xFF, "port %#x rc %d v %#x",
			   port, rc, v);
		return;
	}
	FUZZ_CHECK(rc == BUS_OK && v <= 0xFF, "port %#x rc %d v %#x", port, rc, v);
	if (port == PIC_ELCR1 || port == PIC_ELCR2) {
		FUZZ_CHECK(v == p->chip[port - PIC_ELCR1].elcr, "ELCR read %#x", v);
		return;
	}
	if (poll) {
		FUZZ_CHECK(!c->poll, "poll mode survived the read");
		if (pl == NONE)
			FUZZ_CHECK(v == 0, "poll word %#x with nothing pending", v);
		else
			FUZZ_CHECK(v == (0x80u | (unsigned)pl), "poll word %#x, model %d",
				   v, pl);
		return;
	}
	if (port & 1)
		FUZZ_CHECK(v == imr, "IMR read %#x, state %#x", v, imr);
	else
		FUZZ_CHECK(v == (ris ? isr : irr), "status read %#x (ris %d)", v, ris);
}

static void do_write(uint16_t port, uint8_t val)
{
	uint32_t v = val;
	int rc = pic8259_pio(&h.pic, port, 1, true, &v);

	FUZZ_CHECK(rc == BUS_OK || rc == BUS_UNCLAIMED, "write rc %d", rc);
	if (port == PIC_ELCR1 || port == PIC_ELCR2) {
		uint8_t wr = port == PIC_ELCR1 ? 0xF8 : 0xDE;
		FUZZ_CHECK(h.pic.chip[port - PIC_ELCR1].elcr == (val & wr),
			   "ELCR %#x after writing %#x", h.pic.chip[port - PIC_ELCR1].elcr, val);
	}
}

static void set_line(unsigned irq, bool level)
{
	pic8259_set_irq(&h.pic, irq, level);
	if (irq < PIC_NR_IRQS && irq != PIC_CASCADE_IR) {
		if (level)
			h.lines |= (uint16_t)(1u << irq);
		else
			h.lines &= (uint16_t)~(1u << irq);
	}
}

/* A whole ICW sequence, so short inputs reach the operational state. */
static void do_init(struct fuzz_in *in)
{
	uint8_t sel = fuzz_u8(in);
	bool slave = sel & 1;
	uint16_t cmd = slave ? PIC_SLAVE_CMD : PIC_MASTER_CMD;
	uint8_t icw1 = (uint8_t)(0x11 | (sel & 0x0A));  /* IC4, maybe LTIM/SNGL */

	do_write(cmd, icw1);
	do_write(cmd + 1, (uint8_t)(slave ? 0x28 : 0x20) ^ (sel & 0xC0));
	if (!(icw1 & 0x02))
		do_write(cmd + 1, slave ? 0x02 : 0x04);
	do_write(cmd + 1, (uint8_t)(0x01 | (sel & 0x12)));   /* maybe AEOI, SFNM */
}

static void step(struct fuzz_in *in)
{
	uint8_t op = fuzz_u8(in);
	uint8_t a = fuzz_u8(in);

	switch (op % 10) {
	case 0:
		do_write(pick_port(a), fuzz_u8(in));
		break;
	case 1:
		do_read(pick_port(a));
		break;
	case 2:
		set_line(a % 17u, true);
		break;
	case 3:
		set_line(a % 17u, false);
		break;
	case 4:
		/* An edge source: one pulse. */
		set_line(a % 16u, true);
		set_line(a % 16u, false);
		break;
	case 5:
		/* The CPU only runs INTA when INT is high, unless the
		 * byte says to try anyway. */
		if (h.intr || (a & 1))
			do_ack();
		break;
	case 6:
		do_init(in);
		break;
	case 7: {
		/* Wider accesses are not decoded. */
		uint32_t v = fuzz_u32(in);
		unsigned size = (a >> 3) % 2 ? 2 : 4;
		uint16_t port = pick_port(a);
		bool write = a & 0x80;
		int rc = pic8259_pio(&h.pic, port, size, write, &v);
		FUZZ_CHECK(rc == BUS_ERROR, "size %u access rc %d", size, rc);
		if (!write)
			FUZZ_CHECK(v == (size == 2 ? 0xFFFFu : 0xFFFFFFFFu),
				   "wide read %#x", v);
		break;
	}
	case 8:
		/* OCW2 / OCW3 commands are the interesting command bytes. */
		do_write(a & 1 ? PIC_SLAVE_CMD : PIC_MASTER_CMD,
			 (uint8_t)(fuzz_u8(in) & 0xEF));
		break;
	default:
		/* Read IRR / ISR by command, the way guests do. */
		do_write(a & 1 ? PIC_SLAVE_CMD : PIC_MASTER_CMD, a & 2 ? 0x0B : 0x0A);
		do_read(a & 1 ? PIC_SLAVE_CMD : PIC_MASTER_CMD);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in_init(data, size);

	memset(&h, 0, sizeof(h));
	pic8259_init(&h.pic, &ops, &h);
	check_state();
	while (fuzz_left(&in) > 0) {
		step(&in);
		check_state();
	}
	return 0;
}
