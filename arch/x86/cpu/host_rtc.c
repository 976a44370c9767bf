#include "arch/x86/cpu/cpu.h"
#include "arch/x86/cpu/host_rtc.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA  0x71
#define CMOS_NMI_DISABLE 0x80    /* keep NMIs off while we index */
#define RTC_A_UIP  0x80
#define RTC_B_24H  0x02
#define RTC_B_BIN  0x04

static uint8_t cmos(uint8_t reg)
{
	outb(CMOS_INDEX, CMOS_NMI_DISABLE | reg);
	return inb(CMOS_DATA);
}

static unsigned from_bcd(uint8_t v, bool binary)
{
	return binary ? v : (v >> 4) * 10u + (v & 0xf);
}

/* Read between updates: wait for UIP to clear, then read everything
 * (the 244 us window after UIP falls is ours, MC146818 "Update Cycle"). */
bool host_rtc_read(struct rtc_datetime *dt)
{
	unsigned spins = 0;
	uint8_t b, hour;
	bool bin;

	while ((cmos(0x0A) & RTC_A_UIP) && ++spins < 1000000)
		;
	b = cmos(0x0B);
	bin = b & RTC_B_BIN;
	dt->sec = (uint8_t)from_bcd(cmos(0x00), bin);
	dt->min = (uint8_t)from_bcd(cmos(0x02), bin);
	hour = cmos(0x04);
	dt->day = (uint8_t)from_bcd(cmos(0x07), bin);
	dt->month = (uint8_t)from_bcd(cmos(0x08), bin);
	dt->year = (uint16_t)(from_bcd(cmos(0x32), bin) * 100 + from_bcd(cmos(0x09), bin));
	dt->hour = (uint8_t)from_bcd(hour & 0x7f, bin);
	if (!(b & RTC_B_24H)) {                  /* 12-hour: PM in bit 7 */
		dt->hour %= 12;
		if (hour & 0x80)
			dt->hour += 12;
	}
	if (dt->year < 1970)
		dt->year += 100;                 /* no century byte */
	if (rtc_datetime_valid(dt))
		return true;
	*dt = (struct rtc_datetime){ .year = 2000, .month = 1, .day = 1 };
	return false;
}
