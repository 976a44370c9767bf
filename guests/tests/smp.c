/* smp: multiprocessor start-up (SDM Vol. 3 10.4.4). The BSP copies the
 * real-mode trampoline (smp_trampoline.S) to SMP_TRAMP_BASE and starts every
 * AP with INIT, STARTUP, STARTUP through its local APIC's ICR. Each AP goes
 * real -> protected mode, reads its APIC ID through CPUID (leaf 1 EBX[31:24],
 * leaf 0xB EDX) and its local APIC's ID register, records them in the slot of
 * that APIC ID, bumps a shared counter with `lock xadd` and halts. The BSP
 * waits (bounded, in TSC ticks), checks that APs 1..N-1 all reported, each
 * with its own distinct APIC ID, and that an INIT/STARTUP pair sent to an
 * APIC ID that does not exist starts nobody.
 *
 * The CPU count comes from fw_cfg (key 5, NB_CPUS; QEMU and Vireo), else
 * CPUID.1:EBX[23:16]. Command line: timeout=TICKS (AP wait, default 2e9),
 * x2apic=1 (the BSP sends its IPIs through x2APIC MSR 0x830). */
#include "guest.h"

#define SMP_TRAMP_BASE 0x8000u /* STARTUP vector 8 */
#define SMP_STRAY_BASE 0x9000u /* vector 9: target of the IPIs to a missing APIC ID */
#define MAX_CPUS       64
#define STRAY_APIC_ID  7

#define APIC_BASE_MSR 0x1B
#define XAPIC ((volatile uint32_t *)(uintptr_t)0xFEE00000u)
#define XAPIC_ID     (0x20 / 4)
#define XAPIC_ICR_LO (0x300 / 4)
#define XAPIC_ICR_HI (0x310 / 4)
#define X2APIC_ID_MSR  0x802
#define X2APIC_ICR_MSR 0x830
#define ICR_INIT_ASSERT    (ICR_INIT | ICR_ASSERT)    /* 0x4500: level assert, edge */
#define ICR_STARTUP_ASSERT (ICR_STARTUP | ICR_ASSERT) /* 0x4600 | vector */

extern const char smp_tramp_start[], smp_tramp_end[];
extern struct { uint16_t limit; uint32_t base; } __attribute__((packed)) smp_ap_idtr;
extern volatile uint32_t smp_ap_tickets;

struct ap_slot {
	volatile uint32_t done;   /* written last */
	uint32_t ticket;          /* start order (trampoline's ticket) */
	uint32_t arrival;         /* value returned by the lock xadd on ap_count */
	uint32_t cpuid_id;        /* CPUID.1:EBX[31:24] */
	uint32_t cpuid_b_id;      /* CPUID.0xB:EDX, ~0u when leaf 0xB is absent */
	uint32_t lapic_id;        /* local APIC ID register */
	int32_t  hc_id;           /* VIREO_HC_VCPU_ID, -1 when not on Vireo */
};

static struct ap_slot slots[MAX_CPUS];
static volatile uint32_t ap_count;    /* lock xadd target */
static volatile uint32_t ap_bad_id;   /* APs whose CPUID APIC ID is out of range */
static int on_vireo;

static inline uint32_t xadd(volatile uint32_t *p, uint32_t v)
{
	__asm__ volatile("lock xaddl %0, %1" : "+r"(v), "+m"(*p) : : "memory");
	return v;
}

static int x2apic_on(void) { return (rdmsr(APIC_BASE_MSR) & (3u << 10)) == (3u << 10); }

/* This CPU's mode, from its own IA32_APIC_BASE: the APs stay in xAPIC
 * mode even when the BSP uses x2APIC. */
static uint32_t own_lapic_id(void)
{
	return x2apic_on() ? (uint32_t)rdmsr(X2APIC_ID_MSR) : XAPIC[XAPIC_ID] >> 24;
}

/* Called on each AP by smp_ap_pm32 with its own stack. */
void smp_ap_main(uint32_t ticket);
void smp_ap_main(uint32_t ticket)
{
	uint32_t a, b, c, d, max;
	cpuid(0, 0, &max, NULL, NULL, NULL);
	cpuid(1, 0, &a, &b, &c, &d);
	uint32_t id = b >> 24;
	uint32_t bid = ~0u;
	if (max >= 0xB) {
		cpuid(0xB, 0, NULL, NULL, NULL, &d);
		bid = d;
	}
	uint32_t lid = own_lapic_id();
	int32_t hc = on_vireo ? (int32_t)hc_vcpu_id() : -1;
	if (id >= MAX_CPUS) {
		xadd(&ap_bad_id, 1);
		xadd(&ap_count, 1);
		return;
	}
	struct ap_slot *s = &slots[id];
	s->ticket = ticket;
	s->cpuid_id = id;
	s->cpuid_b_id = bid;
	s->lapic_id = lid;
	s->hc_id = hc;
	s->arrival = xadd(&ap_count, 1);
	__asm__ volatile("" ::: "memory");
	s->done = 1;
}

/* ---------------------------------------------------------------- BSP side */
static int use_x2apic;

static int send_ipi(uint32_t dest, uint32_t icr)
{
	if (use_x2apic) {
		wrmsr(X2APIC_ICR_MSR, ((uint64_t)dest << 32) | icr);
		return 1;
	}
	XAPIC[XAPIC_ICR_HI] = dest << 24;
	XAPIC[XAPIC_ICR_LO] = icr;
	for (int i = 0; i < 1000000; i++)
		if (!(XAPIC[XAPIC_ICR_LO] & ICR_BUSY))
			return 1;
	return 0;
}

static void delay_ticks(uint64_t ticks)
{
	uint64_t t0 = rdtsc();
	while (rdtsc() - t0 < ticks)
		cpu_pause();
}

/* INIT, STARTUP, STARTUP (the second must be harmless: the AP is running). */
static void start_ap(uint32_t apic_id, uint8_t vector, const char *what)
{
	char name[48];
	int ok = send_ipi(apic_id, ICR_INIT_ASSERT);
	delay_ticks(1000000);
	ok &= send_ipi(apic_id, ICR_STARTUP_ASSERT | vector);
	delay_ticks(200000);
	ok &= send_ipi(apic_id, ICR_STARTUP_ASSERT | vector);
	snprintf(name, sizeof(name), "%s-%u-icr-idle", what, apic_id);
	if (!ok)
		check(0, name);
}

static unsigned cpu_count(void)
{
	outw(0x510, 0); /* FW_CFG_SIGNATURE */
	char sig[4];
	for (int i = 0; i < 4; i++)
		sig[i] = (char)inb(0x511);
	if (!memcmp(sig, "QEMU", 4)) {
		outw(0x510, 5); /* FW_CFG_NB_CPUS */
		unsigned n = inb(0x511);
		n |= (unsigned)inb(0x511) << 8;
		printf("fw_cfg: %u cpus\n", n);
		return n;
	}
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	unsigned n = (d & (1u << 28)) ? (b >> 16) & 0xFF : 1;
	printf("no fw_cfg; CPUID.1:EBX[23:16] says %u logical cpus\n", n);
	return n;
}

void test_main(void)
{
	on_vireo = running_on_vireo();
	uint64_t timeout = cmdline_u64("timeout", 2000000000ULL);
	use_x2apic = (int)cmdline_u64("x2apic", 0);
	printf("smp test (%s, %s)\n", on_vireo ? "on Vireo" : "native", use_x2apic ? "x2APIC" : "xAPIC");

	unsigned n = cpu_count();
	if (n < 1 || n > MAX_CPUS) {
		fail("cpu-count", "%u cpus", n);
		return;
	}
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	check_eq(b >> 24, 0, "bsp-apic-id");
	if (use_x2apic) {
		if (!(c & (1u << 21))) {
			skip("x2apic", "CPUID.1:ECX[21] clear");
			use_x2apic = 0;
		} else {
			wrmsr(APIC_BASE_MSR, rdmsr(APIC_BASE_MSR) | (1u << 11) | (1u << 10));
			check(x2apic_on(), "bsp-x2apic-enabled");
		}
	}
	check_eq(own_lapic_id(), 0, "bsp-lapic-id");

	/* the trampoline, at the STARTUP page and at the stray page */
	size_t len = (size_t)(smp_tramp_end - smp_tramp_start);
	memcpy(phys(SMP_TRAMP_BASE), smp_tramp_start, len);
	memcpy(phys(SMP_STRAY_BASE), smp_tramp_start, len);
	__asm__ volatile("sidt %0" : "=m"(smp_ap_idtr));

	for (unsigned i = 1; i < n; i++)
		start_ap(i, SMP_TRAMP_BASE >> 12, "ap");

	/* wait for all APs: with one physical CPU they only run when the BSP
	 * is preempted, so spin politely and long */
	uint64_t t0 = rdtsc(), waited;
	while (ap_count < n - 1 && (waited = rdtsc() - t0) < timeout)
		cpu_pause();
	waited = rdtsc() - t0;
	printf("waited %lu ticks for %u APs: %u arrived, %u started\n", (unsigned long)waited, n - 1,
	       ap_count, smp_ap_tickets);
	check_eq(ap_count, n - 1, "ap-count");
	check_eq(smp_ap_tickets, n - 1, "ap-starts");
	check_eq(ap_bad_id, 0, "ap-apic-id-in-range");

	uint64_t arrivals = 0;
	int good = 0;
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		struct ap_slot *s = &slots[i];
		char name[40];
		if (i == 0 || i >= n) {
			if (s->done) {
				snprintf(name, sizeof(name), "slot-%u-unused", i);
				fail(name, "an AP reported APIC ID %u", i);
			}
			continue;
		}
		if (!s->done) {
			snprintf(name, sizeof(name), "ap-%u-started", i);
			fail(name, "no AP reported APIC ID %u", i);
			continue;
		}
		int ok = 1;
		if (s->lapic_id != s->cpuid_id) {
			snprintf(name, sizeof(name), "ap-%u-lapic-id", i);
			fail(name, "LAPIC ID %u, CPUID APIC ID %u", s->lapic_id, s->cpuid_id);
			ok = 0;
		}
		if (s->cpuid_b_id != ~0u && s->cpuid_b_id != i) {
			snprintf(name, sizeof(name), "ap-%u-cpuid-b-id", i);
			fail(name, "CPUID.0xB:EDX = %u", s->cpuid_b_id);
			ok = 0;
		}
		if (on_vireo && s->hc_id != (int32_t)i) {
			snprintf(name, sizeof(name), "ap-%u-hc-vcpu-id", i);
			fail(name, "VIREO_HC_VCPU_ID = %d", s->hc_id);
			ok = 0;
		}
		if (s->arrival >= 64 || (arrivals & (1ULL << s->arrival))) {
			snprintf(name, sizeof(name), "ap-%u-arrival", i);
			fail(name, "arrival %u repeated or out of range", s->arrival);
			ok = 0;
		} else {
			arrivals |= 1ULL << s->arrival;
		}
		if (ok) {
			printf("ok ap %u started (apic id %u)\n", i, s->lapic_id);
			good++;
		}
	}

	/* INIT + STARTUP to an APIC ID nobody has: nothing may start */
	uint32_t stray = n <= STRAY_APIC_ID ? STRAY_APIC_ID : n;
	if (stray < 0xFF) {
		uint32_t before = smp_ap_tickets;
		printf("INIT + STARTUP to missing APIC ID %u\n", stray);
		start_ap(stray, SMP_STRAY_BASE >> 12, "stray");
		delay_ticks(timeout / 40);
		check_eq(smp_ap_tickets, before, "ipi-to-missing-apic-id-ignored");
		check_eq(ap_count, n - 1, "ipi-to-missing-apic-id-count");
	} else {
		skip("ipi-to-missing-apic-id-ignored", "no free xAPIC ID");
	}

	/* a second round of STARTUPs to running APs must also be harmless */
	if (n > 1) {
		uint32_t before = smp_ap_tickets;
		for (unsigned i = 1; i < n; i++)
			send_ipi(i, ICR_STARTUP_ASSERT | (SMP_TRAMP_BASE >> 12));
		delay_ticks(timeout / 40);
		check_eq(smp_ap_tickets, before, "sipi-to-running-ap-ignored");
	}

	if ((unsigned)good == n - 1 && ap_count == n - 1)
		printf("smp: %u cpus up\n", n);
}
