/* Intel 8254 programmable interval timer and PC/AT port 0x61.
 *
 * Reference: Intel 82C54 CHMOS Programmable Interval Timer datasheet
 * (order 231244): "Control Word Format", "Read-Back Command", "Status
 * Byte", "Mode Definitions" (modes 0-5) and the gate summary table. Port
 * 0x61 is the IBM PC/AT system control port B.
 *
 * Time. The PIT clock is virtual: tick t is the number of PIT clock pulses
 * since guest TSC 0, tick(tsc) = floor(tsc * PIT_HZ / tsc_hz), so pulse k
 * falls at TSC ceil(k * tsc_hz / PIT_HZ). Every channel keeps a segment
 * (the tick its counting element was loaded or resumed at, and its count)
 * from which the count and OUT at any tick are computed in O(1). Periodic
 * edges lie on the grid anchor + k * count and are converted to TSC from
 * their tick number, so they never drift, and a late host skips missed
 * periods by one division.
 *
 * Clock pulse rules (datasheet): a count written during tick t is moved
 * from CR into the CE by the next pulse, t + 1, which does not decrement
 * it; so in mode 0, OUT rises N + 1 pulses after the write. A gate edge
 * during tick t acts at pulse t + 1 as well.
 *
 * Chosen where the datasheet leaves room or where we simplify:
 * - Mode 3, new count while counting: loaded at the end of the current
 *   half-cycle (datasheet), so the next half already uses it; mode 2: at
 *   the end of the current period.
 * - Odd counts in mode 3 follow the datasheet text: the CE is loaded with
 *   N - 1 and counts by two; OUT is high (N + 1) / 2 and low (N - 1) / 2
 *   clocks. A count of 1 gives a constant high OUT (no edge); a count of 1
 *   in mode 2 (illegal per the datasheet) gives an OUT that reads high and
 *   a rising edge every clock, rate limited on IRQ0 (pit8254.h).
 * - BCD: counts are decimal, 0 means 10000, the CE reads back in BCD.
 *   Digits above 9 (undefined) count at face value, modulo 10000.
 * - A control word clears any latched count or status of that counter and
 *   leaves the CE holding its last value until a count is loaded.
 * - Port 0x61 bit 4 follows time (PIT_REFRESH_TICKS), not reads, so
 *   firmware delay loops that count its toggles wait the right time.
 * - The guest TSC is assumed not to go backwards; if it does, counters
 *   hold until it catches up. */
#include "devices/pit8254.h"
#include "devices/bus.h"
#include "lib/libc.h"

/* Control word (datasheet "Control Word Format"). */
#define PIT_CW_SC(v)        ((unsigned)(v) >> 6)      /* counter select */
#define PIT_CW_RW(v)        (((unsigned)(v) >> 4) & 3)
#define PIT_CW_M(v)         (((unsigned)(v) >> 1) & 7)
#define PIT_CW_BCD          0x01
#define PIT_CW_STATUS_MASK  0x3F   /* RW1 RW0 M2 M1 M0 BCD, as in status */
#define PIT_SC_READBACK     3
#define PIT_RW_LATCH        0      /* counter latch command */
#define PIT_RW_LSB          1
#define PIT_RW_MSB          2
#define PIT_RW_LSB_MSB      3
/* Read-back command (datasheet "Read-Back Command Format"). */
#define PIT_RB_COUNT_N      0x20   /* 0 = latch count */
#define PIT_RB_STATUS_N     0x10   /* 0 = latch status */
#define PIT_RB_CNT(i)       (0x02u << (i))
/* Status byte (datasheet "Status Byte"). */
#define PIT_ST_OUT          0x80
#define PIT_ST_NULL_COUNT   0x40
/* Port 0x61. */
#define PORTB_GATE2         0x01   /* counter 2 gate */
#define PORTB_SPKR_DATA     0x02   /* speaker data enable */
#define PORTB_WRITABLE      0x0F   /* bits 3:2: parity/IOCHK enables */
#define PORTB_REFRESH       0x10   /* refresh request toggle */
#define PORTB_OUT2          0x20   /* counter 2 OUT */

#define PIT_BIN_MODULUS     65536u
#define PIT_BCD_MODULUS     10000u
#define PIT_NEVER           UINT64_MAX  /* load_at: at the next trigger */
/* 100 GHz: keeps the products of tick_of/tsc_of below 2^64. */
#define PIT_MAX_TSC_KHZ     100000000ull

/* ---- virtual time ---- */

static uint64_t tick_of(const struct pit8254 *p, uint64_t tsc)
{
	return tsc / p->tsc_hz * PIT_HZ + tsc % p->tsc_hz * PIT_HZ / p->tsc_hz;
}

/* First TSC value whose tick is >= k (exact: remainder carried). */
static uint64_t tsc_of(const struct pit8254 *p, uint64_t k)
{
	uint64_t r = k % PIT_HZ;

	return k / PIT_HZ * p->tsc_hz + (r * p->tsc_hz + PIT_HZ - 1) / PIT_HZ;
}

static uint64_t now_tick(const struct pit8254 *p)
{
	return tick_of(p, p->ops->now ? p->ops->now(p->opaque) : 0);
}

/* ---- counts ---- */

static bool is_periodic(unsigned mode)
{
	return mode == 2 || mode == 3;
}

static uint32_t modulus(const struct pit_channel *c)
{
	return c->ctrl & PIT_CW_BCD ? PIT_BCD_MODULUS : PIT_BIN_MODULUS;
}

static uint32_t bcd_to_bin(uint16_t v)
{
	return (v >> 12) * 1000u + ((v >> 8) & 0xF) * 100u +
	       ((v >> 4) & 0xF) * 10u + (v & 0xF);
}

static uint16_t bin_to_bcd(uint32_t v)
{
	return (uint16_t)((v / 1000 % 10) << 12 | (v / 100 % 10) << 8 |
			  (v / 10 % 10) << 4 | v % 10);
}

/* The CR as a number of clocks: 0 is the largest count. */
static uint32_t cr_count(const struct pit_channel *c)
{
	uint32_t n = c->ctrl & PIT_CW_BCD ? bcd_to_bin(c->cr) % PIT_BCD_MODULUS : c->cr;

	return n ? n : modulus(c);
}

static uint16_t encode(const struct pit_channel *c, uint32_t v)
{
	v %= modulus(c);
	return c->ctrl & PIT_CW_BCD ? bin_to_bcd(v) : (uint16_t)v;
}

/* Mode 3 spends the first (n + 1) / 2 clocks of a period high. */
static uint32_t high_len(uint32_t n)
{
	return (n + 1) / 2;
}

/* ---- the counting element as a function of the tick ---- */

static uint64_t elapsed(const struct pit_channel *c, uint64_t t)
{
	return t > c->anchor ? t - c->anchor : 0;
}

/* Periodic modes: clocks into the current period. */
static uint32_t phase(const struct pit_channel *c, uint64_t t)
{
	return (uint32_t)((elapsed(c, t) % c->n + c->phase0) % c->n);
}

static bool tc_at(const struct pit_channel *c, uint64_t t)
{
	return c->tc || elapsed(c, t) >= c->n;
}

/* CE value at tick t (a number below the modulus). Modes 0/1/4/5 count
 * down by one and wrap after terminal count; mode 2 reloads after 1;
 * mode 3 counts by two, an odd count from N - 1. */
static uint32_t ce_at(const struct pit_channel *c, uint64_t t)
{
	uint32_t m = modulus(c), ph, h;

	if (!c->counting)
		return c->hold_ce % m;
	if (!is_periodic(c->mode))
		return (uint32_t)((c->n + m - elapsed(c, t) % m) % m);
	ph = phase(c, t);
	if (c->mode == 2)
		return (c->n - ph) % m;
	h = high_len(c->n);
	if (c->n % 2 == 0)
		return (c->n - 2 * (ph % h)) % m;
	return c->n - 1 - 2 * (ph < h ? ph : ph - h);
}

static bool out_at(const struct pit_channel *c, uint64_t t)
{
	if (!c->counting)
		return c->hold_out;
	switch (c->mode) {
	case 0:
	case 1:
		return tc_at(c, t);            /* low until terminal count */
	case 2:
		return c->n < 2 || phase(c, t) != c->n - 1;
	case 3:
		return phase(c, t) < high_len(c->n);
	default:
		return c->tc || elapsed(c, t) != c->n; /* 4, 5: strobe at TC */
	}
}

/* The single rising edge of a one-shot segment: OUT rises at terminal
 * count in modes 0/1, one clock later (end of the strobe) in 4/5. */
static uint64_t oneshot_edge(const struct pit_channel *c)
{
	if (c->tc)
		return 0;
	return c->anchor + c->n + (c->mode >= 4);
}

/* First rising edge of OUT after tick 'from' in this segment, 0 if none.
 * Periodic edges are where the phase wraps to 0, never the anchor. */
static uint64_t next_edge(const struct pit_channel *c, uint64_t from)
{
	uint64_t x, e;

	if (!c->counting || (c->mode == 3 && c->n < 2))
		return 0;
	if (!is_periodic(c->mode)) {
		e = oneshot_edge(c);
		return e > from ? e : 0;
	}
	x = elapsed(c, from) + c->phase0;
	return c->anchor + (x / c->n + 1) * c->n - c->phase0;
}

/* Latest rising edge in (a, b], 0 if none: one division, however many
 * periods the interval holds. */
static uint64_t last_edge(const struct pit_channel *c, uint64_t a, uint64_t b)
{
	uint64_t x, e;

	if (!c->counting || b <= c->anchor || (c->mode == 3 && c->n < 2))
		return 0;
	if (!is_periodic(c->mode)) {
		e = oneshot_edge(c);
	} else {
		x = (b - c->anchor + c->phase0) / c->n * c->n;
		if (x <= c->phase0)
			return 0;
		e = c->anchor + x - c->phase0;
	}
	return e > a && e <= b ? e : 0;
}

/* Stop counting at tick t, keeping the CE and giving OUT 'out'. */
static void hold(struct pit_channel *c, uint64_t t, bool out)
{
	uint64_t e = elapsed(c, t);

	c->hold_out = out;
	if (!c->counting)
		return;
	if (!is_periodic(c->mode) && !c->tc && e < c->n) {
		c->hold_ce = (uint32_t)(c->n - e);     /* clocks left to TC */
	} else {
		c->hold_ce = ce_at(c, t);
		c->tc = !is_periodic(c->mode);
	}
	c->counting = false;
}

/* Modes 0 and 4: the gate rose; decrement again from the next pulse. */
static void resume(struct pit_channel *c, uint64_t t)
{
	c->anchor = t;
	c->n = c->hold_ce;
	c->phase0 = 0;
	c->counting = true;
}

/* Only modes 1 and 5 count with the gate low (it only triggers them). */
static bool gate_counts(const struct pit_channel *c)
{
	return c->mode == 1 || c->mode == 5 || c->gate;
}

/* The pulse at load_at moves CR into the CE. */
static void load(struct pit_channel *c)
{
	c->n = cr_count(c);
	c->anchor = c->load_at;
	c->phase0 = c->load_low ? high_len(c->n) % c->n : 0;
	c->tc = false;
	c->loaded = true;
	c->null_count = false;
	c->load_pending = false;
	c->load_low = false;
	c->counting = gate_counts(c) && !c->wr_hold;
	if (!c->counting) {
		c->hold_ce = c->n;
		c->hold_out = c->mode != 0;
	}
}

static void sync(struct pit_channel *c, uint64_t t)
{
	if (c->load_pending && c->load_at <= t)
		load(c);
}

/* Schedule a CR -> CE transfer; an earlier one already scheduled stands
 * (a trigger before the end of the period loads the new count). */
static void set_load(struct pit_channel *c, uint64_t at, bool low)
{
	if (c->load_pending && c->load_at <= at)
		return;
	c->load_pending = true;
	c->load_at = at;
	c->load_low = low;
}

/* Modes 2/3, new count while counting: mode 2 reloads at the end of the
 * period, mode 3 at the end of the current half-cycle. */
static void reload_at_period_end(struct pit_channel *c, uint64_t t)
{
	uint32_t ph = phase(c, t), h = high_len(c->n);

	if (c->mode == 3 && c->n >= 2 && ph < h)
		set_load(c, t + (h - ph), true);
	else
		set_load(c, t + (c->n - ph), false);
}

/* A complete count is in the CR. */
static void commit_count(struct pit_channel *c, uint64_t t)
{
	c->cr_valid = true;
	c->null_count = true;
	switch (c->mode) {
	case 0:
		/* OUT goes low at once; the count loads on the next pulse. */
		hold(c, t, false);
		c->wr_hold = false;
		set_load(c, t + 1, false);
		break;
	case 2:
	case 3:
		if (c->loaded && c->counting)
			reload_at_period_end(c, t);
		else if (c->loaded)
			set_load(c, PIT_NEVER, false);   /* gate low: at trigger */
		else
			set_load(c, t + 1, false);
		break;
	case 4:
		set_load(c, t + 1, false);
		break;
	default:                                 /* 1, 5: at the next trigger */
		set_load(c, PIT_NEVER, false);
		break;
	}
}

static void set_gate(struct pit_channel *c, uint64_t t, bool gate)
{
	if (gate == c->gate)
		return;
	c->gate = gate;
	switch (c->mode) {
	case 0:
	case 4:
		if (gate && c->loaded && !c->wr_hold && !c->counting)
			resume(c, t);
		else if (!gate && c->counting) /* OUT unaffected by the gate */
			hold(c, t, c->mode == 4 || tc_at(c, t));
		break;
	case 2:
	case 3:
		if (gate && c->cr_valid) {
			set_load(c, t + 1, false);       /* trigger: reload */
		} else if (!gate) {
			if (c->counting)
				hold(c, t, true);        /* OUT high at once */
			if (c->load_pending && c->loaded)
				c->load_at = PIT_NEVER;
		}
		break;
	default:                                 /* 1, 5: a trigger (re)starts */
		if (gate && c->cr_valid)
			set_load(c, t + 1, false);
		break;
	}
}

/* ---- IRQ0 ---- */

static void irq_line(struct pit8254 *p, bool level)
{
	if (level == p->irq_level)
		return;
	p->irq_level = level;
	if (p->ops->set_irq)
		p->ops->set_irq(p->opaque, PIT_IRQ, level);
}

/* A rising edge of OUT0 in modes 1-5, where the line rests low. */
static void irq_pulse(struct pit8254 *p)
{
	irq_line(p, false);
	irq_line(p, true);
	irq_line(p, false);
}

static void deliver_edge(struct pit8254 *p, uint64_t edge)
{
	switch (p->ch[0].mode) {
	case 0:
		irq_line(p, true);                   /* stays high */
		break;
	case 2:
	case 3:
		if (p->irq_last && edge < p->irq_last + PIT_MIN_IRQ_TICKS)
			break;
		p->irq_last = edge;
		irq_pulse(p);
		break;
	default:
		irq_pulse(p);
		break;
	}
}

/* Report the rising edges of OUT0 in (irq_checked, t], coalesced into
 * one, including those of a count loaded in between. */
static void ch0_advance(struct pit8254 *p, uint64_t t)
{
	struct pit_channel *c = &p->ch[0];
	uint64_t edge, later;

	if (t <= p->irq_checked) {
		sync(c, t);
		return;
	}
	if (c->load_pending && c->load_at <= t) {
		edge = last_edge(c, p->irq_checked, c->load_at);
		load(c);
		later = last_edge(c, p->irq_checked, t);
		if (later)
			edge = later;
	} else {
		edge = last_edge(c, p->irq_checked, t);
	}
	p->irq_checked = t;
	if (edge)
		deliver_edge(p, edge);
}

/* Tick of the next edge of OUT0 to report after t, 0 if none; a count
 * waiting for the end of the period is looked at on a copy. */
static uint64_t ch0_next_edge(const struct pit8254 *p, uint64_t t)
{
	const struct pit_channel *c = &p->ch[0];
	struct pit_channel after;
	uint64_t from = t, e;

	if (is_periodic(c->mode) && p->irq_last &&
	    p->irq_last + PIT_MIN_IRQ_TICKS - 1 > from)
		from = p->irq_last + PIT_MIN_IRQ_TICKS - 1;
	e = next_edge(c, from);
	if (c->load_pending && c->load_at != PIT_NEVER && (!e || e > c->load_at)) {
		after = *c;
		load(&after);
		e = next_edge(&after, from);
	}
	return e;
}

static void ch0_rearm(struct pit8254 *p, uint64_t t)
{
	uint64_t e = ch0_next_edge(p, t);
	uint64_t deadline = e ? tsc_of(p, e) : 0;

	if (deadline == p->deadline)
		return;
	p->deadline = deadline;
	if (p->ops->timer_arm)
		p->ops->timer_arm(p->opaque, deadline);
}

/* ---- registers ---- */

static void write_control(struct pit8254 *p, unsigned i, uint64_t t, uint8_t v)
{
	struct pit_channel *c = &p->ch[i];
	/* Only a count makes OUT0 low worth an edge: after power-on (OUT
	 * undefined on the chip) or a bare control word, no IRQ0 comes. */
	bool out_before = out_at(c, t) || !c->loaded;
	unsigned mode = PIT_CW_M(v);

	hold(c, t, false);
	c->ctrl = v & PIT_CW_STATUS_MASK;
	c->mode = (uint8_t)(mode >= 6 ? mode - 4 : mode);
	c->wr_msb = c->rd_msb = false;
	c->count_latched = c->status_latched = false;
	c->null_count = true;
	c->cr_valid = c->wr_hold = false;
	c->load_pending = c->load_low = false;
	c->loaded = c->tc = false;
	c->hold_out = c->mode != 0;          /* mode 0: OUT low, others high */
	if (i != 0)
		return;
	if (c->mode != 0 && !out_before)
		irq_pulse(p);                    /* OUT0 rose */
	else
		irq_line(p, false);
}

static void latch_count(struct pit_channel *c, uint64_t t)
{
	if (c->count_latched)
		return;                          /* first latch stands until read */
	c->latch = encode(c, ce_at(c, t));
	c->count_latched = true;
}

static void latch_status(struct pit_channel *c, uint64_t t)
{
	if (c->status_latched)
		return;
	c->status = (uint8_t)(c->ctrl | (out_at(c, t) ? PIT_ST_OUT : 0) |
			      (c->null_count ? PIT_ST_NULL_COUNT : 0));
	c->status_latched = true;
}

static void write_command(struct pit8254 *p, uint64_t t, uint8_t v)
{
	unsigned i;

	if (PIT_CW_SC(v) == PIT_SC_READBACK) {
		for (i = 0; i < PIT_NCHANNELS; i++) {
			if (!(v & PIT_RB_CNT(i)))
				continue;
			if (!(v & PIT_RB_COUNT_N))
				latch_count(&p->ch[i], t);
			if (!(v & PIT_RB_STATUS_N))
				latch_status(&p->ch[i], t);
		}
	} else if (PIT_CW_RW(v) == PIT_RW_LATCH) {
		latch_count(&p->ch[PIT_CW_SC(v)], t);
	} else {
		write_control(p, PIT_CW_SC(v), t, v);
	}
}

static void write_counter(struct pit_channel *c, uint64_t t, uint8_t b)
{
	switch (PIT_CW_RW(c->ctrl)) {
	case PIT_RW_LSB:
		c->cr = b;
		break;
	case PIT_RW_MSB:
		c->cr = (uint16_t)(b << 8);
		break;
	default:
		if (!c->wr_msb) {
			c->cr_lsb = b;
			c->wr_msb = true;
			if (c->mode == 0) {
				/* Writing the first byte disables counting
				 * and sets OUT low at once. */
				hold(c, t, false);
				c->wr_hold = true;
				c->load_pending = false;
			}
			return;
		}
		c->cr = (uint16_t)(c->cr_lsb | b << 8);
		c->wr_msb = false;
		break;
	}
	commit_count(c, t);
}

/* A latched status comes first, then the latched count (released once
 * read in full), else the live CE; lobyte/hibyte reads alternate. */
static uint8_t read_counter(struct pit_channel *c, uint64_t t)
{
	uint16_t v;
	bool msb, last;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	v = c->count_latched ? c->latch : encode(c, ce_at(c, t));
	switch (PIT_CW_RW(c->ctrl)) {
	case PIT_RW_LSB:
		msb = false;
		last = true;
		break;
	case PIT_RW_MSB:
		msb = last = true;
		break;
	default:
		msb = last = c->rd_msb;
		c->rd_msb = !c->rd_msb;
		break;
	}
	if (last)
		c->count_latched = false;
	return (uint8_t)(msb ? v >> 8 : v);
}

static uint8_t read_port_b(const struct pit8254 *p, uint64_t t)
{
	uint8_t v = p->port_b;

	if ((t / PIT_REFRESH_TICKS) & 1)
		v |= PORTB_REFRESH;
	if (out_at(&p->ch[2], t))
		v |= PORTB_OUT2;
	return v;
}

static bool pit_port(uint16_t port)
{
	return (port >= PIT_PORT_BASE && port < PIT_PORT_BASE + PIT_NPORTS) ||
	       port == PIT_PORT_SYSCTL_B;
}

static uint32_t width_ones(unsigned size)
{
	return size >= 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1;
}

int pit8254_pio(void *dev, uint16_t port, unsigned size, bool write,
		uint32_t *val)
{
	struct pit8254 *p = dev;
	uint64_t t;
	unsigned i;

	if (size != 1 || !pit_port(port)) {
		if (!write)
			*val = width_ones(size);
		return BUS_ERROR;
	}
	t = now_tick(p);
	ch0_advance(p, t);
	for (i = 1; i < PIT_NCHANNELS; i++)
		sync(&p->ch[i], t);
	switch (port) {
	case PIT_PORT_BASE:
	case PIT_PORT_BASE + 1:
	case PIT_PORT_BASE + 2:
		if (write)
			write_counter(&p->ch[port - PIT_PORT_BASE], t, (uint8_t)*val);
		else
			*val = read_counter(&p->ch[port - PIT_PORT_BASE], t);
		break;
	case PIT_PORT_CONTROL:
		if (write)
			write_command(p, t, (uint8_t)*val);
		else
			*val = 0xFF;             /* write-only: the bus floats */
		break;
	default:                                 /* PIT_PORT_SYSCTL_B */
		if (write) {
			p->port_b = (uint8_t)(*val & PORTB_WRITABLE);
			set_gate(&p->ch[2], t, *val & PORTB_GATE2);
		} else {
			*val = read_port_b(p, t);
		}
		break;
	}
	if (p->ch[0].mode == 0)
		irq_line(p, out_at(&p->ch[0], t));  /* a count write lowers OUT0 */
	ch0_rearm(p, t);
	return BUS_OK;
}

void pit8254_timer_expired(struct pit8254 *p)
{
	uint64_t t = now_tick(p);

	p->deadline = 0;                         /* the host's one is spent */
	ch0_advance(p, t);
	ch0_rearm(p, t);
}

void pit8254_init(struct pit8254 *p, uint64_t tsc_khz,
		  const struct pit8254_ops *ops, void *opaque)
{
	unsigned i;

	memset(p, 0, sizeof(*p));
	p->ops = ops;
	p->opaque = opaque;
	if (tsc_khz == 0)
		tsc_khz = 1;
	if (tsc_khz > PIT_MAX_TSC_KHZ)
		tsc_khz = PIT_MAX_TSC_KHZ;
	p->tsc_hz = tsc_khz * 1000;
	for (i = 0; i < PIT_NCHANNELS; i++) {
		p->ch[i].ctrl = PIT_RW_LSB_MSB << 4;  /* mode 0, binary */
		p->ch[i].null_count = true;
		p->ch[i].gate = i != 2;          /* wired high on counters 0, 1 */
	}
}
