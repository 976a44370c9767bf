/* idle: one CPU that mostly sleeps. A 250 Hz periodic local APIC timer
 * wakes `sti; hlt` N times (command line ticks=N, default 250); the TSC
 * span from arming to the Nth tick must be N periods within 1%. Under
 * Vireo with --stats this gives the exits each timer tick costs an idle
 * vCPU. x2apic=1 uses the x2APIC MSRs. */
#include "guest.h"

#define V_TIMER 0x40
#define HZ      250

static volatile uint32_t ticks;
static volatile uint64_t last_tick_tsc;

static void tick(struct exc_frame *f)
{
	(void)f;
	last_tick_tsc = rdtsc();
	ticks++;
	lapic_eoi();
}

/* Bounded: the first tick must come while we spin (with IF=1), or HLT
 * would wait forever for an interrupt that never comes. */
static int first_tick_arrives(uint64_t period_tsc)
{
	return wait_ge(&ticks, 1, period_tsc * 10);
}

void test_main(void)
{
	uint32_t tsc_khz, apic_khz;
	uint32_t n = (uint32_t)cmdline_u64("ticks", HZ);
	if (n < 2)
		n = 2;
	if (cmdline_u64("x2apic", 0) && !check(x2apic_enable(), "x2apic-enabled"))
		return;
	lapic_enable(0xFF);
	irq_set_handler(V_TIMER, tick);
	int from_hv = timer_freqs(&tsc_khz, &apic_khz);
	printf("idle test: TSC %u kHz, APIC timer %u kHz (%s), %u ticks at %u Hz\n", tsc_khz, apic_khz,
	       from_hv ? "CPUID 0x40000010" : "measured", n, HZ);
	if (!tsc_khz || !apic_khz) {
		fail("freqs", "TSC %u kHz, APIC timer %u kHz", tsc_khz, apic_khz);
		return;
	}
	uint32_t count = (uint32_t)div64((uint64_t)apic_khz * 1000, HZ); /* per period, divide 1 */
	uint64_t period = div64((uint64_t)count * tsc_khz, apic_khz);

	lapic_write(APIC_TIMER_DCR, 0xB);
	lapic_write(APIC_LVT_TIMER, LVT_PERIODIC | V_TIMER);
	uint64_t t0 = rdtsc();
	lapic_write(APIC_TIMER_ICR, count);
	sti();
	if (!check(first_tick_arrives(period), "idle-first-tick")) {
		lapic_write(APIC_TIMER_ICR, 0);
		return;
	}
	cli();
	/* the measured loop: sleep until the next tick, N times in all */
	while (ticks < n) {
		safe_halt();
		cli();
	}
	uint64_t span = last_tick_tsc - t0;
	lapic_write(APIC_TIMER_ICR, 0);
	printf("idle: %u ticks in %llu TSC\n", n, (unsigned long long)span);
	if (!check(within_pct(span, period * n, 1), "idle-span"))
		printf("  (expected %llu)\n", (unsigned long long)(period * n));
	check_eq(ticks, n, "idle-tick-count");
}
