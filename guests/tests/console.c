/* console: typed console input reaches this VM's COM1. Command line
 * expect=STRING: read that many bytes by polling LSR (bounded by the TSC)
 * and compare. irq=1: wait for them with the UART's received-data
 * interrupt instead (through the 8259, IRQ4), halted in between.
 * hold=1: first behave like a driver probing the port with RTS clear:
 * poll LSR for a second, then clear the receive FIFO. The host must hold
 * input back (flow control) until RTS rises, so nothing is lost. */
#include "guest.h"

#define COM1      0x3F8
#define LSR_DR    0x01
#define V_COM1    0x24            /* master 8259 base 0x20 + IRQ4 */

static volatile uint32_t got_irq;

static void com1_irq(struct exc_frame *f)
{
	(void)f;
	got_irq++;
	outb(0x20, 0x20);             /* non-specific EOI */
}

/* Polling: LSR until data. Interrupts: halt until IRQ4 says data came
 * (the host delivers typed input while this vCPU sleeps), then read. */
static int read_byte(uint64_t deadline, int use_irq)
{
	while (rdtsc() < deadline) {
		if (use_irq) {
			uint32_t seen = got_irq;

			while (got_irq == seen && rdtsc() < deadline)
				__asm__ volatile("sti; hlt; cli");
		}
		if (inb(COM1 + 5) & LSR_DR)
			return inb(COM1);
	}
	return -1;
}

/* 8259 at vectors 0x20/0x28, only IRQ4 (and the cascade) unmasked. */
static void pic_for_com1(void)
{
	outb(0x20, 0x11); outb(0x21, 0x20); outb(0x21, 0x04); outb(0x21, 0x01);
	outb(0xA0, 0x11); outb(0xA1, 0x28); outb(0xA1, 0x02); outb(0xA1, 0x01);
	outb(0x21, (uint8_t)~((1u << 4) | (1u << 2)));
	outb(0xA1, 0xFF);
}

/* A second of LSR polls with RTS clear: no data may appear. Then reset
 * the FIFOs, as Linux's 8250 driver does before it opens the port. */
static void probe_with_rts_clear(void)
{
	uint64_t end = rdtsc() + 50000ULL * 1000;
	int seen = 0;

	outb(COM1 + 4, 0x00);         /* MCR: DTR, RTS off */
	outb(COM1 + 2, 0x07);         /* FCR: FIFO on, both cleared */
	while (rdtsc() < end)
		seen |= inb(COM1 + 5) & LSR_DR;
	outb(COM1 + 2, 0x07);
	check(!seen, "console-input-held-while-rts-clear");
}

void test_main(void)
{
	char expect[128] = "", got[128];
	int use_irq = (int)cmdline_u64("irq", 0);
	size_t n, i = 0;

	cmdline_get("expect", expect, sizeof(expect));
	if (cmdline_u64("hold", 0))
		probe_with_rts_clear();
	n = strlen(expect);
	printf("console test: waiting for \"%s\" (%s)\n", expect, use_irq ? "interrupts" : "polling");
	if (use_irq) {
		irq_set_handler(V_COM1, com1_irq);
		pic_for_com1();
		outb(COM1 + 1, 0x01);         /* IER: received data */
		outb(COM1 + 4, 0x0B);         /* MCR: DTR, RTS, OUT2 (IRQ to the bus) */
	} else {
		outb(COM1 + 4, 0x03);         /* MCR: DTR, RTS: ready for data */
	}
	uint64_t deadline = rdtsc() + 50000ULL * 1000 * 20;   /* ~20 s at 50 MHz */
	for (; i < n; i++) {
		int c = read_byte(deadline, use_irq);
		if (c < 0)
			break;
		got[i] = (char)c;
	}
	got[i] = 0;
	printf("console got \"%s\"\n", got);
	check(!strcmp(got, expect), "console-input-received");
	if (use_irq)
		check(got_irq > 0, "console-input-interrupt");
}
