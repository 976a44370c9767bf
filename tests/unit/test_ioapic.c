/* UNIT-DEPS: devices/ioapic.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "devices/bus.h"
#include "devices/ioapic.h"
#include "devices/lapic.h"
#include "lib/libc.h"

#define BASE IOAPIC_DEFAULT_BASE

struct msg {
	uint32_t dest;
	bool logical;
	uint32_t mode;
	uint8_t vector;
	bool level;
};

struct sink {
	struct msg m[16];
	unsigned n;
};

static struct ioapic io;
static struct sink sink;

static void deliver(void *opaque, uint32_t dest, bool logical,
		    uint32_t delivery_mode, uint8_t vector, bool level)
{
	struct sink *s = opaque;

	assert_true(s->n < 16);
	s->m[s->n++] = (struct msg){ dest, logical, delivery_mode, vector, level };
}

static const struct ioapic_ops ops = { .deliver = deliver };

static int setup(void **state)
{
	(void)state;
	memset(&sink, 0, sizeof(sink));
	ioapic_init(&io, 2, &ops, &sink);
	return 0;
}

static uint64_t mmio_rd(uint64_t off, unsigned size)
{
	uint64_t v = 0x5A5A5A5A;

	assert_int_equal(ioapic_mmio(&io, BASE + off, size, false, &v), BUS_OK);
	return v;
}

static void mmio_wr(uint64_t off, unsigned size, uint64_t v)
{
	assert_int_equal(ioapic_mmio(&io, BASE + off, size, true, &v), BUS_OK);
}

static uint32_t reg_rd(uint8_t reg)
{
	mmio_wr(IOAPIC_IOREGSEL, 4, reg);
	return (uint32_t)mmio_rd(IOAPIC_IOWIN, 4);
}

static void reg_wr(uint8_t reg, uint32_t v)
{
	mmio_wr(IOAPIC_IOREGSEL, 4, reg);
	mmio_wr(IOAPIC_IOWIN, 4, v);
}

static uint32_t rte_lo(unsigned pin)
{
	return reg_rd((uint8_t)(IOAPIC_REG_REDTBL + 2 * pin));
}

/* Program a whole entry, high half first (as OSes do, so the entry never
 * fires with a stale destination). */
static void rte_set(unsigned pin, uint32_t lo, uint8_t dest)
{
	reg_wr((uint8_t)(IOAPIC_REG_REDTBL + 2 * pin + 1), (uint32_t)dest << 24);
	reg_wr((uint8_t)(IOAPIC_REG_REDTBL + 2 * pin), lo);
}

static void expect_msg(unsigned i, uint32_t dest, bool logical, uint32_t mode,
		       uint8_t vector, bool level)
{
	assert_true(i < sink.n);
	assert_int_equal(sink.m[i].dest, dest);
	assert_int_equal(sink.m[i].logical, logical);
	assert_int_equal(sink.m[i].mode, mode);
	assert_int_equal(sink.m[i].vector, vector);
	assert_int_equal(sink.m[i].level, level);
}

#define LEVEL  IOAPIC_RTE_TRIGGER
#define LOW    IOAPIC_RTE_INTPOL
#define MASKED IOAPIC_RTE_MASKED

static void test_reset_state(void **state)
{
	(void)state;
	assert_int_equal(mmio_rd(IOAPIC_IOREGSEL, 4), 0);
	for (unsigned pin = 0; pin < IOAPIC_NPINS; pin++) {
		assert_int_equal(rte_lo(pin), IOAPIC_RTE_MASKED);
		assert_int_equal(reg_rd((uint8_t)(0x11 + 2 * pin)), 0);
		assert_true(ioapic_pin_masked(&io, pin));
	}
	assert_int_equal(reg_rd(IOAPIC_REG_ID), 2u << 24);
	assert_int_equal(sink.n, 0);
}

static void test_ioregsel_indexing(void **state)
{
	(void)state;
	mmio_wr(IOAPIC_IOREGSEL, 4, 0x12345613);
	assert_int_equal(mmio_rd(IOAPIC_IOREGSEL, 4), 0x13);   /* bits 7:0 */
	/* Each index reaches its own half of its own entry. */
	for (unsigned pin = 0; pin < IOAPIC_NPINS; pin++) {
		reg_wr((uint8_t)(0x10 + 2 * pin), MASKED | (0x20 + pin));
		reg_wr((uint8_t)(0x11 + 2 * pin), (uint32_t)pin << 24);
	}
	for (unsigned pin = 0; pin < IOAPIC_NPINS; pin++) {
		assert_int_equal(rte_lo(pin), MASKED | (0x20 + pin));
		assert_int_equal(reg_rd((uint8_t)(0x11 + 2 * pin)), pin << 24);
	}
	assert_int_equal(reg_rd(0x3F), 23u << 24);
	assert_int_equal(sink.n, 0);
}

static void test_version_id_arbitration(void **state)
{
	(void)state;
	assert_int_equal(reg_rd(IOAPIC_REG_VER), 0x00170020);
	reg_wr(IOAPIC_REG_VER, 0);
	assert_int_equal(reg_rd(IOAPIC_REG_VER), 0x00170020);

	reg_wr(IOAPIC_REG_ID, 0xFFFFFFFF);                 /* only 27:24 */
	assert_int_equal(reg_rd(IOAPIC_REG_ID), 0x0F000000);
	assert_int_equal(reg_rd(IOAPIC_REG_ARB), 0x0F000000);
	reg_wr(IOAPIC_REG_ARB, 0);                         /* read-only */
	assert_int_equal(reg_rd(IOAPIC_REG_ARB), 0x0F000000);
	reg_wr(IOAPIC_REG_ID, 0x05000000);
	assert_int_equal(reg_rd(IOAPIC_REG_ARB), 0x05000000);

	/* Only 4 bits of the init ID fit. */
	ioapic_init(&io, 0x13, &ops, &sink);
	assert_int_equal(reg_rd(IOAPIC_REG_ID), 0x03000000);
}

static void test_unimplemented_registers(void **state)
{
	(void)state;
	static const uint8_t regs[] = { 0x03, 0x0F, 0x40, 0x80, 0xFF };

	for (unsigned i = 0; i < sizeof(regs); i++) {
		reg_wr(regs[i], 0);
		assert_int_equal(reg_rd(regs[i]), 0xFFFFFFFF);
	}
	for (unsigned pin = 0; pin < IOAPIC_NPINS; pin++)
		assert_int_equal(rte_lo(pin), MASKED);
}

static void test_ro_and_reserved_bits(void **state)
{
	(void)state;
	/* Delivery status, remote IRR and reserved bits ignore writes. */
	reg_wr(0x10, 0xFFFFFFFF);
	assert_int_equal(rte_lo(0), 0x0001AFFF);
	reg_wr(0x11, 0xFFFFFFFF);
	assert_int_equal(reg_rd(0x11), 0xFF000000);

	/* Remote IRR set by a delivery survives writes that clear it. */
	rte_set(3, LEVEL | 0x33, 0);
	ioapic_set_irq(&io, 3, true);
	assert_int_equal(sink.n, 1);
	assert_true(rte_lo(3) & IOAPIC_RTE_REMOTE_IRR);
	reg_wr(0x10 + 6, MASKED | LEVEL | 0x33);
	assert_true(rte_lo(3) & IOAPIC_RTE_REMOTE_IRR);
	assert_false(rte_lo(3) & IOAPIC_RTE_DELIVS);       /* always 0 */
}

static void test_bad_accesses(void **state)
{
	(void)state;
	mmio_wr(IOAPIC_IOREGSEL, 4, IOAPIC_REG_VER);
	/* Byte, word and qword accesses: all-ones, writes dropped. */
	assert_int_equal(mmio_rd(IOAPIC_IOREGSEL, 1), 0xFF);
	assert_int_equal(mmio_rd(IOAPIC_IOWIN, 2), 0xFFFF);
	assert_true(mmio_rd(IOAPIC_IOWIN, 8) == ~0ULL);
	mmio_wr(IOAPIC_IOREGSEL, 1, IOAPIC_REG_ID);
	mmio_wr(IOAPIC_IOREGSEL, 2, IOAPIC_REG_ID);
	mmio_wr(IOAPIC_IOREGSEL, 8, IOAPIC_REG_ID);
	assert_int_equal(mmio_rd(IOAPIC_IOREGSEL, 4), IOAPIC_REG_VER);
	/* Offsets that are no register, and the write-only EOI register. */
	assert_int_equal(mmio_rd(0x04, 4), 0xFFFFFFFF);
	assert_int_equal(mmio_rd(0x01, 4), 0xFFFFFFFF);
	assert_int_equal(mmio_rd(0x20, 4), 0xFFFFFFFF);
	assert_int_equal(mmio_rd(0xFFC, 4), 0xFFFFFFFF);
	assert_int_equal(mmio_rd(IOAPIC_EOIR, 4), 0xFFFFFFFF);
	mmio_wr(0x04, 4, 0);
	mmio_wr(0x20, 4, 0);
	assert_int_equal(mmio_rd(IOAPIC_IOWIN, 4), 0x00170020);
	/* A window at another 4 KiB-aligned base decodes the same. */
	uint64_t v = 0;
	assert_int_equal(ioapic_mmio(&io, 0xFEC01000 + IOAPIC_IOWIN, 4, false, &v),
			 BUS_OK);
	assert_int_equal(v, 0x00170020);
}

static void test_edge_once_per_edge(void **state)
{
	(void)state;
	rte_set(1, 0x31, 3);
	ioapic_set_irq(&io, 1, true);
	assert_int_equal(sink.n, 1);
	expect_msg(0, 3, false, APIC_ICR_DM_FIXED, 0x31, false);
	ioapic_set_irq(&io, 1, true);                      /* no new edge */
	ioapic_set_irq(&io, 1, false);
	assert_int_equal(sink.n, 1);
	ioapic_set_irq(&io, 1, true);
	assert_int_equal(sink.n, 2);
	/* An edge entry never holds remote IRR, and EOIs do nothing. */
	assert_false(rte_lo(1) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_eoi(&io, 0x31);
	assert_int_equal(sink.n, 2);
}

static void test_edge_masked_is_lost(void **state)
{
	(void)state;
	rte_set(4, MASKED | 0x34, 0);
	ioapic_set_irq(&io, 4, true);
	assert_int_equal(sink.n, 0);
	rte_set(4, 0x34, 0);                               /* unmask: lost */
	assert_int_equal(sink.n, 0);
	ioapic_set_irq(&io, 4, false);
	ioapic_set_irq(&io, 4, true);
	assert_int_equal(sink.n, 1);
	expect_msg(0, 0, false, APIC_ICR_DM_FIXED, 0x34, false);
}

static void test_level_remote_irr_flow(void **state)
{
	(void)state;
	rte_set(9, LEVEL | 0x49, 1);
	ioapic_set_irq(&io, 9, true);
	assert_int_equal(sink.n, 1);
	expect_msg(0, 1, false, APIC_ICR_DM_FIXED, 0x49, true);
	assert_true(rte_lo(9) & IOAPIC_RTE_REMOTE_IRR);

	/* No re-delivery while remote IRR is set. */
	ioapic_set_irq(&io, 9, true);
	ioapic_set_irq(&io, 9, false);
	ioapic_set_irq(&io, 9, true);
	assert_int_equal(sink.n, 1);

	/* EOI while still asserted: cleared, then sent again. */
	ioapic_eoi(&io, 0x49);
	assert_int_equal(sink.n, 2);
	expect_msg(1, 1, false, APIC_ICR_DM_FIXED, 0x49, true);
	assert_true(rte_lo(9) & IOAPIC_RTE_REMOTE_IRR);

	/* EOI after the line dropped: cleared, nothing sent. */
	ioapic_set_irq(&io, 9, false);
	ioapic_eoi(&io, 0x49);
	assert_int_equal(sink.n, 2);
	assert_false(rte_lo(9) & IOAPIC_RTE_REMOTE_IRR);

	ioapic_set_irq(&io, 9, true);
	assert_int_equal(sink.n, 3);
}

static void test_eoi_register(void **state)
{
	(void)state;
	rte_set(10, LEVEL | 0x4A, 0);
	ioapic_set_irq(&io, 10, true);
	assert_int_equal(sink.n, 1);
	mmio_wr(IOAPIC_EOIR, 4, 0xFFFFFF4A);               /* bits 7:0 count */
	assert_int_equal(sink.n, 2);
	ioapic_set_irq(&io, 10, false);
	mmio_wr(IOAPIC_EOIR, 4, 0x4A);
	assert_int_equal(sink.n, 2);
	assert_false(rte_lo(10) & IOAPIC_RTE_REMOTE_IRR);
	/* A byte write to the EOI register is ignored. */
	ioapic_set_irq(&io, 10, true);
	mmio_wr(IOAPIC_EOIR, 1, 0x4A);
	assert_true(rte_lo(10) & IOAPIC_RTE_REMOTE_IRR);
}

static void test_eoi_other_vector(void **state)
{
	(void)state;
	rte_set(11, LEVEL | 0x4B, 0);
	ioapic_set_irq(&io, 11, true);
	ioapic_eoi(&io, 0x4C);
	mmio_wr(IOAPIC_EOIR, 4, 0x4C);
	assert_int_equal(sink.n, 1);
	assert_true(rte_lo(11) & IOAPIC_RTE_REMOTE_IRR);
}

static void test_eoi_shared_vector(void **state)
{
	(void)state;
	/* Every entry with the vector is cleared and re-sampled. */
	rte_set(16, LEVEL | 0x60, 0);
	rte_set(17, LEVEL | 0x60, 0);
	ioapic_set_irq(&io, 16, true);
	ioapic_set_irq(&io, 17, true);
	assert_int_equal(sink.n, 2);
	ioapic_set_irq(&io, 16, false);
	ioapic_eoi(&io, 0x60);
	assert_int_equal(sink.n, 3);
	assert_false(rte_lo(16) & IOAPIC_RTE_REMOTE_IRR);
	assert_true(rte_lo(17) & IOAPIC_RTE_REMOTE_IRR);
}

static void test_polarity_active_low(void **state)
{
	(void)state;
	/* The SCI: level, active low; the line idles high. */
	ioapic_set_irq(&io, 9, true);
	rte_set(9, LEVEL | LOW | 0x59, 0);
	assert_int_equal(sink.n, 0);
	ioapic_set_irq(&io, 9, false);                     /* asserted */
	assert_int_equal(sink.n, 1);
	expect_msg(0, 0, false, APIC_ICR_DM_FIXED, 0x59, true);
	ioapic_eoi(&io, 0x59);                             /* still low */
	assert_int_equal(sink.n, 2);
	ioapic_set_irq(&io, 9, true);
	ioapic_eoi(&io, 0x59);
	assert_int_equal(sink.n, 2);

	/* Edge, active low: the falling edge is the assertion. */
	ioapic_set_irq(&io, 5, true);
	rte_set(5, LOW | 0x35, 0);
	ioapic_set_irq(&io, 5, false);
	assert_int_equal(sink.n, 3);
	ioapic_set_irq(&io, 5, true);
	assert_int_equal(sink.n, 3);
}

static void test_polarity_low_line_at_reset(void **state)
{
	(void)state;
	/* Lines reset low: an active-low level pin the integrator did not
	 * drive high is asserted as soon as it is unmasked. */
	rte_set(9, LEVEL | LOW | 0x59, 0);
	assert_int_equal(sink.n, 1);
}

static void test_unmask_pending_level(void **state)
{
	(void)state;
	rte_set(12, MASKED | LEVEL | 0x4C, 0);
	ioapic_set_irq(&io, 12, true);
	assert_int_equal(sink.n, 0);
	assert_false(rte_lo(12) & IOAPIC_RTE_REMOTE_IRR);
	rte_set(12, LEVEL | 0x4C, 0);                      /* unmask */
	assert_int_equal(sink.n, 1);
	expect_msg(0, 0, false, APIC_ICR_DM_FIXED, 0x4C, true);

	/* Masking after delivery keeps remote IRR; an EOI while masked
	 * clears it without sending; the unmask sends. */
	rte_set(12, MASKED | LEVEL | 0x4C, 0);
	assert_true(rte_lo(12) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_eoi(&io, 0x4C);
	assert_int_equal(sink.n, 1);
	rte_set(12, LEVEL | 0x4C, 0);
	assert_int_equal(sink.n, 2);

	/* Asserted and dropped while masked: nothing on unmask. */
	rte_set(13, MASKED | LEVEL | 0x4D, 0);
	ioapic_set_irq(&io, 13, true);
	ioapic_set_irq(&io, 13, false);
	rte_set(13, LEVEL | 0x4D, 0);
	assert_int_equal(sink.n, 2);
}

static void test_edge_to_level_while_asserted(void **state)
{
	(void)state;
	rte_set(14, 0x4E, 0);
	ioapic_set_irq(&io, 14, true);
	assert_int_equal(sink.n, 1);
	rte_set(14, LEVEL | 0x4E, 0);                      /* re-sampled */
	assert_int_equal(sink.n, 2);
	expect_msg(1, 0, false, APIC_ICR_DM_FIXED, 0x4E, true);
	/* Rewriting the same level entry while remote IRR: nothing. */
	rte_set(14, LEVEL | 0x4E, 0);
	assert_int_equal(sink.n, 2);
}

static void test_switch_to_edge_clears_remote_irr(void **state)
{
	(void)state;
	/* Linux's unstick sequence for IOAPICs without an EOI register. */
	rte_set(15, LEVEL | 0x4F, 0);
	ioapic_set_irq(&io, 15, true);
	assert_true(rte_lo(15) & IOAPIC_RTE_REMOTE_IRR);
	rte_set(15, MASKED | 0x4F, 0);
	assert_false(rte_lo(15) & IOAPIC_RTE_REMOTE_IRR);
	rte_set(15, MASKED | LEVEL | 0x4F, 0);
	assert_int_equal(sink.n, 1);
	rte_set(15, LEVEL | 0x4F, 0);                      /* still high */
	assert_int_equal(sink.n, 2);
}

static void test_delivery_and_destination_modes(void **state)
{
	(void)state;
	static const uint32_t modes[] = {
		APIC_ICR_DM_FIXED, APIC_ICR_DM_LOWPRI, APIC_ICR_DM_SMI,
		APIC_ICR_DM_NMI, APIC_ICR_DM_INIT, APIC_ICR_DM_EXTINT,
	};
	unsigned n = 0;

	for (unsigned i = 0; i < 6; i++) {
		for (unsigned logical = 0; logical < 2; logical++) {
			uint32_t lo = modes[i] | (logical ? IOAPIC_RTE_DESTMOD : 0) |
				      (0x80 + n);
			uint8_t dest = (uint8_t)(0xA0 + n);

			rte_set(2, lo, dest);
			ioapic_set_irq(&io, 2, true);
			ioapic_set_irq(&io, 2, false);
			assert_int_equal(sink.n, n + 1);
			expect_msg(n, dest, logical, modes[i],
				   (uint8_t)(0x80 + n), false);
			n++;
		}
	}
	/* Full 8-bit destinations, broadcast included. */
	rte_set(2, IOAPIC_RTE_DESTMOD | 0x90, 0xFF);
	ioapic_set_irq(&io, 2, true);
	expect_msg(n, 0xFF, true, APIC_ICR_DM_FIXED, 0x90, false);
}

static void test_lowpri_level(void **state)
{
	(void)state;
	rte_set(6, APIC_ICR_DM_LOWPRI | IOAPIC_RTE_DESTMOD | LEVEL | 0x66, 0x0F);
	ioapic_set_irq(&io, 6, true);
	expect_msg(0, 0x0F, true, APIC_ICR_DM_LOWPRI, 0x66, true);
	assert_true(rte_lo(6) & IOAPIC_RTE_REMOTE_IRR);
}

static void test_special_modes_are_edge(void **state)
{
	(void)state;
	/* NMI programmed level-triggered still behaves as edge. */
	rte_set(7, APIC_ICR_DM_NMI | LEVEL, 0);
	ioapic_set_irq(&io, 7, true);
	assert_int_equal(sink.n, 1);
	expect_msg(0, 0, false, APIC_ICR_DM_NMI, 0, false);
	assert_false(rte_lo(7) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_set_irq(&io, 7, true);
	assert_int_equal(sink.n, 1);
	rte_set(7, MASKED | APIC_ICR_DM_NMI | LEVEL, 0);
	rte_set(7, APIC_ICR_DM_NMI | LEVEL, 0);            /* no re-sample */
	assert_int_equal(sink.n, 1);
	ioapic_set_irq(&io, 7, false);
	ioapic_set_irq(&io, 7, true);
	assert_int_equal(sink.n, 2);

	/* ExtINT (8259 through pin 0) likewise. */
	rte_set(0, APIC_ICR_DM_EXTINT | LEVEL, 0);
	ioapic_set_irq(&io, 0, true);
	expect_msg(2, 0, false, APIC_ICR_DM_EXTINT, 0, false);
}

static void test_reserved_modes_send_nothing(void **state)
{
	(void)state;
	rte_set(8, 0x300 | 0x38, 0);
	ioapic_set_irq(&io, 8, true);
	rte_set(18, 0x600 | LEVEL | 0x52, 0);
	ioapic_set_irq(&io, 18, true);
	assert_int_equal(sink.n, 0);
	assert_false(rte_lo(18) & IOAPIC_RTE_REMOTE_IRR);
}

static void test_pins_out_of_range(void **state)
{
	(void)state;
	for (unsigned pin = 0; pin < IOAPIC_NPINS; pin++)
		rte_set(pin, LEVEL | 0x70, 0);
	ioapic_set_irq(&io, IOAPIC_NPINS, true);
	ioapic_set_irq(&io, 32, true);
	ioapic_set_irq(&io, 1000, true);
	ioapic_set_irq(&io, ~0u, true);
	assert_int_equal(sink.n, 0);
	assert_true(ioapic_pin_masked(&io, IOAPIC_NPINS));
	assert_true(ioapic_pin_masked(&io, ~0u));
	assert_false(ioapic_pin_masked(&io, 23));
	ioapic_set_irq(&io, 23, true);
	assert_int_equal(sink.n, 1);
	expect_msg(0, 0, false, APIC_ICR_DM_FIXED, 0x70, true);
}

static void test_no_ops(void **state)
{
	(void)state;
	/* No callback: remote IRR still follows the protocol. */
	ioapic_init(&io, 0, NULL, NULL);
	rte_set(1, LEVEL | 0x41, 0);
	ioapic_set_irq(&io, 1, true);
	assert_true(rte_lo(1) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_eoi(&io, 0x41);
	assert_true(rte_lo(1) & IOAPIC_RTE_REMOTE_IRR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reset_state, setup),
		cmocka_unit_test_setup(test_ioregsel_indexing, setup),
		cmocka_unit_test_setup(test_version_id_arbitration, setup),
		cmocka_unit_test_setup(test_unimplemented_registers, setup),
		cmocka_unit_test_setup(test_ro_and_reserved_bits, setup),
		cmocka_unit_test_setup(test_bad_accesses, setup),
		cmocka_unit_test_setup(test_edge_once_per_edge, setup),
		cmocka_unit_test_setup(test_edge_masked_is_lost, setup),
		cmocka_unit_test_setup(test_level_remote_irr_flow, setup),
		cmocka_unit_test_setup(test_eoi_register, setup),
		cmocka_unit_test_setup(test_eoi_other_vector, setup),
		cmocka_unit_test_setup(test_eoi_shared_vector, setup),
		cmocka_unit_test_setup(test_polarity_active_low, setup),
		cmocka_unit_test_setup(test_polarity_low_line_at_reset, setup),
		cmocka_unit_test_setup(test_unmask_pending_level, setup),
		cmocka_unit_test_setup(test_edge_to_level_while_asserted, setup),
		cmocka_unit_test_setup(test_switch_to_edge_clears_remote_irr, setup),
		cmocka_unit_test_setup(test_delivery_and_destination_modes, setup),
		cmocka_unit_test_setup(test_lowpri_level, setup),
		cmocka_unit_test_setup(test_special_modes_are_edge, setup),
		cmocka_unit_test_setup(test_reserved_modes_send_nothing, setup),
		cmocka_unit_test_setup(test_pins_out_of_range, setup),
		cmocka_unit_test_setup(test_no_ops, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
