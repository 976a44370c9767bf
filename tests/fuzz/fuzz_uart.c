/* FUZZ-DEPS: devices/uart16550.c
 *
 * libFuzzer target for the 16550A UART (devices/uart16550.c). The input
 * chooses a clock (none, or a guest TSC of some rate), then a sequence of
 * port accesses, host input bytes (also fed from inside the rx_poll
 * callback), time advances and timer expiries, stale ones included.
 *
 * A model of the PC16550D (sections 8.4-8.10, table IV) runs alongside:
 *  - the RX FIFO holds 0..16 bytes (0..1 without FIFO), RBR reads return
 *    the bytes in order, overruns latch LSR.OE; LSR.DR says whether data
 *    is there, THRE/TEMT are 1, LSR2-4/7 are 0, LSR errors clear on read;
 *  - IIR reports the highest-priority enabled source the model has (line
 *    status, data at trigger level, character timeout 4 character times
 *    after the last FIFO activity, THRE, modem status), bits 7:6 follow
 *    FCR0, bits 5:4 are 0; MSR lines and deltas follow MCR in loopback;
 *  - the ISA line (callback, reported on changes only) is INTR gated by
 *    OUT2 and forced low in loopback; the armed timer is the device's
 *    deadline; every other register reads back what was written. */
#include "tests/fuzz/fuzz.h"

#include <stdbool.h>

#include "devices/bus.h"
#include "devices/uart16550.h"

#define BASE 0x3F8
#define IRQ  4

struct model {
	uint8_t q[64];
	unsigned head, count;
	bool oe;
	uint8_t fcr;            /* enable and trigger bits only */
	uint8_t ier, lcr, mcr, scr, dll, dlm, msr_delta;
	bool thre;
	bool latched;           /* character timeout indication */
	uint64_t deadline;
};

struct harness {
	struct uart16550 u;
	struct model m;
	bool clock;
	uint64_t tsc_khz;
	uint64_t now;
	uint64_t armed;         /* last deadline given to timer_arm */
	bool line;              /* ISA line as reported */
	int tx_expect;          /* byte the next tx callback must carry, -1 none */
	unsigned tx_calls;
	int poll_feed;          /* byte rx_poll feeds, -1 none */
};

static struct harness h;

static void m_push(uint8_t c);

static void cb_tx(void *opaque, uint8_t c)
{
	(void)opaque;
	FUZZ_CHECK(h.tx_expect == c, "tx %#x, expected %d", c, h.tx_expect);
	h.tx_calls++;
}

static void cb_set_irq(void *opaque, unsigned line, bool level)
{
	(void)opaque;
	FUZZ_CHECK(line == IRQ, "set_irq line %u", line);
	FUZZ_CHECK(level != h.line, "set_irq without a change (%d)", level);
	h.line = level;
}

static uint64_t cb_now(void *opaque)
{
	(void)opaque;
	return h.now;
}

static void cb_timer_arm(void *opaque, uint64_t deadline)
{
	(void)opaque;
	h.armed = deadline;
}

static void cb_rx_poll(void *opaque)
{
	(void)opaque;
	/* The host feeds input from inside the register access. */
	if (h.poll_feed >= 0) {
		uint8_t c = (uint8_t)h.poll_feed;

		h.poll_feed = -1;
		uart16550_rx(&h.u, c);
		if (!(h.m.mcr & 0x10))
			m_push(c);
	}
}

static const struct uart16550_ops ops_clock = {
	cb_tx, cb_set_irq, cb_now, cb_timer_arm, cb_rx_poll,
};
static const struct uart16550_ops ops_noclock = {
	cb_tx, cb_set_irq, NULL, NULL, cb_rx_poll,
};

/* ---- model ---- */

static bool m_fifo(void)
{
	return h.m.fcr & 1;
}

static unsigned m_trigger(void)
{
	static const unsigned t[4] = { 1, 4, 8, 14 };

	return m_fifo() ? t[h.m.fcr >> 6] : 1;
}

static bool m_has_clock(void)
{
	return h.clock && h.tsc_khz != 0;
}

/* Four character times at 16 baud clocks per bit from 1.8432 MHz. */
static uint64_t m_timeout_ticks(void)
{
	unsigned data = 5 + (h.m.lcr & 3);
	unsigned half = 2 * (1 + data) + ((h.m.lcr & 0x08) ? 2 : 0);
	uint32_t div = (uint32_t)h.m.dlm << 8 | h.m.dll;

	if (h.m.lcr & 0x04)
		half += data == 5 ? 3 : 4;
	else
		half += 2;
	if (div == 0)
		div = 0x10000;
	/* ticks = 4 chars * half/2 bits * 16 * div / 1843200 * khz * 1000 */
	unsigned __int128 num = (unsigned __int128)half * div * h.tsc_khz * 32000u;
	return (uint64_t)((num + 1843199u) / 1843200u);
}

static void m_restart(void)
{
	if (!m_has_clock() || h.m.latched)
		return;
	if (!m_fifo() || h.m.count == 0) {
		h.m.deadline = 0;
		return;
	}
	uint64_t d = h.now + m_timeout_ticks();
	h.m.deadline = d ? d : 1;
}

static void m_push(uint8_t c)
{
	unsigned cap = m_fifo() ? 16 : 1;

	if (h.m.count >= cap) {
		h.m.oe = true;
		if (!m_fifo())
			h.m.q[h.m.head] = c;
	} else {
		h.m.q[(h.m.head + h.m.count) % 16] = c;
		h.m.count++;
	}
	m_restart();
}

static int m_pop(void)
{
	if (h.m.count == 0)
		return 0;
	uint8_t c = h.m.q[h.m.head];
	h.m.head = (h.m.head + 1) % 16;
	h.m.count--;
	return c;
}

static void m_clear(void)
{
	h.m.head = h.m.count = 0;
	h.m.latched = false;
	h.m.deadline = 0;
}

static void m_expire(void)
{
	h.m.deadline = 0;
	h.m.latched = m_fifo() && h.m.count > 0;
}

static uint8_t m_msr_lines(void)
{
	uint8_t mcr = h.m.mcr, v = 0;

	if (!(mcr & 0x10))
		return 0xB0;            /* CTS, DSR, DCD of a connected peer */
	if (mcr & 0x02) v |= 0x10;      /* RTS -> CTS */
	if (mcr & 0x01) v |= 0x20;      /* DTR -> DSR */
	if (mcr & 0x04) v |= 0x40;      /* OUT1 -> RI */
	if (mcr & 0x08) v |= 0x80;      /* OUT2 -> DCD */
	return v;
}

static uint8_t m_iir_id(void)
{
	bool timeout;

	if (m_has_clock())
		timeout = m_fifo() && h.m.count > 0 && h.m.latched;
	else
		timeout = m_fifo() && h.m.count > 0 && h.m.count < m_trigger();
	if ((h.m.ier & 4) && h.m.oe)
		return 0x06;
	if ((h.m.ier & 1) && h.m.count >= m_trigger())
		return 0x04;
	if ((h.m.ier & 1) && timeout)
		return 0x0C;
	if ((h.m.ier & 2) && h.m.thre)
		return 0x02;
	if ((h.m.ier & 8) && h.m.msr_delta)
		return 0x00;
	return 0x01;
}

/* ---- checks ---- */

static void check_state(void)
{
	const struct uart16550 *u = &h.u;
	bool pending = m_iir_id() != 0x01;

	FUZZ_CHECK(u->rx_count <= 16, "FIFO level %u", u->rx_count);
	FUZZ_CHECK(m_fifo() || u->rx_count <= 1, "RBR holds %u", u->rx_count);
	FUZZ_CHECK(u->rx_count == h.m.count, "FIFO level %u, model %u", u->rx_count,
		   h.m.count);
	FUZZ_CHECK(u->rx_head < 16, "rx_head %u", u->rx_head);
	FUZZ_CHECK(uart16550_irq_pending(u) == pending, "INTR %d, model IIR %#x",
		   uart16550_irq_pending(u), m_iir_id());
	bool line = pending && (h.m.mcr & 0x18) == 0x08;
	FUZZ_CHECK(h.line == line && uart16550_irq_level(u) == line,
		   "ISA line cb %d dev %d, model %d", h.line, uart16550_irq_level(u), line);
	FUZZ_CHECK(u->rx_deadline == h.m.deadline, "deadline %llu, model %llu",
		   (unsigned long long)u->rx_deadline, (unsigned long long)h.m.deadline);
	if (h.clock)
		FUZZ_CHECK(h.armed == u->rx_deadline, "armed %llu, deadline %llu",
			   (unsigned long long)h.armed, (unsigned long long)u->rx_deadline);
	FUZZ_CHECK(uart16550_rx_ready(u) ==
		   (!(h.m.mcr & 0x10) && h.m.count < (m_fifo() ? 16u : 1u)), "rx_ready");
	FUZZ_CHECK(uart16550_rts(u) == ((h.m.mcr & 0x12) == 0x02), "rts");
	FUZZ_CHECK(uart16550_rx_irq_enabled(u) ==
		   ((h.m.ier & 1) && (h.m.mcr & 0x18) == 0x08), "rx_irq_enabled");
}

/* The access-time check of an expired deadline the device does first. */
static void m_access_poll(void)
{
	if (h.m.deadline != 0 && m_has_clock() && h.now >= h.m.deadline)
		m_expire();
}

static void do_read(unsigned off)
{
	uint32_t v = 0x12345678;
	bool dlab = h.m.lcr & 0x80;

	m_access_poll();
	int rc = uart16550_pio(&h.u, (uint16_t)(BASE + off), 1, false, &v);
	FUZZ_CHECK(rc == BUS_OK && v <= 0xFF, "read %u rc %d v %#x", off, rc, v);
	int expect;
	switch (off) {
	case 0:
		if (dlab) {
			expect = h.m.dll;
		} else {
			expect = m_pop();
			h.m.latched = false;
			m_restart();
		}
		break;
	case 1:
		expect = dlab ? h.m.dlm : h.m.ier;
		break;
	case 2:
		expect = m_iir_id() | (m_fifo() ? 0xC0 : 0);
		if (m_iir_id() == 0x02)
			h.m.thre = false;
		break;
	case 3:
		expect = h.m.lcr;
		break;
	case 4:
		expect = h.m.mcr;
		break;
	case 5:
		/* rx_poll (cb) has already pushed into the model. */
		expect = 0x60 | (h.m.oe ? 0x02 : 0) | (h.m.count ? 0x01 : 0);
		h.m.oe = false;
		break;
	case 6:
		expect = m_msr_lines() | h.m.msr_delta;
		h.m.msr_delta = 0;
		break;
	default:
		expect = h.m.scr;
		break;
	}
	FUZZ_CHECK((int)v == expect, "read reg %u: %#x, model %#x", off, v, expect);
}

static void m_write_mcr(uint8_t v)
{
	uint8_t before = m_msr_lines(), after, ch;

	h.m.mcr = v & 0x1F;
	after = m_msr_lines();
	ch = before ^ after;
	if (ch & 0x10) h.m.msr_delta |= 0x01;
	if (ch & 0x20) h.m.msr_delta |= 0x02;
	if (ch & 0x80) h.m.msr_delta |= 0x08;
	if ((before & 0x40) && !(after & 0x40)) h.m.msr_delta |= 0x04;
}

static void m_write_fcr(uint8_t v)
{
	if ((v ^ h.m.fcr) & 1)
		m_clear();
	if (!(v & 1)) {
		h.m.fcr = 0;
		return;
	}
	h.m.fcr = v & 0xC1;
	if (v & 2)
		m_clear();
}

static void do_write(unsigned off, uint8_t v)
{
	uint32_t val = v;
	bool dlab = h.m.lcr & 0x80;
	unsigned tx_before = h.tx_calls;
	bool sends = false;

	m_access_poll();
	if (off == 0 && !dlab && !(h.m.mcr & 0x10)) {
		h.tx_expect = v;
		sends = true;
	}
	int rc = uart16550_pio(&h.u, (uint16_t)(BASE + off), 1, true, &val);
	h.tx_expect = -1;
	FUZZ_CHECK(rc == BUS_OK, "write %u rc %d", off, rc);
	FUZZ_CHECK(h.tx_calls == tx_before + sends, "tx calls %u -> %u", tx_before,
		   h.tx_calls);
	switch (off) {
	case 0:
		if (dlab) {
			h.m.dll = v;
		} else {
			if (h.m.mcr & 0x10)
				m_push(v);
			h.m.thre = true;
		}
		break;
	case 1:
		if (dlab) {
			h.m.dlm = v;
		} else {
			if (!(h.m.ier & 2) && (v & 2))
				h.m.thre = true;
			h.m.ier = v & 0x0F;
		}
		break;
	case 2:
		m_write_fcr(v);
		break;
	case 3:
		h.m.lcr = v;
		break;
	case 4:
		m_write_mcr(v);
		break;
	case 7:
		h.m.scr = v;
		break;
	default:
		break;
	}
}

static void host_rx(uint8_t c)
{
	uart16550_rx(&h.u, c);
	if (!(h.m.mcr & 0x10))
		m_push(c);
}

static void advance(uint64_t dt)
{
	h.now += dt;
	/* The host's timer fires once the armed deadline passes. */
	if (h.clock && h.armed != 0 && h.now >= h.armed) {
		h.armed = 0;
		if (h.m.deadline != 0 && h.now >= h.m.deadline)
			m_expire();
		/* The device knows the timer fired: no timer_arm(0). */
		uart16550_timer_expired(&h.u);
	}
}

static void step(struct fuzz_in *in)
{
	uint8_t op = fuzz_u8(in);
	uint8_t a = fuzz_u8(in);

	switch (op % 9) {
	case 0:
		do_write(a % 8u, fuzz_u8(in));
		break;
	case 1:
		do_read(a % 8u);
		break;
	case 2:
		host_rx(a);
		break;
	case 3:                 /* a burst of input */
		for (unsigned i = 0; i < (a % 20u); i++)
			host_rx((uint8_t)(0x40 + i));
		break;
	case 4:
		advance(a < 0x80 ? a : (uint64_t)fuzz_u32(in) << (a & 0x1F));
		break;
	case 5:                 /* late or stale timer expiry */
		if (h.m.deadline != 0 && m_has_clock() && h.now >= h.m.deadline)
			m_expire();
		uart16550_timer_expired(&h.u);
		if (h.m.deadline == 0)
			h.armed = 0;    /* it fired (or nothing was armed) */
		break;
	case 6: {               /* other widths and ports outside the range */
		uint32_t v = fuzz_u32(in);
		unsigned size = (a & 1) ? 2 : 4;
		bool write = a & 2;
		int rc = uart16550_pio(&h.u, (uint16_t)(BASE + (a >> 2) % 8u), size,
				       write, &v);
		FUZZ_CHECK(rc == BUS_ERROR, "size %u rc %d", size, rc);
		if (!write)
			FUZZ_CHECK(v == (size == 2 ? 0xFFFFu : 0xFFFFFFFFu), "wide %#x", v);
		v = 0x77;
		rc = uart16550_pio(&h.u, (uint16_t)(BASE + 8 + (a >> 4)), 1, write, &v);
		FUZZ_CHECK(rc == BUS_UNCLAIMED, "outside rc %d", rc);
		rc = uart16550_pio(&h.u, (uint16_t)(BASE - 1 - (a >> 4)), 1, write, &v);
		FUZZ_CHECK(rc == BUS_UNCLAIMED, "below rc %d", rc);
		break;
	}
	case 7:                 /* the next LSR poll finds this byte */
		h.poll_feed = a;
		do_read(5);
		h.poll_feed = -1;
		break;
	default:                /* loopback round trip */
		do_write(4, (uint8_t)(0x10 | (a & 0x0F)));
		do_write(0, a);
		do_read(a & 0x80 ? 2 : 0);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in_init(data, size);
	uint8_t cfg = fuzz_u8(&in);

	memset(&h, 0, sizeof(h));
	h.tx_expect = -1;
	h.poll_feed = -1;
	h.clock = cfg & 1;
	/* A guest TSC rate below 2^32 kHz, as the header promises. */
	h.tsc_khz = (cfg & 2) ? fuzz_u32(&in) : 1000000u;
	h.now = (cfg & 4) ? fuzz_u64(&in) : 0;
	uart16550_init(&h.u, BASE, IRQ, h.clock ? &ops_clock : &ops_noclock, &h,
		       h.tsc_khz);
	h.m.dll = 0x0C;
	check_state();
	while (fuzz_left(&in) > 0) {
		step(&in);
		check_state();
	}
	return 0;
}
