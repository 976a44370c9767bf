/* UNIT-DEPS: devices/pci.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "devices/bus.h"
#include "devices/pci.h"
#include "lib/libc.h"

struct rec {
	int resets;
	uint8_t rc_at_reset;
	struct pci *p;
};

static void reset_cb(void *opaque)
{
	struct rec *r = opaque;

	r->resets++;
	r->rc_at_reset = r->p->rc;
}

static const struct pci_ops ops = { .reset = reset_cb };

static void setup(struct pci *p, struct rec *r)
{
	memset(r, 0, sizeof(*r));
	r->p = p;
	pci_init(p, &ops, r);
}

static uint32_t in(struct pci *p, uint16_t port, unsigned size)
{
	uint32_t v = 0x5A5A5A5A;

	assert_int_equal(pci_pio(p, port, size, false, &v), BUS_OK);
	return v;
}

static void out(struct pci *p, uint16_t port, unsigned size, uint32_t v)
{
	assert_int_equal(pci_pio(p, port, size, true, &v), BUS_OK);
}

static uint32_t cf8(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
	return PCI_CONF1_ENABLE | bus << 16 | dev << 11 | fn << 8 | reg;
}

/* Select bus/dev/fn/dword, then access CONFIG_DATA + (reg & 3). */
static uint32_t cfg_in(struct pci *p, unsigned dev, unsigned fn, unsigned reg,
		       unsigned size)
{
	out(p, PCI_CONFIG_ADDRESS, 4, cf8(0, dev, fn, reg & 0xFC));
	return in(p, (uint16_t)(PCI_CONFIG_DATA + (reg & 3)), size);
}

static void cfg_out(struct pci *p, unsigned dev, unsigned fn, unsigned reg,
		    unsigned size, uint32_t v)
{
	out(p, PCI_CONFIG_ADDRESS, 4, cf8(0, dev, fn, reg & 0xFC));
	out(p, (uint16_t)(PCI_CONFIG_DATA + (reg & 3)), size, v);
}

static void test_ids_dword(void **state)
{
	struct pci p;
	struct rec r;

	(void)state;
	setup(&p, &r);
	assert_int_equal(cfg_in(&p, 0, 0, PCI_VENDOR_ID, 4), 0x12378086);
	assert_int_equal(cfg_in(&p, 0, 0, PCI_REVISION_ID, 4), 0x06000002);
	assert_int_equal(cfg_in(&p, 0, 0, PCI_CACHE_LINE_SIZE, 4), 0x00000000);
	assert_int_equal(cfg_in(&p, 1, 0, PCI_VENDOR_ID, 4), 0x70008086);
	assert_int_equal(cfg_in(&p, 1, 0, PCI_REVISION_ID, 4), 0x06010000);
	assert_int_equal(cfg_in(&p, 1, 0, PCI_CACHE_LINE_SIZE, 4), 0x00800000);
	assert_int_equal(cfg_in(&p, 0, 0, PCI_COMMAND, 4), 0x02800006);
	assert_int_equal(cfg_in(&p, 1, 0, PCI_COMMAND, 4), 0x02000007);
}

/* Byte and word accesses at every offset of CONFIG_DATA take bits 1:0
 * from the port, whatever bits 1:0 of CONFIG_ADDRESS say. */
static void test_ids_every_offset(void **state)
{
	static const uint8_t id0[4] = { 0x86, 0x80, 0x37, 0x12 };
	static const uint8_t id1[4] = { 0x86, 0x80, 0x00, 0x70 };
	struct pci p;
	struct rec r;

	(void)state;
	setup(&p, &r);
	for (unsigned off = 0; off < 4; off++) {
		assert_int_equal(cfg_in(&p, 0, 0, off, 1), id0[off]);
		assert_int_equal(cfg_in(&p, 1, 0, off, 1), id1[off]);
	}
	for (unsigned off = 0; off < 3; off++) {
		assert_int_equal(cfg_in(&p, 0, 0, off, 2),
				 id0[off] | id0[off + 1] << 8);
		assert_int_equal(cfg_in(&p, 1, 0, off, 2),
				 id1[off] | id1[off + 1] << 8);
	}
	/* The class code bytes one by one. */
	assert_int_equal(cfg_in(&p, 1, 0, PCI_CLASS_PROG, 1), 0x00);
	assert_int_equal(cfg_in(&p, 1, 0, PCI_CLASS_DEVICE, 1), 0x01);
	assert_int_equal(cfg_in(&p, 1, 0, PCI_CLASS_DEVICE + 1, 1), 0x06);
	assert_int_equal(cfg_in(&p, 1, 0, PCI_HEADER_TYPE, 1), 0x80);
	assert_int_equal(cfg_in(&p, 0, 0, PCI_HEADER_TYPE, 1), 0x00);
	/* CONFIG_ADDRESS bits 1:0 do not shift the window. */
	out(&p, PCI_CONFIG_ADDRESS, 4, cf8(0, 0, 0, 0) | 3);
	assert_int_equal(in(&p, PCI_CONFIG_DATA, 4), 0x12378086);
	assert_int_equal(in(&p, PCI_CONFIG_DATA + 2, 2), 0x1237);
}

static void test_config_address_readback(void **state)
{
	struct pci p;
	struct rec r;

	(void)state;
	setup(&p, &r);
	assert_int_equal(in(&p, PCI_CONFIG_ADDRESS, 4), 0);
	out(&p, PCI_CONFIG_ADDRESS, 4, 0x80000000);
	assert_int_equal(in(&p, PCI_CONFIG_ADDRESS, 4), 0x80000000);
	out(&p, PCI_CONFIG_ADDRESS, 4, cf8(0x12, 0x1F, 7, 0xFC));
	assert_int_equal(in(&p, PCI_CONFIG_ADDRESS, 4), 0x8012FFFC);
	/* Reserved bits 30:24 and bits 1:0 read back as 0. */
	out(&p, PCI_CONFIG_ADDRESS, 4, 0xFFFFFFFF);
	assert_int_equal(in(&p, PCI_CONFIG_ADDRESS, 4), 0x80FFFFFC);
	out(&p, PCI_CONFIG_ADDRESS, 4, 0x7F000003);
	assert_int_equal(in(&p, PCI_CONFIG_ADDRESS, 4), 0);
}

/* Linux's type 1 probe writes a byte to 0xCFB and expects CONFIG_ADDRESS
 * to keep its dword value. */
static void test_byte_word_cf8_do_not_latch(void **state)
{
	struct pci p;
	struct rec r;

	(void)state;
	setup(&p, &r);
	out(&p, PCI_CONFIG_ADDRESS, 4, 0x80000000);
	out(&p, 0xCFB, 1, 0x01);
	out(&p, 0xCF8, 1, 0x44);
	out(&p, 0xCFA, 1, 0x33);
	out(&p, 0xCF8, 2, 0x0011);
	out(&p, 0xCFA, 2, 0x2233);
	assert_int_equal(in(&p, PCI_CONFIG_ADDRESS, 4), 0x80000000);
	assert_int_equal(r.resets, 0);
	/* Those bytes have no register: they float. */
	assert_int_equal(in(&p, 0xCF8, 1), 0xFF);
	assert_int_equal(in(&p, 0xCFA, 1), 0xFF);
	assert_int_equal(in(&p, 0xCFB, 1), 0xFF);
	assert_int_equal(in(&p, 0xCFA, 2), 0xFFFF);
	/* A word at 0xCF8 is 0xCF8 (floating) and 0xCF9 (RC). */
	assert_int_equal(in(&p, 0xCF8, 2), 0x00FF);
	/* The dword window is still the host bridge's IDs. */
	assert_int_equal(in(&p, PCI_CONFIG_DATA, 4), 0x12378086);
}

static void test_absent_all_ones(void **state)
{
	struct pci p;
	struct rec r;

	(void)state;
	setup(&p, &r);
	for (unsigned dev = 2; dev < 32; dev++)
		assert_int_equal(cfg_in(&p, dev, 0, 0, 4), 0xFFFFFFFF);
	/* Functions 1-7 of the multi-function PIIX3 and of the host bridge. */
	for (unsigned fn = 1; fn < 8; fn++) {
		assert_int_equal(cfg_in(&p, 1, fn, 0, 2), 0xFFFF);
		assert_int_equal(cfg_in(&p, 0, fn, 0, 4), 0xFFFFFFFF);
	}
	/* Other buses, including device 0 there. */
	out(&p, PCI_CONFIG_ADDRESS, 4, cf8(1, 0, 0, 0));
	assert_int_equal(in(&p, PCI_CONFIG_DATA, 4), 0xFFFFFFFF);
	assert_int_equal(in(&p, PCI_CONFIG_DATA + 1, 1), 0xFF);
	assert_int_equal(in(&p, PCI_CONFIG_DATA + 2, 2), 0xFFFF);
	out(&p, PCI_CONFIG_ADDRESS, 4, cf8(255, 1, 0, 0));
	assert_int_equal(in(&p, PCI_CONFIG_DATA, 4), 0xFFFFFFFF);
	/* Writes there change nothing on bus 0. */
	out(&p, PCI_CONFIG_ADDRESS, 4, cf8(1, 0, 0, PCI_INTERRUPT_LINE));
	out(&p, PCI_CONFIG_DATA, 1, 0x0B);
	assert_int_equal(cfg_in(&p, 0, 0, PCI_INTERRUPT_LINE, 1), 0x00);
	cfg_out(&p, 1, 1, PCI_INTERRUPT_LINE, 1, 0x0B);
	assert_int_equal(cfg_in(&p, 1, 0, PCI_INTERRUPT_LINE, 1), 0x00);
	assert_int_equal(cfg_in(&p, 1, 1, PCI_INTERRUPT_LINE, 1), 0xFF);
}

static void test_enable_clear(void **state)
{
	struct pci p;
	struct rec r;

	(void)state;
	setup(&p, &r);
	out(&p, PCI_CONFIG_ADDRESS, 4, cf8(0, 0, 0, PCI_INTERRUPT_LINE) &
					~PCI_CONF1_ENABLE);
	assert_int_equal(in(&p, PCI_CONFIG_DATA, 4), 0xFFFFFFFF);
	assert_int_equal(in(&p, PCI_CONFIG_DATA, 1), 0xFF);
	assert_int_equal(in(&p, PCI_CONFIG_DATA + 2, 2), 0xFFFF);
	out(&p, PCI_CONFIG_DATA, 1, 0x0B);
	assert_int_equal(cfg_in(&p, 0, 0, PCI_INTERRUPT_LINE, 1), 0x00);
	/* Nothing at all after power-on: CONFIG_ADDRESS is 0. */
	setup(&p, &r);
	assert_int_equal(in(&p, PCI_CONFIG_DATA, 4), 0xFFFFFFFF);
}

static void test_read_only_fields(void **state)
{
	struct pci p;
	struct rec r;
	static const unsigned ro[] = {
		PCI_VENDOR_ID, PCI_REVISION_ID, PCI_SUBSYSTEM_VENDOR_ID,
		0x30, 0x34, 0x38, 0x40, 0x50, 0x64, 0x70, 0xFC,
	};

	(void)state;
	setup(&p, &r);
	for (unsigned dev = 0; dev < 2; dev++) {
		uint32_t before[ARRAY_SIZE(ro)];

		for (unsigned i = 0; i < ARRAY_SIZE(ro); i++) {
			before[i] = cfg_in(&p, dev, 0, ro[i], 4);
			cfg_out(&p, dev, 0, ro[i], 4, 0xFFFFFFFF);
			cfg_out(&p, dev, 0, ro[i], 4, 0);
		}
		for (unsigned i = 0; i < ARRAY_SIZE(ro); i++)
			assert_int_equal(cfg_in(&p, dev, 0, ro[i], 4), before[i]);
		/* BARs: absent, so sizing finds nothing (reads 0 after
		 * all-ones is written). */
		for (unsigned bar = PCI_BASE_ADDRESS_0; bar < 0x28; bar += 4) {
			cfg_out(&p, dev, 0, bar, 4, 0xFFFFFFFF);
			assert_int_equal(cfg_in(&p, dev, 0, bar, 4), 0);
		}
		/* Interrupt line writable, pin 0 and read-only. */
		cfg_out(&p, dev, 0, PCI_INTERRUPT_LINE, 4, 0xFFFFFF0B);
		assert_int_equal(cfg_in(&p, dev, 0, PCI_INTERRUPT_LINE, 4),
				 0x0000000B);
		/* IDs by bytes and words too. */
		cfg_out(&p, dev, 0, PCI_DEVICE_ID + 1, 1, 0x00);
		cfg_out(&p, dev, 0, PCI_HEADER_TYPE, 2, 0x0000);
		assert_int_equal(cfg_in(&p, dev, 0, PCI_DEVICE_ID, 2),
				 dev ? PIIX3_DEVICE_ID : I440FX_DEVICE_ID);
		assert_int_equal(cfg_in(&p, dev, 0, PCI_HEADER_TYPE, 1),
				 dev ? 0x80 : 0x00);
	}
	/* The host bridge's latency timer keeps bits 7:3. */
	cfg_out(&p, 0, 0, PCI_LATENCY_TIMER, 1, 0xFF);
	assert_int_equal(cfg_in(&p, 0, 0, PCI_LATENCY_TIMER, 1), 0xF8);
	assert_int_equal(cfg_in(&p, 1, 0, PCI_LATENCY_TIMER, 1), 0x00);
}

static void test_status_write_one_to_clear(void **state)
{
	struct pci p;
	struct rec r;

	(void)state;
	setup(&p, &r);
	/* Latch every error bit, as if the chip had seen the errors. */
	p.fn[0].cfg[PCI_STATUS + 1] |= 0xF9;
	p.fn[1].cfg[PCI_STATUS + 1] |= 0x78;
	assert_int_equal(cfg_in(&p, 0, 0, PCI_STATUS, 2), 0xFB80);
	assert_int_equal(cfg_in(&p, 1, 0, PCI_STATUS, 2), 0x7A00);
	/* Writing 0 clears nothing. */
	cfg_out(&p, 0, 0, PCI_STATUS, 2, 0x0000);
	assert_int_equal(cfg_in(&p, 0, 0, PCI_STATUS, 2), 0xFB80);
	/* A 1 clears that bit only; DEVSEL and fast back-to-back stay. */
	cfg_out(&p, 0, 0, PCI_STATUS, 2, PCI_STATUS_REC_MASTER_ABORT);
	assert_int_equal(cfg_in(&p, 0, 0, PCI_STATUS, 2), 0xDB80);
	cfg_out(&p, 0, 0, PCI_STATUS + 1, 1, 0xFF);
	assert_int_equal(cfg_in(&p, 0, 0, PCI_STATUS, 2), 0x0280);
	cfg_out(&p, 1, 0, PCI_STATUS, 2, 0xFFFF);
	assert_int_equal(cfg_in(&p, 1, 0, PCI_STATUS, 2), 0x0200);
	/* A dword write to command+status: a guest rewriting the command
	 * register with the status it read back clears what it saw. */
	p.fn[0].cfg[PCI_STATUS + 1] |= 0x20;
	cfg_out(&p, 0, 0, PCI_COMMAND, 4, cfg_in(&p, 0, 0, PCI_COMMAND, 4));
	assert_int_equal(cfg_in(&p, 0, 0, PCI_COMMAND, 4), 0x02800006);
}

static void test_command_register(void **state)
{
	struct pci p;
	struct rec r;

	(void)state;
	setup(&p, &r);
	/* 82441FX: MAE/BME hardwired on, PERR/SERR enables writable. */
	cfg_out(&p, 0, 0, PCI_COMMAND, 2, 0xFFFF);
	assert_int_equal(cfg_in(&p, 0, 0, PCI_COMMAND, 2), 0x0146);
	cfg_out(&p, 0, 0, PCI_COMMAND, 1, 0x00);
	assert_int_equal(cfg_in(&p, 0, 0, PCI_COMMAND, 2), 0x0106);
	cfg_out(&p, 0, 0, PCI_COMMAND + 1, 1, 0x00);
	assert_int_equal(cfg_in(&p, 0, 0, PCI_COMMAND, 2), 0x0006);
	/* PIIX3: IOSE/MSE/BME on, special cycles and SERR writable. */
	cfg_out(&p, 1, 0, PCI_COMMAND, 2, 0xFFFF);
	assert_int_equal(cfg_in(&p, 1, 0, PCI_COMMAND, 2), 0x010F);
	cfg_out(&p, 1, 0, PCI_COMMAND, 2, 0x0000);
	assert_int_equal(cfg_in(&p, 1, 0, PCI_COMMAND, 2), 0x0007);
	/* A word write to command does not touch status. */
	assert_int_equal(cfg_in(&p, 1, 0, PCI_STATUS, 2), 0x0200);
}

static void test_chipset_registers(void **state)
{
	struct pci p;
	struct rec r;

	(void)state;
	setup(&p, &r);
	/* PIRQRC[A:D]: reset 80h, bits 6:4 reserved. */
	assert_int_equal(cfg_in(&p, 1, 0, PIIX3_PIRQRC, 4), 0x80808080);
	cfg_out(&p, 1, 0, PIIX3_PIRQRC, 4, 0x0B0A0905);
	assert_int_equal(cfg_in(&p, 1, 0, PIIX3_PIRQRC, 4), 0x0B0A0905);
	cfg_out(&p, 1, 0, PIIX3_PIRQRC + 2, 1, 0xFF);
	assert_int_equal(pci_cfg_read(&p, 0, 1, 0, PIIX3_PIRQRC + 2, 1), 0x8F);
	/* PAM0 keeps its high half, PAM1-6 both halves' RE/WE. */
	for (unsigned reg = I440FX_PAM0; reg <= I440FX_PAM6; reg++) {
		assert_int_equal(cfg_in(&p, 0, 0, reg, 1), 0);
		cfg_out(&p, 0, 0, reg, 1, 0xFF);
		assert_int_equal(cfg_in(&p, 0, 0, reg, 1),
				 reg == I440FX_PAM0 ? 0x30 : 0x33);
	}
	/* A dword write over 0x5C-0x5F at once. */
	cfg_out(&p, 0, 0, 0x5C, 4, 0x11223311);
	assert_int_equal(cfg_in(&p, 0, 0, 0x5C, 4), 0x11223311 & 0x33333333);
	/* The same registers on the other chip are not there. */
	cfg_out(&p, 1, 0, I440FX_PAM0, 1, 0xFF);
	assert_int_equal(cfg_in(&p, 1, 0, I440FX_PAM0, 1), 0);
	cfg_out(&p, 0, 0, PIIX3_PIRQRC, 1, 0x05);
	assert_int_equal(cfg_in(&p, 0, 0, PIIX3_PIRQRC, 1), 0);
}

static void test_reset_control(void **state)
{
	struct pci p;
	struct rec r;

	(void)state;
	setup(&p, &r);
	assert_int_equal(in(&p, PCI_RESET_CONTROL, 1), 0x00);
	/* SYS_RST alone arms a hard reset without starting it. */
	out(&p, PCI_RESET_CONTROL, 1, PCI_RC_SYS_RST);
	assert_int_equal(r.resets, 0);
	assert_int_equal(in(&p, PCI_RESET_CONTROL, 1), 0x02);
	/* Then RST_CPU: reset, hard. */
	out(&p, PCI_RESET_CONTROL, 1, PCI_RC_SYS_RST | PCI_RC_RST_CPU);
	assert_int_equal(r.resets, 1);
	assert_int_equal(r.rc_at_reset, 0x06);
	assert_int_equal(in(&p, PCI_RESET_CONTROL, 1), 0x06);
	/* Soft reset. */
	out(&p, PCI_RESET_CONTROL, 1, PCI_RC_RST_CPU);
	assert_int_equal(r.resets, 2);
	assert_int_equal(r.rc_at_reset, 0x04);
	/* Only bits 3:1 are kept. */
	out(&p, PCI_RESET_CONTROL, 1, 0xF9);
	assert_int_equal(r.resets, 2);
	assert_int_equal(in(&p, PCI_RESET_CONTROL, 1), 0x08);
	/* Word write at 0xCF8 reaches 0xCF9 through its high byte. */
	out(&p, PCI_CONFIG_ADDRESS, 4, 0x80000000);
	out(&p, 0xCF8, 2, 0x0600);
	assert_int_equal(r.resets, 3);
	assert_int_equal(in(&p, PCI_CONFIG_ADDRESS, 4), 0x80000000);
	/* A dword write to 0xCF8 is CONFIG_ADDRESS, never a reset. */
	out(&p, PCI_CONFIG_ADDRESS, 4, 0x00000600);
	assert_int_equal(r.resets, 3);
	/* No callback: nothing breaks. */
	pci_init(&p, NULL, NULL);
	out(&p, PCI_RESET_CONTROL, 1, 0x06);
	assert_int_equal(in(&p, PCI_RESET_CONTROL, 1), 0x06);
}

static void test_odd_accesses(void **state)
{
	struct pci p;
	struct rec r;
	uint32_t v = 0;

	(void)state;
	setup(&p, &r);
	out(&p, PCI_CONFIG_ADDRESS, 4, cf8(0, 1, 0, 0));
	/* Dword at 0xCFE: two config bytes (reg 2, 3), then past the end. */
	assert_int_equal(in(&p, 0xCFE, 4), 0xFFFF7000);
	/* Dword at 0xCFA: two floating bytes, then reg 0 and 1. */
	assert_int_equal(in(&p, 0xCFA, 4), 0x8086FFFF);
	/* Word at 0xCFF: reg 3, then past the end. */
	assert_int_equal(in(&p, 0xCFF, 2), 0xFF70);
	/* Sizes other than 1, 2, 4. */
	assert_int_equal(pci_pio(&p, PCI_CONFIG_DATA, 3, false, &v), BUS_ERROR);
	assert_int_equal(v, 0xFFFFFFFF);
	v = 0x12345678;
	assert_int_equal(pci_pio(&p, PCI_CONFIG_ADDRESS, 8, true, &v), BUS_ERROR);
	assert_int_equal(in(&p, PCI_CONFIG_ADDRESS, 4), cf8(0, 1, 0, 0));
	/* Direct access with bad arguments. */
	assert_int_equal(pci_cfg_read(&p, 0, 0, 0, 254, 4), 0xFFFFFFFF);
	assert_int_equal(pci_cfg_read(&p, 0, 0, 0, 0, 3), 0xFFFFFF);
	pci_cfg_write(&p, 0, 0, 0, 0x3C, 8, 0xFF);
	assert_int_equal(pci_cfg_read(&p, 0, 0, 0, 0x3C, 1), 0);
	assert_int_equal(pci_cfg_read(&p, 0, 0, 0, 0xFC, 4), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids_dword),
		cmocka_unit_test(test_ids_every_offset),
		cmocka_unit_test(test_config_address_readback),
		cmocka_unit_test(test_byte_word_cf8_do_not_latch),
		cmocka_unit_test(test_absent_all_ones),
		cmocka_unit_test(test_enable_clear),
		cmocka_unit_test(test_read_only_fields),
		cmocka_unit_test(test_status_write_one_to_clear),
		cmocka_unit_test(test_command_register),
		cmocka_unit_test(test_chipset_registers),
		cmocka_unit_test(test_reset_control),
		cmocka_unit_test(test_odd_accesses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
