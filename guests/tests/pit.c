/* pit: the 8254 programmable interval timer (Intel 8254 datasheet) as a PC
 * wires it: channel 0 on ISA IRQ0, channel 2 gated by port 0x61 bit 0 with
 * OUT2 on port 0x61 bit 5.
 *
 *  1. counter latch and read-back commands: the count decreases at the PIT
 *     rate, a latched count holds until read, mode 2 counts N..1;
 *  2. channel 0 in mode 2 at ~1 kHz through the 8259 pair (ICW1-4, master
 *     base 0x20, slave 0x28), the local APIC left as it was (virtual wire:
 *     the PIC reaches LINT0 as ExtINT): the rate against the TSC within
 *     1%; a masked IRQ0 latches in IRR and comes once unmasked;
 *  3. the same through the I/O APIC (PIC masked, the MADT's override for
 *     IRQ0, fixed/physical to the BSP, local APIC enabled) within 1%;
 *  4. channel 2 in mode 0: a held gate holds the count; OUT2 rises at
 *     terminal count; the TSC rate measured that way against CPUID
 *     0x40000010 EAX within 0.5% (under Vireo).
 * The TSC rate: CPUID 0x40000010 under Vireo, natively measured with
 * channel 2 (pc_tsc_khz). */
#include "pc.h"

#define V_PIC_MASTER 0x20
#define V_PIC_SLAVE  0x28
#define V_IOAPIC_PIT 0x30
#define V_SPURIOUS   0xFF
#define RATE_COUNT   1193u /* 1000.15 Hz */
#define NPERIODS     200

static uint32_t tsc_khz;
static int on_vireo;

static volatile uint32_t ticks;
static volatile uint64_t stamp[NPERIODS + 1];
static volatile uint16_t isr_first; /* PIC ISR read inside the first handler */
static volatile uint32_t pic_ticks; /* every IRQ0 that came through the PIC */
static volatile uint32_t pic_spurious;

static uint64_t ms(uint32_t n) { return (uint64_t)tsc_khz * n; }
/* TSC ticks for n PIT clocks */
static uint64_t pit_to_tsc(uint64_t n) { return div64(n * tsc_khz * 1000, PIT_HZ); }
static uint64_t tsc_to_pit(uint64_t t) { return div64(t * PIT_HZ, (uint64_t)tsc_khz * 1000); }


static void stamp_tick(void)
{
	uint64_t t = rdtsc();

	if (ticks <= NPERIODS)
		stamp[ticks] = t;
	ticks++;
}

static void pic_irq0(struct exc_frame *f)
{
	(void)f;
	stamp_tick();
	if (pic_ticks++ == 0)
		isr_first = pic_read_isr();
	pic_eoi(0);
}

/* IRQ7/IRQ15 with nothing in service: a spurious 8259 interrupt, no EOI
 * for the chip that raised it (the master's IR2 is in service for 15). */
static void pic_spurious_irq(struct exc_frame *f)
{
	pic_spurious++;
	if (f->vector == V_PIC_SLAVE + 7)
		outb(PIC_MASTER_CMD, 0x20);
}

static void ioapic_irq0(struct exc_frame *f)
{
	(void)f;
	stamp_tick();
	lapic_eoi();
}

/* ------------------------------------------------------ 1. latch, read-back */
static void test_latch(void)
{
	pit_program(0, 2, 0); /* count 0 = 65536: 54.9 ms per period */
	delay_tsc(ms(1));
	uint64_t t0 = rdtsc();
	uint16_t a = pit_latch_count(0);
	delay_tsc(ms(2));
	uint64_t t1 = rdtsc();
	uint16_t b = pit_latch_count(0);
	uint16_t d = (uint16_t)(a - b); /* counts down, modulo 65536 */
	uint64_t want = tsc_to_pit(t1 - t0);
	printf("latch: %u then %u (%u clocks, %llu expected)\n", a, b, d, (unsigned long long)want);
	check(d > 0 && d < 30000, "latch-count-decreasing");
	check_pm(d, want, 100, "latch-count-rate");

	/* a latched count stays until both bytes are read */
	outb(PIT_CMD, 0x00);
	delay_tsc(ms(1));
	uint8_t lo = inb(PIT_CH0), hi = inb(PIT_CH0);
	uint16_t held = (uint16_t)(lo | hi << 8), now = pit_latch_count(0);
	check_pm((uint16_t)(held - now), tsc_to_pit(ms(1)), 200, "latch-holds-value");

	uint8_t status;
	uint16_t c1, c2;
	pit_read_back(0, &status, &c1);
	delay_tsc(ms(1));
	pit_read_back(0, &status, &c2);
	/* status: OUT, NULL COUNT, RW = 11 (lobyte/hibyte), mode 010, binary */
	check_eq(status & 0x7F, 0x34, "readback-status-mode2-lohi-loaded");
	check((uint16_t)(c1 - c2) > 0 && (uint16_t)(c1 - c2) < 30000, "readback-count-decreasing");

	/* a second latch command before the first count is read is ignored */
	outb(PIT_CMD, 0x00);
	delay_tsc(ms(1));
	outb(PIT_CMD, 0x00);
	lo = inb(PIT_CH0);
	hi = inb(PIT_CH0);
	held = (uint16_t)(lo | hi << 8);
	now = pit_latch_count(0);
	check_pm((uint16_t)(held - now), tsc_to_pit(ms(1)), 200, "second-latch-ignored-until-read");

	/* BCD: control word bit 0; count 5000 (0x5000) counts in decimal */
	outb(PIT_CMD, 0x35); /* ch0, lobyte/hibyte, mode 2, BCD */
	outb(PIT_CH0, 0x00);
	outb(PIT_CH0, 0x50);
	delay_tsc(ms(1));
	int bcd_ok = 1;
	uint16_t b0 = pit_latch_count(0);
	uint64_t tb0 = rdtsc();
	delay_tsc(ms(2));
	uint16_t b1 = pit_latch_count(0);
	uint64_t tb1 = rdtsc();
	for (uint16_t v = b0, i = 0; i < 2; i++, v = b1)
		for (int k = 0; k < 16; k += 4)
			if (((v >> k) & 0xF) > 9)
				bcd_ok = 0;
	unsigned d0 = (b0 >> 12) * 1000 + ((b0 >> 8) & 0xF) * 100 + ((b0 >> 4) & 0xF) * 10 + (b0 & 0xF);
	unsigned d1 = (b1 >> 12) * 1000 + ((b1 >> 8) & 0xF) * 100 + ((b1 >> 4) & 0xF) * 10 + (b1 & 0xF);
	printf("BCD: latched 0x%04x then 0x%04x\n", b0, b1);
	check(bcd_ok && b0 <= 0x5000 && b1 <= 0x5000, "bcd-count-valid-digits");
	check_pm((d0 + 5000 - d1) % 5000, tsc_to_pit(tb1 - tb0), 100, "bcd-count-rate");

	/* mode 2 counts N, N-1, ..., 1 and reloads: never 0, never above N */
	pit_program(0, 2, 1000);
	delay_tsc(ms(1));
	uint16_t lo_seen = 0xFFFF, hi_seen = 0;
	for (int i = 0; i < 200; i++) {
		uint16_t c = pit_latch_count(0);
		if (c < lo_seen)
			lo_seen = c;
		if (c > hi_seen)
			hi_seen = c;
		delay_tsc(1000 + (uint64_t)i * 37);
	}
	printf("mode 2, count 1000: latched counts %u..%u\n", lo_seen, hi_seen);
	check(lo_seen >= 1 && hi_seen <= 1000, "mode2-count-in-1-to-n");
	check(hi_seen - lo_seen > 500, "mode2-count-spans-period");
}

/* ------------------------------------------------------------ rate helper */
static void reset_ticks(void)
{
	ticks = 0;
	for (int i = 0; i <= NPERIODS; i++)
		stamp[i] = 0;
}

/* Channel 0, mode 2, RATE_COUNT: NPERIODS periods timed from the first
 * interrupt to the last, within 1%. */
static void measure_rate(const char *prefix)
{
	char name[48];
	uint64_t period = pit_to_tsc(RATE_COUNT);
	int ok = wait_ge(&ticks, NPERIODS + 1, period * (NPERIODS + 1) * 3 + ms(50));

	snprintf(name, sizeof(name), "%s-irq0-ticks", prefix);
	if (!check(ok, name)) {
		printf("  (%u interrupts)\n", ticks);
		return;
	}
	uint64_t per = div64(stamp[NPERIODS] - stamp[0], NPERIODS);
	snprintf(name, sizeof(name), "%s-irq0-rate", prefix);
	check_pm(per, period, 10, name);
}

/* -------------------------------------------------------------- 2. 8259 */
static void test_pic(void)
{
	/* Vireo's BSP starts in virtual-wire mode: APIC software-disabled,
	 * LINT0 ExtINT unmasked, LINT1 NMI. Natively the BIOS has been here. */
	if (on_vireo) {
		check_eq(lapic_read(APIC_SVR) & APIC_SVR_ENABLE, 0, "lapic-starts-software-disabled");
		check_eq(lapic_read(APIC_LVT_LINT0) & 0x1FFFF, 0x700, "lint0-extint-unmasked");
		check_eq(lapic_read(APIC_LVT_LINT1) & 0x1FFFF, 0x400, "lint1-nmi");
	} else {
		skip("lint0-extint-unmasked", "native: the BIOS set the local APIC up");
	}
	for (int v = V_PIC_MASTER; v < V_PIC_MASTER + 16; v++)
		irq_set_handler(v, 0);
	irq_set_handler(V_PIC_MASTER + 0, pic_irq0);
	irq_set_handler(V_PIC_MASTER + 7, pic_spurious_irq);
	irq_set_handler(V_PIC_SLAVE + 7, pic_spurious_irq);
	pic_init(V_PIC_MASTER, V_PIC_SLAVE);
	check_eq(pic_get_mask(), 0xFFFF, "pic-imr-readback");
	reset_ticks();
	pit_program(0, 2, RATE_COUNT);
	pic_unmask(0);
	sti();
	measure_rate("pic");
	check_eq(isr_first, 0x0001, "pic-isr-irq0-in-handler");

	/* masked, IRQ0 still latches in IRR; unmasked, it comes at once */
	pic_mask(0);
	uint32_t n = pic_ticks;
	delay_tsc(ms(5));
	uint32_t while_masked = pic_ticks - n;
	uint16_t irr = pic_read_irr();
	pic_unmask(0);
	int came = wait_ge(&pic_ticks, n + 1, pit_to_tsc(RATE_COUNT) / 4);
	pic_mask(0);
	check_eq(while_masked, 0, "pic-masked-no-interrupt");
	check_eq(irr & 1, 1, "pic-irr-latched-while-masked");
	check(came, "pic-latched-irq-delivered-on-unmask");

	/* mode 0: OUT0 low from the count write, high at terminal count: one
	 * rising edge, one interrupt, after N clocks */
	pit_program(0, 0, 0xFFFF); /* OUT0 low: no more edges for 55 ms */
	pic_unmask(0);             /* the edge latched while masked comes now */
	delay_tsc(ms(1));
	reset_ticks();
	uint64_t t0 = rdtsc();
	pit_program(0, 0, 11932); /* 10 ms */
	int fired = wait_ge(&ticks, 1, ms(40));
	delay_tsc(ms(30));
	uint32_t total = ticks;
	check(fired, "mode0-interrupt-at-terminal-count");
	if (fired)
		check_pm(stamp[0] - t0, pit_to_tsc(11932), 20, "mode0-terminal-count-time");
	check_eq(total, 1, "mode0-one-interrupt-only");

	/* mode 3: a square wave, one rising edge per period; OUT (read-back
	 * status bit 7) is seen both high and low */
	reset_ticks();
	pit_program(0, 3, 2386); /* 2 ms */
	int out_hi = 0, out_lo = 0;
	uint64_t t1 = rdtsc();
	while (rdtsc() - t1 < ms(6)) {
		uint8_t st;
		uint16_t c;
		pit_read_back(0, &st, &c);
		if (st & 0x80)
			out_hi = 1;
		else
			out_lo = 1;
	}
	int ok = wait_ge(&ticks, 51, ms(300));
	check(out_hi && out_lo, "mode3-out-toggles");
	if (check(ok, "mode3-irq0-ticks"))
		check_pm(div64(stamp[50] - stamp[0], 50), pit_to_tsc(2386), 10, "mode3-irq0-rate");
	cli();
	pic_set_mask(0xFFFF);
	printf("pic: %u spurious IRQ7/15\n", pic_spurious);
}

/* ---------------------------------------------------------- 3. I/O APIC */
static void test_ioapic(void)
{
	struct irq_route r;

	if (acpi_probe()) {
		fail("acpi-tables", "no FADT/MADT: cannot route IRQ0");
		return;
	}
	isa_irq_route(0, &r);
	printf("IRQ0 -> GSI %u (%s, %s)\n", r.gsi, r.level ? "level" : "edge", r.active_low ? "low" : "high");
	if (on_vireo)
		check_eq(r.gsi, 2, "irq0-override-gsi2");
	lapic_enable(V_SPURIOUS);
	irq_set_handler(V_IOAPIC_PIT, ioapic_irq0);
	uint32_t pic_before = pic_ticks;
	reset_ticks();
	pit_program(0, 2, RATE_COUNT);
	ioapic_rte_write(r.gsi, ioapic_rte_for(&r, V_IOAPIC_PIT, (uint8_t)lapic_id(), 0));
	sti();
	measure_rate("ioapic");
	ioapic_rte_write(r.gsi, ioapic_rte_for(&r, V_IOAPIC_PIT, (uint8_t)lapic_id(), 1));
	uint32_t n = ticks;
	delay_tsc(ms(5));
	check_eq(ticks - n, 0, "ioapic-masked-no-interrupt");
	check_eq(pic_ticks - pic_before, 0, "pic-silent-while-masked");
	cli();
	pit_program(0, 0, 0xFFFF); /* mode 0, one rising edge 55 ms from now, masked */
}

/* ---------------------------------------------------------- 4. channel 2 */
static void test_channel2(void)
{
	uint8_t saved = inb(PORT_B);

	/* gate low: mode 0 loads the count but does not count */
	outb(PORT_B, (uint8_t)(saved & ~(PORT_B_GATE2 | PORT_B_SPKR)));
	pit_program(2, 0, 50000);
	delay_tsc(ms(2));
	uint16_t held = pit_latch_count(2);
	check_eq(inb(PORT_B) & PORT_B_OUT2, 0, "ch2-out2-low-before-terminal-count");
	outb(PORT_B, (uint8_t)((saved & ~PORT_B_SPKR) | PORT_B_GATE2));
	delay_tsc(ms(2));
	uint16_t moved = pit_latch_count(2);
	outb(PORT_B, saved);
	check_eq(held, 50000, "ch2-gate-low-holds-count");
	check_pm(50000u - moved, tsc_to_pit(ms(2)), 200, "ch2-gate-high-counts");

	/* three 50 ms one-shots; gate to OUT2 */
	uint64_t sum = 0;
	for (int i = 0; i < 3; i++) {
		uint64_t t = pit_ch2_oneshot_tsc(59659, ms(500));
		if (!t) {
			fail("ch2-out2-rises", "OUT2 did not rise within 500 ms");
			return;
		}
		sum += t;
	}
	check(1, "ch2-out2-rises");
	uint32_t khz = (uint32_t)div64(sum * PIT_HZ, 3ull * 59659 * 1000);
	printf("channel 2: TSC %u kHz measured\n", khz);
	if (pc_tsc_from_cpuid())
		check_pm(khz, tsc_khz, 5, "ch2-tsc-khz-vs-cpuid-0x40000010");
	else
		skip("ch2-tsc-khz-vs-cpuid-0x40000010", "no hypervisor TSC leaf");
}

void test_main(void)
{
	on_vireo = running_on_vireo();
	tsc_khz = pc_tsc_khz();
	printf("pit test (%s): TSC %u kHz (%s)\n", on_vireo ? "on Vireo" : "native", tsc_khz,
	       pc_tsc_from_cpuid() ? "CPUID 0x40000010" : "measured with PIT channel 2");
	if (!tsc_khz) {
		fail("tsc-khz", "no TSC rate");
		return;
	}
	test_latch();
	test_pic();
	test_ioapic();
	test_channel2();
}
