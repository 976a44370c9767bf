/* UNIT-DEPS: devices/acpi_pm.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "devices/acpi_pm.h"
#include "devices/bus.h"
#include "lib/libc.h"

struct rec {
	uint64_t tsc;              /* the guest TSC ops->now returns */
	bool level;
	unsigned irq_line;
	int irq_calls;
	uint64_t deadline;
	int arm_calls;
	int power_offs;
	int resets;
};

static uint64_t now_cb(void *opaque)
{
	return ((struct rec *)opaque)->tsc;
}

static void set_irq_cb(void *opaque, unsigned line, bool level)
{
	struct rec *r = opaque;

	r->irq_line = line;
	r->level = level;
	r->irq_calls++;
}

static void arm_cb(void *opaque, uint64_t deadline)
{
	struct rec *r = opaque;

	r->deadline = deadline;
	r->arm_calls++;
}

static void power_off_cb(void *opaque)
{
	((struct rec *)opaque)->power_offs++;
}

static void reset_cb(void *opaque)
{
	((struct rec *)opaque)->resets++;
}

static const struct acpi_pm_ops ops = {
	.now = now_cb,
	.set_irq = set_irq_cb,
	.timer_arm = arm_cb,
	.power_off = power_off_cb,
	.reset = reset_cb,
};

#define BASE_TSC 1000000ull   /* the guest TSC when the model starts */

static void setup(struct acpi_pm *pm, struct rec *r, uint64_t khz)
{
	memset(r, 0, sizeof(*r));
	r->tsc = BASE_TSC;
	acpi_pm_init(pm, khz, &ops, r);
}

static uint32_t in(struct acpi_pm *pm, uint16_t port, unsigned size)
{
	uint32_t v = 0x5A5A5A5A;

	assert_int_equal(acpi_pm_pio(pm, port, size, false, &v), BUS_OK);
	return v;
}

static void out(struct acpi_pm *pm, uint16_t port, unsigned size, uint32_t v)
{
	assert_int_equal(acpi_pm_pio(pm, port, size, true, &v), BUS_OK);
}

#define STS ACPI_PM1A_EVT_BLK
#define EN  (ACPI_PM1A_EVT_BLK + 2)
#define CNT ACPI_PM1A_CNT_BLK
#define TMR ACPI_PM_TMR_BLK

/* Reference arithmetic in 128 bits. */
static uint64_t ref_ticks(uint64_t elapsed, uint64_t khz)
{
	return (uint64_t)((unsigned __int128)elapsed * ACPI_PM_TIMER_HZ /
			  (khz * 1000));
}

/* First elapsed TSC count at which the counter has reached 'ticks'. */
static uint64_t ref_elapsed(uint64_t ticks, uint64_t khz)
{
	unsigned __int128 n = (unsigned __int128)ticks * (khz * 1000);

	return (uint64_t)((n + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ);
}

static void test_timer_rate(void **state)
{
	struct acpi_pm pm;
	struct rec r;

	(void)state;
	setup(&pm, &r, 2000000);  /* 2 GHz: 558.73 TSC ticks per count */
	assert_int_equal(in(&pm, TMR, 4), 0);
	r.tsc = BASE_TSC + 558;
	assert_int_equal(in(&pm, TMR, 4), 0);
	r.tsc = BASE_TSC + 559;
	assert_int_equal(in(&pm, TMR, 4), 1);
	r.tsc = BASE_TSC + 2000000000ull;  /* one second */
	assert_int_equal(in(&pm, TMR, 4), 3579545);
	r.tsc = BASE_TSC + 4000000000ull;  /* two: 7159090 fits in 24 bits */
	assert_int_equal(in(&pm, TMR, 4), 7159090);
	/* Bits 31:24 read 0 (TMR_VAL_EXT = 0). */
	r.tsc = BASE_TSC + 10000000000ull;
	assert_int_equal(in(&pm, TMR, 4), (17897725u & 0xFFFFFF));
	/* A TSC before the start (cannot happen, but must not wrap). */
	r.tsc = BASE_TSC - 1;
	assert_int_equal(in(&pm, TMR, 4), 0);
}

/* Over days, at rates that do not divide evenly, and around each wrap:
 * the model's count equals the 128-bit reference exactly. */
static void test_timer_wrap_long(void **state)
{
	static const uint64_t khz[] = { 1, 3579, 1000000, 2893437, 49997,
					5000000, 0xFFFFFFFFull };
	struct acpi_pm pm;
	struct rec r;

	(void)state;
	for (unsigned k = 0; k < ARRAY_SIZE(khz); k++) {
		uint64_t x = 0x9E3779B97F4A7C15ull;
		uint64_t day = 86400ull * khz[k] * 1000;

		setup(&pm, &r, khz[k]);
		for (int i = 0; i < 2000; i++) {
			uint64_t e;

			x = x * 6364136223846793005ull + 1442695040888963407ull;
			e = x % (30 * day);  /* up to 30 days */
			r.tsc = BASE_TSC + e;
			assert_int_equal(in(&pm, TMR, 4),
					 ref_ticks(e, khz[k]) & 0xFFFFFF);
		}
		/* Wraps of the 24-bit counter in the 10th day: at the first
		 * TSC of a new round the count restarts, and where the TSC is
		 * finer than the timer it goes 0xFFFFFF, then 0. */
		for (uint64_t w = 0; w < 3; w++) {
			uint64_t t = (ref_ticks(10 * day, khz[k]) >> 24) + w + 1;
			uint64_t e = ref_elapsed(t << 24, khz[k]);
			bool fine = khz[k] * 1000 >= ACPI_PM_TIMER_HZ;

			assert_true(ref_ticks(e - 1, khz[k]) >> 24 == t - 1);
			assert_true(ref_ticks(e, khz[k]) >> 24 == t);
			r.tsc = BASE_TSC + e - 1;
			assert_int_equal(in(&pm, TMR, 4),
					 fine ? 0xFFFFFF :
					 ref_ticks(e - 1, khz[k]) & 0xFFFFFF);
			assert_int_equal(acpi_pm_timer_at(&pm, r.tsc),
					 in(&pm, TMR, 4));
			r.tsc = BASE_TSC + e;
			assert_int_equal(in(&pm, TMR, 4),
					 fine ? 0 : ref_ticks(e, khz[k]) & 0xFFFFFF);
		}
	}
	/* Out-of-range rates are clamped: 0 counts as 1 kHz. */
	setup(&pm, &r, 0);
	r.tsc = BASE_TSC + 1000;
	assert_int_equal(in(&pm, TMR, 4), 3579545);
}

static void test_access_widths(void **state)
{
	struct acpi_pm pm;
	struct rec r;
	uint32_t v, t;

	(void)state;
	setup(&pm, &r, 1000000);
	r.tsc = BASE_TSC + 1234567890;
	t = in(&pm, TMR, 4);
	assert_int_equal(t, ref_ticks(1234567890, 1000000) & 0xFFFFFF);
	/* Smaller reads give the bytes of the same count. */
	assert_int_equal(in(&pm, TMR, 2), t & 0xFFFF);
	assert_int_equal(in(&pm, TMR + 1, 2), (t >> 8) & 0xFFFF);
	assert_int_equal(in(&pm, TMR + 2, 1), (t >> 16) & 0xFF);
	assert_int_equal(in(&pm, TMR + 3, 1), 0);
	/* Writes to the timer are ignored. */
	out(&pm, TMR, 4, 0);
	assert_int_equal(in(&pm, TMR, 4), t);
	/* PM1: words; bytes of them; a dword over STS and EN together. */
	out(&pm, EN, 2, ACPI_PM1_EN_PWRBTN_EN | ACPI_PM1_EN_TMR_EN);
	assert_int_equal(in(&pm, EN, 2), 0x0101);
	assert_int_equal(in(&pm, EN + 1, 1), 0x01);
	out(&pm, EN + 1, 1, 0x00);
	assert_int_equal(in(&pm, EN, 2), 0x0001);
	acpi_pm_power_button(&pm);
	assert_int_equal(in(&pm, STS, 4), 0x00010100);
	out(&pm, STS, 4, 0x01000000);  /* EN := PWRBTN_EN, STS unchanged */
	assert_int_equal(in(&pm, STS, 4), 0x01000100);
	assert_int_equal(in(&pm, CNT, 2), ACPI_PM1_CNT_SCI_EN);
	assert_int_equal(in(&pm, CNT, 1), ACPI_PM1_CNT_SCI_EN);
	/* Reserved bytes float; so do bytes past the block. */
	assert_int_equal(in(&pm, ACPI_PM_BASE + 6, 2), 0xFFFF);
	assert_int_equal(in(&pm, CNT, 4), 0xFFFF0001);
	assert_int_equal(in(&pm, ACPI_PM_BASE + 0xD, 1), 0xFF);
	assert_int_equal(in(&pm, ACPI_PM_BASE + 0xE, 4), 0xFFFFFFFF);
	/* Reset register reads 0, its neighbours float. */
	assert_int_equal(in(&pm, ACPI_RESET_REG, 4), 0xFFFFFF00);
	/* Bad sizes. */
	v = 0;
	assert_int_equal(acpi_pm_pio(&pm, TMR, 3, false, &v), BUS_ERROR);
	assert_int_equal(v, 0xFFFFFFFF);
	v = 0;
	assert_int_equal(acpi_pm_pio(&pm, 0x5FF, 1, false, &v), BUS_ERROR);
	assert_int_equal(v, 0xFFFFFFFF);
}

static void test_status_write_one_to_clear(void **state)
{
	struct acpi_pm pm;
	struct rec r;
	uint64_t half = ref_elapsed(1u << 23, 1000000);

	(void)state;
	setup(&pm, &r, 1000000);
	assert_int_equal(in(&pm, STS, 2), 0);
	/* Bit 23 of the counter rises: TMR_STS, even with TMR_EN clear. */
	r.tsc = BASE_TSC + half - 1;
	assert_int_equal(in(&pm, STS, 2), 0);
	r.tsc = BASE_TSC + half;
	assert_int_equal(in(&pm, STS, 2), ACPI_PM1_STS_TMR_STS);
	acpi_pm_power_button(&pm);
	out(&pm, CNT, 2, 1u << ACPI_PM1_CNT_SLP_TYP_SHIFT | ACPI_PM1_CNT_SLP_EN);
	assert_int_equal(in(&pm, STS, 2), 0x8101);
	/* Zeros clear nothing; each 1 clears its bit only. */
	out(&pm, STS, 2, 0);
	assert_int_equal(in(&pm, STS, 2), 0x8101);
	out(&pm, STS, 2, ACPI_PM1_STS_TMR_STS);
	assert_int_equal(in(&pm, STS, 2), 0x8100);
	out(&pm, STS + 1, 1, 0x01);  /* PWRBTN_STS by a byte write */
	assert_int_equal(in(&pm, STS, 2), 0x8000);
	out(&pm, STS, 2, 0xFFFF);
	assert_int_equal(in(&pm, STS, 2), 0);
	/* Bit 23 falls at 2^24 ticks: that is a toggle too. */
	r.tsc = BASE_TSC + ref_elapsed(1u << 24, 1000000) - 1;
	assert_int_equal(in(&pm, STS, 2), 0);
	r.tsc++;
	assert_int_equal(in(&pm, STS, 2), ACPI_PM1_STS_TMR_STS);
	/* A toggle before a clearing write is cleared by it; a later one
	 * sets the bit again. */
	r.tsc = BASE_TSC + ref_elapsed(3u << 23, 1000000);
	out(&pm, STS, 2, ACPI_PM1_STS_TMR_STS);
	assert_int_equal(in(&pm, STS, 2), 0);
	/* Bits no one sets read 0 even when written as 1. */
	out(&pm, STS, 2, 0x7FFE);
	assert_int_equal(in(&pm, STS, 2), 0);
}

static void test_enable_and_control_bits(void **state)
{
	struct acpi_pm pm;
	struct rec r;

	(void)state;
	setup(&pm, &r, 1000000);
	out(&pm, EN, 2, 0xFFFF);
	assert_int_equal(in(&pm, EN, 2), 0x0721);
	out(&pm, EN, 2, 0);
	assert_int_equal(in(&pm, EN, 2), 0);
	/* SCI_EN stays 1; BM_RLD and SLP_TYP are kept; GBL_RLS and SLP_EN
	 * read 0. */
	out(&pm, CNT, 2, 0);
	assert_int_equal(in(&pm, CNT, 2), ACPI_PM1_CNT_SCI_EN);
	out(&pm, CNT, 2, ACPI_PM1_CNT_BM_RLD | ACPI_PM1_CNT_GBL_RLS |
			 3u << ACPI_PM1_CNT_SLP_TYP_SHIFT);
	assert_int_equal(in(&pm, CNT, 2), ACPI_PM1_CNT_SCI_EN |
			 ACPI_PM1_CNT_BM_RLD | 3u << ACPI_PM1_CNT_SLP_TYP_SHIFT);
	assert_int_equal(r.power_offs, 0);
	assert_int_equal(in(&pm, STS, 2), 0);
	out(&pm, CNT, 2, 0xFFFF & ~ACPI_PM1_CNT_SLP_EN);
	assert_int_equal(in(&pm, CNT, 2), 0x1C03);
}

static void test_sci_level(void **state)
{
	struct acpi_pm pm;
	struct rec r;

	(void)state;
	setup(&pm, &r, 1000000);
	assert_int_equal(r.irq_calls, 0);
	/* Status without enable: no SCI. */
	acpi_pm_power_button(&pm);
	assert_int_equal(r.irq_calls, 0);
	/* Enabling it raises the SCI at once, on line 9. */
	out(&pm, EN, 2, ACPI_PM1_EN_PWRBTN_EN);
	assert_int_equal(r.irq_calls, 1);
	assert_true(r.level);
	assert_int_equal(r.irq_line, ACPI_SCI_IRQ);
	/* Level, not edge: more events while high change nothing. */
	acpi_pm_power_button(&pm);
	in(&pm, STS, 2);
	assert_int_equal(r.irq_calls, 1);
	/* Clearing an unrelated bit keeps it high; clearing the status
	 * lowers it. */
	out(&pm, STS, 2, ACPI_PM1_STS_WAK_STS);
	assert_int_equal(r.irq_calls, 1);
	out(&pm, STS, 2, ACPI_PM1_STS_PWRBTN_STS);
	assert_int_equal(r.irq_calls, 2);
	assert_false(r.level);
	/* Disabling while pending lowers it too. */
	acpi_pm_power_button(&pm);
	assert_int_equal(r.irq_calls, 3);
	assert_true(r.level);
	out(&pm, EN, 2, 0);
	assert_int_equal(r.irq_calls, 4);
	assert_false(r.level);
	/* WAK_STS has no enable bit: never an SCI. */
	out(&pm, STS, 2, 0xFFFF);
	out(&pm, EN, 2, 0xFFFF);
	assert_int_equal(r.irq_calls, 4);
	out(&pm, CNT, 2, 1u << ACPI_PM1_CNT_SLP_TYP_SHIFT | ACPI_PM1_CNT_SLP_EN);
	assert_int_equal(in(&pm, STS, 2), ACPI_PM1_STS_WAK_STS);
	assert_int_equal(r.irq_calls, 4);
}

/* TMR_EN: the model asks for a host timer at the next toggle of bit 23,
 * and the SCI follows TMR_STS. */
static void test_timer_interrupt(void **state)
{
	struct acpi_pm pm;
	struct rec r;
	const uint64_t khz = 2893437;
	uint64_t d1 = BASE_TSC + ref_elapsed(1u << 23, khz);
	uint64_t d2 = BASE_TSC + ref_elapsed(2u << 23, khz);

	(void)state;
	setup(&pm, &r, khz);
	/* Without TMR_EN no host timer, however long time runs. */
	r.tsc = d1 + 5;
	in(&pm, TMR, 4);
	out(&pm, STS, 2, 0xFFFF);
	assert_int_equal(r.arm_calls, 0);
	/* From the start again. */
	setup(&pm, &r, khz);
	out(&pm, EN, 2, ACPI_PM1_EN_TMR_EN);
	assert_int_equal(r.arm_calls, 1);
	assert_int_equal(r.deadline, d1);
	assert_true(ref_ticks(d1 - 1 - BASE_TSC, khz) < (1u << 23));
	/* Other accesses do not re-arm it. */
	in(&pm, TMR, 4);
	out(&pm, EN, 2, ACPI_PM1_EN_TMR_EN);
	assert_int_equal(r.arm_calls, 1);
	/* A host timer that fires early: armed again for the same time. */
	r.tsc = d1 - 1;
	acpi_pm_timer_expired(&pm);
	assert_int_equal(r.arm_calls, 2);
	assert_int_equal(r.deadline, d1);
	assert_int_equal(r.irq_calls, 0);
	/* On time: TMR_STS and the SCI; nothing more to arm. */
	r.tsc = d1 + 100;
	acpi_pm_timer_expired(&pm);
	assert_int_equal(r.irq_calls, 1);
	assert_true(r.level);
	assert_int_equal(in(&pm, STS, 2), ACPI_PM1_STS_TMR_STS);
	assert_int_equal(r.arm_calls, 2);
	/* The handler clears TMR_STS: SCI low, timer armed for the fall of
	 * bit 23. */
	out(&pm, STS, 2, ACPI_PM1_STS_TMR_STS);
	assert_false(r.level);
	assert_int_equal(r.arm_calls, 3);
	assert_int_equal(r.deadline, d2);
	/* A guest slow to clear: a toggle already passed when it clears
	 * TMR_STS is cleared with it, the timer goes to the next one. */
	r.tsc = d2 + 1;
	acpi_pm_timer_expired(&pm);
	assert_true(r.level);
	r.tsc = BASE_TSC + ref_elapsed(3u << 23, khz) + 1;
	out(&pm, STS, 2, ACPI_PM1_STS_TMR_STS);
	assert_false(r.level);
	assert_int_equal(r.deadline, BASE_TSC + ref_elapsed(4u << 23, khz));
	/* TMR_EN off: disarmed. */
	out(&pm, EN, 2, 0);
	assert_int_equal(r.deadline, 0);
	assert_int_equal(r.arm_calls, 5);
	/* Enabled while TMR_STS is already set: SCI at once, no timer. */
	r.tsc = BASE_TSC + ref_elapsed(5u << 23, khz);
	out(&pm, EN, 2, ACPI_PM1_EN_TMR_EN);
	assert_true(r.level);
	assert_int_equal(r.arm_calls, 5);
}

static void test_s5_power_off(void **state)
{
	struct acpi_pm pm;
	struct rec r;
	const uint32_t s5 = ACPI_SLP_TYP_S5 << ACPI_PM1_CNT_SLP_TYP_SHIFT;

	(void)state;
	setup(&pm, &r, 1000000);
	/* SLP_TYP alone (the OS writes it first) does nothing. */
	out(&pm, CNT, 2, s5 | ACPI_PM1_CNT_SCI_EN);
	assert_int_equal(r.power_offs, 0);
	/* Then SLP_EN with it. */
	out(&pm, CNT, 2, s5 | ACPI_PM1_CNT_SCI_EN | ACPI_PM1_CNT_SLP_EN);
	assert_int_equal(r.power_offs, 1);
	assert_int_equal(in(&pm, CNT, 2), s5 | ACPI_PM1_CNT_SCI_EN);
	assert_int_equal(in(&pm, STS, 2), 0);
	/* A byte write of the high half does it too. */
	out(&pm, CNT + 1, 1, (s5 | ACPI_PM1_CNT_SLP_EN) >> 8);
	assert_int_equal(r.power_offs, 2);
	/* SLP_TYP 0 (PIIX4's S5) is not S5 here. */
	out(&pm, CNT, 2, ACPI_PM1_CNT_SLP_EN);
	assert_int_equal(r.power_offs, 2);
	assert_int_equal(in(&pm, STS, 2), ACPI_PM1_STS_WAK_STS);
	/* Without a callback nothing breaks. */
	acpi_pm_init(&pm, 1000000, NULL, NULL);
	out(&pm, CNT, 2, s5 | ACPI_PM1_CNT_SLP_EN);
	assert_int_equal(in(&pm, CNT, 2), s5 | ACPI_PM1_CNT_SCI_EN);
}

static void test_reset_register(void **state)
{
	struct acpi_pm pm;
	struct rec r;

	(void)state;
	setup(&pm, &r, 1000000);
	out(&pm, ACPI_RESET_REG, 1, 0x05);
	out(&pm, ACPI_RESET_REG, 1, 0x07);
	out(&pm, ACPI_RESET_REG, 1, 0x00);
	assert_int_equal(r.resets, 0);
	out(&pm, ACPI_RESET_REG, 1, ACPI_RESET_VALUE);
	assert_int_equal(r.resets, 1);
	/* Wider writes: the low byte is the register, the rest reserved. */
	out(&pm, ACPI_RESET_REG, 2, 0xFF00 | ACPI_RESET_VALUE);
	assert_int_equal(r.resets, 2);
	out(&pm, ACPI_RESET_REG - 1, 2, ACPI_RESET_VALUE);
	assert_int_equal(r.resets, 2);
	assert_int_equal(in(&pm, ACPI_RESET_REG, 1), 0);
	assert_int_equal(r.power_offs, 0);
}

static void test_no_ops(void **state)
{
	struct acpi_pm pm;

	(void)state;
	acpi_pm_init(&pm, 1000000, NULL, NULL);
	assert_int_equal(in(&pm, TMR, 4), 0);
	out(&pm, EN, 2, 0xFFFF);
	acpi_pm_power_button(&pm);
	acpi_pm_timer_expired(&pm);
	out(&pm, ACPI_RESET_REG, 1, ACPI_RESET_VALUE);
	assert_int_equal(in(&pm, STS, 2), ACPI_PM1_STS_PWRBTN_STS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_rate),
		cmocka_unit_test(test_timer_wrap_long),
		cmocka_unit_test(test_access_widths),
		cmocka_unit_test(test_status_write_one_to_clear),
		cmocka_unit_test(test_enable_and_control_bits),
		cmocka_unit_test(test_sci_level),
		cmocka_unit_test(test_timer_interrupt),
		cmocka_unit_test(test_s5_power_off),
		cmocka_unit_test(test_reset_register),
		cmocka_unit_test(test_no_ops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
