/* The host's own local APIC timer, used for one thing: waking the CPU from
 * HLT when every vCPU is idle and the nearest virtual timer is due. */
#ifndef VIREO_ARCH_X86_CPU_HOST_TIMER_H
#define VIREO_ARCH_X86_CPU_HOST_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#define HOST_TIMER_VECTOR 0xF0

/* Enable the host xAPIC and point its timer at HOST_TIMER_VECTOR in
 * TSC-deadline mode. False when the CPU has no TSC-deadline timer: idle
 * then polls the TSC. */
bool host_timer_init(void);
/* The host timer interrupt arrived (trap or external-interrupt exit). */
void host_timer_eoi(void);

#endif
