/* UNIT-DEPS: devices/rtc.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "devices/bus.h"
#include "devices/rtc.h"
#include "lib/libc.h"

#define TSC_KHZ 1000000ULL             /* 1 GHz: one tick is 1 ns */
#define SEC     (TSC_KHZ * 1000)
#define MS      (TSC_KHZ)
#define T0      12345ULL               /* guest TSC at init */
#define UIP_LEAD 244141ULL             /* ceil(8 / 32768 s) at 1 GHz */

static struct host {
	uint64_t now;
	uint64_t armed;
	unsigned arms;
	bool irq;
	unsigned irq_raises;
	unsigned line;
} host;

static struct rtc rtc;

static uint64_t fake_now(void *opaque)
{
	(void)opaque;
	return host.now;
}

static void fake_arm(void *opaque, uint64_t deadline)
{
	(void)opaque;
	host.armed = deadline;
	host.arms++;
}

static void fake_irq(void *opaque, unsigned line, bool level)
{
	(void)opaque;
	host.line = line;
	assert_true(level != host.irq);    /* only real edges are reported */
	host.irq = level;
	host.irq_raises += level;
}

/* The host's timer fires at guest TSC t: its deadline is spent. */
static void fire_at(uint64_t t)
{
	host.now = t;
	host.armed = 0;
	rtc_timer_expired(&rtc);
}

static const struct rtc_ops ops = {
	.now = fake_now, .timer_arm = fake_arm, .set_irq = fake_irq,
};

/* 2026-03-14 15:09:26, a Saturday. */
static const struct rtc_datetime start = {
	.year = 2026, .month = 3, .day = 14, .hour = 15, .min = 9, .sec = 26,
};

static int setup(void **state)
{
	(void)state;
	memset(&host, 0, sizeof(host));
	host.now = T0;
	rtc_init(&rtc, &start, TSC_KHZ, &ops, NULL);
	return 0;
}

static void outb(uint16_t port, uint8_t v)
{
	uint32_t val = v;

	assert_int_equal(rtc_pio(&rtc, port, 1, true, &val), BUS_OK);
}

static uint8_t inb(uint16_t port)
{
	uint32_t val = 0x12345678;

	assert_int_equal(rtc_pio(&rtc, port, 1, false, &val), BUS_OK);
	assert_true(val <= 0xFF);
	return (uint8_t)val;
}

static uint8_t rd(uint8_t idx)
{
	outb(RTC_PORT_INDEX, idx);
	return inb(RTC_PORT_DATA);
}

static void wr(uint8_t idx, uint8_t v)
{
	outb(RTC_PORT_INDEX, idx);
	outb(RTC_PORT_DATA, v);
}

/* The guest TSC of update k after init: the first comes 500 ms in. */
static uint64_t update_at(unsigned k)
{
	return T0 + SEC / 2 + k * SEC;
}

static uint8_t bcd(unsigned v)
{
	return (uint8_t)((v / 10) << 4 | v % 10);
}

/* Set the clock the way Linux does: SET, write BCD 24-hour bytes, clear
 * SET (B = 0x02 afterwards). */
static void set_clock(unsigned year, unsigned mon, unsigned day, unsigned h,
		      unsigned m, unsigned s, unsigned wday)
{
	wr(RTC_REG_B, RTC_B_SET | RTC_B_24_12);
	wr(RTC_SECONDS, bcd(s));
	wr(RTC_MINUTES, bcd(m));
	wr(RTC_HOURS, bcd(h));
	wr(RTC_DAY_OF_WEEK, bcd(wday));
	wr(RTC_DATE_OF_MONTH, bcd(day));
	wr(RTC_MONTH, bcd(mon));
	wr(RTC_YEAR, bcd(year % 100));
	wr(RTC_CENTURY, bcd(year / 100));
	wr(RTC_REG_B, RTC_B_24_12);
}

static void expect_clock(unsigned year, unsigned mon, unsigned day, unsigned h,
			 unsigned m, unsigned s)
{
	assert_int_equal(rd(RTC_SECONDS), bcd(s));
	assert_int_equal(rd(RTC_MINUTES), bcd(m));
	assert_int_equal(rd(RTC_HOURS), bcd(h));
	assert_int_equal(rd(RTC_DATE_OF_MONTH), bcd(day));
	assert_int_equal(rd(RTC_MONTH), bcd(mon));
	assert_int_equal(rd(RTC_YEAR), bcd(year % 100));
	assert_int_equal(rd(RTC_CENTURY), bcd(year / 100));
}

/* RS = 0: no periodic ticks, so that register C shows only UF and AF. */
static void no_periodic(void)
{
	wr(RTC_REG_A, RTC_A_DV_32KHZ);
}

/* Run the clock to the update that follows the guest TSC now. */
static void to_next_update(void)
{
	uint64_t k = host.now < update_at(0) ? 0 : (host.now - update_at(0)) / SEC + 1;

	host.now = update_at((unsigned)k);
}

static void test_calendar(void **state)
{
	struct rtc_datetime dt = { .year = 1970, .month = 1, .day = 1 };
	struct rtc_datetime y0 = { .year = 0, .month = 1, .day = 1 };
	struct rtc_datetime leap = { .year = 2024, .month = 2, .day = 29, .hour = 12 };
	struct rtc_datetime last = { 9999, 12, 31, 23, 59, 59 };
	struct rtc_datetime bad = { 2023, 2, 29, 0, 0, 0 };
	int64_t s, prev = 0;

	(void)state;
	assert_int_equal(rtc_datetime_to_unix(&dt), 0);
	assert_int_equal(rtc_datetime_to_unix(&start), 1773500966);
	assert_int_equal(rtc_datetime_to_unix(&leap), 1709208000);
	assert_int_equal(rtc_datetime_to_unix(&y0), -62167219200LL);
	assert_int_equal(rtc_datetime_to_unix(&last), 253402300799LL);
	assert_true(rtc_leap_year(2000) && rtc_leap_year(2024) && rtc_leap_year(0));
	assert_false(rtc_leap_year(1900) || rtc_leap_year(2100) || rtc_leap_year(2023));
	assert_int_equal(rtc_days_in_month(2024, 2), 29);
	assert_int_equal(rtc_days_in_month(2100, 2), 28);
	assert_int_equal(rtc_days_in_month(2000, 2), 29);
	assert_int_equal(rtc_days_in_month(2026, 4), 30);
	assert_int_equal(rtc_days_in_month(2026, 13), 0);
	assert_false(rtc_datetime_valid(&bad));
	assert_true(rtc_datetime_valid(&leap));
	/* 1970-01-01 was a Thursday, 2000-01-01 a Saturday, the start too. */
	assert_int_equal(rtc_weekday(0), 5);
	assert_int_equal(rtc_weekday(946684800), 7);
	assert_int_equal(rtc_weekday(rtc_datetime_to_unix(&start)), 7);
	assert_int_equal(rtc_weekday(-1), 4);
	/* Every day of years 0-9999 round-trips and follows the one before. */
	for (dt.year = 0; dt.year <= 9999; dt.year++) {
		for (dt.month = 1; dt.month <= 12; dt.month++) {
			for (dt.day = 1; dt.day <= rtc_days_in_month(dt.year, dt.month); dt.day++) {
				struct rtc_datetime back;

				s = rtc_datetime_to_unix(&dt);
				if (dt.year || dt.month > 1 || dt.day > 1)
					assert_int_equal(s, prev + 86400);
				prev = s;
				rtc_unix_to_datetime(s + 3661, &back);
				assert_int_equal(back.year, dt.year);
				assert_int_equal(back.month, dt.month);
				assert_int_equal(back.day, dt.day);
				assert_int_equal(back.hour * 3600 + back.min * 60 + back.sec, 3661);
			}
		}
	}
	/* Past 9999 the clock wraps to year 0. */
	rtc_unix_to_datetime(253402300800LL, &dt);
	assert_int_equal(dt.year, 0);
	assert_int_equal(dt.month, 1);
	assert_int_equal(dt.day, 1);
}

static void test_bcd_and_binary(void **state)
{
	(void)state;
	assert_int_equal(rd(RTC_REG_A), RTC_A_DEFAULT);
	assert_int_equal(rd(RTC_REG_B), RTC_B_DEFAULT);
	assert_int_equal(rd(RTC_SECONDS), 0x26);
	assert_int_equal(rd(RTC_MINUTES), 0x09);
	assert_int_equal(rd(RTC_HOURS), 0x15);
	assert_int_equal(rd(RTC_DAY_OF_WEEK), 7);
	assert_int_equal(rd(RTC_DATE_OF_MONTH), 0x14);
	assert_int_equal(rd(RTC_MONTH), 0x03);
	assert_int_equal(rd(RTC_YEAR), 0x26);
	assert_int_equal(rd(RTC_CENTURY), 0x20);
	wr(RTC_REG_B, RTC_B_DM | RTC_B_24_12);
	assert_int_equal(rd(RTC_SECONDS), 26);
	assert_int_equal(rd(RTC_MINUTES), 9);
	assert_int_equal(rd(RTC_HOURS), 15);
	assert_int_equal(rd(RTC_DATE_OF_MONTH), 14);
	assert_int_equal(rd(RTC_MONTH), 3);
	assert_int_equal(rd(RTC_YEAR), 26);
	assert_int_equal(rd(RTC_CENTURY), 20);
	/* Binary writes set the clock in binary. */
	wr(RTC_REG_B, RTC_B_SET | RTC_B_DM | RTC_B_24_12);
	wr(RTC_MINUTES, 59);
	wr(RTC_SECONDS, 59);
	wr(RTC_HOURS, 23);
	wr(RTC_REG_B, RTC_B_DM | RTC_B_24_12);
	to_next_update();
	assert_int_equal(rd(RTC_SECONDS), 0);
	assert_int_equal(rd(RTC_MINUTES), 0);
	assert_int_equal(rd(RTC_HOURS), 0);
	assert_int_equal(rd(RTC_DATE_OF_MONTH), 15);
	assert_int_equal(rd(RTC_DAY_OF_WEEK), 1);   /* Sunday */
}

static void test_12_hour(void **state)
{
	static const struct { unsigned h; uint8_t bcd, bin; } hours[] = {
		{ 0, 0x12, 0x0C },    /* 12 AM: midnight */
		{ 1, 0x01, 0x01 },
		{ 11, 0x11, 0x0B },
		{ 12, 0x92, 0x8C },   /* 12 PM: noon */
		{ 13, 0x81, 0x81 },
		{ 23, 0x91, 0x8B },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(hours); i++) {
		set_clock(2026, 3, 14, hours[i].h, 30, 0, 7);
		wr(RTC_REG_B, 0);                      /* 12-hour BCD */
		assert_int_equal(rd(RTC_HOURS), hours[i].bcd);
		wr(RTC_REG_B, RTC_B_DM);               /* 12-hour binary */
		assert_int_equal(rd(RTC_HOURS), hours[i].bin);
		/* Written in 12-hour form, read back in 24-hour form (the
		 * bytes held under SET keep their format: switch modes
		 * while the clock runs). */
		wr(RTC_REG_B, 0);
		wr(RTC_REG_B, RTC_B_SET);
		wr(RTC_HOURS, hours[i].bcd);
		wr(RTC_REG_B, 0);
		wr(RTC_REG_B, RTC_B_24_12);
		assert_int_equal(rd(RTC_HOURS), bcd(hours[i].h));
	}
	/* 11:59:59 AM -> 12:00:00 PM, 11:59:59 PM -> 12:00:00 AM. */
	set_clock(2026, 3, 14, 11, 59, 59, 7);
	wr(RTC_REG_B, 0);
	assert_int_equal(rd(RTC_HOURS), 0x11);
	to_next_update();
	assert_int_equal(rd(RTC_HOURS), 0x92);
	set_clock(2026, 3, 14, 23, 59, 59, 7);
	wr(RTC_REG_B, 0);
	assert_int_equal(rd(RTC_HOURS), 0x91);
	to_next_update();
	assert_int_equal(rd(RTC_HOURS), 0x12);
	assert_int_equal(rd(RTC_DATE_OF_MONTH), 0x15);
	/* 0 and 13 are no 12-hour values: the clock holds them. */
	wr(RTC_REG_B, RTC_B_SET);
	wr(RTC_HOURS, 0x13);
	wr(RTC_REG_B, 0);
	host.now += 3 * SEC;
	assert_int_equal(rd(RTC_HOURS), 0x13);
}

static void test_rollovers(void **state)
{
	static const struct { unsigned y, mo, d, h, mi, s, y2, mo2, d2, h2, mi2, s2; } cases[] = {
		{ 2026, 3, 14, 10, 20, 58, 2026, 3, 14, 10, 20, 59 },
		{ 2026, 3, 14, 10, 20, 59, 2026, 3, 14, 10, 21, 0 },
		{ 2026, 3, 14, 10, 59, 59, 2026, 3, 14, 11, 0, 0 },
		{ 2026, 3, 14, 23, 59, 59, 2026, 3, 15, 0, 0, 0 },
		{ 2026, 4, 30, 23, 59, 59, 2026, 5, 1, 0, 0, 0 },
		{ 2026, 1, 31, 23, 59, 59, 2026, 2, 1, 0, 0, 0 },
		{ 2024, 2, 28, 23, 59, 59, 2024, 2, 29, 0, 0, 0 },
		{ 2024, 2, 29, 23, 59, 59, 2024, 3, 1, 0, 0, 0 },
		{ 2023, 2, 28, 23, 59, 59, 2023, 3, 1, 0, 0, 0 },
		{ 2000, 2, 28, 23, 59, 59, 2000, 2, 29, 0, 0, 0 },
		{ 2100, 2, 28, 23, 59, 59, 2100, 3, 1, 0, 0, 0 },
		{ 2026, 12, 31, 23, 59, 59, 2027, 1, 1, 0, 0, 0 },
		{ 1999, 12, 31, 23, 59, 59, 2000, 1, 1, 0, 0, 0 },
		{ 2099, 12, 31, 23, 59, 59, 2100, 1, 1, 0, 0, 0 },
		{ 9999, 12, 31, 23, 59, 59, 0, 1, 1, 0, 0, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		set_clock(cases[i].y, cases[i].mo, cases[i].d, cases[i].h,
			  cases[i].mi, cases[i].s, 7);
		expect_clock(cases[i].y, cases[i].mo, cases[i].d, cases[i].h,
			     cases[i].mi, cases[i].s);
		to_next_update();
		expect_clock(cases[i].y2, cases[i].mo2, cases[i].d2, cases[i].h2,
			     cases[i].mi2, cases[i].s2);
		/* The day of week moves at midnight only, 7 -> 1. */
		assert_int_equal(rd(RTC_DAY_OF_WEEK), cases[i].h2 || cases[i].mi2 ||
				 cases[i].s2 ? 7 : 1);
	}
}

static void test_time_follows_tsc(void **state)
{
	struct rtc_datetime dt;
	int64_t base = rtc_datetime_to_unix(&start);

	(void)state;
	host.now = update_at(0) - 1;
	assert_int_equal(rd(RTC_SECONDS), 0x26);
	host.now = update_at(0);
	assert_int_equal(rd(RTC_SECONDS), 0x27);
	host.now = update_at(33);        /* 15:10:00 */
	assert_int_equal(rd(RTC_SECONDS), 0x00);
	assert_int_equal(rd(RTC_MINUTES), 0x10);
	/* 400 days and 3 hours on, read at once. */
	host.now = update_at(0) + (400ULL * 86400 + 3 * 3600) * SEC;
	rtc_unix_to_datetime(base + 400LL * 86400 + 3 * 3600 + 1, &dt);
	expect_clock(dt.year, dt.month, dt.day, dt.hour, dt.min, dt.sec);
	assert_int_equal(rd(RTC_DAY_OF_WEEK), rtc_weekday(base + 400LL * 86400 + 3 * 3600 + 1));
	/* Nobody asked for interrupts: no timer was ever armed. */
	assert_int_equal(host.arms, 0);
}

static void test_uip_window(void **state)
{
	unsigned polls = 0;
	uint8_t sec;

	(void)state;
	host.now = update_at(0) - UIP_LEAD - 1;
	assert_int_equal(rd(RTC_REG_A) & RTC_A_UIP, 0);
	host.now++;
	assert_int_equal(rd(RTC_REG_A), RTC_A_UIP | RTC_A_DEFAULT);
	host.now = update_at(0) - 1;
	assert_int_equal(rd(RTC_REG_A) & RTC_A_UIP, RTC_A_UIP);
	assert_int_equal(rd(RTC_SECONDS), 0x26);
	host.now = update_at(0);
	assert_int_equal(rd(RTC_REG_A) & RTC_A_UIP, 0);
	assert_int_equal(rd(RTC_SECONDS), 0x27);
	/* A guest waiting for UIP 1 -> 0 (reads 10 us apart) sees the next
	 * second right after. */
	host.now = update_at(3) + 123 * MS;
	sec = rd(RTC_SECONDS);
	while (!(rd(RTC_REG_A) & RTC_A_UIP)) {
		host.now += 10000;
		polls++;
	}
	while (rd(RTC_REG_A) & RTC_A_UIP)
		host.now += 10000;
	assert_true(host.now >= update_at(4) && host.now < update_at(4) + 10000);
	assert_int_equal(rd(RTC_SECONDS), sec + 1);
	assert_true(polls > 80000);
	/* Writing UIP does nothing; SET and a stopped divider clear it. */
	wr(RTC_REG_A, RTC_A_UIP | RTC_A_DEFAULT);
	host.now = update_at(5) - 1;
	wr(RTC_REG_B, RTC_B_SET | RTC_B_24_12);
	assert_int_equal(rd(RTC_REG_A), RTC_A_DEFAULT);
	wr(RTC_REG_B, RTC_B_24_12);
	assert_int_equal(rd(RTC_REG_A), RTC_A_UIP | RTC_A_DEFAULT);
	wr(RTC_REG_A, 0x70 | 0x06);
	assert_int_equal(rd(RTC_REG_A), 0x76);
}

static void test_set_freezes_clock(void **state)
{
	(void)state;
	no_periodic();
	wr(RTC_REG_B, RTC_B_UIE | RTC_B_24_12);
	assert_int_equal(rd(RTC_REG_C), 0);
	host.now = update_at(0) + 100 * MS;            /* 15:09:27.1 */
	wr(RTC_REG_B, RTC_B_SET | RTC_B_UIE | RTC_B_24_12);
	/* The update before SET was latched (and UIE's timer served it). */
	assert_int_equal(rd(RTC_REG_C), RTC_C_UF);
	/* SET going high clears UIE, and no timer runs. */
	assert_int_equal(rd(RTC_REG_B), RTC_B_SET | RTC_B_24_12);
	assert_int_equal(host.armed, 0);
	host.now += 5 * SEC;
	assert_int_equal(rd(RTC_SECONDS), 0x27);
	wr(RTC_SECONDS, 0x00);
	wr(RTC_MINUTES, 0x30);
	host.now += 10 * SEC;
	assert_int_equal(rd(RTC_SECONDS), 0x00);
	assert_int_equal(rd(RTC_MINUTES), 0x30);
	assert_int_equal(rd(RTC_HOURS), 0x15);
	/* No update cycles while SET: no UF either. */
	assert_int_equal(rd(RTC_REG_C), 0);
	/* SET 1 -> 0: the written time runs from the divider's next update. */
	wr(RTC_REG_B, RTC_B_24_12);
	host.now = update_at(16) - 1;
	assert_int_equal(rd(RTC_SECONDS), 0x00);
	host.now = update_at(16);
	assert_int_equal(rd(RTC_SECONDS), 0x01);
	assert_int_equal(rd(RTC_MINUTES), 0x30);
	assert_int_equal(rd(RTC_REG_C), RTC_C_UF);
}

static void test_divider_reset(void **state)
{
	uint64_t t1;

	(void)state;
	no_periodic();
	host.now = update_at(2) + 300 * MS;            /* 15:09:29.3 */
	wr(RTC_REG_A, 0x70 | 0x06);                      /* divider in reset */
	assert_int_equal(rd(RTC_REG_C), RTC_C_UF);
	host.now += 7 * SEC;
	assert_int_equal(rd(RTC_SECONDS), 0x29);
	assert_int_equal(rd(RTC_REG_C), 0);
	t1 = host.now;
	wr(RTC_REG_A, RTC_A_DEFAULT);
	host.now = t1 + SEC / 2 - 1;
	assert_int_equal(rd(RTC_SECONDS), 0x29);
	assert_int_equal(rd(RTC_REG_A) & RTC_A_UIP, RTC_A_UIP);
	host.now = t1 + SEC / 2;
	assert_int_equal(rd(RTC_SECONDS), 0x30);
	host.now = t1 + SEC / 2 + SEC;
	assert_int_equal(rd(RTC_SECONDS), 0x31);
	/* Another time base (DV = 000) stops the clock too. */
	wr(RTC_REG_A, 0x06);
	host.now += 3 * SEC;
	assert_int_equal(rd(RTC_SECONDS), 0x31);
	assert_int_equal(rd(RTC_REG_A), 0x06);
}

/* Guest TSC of periodic tick m for a period of 2^shift 32.768 kHz cycles,
 * counted from 'origin'. */
static uint64_t tick_at(uint64_t origin, uint64_t m, unsigned shift)
{
	uint64_t num = m * SEC << shift;

	return origin + (num + 32767) / 32768;
}

static void run_periodic(unsigned rs, unsigned shift, unsigned periods)
{
	unsigned i, n = 0, uf = 0;
	uint8_t c;

	setup(NULL);
	host.now = T0 + 777;
	wr(RTC_REG_A, RTC_A_DV_32KHZ | (uint8_t)rs);
	wr(RTC_REG_B, RTC_B_PIE | RTC_B_24_12);
	assert_int_equal(host.armed, tick_at(T0, 1, shift));
	for (i = 1; i <= periods; i++) {
		assert_int_equal(host.armed, tick_at(T0, i, shift));
		fire_at(host.armed);
		assert_true(host.irq);
		assert_int_equal(host.armed, 0);      /* IRQF up: nothing to wait for */
		c = rd(RTC_REG_C);
		assert_int_equal(c & (RTC_C_IRQF | RTC_C_PF | RTC_C_AF),
				 RTC_C_IRQF | RTC_C_PF);
		uf += (c & RTC_C_UF) != 0;
		assert_false(host.irq);
		n++;
	}
	assert_int_equal(n, periods);
	assert_int_equal(host.irq_raises, periods);
	assert_int_equal(host.line, RTC_IRQ);
	/* Exactly the updates that passed, once each, although UIE is off. */
	assert_int_equal(uf, (host.now - T0 + SEC / 2) / SEC);
	assert_int_equal(host.armed, tick_at(T0, periods + 1, shift));
}

static void test_periodic_no_drift(void **state)
{
	(void)state;
	run_periodic(3, 2, 100000);      /* 8192 Hz: 122070.3125 ns */
	run_periodic(6, 5, 100000);      /* 1024 Hz: 976562.5 ns */
	run_periodic(13, 12, 100000);    /* 8 Hz: exact */
	run_periodic(15, 14, 2000);      /* 2 Hz */
	run_periodic(1, 7, 20000);       /* 256 Hz, as RS = 8 */
	run_periodic(2, 8, 20000);       /* 128 Hz, as RS = 9 */
}

static void test_periodic_late_host(void **state)
{
	uint64_t late;

	(void)state;
	wr(RTC_REG_B, RTC_B_PIE | RTC_B_24_12);           /* RS = 6: 1024 Hz */
	assert_int_equal(host.armed, tick_at(T0, 1, 5));
	/* The host comes back a million periods and a bit late. */
	late = tick_at(T0, 1000000, 5) + 1000;
	fire_at(late);
	assert_int_equal(host.irq_raises, 1);
	assert_int_equal(host.armed, 0);
	assert_int_equal(rd(RTC_REG_C) & 0xC0, 0xC0);
	assert_int_equal(host.armed, tick_at(T0, 1000001, 5));
	assert_true(host.armed > late);
	/* No periodic interrupt for RS = 0, nor without PIE. */
	wr(RTC_REG_A, RTC_A_DV_32KHZ);
	assert_int_equal(host.armed, 0);
	host.now += SEC;
	assert_int_equal(rd(RTC_REG_C) & RTC_C_PF, 0);
	wr(RTC_REG_A, RTC_A_DEFAULT);
	wr(RTC_REG_B, RTC_B_24_12);
	assert_int_equal(host.armed, 0);
	/* The flag still latches; PIE then raises the line at once. */
	host.now += 10 * MS;
	wr(RTC_REG_B, RTC_B_PIE | RTC_B_24_12);
	assert_true(host.irq);
	assert_int_equal(rd(RTC_REG_C) & 0xC0, 0xC0);
}

static void test_alarm(void **state)
{
	uint64_t t;

	(void)state;
	no_periodic();
	host.now = update_at(0) + 200 * MS;              /* 15:09:27.2 */
	/* Exact alarm 15:09:40. */
	wr(RTC_SECONDS_ALARM, 0x40);
	wr(RTC_MINUTES_ALARM, 0x09);
	wr(RTC_HOURS_ALARM, 0x15);
	wr(RTC_REG_B, RTC_B_AIE | RTC_B_24_12);
	assert_int_equal(host.armed, update_at(13));
	fire_at(host.armed);
	assert_true(host.irq);
	assert_int_equal(rd(RTC_SECONDS), 0x40);
	assert_int_equal(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
	/* Next match tomorrow. */
	assert_int_equal(host.armed, update_at(13) + 86400 * SEC);
	/* Hour and minute "don't care": every minute at :30. */
	wr(RTC_HOURS_ALARM, 0xFF);
	wr(RTC_MINUTES_ALARM, 0xC0);
	wr(RTC_SECONDS_ALARM, 0x30);
	assert_int_equal(host.armed, update_at(63));     /* 15:10:30 */
	/* Seconds "don't care", minute 0x12: 15:12:00, then every second. */
	wr(RTC_SECONDS_ALARM, 0xC5);
	wr(RTC_MINUTES_ALARM, 0x12);
	assert_int_equal(host.armed, update_at(153));    /* 15:12:00 */
	/* Minute 05 of any hour: 16:05:00. */
	wr(RTC_SECONDS_ALARM, 0x00);
	wr(RTC_MINUTES_ALARM, 0x05);
	t = update_at(13) + (55 * 60 + 20) * SEC;        /* 16:05:00 */
	assert_int_equal(host.armed, t);
	fire_at(t + 5 * SEC);                            /* the host was late */
	assert_int_equal(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
	assert_int_equal(host.armed, t + 3600 * SEC);    /* 17:05:00 */
	/* An alarm that never matches (BCD 0x60) arms nothing... */
	wr(RTC_SECONDS_ALARM, 0x60);
	assert_int_equal(host.armed, 0);
	/* ...and without AIE the flag still latches, read lazily. */
	wr(RTC_REG_B, RTC_B_24_12);
	wr(RTC_SECONDS_ALARM, 0xFF);
	assert_int_equal(rd(RTC_REG_C), 0);
	host.now += 2 * SEC;
	assert_int_equal(rd(RTC_REG_C), RTC_C_AF | RTC_C_UF);
	assert_int_equal(host.armed, 0);
	/* 12-hour mode compares 12-hour bytes. It is 16:05:07 (update 3340). */
	assert_int_equal(host.now, update_at(3340));
	wr(RTC_REG_B, RTC_B_AIE);
	assert_int_equal(rd(RTC_HOURS), 0x84);
	wr(RTC_MINUTES_ALARM, 0xFF);
	wr(RTC_HOURS_ALARM, 0x84);                       /* 4 PM: now */
	assert_int_equal(host.armed, update_at(3341));
	wr(RTC_HOURS_ALARM, 0x04);                       /* 4 AM tomorrow */
	assert_int_equal(host.armed, update_at(3340 + 42893));
	wr(RTC_HOURS_ALARM, 0x83);                       /* 3 PM tomorrow */
	assert_int_equal(host.armed, update_at(3340 + 82493));
}

static void test_update_flag(void **state)
{
	(void)state;
	no_periodic();
	/* Without UIE: UF once per update, however often C is read. */
	host.now = update_at(0) - 1;
	assert_int_equal(rd(RTC_REG_C), 0);
	host.now = update_at(0);
	assert_int_equal(rd(RTC_REG_C), RTC_C_UF);
	host.now += 300 * MS;
	assert_int_equal(rd(RTC_REG_C), 0);
	host.now += 699 * MS;
	assert_int_equal(rd(RTC_REG_C), 0);
	host.now = update_at(1);
	assert_int_equal(rd(RTC_REG_C), RTC_C_UF);
	host.now += 10 * SEC;
	assert_int_equal(rd(RTC_REG_C), RTC_C_UF);
	assert_int_equal(rd(RTC_REG_C), 0);
	assert_int_equal(host.arms, 0);
	/* With UIE: a timer at each update, the line up until C is read. */
	wr(RTC_REG_B, RTC_B_UIE | RTC_B_24_12);
	assert_int_equal(host.armed, update_at(12));
	fire_at(host.armed);
	assert_true(host.irq);
	assert_int_equal(host.armed, 0);
	host.now += 5 * SEC;                             /* guest ignores it */
	assert_int_equal(host.armed, 0);
	assert_int_equal(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_UF);
	assert_false(host.irq);
	assert_int_equal(host.armed, update_at(18));
	assert_int_equal(host.irq_raises, 1);
}

static void test_reg_c(void **state)
{
	(void)state;
	host.now = update_at(0) + 1;
	wr(RTC_SECONDS_ALARM, 0xFF);
	wr(RTC_MINUTES_ALARM, 0xFF);
	wr(RTC_HOURS_ALARM, 0xFF);
	host.now = update_at(1);
	/* All three latched, none enabled: no IRQF, no line. */
	wr(RTC_REG_C, 0xFF);                             /* read-only */
	wr(RTC_REG_B, RTC_B_UIE | RTC_B_24_12);          /* UF enabled: line up */
	assert_true(host.irq);
	assert_int_equal(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_PF | RTC_C_AF | RTC_C_UF);
	assert_false(host.irq);
	assert_int_equal(rd(RTC_REG_C), 0);
	/* Register D: VRT, read-only. */
	wr(RTC_REG_D, 0x00);
	assert_int_equal(rd(RTC_REG_D), RTC_D_VRT);
}

static void test_nmi_mask(void **state)
{
	(void)state;
	assert_false(rtc_nmi_masked(&rtc));
	outb(RTC_PORT_INDEX, RTC_INDEX_NMI | RTC_REG_B);
	assert_true(rtc_nmi_masked(&rtc));
	assert_int_equal(inb(RTC_PORT_DATA), RTC_B_DEFAULT);
	assert_int_equal(inb(RTC_PORT_INDEX), 0xFF);    /* write-only */
	assert_true(rtc_nmi_masked(&rtc));
	outb(RTC_PORT_INDEX, RTC_REG_D);
	assert_false(rtc_nmi_masked(&rtc));
	assert_int_equal(inb(RTC_PORT_DATA), RTC_D_VRT);
}

static void test_cmos_ram(void **state)
{
	unsigned i;
	uint16_t sum = 0;

	(void)state;
	wr(0x40, 0xA5);
	assert_int_equal(rd(0x40), 0xA5);
	/* Index bit 7 is the NMI bit: 0xC0 reaches 0x40. */
	assert_int_equal(rd(0xC0), 0xA5);
	wr(0xFF, 0x5A);
	assert_int_equal(rd(0x7F), 0x5A);
	wr(RTC_SECONDS_ALARM, 0x12);
	assert_int_equal(rd(RTC_SECONDS_ALARM), 0x12);
	/* The host cannot reach the clock through rtc_cmos_set. */
	rtc_cmos_set(&rtc, RTC_SECONDS, 0x59);
	rtc_cmos_set(&rtc, RTC_REG_A, 0x00);
	rtc_cmos_set(&rtc, RTC_CENTURY, 0x19);
	rtc_cmos_set(&rtc, 200, 0x11);
	assert_int_equal(rd(RTC_SECONDS), 0x26);
	assert_int_equal(rd(RTC_REG_A), RTC_A_DEFAULT);
	assert_int_equal(rd(RTC_CENTURY), 0x20);
	rtc_cmos_set(&rtc, 0x0F, 0x0A);
	assert_int_equal(rd(0x0F), 0x0A);
	/* The AT checksum follows host writes to 0x10-0x2D. */
	rtc_cmos_set(&rtc, 0x10, 0x40);
	rtc_cmos_set(&rtc, 0x2D, 0xF0);
	rtc_cmos_set(&rtc, 0x14, 0x06);
	for (i = 0x10; i <= 0x2D; i++)
		sum = (uint16_t)(sum + rd((uint8_t)i));
	assert_int_equal(sum, 0x136);
	assert_int_equal(rd(RTC_CMOS_CHECKSUM_HI), 0x01);
	assert_int_equal(rd(RTC_CMOS_CHECKSUM_LO), 0x36);
}

static uint16_t rd16(uint8_t idx)
{
	return (uint16_t)(rd(idx) | rd((uint8_t)(idx + 1)) << 8);
}

static void test_cmos_memory(void **state)
{
	(void)state;
	rtc_cmos_set_memory(&rtc, MiB(32));
	assert_int_equal(rd16(RTC_CMOS_BASE_MEM), 640);
	assert_int_equal(rd16(RTC_CMOS_EXT_MEM), 31 * 1024);
	assert_int_equal(rd16(RTC_CMOS_EXT_MEM_POST), 31 * 1024);
	assert_int_equal(rd16(RTC_CMOS_MEM_16M), 256);
	assert_int_equal(rd(RTC_CMOS_MEM_4G), 0);
	/* 128 MiB: extended memory caps at 0xFFFF KiB. */
	rtc_cmos_set_memory(&rtc, MiB(128));
	assert_int_equal(rd16(RTC_CMOS_EXT_MEM), 0xFFFF);
	assert_int_equal(rd16(RTC_CMOS_EXT_MEM_POST), 0xFFFF);
	assert_int_equal(rd16(RTC_CMOS_MEM_16M), 112 * 16);
	/* 6 GiB: 4 GiB below (the 16 MiB-4 GiB count), 2 GiB above. */
	rtc_cmos_set_memory(&rtc, GiB(6));
	assert_int_equal(rd16(RTC_CMOS_MEM_16M), (GiB(4) - MiB(16)) / KiB(64));
	assert_int_equal(rd(RTC_CMOS_MEM_4G), 0x00);
	assert_int_equal(rd(RTC_CMOS_MEM_4G + 1), 0x80);
	assert_int_equal(rd(RTC_CMOS_MEM_4G + 2), 0x00);
	/* 2 TiB: above 4 GiB saturates at 24 bits. */
	rtc_cmos_set_memory(&rtc, 2ULL << 40);
	assert_int_equal(rd(RTC_CMOS_MEM_4G), 0xFF);
	assert_int_equal(rd(RTC_CMOS_MEM_4G + 2), 0xFF);
	/* 512 KiB: base memory is what there is, nothing extended. */
	rtc_cmos_set_memory(&rtc, KiB(512));
	assert_int_equal(rd16(RTC_CMOS_BASE_MEM), 512);
	assert_int_equal(rd16(RTC_CMOS_EXT_MEM), 0);
	assert_int_equal(rd16(RTC_CMOS_MEM_16M), 0);
}

static void test_invalid_time_holds(void **state)
{
	(void)state;
	no_periodic();
	wr(RTC_MINUTES, 0x61);                      /* minute 61: invalid */
	host.now = update_at(5);
	assert_int_equal(rd(RTC_MINUTES), 0x61);
	assert_int_equal(rd(RTC_SECONDS), 0x26);
	/* Update cycles go on: UF still comes. */
	assert_int_equal(rd(RTC_REG_C), RTC_C_UF);
	wr(RTC_DATE_OF_MONTH, 0x31);                /* March 31 is valid */
	wr(RTC_MINUTES, 0x59);
	host.now = update_at(6);
	assert_int_equal(rd(RTC_SECONDS), 0x27);
	assert_int_equal(rd(RTC_DATE_OF_MONTH), 0x31);
	wr(RTC_MONTH, 0x02);                        /* February 31: invalid */
	host.now = update_at(8);
	assert_int_equal(rd(RTC_SECONDS), 0x27);
	wr(RTC_MONTH, 0x1A);                        /* bad BCD digit */
	assert_int_equal(rd(RTC_MONTH), 0x1A);
	wr(RTC_MONTH, 0x04);                        /* April 31: still invalid */
	wr(RTC_DATE_OF_MONTH, 0x30);
	host.now = update_at(9);
	assert_int_equal(rd(RTC_SECONDS), 0x28);
	assert_int_equal(rd(RTC_MONTH), 0x04);
}

static void test_bad_access(void **state)
{
	uint32_t v = 0;

	(void)state;
	assert_int_equal(rtc_pio(&rtc, RTC_PORT_DATA, 2, false, &v), BUS_ERROR);
	assert_int_equal(v, 0xFFFF);
	assert_int_equal(rtc_pio(&rtc, RTC_PORT_INDEX, 4, false, &v), BUS_ERROR);
	assert_int_equal(v, 0xFFFFFFFFu);
	v = 0x8B;
	assert_int_equal(rtc_pio(&rtc, RTC_PORT_INDEX, 2, true, &v), BUS_ERROR);
	assert_false(rtc_nmi_masked(&rtc));
	assert_int_equal(rtc_pio(&rtc, 0x72, 1, false, &v), BUS_UNCLAIMED);
}

static void test_init_defaults(void **state)
{
	static const struct rtc_datetime bad = { 2026, 2, 30, 0, 0, 0 };

	(void)state;
	rtc_init(&rtc, &bad, 0, &ops, NULL);
	expect_clock(2000, 1, 1, 0, 0, 0);
	assert_int_equal(rd(RTC_DAY_OF_WEEK), 7);
	assert_int_equal(rd(RTC_REG_C), 0);
	assert_int_equal(rd(RTC_REG_D), RTC_D_VRT);
	assert_int_equal(rd(0x50), 0);
	rtc_init(&rtc, NULL, TSC_KHZ, NULL, NULL);     /* no ops: TSC reads 0 */
	expect_clock(2000, 1, 1, 0, 0, 0);
	wr(RTC_REG_B, RTC_B_PIE | RTC_B_UIE | RTC_B_24_12);
	assert_int_equal(rd(RTC_REG_C), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calendar),
		cmocka_unit_test_setup(test_bcd_and_binary, setup),
		cmocka_unit_test_setup(test_12_hour, setup),
		cmocka_unit_test_setup(test_rollovers, setup),
		cmocka_unit_test_setup(test_time_follows_tsc, setup),
		cmocka_unit_test_setup(test_uip_window, setup),
		cmocka_unit_test_setup(test_set_freezes_clock, setup),
		cmocka_unit_test_setup(test_divider_reset, setup),
		cmocka_unit_test_setup(test_periodic_no_drift, setup),
		cmocka_unit_test_setup(test_periodic_late_host, setup),
		cmocka_unit_test_setup(test_alarm, setup),
		cmocka_unit_test_setup(test_update_flag, setup),
		cmocka_unit_test_setup(test_reg_c, setup),
		cmocka_unit_test_setup(test_nmi_mask, setup),
		cmocka_unit_test_setup(test_cmos_ram, setup),
		cmocka_unit_test_setup(test_cmos_memory, setup),
		cmocka_unit_test_setup(test_invalid_time_holds, setup),
		cmocka_unit_test_setup(test_bad_access, setup),
		cmocka_unit_test_setup(test_init_defaults, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
