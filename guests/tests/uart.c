/* uart: COM1's interrupts (PC16550D datasheet) as a PC wires them: the
 * chip's INTR reaches ISA IRQ4 only through the OUT2 gate (MCR bit 3), and
 * in loopback mode (MCR bit 4) the OUT pins are forced inactive, so no
 * interrupt reaches the bus at all while the chip still shows it in IIR.
 *
 *  1. IIR with nothing pending reads 0x01;
 *  2. THRE: with OUT2 clear, enabling ETBEI interrupts nobody (IIR shows
 *     THRE pending); setting OUT2 lets it through (IRQ4 via the 8259, IIR
 *     0x02 in the handler); reading IIR retires it (one interrupt only); a
 *     THR write raises it again;
 *  3. loopback: a byte written to THR comes back in RBR with LSR.DR, IIR
 *     shows received data (0x04) ahead of THRE, MSR mirrors MCR, and no
 *     interrupt reaches IRQ4;
 *  4. received-data interrupt: a byte left in RBR from loopback, loopback
 *     off, ERBFI on: IRQ4 with IIR 0x04, the byte read in the handler;
 *  5. line-status interrupt: two bytes into a 1-byte RBR overrun it
 *     (LSR.OE, the newer byte kept); ELSI gives IIR 0x06;
 *  6. FIFO mode: IIR bits 7:6 set, data at the trigger level (4) in order,
 *     below it the character timeout (IIR 0x0C) instead;
 *  7. the THRE interrupt through the I/O APIC (GSI of IRQ4 per the MADT).
 * No console output while an interrupt or loopback is armed: printing uses
 * the same UART (and in loopback would feed the receiver).
 *
 * No native variant: Bochs' 16550 raises IRQ4 only at the moment of an
 * event (setting OUT2 over a pending THRE gives nothing), ignores OUT2 and
 * loopback as gates, and in loopback its receiver showed no data here;
 * the expectations follow the datasheet and the PC's OUT2 wiring. */
#include "pc.h"

#define COM1 0x3F8
#define RBR  0
#define THR  0
#define IER  1
#define IIR  2
#define FCR  2
#define LCR  3
#define MCR  4
#define LSR  5
#define MSR  6

#define IER_ERBFI 0x01
#define IER_ETBEI 0x02
#define IER_ELSI  0x04
#define MCR_DTR   0x01
#define MCR_RTS   0x02
#define MCR_OUT2  0x08
#define MCR_LOOP  0x10
#define LSR_DR    0x01
#define LSR_OE    0x02

#define V_PIC_MASTER 0x20
#define V_PIC_SLAVE  0x28
#define V_IOAPIC_COM 0x34
#define V_SPURIOUS   0xFF
#define NREC         16

static uint32_t tsc_khz;
static int on_vireo;

static volatile uint32_t hits;
static volatile uint8_t iir_rec[NREC], data_rec[NREC], lsr_rec[NREC];
static volatile uint32_t ndata, nlsr;
static volatile int use_ioapic;

static uint8_t rd(unsigned r) { return inb((uint16_t)(COM1 + r)); }
static void wr(unsigned r, uint8_t v) { outb((uint16_t)(COM1 + r), v); }
static uint64_t ms(uint32_t n) { return (uint64_t)tsc_khz * n; }

static void com_irq(struct exc_frame *f)
{
	uint8_t iir = rd(IIR);

	(void)f;
	if (hits < NREC)
		iir_rec[hits] = iir;
	switch (iir & 0x0F) {
	case 0x04: /* received data */
	case 0x0C: /* character timeout */
		while (rd(LSR) & LSR_DR) {
			uint8_t c = rd(RBR);
			if (ndata < NREC)
				data_rec[ndata++] = c;
		}
		break;
	case 0x06: /* line status: reading LSR retires it */
		if (nlsr < NREC)
			lsr_rec[nlsr++] = rd(LSR);
		break;
	case 0x00:
		rd(MSR);
		break;
	}
	if (++hits > 20)
		wr(IER, 0); /* a storm: stop it, the counts will show */
	if (use_ioapic)
		lapic_eoi();
	else
		pic_eoi(4);
}

static void reset_rec(void)
{
	hits = 0;
	ndata = 0;
	nlsr = 0;
	for (int i = 0; i < NREC; i++)
		iir_rec[i] = data_rec[i] = lsr_rec[i] = 0;
}

/* with IF=1 for `n` ms, then IF=0 again */
static void run_ms(uint32_t n)
{
	sti();
	delay_tsc(ms(n));
	cli();
}

static void quiet(uint8_t mcr)
{
	wr(IER, 0);
	wr(MCR, mcr);
	while (rd(LSR) & LSR_DR)
		rd(RBR);
}

/* ------------------------------------------------------------ 1, 2: THRE */
static void test_thre(void)
{
	quiet(MCR_DTR | MCR_RTS);
	uint8_t iir_idle = rd(IIR);

	/* OUT2 clear: the chip interrupts, the bus does not see it */
	reset_rec();
	wr(IER, IER_ETBEI);
	run_ms(1);
	uint32_t gated = hits;
	/* OUT2 set: the pending THRE gets through */
	wr(MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
	run_ms(1);
	uint32_t released = hits;
	uint8_t iir_first = iir_rec[0];
	uint8_t iir_after = rd(IIR);
	/* a THR write empties THR again: THRE again (an empty line) */
	wr(THR, '\n');
	run_ms(2);
	uint32_t again = hits;
	uint8_t iir_again = iir_rec[1];
	quiet(MCR_DTR | MCR_RTS);

	check_eq(iir_idle, 0x01, "iir-no-interrupt-pending");
	check_eq(gated, 0, "no-interrupt-while-out2-clear");
	check_eq(released, 1, "out2-releases-thre-interrupt-once");
	check_eq(iir_first, 0x02, "iir-thre-in-handler");
	check_eq(iir_after, 0x01, "iir-read-retires-thre");
	check_eq(again, 2, "thr-write-raises-thre-again");
	check_eq(iir_again, 0x02, "iir-thre-after-thr-write");
}

/* --------------------------------------------------------- 3. loopback */
static void test_loopback(void)
{
	quiet(MCR_DTR | MCR_RTS | MCR_OUT2 | MCR_LOOP);
	reset_rec();
	wr(IER, IER_ERBFI | IER_ETBEI);
	wr(THR, 0x5A);
	run_ms(1);
	uint32_t irqs = hits;
	uint8_t iir = rd(IIR), lsr = rd(LSR), msr = rd(MSR), c = rd(RBR);
	uint8_t iir2 = rd(IIR), iir3 = rd(IIR);
	quiet(MCR_DTR | MCR_RTS);

	check_eq(lsr & LSR_DR, LSR_DR, "loopback-lsr-data-ready");
	check_eq(c, 0x5A, "loopback-byte-received");
	check_eq(iir, 0x04, "loopback-iir-received-data-first");
	check_eq(iir2, 0x02, "loopback-iir-thre-after-rbr-read");
	check_eq(iir3, 0x01, "loopback-iir-thre-retired-by-iir-read");
	/* DTR -> DSR, RTS -> CTS, OUT1 -> RI, OUT2 -> DCD */
	check_eq(msr & 0xF0, 0xB0, "loopback-msr-mirrors-mcr");
	check_eq(irqs, 0, "loopback-no-interrupt-on-irq4");
}

/* -------------------------------------------------- 4. received data */
static void test_rx_interrupt(void)
{
	quiet(MCR_DTR | MCR_RTS | MCR_OUT2 | MCR_LOOP);
	wr(THR, 0xA5);
	delay_tsc(ms(1));
	wr(MCR, MCR_DTR | MCR_RTS | MCR_OUT2); /* loopback off, the byte stays */
	reset_rec();
	wr(IER, IER_ERBFI);
	run_ms(1);
	uint32_t n = hits, nd = ndata;
	uint8_t iir = iir_rec[0], c = data_rec[0];
	quiet(MCR_DTR | MCR_RTS);

	check_eq(n, 1, "rx-data-interrupt-once");
	check_eq(iir, 0x04, "rx-iir-received-data");
	check(nd == 1 && c == 0xA5, "rx-byte-read-in-handler");
}

/* ---------------------------------------------------------- 5. overrun */
static void test_line_status(void)
{
	quiet(MCR_DTR | MCR_RTS | MCR_OUT2 | MCR_LOOP);
	wr(THR, 0x11);
	delay_tsc(ms(1));
	wr(THR, 0x22); /* RBR still full: overrun */
	delay_tsc(ms(1));
	wr(MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
	reset_rec();
	wr(IER, IER_ELSI);
	run_ms(1);
	uint32_t n = hits;
	uint8_t iir = iir_rec[0], lsr = lsr_rec[0];
	wr(IER, 0);
	uint8_t lsr_after = rd(LSR), c = rd(RBR);
	quiet(MCR_DTR | MCR_RTS);

	check_eq(n, 1, "line-status-interrupt-once");
	check_eq(iir, 0x06, "line-status-iir");
	check_eq(lsr & (LSR_OE | LSR_DR), LSR_OE | LSR_DR, "overrun-in-lsr");
	check_eq(lsr_after & LSR_OE, 0, "lsr-read-clears-overrun");
	check_eq(c, 0x22, "overrun-rbr-holds-newer-byte");
}

/* ------------------------------------------------------------- 6. FIFO */
static void test_fifo(void)
{
	uint8_t got[4];

	pic_mask(4); /* IIR is polled here */
	quiet(MCR_DTR | MCR_RTS | MCR_OUT2 | MCR_LOOP);
	wr(FCR, 0x47); /* FIFO on, both cleared, RX trigger 4 */
	wr(IER, IER_ERBFI);
	for (int i = 0; i < 4; i++)
		wr(THR, (uint8_t)(0x31 + i));
	delay_tsc(ms(1));
	uint8_t iir4 = rd(IIR);
	for (int i = 0; i < 4; i++)
		got[i] = rd(RBR);
	uint8_t lsr_empty = rd(LSR);
	for (int i = 0; i < 3; i++)
		wr(THR, (uint8_t)(0x41 + i));
	delay_tsc(ms(5)); /* > 4 character times at 115200 8N1 */
	uint8_t iir3 = rd(IIR);
	for (int i = 0; i < 3; i++)
		rd(RBR);
	uint8_t iir_drained = rd(IIR);
	wr(FCR, 0x00);
	uint8_t iir_nofifo = rd(IIR);
	quiet(MCR_DTR | MCR_RTS);
	pic_unmask(4);

	check_eq(iir4, 0xC4, "fifo-iir-received-data-at-trigger");
	check(got[0] == 0x31 && got[1] == 0x32 && got[2] == 0x33 && got[3] == 0x34, "fifo-bytes-in-order");
	check_eq(lsr_empty & LSR_DR, 0, "fifo-empty-after-reads");
	check_eq(iir3, 0xCC, "fifo-character-timeout-below-trigger");
	check_eq(iir_drained, 0xC1, "fifo-timeout-retired-by-reads");
	check_eq(iir_nofifo & 0xC0, 0, "fifo-off-iir-bits-clear");
}

/* -------------------------------------- registers and modem status */
static void test_registers(void)
{
	wr(7, 0x5A);
	uint8_t scr1 = rd(7);
	wr(7, 0xA5);
	uint8_t scr2 = rd(7);
	wr(LCR, 0x1B); /* 8 bits, even parity */
	uint8_t lcr = rd(LCR);
	wr(LCR, 0x83); /* DLAB: 0 and 1 are the divisor latch */
	wr(0, 0x0C);
	wr(1, 0x00);
	uint8_t dll = rd(0), dlm = rd(1);
	wr(0, 0x01);
	wr(LCR, 0x03);
	wr(IER, 0xFF); /* IRQ4 masked at the 8259 here; the high nibble is 0 */
	uint8_t ier = rd(IER);
	wr(IER, 0);
	uint8_t lsr = rd(LSR);

	/* modem status in loopback: DTR drives DSR, OUT1 drives RI */
	quiet(MCR_LOOP);
	wr(IER, 0x08); /* EDSSI */
	rd(MSR);
	uint8_t iir0 = rd(IIR);
	wr(MCR, MCR_LOOP | MCR_DTR);
	uint8_t iir1 = rd(IIR), msr1 = rd(MSR), iir2 = rd(IIR);
	wr(MCR, MCR_LOOP | MCR_DTR | 0x04); /* OUT1 -> RI rises */
	rd(MSR);
	wr(MCR, MCR_LOOP | MCR_DTR); /* RI falls: trailing edge */
	uint8_t msr2 = rd(MSR);
	quiet(MCR_DTR | MCR_RTS);

	check(scr1 == 0x5A && scr2 == 0xA5, "scratch-register");
	check_eq(lcr, 0x1B, "lcr-readback");
	check(dll == 0x0C && dlm == 0x00, "divisor-latch-readback");
	check_eq(ier, 0x0F, "ier-readback-low-nibble");
	check_eq(lsr & 0x60, 0x60, "lsr-thre-temt-idle");
	check_eq(iir0, 0x01, "modem-status-none-pending");
	check_eq(iir1, 0x00, "modem-status-iir-after-dsr-change");
	check_eq(msr1 & 0x22, 0x22, "msr-dsr-and-delta-dsr");
	check_eq(iir2, 0x01, "msr-read-retires-modem-status");
	check_eq(msr2 & 0x44, 0x04, "msr-trailing-edge-ri");
}

/* ---------------------------------------------------------- 7. I/O APIC */
static void test_ioapic(void)
{
	struct irq_route r;

	if (acpi_probe()) {
		fail("acpi-tables", "no FADT/MADT: cannot route IRQ4");
		return;
	}
	isa_irq_route(4, &r);
	pic_set_mask(0xFFFF);
	lapic_enable(V_SPURIOUS);
	use_ioapic = 1;
	irq_set_handler(V_IOAPIC_COM, com_irq);
	ioapic_rte_write(r.gsi, ioapic_rte_for(&r, V_IOAPIC_COM, (uint8_t)lapic_id(), 0));
	quiet(MCR_DTR | MCR_RTS | MCR_OUT2);
	reset_rec();
	wr(IER, IER_ETBEI);
	run_ms(1);
	uint32_t n = hits;
	uint8_t iir = iir_rec[0];
	quiet(MCR_DTR | MCR_RTS);
	ioapic_rte_write(r.gsi, ioapic_rte_for(&r, V_IOAPIC_COM, (uint8_t)lapic_id(), 1));

	printf("IRQ4 -> GSI %u\n", r.gsi);
	check_eq(n, 1, "ioapic-thre-interrupt-once");
	check_eq(iir, 0x02, "ioapic-iir-thre-in-handler");
}

void test_main(void)
{
	on_vireo = running_on_vireo();
	tsc_khz = pc_tsc_khz();
	printf("uart test (%s): TSC %u kHz\n", on_vireo ? "on Vireo" : "native", tsc_khz);
	if (!tsc_khz) {
		fail("tsc-khz", "no TSC rate");
		return;
	}
	uint8_t mcr = rd(MCR);
	/* 115200 8N1, FIFO off: a known state for the timings and IIR bits */
	wr(LCR, 0x83);
	wr(0, 1);
	wr(1, 0);
	wr(LCR, 0x03);
	wr(FCR, 0x00);
	irq_set_handler(V_PIC_MASTER + 4, com_irq);
	pic_init(V_PIC_MASTER, V_PIC_SLAVE);
	pic_unmask(4);
	cli();
	test_thre();
	test_loopback();
	test_rx_interrupt();
	test_line_status();
	test_fifo();
	pic_set_mask(0xFFFF);
	test_registers();
	test_ioapic();
	wr(MCR, mcr);
	if (!on_vireo)
		wr(FCR, 0xC7); /* as the runtime left it */
}
