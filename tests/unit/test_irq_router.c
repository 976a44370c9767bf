/* UNIT-DEPS: devices/irq_router.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "devices/irq_router.h"
#include "lib/libc.h"

static struct { int pic[16], ioapic[24]; int pic_calls, ioapic_calls; } seen;

static void pic_set(void *o, unsigned irq, bool level)
{
	(void)o;
	seen.pic[irq] = level;
	seen.pic_calls++;
}

static void ioapic_set(void *o, unsigned gsi, bool level)
{
	(void)o;
	seen.ioapic[gsi] = level;
	seen.ioapic_calls++;
}

static const struct irq_router_ops ops = { pic_set, ioapic_set };

static void test_isa_routing(void **state)
{
	struct irq_router r;

	(void)state;
	memset(&seen, 0, sizeof(seen));
	irq_router_init(&r, &ops, NULL);
	irq_set_isa(&r, 0, true);          /* IRQ0 -> PIC 0, IOAPIC pin 2 */
	assert_int_equal(seen.pic[0], 1);
	assert_int_equal(seen.ioapic[2], 1);
	assert_int_equal(seen.ioapic[0], 0);
	irq_set_isa(&r, 0, false);
	assert_int_equal(seen.ioapic[2], 0);
	irq_set_isa(&r, 4, true);          /* COM1: same number on both */
	assert_int_equal(seen.pic[4], 1);
	assert_int_equal(seen.ioapic[4], 1);
	assert_int_equal(r.asserted, 1u << 4);
	irq_set_isa(&r, 16, true);         /* not an ISA line */
	assert_int_equal(seen.pic_calls, 3);
}

static void test_active_low(void **state)
{
	struct irq_router r;

	(void)state;
	memset(&seen, 0, sizeof(seen));
	irq_router_init(&r, &ops, NULL);
	irq_router_set_active_low(&r, 9);  /* the SCI */
	assert_int_equal(seen.ioapic[9], 1);   /* idle high */
	irq_set_isa(&r, 9, true);
	assert_int_equal(seen.pic[9], 1);      /* the 8259 sees it asserted */
	assert_int_equal(seen.ioapic[9], 0);   /* the wire goes low */
	irq_set_isa(&r, 9, false);
	assert_int_equal(seen.ioapic[9], 1);
	assert_int_equal(irq_isa_to_gsi(8), 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_isa_routing),
		cmocka_unit_test(test_active_low),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
