/* FUZZ-DEPS: devices/rtc.c
 *
 * libFuzzer target for the MC146818A RTC/CMOS (devices/rtc.c). The input
 * picks the start date, TSC rate and start time, then a sequence of index
 * and data accesses (any index, NMI bit included), whole-time reads, time
 * writes under SET, mode switches (BCD/binary, 12/24 h), divider stops and
 * restarts, time advances and host timer expiries.
 *
 * Checked, from the datasheet and devices/rtc.h:
 *  - every clock byte of a running clock is in range in the current mode
 *    (BCD digits 0-9; seconds/minutes 0-59, hours 0-23 or 1-12 with the PM
 *    bit, date within its month, month 1-12, year/century 0-99, weekday
 *    1-7 when it was valid);
 *  - a running clock advances by exactly the number of update instants
 *    (div0 + 1/2 s + k s, div0 = when the divider last started) between two
 *    reads, decoded with an independent calendar, and the weekday by the
 *    midnights crossed; switching data mode or 12/24 h keeps the time;
 *  - register C reads IRQF = (C & B & 0x70) != 0 and clears; IRQ8 (reported
 *    only on changes) is IRQF; A reads back with UIP only while updates run;
 *    B, the alarms and RAM read back; D reads VRT; port 0x70 reads 0xFF;
 *  - the armed deadline is the device's and lies in the future, and an
 *    enabled, unsignalled interrupt source always has a deadline;
 *  - the calendar helpers round-trip and agree with Zeller's weekday. */
#include "tests/fuzz/fuzz.h"

#include <stdbool.h>

#include "devices/bus.h"
#include "devices/rtc.h"

struct harness {
	struct rtc rtc;
	uint64_t now, armed;
	bool line;
	uint64_t div0;          /* when the divider last started */
	uint8_t ram[RTC_CMOS_SIZE];
	bool ram_known[RTC_CMOS_SIZE];
	/* The last whole-time read of a running clock. */
	bool have_prev;
	int64_t prev_secs;
	uint64_t prev_t;
	int prev_wday;
};

static struct harness h;

static uint64_t cb_now(void *opaque)
{
	(void)opaque;
	return h.now;
}

static void cb_arm(void *opaque, uint64_t deadline)
{
	(void)opaque;
	h.armed = deadline;
}

static void cb_irq(void *opaque, unsigned line, bool level)
{
	(void)opaque;
	FUZZ_CHECK(line == RTC_IRQ, "set_irq line %u", line);
	FUZZ_CHECK(level != h.line, "set_irq without a change (%d)", level);
	h.line = level;
}

static const struct rtc_ops ops = { .now = cb_now, .timer_arm = cb_arm,
				    .set_irq = cb_irq };

/* ---- an independent calendar ---- */

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int mdays(int64_t y, int m)
{
	static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return d[m - 1] + (m == 2 && leap(y));
}

/* Days from 0000-01-01 to y-m-d (y >= 0). */
static int64_t days_since_0(int64_t y, int m, int d)
{
	int64_t days = y * 365 + (y + 3) / 4 - (y + 99) / 100 + (y + 399) / 400;

	for (int i = 1; i < m; i++)
		days += mdays(y, i);
	return days + d - 1;
}

/* Zeller's congruence: 1 = Sunday ... 7 = Saturday. 400 years are
 * whole weeks, so the year is moved up by 400 to stay positive. */
static int zeller(int64_t y, int m, int d)
{
	if (m < 3) {
		m += 12;
		y--;
	}
	y += 400;
	int64_t k = y % 100, j = y / 100;
	int64_t hh = (d + 13 * (m + 1) / 5 + k + k / 4 + j / 4 + 5 * j) % 7;

	return (int)((hh + 6) % 7) + 1;     /* Zeller's 0 is Saturday */
}

static int64_t fdiv(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

#define UNIX_DAY0 719528        /* days from 0000-01-01 to 1970-01-01 */

static void check_calendar(uint16_t year, uint8_t month, uint8_t day, uint32_t tod)
{
	struct rtc_datetime dt = { .year = (uint16_t)(year % 10000),
				   .month = (uint8_t)(month % 12 + 1) };

	dt.day = (uint8_t)(day % mdays(dt.year, dt.month) + 1);
	tod %= 86400;
	dt.hour = (uint8_t)(tod / 3600);
	dt.min = (uint8_t)(tod / 60 % 60);
	dt.sec = (uint8_t)(tod % 60);
	FUZZ_CHECK(rtc_datetime_valid(&dt), "valid date %u-%u-%u refused", dt.year,
		   dt.month, dt.day);
	FUZZ_CHECK(rtc_days_in_month(dt.year, dt.month) == (unsigned)mdays(dt.year, dt.month),
		   "days in %u-%u", dt.year, dt.month);
	int64_t secs = rtc_datetime_to_unix(&dt);
	int64_t want = (days_since_0(dt.year, dt.month, dt.day) - UNIX_DAY0) * 86400 + tod;
	FUZZ_CHECK(secs == want, "%u-%u-%u %u s: unix %lld, model %lld", dt.year,
		   dt.month, dt.day, tod, (long long)secs, (long long)want);
	struct rtc_datetime back;
	rtc_unix_to_datetime(secs, &back);
	FUZZ_CHECK(back.year == dt.year && back.month == dt.month && back.day == dt.day &&
		   back.hour == dt.hour && back.min == dt.min && back.sec == dt.sec,
		   "round trip of %u-%u-%u gave %u-%u-%u", dt.year, dt.month, dt.day,
		   back.year, back.month, back.day);
	FUZZ_CHECK(rtc_weekday(secs) == (unsigned)zeller(dt.year, dt.month, dt.day),
		   "weekday of %u-%u-%u: %u, Zeller %d", dt.year, dt.month, dt.day,
		   rtc_weekday(secs), zeller(dt.year, dt.month, dt.day));
}

/* ---- port access ---- */

static uint8_t rd(uint8_t idx)
{
	uint32_t v = idx;
	int rc = rtc_pio(&h.rtc, RTC_PORT_INDEX, 1, true, &v);
	FUZZ_CHECK(rc == BUS_OK, "index write rc %d", rc);
	v = 0x1234;
	rc = rtc_pio(&h.rtc, RTC_PORT_DATA, 1, false, &v);
	FUZZ_CHECK(rc == BUS_OK && v <= 0xFF, "data read rc %d v %#x", rc, v);
	return (uint8_t)v;
}

static void wr(uint8_t idx, uint8_t val)
{
	uint32_t v = idx;
	bool div_ran = (h.rtc.cmos[RTC_REG_A] & RTC_A_DV) == RTC_A_DV_32KHZ;

	int rc = rtc_pio(&h.rtc, RTC_PORT_INDEX, 1, true, &v);
	v = val;
	rc |= rtc_pio(&h.rtc, RTC_PORT_DATA, 1, true, &v);
	FUZZ_CHECK(rc == BUS_OK, "write rc %d", rc);
	idx &= RTC_INDEX_MASK;
	if (idx == RTC_REG_A && !div_ran && (val & RTC_A_DV) == RTC_A_DV_32KHZ)
		h.div0 = h.now;
	if (idx > RTC_REG_D && idx != RTC_CENTURY) {
		h.ram[idx] = val;
		h.ram_known[idx] = true;
	}
	if (idx <= RTC_REG_B || idx == RTC_CENTURY)
		h.have_prev = false;    /* the clock or its modes changed */
}

static bool bin_mode(void)
{
	return h.rtc.cmos[RTC_REG_B] & RTC_B_DM;
}

static int decode(uint8_t b)
{
	if (bin_mode())
		return b;
	FUZZ_CHECK((b & 0xF) <= 9 && (b >> 4) <= 9, "BCD byte %#x", b);
	return (b >> 4) * 10 + (b & 0xF);
}

static bool clock_runs(void)
{
	return h.rtc.live;
}

/* Read the whole time of a running clock and check it. */
static void read_time(void)
{
	if (!clock_runs())
		return;
	/* Reads take no guest time here: all bytes are one instant. */
	uint8_t b = h.rtc.cmos[RTC_REG_B];
	int sec = decode(rd(RTC_SECONDS)), min = decode(rd(RTC_MINUTES));
	uint8_t hb = rd(RTC_HOURS);
	/* An invalid weekday stays as written (rtc.h): only a valid one is
	 * a number in the data mode. */
	uint8_t wb = rd(RTC_DAY_OF_WEEK);
	int wday = h.rtc.base_wday ? decode(wb) : -1;
	int day = decode(rd(RTC_DATE_OF_MONTH));
	int mon = decode(rd(RTC_MONTH)), year = decode(rd(RTC_YEAR));
	int cent = decode(rd(RTC_CENTURY));
	int hour;

	if (b & RTC_B_24_12) {
		hour = decode(hb);
		FUZZ_CHECK(hour < 24, "hour %d (24 h)", hour);
	} else {
		int h12 = decode(hb & 0x7F);
		FUZZ_CHECK(h12 >= 1 && h12 <= 12, "hour byte %#x (12 h)", hb);
		hour = h12 % 12 + ((hb & RTC_HOUR_PM) ? 12 : 0);
	}
	FUZZ_CHECK(sec < 60 && min < 60, "%d min %d s", min, sec);
	FUZZ_CHECK(mon >= 1 && mon <= 12, "month %d", mon);
	FUZZ_CHECK(year < 100 && cent < 100, "year %d century %d", year, cent);
	int64_t y = cent * 100 + year;
	FUZZ_CHECK(day >= 1 && day <= mdays(y, mon), "day %d of %lld-%d", day,
		   (long long)y, mon);
	if (h.rtc.base_wday)
		FUZZ_CHECK(wday >= 1 && wday <= 7, "weekday %d", wday);
	int64_t secs = (days_since_0(y, mon, day) - UNIX_DAY0) * 86400 +
		       hour * 3600 + min * 60 + sec;
	if (h.have_prev) {
		/* Updates at div0 + k s + 1/2 s, counted in (prev_t, now]. */
		uint64_t hz = h.rtc.tsc_khz * 1000, first = h.div0 + hz / 2;
		uint64_t n0 = h.prev_t < first ? 0 : (h.prev_t - first) / hz + 1;
		uint64_t n1 = h.now < first ? 0 : (h.now - first) / hz + 1;
		int64_t want = h.prev_secs + (int64_t)(n1 - n0);
		const int64_t span = 10000LL * 365 * 86400 + 2425LL * 86400;
		int64_t got = secs;
		/* Years wrap 9999 -> 0000. */
		while (got < want - span / 2)
			got += span;
		FUZZ_CHECK(got == want, "clock says %lld, %llu updates after %lld",
			   (long long)secs, (unsigned long long)(n1 - n0),
			   (long long)h.prev_secs);
		if (h.prev_wday >= 1 && h.prev_wday <= 7 && h.rtc.base_wday) {
			int64_t days = fdiv(got, 86400) - fdiv(h.prev_secs, 86400);
			FUZZ_CHECK(wday == (int)((h.prev_wday - 1 + days) % 7) + 1,
				   "weekday %d, %lld days after %d", wday, (long long)days,
				   h.prev_wday);
		}
	}
	h.have_prev = true;
	h.prev_secs = secs;
	h.prev_t = h.now;
	h.prev_wday = wday;
}

static void check_state(void)
{
	const struct rtc *r = &h.rtc;
	bool irqf = (r->cmos[RTC_REG_C] & r->cmos[RTC_REG_B] & 0x70) != 0;

	FUZZ_CHECK(h.armed == r->deadline, "armed %llu, device %llu",
		   (unsigned long long)h.armed, (unsigned long long)r->deadline);
	FUZZ_CHECK(h.armed == 0 || h.armed > h.now, "deadline %llu not after %llu",
		   (unsigned long long)h.armed, (unsigned long long)h.now);
	FUZZ_CHECK(h.line == r->irq_level && h.line == irqf,
		   "IRQ8 %d, device %d, C&B %#x", h.line, r->irq_level,
		   r->cmos[RTC_REG_C] & r->cmos[RTC_REG_B]);
	bool runs = (r->cmos[RTC_REG_A] & RTC_A_DV) == RTC_A_DV_32KHZ;
	bool upd = runs && !(r->cmos[RTC_REG_B] & RTC_B_SET);
	/* An interrupt that can still come must have a timer (PIE with a rate,
	 * UIE while updating). */
	if (!h.line && runs && (((r->cmos[RTC_REG_B] & RTC_B_PIE) &&
				 (r->cmos[RTC_REG_A] & RTC_A_RS)) ||
				(upd && (r->cmos[RTC_REG_B] & RTC_B_UIE))))
		FUZZ_CHECK(h.armed != 0, "enabled interrupt without a deadline (A %#x B %#x)",
			   r->cmos[RTC_REG_A], r->cmos[RTC_REG_B]);
	FUZZ_CHECK(!r->live || upd, "clock live while updates are off");
}

static void fire(bool exact)
{
	uint64_t dl = h.armed;

	if (exact && h.armed > h.now)
		h.now = h.armed;
	h.armed = 0;
	rtc_timer_expired(&h.rtc);
	/* A timer is armed only for an enabled interrupt that is still to
	 * come: at its deadline, IRQF rises. */
	if (dl != 0 && h.now >= dl)
		FUZZ_CHECK(h.line, "deadline %llu passed without IRQ8 (A %#x B %#x C %#x)",
			   (unsigned long long)dl, h.rtc.cmos[RTC_REG_A],
			   h.rtc.cmos[RTC_REG_B], h.rtc.cmos[RTC_REG_C]);
}

static void advance(uint64_t dt)
{
	h.now += dt;
	if (h.armed && h.now >= h.armed)
		fire(false);
}

static void read_reg(uint8_t idx)
{
	const struct rtc *r = &h.rtc;
	uint8_t i = idx & RTC_INDEX_MASK;
	uint8_t v;

	switch (i) {
	case RTC_REG_A: {
		uint8_t a = r->cmos[RTC_REG_A];
		v = rd(idx);
		FUZZ_CHECK((v & 0x7F) == a, "A %#x, stored %#x", v, a);
		bool upd = (a & RTC_A_DV) == RTC_A_DV_32KHZ && !(r->cmos[RTC_REG_B] & RTC_B_SET);
		FUZZ_CHECK(upd || !(v & RTC_A_UIP), "UIP without updates (A %#x)", v);
		if (v & RTC_A_UIP) {
			/* 244 us before an update at div0 + 1/2 s + k s. */
			uint64_t hz = r->tsc_khz * 1000, first = h.div0 + hz / 2;
			uint64_t next = h.now < first ? first :
				first + ((h.now - first) / hz + 1) * hz;
			FUZZ_CHECK(next - h.now <= (hz * 8 + 32767) / 32768,
				   "UIP %llu ticks before the update",
				   (unsigned long long)(next - h.now));
		}
		break;
	}
	case RTC_REG_C: {
		v = rd(idx);
		bool irqf = (v & r->cmos[RTC_REG_B] & 0x70) != 0;
		FUZZ_CHECK(((v & RTC_C_IRQF) != 0) == irqf && (v & 0x0F) == 0,
			   "C %#x with B %#x", v, r->cmos[RTC_REG_B]);
		FUZZ_CHECK(r->cmos[RTC_REG_C] == 0 && !h.line, "C not cleared by a read");
		break;
	}
	case RTC_REG_D:
		v = rd(idx);
		FUZZ_CHECK(v == RTC_D_VRT, "D %#x", v);
		break;
	case RTC_REG_B:
		v = rd(idx);
		FUZZ_CHECK(v == r->cmos[RTC_REG_B], "B %#x", v);
		break;
	default:
		v = rd(idx);
		if (i > RTC_REG_D && i != RTC_CENTURY && h.ram_known[i])
			FUZZ_CHECK(v == h.ram[i], "RAM %#x: %#x, written %#x", i, v, h.ram[i]);
		if (i == RTC_SECONDS_ALARM || i == RTC_MINUTES_ALARM || i == RTC_HOURS_ALARM)
			FUZZ_CHECK(v == r->cmos[i], "alarm %#x", v);
		break;
	}
}

static unsigned le16(unsigned i)
{
	return h.rtc.cmos[i] | (unsigned)h.rtc.cmos[i + 1] << 8;
}

/* The integrator fills the memory-size bytes (rtc.h lists them). */
static void cmos_memory(uint64_t ram)
{
	rtc_cmos_set_memory(&h.rtc, ram);
	uint64_t below = ram < (4ull << 30) ? ram : 4ull << 30;
	uint64_t kb = below >> 10, ext = below > (1u << 20) ? (below - (1u << 20)) >> 10 : 0;
	uint64_t m16 = below > (16u << 20) ? (below - (16u << 20)) >> 16 : 0;
	uint64_t above = (ram - below) >> 16;

	FUZZ_CHECK(le16(0x15) == (kb < 640 ? kb : 640), "base memory %u KiB", le16(0x15));
	FUZZ_CHECK(le16(0x17) == (ext > 0xFFFF ? 0xFFFF : ext) && le16(0x30) == le16(0x17),
		   "extended memory %u/%u KiB", le16(0x17), le16(0x30));
	FUZZ_CHECK(le16(0x34) == (m16 > 0xFFFF ? 0xFFFF : m16), "16M-4G %u", le16(0x34));
	FUZZ_CHECK((h.rtc.cmos[0x5B] | h.rtc.cmos[0x5C] << 8 | (uint32_t)h.rtc.cmos[0x5D] << 16) ==
		   (above > 0xFFFFFF ? 0xFFFFFF : above), "above 4G");
	unsigned sum = 0;
	for (unsigned i = 0x10; i <= 0x2D; i++)
		sum += h.rtc.cmos[i];
	FUZZ_CHECK(((unsigned)h.rtc.cmos[0x2E] << 8 | h.rtc.cmos[0x2F]) == (sum & 0xFFFF),
		   "checksum %#x%02x, sum %#x", h.rtc.cmos[0x2E], h.rtc.cmos[0x2F], sum);
	/* rtc_cmos_set leaves the clock and registers alone. */
	uint8_t before[RTC_CENTURY + 1];
	memcpy(before, h.rtc.cmos, sizeof(before));
	rtc_cmos_set(&h.rtc, RTC_REG_B, (uint8_t)~before[RTC_REG_B]);
	rtc_cmos_set(&h.rtc, RTC_SECONDS, (uint8_t)~before[RTC_SECONDS]);
	rtc_cmos_set(&h.rtc, RTC_CENTURY, (uint8_t)~before[RTC_CENTURY]);
	rtc_cmos_set(&h.rtc, 200, 0xFF);
	FUZZ_CHECK(!memcmp(before, h.rtc.cmos, sizeof(before)),
		   "rtc_cmos_set wrote the clock or its registers");
	for (unsigned i = 0x0E; i < RTC_CMOS_SIZE; i++)
		if (i != RTC_CENTURY) {
			h.ram[i] = h.rtc.cmos[i];
			h.ram_known[i] = true;
		}
}

/* Set the clock the way an OS does: SET, the bytes, SET off. */
static void set_time(struct fuzz_in *in)
{
	uint8_t b = rd(RTC_REG_B);
	uint8_t fields[8];

	for (unsigned i = 0; i < 8; i++)
		fields[i] = fuzz_u8(in);
	wr(RTC_REG_B, b | RTC_B_SET);
	wr(RTC_SECONDS, fields[0]);
	wr(RTC_MINUTES, fields[1]);
	wr(RTC_HOURS, fields[2]);
	wr(RTC_DAY_OF_WEEK, fields[3]);
	wr(RTC_DATE_OF_MONTH, fields[4]);
	wr(RTC_MONTH, fields[5]);
	wr(RTC_YEAR, fields[6]);
	wr(RTC_CENTURY, fields[7]);
	wr(RTC_REG_B, (uint8_t)(b & ~RTC_B_SET));
}

/* Switch modes without touching the time: the time must stay. */
static void switch_modes(uint8_t a)
{
	uint8_t b = h.rtc.cmos[RTC_REG_B];

	read_time();
	bool had = h.have_prev && clock_runs();
	int64_t secs = h.prev_secs;
	wr(RTC_REG_B, (uint8_t)((b & ~(RTC_B_DM | RTC_B_24_12 | RTC_B_SET)) |
				(a & (RTC_B_DM | RTC_B_24_12))));
	if (!had || !clock_runs())
		return;
	h.have_prev = true;
	h.prev_secs = secs;
	h.prev_t = h.now;
	read_time();
}

static void step(struct fuzz_in *in)
{
	uint8_t op = fuzz_u8(in);
	uint8_t a = fuzz_u8(in);

	switch (op % 15) {
	case 0:
		wr(a, fuzz_u8(in));
		break;
	case 1:
		read_reg(a);
		break;
	case 2:
		read_time();
		break;
	case 3:
		set_time(in);
		break;
	case 4:
		switch_modes(a);
		break;
	case 5:                 /* divider: stop / restart / rate */
		wr(RTC_REG_A, a);
		break;
	case 6:                 /* interrupt enables, SET off */
		wr(RTC_REG_B, (uint8_t)((h.rtc.cmos[RTC_REG_B] & 0x0F) | (a & 0x70)));
		break;
	case 7:
		advance((uint64_t)a * 1000);
		break;
	case 8:
		advance((uint64_t)fuzz_u32(in) << (a % 16u));
		break;
	case 9:
		if (h.armed)
			fire(true);
		break;
	case 10:                /* stale expiry */
		fire(false);
		break;
	case 11: {              /* port 0x70 reads, widths, foreign ports */
		uint32_t v = 0;
		int rc = rtc_pio(&h.rtc, RTC_PORT_INDEX, 1, false, &v);
		FUZZ_CHECK(rc == BUS_OK && v == 0xFF, "0x70 read %#x", v);
		v = 0;
		rc = rtc_pio(&h.rtc, (uint16_t)(RTC_PORT_INDEX + (a & 1)), (a & 2) ? 2 : 4,
			     a & 4, &v);
		FUZZ_CHECK(rc == BUS_ERROR, "wide rc %d", rc);
		if (!(a & 4))
			FUZZ_CHECK(v == ((a & 2) ? 0xFFFFu : 0xFFFFFFFFu), "wide %#x", v);
		rc = rtc_pio(&h.rtc, 0x72, 1, false, &v);
		FUZZ_CHECK(rc == BUS_UNCLAIMED, "0x72 rc %d", rc);
		FUZZ_CHECK(rtc_nmi_masked(&h.rtc) == ((h.rtc.index & 0x80) != 0), "NMI bit");
		break;
	}
	case 12: {              /* alarm */
		wr(RTC_SECONDS_ALARM, a);
		wr(RTC_MINUTES_ALARM, fuzz_u8(in));
		wr(RTC_HOURS_ALARM, fuzz_u8(in));
		break;
	}
	case 13:
		if (a & 1) {
			cmos_memory(fuzz_u64(in) >> (a >> 2));
			break;
		}
		/* fall through */
	default: {
		uint16_t y = fuzz_u16(in);
		uint8_t m = fuzz_u8(in);
		check_calendar(y, a, m, fuzz_u32(in));
		break;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in_init(data, size);
	uint8_t cfg = fuzz_u8(&in);
	struct rtc_datetime start = { 2026, 11, 30, 23, 59, 58 };

	memset(&h, 0, sizeof(h));
	if (cfg & 1) {
		start.year = fuzz_u16(&in);
		start.month = fuzz_u8(&in);
		start.day = fuzz_u8(&in);
		start.hour = fuzz_u8(&in);
		start.min = fuzz_u8(&in);
		start.sec = fuzz_u8(&in);
	}
	/* Guest TSC 1 MHz - 100 GHz; the VM's time starts near 0. */
	uint64_t khz = (cfg & 2) ? 1000 + fuzz_u32(&in) % 100000000u : 2000000;
	h.now = (cfg & 4) ? fuzz_u64(&in) >> 16 : 0;
	rtc_init(&h.rtc, &start, khz, &ops, &h);
	h.div0 = h.now;
	check_state();
	while (fuzz_left(&in) > 0) {
		step(&in);
		check_state();
	}
	return 0;
}
