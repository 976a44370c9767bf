/* FUZZ-DEPS: devices/pit8254.c
 *
 * libFuzzer target for the 8254 PIT and port 0x61 (devices/pit8254.c). The
 * input picks the guest TSC rate and start time, then a sequence of port
 * accesses, whole programming sequences, counter latches / read-backs,
 * time advances and host timer expiries (on time, late, early).
 *
 * Checked after every step, from the 82C54 datasheet and the header:
 *  - a count read back lies in the programmed range: every BCD digit
 *    0-9, mode 2 between 1 and the largest count written since the control
 *    word, mode 3 even (while counting) and not above that count;
 *  - a latched status shows the control word's bits 5:0; the read
 *    flip-flop alternates as the RW field says;
 *  - IRQ0 changes are reported only as changes; outside mode 0 the line
 *    rests low between steps (edges come as pulses);
 *  - the deadline given to timer_arm is the device's and lies in the
 *    future; a periodic counter (count >= PIT_MIN_IRQ_TICKS) fired on time
 *    delivers exactly one edge per expiry, and successive deadlines are
 *    exactly one period apart in PIT clocks;
 *  - port 0x61 reads back bits 3:0 as written, 0x43 reads 0xFF, other
 *    widths and ports are refused with all-ones. */
#include "tests/fuzz/fuzz.h"

#include <stdbool.h>

#include "devices/bus.h"
#include "devices/pit8254.h"

struct chan_model {
	uint8_t ctrl;           /* control word bits 5:0 as written */
	bool wr_msb, rd_msb;    /* the two flip-flops */
	uint8_t lsb;
	uint32_t maxcount;      /* largest count (clocks) since the control word */
};

struct harness {
	struct pit8254 pit;
	struct chan_model ch[3];
	uint64_t now;
	uint64_t armed;
	bool line;
	unsigned rises;         /* rising edges of IRQ0 reported */
	uint8_t port_b;
	/* Periodic steady state seen at the last on-time expiry. */
	bool steady;
	uint64_t steady_anchor, steady_tick;
	uint32_t steady_n;
	uint8_t steady_mode;
};

static struct harness h;

static uint64_t cb_now(void *opaque)
{
	(void)opaque;
	return h.now;
}

static void cb_arm(void *opaque, uint64_t deadline)
{
	(void)opaque;
	h.armed = deadline;
}

static void cb_irq(void *opaque, unsigned line, bool level)
{
	(void)opaque;
	FUZZ_CHECK(line == PIT_IRQ, "set_irq line %u", line);
	FUZZ_CHECK(level != h.line, "set_irq without a change (%d)", level);
	h.line = level;
	if (level)
		h.rises++;
}

static const struct pit8254_ops ops = {
	.now = cb_now, .timer_arm = cb_arm, .set_irq = cb_irq,
};

/* PIT clock tick of a TSC value: floor(tsc * PIT_HZ / tsc_hz). */
static uint64_t tick(uint64_t tsc)
{
	return (uint64_t)((unsigned __int128)tsc * PIT_HZ / h.pit.tsc_hz);
}

static uint32_t count_of(const struct chan_model *m, uint16_t cr)
{
	uint32_t n = cr;

	if (m->ctrl & 1) {
		n = ((cr >> 12) & 0xF) * 1000u + ((cr >> 8) & 0xF) * 100u +
		    ((cr >> 4) & 0xF) * 10u + (cr & 0xF);
		n %= 10000;
		return n ? n : 10000;
	}
	return n ? n : 65536;
}

static int pio(uint16_t port, bool write, uint8_t v)
{
	uint32_t val = write ? v : 0xAAAAAAAAu;
	int rc = pit8254_pio(&h.pit, port, 1, write, &val);

	FUZZ_CHECK(rc == BUS_OK, "port %#x rc %d", port, rc);
	FUZZ_CHECK(write || val <= 0xFF, "port %#x read %#x", port, val);
	return (int)val;
}

static void write_control(uint8_t v)
{
	unsigned sc = v >> 6, rw = (v >> 4) & 3;

	pio(PIT_PORT_CONTROL, true, v);
	if (sc == 3 || rw == 0)
		return;         /* read-back or counter latch */
	h.ch[sc] = (struct chan_model){ .ctrl = v & 0x3F };
}

static void write_count_byte(unsigned i, uint8_t b)
{
	struct chan_model *m = &h.ch[i];
	unsigned rw = (m->ctrl >> 4) & 3;
	uint16_t cr;

	pio((uint16_t)(PIT_PORT_BASE + i), true, b);
	if (rw == 1) {
		cr = b;
	} else if (rw == 2) {
		cr = (uint16_t)(b << 8);
	} else if (!m->wr_msb) {
		m->lsb = b;
		m->wr_msb = true;
		return;
	} else {
		cr = (uint16_t)(m->lsb | b << 8);
		m->wr_msb = false;
	}
	uint32_t n = count_of(m, cr);
	if (n > m->maxcount)
		m->maxcount = n;
}

static unsigned mode_of(const struct chan_model *m)
{
	unsigned mode = (m->ctrl >> 1) & 7;

	return mode >= 6 ? mode - 4 : mode;
}

static void check_count(unsigned i, uint16_t v)
{
	const struct chan_model *m = &h.ch[i];
	const struct pit_channel *c = &h.pit.ch[i];
	uint32_t n = v;

	if (m->ctrl & 1) {
		for (unsigned d = 0; d < 4; d++)
			FUZZ_CHECK(((v >> (4 * d)) & 0xF) <= 9, "ch%u BCD count %#x", i, v);
		n = count_of(m, v);
	} else if (n == 0) {
		n = 65536;      /* 0 is the largest count */
	}
	if (!c->loaded || m->maxcount == 0)
		return;
	/* Only counts written since the control word can be in the CE. */
	switch (mode_of(m)) {
	case 2:
		FUZZ_CHECK(n >= 1 && n <= m->maxcount, "ch%u mode 2 count %u, max %u",
			   i, n, m->maxcount);
		break;
	case 3:
		/* An odd count runs down to 0 at the end of the high half. */
		if (v == 0)
			break;
		FUZZ_CHECK(n <= m->maxcount, "ch%u mode 3 count %u, max %u", i, n,
			   m->maxcount);
		if (c->counting)
			FUZZ_CHECK(n % 2 == 0, "ch%u mode 3 odd count %u", i, n);
		break;
	default:
		break;
	}
}

/* One count or status byte from the counter port, following the read
 * flip-flop. Returns the byte. */
static uint8_t read_count_byte(unsigned i, bool *was_status, bool *was_msb)
{
	struct chan_model *m = &h.ch[i];
	const struct pit_channel *c = &h.pit.ch[i];
	bool status = c->status_latched;
	unsigned rw = (m->ctrl >> 4) & 3;
	uint8_t b = (uint8_t)pio((uint16_t)(PIT_PORT_BASE + i), false, 0);

	*was_status = status;
	*was_msb = false;
	if (status) {
		FUZZ_CHECK((b & 0x3F) == m->ctrl, "ch%u status %#x, control %#x", i, b,
			   m->ctrl);
		return b;
	}
	if (rw == 2) {
		*was_msb = true;
	} else if (rw == 3) {
		*was_msb = m->rd_msb;
		m->rd_msb = !m->rd_msb;
	}
	if (m->ctrl & 1) {
		FUZZ_CHECK((b & 0xF) <= 9 && (b >> 4) <= 9, "ch%u BCD byte %#x", i, b);
	}
	return b;
}

/* Latch the count (counter latch or read-back) and read it in full. */
static void latch_and_read(unsigned i, bool readback)
{
	struct chan_model *m = &h.ch[i];
	unsigned rw = (m->ctrl >> 4) & 3;
	bool st, msb;

	if (rw == 0)
		return;
	/* Drain what is latched already and realign the flip-flop. */
	for (unsigned k = 0; k < 4 && (h.pit.ch[i].status_latched ||
				       h.pit.ch[i].count_latched || m->rd_msb); k++)
		read_count_byte(i, &st, &msb);
	if (h.pit.ch[i].status_latched || h.pit.ch[i].count_latched || m->rd_msb)
		return;
	if (readback)
		write_control((uint8_t)(0xC0 | 0x10 | (2u << i)));  /* count only */
	else
		write_control((uint8_t)(i << 6));
	uint16_t v;
	if (rw == 1) {
		v = read_count_byte(i, &st, &msb);
	} else if (rw == 2) {
		v = (uint16_t)(read_count_byte(i, &st, &msb) << 8);
	} else {
		v = read_count_byte(i, &st, &msb);
		v |= (uint16_t)(read_count_byte(i, &st, &msb) << 8);
	}
	FUZZ_CHECK(!h.pit.ch[i].count_latched, "ch%u latch kept after a full read", i);
	if (rw == 3)
		check_count(i, v);     /* a part of the count has no range */
}

static void check_state(void)
{
	const struct pit8254 *p = &h.pit;

	FUZZ_CHECK(h.armed == p->deadline, "armed %llu, device deadline %llu",
		   (unsigned long long)h.armed, (unsigned long long)p->deadline);
	FUZZ_CHECK(h.armed == 0 || h.armed > h.now, "deadline %llu not after now %llu",
		   (unsigned long long)h.armed, (unsigned long long)h.now);
	FUZZ_CHECK(h.line == p->irq_level, "line %d, device %d", h.line, p->irq_level);
	if (p->ch[0].mode != 0)
		FUZZ_CHECK(!h.line, "IRQ0 left high in mode %u", p->ch[0].mode);
	for (unsigned i = 0; i < 3; i++) {
		const struct pit_channel *c = &p->ch[i];
		const struct chan_model *m = &h.ch[i];

		FUZZ_CHECK(c->ctrl == m->ctrl, "ch%u ctrl %#x, model %#x", i, c->ctrl,
			   m->ctrl);
		FUZZ_CHECK(c->mode == mode_of(m), "ch%u mode %u", i, c->mode);
		FUZZ_CHECK(c->wr_msb == m->wr_msb && c->rd_msb == m->rd_msb,
			   "ch%u flip-flops %d/%d, model %d/%d", i, c->wr_msb, c->rd_msb,
			   m->wr_msb, m->rd_msb);
		if (c->counting && (c->mode == 2 || c->mode == 3))
			FUZZ_CHECK(c->n >= 1 && c->n <= 65536 && c->phase0 < c->n,
				   "ch%u n %u phase0 %u", i, c->n, c->phase0);
	}
}

/* Periodic channel 0 that will not change before its next edge. */
static bool ch0_steady(void)
{
	const struct pit_channel *c = &h.pit.ch[0];

	return c->counting && !c->load_pending && (c->mode == 2 || c->mode == 3) &&
	       c->n >= PIT_MIN_IRQ_TICKS;
}

/* The host's timer fires. 'exact': at the deadline itself. */
static void fire(bool exact)
{
	bool steady = ch0_steady();
	uint64_t deadline = h.armed;
	unsigned rises = h.rises;

	if (exact && deadline > h.now)
		h.now = deadline;
	h.armed = 0;
	pit8254_timer_expired(&h.pit);
	if (!exact || deadline == 0 || !steady) {
		h.steady = false;
		return;
	}
	const struct pit_channel *c = &h.pit.ch[0];
	FUZZ_CHECK(h.rises == rises + 1, "periodic expiry gave %u edges", h.rises - rises);
	uint64_t t = tick(deadline);
	if (h.steady && h.steady_anchor == c->anchor && h.steady_n == c->n &&
	    h.steady_mode == c->mode)
	{
		/* A TSC slower than the PIT clock (only in this harness) can
		 * place an edge's deadline on a later tick. */
		uint64_t d = t - h.steady_tick, slack = h.pit.tsc_hz < PIT_HZ ?
			(PIT_HZ + h.pit.tsc_hz - 1) / h.pit.tsc_hz : 0;
		FUZZ_CHECK(d + slack >= c->n && d <= c->n + slack,
			   "edges %llu clocks apart, period %u",
			   (unsigned long long)d, c->n);
	}
	h.steady = ch0_steady();
	h.steady_anchor = c->anchor;
	h.steady_n = c->n;
	h.steady_mode = c->mode;
	h.steady_tick = t;
}

static void advance(uint64_t dt)
{
	h.now += dt;
	if (h.armed != 0 && h.now >= h.armed)
		fire(false);
}

/* A whole programming sequence: control word and count. */
static void program(struct fuzz_in *in, uint8_t a)
{
	unsigned i = a % 3u;
	uint8_t cw = (uint8_t)(i << 6 | 0x30 | (a & 0x0E) | ((a >> 4) & 1));
	uint16_t count = fuzz_u16(in);

	write_control(cw);
	write_count_byte(i, (uint8_t)count);
	write_count_byte(i, (uint8_t)(count >> 8));
}

static void step(struct fuzz_in *in)
{
	uint8_t op = fuzz_u8(in);
	uint8_t a = fuzz_u8(in);

	switch (op % 12) {
	case 0:
		write_control(a);
		break;
	case 1:
		write_count_byte(a % 3u, fuzz_u8(in));
		break;
	case 2: {
		bool st, msb;
		read_count_byte(a % 3u, &st, &msb);
		break;
	}
	case 3:
		program(in, a);
		break;
	case 4:
		latch_and_read(a % 3u, a & 4);
		break;
	case 5:                 /* read-back with status and/or count */
		write_control((uint8_t)(0xC0 | (a & 0x3E)));
		break;
	case 6:
		advance(a);
		break;
	case 7:
		advance((uint64_t)fuzz_u32(in) << (a % 12u));
		break;
	case 8:
		if (h.armed)
			fire(true);
		break;
	case 9:                 /* early (stale) expiry */
		h.steady = false;
		h.armed = 0;            /* the host's timer is spent */
		pit8254_timer_expired(&h.pit);
		break;
	case 10: {              /* port 0x61 */
		if (a & 1) {
			pio(PIT_PORT_SYSCTL_B, true, (uint8_t)(a >> 1));
			h.port_b = (a >> 1) & 0x0F;
		} else {
			int v = pio(PIT_PORT_SYSCTL_B, false, 0);
			FUZZ_CHECK((v & 0xCF) == h.port_b, "port 0x61 %#x, written %#x", v,
				   h.port_b);
		}
		break;
	}
	default: {              /* 0x43 reads, wide accesses, foreign ports */
		uint32_t v = 0;
		int rc = pit8254_pio(&h.pit, PIT_PORT_CONTROL, 1, false, &v);
		FUZZ_CHECK(rc == BUS_OK && v == 0xFF, "0x43 read rc %d %#x", rc, v);
		v = 0x36;
		rc = pit8254_pio(&h.pit, (uint16_t)(0x40 + a % 0x30u), (a & 0x80) ? 2 : 4,
				 a & 0x40, &v);
		FUZZ_CHECK(rc == BUS_ERROR, "wide rc %d", rc);
		if (!(a & 0x40))
			FUZZ_CHECK(v == ((a & 0x80) ? 0xFFFFu : 0xFFFFFFFFu), "wide %#x", v);
		v = 0;
		rc = pit8254_pio(&h.pit, 0x44, 1, false, &v);
		FUZZ_CHECK(rc == BUS_ERROR && v == 0xFF, "0x44 rc %d %#x", rc, v);
		break;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in_init(data, size);
	uint8_t cfg = fuzz_u8(&in);
	/* Guest TSC from 1 MHz to 100 GHz; the VM's time starts near 0 and
	 * stays far below 2^60 (arch_vm_time counts from VM creation). */
	uint64_t khz = (cfg & 1) ? 1000 + fuzz_u32(&in) % 100000000u : 2000000;
	uint64_t start = (cfg & 2) ? fuzz_u64(&in) >> 16 : 0;

	memset(&h, 0, sizeof(h));
	h.now = start;
	pit8254_init(&h.pit, khz, &ops, &h);
	for (unsigned i = 0; i < 3; i++)
		h.ch[i].ctrl = 0x30;
	check_state();
	while (fuzz_left(&in) > 0) {
		step(&in);
		check_state();
	}
	return 0;
}
