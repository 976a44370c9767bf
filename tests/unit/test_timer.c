/* UNIT-DEPS: core/timer.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/timer.h"

static int order[8], nfired;

static void fire(struct vtimer *t, uint64_t now)
{
	(void)now;
	order[nfired++] = (int)(intptr_t)t->opaque;
}

/* Re-arms itself one period later, like a periodic device timer. */
static void fire_periodic(struct vtimer *t, uint64_t now)
{
	(void)now;
	nfired++;
	if (nfired < 3)
		timerq_arm((struct timer_queue *)t->owner, t, t->deadline + 100);
}

static void test_order(void **state)
{
	struct timer_queue q = { 0 };
	struct vtimer t[4];
	static const uint64_t dl[4] = { 300, 100, 200, 100 };

	(void)state;
	nfired = 0;
	for (int i = 0; i < 4; i++) {
		vtimer_init(&t[i], fire, (void *)(intptr_t)i, NULL);
		timerq_arm(&q, &t[i], dl[i]);
	}
	assert_int_equal(timerq_next(&q), 100);
	assert_true(q.changed);
	q.changed = false;
	assert_int_equal(timerq_run(&q, 99), 0);
	assert_false(q.changed);
	/* Equal deadlines fire in arming order. */
	assert_int_equal(timerq_run(&q, 200), 3);
	assert_int_equal(order[0], 1);
	assert_int_equal(order[1], 3);
	assert_int_equal(order[2], 2);
	assert_true(q.changed);
	assert_int_equal(timerq_next(&q), 300);
	assert_false(t[1].armed);
	assert_true(t[0].armed);
}

static void test_rearm_disarm(void **state)
{
	struct timer_queue q = { 0 };
	struct vtimer a, b;

	(void)state;
	nfired = 0;
	vtimer_init(&a, fire, (void *)1, &q);
	vtimer_init(&b, fire, (void *)2, NULL);
	timerq_arm(&q, &a, 500);
	timerq_arm(&q, &b, 600);
	/* Re-arming moves the entry; it is never in the queue twice. */
	timerq_arm(&q, &a, 700);
	assert_int_equal(timerq_next(&q), 600);
	q.changed = false;
	timerq_disarm(&q, &b);
	assert_true(q.changed);        /* the head went */
	assert_int_equal(timerq_next(&q), 700);
	q.changed = false;
	timerq_disarm(&q, &b);         /* not armed: no effect */
	assert_false(q.changed);
	assert_true(timerq_owner_armed(&q, &q));
	assert_false(timerq_owner_armed(&q, NULL));
	timerq_disarm(&q, &a);
	assert_int_equal(timerq_next(&q), 0);
	assert_false(timerq_owner_armed(&q, &q));
	assert_int_equal(timerq_run(&q, ~0ULL), 0);
}

static void test_callback_rearms(void **state)
{
	struct timer_queue q = { 0 };
	struct vtimer p;

	(void)state;
	nfired = 0;
	vtimer_init(&p, fire_periodic, NULL, &q);
	timerq_arm(&q, &p, 100);
	/* Late by two periods: every due expiry runs, in one call. */
	assert_int_equal(timerq_run(&q, 350), 3);
	assert_false(p.armed);
	nfired = 0;
	timerq_arm(&q, &p, 1000);
	assert_int_equal(timerq_run(&q, 1000), 1);
	assert_int_equal(timerq_next(&q), 1100);
}

static void test_background(void **state)
{
	struct timer_queue q = { 0 };
	struct vtimer bg, fg;

	(void)state;
	nfired = 0;
	vtimer_init(&bg, fire, (void *)1, NULL);
	bg.background = true;
	vtimer_init(&fg, fire, (void *)2, NULL);
	timerq_arm(&q, &bg, 100);
	assert_int_equal(timerq_next(&q), 100);
	assert_int_equal(timerq_next_foreground(&q), 0);
	timerq_arm(&q, &fg, 500);
	assert_int_equal(timerq_next_foreground(&q), 500);
	/* Background timers still run when the queue runs. */
	assert_int_equal(timerq_run(&q, 500), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_rearm_disarm),
		cmocka_unit_test(test_callback_rearms),
		cmocka_unit_test(test_background),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
