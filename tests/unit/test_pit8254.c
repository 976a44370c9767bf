/* UNIT-DEPS: devices/pit8254.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "devices/bus.h"
#include "devices/pit8254.h"
#include "lib/libc.h"

/* With this TSC rate one PIT clock is exactly 1000 TSC ticks. */
#define KHZ_EXACT 1193182u

static struct host {
	uint64_t now;
	uint64_t armed;
	unsigned arms;
	bool level;
	unsigned rises, falls;
	uint64_t last_rise;        /* TSC of the last rising edge */
} h;

static struct pit8254 pit;

static uint64_t fake_now(void *opaque)
{
	(void)opaque;
	return h.now;
}

static void fake_arm(void *opaque, uint64_t deadline)
{
	(void)opaque;
	h.armed = deadline;
	h.arms++;
}

static void fake_irq(void *opaque, unsigned line, bool level)
{
	(void)opaque;
	assert_int_equal(line, PIT_IRQ);
	assert_true(level != h.level);     /* only changes are reported */
	h.level = level;
	if (level) {
		h.rises++;
		h.last_rise = h.now;
	} else {
		h.falls++;
	}
}

static const struct pit8254_ops ops = {
	.now = fake_now, .timer_arm = fake_arm, .set_irq = fake_irq,
};

static void setup(uint64_t khz)
{
	memset(&h, 0, sizeof(h));
	pit8254_init(&pit, khz, &ops, &h);
}

/* Start of PIT clock k at KHZ_EXACT. */
static void at(uint64_t k)
{
	h.now = k * 1000;
}

static void outb(uint16_t port, uint8_t v)
{
	uint32_t x = v;

	assert_int_equal(pit8254_pio(&pit, port, 1, true, &x), BUS_OK);
}

static uint8_t inb(uint16_t port)
{
	uint32_t x = 0x12345678;

	assert_int_equal(pit8254_pio(&pit, port, 1, false, &x), BUS_OK);
	assert_true(x <= 0xFF);
	return (uint8_t)x;
}

static void ctl(uint8_t v)
{
	outb(PIT_PORT_CONTROL, v);
}

static void count16(unsigned ch, uint16_t n)
{
	outb(PIT_PORT_BASE + ch, n & 0xFF);
	outb(PIT_PORT_BASE + ch, n >> 8);
}

static uint16_t read16(unsigned ch)
{
	uint16_t lo = inb(PIT_PORT_BASE + ch);

	return lo | inb(PIT_PORT_BASE + ch) << 8;
}

/* Counter latch command, then both bytes (lobyte/hibyte mode). */
static uint16_t latched(unsigned ch)
{
	ctl(ch << 6);
	return read16(ch);
}

/* Read-back of the status byte alone. */
static uint8_t status(unsigned ch)
{
	ctl(0xC0 | 0x20 | 2u << ch);
	return inb(PIT_PORT_BASE + ch);
}

static bool out(unsigned ch)
{
	return status(ch) & 0x80;
}

static bool null_count(unsigned ch)
{
	return status(ch) & 0x40;
}

static bool out2(void)
{
	return inb(PIT_PORT_SYSCTL_B) & 0x20;
}

static void fire(void)
{
	assert_true(h.armed != 0);
	h.now = h.armed;
	h.armed = 0;                       /* the host's deadline is spent */
	pit8254_timer_expired(&pit);
}

/* First TSC value of PIT clock k, computed independently in 128 bits. */
static uint64_t tsc_at_tick(uint64_t k, uint64_t khz)
{
	unsigned __int128 num = (unsigned __int128)k * khz * 1000;

	return (uint64_t)((num + PIT_HZ - 1) / PIT_HZ);
}

static uint64_t tick_at_tsc(uint64_t tsc, uint64_t khz)
{
	return (uint64_t)((unsigned __int128)tsc * PIT_HZ / (khz * 1000));
}

static void test_power_on(void **state)
{
	(void)state;
	setup(KHZ_EXACT);
	at(1000);
	/* Mode 0, lobyte/hibyte, binary, null count, OUT low. */
	assert_int_equal(status(0), 0x70);
	assert_int_equal(status(1), 0x70);
	assert_int_equal(status(2), 0x70);
	assert_int_equal(inb(PIT_PORT_CONTROL), 0xFF);
	assert_int_equal(h.arms, 0);
	assert_int_equal(h.rises + h.falls, 0);
	assert_false(out2());
}

static void test_bad_access(void **state)
{
	uint32_t v = 0;

	(void)state;
	setup(KHZ_EXACT);
	assert_int_equal(pit8254_pio(&pit, 0x40, 2, false, &v), BUS_ERROR);
	assert_int_equal(v, 0xFFFF);
	assert_int_equal(pit8254_pio(&pit, 0x61, 4, false, &v), BUS_ERROR);
	assert_int_equal(v, 0xFFFFFFFFu);
	v = 0x34;
	assert_int_equal(pit8254_pio(&pit, 0x43, 2, true, &v), BUS_ERROR);
	assert_int_equal(status(0), 0x70);       /* the write was dropped */
	assert_int_equal(pit8254_pio(&pit, 0x44, 1, false, &v), BUS_ERROR);
	assert_int_equal(v, 0xFF);
}

/* Mode 0: OUT low until N + 1 clocks after the write, then high; the
 * count wraps and goes on; IRQ0 rises at terminal count and stays. */
static void test_mode0(void **state)
{
	(void)state;
	setup(KHZ_EXACT);
	at(10);
	ctl(0x30);
	count16(0, 5);
	assert_true(null_count(0));
	assert_false(out(0));
	assert_int_equal(h.armed, 16000);        /* TC at clock 10 + 1 + 5 */
	at(11);
	assert_false(null_count(0));
	assert_int_equal(latched(0), 5);
	at(15);
	assert_int_equal(latched(0), 1);
	h.now = 16000 - 1;
	assert_false(out(0));
	fire();
	assert_int_equal(h.rises, 1);
	assert_true(h.level);
	assert_int_equal(h.armed, 0);            /* nothing more to report */
	assert_int_equal(latched(0), 0);
	assert_true(out(0));
	at(17);
	assert_int_equal(latched(0), 0xFFFF);
	assert_true(out(0));
	assert_true(h.level);

	/* First byte of a new count: counting stops, OUT and IRQ0 low. */
	at(20);
	outb(0x40, 3);
	assert_false(out(0));
	assert_false(h.level);
	at(25);
	assert_int_equal(latched(0), 0xFFFC);    /* held since clock 20 */
	outb(0x40, 0);                           /* loads at 26 */
	assert_int_equal(h.armed, 29000);
	at(26);
	assert_int_equal(latched(0), 3);
	fire();
	assert_int_equal(h.rises, 2);
	assert_int_equal(h.last_rise, 29000);
}

/* Mode 0 reprogrammed mid-count restarts from the new count at once. */
static void test_mode0_rewrite(void **state)
{
	(void)state;
	setup(KHZ_EXACT);
	at(0);
	ctl(0x30);
	count16(0, 1000);
	at(500);
	count16(0, 100);
	assert_int_equal(h.armed, 601000);
	at(501);
	assert_int_equal(latched(0), 100);
	fire();
	assert_int_equal(h.rises, 1);
	assert_int_equal(h.last_rise, 601000);
}

/* Mode 1 on channel 2: a gate edge starts a one-shot: OUT low from the
 * next clock for N clocks; retriggerable. */
static void test_mode1(void **state)
{
	(void)state;
	setup(KHZ_EXACT);
	at(0);
	outb(PIT_PORT_SYSCTL_B, 0);
	ctl(0xB2);
	count16(2, 4);
	at(3);
	assert_true(out2());
	assert_true(null_count(2));              /* CR waits for a trigger */
	at(5);
	outb(PIT_PORT_SYSCTL_B, 1);              /* trigger */
	assert_true(out2());
	at(6);
	assert_false(out2());
	assert_false(null_count(2));
	assert_int_equal(latched(2), 4);
	at(9);
	assert_int_equal(latched(2), 1);
	assert_false(out2());
	at(10);
	assert_true(out2());
	assert_int_equal(latched(2), 0);
	at(11);
	assert_int_equal(latched(2), 0xFFFF);
	/* The gate level does not matter, only its rising edge. */
	at(12);
	outb(PIT_PORT_SYSCTL_B, 0);
	assert_true(out2());
	at(13);
	outb(PIT_PORT_SYSCTL_B, 1);
	at(14);
	assert_false(out2());
	at(15);
	outb(PIT_PORT_SYSCTL_B, 0);
	outb(PIT_PORT_SYSCTL_B, 1);              /* retrigger: 16..19 low */
	at(18);
	assert_false(out2());
	at(19);
	assert_false(out2());
	at(20);
	assert_true(out2());
	/* A new count waits for the next trigger; the one-shot runs on. */
	at(30);
	outb(PIT_PORT_SYSCTL_B, 0);
	outb(PIT_PORT_SYSCTL_B, 1);              /* 31..34 low */
	at(32);
	count16(2, 10);
	assert_true(null_count(2));
	at(34);
	assert_int_equal(latched(2), 1);
	at(35);
	assert_true(out2());
	assert_true(null_count(2));
	outb(PIT_PORT_SYSCTL_B, 0);
	outb(PIT_PORT_SYSCTL_B, 1);
	at(36);
	assert_false(null_count(2));
	assert_int_equal(latched(2), 10);
	at(45);
	assert_false(out2());
	at(46);
	assert_true(out2());
	assert_int_equal(h.rises + h.falls, 0);  /* channel 2: no IRQ */
}

/* Gate edges on a counter without a count change nothing. */
static void test_gate_without_count(void **state)
{
	unsigned m;

	(void)state;
	for (m = 0; m < 6; m++) {
		setup(KHZ_EXACT);
		at(5);
		ctl((uint8_t)(0xB0 | m << 1));
		outb(PIT_PORT_SYSCTL_B, 1);
		at(100000);
		outb(PIT_PORT_SYSCTL_B, 0);
		at(200000);
		outb(PIT_PORT_SYSCTL_B, 1);
		at(300000);
		assert_int_equal(out2(), m != 0);
		assert_true(null_count(2));
	}
}

/* Mode 2: N, N-1, ..., 1, OUT low for the clock at 1, period N. */
static void test_mode2(void **state)
{
	static const uint16_t cnt[] = { 4, 3, 2, 1, 4, 3, 2, 1, 4 };
	static const bool o[] = { 1, 1, 1, 0, 1, 1, 1, 0, 1 };
	unsigned i;

	(void)state;
	setup(KHZ_EXACT);
	at(100);
	ctl(0x34);
	count16(0, 4);
	assert_true(out(0));
	for (i = 0; i < ARRAY_SIZE(cnt); i++) {
		at(101 + i);
		assert_int_equal(latched(0), cnt[i]);
		assert_int_equal(out(0), o[i]);
	}
}

static void test_mode3_even(void **state)
{
	static const uint16_t cnt[] = { 6, 4, 2, 6, 4, 2, 6 };
	static const bool o[] = { 1, 1, 1, 0, 0, 0, 1 };
	unsigned i;

	(void)state;
	setup(KHZ_EXACT);
	at(0);
	outb(PIT_PORT_SYSCTL_B, 1);
	ctl(0xB6);
	count16(2, 6);
	for (i = 0; i < ARRAY_SIZE(cnt); i++) {
		at(1 + i);
		assert_int_equal(latched(2), cnt[i]);
		assert_int_equal(out2(), o[i]);
	}
}

/* Odd N: N-1 loaded, counted by two; high (N+1)/2, low (N-1)/2. */
static void test_mode3_odd(void **state)
{
	static const uint16_t cnt5[] = { 4, 2, 0, 4, 2, 4, 2, 0 };
	static const bool o5[] = { 1, 1, 1, 0, 0, 1, 1, 1 };
	unsigned i, hi = 0, lo = 0;

	(void)state;
	setup(KHZ_EXACT);
	at(0);
	outb(PIT_PORT_SYSCTL_B, 1);
	ctl(0xB6);
	count16(2, 5);
	for (i = 0; i < ARRAY_SIZE(cnt5); i++) {
		at(1 + i);
		assert_int_equal(latched(2), cnt5[i]);
		assert_int_equal(out2(), o5[i]);
	}
	/* A large odd count: 32768 high, 32767 low clocks per period. */
	at(1000);
	ctl(0xB6);
	count16(2, 65535);
	for (i = 0; i < 65535; i += 1) {
		if (i % 97 && i != 32767 && i != 32768)
			continue;                /* sample; both edges exactly */
		at(1001 + i);
		if (out2())
			hi++;
		else
			lo++;
		assert_int_equal(out2(), i < 32768);
	}
	assert_true(hi > 0 && lo > 0);
	at(1001 + 65535);
	assert_true(out2());
}

/* Mode 4: strobe low for one clock N + 1 clocks after the write; IRQ0
 * pulses when OUT rises again. */
static void test_mode4(void **state)
{
	(void)state;
	setup(KHZ_EXACT);
	at(0);
	ctl(0x38);
	count16(0, 3);
	at(1);
	assert_int_equal(latched(0), 3);
	assert_true(out(0));
	at(3);
	assert_true(out(0));
	at(4);
	assert_int_equal(latched(0), 0);
	assert_false(out(0));
	assert_int_equal(h.armed, 5000);
	fire();
	assert_int_equal(h.rises, 1);
	assert_false(h.level);                   /* pulse: true then false */
	assert_int_equal(h.armed, 0);
	assert_true(out(0));
	assert_int_equal(latched(0), 0xFFFF);
}

/* Mode 5 on channel 2: strobe N + 1 clocks after the gate edge. */
static void test_mode5(void **state)
{
	(void)state;
	setup(KHZ_EXACT);
	at(0);
	ctl(0xBA);
	count16(2, 3);
	at(10);
	assert_true(out2());
	outb(PIT_PORT_SYSCTL_B, 1);
	at(11);
	assert_int_equal(latched(2), 3);
	at(13);
	assert_true(out2());
	at(14);
	assert_false(out2());
	at(15);
	assert_true(out2());
	at(40);
	assert_true(out2());                     /* one strobe only */
}

static void test_mode6_7_alias(void **state)
{
	(void)state;
	setup(KHZ_EXACT);
	at(0);
	outb(PIT_PORT_SYSCTL_B, 1);
	ctl(0xBC);                               /* mode 6 = mode 2 */
	assert_int_equal(status(2) & 0x3F, 0x3C);
	count16(2, 3);
	at(3);
	assert_false(out2());
	at(4);
	assert_true(out2());
	ctl(0xBE);                               /* mode 7 = mode 3 */
	count16(2, 4);
	at(5);
	assert_int_equal(latched(2), 4);
	at(7);
	assert_false(out2());
	assert_int_equal(status(2) & 0x3F, 0x3E);
}

static void test_bcd(void **state)
{
	unsigned i;

	(void)state;
	setup(KHZ_EXACT);
	at(0);
	outb(PIT_PORT_SYSCTL_B, 1);
	ctl(0xB5);                               /* mode 2, BCD */
	count16(2, 0x0010);                      /* ten clocks */
	for (i = 0; i < 10; i++) {
		at(1 + i);
		assert_int_equal(latched(2), (10 - i) / 10 << 4 | (10 - i) % 10);
		assert_int_equal(out2(), i != 9);
	}
	at(11);
	assert_int_equal(latched(2), 0x10);
	assert_int_equal(status(2) & 0x3F, 0x35);

	/* Count 0 in BCD is 10000. */
	ctl(0xB1);
	count16(2, 0);
	at(12);
	assert_int_equal(latched(2), 0x0000);
	at(13);
	assert_int_equal(latched(2), 0x9999);
	at(12 + 1234);
	assert_int_equal(latched(2), 0x8766);
	at(12 + 9999);
	assert_false(out2());
	at(12 + 10000);
	assert_true(out2());
	assert_int_equal(latched(2), 0x0000);
	at(12 + 10001);
	assert_int_equal(latched(2), 0x9999);
}

static void test_count0_is_65536(void **state)
{
	(void)state;
	setup(KHZ_EXACT);
	at(0);
	ctl(0x34);
	count16(0, 0);
	assert_int_equal(h.armed, (1 + 65536) * 1000ull);
	at(1);
	assert_int_equal(latched(0), 0);
	at(2);
	assert_int_equal(latched(0), 0xFFFF);
	at(65536);
	assert_int_equal(latched(0), 1);
	assert_false(out(0));
	fire();
	assert_int_equal(h.rises, 1);
	assert_int_equal(latched(0), 0);
	assert_int_equal(h.armed, (1 + 2 * 65536) * 1000ull);
}

/* A latch holds the count until read in full; a second latch command
 * before that is ignored; LSB-only and MSB-only counters. */
static void test_latch(void **state)
{
	(void)state;
	setup(KHZ_EXACT);
	at(0);
	ctl(0x34);
	count16(0, 1000);
	at(10);
	ctl(0x00);
	at(20);
	ctl(0x00);                               /* ignored */
	at(30);
	assert_int_equal(read16(0), 991);
	assert_int_equal(read16(0), 971);        /* live again */
	/* Latch, read the LSB, latch again (ignored), read the MSB. */
	ctl(0x00);
	assert_int_equal(inb(0x40), 971 & 0xFF);
	at(40);
	ctl(0x00);
	assert_int_equal(inb(0x40), 971 >> 8);
	assert_int_equal(latched(0), 961);

	ctl(0x14);                               /* LSB only, mode 2 */
	outb(0x40, 0x50);
	at(41);
	ctl(0x00);
	at(45);
	assert_int_equal(inb(0x40), 0x50);
	assert_int_equal(inb(0x40), 0x50 - 4);   /* one byte released it */
	ctl(0x24);                               /* MSB only, mode 2 */
	outb(0x40, 0x02);                        /* count 0x200 */
	at(46);
	assert_int_equal(inb(0x40), 0x02);
	at(47);
	ctl(0x00);
	assert_int_equal(inb(0x40), 0x01);       /* 0x1FF */
}

static void test_readback(void **state)
{
	(void)state;
	setup(KHZ_EXACT);
	at(0);
	outb(PIT_PORT_SYSCTL_B, 1);
	ctl(0x34);
	ctl(0xB0);
	/* After the control word: null count, OUT as the mode says. */
	assert_int_equal(status(0), 0x40 | 0x80 | 0x34);
	assert_int_equal(status(2), 0x40 | 0x30);
	count16(0, 1000);
	count16(2, 500);
	assert_int_equal(status(0), 0x40 | 0x80 | 0x34);  /* not loaded yet */
	at(100);
	/* Count and status of counters 0 and 2 in one command. */
	ctl(0xC0 | 0x02 | 0x08);
	at(150);
	assert_int_equal(inb(0x40), 0x80 | 0x34);         /* status first */
	assert_int_equal(read16(0), 901);
	assert_int_equal(inb(0x42), 0x30);
	assert_int_equal(read16(2), 401);
	/* Status twice: the first latched one stands. */
	ctl(0xE0 | 0x08);
	at(501);
	ctl(0xE0 | 0x08);
	assert_int_equal(inb(0x42), 0x30);
	assert_int_equal(status(2), 0x80 | 0x30);
	/* Count only: status not latched, reads give the count. */
	ctl(0xD0 | 0x02);
	assert_int_equal(read16(0), 500);
	/* Counter 1 untouched by a read-back naming only 0 and 2. */
	assert_int_equal(status(1), 0x70);
}

/* Read and write flip-flops are separate: read LSB, write LSB, read MSB,
 * write MSB is valid (datasheet). A control word resets both. */
static void test_flip_flops(void **state)
{
	(void)state;
	setup(KHZ_EXACT);
	at(0);
	ctl(0xB4);                               /* ch2 mode 2, gate low */
	count16(2, 0x1234);
	at(5);
	assert_int_equal(inb(0x42), 0x34);
	outb(0x42, 0x78);
	assert_int_equal(inb(0x42), 0x12);
	outb(0x42, 0x56);
	assert_true(null_count(2));              /* waits for the trigger */
	outb(PIT_PORT_SYSCTL_B, 1);
	at(6);
	assert_int_equal(read16(2), 0x5678);
	/* Half a read and half a write, then a control word. */
	assert_int_equal(inb(0x42), 0x78);
	outb(0x42, 0x11);
	ctl(0xB4);
	count16(2, 0x0300);
	at(7);
	assert_int_equal(read16(2), 0x0300);
}

/* Mode 2: a new count takes effect at the end of the current period;
 * IRQ0 follows. */
static void test_mode2_reprogram(void **state)
{
	(void)state;
	setup(KHZ_EXACT);
	at(0);
	ctl(0x34);
	count16(0, 1000);
	assert_int_equal(h.armed, 1001000);
	at(500);
	count16(0, 300);
	assert_true(null_count(0));
	assert_int_equal(h.armed, 1001000);
	at(1000);
	assert_int_equal(latched(0), 1);
	assert_false(out(0));
	at(1001);
	assert_false(null_count(0));
	assert_int_equal(latched(0), 300);
	/* The guest's access reported the edge the host had not yet. */
	assert_int_equal(h.rises, 1);
	assert_int_equal(h.last_rise, 1001000);
	assert_int_equal(h.armed, 1301000);
	fire();
	assert_int_equal(h.rises, 2);
	assert_int_equal(h.armed, 1601000);
}

/* Mode 3: a new count is loaded at the end of the current half-cycle. */
static void test_mode3_reprogram(void **state)
{
	(void)state;
	setup(KHZ_EXACT);
	at(0);
	outb(PIT_PORT_SYSCTL_B, 1);
	ctl(0xB6);
	count16(2, 10);                          /* high 1..5, low 6..10 */
	at(3);
	count16(2, 20);
	at(5);
	assert_true(out2());
	assert_int_equal(latched(2), 2);
	at(6);                                   /* low half of count 20 */
	assert_false(out2());
	assert_int_equal(latched(2), 20);
	at(15);
	assert_false(out2());
	at(16);
	assert_true(out2());
	at(25);
	assert_true(out2());
	at(26);
	assert_false(out2());
	/* Written in a low half: loaded at the end of the period. */
	at(30);
	count16(2, 4);
	at(35);
	assert_false(out2());
	at(36);
	assert_true(out2());
	assert_int_equal(latched(2), 4);
	at(38);
	assert_false(out2());
}

/* Channel 0 mode 3: one IRQ0 edge per period, at the rising edge. */
static void test_mode3_irq(void **state)
{
	(void)state;
	setup(KHZ_EXACT);
	at(0);
	ctl(0x36);
	count16(0, 1001);
	assert_int_equal(h.armed, 1002000);
	fire();
	fire();
	assert_int_equal(h.rises, 2);
	assert_int_equal(h.last_rise, 2003000);
	assert_false(h.level);
}

/* Gate of channel 2 in mode 2: low stops the count and forces OUT high;
 * high reloads on the next clock. */
static void test_mode2_gate(void **state)
{
	(void)state;
	setup(KHZ_EXACT);
	at(0);
	outb(PIT_PORT_SYSCTL_B, 1);
	ctl(0xB4);
	count16(2, 4);
	at(2);
	outb(PIT_PORT_SYSCTL_B, 0);
	at(4);
	assert_true(out2());
	assert_int_equal(latched(2), 3);
	at(10);
	outb(PIT_PORT_SYSCTL_B, 1);
	assert_int_equal(latched(2), 3);
	at(11);
	assert_int_equal(latched(2), 4);
	at(14);
	assert_false(out2());
	at(15);
	assert_true(out2());
}

/* Linux-style TSC calibration: gate high, mode 0 on channel 2, poll
 * port 0x61 bit 5. OUT2 rises at the exact TSC of clock W + 1 + N. */
static void test_calibration(void **state)
{
	static const uint64_t khzs[] = { 2000000, 2999999, 49997, KHZ_EXACT };
	uint64_t khz, t0, w, rise;
	unsigned i;
	uint8_t b;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(khzs); i++) {
		khz = khzs[i];
		setup(khz);
		h.now = t0 = 123456789012ull;
		b = inb(PIT_PORT_SYSCTL_B);
		outb(PIT_PORT_SYSCTL_B, (b & ~0x02) | 0x01);
		ctl(0xB0);
		outb(0x42, 0xFF);
		outb(0x42, 0xFF);
		w = tick_at_tsc(t0, khz);
		rise = tsc_at_tick(w + 1 + 0xFFFF, khz);
		h.now = rise - 1;
		assert_false(out2());
		h.now = rise;
		assert_true(out2());
		assert_int_equal(h.arms, 0);     /* no timer for channel 2 */
	}

	/* N clocks exactly, in whole clocks; the gate holds the count. */
	setup(KHZ_EXACT);
	at(50);
	outb(PIT_PORT_SYSCTL_B, 1);
	ctl(0xB0);
	count16(2, 11932);
	at(50 + 11932);
	assert_false(out2());
	at(50 + 11933);
	assert_true(out2());

	at(100000);
	outb(PIT_PORT_SYSCTL_B, 0);
	count16(2, 10);
	at(100100);
	assert_false(out2());
	assert_int_equal(latched(2), 10);
	outb(PIT_PORT_SYSCTL_B, 1);              /* counts from clock 100101 */
	at(100109);
	assert_false(out2());
	assert_int_equal(latched(2), 1);
	at(100110);
	assert_true(out2());
	/* Gate low mid-count: held. */
	count16(2, 10);                          /* loads at 100111 */
	at(100115);
	outb(PIT_PORT_SYSCTL_B, 0);
	at(200000);
	assert_int_equal(latched(2), 6);
	assert_false(out2());
	outb(PIT_PORT_SYSCTL_B, 1);
	at(200005);
	assert_false(out2());
	at(200006);
	assert_true(out2());
}

/* 100000 periods of IRQ0 at a TSC rate that is no multiple of the PIT
 * clock: every edge falls at the exact TSC of its clock. */
static void test_periodic_no_drift(void **state)
{
	const uint64_t khz = 2999999;
	uint64_t t0, anchor;
	unsigned k;

	(void)state;
	setup(khz);
	h.now = t0 = 987654321ull;
	ctl(0x34);
	count16(0, 1193);
	anchor = tick_at_tsc(t0, khz) + 1;
	for (k = 1; k <= 100000; k++) {
		assert_int_equal(h.armed, tsc_at_tick(anchor + (uint64_t)k * 1193, khz));
		fire();
		assert_int_equal(h.rises, k);
		assert_false(h.level);
	}
	assert_int_equal(h.last_rise, tsc_at_tick(anchor + 100000ull * 1193, khz));
}

/* A late host reports one edge for all missed periods and re-arms on the
 * grid. */
static void test_late_host(void **state)
{
	(void)state;
	setup(KHZ_EXACT);
	at(0);
	ctl(0x34);
	count16(0, 1000);
	h.now = 1001000 + 50 * 1000000ull + 37000;
	pit8254_timer_expired(&pit);
	assert_int_equal(h.rises, 1);
	assert_int_equal(h.armed, 1001000 + 51 * 1000000ull);
	/* Expiry called early: nothing, same deadline again. */
	pit8254_timer_expired(&pit);
	assert_int_equal(h.rises, 1);
	assert_int_equal(h.armed, 1001000 + 51 * 1000000ull);
}

/* Count 1 in mode 2: edges every clock; IRQ0 gets one per expiry at most,
 * at least PIT_MIN_IRQ_TICKS apart, always in the future. */
static void test_mode2_count1(void **state)
{
	uint64_t prev = 0;
	unsigned k;

	(void)state;
	setup(KHZ_EXACT);
	at(0);
	ctl(0x34);
	count16(0, 1);
	assert_true(out(0));
	for (k = 1; k <= 1000; k++) {
		assert_true(h.armed > h.now);
		if (prev)
			assert_true(h.armed - prev >= PIT_MIN_IRQ_TICKS * 1000ull);
		prev = h.armed;
		fire();
		assert_int_equal(h.rises, k);
		/* Guest accesses in between add nothing. */
		assert_true(out(0));
		assert_int_equal(h.rises, k);
	}
	h.now += 1000000000000ull;
	pit8254_timer_expired(&pit);
	assert_int_equal(h.rises, 1001);
	assert_true(h.armed > h.now);
	assert_true(h.armed - h.now <= PIT_MIN_IRQ_TICKS * 1000ull);
	/* Mode 3 with count 1: OUT constant high, no timer at all. */
	ctl(0x36);
	count16(0, 1);
	assert_int_equal(h.armed, 0);
	h.now += 5000;
	assert_true(out(0));
}

/* Control words move IRQ0 as OUT0 moves: a rise from mode 0 before TC to
 * a mode whose OUT starts high is an edge. */
static void test_control_word_edges(void **state)
{
	(void)state;
	setup(KHZ_EXACT);
	at(0);
	ctl(0x30);
	count16(0, 1000);
	at(10);
	ctl(0x34);                               /* OUT0 low -> high */
	assert_int_equal(h.rises, 1);
	assert_false(h.level);
	assert_int_equal(h.armed, 0);            /* no count yet */
	ctl(0x30);
	count16(0, 5);
	fire();
	assert_true(h.level);
	assert_int_equal(h.rises, 2);
	ctl(0x34);                               /* OUT0 was already high */
	assert_int_equal(h.rises, 2);
	assert_false(h.level);
}

static void test_port_b(void **state)
{
	(void)state;
	setup(KHZ_EXACT);
	at(0);
	assert_int_equal(inb(PIT_PORT_SYSCTL_B), 0x00);
	outb(PIT_PORT_SYSCTL_B, 0xFE);           /* bits 7:4 are read-only */
	assert_int_equal(inb(PIT_PORT_SYSCTL_B), 0x0E);
	/* Refresh toggle: every 18 clocks. */
	at(17);
	assert_int_equal(inb(PIT_PORT_SYSCTL_B) & 0x10, 0);
	at(18);
	assert_int_equal(inb(PIT_PORT_SYSCTL_B) & 0x10, 0x10);
	assert_int_equal(inb(PIT_PORT_SYSCTL_B) & 0x10, 0x10);
	at(35);
	assert_int_equal(inb(PIT_PORT_SYSCTL_B) & 0x10, 0x10);
	at(36);
	assert_int_equal(inb(PIT_PORT_SYSCTL_B) & 0x10, 0);
	/* OUT2 shows in bit 5 (mode 2 on channel 2 rests high). */
	outb(PIT_PORT_SYSCTL_B, 0x03);
	ctl(0xB4);
	count16(2, 100);
	assert_int_equal(inb(PIT_PORT_SYSCTL_B), 0x23);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_power_on),
		cmocka_unit_test(test_bad_access),
		cmocka_unit_test(test_mode0),
		cmocka_unit_test(test_mode0_rewrite),
		cmocka_unit_test(test_mode1),
		cmocka_unit_test(test_gate_without_count),
		cmocka_unit_test(test_mode2),
		cmocka_unit_test(test_mode3_even),
		cmocka_unit_test(test_mode3_odd),
		cmocka_unit_test(test_mode4),
		cmocka_unit_test(test_mode5),
		cmocka_unit_test(test_mode6_7_alias),
		cmocka_unit_test(test_bcd),
		cmocka_unit_test(test_count0_is_65536),
		cmocka_unit_test(test_latch),
		cmocka_unit_test(test_readback),
		cmocka_unit_test(test_flip_flops),
		cmocka_unit_test(test_mode2_reprogram),
		cmocka_unit_test(test_mode3_reprogram),
		cmocka_unit_test(test_mode3_irq),
		cmocka_unit_test(test_mode2_gate),
		cmocka_unit_test(test_calibration),
		cmocka_unit_test(test_periodic_no_drift),
		cmocka_unit_test(test_late_host),
		cmocka_unit_test(test_mode2_count1),
		cmocka_unit_test(test_control_word_edges),
		cmocka_unit_test(test_port_b),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
