/* UNIT-DEPS: devices/pic8259.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "devices/bus.h"
#include "devices/pic8259.h"
#include "lib/libc.h"

#define M_CMD  PIC_MASTER_CMD
#define M_DATA PIC_MASTER_DATA
#define S_CMD  PIC_SLAVE_CMD
#define S_DATA PIC_SLAVE_DATA

/* OCW2 and OCW3 commands as guests write them. */
#define NS_EOI        0x20
#define S_EOI(l)      (0x60 | (l))
#define ROT_NS_EOI    0xA0
#define ROT_S_EOI(l)  (0xE0 | (l))
#define SET_PRIO(l)   (0xC0 | (l))
#define ROT_AEOI_SET  0x80
#define ROT_AEOI_CLR  0x00
#define OCW2_NOP      0x40
#define READ_IRR      0x0A
#define READ_ISR      0x0B
#define POLL          0x0C
#define SMM_SET       0x68
#define SMM_RESET     0x48

struct obs {
	bool intr;              /* INT as reported by the callback */
	unsigned intr_calls;
	unsigned eoi[32];
	unsigned neoi;
};

static struct pic8259 pic;
static struct obs obs;

static void intr_changed(void *opaque, bool level)
{
	struct obs *o = opaque;

	/* Only real changes are reported. */
	assert_true(level != o->intr);
	o->intr = level;
	o->intr_calls++;
}

static void eoi_cb(void *opaque, unsigned irq)
{
	struct obs *o = opaque;

	if (o->neoi < ARRAY_SIZE(o->eoi))
		o->eoi[o->neoi++] = irq;
}

static const struct pic8259_ops ops = {
	.intr_changed = intr_changed,
	.eoi = eoi_cb,
};

static uint8_t inb(uint16_t port)
{
	uint32_t v = 0x12345678;

	assert_int_equal(pic8259_pio(&pic, port, 1, false, &v), BUS_OK);
	assert_true(v <= 0xFF);
	return (uint8_t)v;
}

static void outb(uint16_t port, uint8_t val)
{
	uint32_t v = val;

	assert_int_equal(pic8259_pio(&pic, port, 1, true, &v), BUS_OK);
}

static void raise(unsigned irq)
{
	pic8259_set_irq(&pic, irq, true);
}

static void lower(unsigned irq)
{
	pic8259_set_irq(&pic, irq, false);
}

/* An ISA edge source: one pulse. */
static void pulse(unsigned irq)
{
	raise(irq);
	lower(irq);
}

static uint8_t read_isr(uint16_t cmd)
{
	outb(cmd, READ_ISR);
	uint8_t v = inb(cmd);
	outb(cmd, READ_IRR);
	return v;
}

static uint8_t read_irr(uint16_t cmd)
{
	outb(cmd, READ_IRR);
	return inb(cmd);
}

/* Linux init_8259A / FreeBSD atpic: ICW1 0x11 (edge, cascade, ICW4),
 * ICW2 0x20/0x28, ICW3 0x04 (slave on IR2) / 0x02 (ID 2), ICW4 8086. */
static void init_master(uint8_t icw4)
{
	outb(M_CMD, 0x11);
	outb(M_DATA, 0x20);
	outb(M_DATA, 0x04);
	outb(M_DATA, icw4);
}

static void init_slave(uint8_t icw4)
{
	outb(S_CMD, 0x11);
	outb(S_DATA, 0x28);
	outb(S_DATA, 0x02);
	outb(S_DATA, icw4);
}

static void init_both(void)
{
	init_master(0x01);
	init_slave(0x01);
}

static int setup(void **state)
{
	(void)state;
	memset(&obs, 0, sizeof(obs));
	pic8259_init(&pic, &ops, &obs);
	return 0;
}

static int setup_init(void **state)
{
	setup(state);
	init_both();
	return 0;
}

static void expect_ack(int vector)
{
	assert_true(pic8259_intr(&pic));
	assert_true(obs.intr);
	assert_int_equal(pic8259_ack(&pic), vector);
}

static void expect_idle(void)
{
	assert_false(pic8259_intr(&pic));
	assert_false(obs.intr);
}

/* ---- power-up and initialization ---- */

static void test_power_up(void **state)
{
	(void)state;
	assert_int_equal(inb(M_DATA), 0xFF);
	assert_int_equal(inb(S_DATA), 0xFF);
	assert_int_equal(inb(M_CMD), 0);
	assert_int_equal(inb(PIC_ELCR1), 0);
	assert_int_equal(inb(PIC_ELCR2), 0);
	/* Uninitialized chips never interrupt, and INTA has no vector. */
	outb(M_DATA, 0x00);
	pulse(1);
	expect_idle();
	assert_int_equal(pic8259_ack(&pic), -1);
	assert_int_equal(obs.intr_calls, 0);
}

static void test_null_ops(void **state)
{
	(void)state;
	pic8259_init(&pic, NULL, NULL);
	init_both();
	pulse(9);
	assert_true(pic8259_intr(&pic));
	assert_int_equal(pic8259_ack(&pic), 0x29);
	outb(S_CMD, NS_EOI);
	outb(M_CMD, NS_EOI);
	assert_false(pic8259_intr(&pic));
}

static void test_linux_init(void **state)
{
	(void)state;
	init_both();
	/* ICW1 cleared the IMRs; status read is IRR. */
	assert_int_equal(inb(M_DATA), 0);
	assert_int_equal(inb(S_DATA), 0);
	expect_idle();
	pulse(0);
	assert_int_equal(obs.intr_calls, 1);
	expect_ack(0x20);
	expect_idle();
	assert_int_equal(read_isr(M_CMD), 0x01);
	assert_int_equal(read_irr(M_CMD), 0x00);
	outb(M_CMD, NS_EOI);
	assert_int_equal(read_isr(M_CMD), 0);
	assert_int_equal(obs.neoi, 1);
	assert_int_equal(obs.eoi[0], 0);
	/* Linux then masks everything but the cascade. */
	outb(M_DATA, 0xFB);
	outb(S_DATA, 0xFF);
	assert_int_equal(inb(M_DATA), 0xFB);
	assert_int_equal(inb(S_DATA), 0xFF);
}

static void test_icw2_low_bits_ignored(void **state)
{
	(void)state;
	outb(M_CMD, 0x11);
	outb(M_DATA, 0x77);     /* T2-T0 are the level in 8086 mode */
	outb(M_DATA, 0x04);
	outb(M_DATA, 0x01);
	pulse(3);
	expect_ack(0x73);
}

static void test_single_no_icw4(void **state)
{
	(void)state;
	/* SNGL, no IC4: only ICW2; the next odd write is OCW1. */
	outb(M_CMD, 0x12);
	outb(M_DATA, 0x40);
	outb(M_DATA, 0xFE);
	assert_int_equal(inb(M_DATA), 0xFE);
	pulse(1);
	expect_idle();
	pulse(0);
	expect_ack(0x40);
	outb(M_CMD, NS_EOI);
	outb(M_DATA, 0x00);
	assert_int_equal(pic8259_ack(&pic), 0x41);
	outb(M_CMD, NS_EOI);
	expect_idle();
	/* Single mode: the slave's INT still drives IR2, but the master
	 * supplies its own vector and the slave sees no INTA. */
	init_slave(0x01);
	pulse(9);
	expect_ack(0x42);
	assert_int_equal(read_isr(M_CMD), 0x04);
	assert_int_equal(read_isr(S_CMD), 0);
	assert_int_equal(read_irr(S_CMD), 0x02);
}

static void test_cascade_no_icw4(void **state)
{
	(void)state;
	/* Cascade, no IC4: ICW2, ICW3, then OCW1; ICW4 functions zero. */
	outb(M_CMD, 0x10);
	outb(M_DATA, 0x20);
	outb(M_DATA, 0x04);
	outb(M_DATA, 0x55);
	assert_int_equal(inb(M_DATA), 0x55);
	pulse(1);
	expect_ack(0x21);
	assert_int_equal(read_isr(M_CMD), 0x02);  /* no auto-EOI */
}

static void test_single_with_icw4(void **state)
{
	(void)state;
	/* SNGL + IC4: ICW2 then ICW4 (no ICW3). */
	outb(M_CMD, 0x13);
	outb(M_DATA, 0x30);
	outb(M_DATA, 0x03);             /* ICW4: AEOI */
	outb(M_DATA, 0xF0);             /* OCW1 */
	assert_int_equal(inb(M_DATA), 0xF0);
	pulse(3);
	expect_ack(0x33);
	assert_int_equal(read_isr(M_CMD), 0);
}

static void test_icw_interrupted_by_ocw(void **state)
{
	(void)state;
	init_both();
	pulse(4);
	expect_ack(0x24);
	outb(M_DATA, 0x81);
	/* Re-init; OCW3 and OCW2 on the even port act, the odd-port writes
	 * stay ICWs. */
	outb(M_CMD, 0x11);
	assert_int_equal(inb(M_DATA), 0);       /* ICW1 cleared the IMR */
	outb(M_CMD, READ_ISR);                  /* OCW3 mid-sequence */
	assert_int_equal(inb(M_CMD), 0x10);     /* ISR kept by ICW1 */
	outb(M_DATA, 0x50);                     /* ICW2 */
	outb(M_CMD, S_EOI(4));                  /* OCW2 mid-sequence */
	assert_int_equal(inb(M_CMD), 0x00);
	assert_int_equal(obs.neoi, 1);
	assert_int_equal(obs.eoi[0], 4);
	outb(M_DATA, 0x04);                     /* ICW3, not OCW1 */
	assert_int_equal(inb(M_DATA), 0);
	outb(M_DATA, 0x01);                     /* ICW4 */
	outb(M_DATA, 0xFD);                     /* now OCW1 */
	assert_int_equal(inb(M_DATA), 0xFD);
	outb(M_CMD, READ_IRR);
	pulse(0);
	expect_idle();                          /* IR0 masked */
	pulse(1);
	expect_ack(0x51);
}

static void test_icw1_restarts(void **state)
{
	(void)state;
	init_both();
	outb(M_CMD, 0x11);
	outb(M_DATA, 0x40);
	/* Half-way: a new ICW1 starts over. */
	outb(M_CMD, 0x11);
	outb(M_DATA, 0x60);
	outb(M_DATA, 0x04);
	pulse(1);
	expect_idle();          /* no INT while initializing */
	outb(M_DATA, 0x01);
	expect_ack(0x61);       /* the request latched during init */
}

static void test_no_int_during_reinit(void **state)
{
	(void)state;
	init_both();
	pulse(5);
	assert_true(obs.intr);
	outb(M_CMD, 0x11);      /* drops INT and the edge latch */
	expect_idle();
	assert_int_equal(pic8259_ack(&pic), 0x27);  /* spurious, old base */
	outb(M_DATA, 0x20);
	outb(M_DATA, 0x04);
	outb(M_DATA, 0x01);
	expect_idle();
}

static void test_icw1_resets_edge_sense(void **state)
{
	(void)state;
	raise(3);               /* line high before initialization */
	init_both();
	expect_idle();          /* it must rise again */
	lower(3);
	raise(3);
	expect_ack(0x23);
}

/* ---- masking, priority, nesting, EOI ---- */

static void test_mask(void **state)
{
	(void)state;
	outb(M_DATA, 0x08);
	pulse(3);
	expect_idle();
	assert_int_equal(read_irr(M_CMD), 0x08);        /* still latched */
	outb(M_DATA, 0x00);
	expect_ack(0x23);
	/* Masking the cascade hides the whole slave. */
	outb(M_CMD, NS_EOI);
	outb(M_DATA, 0x04);
	pulse(14);
	expect_idle();
	outb(M_DATA, 0x00);
	expect_ack(0x2E);
}

static void test_priority_and_nesting(void **state)
{
	(void)state;
	pulse(5);
	pulse(3);
	expect_ack(0x23);       /* IR3 outranks IR5 */
	expect_idle();          /* IR5 waits behind IR3 in service */
	pulse(1);
	expect_ack(0x21);       /* a higher level nests */
	assert_int_equal(read_isr(M_CMD), 0x0A);
	pulse(4);
	expect_idle();
	outb(M_CMD, NS_EOI);    /* ends IR1, the highest in service */
	assert_int_equal(read_isr(M_CMD), 0x08);
	expect_idle();
	outb(M_CMD, NS_EOI);    /* ends IR3 */
	expect_ack(0x24);
	outb(M_CMD, NS_EOI);
	expect_ack(0x25);
	outb(M_CMD, NS_EOI);
	expect_idle();
	assert_int_equal(obs.neoi, 4);
	assert_int_equal(obs.eoi[0], 1);
	assert_int_equal(obs.eoi[1], 3);
	assert_int_equal(obs.eoi[2], 4);
	assert_int_equal(obs.eoi[3], 5);
}

static void test_same_level_blocked(void **state)
{
	(void)state;
	pulse(4);
	expect_ack(0x24);
	pulse(4);               /* latched again while in service */
	expect_idle();
	outb(M_CMD, NS_EOI);
	expect_ack(0x24);
}

static void test_specific_eoi(void **state)
{
	(void)state;
	pulse(6);
	expect_ack(0x26);
	pulse(3);
	expect_ack(0x23);
	/* End the lower-priority one first, by name. */
	outb(M_CMD, S_EOI(6));
	assert_int_equal(read_isr(M_CMD), 0x08);
	assert_int_equal(obs.eoi[0], 6);
	/* A specific EOI for a level not in service changes nothing. */
	outb(M_CMD, S_EOI(5));
	assert_int_equal(read_isr(M_CMD), 0x08);
	assert_int_equal(obs.neoi, 1);
	outb(M_CMD, S_EOI(3));
	assert_int_equal(read_isr(M_CMD), 0);
	/* Non-specific EOI with nothing in service, and a no-op OCW2. */
	outb(M_CMD, NS_EOI);
	outb(M_CMD, OCW2_NOP);
	assert_int_equal(obs.neoi, 2);
}

/* ---- rotation ---- */

static void test_rotate_on_ns_eoi(void **state)
{
	(void)state;
	pulse(0);
	expect_ack(0x20);
	outb(M_CMD, ROT_NS_EOI);        /* IR0 becomes lowest, IR1 highest */
	pulse(0);
	pulse(5);
	pulse(1);
	expect_ack(0x21);
	outb(M_CMD, ROT_NS_EOI);        /* IR1 lowest, IR2 highest */
	expect_ack(0x25);
	outb(M_CMD, ROT_NS_EOI);        /* IR5 lowest: IR6,7,0 ... */
	expect_ack(0x20);
	outb(M_CMD, NS_EOI);
	expect_idle();
}

static void test_rotate_on_specific_eoi(void **state)
{
	(void)state;
	pulse(4);
	expect_ack(0x24);
	outb(M_CMD, ROT_S_EOI(4));      /* IR5 now highest */
	assert_int_equal(read_isr(M_CMD), 0);
	pulse(3);
	pulse(6);
	expect_ack(0x26);
	/* IR3 ranks below IR6 in service: held off. */
	expect_idle();
	outb(M_CMD, NS_EOI);
	expect_ack(0x23);
}

static void test_set_priority(void **state)
{
	(void)state;
	outb(M_CMD, SET_PRIO(3));       /* IR3 lowest, IR4 highest */
	pulse(0);
	pulse(3);
	pulse(7);
	expect_ack(0x27);
	/* IR0 ranks below IR7 now: not nested. */
	expect_idle();
	/* Non-specific EOI ends the highest-ranked in-service level. */
	outb(M_CMD, NS_EOI);
	expect_ack(0x20);
	outb(M_CMD, NS_EOI);
	expect_ack(0x23);
	outb(M_CMD, NS_EOI);
	expect_idle();
	/* ICW1 puts IR7 back to lowest. */
	outb(M_CMD, SET_PRIO(3));
	init_master(0x01);
	pulse(7);
	pulse(0);
	expect_ack(0x20);
}

static void test_rotate_in_aeoi(void **state)
{
	(void)state;
	init_master(0x03);              /* AEOI */
	outb(M_CMD, ROT_AEOI_SET);
	pulse(0);
	expect_ack(0x20);               /* IR0 now lowest */
	pulse(0);
	pulse(4);
	expect_ack(0x24);               /* IR4 now lowest */
	pulse(3);
	expect_ack(0x20);               /* IR0 outranks IR3 now */
	expect_ack(0x23);               /* IR3 now lowest */
	assert_int_equal(read_isr(M_CMD), 0);
	/* Clear: the priorities stop moving (IR4 highest from here). */
	outb(M_CMD, ROT_AEOI_CLR);
	pulse(5);
	expect_ack(0x25);
	pulse(1);
	pulse(4);
	expect_ack(0x24);
	expect_ack(0x21);
}

/* ---- auto-EOI ---- */

static void test_auto_eoi(void **state)
{
	(void)state;
	init_master(0x03);
	pulse(3);
	expect_ack(0x23);
	assert_int_equal(read_isr(M_CMD), 0);
	assert_int_equal(obs.neoi, 1);
	assert_int_equal(obs.eoi[0], 3);
	/* Nothing in service: a lower level goes through at once. */
	pulse(3);
	pulse(6);
	expect_ack(0x23);
	expect_ack(0x26);
	expect_idle();
}

static void test_auto_eoi_master_cascade(void **state)
{
	(void)state;
	/* Master AEOI, slave normal (Linux's auto_eoi mode). */
	init_master(0x03);
	pulse(11);
	expect_ack(0x2B);
	assert_int_equal(read_isr(M_CMD), 0);
	assert_int_equal(read_isr(S_CMD), 0x08);
	assert_int_equal(obs.neoi, 0);  /* cascade and slave: no EOI yet */
	outb(S_CMD, NS_EOI);
	assert_int_equal(obs.neoi, 1);
	assert_int_equal(obs.eoi[0], 11);
}

static void test_auto_eoi_slave_keeps_cascade(void **state)
{
	(void)state;
	init_master(0x03);
	init_slave(0x03);
	pulse(9);
	pulse(13);
	/* The slave still requests after the first INTA: a new edge on IR2
	 * carries the second one. */
	expect_ack(0x29);
	expect_ack(0x2D);
	expect_idle();
	assert_int_equal(obs.neoi, 2);
	assert_int_equal(obs.eoi[0], 9);
	assert_int_equal(obs.eoi[1], 13);
}

/* ---- cascade ---- */

static void test_cascade_ack(void **state)
{
	(void)state;
	pulse(12);
	assert_int_equal(read_irr(S_CMD), 0x10);
	assert_int_equal(read_irr(M_CMD), 0x04);
	expect_ack(0x2C);
	expect_idle();
	assert_int_equal(read_isr(S_CMD), 0x10);
	assert_int_equal(read_isr(M_CMD), 0x04);
	assert_int_equal(read_irr(S_CMD), 0);
	assert_int_equal(read_irr(M_CMD), 0);
	/* Linux: EOI the slave, then the master. */
	outb(S_CMD, NS_EOI);
	outb(M_CMD, S_EOI(2));
	assert_int_equal(read_isr(S_CMD), 0);
	assert_int_equal(read_isr(M_CMD), 0);
	/* The cascade's EOI is not an IRQ 2 EOI. */
	assert_int_equal(obs.neoi, 1);
	assert_int_equal(obs.eoi[0], 12);
}

static void test_cascade_priority(void **state)
{
	(void)state;
	/* All slave levels rank as master IR2: between IR1 and IR3. */
	pulse(3);
	pulse(15);
	pulse(1);
	expect_ack(0x21);
	outb(M_CMD, NS_EOI);
	expect_ack(0x2F);       /* a real IRQ15 */
	assert_int_equal(read_isr(S_CMD), 0x80);
	expect_idle();          /* IR3 waits for the cascade's EOI */
	outb(S_CMD, NS_EOI);
	outb(M_CMD, NS_EOI);
	expect_ack(0x23);
}

static void test_cascade_second_slave_irq(void **state)
{
	(void)state;
	pulse(10);
	expect_ack(0x2A);
	pulse(8);               /* higher on the slave: INT to IR2 again */
	assert_int_equal(read_irr(M_CMD), 0x04);
	expect_idle();          /* but master IR2 is in service */
	outb(S_CMD, NS_EOI);
	expect_idle();
	outb(M_CMD, NS_EOI);
	expect_ack(0x28);
	/* A lower slave level after both EOIs: EOI the master first this
	 * time; the slave's EOI lets its INT rise again. */
	pulse(14);
	pulse(13);
	outb(M_CMD, NS_EOI);
	expect_idle();
	outb(S_CMD, NS_EOI);
	expect_ack(0x2D);
	outb(S_CMD, NS_EOI);
	outb(M_CMD, NS_EOI);
	expect_ack(0x2E);
}

static void test_special_fully_nested(void **state)
{
	(void)state;
	init_master(0x11);      /* SFNM */
	pulse(12);
	expect_ack(0x2C);
	pulse(9);               /* higher slave level nests through IR2 */
	expect_ack(0x29);
	assert_int_equal(read_isr(S_CMD), 0x12);
	pulse(13);              /* lower than 12 on the slave: waits */
	expect_idle();
	/* Software checks the slave's ISR before the master's EOI. */
	outb(S_CMD, NS_EOI);
	assert_int_equal(read_isr(S_CMD), 0x10);
	outb(S_CMD, NS_EOI);
	expect_ack(0x2D);
	/* SFNM does not let a lower master level past IR2 in service. */
	pulse(5);
	assert_int_equal(read_irr(M_CMD), 0x20);
	outb(S_CMD, NS_EOI);
	assert_int_equal(read_isr(M_CMD), 0x04);
	expect_idle();
	outb(M_CMD, NS_EOI);
	expect_ack(0x25);
}

static void test_no_sfnm_blocks_slave(void **state)
{
	(void)state;
	pulse(12);
	expect_ack(0x2C);
	pulse(9);
	expect_idle();
}

static void test_uninitialized_slave(void **state)
{
	(void)state;
	init_master(0x01);
	pulse(9);
	expect_idle();
	/* Initializing the slave clears its edge latch. */
	init_slave(0x01);
	expect_idle();
	pulse(9);
	expect_ack(0x29);
}

/* ---- edge and level ---- */

static void test_edge_held_high(void **state)
{
	(void)state;
	raise(4);
	expect_ack(0x24);
	outb(M_CMD, NS_EOI);
	expect_idle();          /* still high, but no new edge */
	raise(4);               /* same level again: no edge */
	expect_idle();
	lower(4);
	raise(4);
	expect_ack(0x24);
}

static void test_edge_pulse_latched(void **state)
{
	(void)state;
	/* The request outlives the pulse and the mask. */
	outb(M_DATA, 0x10);
	pulse(4);
	outb(M_DATA, 0x00);
	expect_ack(0x24);
}

static void test_elcr_level(void **state)
{
	(void)state;
	outb(PIC_ELCR2, 0x04);          /* IRQ10 level-triggered */
	raise(10);
	expect_ack(0x2A);
	/* IRR follows the line; ISR holds it off until EOI. */
	assert_int_equal(read_irr(S_CMD), 0x04);
	expect_idle();
	outb(S_CMD, NS_EOI);
	outb(M_CMD, NS_EOI);
	expect_ack(0x2A);               /* still high: again */
	lower(10);
	assert_int_equal(read_irr(S_CMD), 0);
	outb(S_CMD, NS_EOI);
	outb(M_CMD, NS_EOI);
	expect_idle();
}

static void test_elcr_level_master(void **state)
{
	(void)state;
	outb(PIC_ELCR1, 0x20);          /* IRQ5 */
	raise(5);
	assert_true(obs.intr);
	lower(5);
	expect_idle();
	assert_int_equal(read_irr(M_CMD), 0);
	raise(5);
	raise(5);
	expect_ack(0x25);
	outb(M_CMD, NS_EOI);
	assert_true(obs.intr);
	/* Back to edge: the pending level stays latched once. */
	outb(PIC_ELCR1, 0x00);
	expect_ack(0x25);
	outb(M_CMD, NS_EOI);
	expect_idle();
}

static void test_elcr_switch_to_level_syncs_irr(void **state)
{
	(void)state;
	raise(7);
	expect_ack(0x27);
	outb(M_CMD, NS_EOI);
	expect_idle();
	/* Line still high: as a level input it requests at once. */
	outb(PIC_ELCR1, 0x80);
	expect_ack(0x27);
	assert_int_equal(read_isr(M_CMD), 0x80);
}

static void test_ltim_level(void **state)
{
	(void)state;
	outb(M_CMD, 0x19);              /* ICW1 with LTIM */
	outb(M_DATA, 0x20);
	outb(M_DATA, 0x04);
	outb(M_DATA, 0x01);
	raise(6);
	expect_ack(0x26);
	outb(M_CMD, NS_EOI);
	expect_ack(0x26);
	lower(6);
	outb(M_CMD, NS_EOI);
	expect_idle();
}

static void test_elcr_readonly_bits(void **state)
{
	(void)state;
	outb(PIC_ELCR1, 0xFF);
	outb(PIC_ELCR2, 0xFF);
	assert_int_equal(inb(PIC_ELCR1), 0xF8);        /* IRQ 0, 1, 2 edge */
	assert_int_equal(inb(PIC_ELCR2), 0xDE);        /* IRQ 8, 13 edge */
	/* IRQ0 stays edge: held high, it interrupts once. */
	raise(0);
	expect_ack(0x20);
	outb(M_CMD, NS_EOI);
	expect_idle();
	/* ICW1 does not touch the ELCR. */
	init_both();
	assert_int_equal(inb(PIC_ELCR1), 0xF8);
	outb(PIC_ELCR1, 0x00);
	assert_int_equal(inb(PIC_ELCR1), 0x00);
}

/* ---- spurious ---- */

static void test_spurious_irq7(void **state)
{
	(void)state;
	outb(PIC_ELCR1, 0x10);          /* IRQ4 level */
	raise(4);
	assert_true(obs.intr);
	lower(4);                       /* gone before INTA */
	expect_idle();
	assert_int_equal(pic8259_ack(&pic), 0x27);
	assert_int_equal(read_isr(M_CMD), 0);
	assert_int_equal(obs.neoi, 0);
	/* An edge request masked after INT rose: also IR7. */
	pulse(3);
	outb(M_DATA, 0x08);
	assert_int_equal(pic8259_ack(&pic), 0x27);
	assert_int_equal(read_isr(M_CMD), 0);
}

static void test_spurious_irq7_vs_real_irq7(void **state)
{
	(void)state;
	/* A real IR7 sets its ISR bit, which is how guests tell them apart. */
	pulse(7);
	expect_ack(0x27);
	assert_int_equal(read_isr(M_CMD), 0x80);
}

static void test_spurious_irq15(void **state)
{
	(void)state;
	outb(PIC_ELCR2, 0x08);          /* IRQ11 level */
	raise(11);
	assert_true(obs.intr);
	lower(11);
	/* Master IR2 is edge-latched: INT stays up, the slave has nothing. */
	assert_true(obs.intr);
	assert_int_equal(pic8259_ack(&pic), 0x2F);
	assert_int_equal(read_isr(S_CMD), 0);
	assert_int_equal(read_isr(M_CMD), 0x04);
	expect_idle();
	/* Linux EOIs the master for a spurious IRQ15. */
	outb(M_CMD, S_EOI(2));
	assert_int_equal(read_isr(M_CMD), 0);
	assert_int_equal(obs.neoi, 0);
}

static void test_ack_with_nothing_pending(void **state)
{
	(void)state;
	assert_int_equal(pic8259_ack(&pic), 0x27);
	assert_int_equal(read_isr(M_CMD), 0);
	expect_idle();
}

/* ---- OCW3: register reads, poll, special mask mode ---- */

static void test_read_irr_isr(void **state)
{
	(void)state;
	outb(M_DATA, 0xFF);
	pulse(1);
	pulse(6);
	outb(M_CMD, READ_IRR);
	assert_int_equal(inb(M_CMD), 0x42);
	assert_int_equal(inb(M_CMD), 0x42);     /* selection persists */
	outb(M_CMD, 0x08);                      /* OCW3 without RR: no change */
	assert_int_equal(inb(M_CMD), 0x42);
	outb(M_CMD, READ_ISR);
	assert_int_equal(inb(M_CMD), 0x00);
	outb(M_CMD, 0x08);
	assert_int_equal(inb(M_CMD), 0x00);     /* still ISR */
	outb(M_DATA, 0x00);
	expect_ack(0x21);
	assert_int_equal(inb(M_CMD), 0x02);
	/* The odd port reads IMR whatever OCW3 selected. */
	assert_int_equal(inb(M_DATA), 0x00);
	/* ICW1 selects IRR again (and clears the edge latches). */
	init_master(0x01);
	assert_int_equal(inb(M_CMD), 0x00);
	outb(M_CMD, READ_ISR);
	assert_int_equal(inb(M_CMD), 0x02);
}

static void test_poll(void **state)
{
	(void)state;
	outb(M_DATA, 0xFF);             /* polled systems mask INT... */
	outb(M_DATA, 0x00);
	pulse(5);
	pulse(3);
	outb(M_CMD, POLL);
	assert_int_equal(inb(M_CMD), 0x83);     /* acknowledged */
	assert_int_equal(read_isr(M_CMD), 0x08);
	assert_int_equal(read_irr(M_CMD), 0x20);
	/* IR5 is below IR3 in service: the poll finds nothing. */
	outb(M_CMD, POLL);
	assert_int_equal(inb(M_CMD), 0x00);
	outb(M_CMD, NS_EOI);
	/* The poll read works on the odd port too, and only once. */
	outb(M_CMD, POLL);
	assert_int_equal(inb(M_DATA), 0x85);
	assert_int_equal(inb(M_DATA), 0x00);    /* IMR again */
	outb(M_CMD, NS_EOI);
	assert_int_equal(obs.neoi, 2);
	/* Poll outranks RR in the same OCW3, and leaves its selection. */
	pulse(1);
	outb(M_CMD, POLL | READ_ISR);
	assert_int_equal(inb(M_CMD), 0x81);
	assert_int_equal(inb(M_CMD), 0x02);     /* ISR now */
	outb(M_CMD, READ_IRR);
	outb(M_CMD, NS_EOI);
	expect_idle();
}

static void test_poll_cascade(void **state)
{
	(void)state;
	pulse(13);
	/* The master reports the cascade input; then poll the slave. */
	outb(M_CMD, POLL);
	assert_int_equal(inb(M_CMD), 0x82);
	assert_int_equal(read_isr(M_CMD), 0x04);
	outb(S_CMD, POLL);
	assert_int_equal(inb(S_CMD), 0x85);
	assert_int_equal(read_isr(S_CMD), 0x20);
	expect_idle();
	outb(S_CMD, NS_EOI);
	outb(M_CMD, NS_EOI);
	assert_int_equal(obs.eoi[0], 13);
	/* A poll that finds nothing leaves no ISR bit. */
	outb(S_CMD, POLL);
	assert_int_equal(inb(S_CMD), 0x00);
	assert_int_equal(read_isr(S_CMD), 0);
}

static void test_poll_aeoi(void **state)
{
	(void)state;
	init_master(0x03);
	pulse(6);
	outb(M_CMD, POLL);
	assert_int_equal(inb(M_CMD), 0x86);
	assert_int_equal(read_isr(M_CMD), 0);
	assert_int_equal(obs.neoi, 1);
	assert_int_equal(obs.eoi[0], 6);
	expect_idle();
}

static void test_special_mask_mode(void **state)
{
	(void)state;
	pulse(3);
	expect_ack(0x23);
	pulse(5);
	expect_idle();                  /* IR5 below IR3 in service */
	/* The IR3 handler masks itself and enters special mask mode. */
	outb(M_DATA, 0x08);
	expect_idle();                  /* masking alone does not help */
	outb(M_CMD, SMM_SET);
	expect_ack(0x25);
	assert_int_equal(read_isr(M_CMD), 0x28);
	/* IR5 unmasked in service still blocks lower levels. */
	pulse(6);
	expect_idle();
	/* A masked IS bit is not cleared by a non-specific EOI. */
	outb(M_CMD, NS_EOI);
	assert_int_equal(read_isr(M_CMD), 0x08);
	assert_int_equal(obs.eoi[0], 5);
	expect_ack(0x26);
	outb(M_CMD, NS_EOI);
	assert_int_equal(read_isr(M_CMD), 0x08);
	/* IR3 stays masked: its own request waits. */
	pulse(3);
	expect_idle();
	/* Leave special mask mode, unmask, and end IR3. */
	outb(M_CMD, SMM_RESET);
	outb(M_DATA, 0x00);
	expect_idle();                  /* IR3 in service blocks its request */
	outb(M_CMD, NS_EOI);
	assert_int_equal(read_isr(M_CMD), 0);
	expect_ack(0x23);
}

static void test_smm_higher_level(void **state)
{
	(void)state;
	/* In special mask mode a masked in-service level blocks nothing,
	 * and an OCW3 without ESMM leaves the mode alone. */
	pulse(6);
	expect_ack(0x26);
	outb(M_DATA, 0x40);
	outb(M_CMD, SMM_SET);
	outb(M_CMD, READ_IRR);
	pulse(7);
	expect_ack(0x27);
	outb(M_CMD, S_EOI(7));
	pulse(4);
	expect_ack(0x24);
	outb(M_CMD, S_EOI(4));
	outb(M_CMD, S_EOI(6));
	assert_int_equal(read_isr(M_CMD), 0);
}

static void test_smm_cleared_by_icw1(void **state)
{
	(void)state;
	pulse(3);
	expect_ack(0x23);
	outb(M_DATA, 0x08);
	outb(M_CMD, SMM_SET);
	init_master(0x01);              /* SMM off, IMR 0, ISR kept */
	assert_int_equal(read_isr(M_CMD), 0x08);
	pulse(5);
	expect_idle();
	outb(M_CMD, NS_EOI);
	expect_ack(0x25);
}

/* ---- port access ---- */

static void test_pio_widths(void **state)
{
	(void)state;
	uint32_t v = 0;

	assert_int_equal(pic8259_pio(&pic, M_DATA, 2, false, &v), BUS_ERROR);
	assert_int_equal(v, 0xFFFF);
	assert_int_equal(pic8259_pio(&pic, PIC_ELCR1, 4, false, &v), BUS_ERROR);
	assert_int_equal(v, 0xFFFFFFFFu);
	v = 0x1234;
	assert_int_equal(pic8259_pio(&pic, M_DATA, 2, true, &v), BUS_ERROR);
	assert_int_equal(inb(M_DATA), 0x00);    /* write dropped */
	v = 0xF8F8;
	assert_int_equal(pic8259_pio(&pic, PIC_ELCR1, 2, true, &v), BUS_ERROR);
	assert_int_equal(inb(PIC_ELCR1), 0x00);
	/* Only the low byte of a byte write counts. */
	v = 0x1FF;
	assert_int_equal(pic8259_pio(&pic, M_DATA, 1, true, &v), BUS_OK);
	assert_int_equal(inb(M_DATA), 0xFF);
	/* A port that is not the PIC's. */
	v = 0;
	assert_int_equal(pic8259_pio(&pic, 0x22, 1, false, &v), BUS_UNCLAIMED);
	assert_int_equal(v, 0xFF);
}

static void test_irq_range(void **state)
{
	(void)state;
	pic8259_set_irq(&pic, 2, true);         /* the cascade: ignored */
	pic8259_set_irq(&pic, 16, true);
	pic8259_set_irq(&pic, 1000, true);
	expect_idle();
	assert_int_equal(read_irr(M_CMD), 0);
	assert_int_equal(read_irr(S_CMD), 0);
	assert_int_equal(obs.intr_calls, 0);
}

static void test_intr_changed_only_on_change(void **state)
{
	(void)state;
	pulse(5);
	pulse(6);
	pulse(4);
	assert_int_equal(obs.intr_calls, 1);
	expect_ack(0x24);
	assert_int_equal(obs.intr_calls, 2);
	outb(M_CMD, NS_EOI);
	assert_int_equal(obs.intr_calls, 3);
	expect_ack(0x25);
	assert_int_equal(obs.intr_calls, 4);
}

/* The integrator may acknowledge from inside intr_changed. */
static int nested_vector;

static void ack_at_once(void *opaque, bool level)
{
	(void)opaque;
	if (level)
		nested_vector = pic8259_ack(&pic);
}

static void test_ack_from_callback(void **state)
{
	(void)state;
	static const struct pic8259_ops eager = { .intr_changed = ack_at_once };

	pic8259_init(&pic, &eager, NULL);
	init_both();
	nested_vector = -2;
	pulse(9);
	assert_int_equal(nested_vector, 0x29);
	assert_false(pic8259_intr(&pic));
	assert_int_equal(read_isr(S_CMD), 0x02);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_power_up, setup),
		cmocka_unit_test_setup(test_null_ops, setup),
		cmocka_unit_test_setup(test_linux_init, setup),
		cmocka_unit_test_setup(test_icw2_low_bits_ignored, setup),
		cmocka_unit_test_setup(test_single_no_icw4, setup),
		cmocka_unit_test_setup(test_cascade_no_icw4, setup),
		cmocka_unit_test_setup(test_single_with_icw4, setup),
		cmocka_unit_test_setup(test_icw_interrupted_by_ocw, setup),
		cmocka_unit_test_setup(test_icw1_restarts, setup),
		cmocka_unit_test_setup(test_no_int_during_reinit, setup),
		cmocka_unit_test_setup(test_icw1_resets_edge_sense, setup),
		cmocka_unit_test_setup(test_mask, setup_init),
		cmocka_unit_test_setup(test_priority_and_nesting, setup_init),
		cmocka_unit_test_setup(test_same_level_blocked, setup_init),
		cmocka_unit_test_setup(test_specific_eoi, setup_init),
		cmocka_unit_test_setup(test_rotate_on_ns_eoi, setup_init),
		cmocka_unit_test_setup(test_rotate_on_specific_eoi, setup_init),
		cmocka_unit_test_setup(test_set_priority, setup_init),
		cmocka_unit_test_setup(test_rotate_in_aeoi, setup_init),
		cmocka_unit_test_setup(test_auto_eoi, setup_init),
		cmocka_unit_test_setup(test_auto_eoi_master_cascade, setup_init),
		cmocka_unit_test_setup(test_auto_eoi_slave_keeps_cascade, setup_init),
		cmocka_unit_test_setup(test_cascade_ack, setup_init),
		cmocka_unit_test_setup(test_cascade_priority, setup_init),
		cmocka_unit_test_setup(test_cascade_second_slave_irq, setup_init),
		cmocka_unit_test_setup(test_special_fully_nested, setup_init),
		cmocka_unit_test_setup(test_no_sfnm_blocks_slave, setup_init),
		cmocka_unit_test_setup(test_uninitialized_slave, setup),
		cmocka_unit_test_setup(test_edge_held_high, setup_init),
		cmocka_unit_test_setup(test_edge_pulse_latched, setup_init),
		cmocka_unit_test_setup(test_elcr_level, setup_init),
		cmocka_unit_test_setup(test_elcr_level_master, setup_init),
		cmocka_unit_test_setup(test_elcr_switch_to_level_syncs_irr, setup_init),
		cmocka_unit_test_setup(test_ltim_level, setup_init),
		cmocka_unit_test_setup(test_elcr_readonly_bits, setup_init),
		cmocka_unit_test_setup(test_spurious_irq7, setup_init),
		cmocka_unit_test_setup(test_spurious_irq7_vs_real_irq7, setup_init),
		cmocka_unit_test_setup(test_spurious_irq15, setup_init),
		cmocka_unit_test_setup(test_ack_with_nothing_pending, setup_init),
		cmocka_unit_test_setup(test_read_irr_isr, setup_init),
		cmocka_unit_test_setup(test_poll, setup_init),
		cmocka_unit_test_setup(test_poll_cascade, setup_init),
		cmocka_unit_test_setup(test_poll_aeoi, setup_init),
		cmocka_unit_test_setup(test_special_mask_mode, setup_init),
		cmocka_unit_test_setup(test_smm_higher_level, setup_init),
		cmocka_unit_test_setup(test_smm_cleared_by_icw1, setup_init),
		cmocka_unit_test_setup(test_pio_widths, setup_init),
		cmocka_unit_test_setup(test_irq_range, setup_init),
		cmocka_unit_test_setup(test_intr_changed_only_on_change, setup_init),
		cmocka_unit_test_setup(test_ack_from_callback, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
