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

/* The host side: TX sink, interrupt line, guest clock and timer. */
struct sink {
	uint8_t buf[64];
	unsigned n;
	unsigned irq_calls;             /* set_irq calls */
	unsigned line;                  /* line of the last call */
	bool level;                     /* level of the last call */
	bool levels[32];                /* level of each call */
	uint64_t now;                   /* guest TSC */
	uint64_t deadline;              /* last timer_arm */
	unsigned arms;                  /* timer_arm calls */
};

static struct uart16550 u;
static struct sink sink;

#define TSC_KHZ 1000000u                /* 1 GHz guest TSC */
#define T0      1000u                   /* clock at setup_clock */

static void tx(void *opaque, uint8_t c)
{
	struct sink *s = opaque;

	if (s->n < sizeof(s->buf))
		s->buf[s->n++] = c;
}

static void set_irq(void *opaque, unsigned line, bool level)
{
	struct sink *s = opaque;

	if (s->irq_calls < ARRAY_SIZE(s->levels))
		s->levels[s->irq_calls] = level;
	s->irq_calls++;
	s->line = line;
	s->level = level;
}

static uint64_t now(void *opaque)
{
	return ((struct sink *)opaque)->now;
}

static void timer_arm(void *opaque, uint64_t deadline)
{
	struct sink *s = opaque;

	s->deadline = deadline;
	s->arms++;
}

static const struct uart16550_ops ops_noclock = { tx, set_irq, NULL, NULL, NULL };
static const struct uart16550_ops ops_clock = { tx, set_irq, now, timer_arm, NULL };

static int polls;
static void rx_poll(void *opaque)
{
	(void)opaque;
	polls++;
}

static const struct uart16550_ops ops_poll = { tx, set_irq, NULL, NULL, rx_poll };

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
	uart16550_init(&u, BASE, UART16550_COM1_IRQ, &ops_noclock, &sink, 0);
	return 0;
}

static int setup_clock(void **state)
{
	(void)state;
	memset(&sink, 0, sizeof(sink));
	sink.now = T0;
	uart16550_init(&u, BASE, UART16550_COM1_IRQ, &ops_clock, &sink, TSC_KHZ);
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

/* The line is (interrupt pending) && OUT2, and low in loopback. */
static void test_irq_out2_gate(void **state)
{
	(void)state;
	out(IER, 0x02);                 /* THRE pending at once */
	assert_true(uart16550_irq_pending(&u));
	assert_false(uart16550_irq_level(&u));
	assert_int_equal(sink.irq_calls, 0);    /* OUT2 = 0: no line */
	out(MCR, 0x08);
	assert_int_equal(sink.irq_calls, 1);
	assert_int_equal(sink.line, 4);
	assert_true(sink.level);
	assert_true(uart16550_irq_level(&u));
	out(MCR, 0x0B);                 /* DTR/RTS do not touch the line */
	assert_int_equal(sink.irq_calls, 1);
	out(MCR, 0x00);
	assert_int_equal(sink.irq_calls, 2);
	assert_false(sink.level);
	out(MCR, 0x08);
	assert_int_equal(sink.irq_calls, 3);
	assert_true(sink.level);
	out(MCR, 0x18);                 /* loopback: OUT2 pin forced off */
	assert_int_equal(sink.irq_calls, 4);
	assert_false(sink.level);
	assert_true(uart16550_irq_pending(&u));
	out(MCR, 0x08);
	assert_int_equal(sink.irq_calls, 5);
	assert_true(sink.level);
	assert_int_equal(in(IIR), 0x02);        /* clears THRE: line drops */
	assert_int_equal(sink.irq_calls, 6);
	assert_false(sink.level);
	assert_int_equal(in(IIR), 0x01);
	assert_int_equal(sink.irq_calls, 6);    /* only changes are reported */
}

/* THRE on ETBEI enable and after each THR write, seen on the line. */
static void test_thre_line(void **state)
{
	(void)state;
	out(MCR, 0x08);
	assert_int_equal(sink.irq_calls, 0);
	out(IER, 0x02);
	assert_int_equal(sink.irq_calls, 1);
	assert_true(sink.level);
	/* THRE the only source: the write drops the line, the byte leaves,
	 * THR is empty again and the line rises: a new edge. */
	out(THR, 'a');
	assert_int_equal(sink.irq_calls, 3);
	assert_false(sink.levels[1]);
	assert_true(sink.levels[2]);
	assert_int_equal(in(IIR), 0x02);
	assert_int_equal(sink.irq_calls, 4);
	assert_false(sink.level);
	out(THR, 'b');                  /* THRE was clear: just rises */
	assert_int_equal(sink.irq_calls, 5);
	assert_true(sink.level);
	/* Another source keeps the line high across the write. */
	out(IER, 0x03);
	uart16550_rx(&u, 'x');
	out(THR, 'c');
	assert_int_equal(sink.irq_calls, 5);
	assert_int_equal(in(IIR), 0x04);
	assert_int_equal(sink.n, 3);
	assert_memory_equal(sink.buf, "abc", 3);
	/* Rewriting IER with ETBEI already set does not re-arm THRE. */
	assert_int_equal(in(THR), 'x');
	assert_int_equal(in(IIR), 0x02);
	out(IER, 0x03);
	assert_int_equal(in(IIR), 0x01);
	assert_false(sink.level);
}

/* Receiver line status: raised by OE, cleared by reading LSR. */
static void test_iir_rls(void **state)
{
	(void)state;
	out(MCR, 0x08);
	out(IER, 0x04);
	uart16550_rx(&u, 'a');
	assert_int_equal(in(IIR), 0x01);        /* data alone: ERBFI off */
	uart16550_rx(&u, 'b');                  /* overruns the RBR */
	assert_true(sink.level);
	assert_int_equal(in(IIR), 0x06);
	assert_int_equal(in(IIR), 0x06);        /* IIR read does not clear */
	assert_int_equal(in(LSR), 0x63);        /* TEMT THRE OE DR */
	assert_int_equal(in(IIR), 0x01);
	assert_false(sink.level);
	assert_int_equal(in(LSR), 0x61);
}

/* Received data available: cleared by reading RBR, not IIR. */
static void test_iir_rda(void **state)
{
	(void)state;
	out(MCR, 0x08);
	out(IER, 0x01);
	uart16550_rx(&u, 'a');
	assert_int_equal(sink.irq_calls, 1);
	assert_true(sink.level);
	assert_int_equal(in(IIR), 0x04);
	assert_int_equal(in(IIR), 0x04);
	assert_int_equal(in(LSR), 0x61);        /* LSR read does not clear */
	assert_int_equal(in(IIR), 0x04);
	assert_int_equal(in(THR), 'a');
	assert_int_equal(in(IIR), 0x01);
	assert_int_equal(sink.irq_calls, 2);
	assert_false(sink.level);
}

/* Modem status: raised by a delta, cleared by reading MSR. */
static void test_iir_msi(void **state)
{
	(void)state;
	out(MCR, 0x10);
	assert_int_equal(in(MSR), 0x0B);        /* CTS DSR DCD fell */
	out(IER, 0x08);
	assert_int_equal(in(IIR), 0x01);
	out(MCR, 0x11);                         /* DTR -> DSR rises */
	assert_int_equal(in(IIR), 0x00);
	assert_true(uart16550_irq_pending(&u));
	assert_int_equal(sink.irq_calls, 0);    /* loopback: line low */
	assert_int_equal(in(MSR), 0x22);
	assert_int_equal(in(IIR), 0x01);
	/* Leaving loopback with OUT2: the null-modem peer's CTS/DCD come
	 * back (DSR stays), and the line rises. */
	out(MCR, 0x08);
	assert_true(sink.level);
	assert_int_equal(in(IIR), 0x00);
	assert_int_equal(in(MSR), 0xB9);
	assert_false(sink.level);
	assert_int_equal(in(IIR), 0x01);
}

/* All five sources pending: IIR peels them off in datasheet order. */
static void test_priority(void **state)
{
	(void)state;
	out(LCR, 0x03);
	out(FCR, 0x41);                 /* FIFO, trigger 4 */
	out(MCR, 0x10);                 /* loopback: deltas on MSR */
	out(IER, 0x0F);                 /* THRE pending at once */
	for (int i = 0; i < 17; i++)
		out(THR, (uint8_t)('A' + i));   /* 16 in, one overrun */
	assert_int_equal(in(IIR), 0xC6);
	assert_int_equal(in(LSR) & 0x03, 0x03);
	assert_int_equal(in(IIR), 0xC4);
	for (int i = 0; i < 13; i++)
		assert_int_equal(in(THR), 'A' + i);
	/* 3 left, below the trigger: no timeout yet, so THRE would show;
	 * let the 4 character times pass. */
	assert_true(sink.deadline > sink.now);
	sink.now = sink.deadline;
	uart16550_timer_expired(&u);
	assert_int_equal(in(IIR), 0xCC);
	assert_int_equal(in(THR), 'N');         /* clears the timeout */
	assert_int_equal(in(IIR), 0xC2);        /* and clears THRE */
	assert_int_equal(in(IIR), 0xC0);
	assert_int_equal(in(MSR) & 0x0F, 0x0B);
	assert_int_equal(in(IIR), 0xC1);
	assert_int_equal(in(LSR) & 0x01, 0x01); /* 'O' 'P' still there */
}

/* RDA at exactly the FCR trigger level, and gone below it. */
static void test_trigger_levels(void **state)
{
	static const struct { uint8_t fcr; unsigned level; } t[] = {
		{ 0x01, 1 }, { 0x41, 4 }, { 0x81, 8 }, { 0xC1, 14 },
	};

	for (unsigned k = 0; k < ARRAY_SIZE(t); k++) {
		setup_clock(state);     /* no clock advance: no timeout */
		out(FCR, t[k].fcr);
		out(IER, 0x01);
		for (unsigned n = 1; n <= 16; n++) {
			uart16550_rx(&u, (uint8_t)n);
			assert_int_equal(in(IIR), n >= t[k].level ? 0xC4 : 0xC1);
		}
		for (unsigned n = 16; n > 0; n--) {
			assert_int_equal(in(THR), 17 - n);
			assert_int_equal(in(IIR), n - 1 >= t[k].level ? 0xC4 : 0xC1);
		}
	}
}

/* 9600 baud 8N1 at 1 GHz: 4 characters = 40 bits = 4166666.7 ticks. */
#define T4_9600 4166667u

static void test_timeout_clock(void **state)
{
	uint64_t d;

	(void)state;
	out(LCR, 0x03);
	out(FCR, 0x81);                 /* trigger 8 */
	out(IER, 0x01);
	out(MCR, 0x08);
	uart16550_rx(&u, 'a');
	assert_int_equal(sink.deadline, T0 + T4_9600);
	assert_int_equal(sink.arms, 1);
	sink.now = T0 + T4_9600 - 1;
	assert_int_equal(in(IIR), 0xC1);
	uart16550_rx(&u, 'b');          /* a new character restarts it */
	d = sink.now + T4_9600;
	assert_int_equal(sink.deadline, d);
	sink.now = d - 1;
	uart16550_timer_expired(&u);    /* early: ignored */
	assert_int_equal(in(IIR), 0xC1);
	assert_false(sink.level);
	sink.now = d;
	uart16550_timer_expired(&u);
	assert_true(sink.level);
	assert_int_equal(in(IIR), 0xCC);
	assert_int_equal(in(IIR), 0xCC);        /* IIR read does not clear */
	assert_int_equal(in(LSR), 0x61);
	uart16550_rx(&u, 'c');          /* latched: not restarted */
	assert_int_equal(sink.arms, 2);
	assert_int_equal(in(IIR), 0xCC);
	assert_int_equal(in(THR), 'a');         /* read clears, restarts */
	assert_false(sink.level);
	assert_int_equal(in(IIR), 0xC1);
	assert_int_equal(sink.deadline, d + T4_9600);
	/* The deadline passes before the host's timer runs: the guest sees
	 * the timeout on its next access and the host timer is disarmed. */
	sink.now = d + T4_9600;
	assert_int_equal(in(IIR), 0xCC);
	assert_int_equal(sink.deadline, 0);
	assert_true(sink.level);
	uart16550_timer_expired(&u);    /* stale: ignored */
	assert_int_equal(in(THR), 'b');
	assert_int_equal(in(THR), 'c');
	assert_int_equal(sink.deadline, 0);     /* empty: disarmed */
	assert_int_equal(in(IIR), 0xC1);
	assert_false(sink.level);
	/* Received data outranks a latched timeout. */
	uart16550_rx(&u, '1');
	sink.now = sink.deadline;
	uart16550_timer_expired(&u);
	assert_int_equal(in(IIR), 0xCC);
	for (int i = 0; i < 7; i++)
		uart16550_rx(&u, '2');
	assert_int_equal(in(IIR), 0xC4);
	/* ERBFI masks the timeout too. */
	out(IER, 0x00);
	assert_int_equal(in(IIR), 0xC1);
}

/* Four character times from LCR word length, parity, stop bits and the
 * divisor latch; 1.8432 MHz / 16 per bit. */
static void check_timeout(uint8_t lcr, uint16_t divisor, uint64_t ticks)
{
	out(LCR, 0x80);
	out(THR, (uint8_t)divisor);
	out(IER, (uint8_t)(divisor >> 8));
	out(LCR, lcr);
	uart16550_rx(&u, 'x');
	assert_int_equal(sink.deadline - sink.now, ticks);
	out(FCR, 0x03);                 /* reset RX: disarms */
	assert_int_equal(sink.deadline, 0);
}

static void test_timeout_char_time(void **state)
{
	(void)state;
	out(FCR, 0x01);
	check_timeout(0x03, 12, T4_9600);       /* 8N1, 9600 */
	check_timeout(0x00, 12, 2916667);       /* 5N1: 7 bits */
	check_timeout(0x04, 12, 3125000);       /* 5N1.5: 7.5 bits */
	check_timeout(0x1F, 12, 5000000);       /* 8E2: 12 bits */
	check_timeout(0x0A, 12, 4166667);       /* 7O1: 10 bits */
	check_timeout(0x03, 1, 347223);         /* 8N1, 115200 */
	check_timeout(0x03, 0, 22755555556u);   /* divisor 0 as 65536 */
}

/* Without a clock the timeout shows at once below the trigger level. */
static void test_timeout_no_clock(void **state)
{
	(void)state;
	out(FCR, 0x81);
	out(IER, 0x01);
	out(MCR, 0x08);
	uart16550_rx(&u, 'a');
	assert_true(sink.level);
	assert_int_equal(in(IIR), 0xCC);
	for (int i = 0; i < 7; i++)
		uart16550_rx(&u, 'b');
	assert_int_equal(in(IIR), 0xC4);
	assert_int_equal(in(THR), 'a');
	assert_int_equal(in(IIR), 0xCC);
	for (int i = 0; i < 7; i++)
		assert_int_equal(in(THR), 'b');
	assert_int_equal(in(IIR), 0xC1);
	assert_false(sink.level);
	/* No timeout without FIFOs. */
	out(FCR, 0x00);
	uart16550_rx(&u, 'c');
	assert_int_equal(in(IIR), 0x04);
}

/* FCR1 resets the RX FIFO, FCR2 the (empty) TX FIFO; other bits need
 * FCR0 = 1; switching FCR0 empties the FIFOs. */
static void test_fifo_reset_bits(void **state)
{
	uint64_t d;

	(void)state;
	out(FCR, 0xC1);                 /* trigger 14 */
	out(IER, 0x01);
	for (int i = 0; i < 3; i++)
		uart16550_rx(&u, 'a');
	d = sink.deadline;
	assert_true(d != 0);
	out(FCR, 0xC5);                 /* TX reset: RX intact */
	assert_int_equal(in(LSR), 0x61);
	assert_int_equal(sink.deadline, d);
	assert_int_equal(in(IIR), 0xC1);
	out(FCR, 0xC3);                 /* RX reset: empty, timer off */
	assert_int_equal(in(LSR), 0x60);
	assert_int_equal(sink.deadline, 0);
	for (int i = 0; i < 13; i++)
		uart16550_rx(&u, 'b');
	assert_int_equal(in(IIR), 0xC1);        /* trigger 14 kept */
	uart16550_rx(&u, 'b');
	assert_int_equal(in(IIR), 0xC4);
	out(FCR, 0x06);                 /* FCR0 = 0: FIFOs off and empty */
	assert_int_equal(in(LSR), 0x60);
	assert_int_equal(in(IIR), 0x01);
	uart16550_rx(&u, 'c');
	out(FCR, 0x02);                 /* not programmed without FCR0 */
	assert_int_equal(in(LSR), 0x61);
	out(FCR, 0x01);                 /* FIFOs on: RBR emptied */
	assert_int_equal(in(LSR), 0x60);
	uart16550_rx(&u, 'd');
	assert_int_equal(in(IIR), 0xC4);        /* trigger back to 1 */
}

/* Loopback: MSR 7:4 = OUT2 OUT1 DTR RTS -> DCD RI DSR CTS. */
static void test_loopback_msr_map(void **state)
{
	(void)state;
	out(MCR, 0x10);
	assert_int_equal(in(MSR), 0x0B);
	out(MCR, 0x11);                 /* DTR -> DSR */
	assert_int_equal(in(MSR), 0x22);
	out(MCR, 0x10);
	assert_int_equal(in(MSR), 0x02);
	out(MCR, 0x12);                 /* RTS -> CTS */
	assert_int_equal(in(MSR), 0x11);
	out(MCR, 0x10);
	assert_int_equal(in(MSR), 0x01);
	out(MCR, 0x14);                 /* OUT1 -> RI: no delta rising */
	assert_int_equal(in(MSR), 0x40);
	out(MCR, 0x10);                 /* trailing edge: TERI */
	assert_int_equal(in(MSR), 0x04);
	out(MCR, 0x18);                 /* OUT2 -> DCD */
	assert_int_equal(in(MSR), 0x88);
	out(MCR, 0x10);
	assert_int_equal(in(MSR), 0x08);
	assert_int_equal(in(MSR), 0x00);
}

/* Loopback data raises the receiver interrupts in IIR, but the line
 * stays off the bus until loopback ends. */
static void test_loopback_irq(void **state)
{
	(void)state;
	out(IER, 0x01);
	out(MCR, 0x18);
	out(THR, 'z');
	assert_int_equal(sink.n, 0);
	assert_int_equal(in(IIR), 0x04);
	assert_true(uart16550_irq_pending(&u));
	assert_int_equal(sink.irq_calls, 0);
	assert_false(uart16550_rx_ready(&u));
	out(MCR, 0x08);
	assert_int_equal(sink.irq_calls, 1);
	assert_true(sink.level);
	assert_int_equal(in(THR), 'z');
	assert_false(sink.level);
}

/* RTS is the guest's "send me data": off at reset, on with MCR bit 1,
 * and internal (so off to the host) in loopback. */
static void test_rts_flow_control(void **state)
{
	(void)state;
	assert_false(uart16550_rts(&u));
	out(MCR, 0x01);
	assert_false(uart16550_rts(&u));
	out(MCR, 0x02);
	assert_true(uart16550_rts(&u));
	out(MCR, 0x12);
	assert_false(uart16550_rts(&u));
	out(MCR, 0x0B);
	assert_true(uart16550_rts(&u));
}

/* FIFO full: the 17th character is lost, OE raises line status. */
static void test_overrun_fifo_full(void **state)
{
	(void)state;
	out(FCR, 0xC1);
	out(IER, 0x04);
	out(MCR, 0x08);
	for (int i = 0; i < 16; i++) {
		assert_true(uart16550_rx_ready(&u));
		uart16550_rx(&u, (uint8_t)('a' + i));
	}
	assert_false(uart16550_rx_ready(&u));
	assert_int_equal(sink.irq_calls, 0);
	uart16550_rx(&u, '!');
	uart16550_rx(&u, '?');
	assert_true(sink.level);
	assert_int_equal(in(IIR), 0xC6);
	assert_int_equal(in(LSR), 0x63);
	assert_false(sink.level);
	assert_int_equal(in(LSR), 0x61);
	assert_int_equal(in(THR), 'a');
	assert_true(uart16550_rx_ready(&u));
	for (int i = 1; i < 16; i++)
		assert_int_equal(in(THR), 'a' + i);
	assert_int_equal(in(LSR), 0x60);        /* '!' and '?' never got in */
}

/* With DLAB set, offsets 0/1 are the divisor latch: RBR is not read
 * (no data lost) and THR/IER are not written. */
static void test_dlab_rx(void **state)
{
	(void)state;
	out(IER, 0x01);
	uart16550_rx(&u, 'q');
	out(LCR, 0x80);
	assert_int_equal(in(THR), 0x0C);        /* 9600 baud at reset */
	assert_int_equal(in(IER), 0x00);
	out(IER, 0x00);                         /* DLM, not IER */
	out(LCR, 0x03);
	assert_int_equal(in(IER), 0x01);
	assert_int_equal(in(LSR), 0x61);
	assert_int_equal(in(THR), 'q');
}

/* No host services at all: everything still works, nothing is called. */
static void test_null_ops(void **state)
{
	(void)state;
	uart16550_init(&u, BASE, UART16550_COM1_IRQ, NULL, NULL, TSC_KHZ);
	out(MCR, 0x08);
	out(IER, 0x0F);
	out(THR, 'x');
	out(FCR, 0x41);
	uart16550_rx(&u, 'y');
	assert_int_equal(in(IIR), 0xCC);
	assert_true(uart16550_irq_level(&u));
	uart16550_timer_expired(&u);
	assert_int_equal(in(THR), 'y');
	assert_int_equal(in(IIR), 0xC2);
	assert_int_equal(in(MSR), 0xB0);
	assert_int_equal(in(IIR), 0xC1);
	assert_false(uart16550_irq_level(&u));
}

/* A guest polling LSR with nothing received lets the host look for
 * console input; with data waiting, or in loopback, it does not. */
static void test_rx_poll_hook(void **state)
{
	struct uart16550 u;
	uint32_t v;

	(void)state;
	polls = 0;
	uart16550_init(&u, 0x3F8, 4, &ops_poll, NULL, 0);
	assert_int_equal(uart16550_pio(&u, 0x3FD, 1, false, &v), BUS_OK);
	assert_int_equal(polls, 1);
	assert_int_equal(v & 1, 0);
	uart16550_rx(&u, 'a');
	assert_int_equal(uart16550_pio(&u, 0x3FD, 1, false, &v), BUS_OK);
	assert_int_equal(polls, 1);
	assert_int_equal(v & 1, 1);
	assert_int_equal(uart16550_pio(&u, 0x3F8, 1, false, &v), BUS_OK);
	assert_int_equal(v, 'a');
	v = 0x10;                                 /* MCR loopback */
	assert_int_equal(uart16550_pio(&u, 0x3FC, 1, true, &v), BUS_OK);
	assert_int_equal(uart16550_pio(&u, 0x3FD, 1, false, &v), BUS_OK);
	assert_int_equal(polls, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rx_poll_hook),
		cmocka_unit_test_setup(test_reset, setup),
		cmocka_unit_test_setup(test_tx, setup),
		cmocka_unit_test_setup(test_dlab, setup),
		cmocka_unit_test_setup(test_scratch, setup),
		cmocka_unit_test_setup(test_thre_irq, setup),
		cmocka_unit_test_setup(test_rx_fifo, setup),
		cmocka_unit_test_setup(test_fcr, setup),
		cmocka_unit_test_setup(test_loopback, setup),
		cmocka_unit_test_setup(test_bad_size, setup),
		cmocka_unit_test_setup(test_irq_out2_gate, setup),
		cmocka_unit_test_setup(test_thre_line, setup),
		cmocka_unit_test_setup(test_iir_rls, setup),
		cmocka_unit_test_setup(test_iir_rda, setup),
		cmocka_unit_test_setup(test_iir_msi, setup),
		cmocka_unit_test_setup(test_priority, setup_clock),
		cmocka_unit_test(test_trigger_levels),
		cmocka_unit_test_setup(test_timeout_clock, setup_clock),
		cmocka_unit_test_setup(test_timeout_char_time, setup_clock),
		cmocka_unit_test_setup(test_timeout_no_clock, setup),
		cmocka_unit_test_setup(test_fifo_reset_bits, setup_clock),
		cmocka_unit_test_setup(test_loopback_msr_map, setup),
		cmocka_unit_test_setup(test_loopback_irq, setup),
		cmocka_unit_test_setup(test_overrun_fifo_full, setup),
		cmocka_unit_test_setup(test_rts_flow_control, setup),
		cmocka_unit_test_setup(test_dlab_rx, setup),
		cmocka_unit_test_setup(test_null_ops, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
