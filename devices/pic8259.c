/* Intel 8259A PIC pair (PC/AT cascade) and PIIX3 ELCR.
 *
 * Reference: Intel 8259A datasheet (231468): "Programming the 8259A",
 * "Interrupt Sequence", "End of Interrupt", "Special Mask Mode", "Poll
 * Command", "Special Fully Nested Mode"; PIIX3 datasheet ELCR1/ELCR2.
 *
 * Only 8086/88 mode is modelled: the vector is ICW2 & 0xF8 plus the level,
 * whatever ICW4's uPM bit says. Ignored, as they change nothing an x86 CPU
 * can observe: ICW1 ADI and A7-A5 (MCS-80 call addresses), ICW4 BUF and
 * M/S (buffered mode only drives the SP/EN pin; which chip is the slave is
 * fixed by the wiring), the slave ID in the slave's ICW3 (it is always
 * addressed as the slave on IR2), and master ICW3 bits other than 2
 * (nothing is wired there, so those inputs supply the master's vector).
 *
 * Modelling choices where the datasheet is silent or the hardware would
 * lose interrupts a virtual device cannot avoid:
 *  - An edge-triggered request stays latched in IRR until acknowledged
 *    even if the line falls first (virtual sources pulse 1 then 0). A
 *    real 8259A drops it and answers IR7; here a spurious interrupt comes
 *    from a level line that fell, or from a request masked after INT rose.
 *  - A chip asserts INT only when initialized and not in the middle of an
 *    ICW sequence.
 *  - ICW1 keeps ISR (not in the datasheet's list of what ICW1 resets) but
 *    also cancels a pending poll and "rotate in automatic EOI mode".
 *  - During an INTA sequence that reaches the slave, the slave's INT
 *    (master IR2) is taken low and re-evaluated, so a slave that still
 *    requests (auto-EOI, special mask mode) makes a new edge on IR2
 *    instead of being lost behind the consumed one. */
#include "devices/pic8259.h"
#include "devices/bus.h"
#include "lib/libc.h"

#define PIC_MASTER 0
#define PIC_SLAVE  1

/* ICW1 (A0 = 0, D4 = 1). */
#define ICW1_IC4     0x01   /* ICW4 needed */
#define ICW1_SNGL    0x02   /* single chip: no ICW3 */
#define ICW1_ADI     0x04   /* MCS-80 call interval: ignored */
#define ICW1_LTIM    0x08   /* level-triggered inputs */
#define ICW1_SEL     0x10   /* marks an ICW1 on the even port */

/* ICW2 (A0 = 1): T7-T3 of the vector; T2-T0 come from the level. */
#define ICW2_BASE    0xF8

/* ICW4 (A0 = 1). */
#define ICW4_UPM     0x01   /* 8086 mode: the only mode modelled */
#define ICW4_AEOI    0x02
#define ICW4_MS      0x04   /* buffered master/slave: ignored */
#define ICW4_BUF     0x08   /* buffered mode: ignored */
#define ICW4_SFNM    0x10

/* OCW2 (A0 = 0, D4:D3 = 00): R, SL, EOI in bits 7:5, level in 2:0. */
#define OCW2_CMD(v)          ((v) >> 5)
#define OCW2_LEVEL(v)        ((v) & 7u)
#define OCW2_ROT_AEOI_CLEAR  0   /* R=0 SL=0 EOI=0 */
#define OCW2_NS_EOI          1   /* non-specific EOI */
#define OCW2_NOP             2
#define OCW2_S_EOI           3   /* specific EOI */
#define OCW2_ROT_AEOI_SET    4
#define OCW2_ROT_NS_EOI      5   /* rotate on non-specific EOI */
#define OCW2_SET_PRIO        6   /* set priority: level becomes lowest */
#define OCW2_ROT_S_EOI       7   /* rotate on specific EOI */

/* OCW3 (A0 = 0, D4:D3 = 01). */
#define OCW3_RIS     0x01   /* read ISR (with RR) instead of IRR */
#define OCW3_RR      0x02   /* read register command */
#define OCW3_P       0x04   /* poll command */
#define OCW3_SEL     0x08   /* marks an OCW3 */
#define OCW3_SMM     0x20   /* special mask mode (with ESMM) */
#define OCW3_ESMM    0x40

#define POLL_I       0x80   /* poll word: an interrupt was pending */

/* PIIX3 ELCR: IRQ 0, 1, 2 (ELCR1) and 8, 13 (ELCR2) are always edge. */
#define ELCR1_WRITABLE 0xF8
#define ELCR2_WRITABLE 0xDE

#define NO_IRQ (-1)

static bool chip_ready(const struct pic8259_chip *c)
{
	return c->initialized && c->init_step == 0;
}

/* Inputs that request while high rather than on an edge. */
static uint8_t chip_level_mask(const struct pic8259_chip *c)
{
	return (c->icw1 & ICW1_LTIM) ? 0xFF : c->elcr;
}

/* Priority rank of 'level': 0 is the highest (the one after lpr). */
static unsigned chip_rank(const struct pic8259_chip *c, unsigned level)
{
	return (level - c->lpr - 1u) & 7u;
}

/* The highest-priority level set in 'bits', or NO_IRQ. */
static int chip_highest(const struct pic8259_chip *c, uint8_t bits)
{
	for (unsigned i = 0; i < 8; i++) {
		unsigned level = (c->lpr + 1u + i) & 7u;

		if (bits & (1u << level))
			return (int)level;
	}
	return NO_IRQ;
}

/* ISR bits that hold off lower priorities and that a non-specific EOI
 * sees: in special mask mode a masked in-service level does neither
 * (datasheet "Special Mask Mode" and "End of Interrupt"). */
static uint8_t chip_isr_effective(const struct pic8259_chip *c)
{
	return c->smm ? (uint8_t)(c->isr & ~c->imr) : c->isr;
}

/* The master input the slave is on, as a mask (0 when the master is
 * programmed single, or without a slave on IR2). */
static uint8_t master_cascade_mask(const struct pic8259 *p)
{
	const struct pic8259_chip *m = &p->chip[PIC_MASTER];

	if (m->icw1 & ICW1_SNGL)
		return 0;
	return m->icw3 & (1u << PIC_CASCADE_IR);
}

/* The level this chip would interrupt with now, or NO_IRQ: the highest
 * unmasked request above every level in service. In special fully nested
 * mode the master also lets a slave's input through while it is in service
 * so a higher-priority slave request can nest. */
static int chip_pending(const struct pic8259 *p, const struct pic8259_chip *c)
{
	if (!chip_ready(c))
		return NO_IRQ;
	int req = chip_highest(c, (uint8_t)(c->irr & ~c->imr));
	if (req == NO_IRQ)
		return NO_IRQ;
	int svc = chip_highest(c, chip_isr_effective(c));
	if (svc == NO_IRQ || chip_rank(c, (unsigned)req) < chip_rank(c, (unsigned)svc))
		return req;
	bool sfnm = c == &p->chip[PIC_MASTER] && c->sfnm;
	if (sfnm && svc == req && (master_cascade_mask(p) & (1u << req)))
		return req;
	return NO_IRQ;
}

/* Input 'level' of the chip goes to 'high'. */
static void chip_set_line(struct pic8259_chip *c, unsigned level, bool high)
{
	uint8_t bit = (uint8_t)(1u << level);
	bool was_high = (c->lines & bit) != 0;

	if (high) {
		c->lines |= bit;
		if ((chip_level_mask(c) & bit) || !was_high)
			c->irr |= bit;
	} else {
		c->lines &= (uint8_t)~bit;
		if (chip_level_mask(c) & bit)
			c->irr &= (uint8_t)~bit;
	}
}

/* Level-triggered IRR bits follow their lines (after an LTIM/ELCR change). */
static void chip_sync_level_irr(struct pic8259_chip *c)
{
	uint8_t lm = chip_level_mask(c);

	c->irr = (uint8_t)((c->irr & ~lm) | (c->lines & lm));
}

/* The chip accepts 'level' (INTA or poll). Returns true when auto-EOI
 * ended it at once. A level-triggered request stays in IRR while its
 * line is high; the ISR bit holds it off until EOI. */
static bool chip_accept(struct pic8259_chip *c, unsigned level)
{
	uint8_t bit = (uint8_t)(1u << level);

	if (!(chip_level_mask(c) & bit))
		c->irr &= (uint8_t)~bit;
	if (c->aeoi) {
		if (c->rotate_aeoi)
			c->lpr = (uint8_t)level;
		return true;
	}
	c->isr |= bit;
	return false;
}

/* ISA IRQ number of a chip's level, or NO_IRQ for the cascade input,
 * which has no device behind it to tell about an EOI. */
static int chip_irq(const struct pic8259 *p, const struct pic8259_chip *c,
		    unsigned level)
{
	if (c == &p->chip[PIC_SLAVE])
		return (int)(8 + level);
	if (master_cascade_mask(p) & (1u << level))
		return NO_IRQ;
	return (int)level;
}

static void pic_notify_eoi(struct pic8259 *p, int irq)
{
	if (irq != NO_IRQ && p->ops != NULL && p->ops->eoi != NULL)
		p->ops->eoi(p->opaque, (unsigned)irq);
}

/* Propagate the slave's INT into master IR2, then report a change of the
 * master's INT. Called after every state change. */
static void pic_update(struct pic8259 *p)
{
	bool slave_int = chip_pending(p, &p->chip[PIC_SLAVE]) != NO_IRQ;

	chip_set_line(&p->chip[PIC_MASTER], PIC_CASCADE_IR, slave_int);
	bool out = chip_pending(p, &p->chip[PIC_MASTER]) != NO_IRQ;
	if (out == p->int_out)
		return;
	p->int_out = out;
	if (p->ops != NULL && p->ops->intr_changed != NULL)
		p->ops->intr_changed(p->opaque, out);
}

/* The slave took an acknowledge: its INT drops for the cycle, and
 * pic_update raises it again (a new edge) if it still requests. */
static void pic_cascade_cycle(struct pic8259 *p)
{
	chip_set_line(&p->chip[PIC_MASTER], PIC_CASCADE_IR, false);
}

void pic8259_init(struct pic8259 *p, const struct pic8259_ops *ops,
		  void *opaque)
{
	memset(p, 0, sizeof(*p));
	for (unsigned i = 0; i < 2; i++) {
		p->chip[i].imr = 0xFF;
		p->chip[i].lpr = 7;
	}
	p->ops = ops;
	p->opaque = opaque;
}

void pic8259_set_irq(struct pic8259 *p, unsigned irq, bool level)
{
	if (irq >= PIC_NR_IRQS || irq == PIC_CASCADE_IR)
		return;
	chip_set_line(&p->chip[irq >> 3], irq & 7u, level);
	pic_update(p);
}

bool pic8259_intr(const struct pic8259 *p)
{
	return p->int_out;
}

int pic8259_ack(struct pic8259 *p)
{
	struct pic8259_chip *m = &p->chip[PIC_MASTER];
	struct pic8259_chip *s = &p->chip[PIC_SLAVE];
	int eoi_irq = NO_IRQ;
	int vector;

	if (!m->initialized)
		return -1;
	int level = chip_pending(p, m);
	if (level == NO_IRQ) {
		/* The request went away since INT rose: IR7, no ISR bit. */
		vector = m->vector_base + PIC_SPURIOUS_IR;
	} else if (master_cascade_mask(p) & (1u << level)) {
		chip_accept(m, (unsigned)level);
		int sl = chip_pending(p, s);
		if (sl == NO_IRQ) {
			/* The slave answers IR7 (IRQ15) with no ISR bit; the
			 * master's IR2 is in service and needs its EOI. */
			vector = s->vector_base + PIC_SPURIOUS_IR;
		} else {
			if (chip_accept(s, (unsigned)sl))
				eoi_irq = 8 + sl;
			vector = s->vector_base + sl;
		}
		pic_cascade_cycle(p);
	} else {
		if (chip_accept(m, (unsigned)level))
			eoi_irq = level;
		vector = m->vector_base + level;
	}
	pic_update(p);
	pic_notify_eoi(p, eoi_irq);
	return vector;
}

/* ICW1: restart initialization (datasheet "Initialization Command Words":
 * edge sense reset, IMR cleared, IR7 lowest priority, special mask mode
 * off, status read = IRR; without IC4 every ICW4 function is zero). */
static void chip_icw1(struct pic8259_chip *c, uint8_t v)
{
	c->icw1 = v;
	c->init_step = 2;
	c->imr = 0;
	c->lpr = 7;
	c->smm = false;
	c->read_isr = false;
	c->poll = false;
	c->rotate_aeoi = false;
	c->aeoi = false;
	c->sfnm = false;
	/* Edge latches are cleared: an input already high must fall and
	 * rise again. Level inputs request while high. */
	c->irr = (uint8_t)(c->lines & chip_level_mask(c));
}

static void chip_init_done(struct pic8259_chip *c)
{
	c->init_step = 0;
	c->initialized = true;
}

static void chip_icw2(struct pic8259_chip *c, uint8_t v)
{
	c->vector_base = v & ICW2_BASE;
	if (!(c->icw1 & ICW1_SNGL))
		c->init_step = 3;
	else if (c->icw1 & ICW1_IC4)
		c->init_step = 4;
	else
		chip_init_done(c);
}

static void chip_icw3(struct pic8259_chip *c, uint8_t v)
{
	c->icw3 = v;
	if (c->icw1 & ICW1_IC4)
		c->init_step = 4;
	else
		chip_init_done(c);
}

/* uPM, BUF and M/S are ignored (see the top of the file). */
static void chip_icw4(struct pic8259_chip *c, uint8_t v)
{
	c->aeoi = (v & ICW4_AEOI) != 0;
	c->sfnm = (v & ICW4_SFNM) != 0;
	chip_init_done(c);
}

/* Odd-port write: the next ICW during initialization, else OCW1. */
static void chip_write_data(struct pic8259_chip *c, uint8_t v)
{
	switch (c->init_step) {
	case 2:
		chip_icw2(c, v);
		break;
	case 3:
		chip_icw3(c, v);
		break;
	case 4:
		chip_icw4(c, v);
		break;
	default:
		c->imr = v;
		break;
	}
}

/* Clear the ISR bit of 'level' (NO_IRQ: none); returns the level cleared
 * or NO_IRQ if it was not in service. */
static int chip_eoi(struct pic8259_chip *c, int level, bool rotate)
{
	if (level == NO_IRQ)
		return NO_IRQ;
	uint8_t bit = (uint8_t)(1u << level);
	bool was = (c->isr & bit) != 0;

	c->isr &= (uint8_t)~bit;
	if (rotate)
		c->lpr = (uint8_t)level;
	return was ? level : NO_IRQ;
}

/* OCW2; returns the level whose ISR bit was cleared, or NO_IRQ. */
static int chip_ocw2(struct pic8259_chip *c, uint8_t v)
{
	int ns_level = chip_highest(c, chip_isr_effective(c));

	switch (OCW2_CMD(v)) {
	case OCW2_ROT_AEOI_CLEAR:
		c->rotate_aeoi = false;
		return NO_IRQ;
	case OCW2_ROT_AEOI_SET:
		c->rotate_aeoi = true;
		return NO_IRQ;
	case OCW2_NS_EOI:
		return chip_eoi(c, ns_level, false);
	case OCW2_ROT_NS_EOI:
		return chip_eoi(c, ns_level, true);
	case OCW2_S_EOI:
		return chip_eoi(c, (int)OCW2_LEVEL(v), false);
	case OCW2_ROT_S_EOI:
		return chip_eoi(c, (int)OCW2_LEVEL(v), true);
	case OCW2_SET_PRIO:
		c->lpr = (uint8_t)OCW2_LEVEL(v);
		return NO_IRQ;
	case OCW2_NOP:
	default:
		return NO_IRQ;
	}
}

static void chip_ocw3(struct pic8259_chip *c, uint8_t v)
{
	if (v & OCW3_ESMM)
		c->smm = (v & OCW3_SMM) != 0;
	if (v & OCW3_RR)
		c->read_isr = (v & OCW3_RIS) != 0;
	/* Poll outranks RR: the next read, on either port, is the poll. */
	c->poll = (v & OCW3_P) != 0;
}

/* Even-port write: ICW1 by D4, else OCW3 by D3, else OCW2. OCW2/OCW3
 * act even in the middle of an ICW sequence, which goes on with the next
 * odd-port write. Returns the ISA IRQ an EOI ended, or NO_IRQ. */
static int pic_write_cmd(struct pic8259 *p, struct pic8259_chip *c, uint8_t v)
{
	if (v & ICW1_SEL) {
		chip_icw1(c, v);
		return NO_IRQ;
	}
	if (v & OCW3_SEL) {
		chip_ocw3(c, v);
		return NO_IRQ;
	}
	int level = chip_ocw2(c, v);
	return level == NO_IRQ ? NO_IRQ : chip_irq(p, c, (unsigned)level);
}

/* A read after a poll command: the chip treats it as INTA and returns
 * 0x80 | level of the highest request, or 0. Polling the master never
 * reaches the slave: software polls the slave itself. */
static uint8_t pic_read_poll(struct pic8259 *p, struct pic8259_chip *c,
			     int *eoi_irq)
{
	c->poll = false;
	int level = chip_pending(p, c);
	if (level == NO_IRQ)
		return 0;
	if (chip_accept(c, (unsigned)level))
		*eoi_irq = chip_irq(p, c, (unsigned)level);
	if (c == &p->chip[PIC_SLAVE])
		pic_cascade_cycle(p);
	return (uint8_t)(POLL_I | level);
}

static uint8_t pic_read(struct pic8259 *p, struct pic8259_chip *c, bool a0,
			int *eoi_irq)
{
	if (c->poll)
		return pic_read_poll(p, c, eoi_irq);
	if (a0)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

static void pic_write_elcr(struct pic8259 *p, unsigned idx, uint8_t v)
{
	struct pic8259_chip *c = &p->chip[idx];

	c->elcr = v & (idx == PIC_MASTER ? ELCR1_WRITABLE : ELCR2_WRITABLE);
	chip_sync_level_irr(c);
}

int pic8259_pio(void *dev, uint16_t port, unsigned size, bool write,
		uint32_t *val)
{
	struct pic8259 *p = dev;
	int eoi_irq = NO_IRQ;

	if (size != 1) {
		/* 8-bit data bus: wider accesses are not decoded. */
		if (!write)
			*val = size == 2 ? 0xFFFFu : 0xFFFFFFFFu;
		return BUS_ERROR;
	}
	uint8_t v = (uint8_t)*val;
	switch (port) {
	case PIC_MASTER_CMD:
	case PIC_MASTER_DATA:
	case PIC_SLAVE_CMD:
	case PIC_SLAVE_DATA: {
		struct pic8259_chip *c = &p->chip[port >= PIC_SLAVE_CMD];
		bool a0 = (port & 1) != 0;

		if (!write)
			*val = pic_read(p, c, a0, &eoi_irq);
		else if (a0)
			chip_write_data(c, v);
		else
			eoi_irq = pic_write_cmd(p, c, v);
		break;
	}
	case PIC_ELCR1:
	case PIC_ELCR2: {
		unsigned idx = port - PIC_ELCR1;

		if (write)
			pic_write_elcr(p, idx, v);
		else
			*val = p->chip[idx].elcr;
		break;
	}
	default:
		if (!write)
			*val = 0xFF;
		return BUS_UNCLAIMED;
	}
	pic_update(p);
	pic_notify_eoi(p, eoi_irq);
	return BUS_OK;
}
