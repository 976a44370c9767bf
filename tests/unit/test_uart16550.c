/* UNIT-DEPS: devices/uart16550.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "devices/bus.h"
#include "devices/uart16550.h"
#include "lib/libc.h"

#define BASE 0x3F8
#define THR 0
#define IER 1
#define IIR 2
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define MSR 6
#define SCR 7

struct sink {
	uint8_t buf[64];
	unsigned n;
};

static struct uart16550 u;
static struct sink sink;

static void tx(void *opaque, uint8_t c)
{
	struct sink *s = opaque;

	if (s->n < sizeof(s->buf))
		s->buf[s->n++] = c;
}

static uint8_t in(unsigned off)
{
	uint32_t v = 0x12345678;

	assert_int_equal(uart16550_pio(&u, (uint16_t)(BASE + off), 1, false, &v), BUS_OK);
	assert_true(v <= 0xFF);
	return (uint8_t)v;
}

static void out(unsigned off, uint8_t val)
{
	uint32_t v = val;

	assert_int_equal(uart16550_pio(&u, (uint16_t)(BASE + off), 1, true, &v), BUS_OK);
}

static int setup(void **state)
{
	(void)state;
	memset(&sink, 0, sizeof(sink));
	uart16550_init(&u, BASE, tx, &sink);
	return 0;
}

static void test_reset(void **state)
{
	(void)state;
	assert_int_equal(in(LSR), 0x60);
	assert_int_equal(in(IIR), 0x01);
	assert_int_equal(in(IER), 0);
	assert_int_equal(in(LCR), 0);
	assert_int_equal(in(MCR), 0);
	assert_int_equal(in(MSR), 0xB0);
	assert_false(uart16550_irq_pending(&u));
}

static void test_tx(void **state)
{
	(void)state;
	out(THR, 'h');
	out(THR, 'i');
	assert_int_equal(sink.n, 2);
	assert_memory_equal(sink.buf, "hi", 2);
	assert_int_equal(in(LSR) & 0x60, 0x60);
}

static void test_dlab(void **state)
{
	(void)state;
	out(LCR, 0x83);
	out(THR, 0x01);         /* DLL: 115200 baud */
	out(IER, 0x00);         /* DLM */
	assert_int_equal(in(THR), 0x01);
	assert_int_equal(in(IER), 0x00);
	out(IER, 0x42);
	assert_int_equal(in(IER), 0x42);
	assert_int_equal(sink.n, 0);    /* DLL write did not transmit */
	out(LCR, 0x03);
	assert_int_equal(in(LCR), 0x03);
	assert_int_equal(in(IER), 0x00); /* real IER untouched */
	out(IER, 0xFF);
	assert_int_equal(in(IER), 0x0F);
	out(LCR, 0x83);
	assert_int_equal(in(IER), 0x42);
}

static void test_scratch(void **state)
{
	(void)state;
	out(SCR, 0xA5);
	assert_int_equal(in(SCR), 0xA5);
	out(SCR, 0x5A);
	assert_int_equal(in(SCR), 0x5A);
}

static void test_thre_irq(void **state)
{
	(void)state;
	out(IER, 0x02);
	assert_true(uart16550_irq_pending(&u));
	assert_int_equal(in(IIR), 0x02);
	/* Reading IIR cleared the THRE source. */
	assert_int_equal(in(IIR), 0x01);
	assert_false(uart16550_irq_pending(&u));
	/* The character leaves at once, so THRE fires again. */
	out(THR, 'x');
	assert_int_equal(in(IIR), 0x02);
	out(IER, 0x00);
	assert_int_equal(in(IIR), 0x01);
}

static void test_rx_fifo(void **state)
{
	(void)state;
	assert_int_equal(in(LSR) & 0x01, 0);
	uart16550_rx(&u, 'a');
	assert_int_equal(in(LSR) & 0x01, 1);
	assert_int_equal(in(IIR), 0x01);        /* ERBFI off */
	out(IER, 0x01);
	assert_int_equal(in(IIR), 0x04);
	assert_true(uart16550_irq_pending(&u));
	/* No FIFO: a second byte overruns the 1-byte RBR. */
	assert_false(uart16550_rx_ready(&u));
	uart16550_rx(&u, 'b');
	assert_int_equal(in(LSR) & 0x03, 0x03);
	assert_int_equal(in(LSR) & 0x02, 0);    /* OE cleared by read */
	assert_int_equal(in(THR), 'b');
	assert_int_equal(in(LSR) & 0x01, 0);
	assert_int_equal(in(IIR), 0x01);

	/* With FIFO: 16 bytes, in order, then overrun with loss. */
	out(FCR, 0x01);
	for (int i = 0; i < 16; i++)
		uart16550_rx(&u, (uint8_t)('A' + i));
	assert_int_equal(in(LSR) & 0x02, 0);
	uart16550_rx(&u, '!');
	out(IER, 0x05);
	assert_int_equal(in(IIR), 0xC6);        /* line status first */
	assert_int_equal(in(LSR) & 0x03, 0x03);
	assert_int_equal(in(IIR), 0xC4);
	for (int i = 0; i < 16; i++)
		assert_int_equal(in(THR), 'A' + i);
	assert_int_equal(in(LSR) & 0x01, 0);
	assert_int_equal(in(THR), 0);           /* empty reads 0 */
}

static void test_fcr(void **state)
{
	(void)state;
	assert_int_equal(in(IIR) & 0xC0, 0);
	out(FCR, 0xC7);
	assert_int_equal(in(IIR), 0xC1);
	uart16550_rx(&u, 'z');
	uart16550_rx(&u, 'y');
	out(FCR, 0xC3);                 /* clear RX */
	assert_int_equal(in(LSR) & 0x01, 0);
	uart16550_rx(&u, 'z');
	out(FCR, 0x00);                 /* disabling resets the FIFO */
	assert_int_equal(in(LSR) & 0x01, 0);
	assert_int_equal(in(IIR), 0x01);
}

static void test_loopback(void **state)
{
	(void)state;
	/* Linux 8250 autoconfig: MCR = LOOP | OUT2 | RTS -> MSR & 0xF0 = 0x90 */
	out(MCR, 0x1A);
	assert_int_equal(in(MSR) & 0xF0, 0x90);
	out(MCR, 0x1F);
	assert_int_equal(in(MSR) & 0xF0, 0xF0);
	out(MCR, 0x10);
	/* RI fell: TERI; CTS/DSR/DCD changed: deltas. */
	assert_int_equal(in(MSR), 0x0F);
	assert_int_equal(in(MSR), 0x00);
	out(THR, 0x55);
	assert_int_equal(sink.n, 0);
	assert_int_equal(in(LSR) & 0x01, 1);
	assert_int_equal(in(THR), 0x55);
	uart16550_rx(&u, 'q');          /* serial input disconnected */
	assert_int_equal(in(LSR) & 0x01, 0);
	out(MCR, 0x00);
	out(THR, 'o');
	assert_int_equal(sink.n, 1);
	assert_int_equal(in(MSR) & 0xF0, 0xB0);
}

static void test_bad_size(void **state)
{
	uint32_t v = 0;

	(void)state;
	assert_int_equal(uart16550_pio(&u, BASE, 2, false, &v), BUS_ERROR);
	assert_int_equal(v, 0xFFFF);
	assert_int_equal(uart16550_pio(&u, BASE, 4, false, &v), BUS_ERROR);
	assert_int_equal(v, 0xFFFFFFFFu);
	v = 'x';
	assert_int_equal(uart16550_pio(&u, BASE, 2, true, &v), BUS_ERROR);
	assert_int_equal(sink.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reset, setup),
		cmocka_unit_test_setup(test_tx, setup),
		cmocka_unit_test_setup(test_dlab, setup),
		cmocka_unit_test_setup(test_scratch, setup),
		cmocka_unit_test_setup(test_thre_irq, setup),
		cmocka_unit_test_setup(test_rx_fifo, setup),
		cmocka_unit_test_setup(test_fcr, setup),
		cmocka_unit_test_setup(test_loopback, setup),
		cmocka_unit_test_setup(test_bad_size, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
