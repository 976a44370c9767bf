/* UNIT-DEPS: devices/bus.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "devices/bus.h"
#include "lib/libc.h"

struct fake {
	int calls;
	uint16_t last_port;
	unsigned last_size;
	bool last_write;
	uint32_t last_val;
	uint32_t read_val;
};

static int fake_pio(void *dev, uint16_t port, unsigned size, bool write,
		    uint32_t *val)
{
	struct fake *f = dev;

	f->calls++;
	f->last_port = port;
	f->last_size = size;
	f->last_write = write;
	if (write)
		f->last_val = *val;
	else
		*val = f->read_val;
	return BUS_OK;
}

static int fake_mmio(void *dev, uint64_t addr, unsigned size, bool write,
		     uint64_t *val)
{
	struct fake *f = dev;

	f->calls++;
	f->last_size = size;
	f->last_write = write;
	f->last_port = (uint16_t)addr;
	if (!write)
		*val = f->read_val;
	return BUS_OK;
}

static struct bus bus;

static void test_add_overlap(void **state)
{
	struct fake a = {0};

	(void)state;
	bus_init(&bus);
	assert_int_equal(bus_add_pio(&bus, 0x3F8, 8, fake_pio, &a, "a"), 0);
	assert_int_equal(bus_add_pio(&bus, 0x3FF, 1, fake_pio, &a, "b"), -1);
	assert_int_equal(bus_add_pio(&bus, 0x3F0, 9, fake_pio, &a, "c"), -1);
	assert_int_equal(bus_add_pio(&bus, 0x3F0, 8, fake_pio, &a, "d"), 0);
	assert_int_equal(bus_add_pio(&bus, 0x400, 0, fake_pio, &a, "e"), -1);
	assert_int_equal(bus_add_pio(&bus, 0xFFFF, 2, fake_pio, &a, "f"), -1);
	assert_int_equal(bus_add_pio(&bus, 0xFFFF, 1, fake_pio, &a, "g"), 0);
	assert_int_equal(bus.npio, 3);
	assert_int_equal(bus_add_mmio(&bus, 0xFEC00000, 0x1000, fake_mmio, &a, "m"), 0);
	assert_int_equal(bus_add_mmio(&bus, 0xFEC00FFF, 0x10, fake_mmio, &a, "n"), -1);
	assert_int_equal(bus_add_mmio(&bus, ~0ULL - 5, 0x10, fake_mmio, &a, "w"), -1);
}

static void test_table_full(void **state)
{
	struct fake a = {0};

	(void)state;
	bus_init(&bus);
	for (int i = 0; i < BUS_MAX_PIO; i++)
		assert_int_equal(bus_add_pio(&bus, (uint16_t)(0x100 + i), 1,
					     fake_pio, &a, "x"), 0);
	assert_int_equal(bus_add_pio(&bus, 0x800, 1, fake_pio, &a, "x"), -1);
}

static void test_dispatch(void **state)
{
	struct fake a = {0}, b = {0};
	uint32_t v;
	bool first = true;

	(void)state;
	bus_init(&bus);
	a.read_val = 0x12;
	b.read_val = 0x3456;
	assert_int_equal(bus_add_pio(&bus, 0x60, 1, fake_pio, &a, "a"), 0);
	assert_int_equal(bus_add_pio(&bus, 0x70, 2, fake_pio, &b, "b"), 0);
	assert_int_equal(bus_pio(&bus, 0x60, 1, false, &v, &first), BUS_OK);
	assert_int_equal(v, 0x12);
	assert_false(first);
	assert_int_equal(a.calls, 1);
	assert_int_equal(bus_pio(&bus, 0x71, 2, false, &v, NULL), BUS_OK);
	assert_int_equal(v, 0x3456);
	assert_int_equal(b.last_port, 0x71);
	v = 0xAB;
	assert_int_equal(bus_pio(&bus, 0x70, 1, true, &v, NULL), BUS_OK);
	assert_true(b.last_write);
	assert_int_equal(b.last_val, 0xAB);
	/* A 4-byte access starting at the last port goes to that device. */
	assert_int_equal(bus_pio(&bus, 0x71, 4, false, &v, NULL), BUS_OK);
	assert_int_equal(b.calls, 3);
	assert_int_equal(b.last_size, 4);
	/* ...but one starting just before a device is unclaimed. */
	assert_int_equal(bus_pio(&bus, 0x6F, 4, false, &v, NULL), BUS_UNCLAIMED);
	assert_int_equal(b.calls, 3);
	assert_int_equal(bus.unclaimed_pio, 1);
}

static void test_unclaimed(void **state)
{
	uint32_t v;
	bool first = false;

	(void)state;
	bus_init(&bus);
	v = 0;
	assert_int_equal(bus_pio(&bus, 0x80, 1, false, &v, &first), BUS_UNCLAIMED);
	assert_int_equal(v, 0xFF);
	assert_true(first);
	v = 0;
	assert_int_equal(bus_pio(&bus, 0x80, 2, false, &v, &first), BUS_UNCLAIMED);
	assert_int_equal(v, 0xFFFF);
	assert_false(first);
	v = 0;
	assert_int_equal(bus_pio(&bus, 0x81, 4, false, &v, &first), BUS_UNCLAIMED);
	assert_int_equal(v, 0xFFFFFFFFu);
	assert_true(first);
	v = 0x55;
	assert_int_equal(bus_pio(&bus, 0xFFFF, 1, true, &v, &first), BUS_UNCLAIMED);
	assert_int_equal(v, 0x55);      /* writes leave val alone */
	assert_true(first);
	assert_int_equal(bus_pio(&bus, 0xFFFF, 1, true, &v, &first), BUS_UNCLAIMED);
	assert_false(first);
	assert_int_equal(bus.unclaimed_pio, 5);
	assert_int_equal(bus_pio(&bus, 0x0, 1, true, &v, NULL), BUS_UNCLAIMED);
	assert_int_equal(bus.unclaimed_pio, 6);
}

static void test_mmio(void **state)
{
	struct fake a = {0};
	uint64_t v;

	(void)state;
	bus_init(&bus);
	a.read_val = 0xDEADBEEF;
	assert_int_equal(bus_add_mmio(&bus, 0xFEC00000, 0x1000, fake_mmio, &a, "ioapic"), 0);
	assert_int_equal(bus_mmio(&bus, 0xFEC00010, 4, false, &v), BUS_OK);
	assert_int_equal(v, 0xDEADBEEF);
	assert_non_null(bus_find_mmio(&bus, 0xFEC00FFF));
	assert_null(bus_find_mmio(&bus, 0xFEC01000));
	assert_null(bus_find_mmio(&bus, 0xFEBFFFFF));
	assert_int_equal(bus_mmio(&bus, 0xFEC01000, 4, false, &v), BUS_UNCLAIMED);
	assert_int_equal(a.calls, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_overlap),
		cmocka_unit_test(test_table_full),
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_unclaimed),
		cmocka_unit_test(test_mmio),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
