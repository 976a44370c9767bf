/* The machine's own CMOS clock, read once at VM start so that a VM's RTC
 * begins at the real date and time. */
#ifndef VIREO_ARCH_X86_CPU_HOST_RTC_H
#define VIREO_ARCH_X86_CPU_HOST_RTC_H

#include "devices/rtc.h"

/* false if the clock gave an invalid date (then *dt is 2000-01-01). */
bool host_rtc_read(struct rtc_datetime *dt);

#endif
