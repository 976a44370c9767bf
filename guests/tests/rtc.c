/* rtc: the MC146818-style real-time clock and CMOS at ports 0x70/0x71, on
 * ISA IRQ8 (MC146818A / DS12887 datasheets).
 *
 *  1. the date as an OS reads it: wait for UIP clear, read everything, read
 *     again; the two reads are equal or one second apart; every field is
 *     valid BCD in range (register B: 24-hour BCD), the day of week matches
 *     the date, the year is plausible (>= 2024);
 *  2. CMOS memory-size bytes agree with each other (exact under Vireo);
 *  3. the periodic interrupt at rate 6 (1024 Hz) through the 8259 (slave
 *     IR0) and through the I/O APIC (GSI of IRQ8 per the MADT): the rate
 *     against the TSC within 1%; register C shows IRQF|PF in the handler;
 *  4. register C: PF latches with PIE off, IRQF only with PIE on, a read
 *     clears them; while C is unread the line stays high, so an edge-
 *     triggered input sees one interrupt only, and the next comes after C
 *     is read;
 *  5. setting the clock (B.SET) to 2099-12-31 23:59:59: the next update
 *     gives 2100-01-01 00:00:00 with the century byte 21; update-ended
 *     interrupts (UIE) one second apart within 1%, UIP seen before one. */
#include "pc.h"

#define V_PIC_MASTER 0x20
#define V_PIC_SLAVE  0x28
#define V_IOAPIC_RTC 0x38
#define V_SPURIOUS   0xFF
#define NPERIODS     256

#define RTC_A 0x0A
#define RTC_B 0x0B
#define RTC_C 0x0C
#define RTC_D 0x0D
#define A_UIP 0x80
#define B_SET 0x80
#define B_PIE 0x40
#define B_UIE 0x10
#define B_DM  0x04
#define B_24H 0x02
#define C_IRQF 0x80
#define C_PF   0x40
#define C_UF   0x10

static uint32_t tsc_khz;
static int on_vireo;
static unsigned century_index = 0x32;

static volatile uint32_t hits;
static volatile uint64_t stamp[NPERIODS + 1];
static volatile uint8_t c_first;   /* register C read in the first handler */
static volatile int read_c;        /* handlers read register C */

static uint64_t ms(uint32_t n) { return (uint64_t)tsc_khz * n; }


/* ------------------------------------------------------------------ date */
struct rtc_time {
	uint8_t sec, min, hour, wday, mday, mon, year, century;
};

static int bcd_ok(uint8_t v) { return (v & 0x0F) <= 9 && (v >> 4) <= 9; }
static unsigned bcd(uint8_t v) { return (v >> 4) * 10 + (v & 0x0F); }
static uint8_t to_bcd(unsigned v) { return (uint8_t)((v / 10) << 4 | v % 10); }

static void rtc_read_raw(struct rtc_time *t)
{
	t->sec = cmos_read(0x00);
	t->min = cmos_read(0x02);
	t->hour = cmos_read(0x04);
	t->wday = cmos_read(0x06);
	t->mday = cmos_read(0x07);
	t->mon = cmos_read(0x08);
	t->year = cmos_read(0x09);
	t->century = cmos_read((uint8_t)century_index);
}

/* UIP is 1 for at most ~2 ms before an update: wait for it to clear. */
static int wait_uip_clear(void)
{
	uint64_t t0 = rdtsc();

	while (cmos_read(RTC_A) & A_UIP)
		if (rdtsc() - t0 > ms(10))
			return 0;
	return 1;
}

/* The read an OS does: UIP clear, read all, until two reads agree. */
static int rtc_read(struct rtc_time *t)
{
	struct rtc_time a, b;

	for (int i = 0; i < 10; i++) {
		if (!wait_uip_clear())
			return 0;
		rtc_read_raw(&a);
		if (!wait_uip_clear())
			return 0;
		rtc_read_raw(&b);
		if (!memcmp(&a, &b, sizeof(a))) {
			*t = a;
			return 1;
		}
	}
	return 0;
}

static int leap(unsigned y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const uint8_t d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* days since 0000-03-01 (proleptic Gregorian), any valid date */
static uint64_t day_number(unsigned y, unsigned m, unsigned d)
{
	if (m <= 2) {
		y--;
		m += 12;
	}
	return 365ull * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + d - 1;
}

/* 1 = Sunday ... 7 = Saturday (the RTC's numbering); 2000-01-01 was a Saturday */
static unsigned weekday(unsigned y, unsigned m, unsigned d)
{
	uint64_t n = day_number(y, m, d) + 7 * 1000 - day_number(2000, 1, 1);
	return (unsigned)((n + 6) % 7) + 1;
}

static uint64_t seconds_of(const struct rtc_time *t)
{
	unsigned y = bcd(t->century) * 100 + bcd(t->year);
	return day_number(y, bcd(t->mon), bcd(t->mday)) * 86400 + bcd(t->hour) * 3600 + bcd(t->min) * 60 +
	       bcd(t->sec);
}

static int time_valid(const struct rtc_time *t)
{
	const uint8_t *f = &t->sec;
	for (unsigned i = 0; i < sizeof(*t); i++)
		if (!bcd_ok(f[i]))
			return 0;
	unsigned y = bcd(t->century) * 100 + bcd(t->year), m = bcd(t->mon);
	return bcd(t->sec) < 60 && bcd(t->min) < 60 && bcd(t->hour) < 24 && m >= 1 && m <= 12 &&
	       bcd(t->mday) >= 1 && bcd(t->mday) <= days_in_month(y, m) && bcd(t->wday) >= 1 && bcd(t->wday) <= 7;
}

static void print_time(const char *what, const struct rtc_time *t)
{
	printf("%s %02x%02x-%02x-%02x %02x:%02x:%02x (day of week %x)\n", what, t->century, t->year, t->mon,
	       t->mday, t->hour, t->min, t->sec, t->wday);
}

static void test_date(void)
{
	struct rtc_time a, b;
	uint8_t regb = cmos_read(RTC_B);

	printf("register A 0x%02x, B 0x%02x, D 0x%02x\n", cmos_read(RTC_A), regb, cmos_read(RTC_D));
	if (on_vireo)
		check_eq(regb, B_24H, "regb-24h-bcd-no-interrupts");
	check_eq(regb & (B_DM | B_24H), B_24H, "regb-24h-bcd");
	check_eq(cmos_read(RTC_D) & 0x80, 0x80, "regd-vrt");
	if (!check(rtc_read(&a), "date-read-uip-protocol"))
		return;
	rtc_read(&b);
	print_time("date", &a);
	if (!check(time_valid(&a) && time_valid(&b), "date-fields-valid-bcd"))
		return;
	uint64_t d = seconds_of(&b) - seconds_of(&a);
	check(d <= 1, "date-reads-equal-or-one-second-apart");
	unsigned y = bcd(a.century) * 100 + bcd(a.year);
	check_eq(bcd(a.wday), weekday(y, bcd(a.mon), bcd(a.mday)), "day-of-week-matches-date");
	check(y >= 2024 && y < 2200, "year-plausible");
}

/* ------------------------------------------------------------ CMOS memory */
static void test_cmos_memory(void)
{
	unsigned base = cmos_read(0x15) | cmos_read(0x16) << 8;
	unsigned ext = cmos_read(0x17) | cmos_read(0x18) << 8;
	unsigned ext2 = cmos_read(0x30) | cmos_read(0x31) << 8;
	unsigned above16 = cmos_read(0x34) | cmos_read(0x35) << 8;

	printf("CMOS: base %u KiB, extended %u/%u KiB, above 16 MiB %u x 64 KiB\n", base, ext, ext2, above16);
	check_eq(base, 640, "cmos-base-memory-640k");
	check_eq(ext, ext2, "cmos-extended-memory-copies-agree");
	if (on_vireo) {
		uint64_t ram = mb_ram_end(); /* 1 MiB + mem_upper: Vireo's RAM size */
		uint64_t kib = div64(ram - 0x100000, 1024);
		check_eq(ext, kib > 0xFFFF ? 0xFFFF : kib, "cmos-extended-memory-matches-ram");
		check_eq(above16, ram > 0x1000000 ? div64(ram - 0x1000000, 65536) : 0, "cmos-above-16m-matches-ram");
	}
}

/* ------------------------------------------------------- periodic, IRQ8 */
static void stamp_hit(void)
{
	uint64_t t = rdtsc();

	if (hits <= NPERIODS)
		stamp[hits] = t;
	if (read_c) {
		uint8_t c = cmos_read(RTC_C);
		if (hits == 0)
			c_first = c;
	}
	hits++;
}

static void pic_irq8(struct exc_frame *f)
{
	(void)f;
	stamp_hit();
	pic_eoi(8);
}

static void ioapic_irq8(struct exc_frame *f)
{
	(void)f;
	stamp_hit();
	lapic_eoi();
}

static void reset_hits(int handler_reads_c)
{
	hits = 0;
	c_first = 0;
	read_c = handler_reads_c;
	for (int i = 0; i <= NPERIODS; i++)
		stamp[i] = 0;
}

/* Rate select in register A (DV kept), PIE/UIE in B as given. */
static void rtc_set(uint8_t rate, uint8_t b_irqs)
{
	cmos_write(RTC_A, (uint8_t)((cmos_read(RTC_A) & 0x70) | rate));
	cmos_write(RTC_B, (uint8_t)((cmos_read(RTC_B) & ~(B_PIE | B_UIE | 0x20)) | b_irqs));
}

static void measure_periodic(const char *prefix)
{
	char name[48];
	uint64_t period = div64((uint64_t)tsc_khz * 1000, 1024);

	reset_hits(1);
	cmos_read(RTC_C); /* drop stale flags: the line goes low */
	rtc_set(6, B_PIE);
	sti();
	int ok = wait_ge(&hits, NPERIODS + 1, period * (NPERIODS + 1) * 3);
	cli();
	rtc_set(6, 0);
	cmos_read(RTC_C);
	snprintf(name, sizeof(name), "%s-irq8-periodic-ticks", prefix);
	if (!check(ok, name)) {
		printf("  (%u interrupts)\n", hits);
		return;
	}
	snprintf(name, sizeof(name), "%s-irq8-periodic-rate-1024hz", prefix);
	check_pm(div64(stamp[NPERIODS] - stamp[0], NPERIODS), period, 10, name);
	snprintf(name, sizeof(name), "%s-regc-irqf-pf-in-handler", prefix);
	check_eq(c_first & (C_IRQF | C_PF), C_IRQF | C_PF, name);
}

static void test_periodic(struct irq_route *r)
{
	/* 8259: IRQ8 is the slave's IR0 */
	irq_set_handler(V_PIC_SLAVE + 0, pic_irq8);
	pic_init(V_PIC_MASTER, V_PIC_SLAVE);
	pic_unmask(8);
	measure_periodic("pic");
	pic_set_mask(0xFFFF);

	/* I/O APIC */
	lapic_enable(V_SPURIOUS);
	irq_set_handler(V_IOAPIC_RTC, ioapic_irq8);
	ioapic_rte_write(r->gsi, ioapic_rte_for(r, V_IOAPIC_RTC, (uint8_t)lapic_id(), 0));
	measure_periodic("ioapic");
}

/* ------------------------------------------------------------ register C */
static void test_regc(struct irq_route *r)
{
	uint64_t period = div64((uint64_t)tsc_khz * 1000, 1024);

	/* PIE off: PF still latches, IRQF does not. RS = 0 stops new flags
	 * before C is read, so the second read must find them gone. */
	cli();
	rtc_set(6, 0);
	cmos_read(RTC_C);
	delay_tsc(period * 3);
	rtc_set(0, 0);
	uint8_t c1 = cmos_read(RTC_C), c2 = cmos_read(RTC_C);
	if (on_vireo || c1 & C_PF) {
		check_eq(c1 & (C_IRQF | C_PF), C_PF, "regc-pf-without-pie");
		check_eq(c2 & (C_IRQF | C_PF), 0, "regc-read-clears-pf");
	} else {
		/* the datasheet sets PF whatever PIE says; Bochs only with PIE */
		skip("regc-pf-without-pie", "native: Bochs sets PF only while PIE is 1");
	}

	/* PIE on, the pin masked (an edge on a masked pin is dropped, so no
	 * interrupt waits for the next STI): IRQF|PF, cleared by the read */
	ioapic_rte_write(r->gsi, ioapic_rte_for(r, V_IOAPIC_RTC, (uint8_t)lapic_id(), 1));
	rtc_set(6, B_PIE);
	delay_tsc(period * 3);
	rtc_set(0, B_PIE);
	c1 = cmos_read(RTC_C);
	c2 = cmos_read(RTC_C);
	rtc_set(6, 0);
	check_eq(c1 & (C_IRQF | C_PF), C_IRQF | C_PF, "regc-irqf-with-pie");
	check_eq(c2 & (C_IRQF | C_PF), 0, "regc-read-clears-irqf");
	ioapic_rte_write(r->gsi, ioapic_rte_for(r, V_IOAPIC_RTC, (uint8_t)lapic_id(), 0));

	/* handler leaves C unread: the line stays high, one edge only */
	reset_hits(0);
	cmos_read(RTC_C);
	rtc_set(6, B_PIE);
	sti();
	int first = wait_ge(&hits, 1, period * 4);
	delay_tsc(period * 10);
	uint32_t held = hits;
	cmos_read(RTC_C);
	int again = wait_ge(&hits, held + 1, period * 4);
	cli();
	rtc_set(6, 0);
	cmos_read(RTC_C);
	check(first, "irq8-first-interrupt");
	check_eq(held, 1, "irq8-held-while-regc-unread");
	check(again, "irq8-again-after-regc-read");
}

/* ------------------------------------------ setting the clock, UIE, UIP */
static int binary_mode, h12_mode; /* register B DM and not-24/12 while set */

static uint8_t enc(unsigned v) { return binary_mode ? (uint8_t)v : to_bcd(v); }

/* 12-hour mode: 1-12 with bit 7 for PM (12 AM is midnight) */
static uint8_t enc_hour(unsigned h)
{
	if (!h12_mode)
		return enc(h);
	return (uint8_t)(enc(h % 12 ? h % 12 : 12) | (h >= 12 ? 0x80 : 0));
}

static void set_time(unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned sec)
{
	cmos_write(0x00, enc(sec));
	cmos_write(0x02, enc(mi));
	cmos_write(0x04, enc_hour(h));
	cmos_write(0x06, enc(weekday(y, mo, d)));
	cmos_write(0x07, enc(d));
	cmos_write(0x08, enc(mo));
	cmos_write(0x09, enc(y % 100));
	cmos_write((uint8_t)century_index, enc(y / 100));
}

static int time_is(const struct rtc_time *t, unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi,
		   unsigned sec)
{
	return t->century == enc(y / 100) && t->year == enc(y % 100) && t->mon == enc(mo) && t->mday == enc(d) &&
	       t->hour == enc_hour(h) && t->min == enc(mi) && t->sec == enc(sec) &&
	       t->wday == enc(weekday(y, mo, d));
}

/* PIT channel 0 at 20 Hz through the I/O APIC wakes sleep_until() */
#define V_WAKE 0x30
static void wake_handler(struct exc_frame *f)
{
	(void)f;
	lapic_eoi();
}

static int sleep_until(const volatile uint32_t *p, uint32_t v, uint64_t limit)
{
	uint64_t t0 = rdtsc();

	while (*p < v && rdtsc() - t0 < limit) {
		safe_halt();
		cli();
	}
	return *p >= v;
}

/* Sets the clock (B.SET, in the modes of b_modes: DM and 24/12) to
 * y-mo-d h:mi:59 and the alarm to `alarm` (seconds, minutes, hours
 * bytes), lets it run with UIE and AIE on and sleeps until the first
 * update-ended interrupt; *t = the time then. */
static int set_and_roll(uint8_t b_modes, unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi,
			const uint8_t alarm[3], struct rtc_time *t, const char *name)
{
	char n[64];

	binary_mode = !!(b_modes & B_DM);
	h12_mode = !(b_modes & B_24H);
	cmos_write(RTC_B, (uint8_t)(cmos_read(RTC_B) | B_SET));
	cmos_write(RTC_B, (uint8_t)((cmos_read(RTC_B) & ~(B_DM | B_24H)) | b_modes));
	set_time(y, mo, d, h, mi, 59);
	cmos_write(0x01, alarm[0]);
	cmos_write(0x03, alarm[1]);
	cmos_write(0x05, alarm[2]);
	rtc_read_raw(t);
	print_time("set to", t);
	snprintf(n, sizeof(n), "%s-set-time-reads-back", name);
	check(time_is(t, y, mo, d, h, mi, 59), n);

	/* the clock runs again; UIE only now (with SET still 1 the chip
	 * may drop it) */
	reset_hits(1);
	cmos_write(RTC_B, (uint8_t)(cmos_read(RTC_B) & ~B_SET));
	cmos_read(RTC_C);
	rtc_set(0, B_UIE | 0x20 /* AIE */);
	int first = sleep_until(&hits, 1, ms(1200));
	int got = first && rtc_read(t);
	if (got)
		print_time("after the update", t);
	snprintf(n, sizeof(n), "%s-uie-interrupt", name);
	check(first, n);
	snprintf(n, sizeof(n), "%s-regc-irqf-uf-in-handler", name);
	check_eq(c_first & (C_IRQF | C_UF), C_IRQF | C_UF, n);
	return got;
}

/* Bochs' clock does not carry from minute 59 into the hour: natively a
 * roll-over that needs it is skipped when it comes out wrong */
static void check_roll(int ok, const char *name)
{
	if (on_vireo || ok)
		check(ok, name);
	else
		skip(name, "native: Bochs' clock goes from hh:59:59 to hh:00:00");
}

static void test_set_and_update(struct irq_route *r)
{
	static const uint8_t alarm_midnight[3] = { 0x00, 0x00, 0x00 };
	static const uint8_t alarm_any[3] = { 0xC0, 0xC0, 0xC0 };
	static const uint8_t alarm_never[3] = { 0x30, 0xC0, 0xC0 }; /* second 30 only */
	struct irq_route pit;
	struct rtc_time t;
	int got;

	isa_irq_route(0, &pit);
	irq_set_handler(V_WAKE, wake_handler);
	pit_program(0, 2, 59659);
	ioapic_rte_write(pit.gsi, ioapic_rte_for(&pit, V_WAKE, (uint8_t)lapic_id(), 0));
	ioapic_rte_write(r->gsi, ioapic_rte_for(r, V_IOAPIC_RTC, (uint8_t)lapic_id(), 0));

	/* SET going high clears UIE */
	cmos_read(RTC_C);
	rtc_set(0, B_UIE);
	cmos_write(RTC_B, (uint8_t)(cmos_read(RTC_B) | B_SET));
	check_eq(cmos_read(RTC_B) & (B_SET | B_UIE), B_SET, "set-clears-uie");

	/* BCD, 24 hours: into the next century, the alarm at 00:00:00 */
	got = set_and_roll(B_24H, 2099, 12, 31, 23, 59, alarm_midnight, &t, "century");
	check_roll(got && time_is(&t, 2100, 1, 1, 0, 0, 0), "update-rolls-over-to-2100-01-01");
	check_roll(c_first & 0x20, "alarm-00-00-00-at-midnight");

	/* into a leap day; an alarm of three don't-care bytes: every second */
	got = set_and_roll(B_24H, 2028, 2, 28, 23, 59, alarm_any, &t, "leap");
	check(got && t.sec == 0x00, "set-time-runs-on");
	check_roll(got && time_is(&t, 2028, 2, 29, 0, 0, 0), "update-rolls-over-to-leap-day");
	check_eq(c_first & 0x20, 0x20, "alarm-dont-care-every-second");

	/* the next update one second later, UIP seen before it */
	int uip = 0;
	uint64_t t0 = rdtsc();
	sti();
	while (hits < 2 && rdtsc() - t0 < ms(1200))
		if (cmos_read(RTC_A) & A_UIP)
			uip = 1;
	cli();
	if (check(hits >= 2, "uie-second-interrupt"))
		check_pm(stamp[1] - stamp[0], ms(1000), 10, "uie-interrupts-one-second-apart");
	check(uip, "uip-seen-before-update");
	if (rtc_read(&t))
		check_eq(t.sec, 0x01, "seconds-advance-by-one");

	/* binary, into the next year; the alarm does not match */
	got = set_and_roll(B_DM | B_24H, 2028, 12, 31, 23, 59, alarm_never, &t, "binary");
	check_roll(got && time_is(&t, 2029, 1, 1, 0, 0, 0), "binary-update-rolls-over-to-2029-01-01");
	check_eq(c_first & 0x20, 0, "alarm-mismatch-no-af");

	/* 12-hour BCD: 11:59:59 PM -> 12:00:00 AM the next day; then noon */
	got = set_and_roll(0, 2028, 3, 31, 23, 59, alarm_never, &t, "h12");
	check_roll(got && time_is(&t, 2028, 4, 1, 0, 0, 0) && t.hour == 0x12, "h12-pm-rolls-to-12-am-next-day");
	got = set_and_roll(0, 2028, 4, 1, 11, 59, alarm_never, &t, "noon");
	check_roll(got && t.hour == 0x92, "h12-am-rolls-to-12-pm");

	/* back to 24-hour BCD, interrupts off */
	cmos_write(RTC_B, (uint8_t)(cmos_read(RTC_B) | B_SET));
	binary_mode = h12_mode = 0;
	cmos_write(RTC_B, B_SET | B_24H);
	set_time(2028, 4, 1, 12, 0, 0);
	cmos_write(RTC_B, B_24H);
	rtc_set(6, 0);
	cmos_read(RTC_C);
	ioapic_rte_write(pit.gsi, ioapic_rte_for(&pit, V_WAKE, (uint8_t)lapic_id(), 1));

	/* port 0x70 bit 7 is the NMI mask, not part of the index */
	outb(0x70, 0x80 | RTC_B);
	uint8_t b = inb(0x71);
	outb(0x70, RTC_D);
	check_eq(b, B_24H, "index-nmi-bit-selects-same-register");
}

void test_main(void)
{
	struct irq_route r;

	on_vireo = running_on_vireo();
	tsc_khz = pc_tsc_khz();
	printf("rtc test (%s): TSC %u kHz\n", on_vireo ? "on Vireo" : "native", tsc_khz);
	if (!tsc_khz) {
		fail("tsc-khz", "no TSC rate");
		return;
	}
	if (acpi_probe()) {
		fail("acpi-tables", "no FADT/MADT");
		return;
	}
	if (((const uint8_t *)acpi.fadt)[FADT_CENTURY])
		century_index = ((const uint8_t *)acpi.fadt)[FADT_CENTURY];
	printf("century byte at CMOS 0x%x\n", century_index);
	isa_irq_route(8, &r);
	printf("IRQ8 -> GSI %u (%s, %s)\n", r.gsi, r.level ? "level" : "edge", r.active_low ? "low" : "high");
	test_date();
	test_cmos_memory();
	test_periodic(&r);
	test_regc(&r);
	test_set_and_update(&r);
	ioapic_rte_write(r.gsi, ioapic_rte_for(&r, V_IOAPIC_RTC, (uint8_t)lapic_id(), 1));
}
