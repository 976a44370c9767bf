/* MC146818A real-time clock and CMOS RAM at ports 0x70 (index) and 0x71
 * (data), the PC/AT "CMOS clock" on ISA IRQ8.
 * References: Motorola MC146818A datasheet ("Address Map", "Register A"
 * to "Register D", "Update Cycle", "Interrupts"); Dallas DS12887 datasheet
 * for the same registers on later PCs.
 *
 * The clock is not maintained by timers: the host gives a wall-clock start
 * at init, and the time the guest reads is computed on demand from the
 * guest TSC (ops->now, tsc_khz). Register C's flags (PF, AF, UF) are also
 * computed on demand; a host timer is armed only for events enabled in
 * register B (PIE, AIE, UIE), and only while IRQF is still clear.
 *
 * What the model does not do:
 *  - daylight saving (B.DSE) is stored and read back, never applied;
 *  - B.SQWE is stored; there is no square-wave pin;
 *  - the divider's other time bases (DV = 000, 001 for 4.19/1.05 MHz
 *    crystals) are not modelled: only DV = 010 (32.768 kHz) runs the clock
 *    and the periodic interrupt, every other value stops both (11x is the
 *    datasheet's "divider in reset"); leaving any stopped value for 010
 *    restarts the chain, with the first update 500 ms later;
 *  - the update cycle itself takes no time: UIP is 1 for the 244 us
 *    (8 cycles of 32.768 kHz, t_BUC) before each update, and the new time
 *    and UF appear at the update instant;
 *  - the century byte (0x32, plain RAM on the chip) is part of the clock
 *    here, as in QEMU and bhyve: it counts up when the year rolls 99 -> 00;
 *    years run 0000-9999 and wrap to 0000;
 *  - the clock is kept as a time, not as register bytes: changing B.DM or
 *    B.24/12 while the clock runs converts what the registers show (the
 *    chip would keep the bytes). While B.SET is 1 or the divider is
 *    stopped, the registers hold exactly the bytes written;
 *  - a time/date written with an invalid value (bad BCD digit, minute 60,
 *    February 30, ...) cannot be counted: the clock then holds those bytes
 *    and does not advance until a valid time is written (bhyve does the
 *    same); UIP, UF and a matching alarm keep following the divider. An
 *    invalid day of week (not 1-7) only stops the day of week.
 *
 * CMOS RAM (128 bytes, indices 0x00-0x7F): 0x00-0x0D are the clock and
 * its registers, 0x32 is the century; every other byte is plain memory.
 * Port 0x70's bit 7 is the PC's NMI-disable bit, not part of the index, so
 * the chip only ever sees a 7-bit index: writing 0x8D to port 0x70 selects
 * register D with NMI masked. The second 128-byte bank of later chipsets
 * (ports 0x72/0x73) does not exist here. Port 0x70 is write-only on the
 * AT: a read returns 0xFF (as in QEMU and bhyve).
 *
 * Memory-size bytes, as the PC/AT BIOS, Bochs/QEMU and SeaBIOS use them
 * (rtc_cmos_set_memory fills them; all 16-bit values little-endian):
 *   0x15/0x16  base memory in KiB (640)
 *   0x17/0x18  extended memory above 1 MiB in KiB, capped at 0xFFFF
 *   0x30/0x31  the same value (the POST copy)
 *   0x34/0x35  memory between 16 MiB and 4 GiB in 64 KiB blocks
 *   0x5B-0x5D  memory above 4 GiB in 64 KiB blocks (24 bits)
 *   0x2E/0x2F  checksum (high, low byte) of bytes 0x10-0x2D, which
 *              rtc_cmos_set keeps up to date (NetBSD checks it to decide
 *              the CMOS layout is the AT one) */
#ifndef VIREO_DEVICES_RTC_H
#define VIREO_DEVICES_RTC_H

#include <stdbool.h>
#include <stdint.h>

#define RTC_PORT_INDEX   0x70
#define RTC_PORT_DATA    0x71
#define RTC_NPORTS       2
#define RTC_IRQ          8        /* ISA IRQ8 */
#define RTC_CMOS_SIZE    128
#define RTC_INDEX_NMI    0x80     /* port 0x70 bit 7: NMI disable */
#define RTC_INDEX_MASK   0x7F

/* Address map (datasheet Figure "Address Map"). */
#define RTC_SECONDS        0x00
#define RTC_SECONDS_ALARM  0x01
#define RTC_MINUTES        0x02
#define RTC_MINUTES_ALARM  0x03
#define RTC_HOURS          0x04
#define RTC_HOURS_ALARM    0x05
#define RTC_DAY_OF_WEEK    0x06   /* 1-7, Sunday = 1 */
#define RTC_DATE_OF_MONTH  0x07
#define RTC_MONTH          0x08
#define RTC_YEAR           0x09
#define RTC_REG_A          0x0A
#define RTC_REG_B          0x0B
#define RTC_REG_C          0x0C
#define RTC_REG_D          0x0D
#define RTC_CENTURY        0x32   /* IBM AT convention (ACPI FADT CENTURY) */

/* Register A. */
#define RTC_A_UIP          0x80   /* update in progress, read-only */
#define RTC_A_DV           0x70   /* divider select */
#define RTC_A_DV_32KHZ     0x20   /* 010: 32.768 kHz time base, clock runs */
#define RTC_A_RS           0x0F   /* periodic rate select */

/* Register B. */
#define RTC_B_SET          0x80   /* 1: updates inhibited, time can be set */
#define RTC_B_PIE          0x40
#define RTC_B_AIE          0x20
#define RTC_B_UIE          0x10
#define RTC_B_SQWE         0x08
#define RTC_B_DM           0x04   /* 1: binary, 0: BCD */
#define RTC_B_24_12        0x02   /* 1: 24-hour, 0: 12-hour */
#define RTC_B_DSE          0x01

/* Register C (read-only, cleared by reading). */
#define RTC_C_IRQF         0x80
#define RTC_C_PF           0x40
#define RTC_C_AF           0x20
#define RTC_C_UF           0x10

/* Register D (read-only). */
#define RTC_D_VRT          0x80   /* valid RAM and time: the battery is good */

/* CMOS RAM bytes the BIOS and old kernels read (first byte of each). */
#define RTC_CMOS_BASE_MEM      0x15
#define RTC_CMOS_EXT_MEM       0x17
#define RTC_CMOS_CHECKSUM_HI   0x2E
#define RTC_CMOS_CHECKSUM_LO   0x2F
#define RTC_CMOS_EXT_MEM_POST  0x30
#define RTC_CMOS_MEM_16M       0x34
#define RTC_CMOS_MEM_4G        0x5B

#define RTC_HOUR_PM        0x80   /* 12-hour mode: PM flag in the hour byte */
#define RTC_ALARM_DONT_CARE 0xC0  /* alarm byte 11xxxxxx matches any value */

/* Power-on values a PC BIOS leaves: 32.768 kHz, 1024 Hz periodic rate;
 * 24-hour BCD, no interrupts. */
#define RTC_A_DEFAULT      0x26
#define RTC_B_DEFAULT      0x02

/* A calendar date and time of day (no time zone). */
struct rtc_datetime {
	uint16_t year;                 /* full year, 0-9999 */
	uint8_t month;                 /* 1-12 */
	uint8_t day;                   /* 1-31 */
	uint8_t hour, min, sec;        /* 0-23, 0-59, 0-59 */
};

struct rtc_ops {
	/* The guest's TSC. */
	uint64_t (*now)(void *opaque);
	/* Call rtc_timer_expired when the guest TSC reaches deadline; 0
	 * disarms. One deadline per device; a new one replaces the old. */
	void (*timer_arm)(void *opaque, uint64_t deadline);
	/* Drive ISA line 'line' (RTC_IRQ): high while register C's IRQF is 1. */
	void (*set_irq)(void *opaque, unsigned line, bool level);
};

struct rtc {
	uint8_t cmos[RTC_CMOS_SIZE];   /* RAM and registers A-D; the clock
					* bytes are the clock only while it
					* is not live */
	uint8_t index;                 /* last write to port 0x70, NMI bit too */
	bool live;                     /* the clock counts from base_* */
	int64_t base_secs;             /* the time (Unix seconds) after ... */
	uint64_t base_upd;             /* ... this many divider updates */
	uint8_t base_wday;             /* day of week at base_secs; 0 = invalid */
	uint64_t div0;                 /* guest TSC at which the divider chain
					* started: updates at div0 + 1/2 s + k s,
					* periodic ticks at div0 + m periods */
	uint64_t flags_at;             /* register C accounts for events up to
					* this guest TSC */
	uint64_t deadline;             /* armed host timer, 0 = none */
	uint64_t tsc_khz;
	bool irq_level;
	const struct rtc_ops *ops;
	void *opaque;
};

/* Start the clock at *start (NULL or an invalid date: 2000-01-01
 * 00:00:00), counting from the guest TSC ops->now() at tsc_khz. The
 * divider starts now: the first update comes 500 ms later. Registers A and
 * B get the BIOS values RTC_A_DEFAULT and RTC_B_DEFAULT, D reads VRT, the
 * RAM is zero. The IRQ line is low and no timer is armed. */
void rtc_init(struct rtc *r, const struct rtc_datetime *start, uint64_t tsc_khz,
	      const struct rtc_ops *ops, void *opaque);
/* bus_pio_fn for ports 0x70-0x71. Only byte accesses are decoded; other
 * widths read all-ones, drop writes and return BUS_ERROR. */
int rtc_pio(void *dev, uint16_t port, unsigned size, bool write, uint32_t *val);
/* The host's timer reached the deadline given to ops->timer_arm. */
void rtc_timer_expired(struct rtc *r);
/* True when the guest set port 0x70's NMI-disable bit with its last write. */
bool rtc_nmi_masked(const struct rtc *r);

/* Set a byte of CMOS RAM (not the clock or registers A-D: those indices
 * and indices >= 128 are ignored). Keeps the 0x2E/0x2F checksum of
 * 0x10-0x2D up to date. */
void rtc_cmos_set(struct rtc *r, unsigned index, uint8_t val);
/* Fill the memory-size bytes listed above for guest RAM [0, ram_bytes)
 * (Vireo's RAM is contiguous from 0; what lies below 4 GiB is counted
 * first). */
void rtc_cmos_set_memory(struct rtc *r, uint64_t ram_bytes);

/* Pure calendar helpers (proleptic Gregorian, years 0-9999). */
bool rtc_leap_year(unsigned year);
unsigned rtc_days_in_month(unsigned year, unsigned month);
bool rtc_datetime_valid(const struct rtc_datetime *dt);
/* Seconds since 1970-01-01 00:00:00 (negative before 1970). *dt must be
 * valid. */
int64_t rtc_datetime_to_unix(const struct rtc_datetime *dt);
/* The inverse; times outside years 0-9999 wrap modulo 10000 years (which
 * are whole 400-year cycles and whole weeks). */
void rtc_unix_to_datetime(int64_t secs, struct rtc_datetime *dt);
/* Day of week as the RTC counts it: 1 = Sunday ... 7 = Saturday. */
unsigned rtc_weekday(int64_t secs);

#endif
