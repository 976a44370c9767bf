/* ipi: inter-processor interrupts between the CPUs of one machine (SDM
 * Vol. 3 11.6). 32-bit. The BSP starts every AP with INIT/STARTUP through
 * smp_trampoline.S (as guests/tests/smp.c does); each AP enables its local
 * APIC and sleeps in `sti; hlt`, waking for commands that the BSP leaves in
 * its mailbox (followed by a doorbell IPI).
 *
 * Checked, with the count of test interrupts on every CPU exact each time:
 * fixed IPIs BSP -> each AP and each AP -> BSP; the shorthands self,
 * all-including-self and all-excluding-self (from the BSP and from an AP);
 * physical broadcast; logical destinations (xAPIC flat and cluster models,
 * or x2APIC clusters from the LDR the CPU derives); lowest-priority delivery
 * (exactly one CPU of the set takes each); an NMI IPI, and a second NMI
 * held until the first handler's IRET; INIT + STARTUP of an AP that was
 * running (it starts over); ICR delivery status idle after each send.
 *
 * Command line: cpus=N (else fw_cfg, else CPUID.1:EBX[23:16]); x2apic=1. */
#include "guest.h"

#define SMP_TRAMP_BASE 0x8000u /* STARTUP vector 8 */
#define MAX_CPUS       8
#define V_SPURIOUS     0xFF
#define V_WAKE         0x41 /* mailbox doorbell */
#define V_TEST         0x42 /* the interrupt every check counts */
#define WAIT_TICKS     20000000ULL
#define MAX_TIMEOUTS   3

extern const char smp_tramp_start[], smp_tramp_end[];
extern struct { uint16_t limit; uint32_t base; } __attribute__((packed)) smp_ap_idtr;
extern volatile uint32_t smp_ap_tickets;

enum { CMD_NONE, CMD_NOP, CMD_SEND, CMD_LOGICAL, CMD_READ_LDR };

struct mailbox {
	volatile uint32_t cmd; /* written last by the BSP, cleared by the AP when done */
	uint32_t a, b;         /* arguments */
	volatile uint32_t result;
};

static struct mailbox mbox[MAX_CPUS];
static volatile uint32_t count[MAX_CPUS];      /* V_TEST per APIC ID */
static volatile uint32_t wakes[MAX_CPUS];      /* V_WAKE per APIC ID */
static volatile uint32_t starts[MAX_CPUS];     /* AP starts per APIC ID */
static volatile uint32_t ready[MAX_CPUS];      /* the AP's APIC is set up */
static volatile uint32_t bad_ids;              /* APs with an APIC ID >= MAX_CPUS */
static volatile uint32_t nmi_count[MAX_CPUS];
static volatile uint32_t nmi_hold, nmi_inside, nmi_second_sent, nmi_count_inside;
static unsigned ncpus;
static int x2, on_vireo, timeouts, icr_busy;

static unsigned me(void)
{
	uint32_t id = lapic_id();
	return id < MAX_CPUS ? id : MAX_CPUS - 1;
}

/* ------------------------------------------------------------- handlers */
static void test_handler(struct exc_frame *f)
{
	(void)f;
	__atomic_fetch_add(&count[me()], 1, __ATOMIC_SEQ_CST);
	lapic_eoi();
}

static void wake_handler(struct exc_frame *f)
{
	(void)f;
	wakes[me()]++;
	lapic_eoi();
}

/* The first NMI of a held test waits inside the handler until the BSP has
 * sent a second one, and looks whether that one got in (it must not: NMIs
 * are blocked until IRET). */
static void nmi_handler(struct exc_frame *f)
{
	(void)f;
	unsigned id = me();
	nmi_count[id]++;
	if (!nmi_hold || nmi_count[id] != 1)
		return;
	nmi_inside = 1;
	uint64_t t0 = rdtsc();
	while (!nmi_second_sent && rdtsc() - t0 < WAIT_TICKS)
		cpu_pause();
	delay_tsc(200000);
	nmi_count_inside = nmi_count[id];
}

/* ------------------------------------------------------------- AP side */
static void ap_command(struct mailbox *m)
{
	switch (m->cmd) {
	case CMD_SEND:
		lapic_send_ipi(m->a, m->b);
		m->result = lapic_icr_idle();
		break;
	case CMD_LOGICAL: /* xAPIC: DFR first, then LDR */
		lapic_write(APIC_DFR, m->a);
		lapic_write(APIC_LDR, m->b);
		break;
	case CMD_READ_LDR:
		m->result = lapic_read(APIC_LDR);
		break;
	}
	m->cmd = CMD_NONE;
}

/* Called by smp_trampoline.S on the AP's own stack, with the BSP's IDT. */
void smp_ap_main(uint32_t ticket);
void smp_ap_main(uint32_t ticket)
{
	(void)ticket;
	if (x2)
		x2apic_enable(); /* before any other APIC access: the mode is global */
	lapic_enable(V_SPURIOUS);
	uint32_t id = lapic_id();
	if (id >= MAX_CPUS) {
		__atomic_fetch_add(&bad_ids, 1, __ATOMIC_SEQ_CST);
		return;
	}
	starts[id]++;
	ready[id] = 1;
	for (;;) {
		cli();
		if (mbox[id].cmd)
			ap_command(&mbox[id]);
		else
			safe_halt(); /* an IPI already pending ends the HLT at once */
	}
}

/* ------------------------------------------------------------- BSP side */
/* Bounded wait for *p >= v; counts timeouts and gives up the whole test
 * after MAX_TIMEOUTS (a broken delivery would otherwise cost minutes). */
static int wait_for(const volatile uint32_t *p, uint32_t v, const char *what)
{
	if (wait_ge(p, v, WAIT_TICKS))
		return 1;
	printf("timeout waiting for %s (%u, want %u)\n", what, *p, v);
	if (++timeouts >= MAX_TIMEOUTS) {
		fail("ipi-timeouts", "%d waits timed out: giving up", timeouts);
		test_finish();
	}
	return 0;
}

static void send(uint32_t dest, uint32_t icr)
{
	lapic_send_ipi(dest, icr);
	if (!lapic_icr_idle())
		icr_busy++;
}

/* Runs a command on AP `id` and waits until it is done. */
static uint32_t ap_run(unsigned id, uint32_t cmd, uint32_t a, uint32_t b)
{
	struct mailbox *m = &mbox[id];
	m->a = a;
	m->b = b;
	m->result = 0;
	m->cmd = cmd;
	send(id, ICR_FIXED | ICR_ASSERT | V_WAKE);
	uint64_t t0 = rdtsc();
	while (m->cmd && rdtsc() - t0 < WAIT_TICKS)
		cpu_pause();
	if (m->cmd) {
		printf("timeout: AP %u did not run command %u\n", id, cmd);
		m->cmd = CMD_NONE;
		if (++timeouts >= MAX_TIMEOUTS) {
			fail("ipi-timeouts", "%d waits timed out: giving up", timeouts);
			test_finish();
		}
	}
	return m->result;
}

/* A round trip through every AP's mailbox: whatever was sent to it before
 * (fixed IPIs of V_TEST outrank the V_WAKE doorbell) has been taken. */
static void sync_all(void)
{
	for (unsigned i = 1; i < ncpus; i++)
		ap_run(i, CMD_NOP, 0, 0);
}

static uint32_t bits(uint32_t m)
{
	uint32_t n = 0;
	for (; m; m &= m - 1)
		n++;
	return n;
}

static uint32_t total(void)
{
	uint32_t t = 0;
	for (unsigned i = 0; i < ncpus; i++)
		t += count[i];
	return t;
}

/* Every CPU's count equals bit i of `mask`; then all counts start over. */
static void check_counts(const char *name, uint32_t mask)
{
	sync_all();
	int ok = 1;
	for (unsigned i = 0; i < ncpus; i++)
		if (count[i] != ((mask >> i) & 1))
			ok = 0;
	if (ok) {
		printf("ok %s (cpus 0x%x)\n", name, mask);
	} else {
		char got[64];
		int n = 0;
		for (unsigned i = 0; i < ncpus; i++)
			n += snprintf(got + n, sizeof(got) - (size_t)n, " %u", count[i]);
		fail(name, "counts per CPU:%s, expected mask 0x%x", got, mask);
	}
	for (unsigned i = 0; i < ncpus; i++)
		count[i] = 0;
}

/* Sends from the BSP, waits for `n` deliveries in all, checks the mask. */
static void bsp_sends(const char *name, uint32_t dest, uint32_t icr, uint32_t mask)
{
	send(dest, icr | ICR_ASSERT | V_TEST);
	uint32_t want = bits(mask);
	uint64_t t0 = rdtsc();
	while (total() < want && rdtsc() - t0 < WAIT_TICKS)
		cpu_pause();
	check_counts(name, mask);
}

static void ap_sends(const char *name, unsigned from, uint32_t dest, uint32_t icr, uint32_t mask)
{
	if (!ap_run(from, CMD_SEND, dest, icr | ICR_ASSERT | V_TEST))
		icr_busy++;
	uint32_t want = bits(mask);
	uint64_t t0 = rdtsc();
	while (total() < want && rdtsc() - t0 < WAIT_TICKS)
		cpu_pause();
	check_counts(name, mask);
}

static uint32_t all_mask(void) { return (1u << ncpus) - 1; }

/* ------------------------------------------------------------- start-up */
static unsigned cpu_count(void)
{
	unsigned n = (unsigned)cmdline_u64("cpus", 0);
	if (n)
		return n;
	outw(0x510, 0); /* fw_cfg signature */
	char sig[4];
	for (int i = 0; i < 4; i++)
		sig[i] = (char)inb(0x511);
	if (!memcmp(sig, "QEMU", 4)) {
		outw(0x510, 5); /* FW_CFG_NB_CPUS */
		n = inb(0x511);
		n |= (unsigned)inb(0x511) << 8;
		return n;
	}
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	return (d & (1u << 28)) ? (b >> 16) & 0xFF : 1;
}

static void start_ap(unsigned id)
{
	send(id, ICR_INIT | ICR_ASSERT);
	delay_tsc(1000000);
	send(id, ICR_STARTUP | ICR_ASSERT | (SMP_TRAMP_BASE >> 12));
	delay_tsc(200000);
	send(id, ICR_STARTUP | ICR_ASSERT | (SMP_TRAMP_BASE >> 12));
}

static int start_aps(void)
{
	memcpy(phys(SMP_TRAMP_BASE), smp_tramp_start, (size_t)(smp_tramp_end - smp_tramp_start));
	__asm__ volatile("sidt %0" : "=m"(smp_ap_idtr));
	for (unsigned i = 1; i < ncpus; i++)
		start_ap(i);
	int ok = 1;
	for (unsigned i = 1; i < ncpus; i++) {
		char name[32];
		snprintf(name, sizeof(name), "ap-%u-up", i);
		if (!wait_for(&ready[i], 1, name))
			ok = 0;
		check_eq(ready[i], 1, name);
	}
	check_eq(bad_ids, 0, "ap-apic-ids-in-range");
	return ok;
}

/* ------------------------------------------------------------- the tests */
static void test_fixed(void)
{
	char name[40];
	for (unsigned i = 1; i < ncpus; i++) {
		snprintf(name, sizeof(name), "fixed-bsp-to-ap%u", i);
		bsp_sends(name, i, ICR_FIXED, 1u << i);
	}
	for (unsigned i = 1; i < ncpus; i++) {
		snprintf(name, sizeof(name), "fixed-ap%u-to-bsp", i);
		ap_sends(name, i, 0, ICR_FIXED, 1);
	}
	if (ncpus >= 3)
		ap_sends("fixed-ap1-to-last-ap", 1, ncpus - 1, ICR_FIXED, 1u << (ncpus - 1));
}

static void test_shorthands(void)
{
	bsp_sends("shorthand-self", 0, ICR_SELF, 1);
	bsp_sends("shorthand-all-incl-self", 0, ICR_ALL, all_mask());
	bsp_sends("shorthand-all-excl-self", 0, ICR_ALL_BUT_SELF, all_mask() & ~1u);
	if (ncpus >= 2) {
		ap_sends("shorthand-all-excl-self-from-ap1", 1, 0, ICR_ALL_BUT_SELF, all_mask() & ~2u);
		ap_sends("shorthand-self-from-ap1", 1, 0, ICR_SELF, 2);
	}
	bsp_sends("physical-broadcast", x2 ? 0xFFFFFFFFu : 0xFF, ICR_FIXED, all_mask());
}

/* CPUs with odd APIC IDs */
static uint32_t odd_mask(void) { return all_mask() & 0xAAAAAAAAu; }

static void set_logical(uint32_t dfr, uint32_t (*ldr)(unsigned))
{
	lapic_write(APIC_DFR, dfr);
	lapic_write(APIC_LDR, ldr(0));
	for (unsigned i = 1; i < ncpus; i++)
		ap_run(i, CMD_LOGICAL, dfr, ldr(i));
}

static uint32_t flat_ldr(unsigned id) { return 1u << (24 + id); }
/* cluster model: cluster id/2 in bits 31:28, member bit id%2 in 27:24 */
static uint32_t cluster_ldr(unsigned id) { return (id >> 1) << 28 | 1u << (24 + (id & 1)); }

/* Six lowest-priority IPIs to the logical set of every AP: exactly one
 * of them takes each, never the BSP. 'prefix' names the checks. */
static void lowest_priority_to_aps(const char *prefix)
{
	uint32_t aps = all_mask() & ~1u;
	char got[64], name[64];
	int n = 0;

	for (int k = 0; k < 6; k++) {
		send(aps, ICR_LOWEST | ICR_LOGICAL | ICR_ASSERT | V_TEST);
		uint64_t t0 = rdtsc();
		while (total() < (uint32_t)k + 1 && rdtsc() - t0 < WAIT_TICKS)
			cpu_pause();
	}
	sync_all();
	for (unsigned i = 0; i < ncpus; i++)
		n += snprintf(got + n, sizeof(got) - (size_t)n, " %u", count[i]);
	printf("lowest priority, 6 IPIs to APs 0x%x: counts per CPU:%s\n", aps, got);
	snprintf(name, sizeof(name), "%slowest-priority-exactly-one-each", prefix);
	check_eq(total(), 6, name);
	snprintf(name, sizeof(name), "%slowest-priority-only-destinations", prefix);
	check_eq(count[0], 0, name);
	for (unsigned i = 0; i < ncpus; i++)
		count[i] = 0;
}

static void test_logical_xapic(void)
{
	set_logical(0xFFFFFFFFu, flat_ldr);
	check_eq(lapic_read(APIC_LDR), flat_ldr(0), "flat-ldr-readback");
	bsp_sends("logical-flat-odd", odd_mask(), ICR_LOGICAL, odd_mask());
	bsp_sends("logical-flat-bsp", 1, ICR_LOGICAL, 1);
	bsp_sends("logical-flat-all", all_mask(), ICR_LOGICAL, all_mask());

	lowest_priority_to_aps("");

	if (ncpus < 4) {
		skip("logical-cluster", "needs 4 CPUs");
		return;
	}
	set_logical(0x0FFFFFFFu, cluster_ldr);
	check_eq(lapic_read(APIC_DFR) >> 28, 0, "cluster-dfr-readback");
	bsp_sends("logical-cluster1-member0", 0x11, ICR_LOGICAL, 1u << 2);
	bsp_sends("logical-cluster0-both", 0x03, ICR_LOGICAL, 3);
	bsp_sends("logical-cluster1-member1", 0x12, ICR_LOGICAL, 1u << 3);
	set_logical(0xFFFFFFFFu, flat_ldr);
}

/* x2APIC logical ID: cluster id[19:4] in bits 31:16, bit id[3:0] below */
static uint32_t x2_ldr(unsigned id) { return (id >> 4) << 16 | 1u << (id & 15); }

static void test_logical_x2apic(void)
{
	uint32_t ldr0 = lapic_read(APIC_LDR);
	if (!ldr0 && !on_vireo) {
		/* SDM 11.12.10.2 derives the LDR from the x2APIC ID when x2APIC
		 * mode is enabled; logical destinations then match nobody */
		skip("x2apic-logical", "Bochs leaves the x2APIC LDR at 0 (no derived logical ID)");
		return;
	}
	int ok = ldr0 == x2_ldr(0);
	for (unsigned i = 1; i < ncpus; i++)
		if (ap_run(i, CMD_READ_LDR, 0, 0) != x2_ldr(i))
			ok = 0;
	check(ok, "x2apic-ldr-derived-on-every-cpu");
	bsp_sends("x2apic-logical-odd", odd_mask(), ICR_LOGICAL, odd_mask());
	bsp_sends("x2apic-logical-bsp", 1, ICR_LOGICAL, 1);
	bsp_sends("x2apic-logical-all", all_mask(), ICR_LOGICAL, all_mask());

	lowest_priority_to_aps("x2apic-");
}

static void test_nmi(void)
{
	unsigned t = 1;
	nmi_hold = 1;
	send(t, ICR_NMI | ICR_ASSERT);
	if (!wait_for(&nmi_inside, 1, "NMI handler entry")) {
		fail("nmi-ipi", "the NMI handler did not run");
		return;
	}
	send(t, ICR_NMI | ICR_ASSERT);
	nmi_second_sent = 1;
	wait_for(&nmi_count[t], 2, "second NMI");
	check_eq(nmi_count_inside, 1, "nmi-second-held-inside-handler");
	check_eq(nmi_count[t], 2, "nmi-second-delivered-after-iret");
	check_eq(nmi_count[0], 0, "nmi-only-target");
}

/* INIT + STARTUP to a running AP: it starts over from the trampoline. */
static void test_restart(void)
{
	unsigned t = ncpus - 1;
	uint32_t tickets = smp_ap_tickets;
	ready[t] = 0;
	start_ap(t);
	wait_for(&ready[t], 1, "restarted AP");
	check_eq(starts[t], 2, "restart-ap-started-twice");
	check_eq(smp_ap_tickets, tickets + 1, "restart-one-new-trampoline-entry");
	bsp_sends("restart-ap-takes-ipi", t, ICR_FIXED, 1u << t);
}

void test_main(void)
{
	on_vireo = running_on_vireo();
	x2 = (int)cmdline_u64("x2apic", 0);
	ncpus = cpu_count();
	printf("ipi test (%s, %s, %u cpus)\n", on_vireo ? "on Vireo" : "native", x2 ? "x2APIC" : "xAPIC", ncpus);
	if (ncpus < 2 || ncpus > MAX_CPUS) {
		fail("cpu-count", "%u cpus (need 2..%d)", ncpus, MAX_CPUS);
		return;
	}
	if (x2 && !check(x2apic_enable(), "x2apic-enabled"))
		return;
	lapic_enable(V_SPURIOUS);
	irq_set_handler(V_TEST, test_handler);
	irq_set_handler(V_WAKE, wake_handler);
	irq_set_handler(2, nmi_handler);
	check_eq(lapic_id(), 0, "bsp-apic-id");
	sti();
	if (!start_aps())
		return;
	test_fixed();
	test_shorthands();
	if (x2)
		test_logical_x2apic();
	else
		test_logical_xapic();
	test_nmi();
	test_restart();
	check_eq(icr_busy, 0, "icr-delivery-status-idle-after-send");
	check_eq(irq_unexpected, 0, "no-unexpected-interrupts");
	printf("ipi: done, %d timeouts\n", timeouts);
}
