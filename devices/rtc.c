/* MC146818A RTC/CMOS model (see devices/rtc.h for what it models).
 *
 * Time: the divider chain starts at guest TSC div0; its updates come at
 * div0 + 1/2 s + k s (the datasheet's first update half a second after the
 * divider leaves reset) and its periodic ticks at div0 + m periods, so the
 * two stay in phase as on the chip. While the clock is "live" the time is
 * base_secs plus the updates since base_upd; otherwise (SET, divider
 * stopped, invalid contents) the clock bytes in cmos[] are the clock.
 *
 * Register C is computed lazily: catch_up() latches what happened since
 * flags_at, and every access that changes what the flags depend on (A, B,
 * the clock, the alarm) catches up first, so the result is what an eager
 * model would have. The host timer serves only interrupts that are enabled
 * and not yet signalled: with IRQF already 1 nothing more can reach the
 * guest before it reads C, so no timer runs (no host work for a guest that
 * ignores its RTC interrupts). */
#include "devices/rtc.h"
#include "devices/bus.h"
#include "lib/libc.h"

#define SECS_PER_DAY        86400
#define DAYS_PER_400Y       146097      /* Gregorian cycle */
/* 10000 years are 25 whole 400-year cycles (and whole weeks). */
#define SECS_PER_10000Y     (25LL * DAYS_PER_400Y * SECS_PER_DAY)
/* Days from 0000-03-01 to 1970-01-01. */
#define DAYS_0000_03_TO_1970 719468
/* Days from 0000-01-01 to 0000-03-01 (year 0 is a leap year). */
#define DAYS_0000_01_TO_03  60
/* Unix time of 0000-01-01 00:00:00. */
#define UNIX_YEAR0          (-62167219200LL)

/* The time base: 32.768 kHz. UIP rises t_BUC = 244 us (8 cycles) before
 * each update (datasheet, "Update Cycle"). One cycle is tsc_khz * 1000 /
 * 32768 = tsc_khz * 125 / 4096 TSC ticks. */
#define RTC_XTAL_HZ         32768
#define RTC_UIP_CYCLES      8

/* AT checksum over the CMOS configuration bytes. */
#define CMOS_CKSUM_FIRST    0x10
#define CMOS_CKSUM_LAST     0x2D

/* The bytes the update cycle counts. */
static const uint8_t clock_regs[] = {
	RTC_SECONDS, RTC_MINUTES, RTC_HOURS, RTC_DAY_OF_WEEK,
	RTC_DATE_OF_MONTH, RTC_MONTH, RTC_YEAR, RTC_CENTURY,
};

/* ---- calendar ---------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return a % b < 0 ? q - 1 : q;
}

bool rtc_leap_year(unsigned year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

unsigned rtc_days_in_month(unsigned year, unsigned month)
{
	static const uint8_t days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
	};

	if (month < 1 || month > 12)
		return 0;
	return days[month - 1] + (month == 2 && rtc_leap_year(year));
}

bool rtc_datetime_valid(const struct rtc_datetime *dt)
{
	return dt->year <= 9999 && dt->day >= 1 &&
	       dt->day <= rtc_days_in_month(dt->year, dt->month) &&
	       dt->hour < 24 && dt->min < 60 && dt->sec < 60;
}

/* Days since 1970-01-01 (H. Hinnant's days_from_civil). Years start in
 * March so that the leap day ends one; 400 years are added so that
 * January and February of year 0 stay positive in unsigned arithmetic. */
static int64_t days_from_civil(unsigned y, unsigned m, unsigned d)
{
	uint64_t yy = (uint64_t)y + 400 - (m <= 2);
	uint64_t era = yy / 400, yoe = yy % 400;
	uint64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	uint64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return (int64_t)(era * DAYS_PER_400Y + doe) - DAYS_PER_400Y -
	       DAYS_0000_03_TO_1970;
}

/* The date 'z' days after -0400-03-01 (Hinnant's civil_from_days). */
static void civil_from_days(uint64_t z, struct rtc_datetime *dt)
{
	uint64_t era = z / DAYS_PER_400Y, doe = z % DAYS_PER_400Y;
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	uint64_t mp = (5 * doy + 2) / 153;
	unsigned m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);

	dt->year = (uint16_t)(era * 400 + yoe + (m <= 2) - 400);
	dt->month = (uint8_t)m;
	dt->day = (uint8_t)(doy - (153 * mp + 2) / 5 + 1);
}

int64_t rtc_datetime_to_unix(const struct rtc_datetime *dt)
{
	return days_from_civil(dt->year, dt->month, dt->day) * SECS_PER_DAY +
	       dt->hour * 3600 + dt->min * 60 + dt->sec;
}

void rtc_unix_to_datetime(int64_t secs, struct rtc_datetime *dt)
{
	int64_t off = (secs - UNIX_YEAR0) % SECS_PER_10000Y;
	uint64_t days, tod;

	if (off < 0)
		off += SECS_PER_10000Y;
	days = (uint64_t)off / SECS_PER_DAY;
	tod = (uint64_t)off % SECS_PER_DAY;
	civil_from_days(days - DAYS_0000_01_TO_03 + DAYS_PER_400Y, dt);
	dt->hour = (uint8_t)(tod / 3600);
	dt->min = (uint8_t)(tod / 60 % 60);
	dt->sec = (uint8_t)(tod % 60);
}

unsigned rtc_weekday(int64_t secs)
{
	/* 1970-01-01 was a Thursday (5 when Sunday is 1). */
	int64_t wd = (floor_div(secs, SECS_PER_DAY) + 4) % 7;

	return (unsigned)(wd < 0 ? wd + 7 : wd) + 1;
}

/* ---- register bytes ---------------------------------------------------- */

static bool binary_mode(const struct rtc *r)
{
	return (r->cmos[RTC_REG_B] & RTC_B_DM) != 0;
}

static bool hours_24(const struct rtc *r)
{
	return (r->cmos[RTC_REG_B] & RTC_B_24_12) != 0;
}

/* v (0-99) as a register byte in B's data mode. */
static uint8_t enc(const struct rtc *r, unsigned v)
{
	return binary_mode(r) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

/* A register byte's value, -1 for a BCD digit above 9. */
static int dec(const struct rtc *r, uint8_t b)
{
	if (binary_mode(r))
		return b;
	if ((b & 0x0F) > 9 || (b >> 4) > 9)
		return -1;
	return (b >> 4) * 10 + (b & 0x0F);
}

/* 12-hour mode counts 12, 1, ..., 11 with PM in bit 7: midnight is
 * 12 AM, noon 12 PM. */
static uint8_t enc_hour(const struct rtc *r, unsigned h)
{
	if (hours_24(r))
		return enc(r, h);
	return (uint8_t)(enc(r, h % 12 ? h % 12 : 12) | (h >= 12 ? RTC_HOUR_PM : 0));
}

/* The hour (0-23) of an hour byte, -1 if it is none. */
static int dec_hour(const struct rtc *r, uint8_t b)
{
	int h;

	if (hours_24(r))
		return dec(r, b);
	h = dec(r, b & (uint8_t)~RTC_HOUR_PM);
	if (h < 1 || h > 12)
		return -1;
	return h % 12 + (b & RTC_HOUR_PM ? 12 : 0);
}

/* ---- the divider chain and the clock ----------------------------------- */

static uint64_t now(const struct rtc *r)
{
	return r->ops && r->ops->now ? r->ops->now(r->opaque) : 0;
}

static uint64_t tsc_per_sec(const struct rtc *r)
{
	return r->tsc_khz * 1000;
}

/* DV = 010 is the only divider value that runs the 32.768 kHz chain. */
static bool divider_runs(const struct rtc *r)
{
	return (r->cmos[RTC_REG_A] & RTC_A_DV) == RTC_A_DV_32KHZ;
}

/* Update cycles happen: the chain runs and SET does not inhibit them. */
static bool updating(const struct rtc *r)
{
	return divider_runs(r) && !(r->cmos[RTC_REG_B] & RTC_B_SET);
}

/* Divider updates up to and including guest TSC t. */
static uint64_t updates(const struct rtc *r, uint64_t t)
{
	uint64_t first = r->div0 + tsc_per_sec(r) / 2;

	if (t < first)
		return 0;
	return (t - first) / tsc_per_sec(r) + 1;
}

/* The guest TSC of the first update after t. */
static uint64_t next_update(const struct rtc *r, uint64_t t)
{
	return r->div0 + tsc_per_sec(r) / 2 + updates(r, t) * tsc_per_sec(r);
}

/* UIP: an update comes within t_BUC. SET clears UIP (Register B). */
static bool update_in_progress(const struct rtc *r, uint64_t t)
{
	uint64_t lead = (tsc_per_sec(r) * RTC_UIP_CYCLES + RTC_XTAL_HZ - 1) / RTC_XTAL_HZ;

	return updating(r) && next_update(r, t) - t <= lead;
}

/* The live clock's time at t, in Unix seconds. */
static int64_t clock_secs(const struct rtc *r, uint64_t t)
{
	return r->base_secs + (int64_t)(updates(r, t) - r->base_upd);
}

/* The day of week advances at each midnight from base_wday. */
static unsigned clock_wday(const struct rtc *r, int64_t secs)
{
	int64_t days = floor_div(secs, SECS_PER_DAY) - floor_div(r->base_secs, SECS_PER_DAY);

	return (unsigned)((r->base_wday - 1 + days) % 7) + 1;
}

/* Clock byte 'idx' of the live clock at time 'secs'. */
static uint8_t clock_field(const struct rtc *r, unsigned idx, int64_t secs)
{
	struct rtc_datetime dt;

	rtc_unix_to_datetime(secs, &dt);
	switch (idx) {
	case RTC_SECONDS:
		return enc(r, dt.sec);
	case RTC_MINUTES:
		return enc(r, dt.min);
	case RTC_HOURS:
		return enc_hour(r, dt.hour);
	case RTC_DAY_OF_WEEK:
		/* An invalid day of week stays as written. */
		return r->base_wday ? enc(r, clock_wday(r, secs)) : r->cmos[idx];
	case RTC_DATE_OF_MONTH:
		return enc(r, dt.day);
	case RTC_MONTH:
		return enc(r, dt.month);
	case RTC_YEAR:
		return enc(r, dt.year % 100);
	default:
		return enc(r, dt.year / 100);   /* RTC_CENTURY */
	}
}

/* The time the clock bytes hold, if they are a valid time in B's modes. */
static bool parse_clock(const struct rtc *r, int64_t *secs, uint8_t *wday)
{
	const uint8_t *c = r->cmos;
	int sec = dec(r, c[RTC_SECONDS]), min = dec(r, c[RTC_MINUTES]);
	int hour = dec_hour(r, c[RTC_HOURS]), day = dec(r, c[RTC_DATE_OF_MONTH]);
	int mon = dec(r, c[RTC_MONTH]), year = dec(r, c[RTC_YEAR]);
	int cent = dec(r, c[RTC_CENTURY]), wd = dec(r, c[RTC_DAY_OF_WEEK]);
	struct rtc_datetime dt;

	if (sec < 0 || min < 0 || hour < 0 || day < 0 || mon < 0 ||
	    year < 0 || year > 99 || cent < 0 || cent > 99)
		return false;
	dt.year = (uint16_t)(cent * 100 + year);
	dt.month = (uint8_t)mon;
	dt.day = (uint8_t)day;
	dt.hour = (uint8_t)hour;
	dt.min = (uint8_t)min;
	dt.sec = (uint8_t)sec;
	if (!rtc_datetime_valid(&dt))
		return false;
	*secs = rtc_datetime_to_unix(&dt);
	*wday = (uint8_t)(wd >= 1 && wd <= 7 ? wd : 0);
	return true;
}

/* Stop counting: the clock bytes take the time at t, in B's modes as
 * they are now. */
static void freeze(struct rtc *r, uint64_t t)
{
	int64_t secs;
	size_t i;

	if (!r->live)
		return;
	secs = clock_secs(r, t);
	for (i = 0; i < ARRAY_SIZE(clock_regs); i++)
		r->cmos[clock_regs[i]] = clock_field(r, clock_regs[i], secs);
	r->live = false;
}

/* Count from the clock bytes, from t on, if updates run and the bytes
 * are a valid time; otherwise the bytes stay the (stopped) clock. */
static void thaw(struct rtc *r, uint64_t t)
{
	int64_t secs;
	uint8_t wday;

	if (r->live || !updating(r) || !parse_clock(r, &secs, &wday))
		return;
	r->base_secs = secs;
	r->base_wday = wday;
	r->base_upd = updates(r, t);
	r->live = true;
}

/* ---- periodic interrupt ------------------------------------------------ */

/* The period in TSC ticks as num/den; false for RS = 0 (none). In 32.768
 * kHz cycles it is 2^(RS-1) for RS 3-15 and 128, 256 for RS 1, 2
 * (datasheet "Periodic Interrupt Rate": 3.90625 ms, 7.8125 ms). */
static bool period(const struct rtc *r, uint64_t *num, uint64_t *den)
{
	unsigned rs = r->cmos[RTC_REG_A] & RTC_A_RS;
	unsigned shift = rs == 1 ? 7 : rs == 2 ? 8 : rs - 1;

	if (!rs)
		return false;
	/* 2^shift cycles = tsc_khz * 125 * 2^shift / 2^12 ticks, reduced. */
	*num = r->tsc_khz * 125;
	*den = 1;
	if (shift >= 12)
		*num <<= shift - 12;
	else
		*den <<= 12 - shift;
	return true;
}

/* Periodic ticks up to and including t: tick m (m >= 1) comes at
 * div0 + ceil(m * num / den). Split so that nothing overflows. */
static uint64_t ticks(const struct rtc *r, uint64_t t, uint64_t num, uint64_t den)
{
	uint64_t d;

	if (t <= r->div0)
		return 0;
	d = t - r->div0;
	return d / num * den + d % num * den / num;
}

static uint64_t tick_time(const struct rtc *r, uint64_t m, uint64_t num, uint64_t den)
{
	return r->div0 + m / den * num + (m % den * num + den - 1) / den;
}

/* ---- alarm ------------------------------------------------------------- */

static bool alarm_byte_matches(uint8_t alarm, uint8_t cur)
{
	return (alarm & RTC_ALARM_DONT_CARE) == RTC_ALARM_DONT_CARE || alarm == cur;
}

/* The chip compares bytes, so the alarm is in B's modes too. Bit v of a
 * mask: value v of that field matches. False if some field never does. */
struct alarm_masks {
	uint64_t sec, min, hour;
};

static bool alarm_masks(const struct rtc *r, struct alarm_masks *m)
{
	unsigned v;

	m->sec = m->min = m->hour = 0;
	for (v = 0; v < 60; v++) {
		if (alarm_byte_matches(r->cmos[RTC_SECONDS_ALARM], enc(r, v)))
			m->sec |= 1ULL << v;
		if (alarm_byte_matches(r->cmos[RTC_MINUTES_ALARM], enc(r, v)))
			m->min |= 1ULL << v;
		if (v < 24 && alarm_byte_matches(r->cmos[RTC_HOURS_ALARM], enc_hour(r, v)))
			m->hour |= 1ULL << v;
	}
	return m->sec && m->min && m->hour;
}

/* The lowest set bit of mask at or above 'from', -1 if none. */
static int first_from(uint64_t mask, unsigned from)
{
	for (; from < 64; from++)
		if (mask >> from & 1)
			return (int)from;
	return -1;
}

/* The first time after 'after' that matches the alarm. The alarm repeats
 * daily, so there is one within a day or never: try this second onwards in
 * this minute, then a later minute of this hour, a later hour, tomorrow. */
static bool next_alarm(const struct rtc *r, int64_t after, int64_t *at)
{
	struct alarm_masks m;
	int64_t s = after + 1, day = floor_div(s, SECS_PER_DAY);
	int tod = (int)(s - day * SECS_PER_DAY);
	int h = tod / 3600, mi = tod / 60 % 60, sec = tod % 60;
	bool hour_ok, min_ok;

	if (!alarm_masks(r, &m))
		return false;
	hour_ok = m.hour >> h & 1;
	min_ok = hour_ok && (m.min >> mi & 1);
	if (min_ok && (sec = first_from(m.sec, (unsigned)sec)) >= 0) {
		/* this minute */
	} else if (hour_ok && (mi = first_from(m.min, (unsigned)mi + 1)) >= 0) {
		sec = first_from(m.sec, 0);
	} else if ((h = first_from(m.hour, (unsigned)h + 1)) >= 0) {
		mi = first_from(m.min, 0);
		sec = first_from(m.sec, 0);
	} else {
		day++;
		h = first_from(m.hour, 0);
		mi = first_from(m.min, 0);
		sec = first_from(m.sec, 0);
	}
	*at = day * SECS_PER_DAY + h * 3600 + mi * 60 + sec;
	return true;
}

/* A stopped (invalid) clock still runs update cycles; its bytes never
 * change, so they match the alarm at every update or never. */
static bool alarm_matches_bytes(const struct rtc *r)
{
	return alarm_byte_matches(r->cmos[RTC_SECONDS_ALARM], r->cmos[RTC_SECONDS]) &&
	       alarm_byte_matches(r->cmos[RTC_MINUTES_ALARM], r->cmos[RTC_MINUTES]) &&
	       alarm_byte_matches(r->cmos[RTC_HOURS_ALARM], r->cmos[RTC_HOURS]);
}

/* Some update in (from, t] reached a time the alarm matches. */
static bool alarm_between(const struct rtc *r, uint64_t from, uint64_t t)
{
	int64_t at;

	if (!r->live)
		return alarm_matches_bytes(r);
	return next_alarm(r, clock_secs(r, from), &at) && at <= clock_secs(r, t);
}

/* The guest TSC of the next update that matches the alarm, 0 if none. */
static uint64_t next_alarm_update(const struct rtc *r, uint64_t t)
{
	int64_t s, at;

	if (!r->live)
		return alarm_matches_bytes(r) ? next_update(r, t) : 0;
	s = clock_secs(r, t);
	if (!next_alarm(r, s, &at))
		return 0;
	return next_update(r, t) + (uint64_t)(at - s - 1) * tsc_per_sec(r);
}

/* ---- register C, IRQ8 and the host timer ------------------------------- */

/* Latch in C what happened in (flags_at, t]. Flags latch whatever B's
 * enables say (datasheet, Register C). */
static void catch_up(struct rtc *r, uint64_t t)
{
	uint64_t from = r->flags_at, num, den;

	if (t <= from)
		return;
	r->flags_at = t;
	if (!divider_runs(r))
		return;
	if (period(r, &num, &den) && ticks(r, t, num, den) != ticks(r, from, num, den))
		r->cmos[RTC_REG_C] |= RTC_C_PF;
	if (!updating(r) || updates(r, t) == updates(r, from))
		return;
	r->cmos[RTC_REG_C] |= RTC_C_UF;
	if (alarm_between(r, from, t))
		r->cmos[RTC_REG_C] |= RTC_C_AF;
}

/* IRQF = PF&PIE | AF&AIE | UF&UIE; the datasheet puts each flag in C at
 * the bit of its enable in B. */
static bool irqf(const struct rtc *r)
{
	return (r->cmos[RTC_REG_C] & r->cmos[RTC_REG_B] &
		(RTC_C_PF | RTC_C_AF | RTC_C_UF)) != 0;
}

static void update_irq(struct rtc *r)
{
	bool level = irqf(r);

	if (level == r->irq_level)
		return;
	r->irq_level = level;
	if (r->ops && r->ops->set_irq)
		r->ops->set_irq(r->opaque, RTC_IRQ, level);
}

static void arm(struct rtc *r, uint64_t deadline)
{
	if (deadline == r->deadline)
		return;
	r->deadline = deadline;
	if (r->ops && r->ops->timer_arm)
		r->ops->timer_arm(r->opaque, deadline);
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	if (!a || !b)
		return a | b;
	return a < b ? a : b;
}

/* Arm the host timer for the next event that would raise IRQF. UIE's
 * updates include AIE's, so the alarm needs its own deadline only
 * without UIE. Every deadline is after t: a late host skips the missed
 * periods in one step. */
static void rearm(struct rtc *r, uint64_t t)
{
	uint8_t b = r->cmos[RTC_REG_B];
	uint64_t next = 0, num, den;

	if (!r->irq_level && divider_runs(r)) {
		if ((b & RTC_B_PIE) && period(r, &num, &den))
			next = tick_time(r, ticks(r, t, num, den) + 1, num, den);
		if (updating(r) && (b & RTC_B_UIE))
			next = earliest(next, next_update(r, t));
		else if (updating(r) && (b & RTC_B_AIE))
			next = earliest(next, next_alarm_update(r, t));
	}
	arm(r, next);
}

/* ---- register writes --------------------------------------------------- */

static void write_reg_a(struct rtc *r, uint8_t val, uint64_t t)
{
	bool ran = divider_runs(r);

	if ((val & RTC_A_DV) != RTC_A_DV_32KHZ)
		freeze(r, t);
	r->cmos[RTC_REG_A] = val & (uint8_t)~RTC_A_UIP;
	if (!ran && divider_runs(r)) {
		/* The chain restarts; its first update comes 500 ms later. */
		r->div0 = t;
		thaw(r, t);
	}
}

static void write_reg_b(struct rtc *r, uint8_t val, uint64_t t)
{
	if ((val & RTC_B_SET) && !(r->cmos[RTC_REG_B] & RTC_B_SET)) {
		/* SET going high clears UIE (Register B) and leaves the time
		 * in the bytes, in the modes they had. */
		val &= (uint8_t)~RTC_B_UIE;
		freeze(r, t);
	}
	r->cmos[RTC_REG_B] = val;
	thaw(r, t);
}

/* The chip writes a clock byte as it stands; the other bytes keep
 * counting and the divider keeps its phase. */
static void write_clock(struct rtc *r, unsigned idx, uint8_t val, uint64_t t)
{
	freeze(r, t);
	r->cmos[idx] = val;
	thaw(r, t);
}

/* ---- port access ------------------------------------------------------- */

/* The time and date registers (century included), which the running
 * clock answers. */
static bool is_clock_reg(unsigned idx)
{
	switch (idx) {
	case RTC_SECONDS: case RTC_MINUTES: case RTC_HOURS: case RTC_DAY_OF_WEEK:
	case RTC_DATE_OF_MONTH: case RTC_MONTH: case RTC_YEAR: case RTC_CENTURY:
		return true;
	default:
		return false;
	}
}

static uint8_t read_data(struct rtc *r, unsigned idx, uint64_t t)
{
	uint8_t v;

	if (is_clock_reg(idx))
		return r->live ? clock_field(r, idx, clock_secs(r, t)) : r->cmos[idx];
	switch (idx) {
	case RTC_REG_A:
		return (uint8_t)(r->cmos[RTC_REG_A] |
				 (update_in_progress(r, t) ? RTC_A_UIP : 0));
	case RTC_REG_C:
		v = (uint8_t)(r->cmos[RTC_REG_C] | (irqf(r) ? RTC_C_IRQF : 0));
		r->cmos[RTC_REG_C] = 0;
		return v;
	case RTC_REG_D:
		return RTC_D_VRT;
	default:
		return r->cmos[idx];     /* alarms, B, RAM */
	}
}

static void write_data(struct rtc *r, unsigned idx, uint8_t val, uint64_t t)
{
	if (is_clock_reg(idx)) {
		write_clock(r, idx, val, t);
		return;
	}
	switch (idx) {
	case RTC_REG_A:
		write_reg_a(r, val, t);
		break;
	case RTC_REG_B:
		write_reg_b(r, val, t);
		break;
	case RTC_REG_C:
	case RTC_REG_D:
		break;                   /* read-only */
	default:
		r->cmos[idx] = val;      /* alarms, RAM */
		break;
	}
}

int rtc_pio(void *dev, uint16_t port, unsigned size, bool write, uint32_t *val)
{
	struct rtc *r = dev;
	unsigned idx = r->index & RTC_INDEX_MASK;
	uint64_t t;

	if (port != RTC_PORT_INDEX && port != RTC_PORT_DATA)
		return BUS_UNCLAIMED;
	if (size != 1) {
		/* An 8-bit ISA device: wider accesses are not decoded. */
		if (!write)
			*val = size == 2 ? 0xFFFFu : 0xFFFFFFFFu;
		return BUS_ERROR;
	}
	if (port == RTC_PORT_INDEX) {
		/* Write-only on the AT; bit 7 is the NMI mask, not index. */
		if (write)
			r->index = (uint8_t)*val;
		else
			*val = 0xFF;
		return BUS_OK;
	}
	t = now(r);
	catch_up(r, t);
	if (write)
		write_data(r, idx, (uint8_t)*val, t);
	else
		*val = read_data(r, idx, t);
	update_irq(r);
	/* Only writes and reading C change what the timer waits for. */
	if (write || idx == RTC_REG_C)
		rearm(r, t);
	return BUS_OK;
}

void rtc_timer_expired(struct rtc *r)
{
	uint64_t t = now(r);

	r->deadline = 0;                 /* the host's timer is spent */
	catch_up(r, t);
	update_irq(r);
	rearm(r, t);
}

bool rtc_nmi_masked(const struct rtc *r)
{
	return (r->index & RTC_INDEX_NMI) != 0;
}

void rtc_init(struct rtc *r, const struct rtc_datetime *start, uint64_t tsc_khz,
	      const struct rtc_ops *ops, void *opaque)
{
	static const struct rtc_datetime y2k = { .year = 2000, .month = 1, .day = 1 };

	memset(r, 0, sizeof(*r));
	r->ops = ops;
	r->opaque = opaque;
	r->tsc_khz = tsc_khz ? tsc_khz : 1;
	r->cmos[RTC_REG_A] = RTC_A_DEFAULT;
	r->cmos[RTC_REG_B] = RTC_B_DEFAULT;
	r->index = RTC_REG_D;
	if (!start || !rtc_datetime_valid(start))
		start = &y2k;
	r->div0 = now(r);
	r->flags_at = r->div0;
	r->base_secs = rtc_datetime_to_unix(start);
	r->base_wday = (uint8_t)rtc_weekday(r->base_secs);
	r->base_upd = 0;
	r->live = true;
}

/* ---- CMOS RAM ---------------------------------------------------------- */

void rtc_cmos_set(struct rtc *r, unsigned index, uint8_t val)
{
	uint16_t sum = 0;
	unsigned i;

	if (index >= RTC_CMOS_SIZE || index <= RTC_REG_D || index == RTC_CENTURY)
		return;
	r->cmos[index] = val;
	if (index < CMOS_CKSUM_FIRST || index > CMOS_CKSUM_LAST)
		return;
	for (i = CMOS_CKSUM_FIRST; i <= CMOS_CKSUM_LAST; i++)
		sum = (uint16_t)(sum + r->cmos[i]);
	r->cmos[RTC_CMOS_CHECKSUM_HI] = (uint8_t)(sum >> 8);
	r->cmos[RTC_CMOS_CHECKSUM_LO] = (uint8_t)sum;
}

static void cmos_set16(struct rtc *r, unsigned index, uint64_t v)
{
	if (v > 0xFFFF)
		v = 0xFFFF;
	rtc_cmos_set(r, index, (uint8_t)v);
	rtc_cmos_set(r, index + 1, (uint8_t)(v >> 8));
}

void rtc_cmos_set_memory(struct rtc *r, uint64_t ram_bytes)
{
	uint64_t below = ram_bytes < GiB(4) ? ram_bytes : GiB(4);
	uint64_t above = (ram_bytes - below) / KiB(64);
	uint64_t ext = below > MiB(1) ? (below - MiB(1)) / KiB(1) : 0;

	cmos_set16(r, RTC_CMOS_BASE_MEM, below / KiB(1) < 640 ? below / KiB(1) : 640);
	cmos_set16(r, RTC_CMOS_EXT_MEM, ext);
	cmos_set16(r, RTC_CMOS_EXT_MEM_POST, ext);
	cmos_set16(r, RTC_CMOS_MEM_16M, below > MiB(16) ? (below - MiB(16)) / KiB(64) : 0);
	if (above > 0xFFFFFF)
		above = 0xFFFFFF;
	rtc_cmos_set(r, RTC_CMOS_MEM_4G, (uint8_t)above);
	rtc_cmos_set(r, RTC_CMOS_MEM_4G + 1, (uint8_t)(above >> 8));
	rtc_cmos_set(r, RTC_CMOS_MEM_4G + 2, (uint8_t)(above >> 16));
}
