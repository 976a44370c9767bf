/* Vireo test-guest runtime: the local APIC (xAPIC and x2APIC access), time
 * (TSC and APIC timer frequencies, bounded waits) and 64-bit division.
 * Built twice (32-bit and 64-bit). SDM Vol. 3 chapter 11. */
#include "guest.h"

#define XAPIC_MMIO 0xFEE00000u
#define APIC_BASE_EN   (1u << 11)
#define APIC_BASE_EXTD (1u << 10)

static volatile int x2apic_mode; /* set by x2apic_enable(), shared by all CPUs */
volatile uint32_t lapic_spurious;

static volatile uint32_t *xapic_reg(uint32_t off)
{
	return (volatile uint32_t *)(uintptr_t)(XAPIC_MMIO + off);
}

uint32_t lapic_read(uint32_t off)
{
	if (x2apic_mode)
		return (uint32_t)rdmsr(MSR_X2APIC_BASE + (off >> 4));
	return *xapic_reg(off);
}

void lapic_write(uint32_t off, uint32_t v)
{
	if (x2apic_mode)
		wrmsr(MSR_X2APIC_BASE + (off >> 4), v);
	else
		*xapic_reg(off) = v;
}

void lapic_send_ipi(uint32_t dest, uint32_t icr_low)
{
	if (x2apic_mode) {
		wrmsr(MSR_X2APIC_BASE + (APIC_ICR >> 4), (uint64_t)dest << 32 | icr_low);
		return;
	}
	/* the write to ICR low sends: the destination must be in place first */
	*xapic_reg(APIC_ICR_HI) = dest << 24;
	*xapic_reg(APIC_ICR) = icr_low;
}

int lapic_icr_idle(void)
{
	for (int i = 0; i < 100000; i++)
		if (!(lapic_read(APIC_ICR) & ICR_BUSY))
			return 1;
	return 0;
}

void lapic_eoi(void)
{
	lapic_write(APIC_EOI, 0);
}

static void spurious_handler(struct exc_frame *f)
{
	(void)f;
	lapic_spurious++; /* never in service: no EOI (SDM 11.9) */
}

void lapic_enable(uint8_t spurious_vector)
{
	irq_set_handler(spurious_vector, spurious_handler);
	lapic_write(APIC_SVR, APIC_SVR_ENABLE | spurious_vector);
	lapic_write(APIC_TPR, 0);
	/* nothing comes from the legacy PIC (LINT0, ExtINT on the BSP) */
	lapic_write(APIC_LVT_LINT0, LVT_MASKED);
}

int lapic_enabled(void)
{
	return (lapic_read(APIC_SVR) & APIC_SVR_ENABLE) != 0;
}

int x2apic_enable(void)
{
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & (1u << 21)))
		return 0;
	/* xAPIC -> x2APIC is EXTD set with EN set (SDM 11.12.5) */
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_EN | APIC_BASE_EXTD);
	x2apic_mode = 1;
	return 1;
}

int lapic_is_x2apic(void)
{
	return x2apic_mode;
}

uint32_t lapic_id(void)
{
	uint32_t id = lapic_read(APIC_ID);
	return x2apic_mode ? id : id >> 24;
}

/* ISR, TMR, IRR: 8 registers of 32 bits, 0x10 apart; vector v is bit v%32
 * of register v/32. */
static int apic_bit(uint32_t base, unsigned vector)
{
	return (lapic_read(base + (vector / 32) * 0x10) >> (vector % 32)) & 1;
}

int lapic_isr_test(unsigned vector) { return apic_bit(APIC_ISR, vector); }
int lapic_irr_test(unsigned vector) { return apic_bit(APIC_IRR, vector); }

/* ------------------------------------------------------------------- time */

void delay_tsc(uint64_t ticks)
{
	uint64_t t0 = rdtsc();
	while (rdtsc() - t0 < ticks)
		cpu_pause();
}

int wait_ge(const volatile uint32_t *p, uint32_t v, uint64_t ticks)
{
	uint64_t t0 = rdtsc();
	while (*p < v)
		if (rdtsc() - t0 >= ticks)
			return *p >= v;
	return 1;
}

/* PIT channel 2, gated by port 0x61 bit 0, counts 1193182 Hz: time a
 * one-shot of 11932 counts (10 ms) in TSC ticks. 0 if the PIT does not
 * count (no PIT: Vireo has none). */
#define PIT_HZ     1193182u
#define PIT_COUNTS 11932u
static uint32_t tsc_khz_from_pit(void)
{
	uint8_t p61 = inb(0x61);
	outb(0x61, (uint8_t)((p61 & ~0x02) | 0x01)); /* gate on, speaker off */
	outb(0x43, 0xB0);                            /* ch2, lo/hi, mode 0 */
	outb(0x42, PIT_COUNTS & 0xFF);
	outb(0x42, PIT_COUNTS >> 8);
	uint64_t t0 = rdtsc(), dt;
	int done;
	/* OUT2 (port 0x61 bit 5) goes high at terminal count; bound the wait
	 * at 1e9 TSC ticks in case nothing counts */
	while (!(done = inb(0x61) & 0x20) && rdtsc() - t0 < 1000000000ULL)
		;
	dt = rdtsc() - t0;
	outb(0x61, p61);
	/* no PIT at all (ports read all-ones: OUT2 "high" at once) */
	if (!done || dt < 10000)
		return 0;
	/* kHz = dt / (PIT_COUNTS / PIT_HZ s) / 1000 */
	return (uint32_t)div64(dt * PIT_HZ, (uint64_t)PIT_COUNTS * 1000);
}

/* The APIC timer's input clock against the TSC, by polling the current
 * count of a one-shot (masked, divide 1) over 2e6 TSC ticks. */
uint32_t apic_timer_khz_measured(uint32_t tsc_khz)
{
	uint32_t lvt = lapic_read(APIC_LVT_TIMER), dcr = lapic_read(APIC_TIMER_DCR);
	lapic_write(APIC_LVT_TIMER, LVT_MASKED | LVT_ONESHOT | 0xFF);
	lapic_write(APIC_TIMER_DCR, 0xB); /* divide by 1 */
	lapic_write(APIC_TIMER_ICR, 0xFFFFFFFFu);
	uint64_t t0 = rdtsc();
	uint32_t c0 = lapic_read(APIC_TIMER_CCR);
	delay_tsc(2000000);
	uint32_t c1 = lapic_read(APIC_TIMER_CCR);
	uint64_t t1 = rdtsc();
	lapic_write(APIC_TIMER_ICR, 0);
	lapic_write(APIC_TIMER_DCR, dcr);
	lapic_write(APIC_LVT_TIMER, lvt);
	return (uint32_t)div64((uint64_t)(c0 - c1) * tsc_khz, t1 - t0);
}

int timer_freqs(uint32_t *tsc_khz, uint32_t *apic_khz)
{
	uint32_t max, a, b;
	if (running_on_vireo()) {
		cpuid(0x40000000, 0, &max, 0, 0, 0);
		if (max >= 0x40000010) {
			cpuid(0x40000010, 0, &a, &b, 0, 0);
			*tsc_khz = a;
			*apic_khz = b;
			return 1;
		}
	}
	*tsc_khz = tsc_khz_from_pit();
	if (!*tsc_khz)
		*tsc_khz = 50000; /* Bochs' ips=50000000 */
	*apic_khz = apic_timer_khz_measured(*tsc_khz);
	return 0;
}
