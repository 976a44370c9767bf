/* ioapicsmp: I/O APIC interrupts to more than one CPU (82093AA datasheet;
 * SDM Vol. 3 11.6.2 destinations, 11.6.2.4 lowest priority). 32-bit, run
 * with 2 CPUs: the BSP starts CPU 1 with INIT/STARTUP (smp_trampoline.S),
 * which enables its local APIC (flat logical model, logical ID 1 << APIC
 * ID) and sleeps in `sti; hlt`; every CPU counts the interrupts it takes.
 *
 * PIT channel 0 at ~1 kHz through the entry of IRQ0 for 20 ms each:
 *  - physical destination CPU 1: only CPU 1 takes them;
 *  - logical destination 0x3 (both), fixed: both take every one;
 *  - physical broadcast 0xFF: both;
 *  - lowest priority to 0x3: each one taken by exactly one CPU; with the
 *    BSP's TPR raised, all by CPU 1 (the lower priority);
 * and the ACPI SCI (level, PM timer status) sent to CPU 1: its EOI (not
 * the BSP's) clears remote IRR; while TMR_STS stays set each EOI brings
 * it back to CPU 1; clearing it stops it (under Vireo; natively Bochs'
 * SCI is not on the FADT's IRQ and its I/O APIC re-sends no level). */
#include "pc.h"

#define SMP_TRAMP_BASE 0x8000u /* STARTUP vector 8 */
#define V_SPURIOUS     0xFF
#define V_EDGE         0x50
#define V_LEVEL        0x51
#define V_WAKE         0x30

extern const char smp_tramp_start[], smp_tramp_end[];
extern struct { uint16_t limit; uint32_t base; } __attribute__((packed)) smp_ap_idtr;

static uint32_t tsc_khz;
static int on_vireo;
static struct irq_route pit, sci;
static volatile uint32_t edge_count[2], level_count[2];
static volatile uint32_t ap_ready;
static volatile uint64_t level_rte[4];
static volatile uint64_t level_stamp[4];

static uint64_t ms(uint32_t n) { return (uint64_t)tsc_khz * n; }
static unsigned me(void) { return lapic_id() ? 1 : 0; }

static void edge_handler(struct exc_frame *f)
{
	(void)f;
	__atomic_fetch_add(&edge_count[me()], 1, __ATOMIC_SEQ_CST);
	lapic_eoi();
}

/* on CPU 1: EOI twice with TMR_STS set (the level comes straight back),
 * then clear it */
static void level_handler(struct exc_frame *f)
{
	unsigned id = me();
	uint32_t n = __atomic_fetch_add(&level_count[id], 1, __ATOMIC_SEQ_CST);

	(void)f;
	if (n < 4) {
		level_rte[n] = ioapic_rte_read(sci.gsi);
		level_stamp[n] = rdtsc();
	}
	if (n >= 2 || id == 0)
		outw(acpi.pm1a_evt, PM1_STS_TMR);
	if (n > 20)
		ioapic_rte_write(sci.gsi, RTE_MASKED);
	lapic_eoi();
}

static void wake_handler(struct exc_frame *f)
{
	(void)f;
	lapic_eoi();
}

void smp_ap_main(uint32_t ticket);
void smp_ap_main(uint32_t ticket)
{
	(void)ticket;
	lapic_enable(V_SPURIOUS);
	lapic_write(APIC_DFR, 0xFFFFFFFF);
	lapic_write(APIC_LDR, (1u << lapic_id()) << 24);
	ap_ready = 1;
	for (;;)
		safe_halt();
}

static int start_ap(void)
{
	memcpy(phys(SMP_TRAMP_BASE), smp_tramp_start, (size_t)(smp_tramp_end - smp_tramp_start));
	__asm__ volatile("sidt %0" : "=m"(smp_ap_idtr));
	lapic_send_ipi(1, ICR_INIT | ICR_ASSERT);
	delay_tsc(ms(10));
	lapic_send_ipi(1, ICR_STARTUP | ICR_ASSERT | (SMP_TRAMP_BASE >> 12));
	delay_tsc(ms(1));
	if (!ap_ready)
		lapic_send_ipi(1, ICR_STARTUP | ICR_ASSERT | (SMP_TRAMP_BASE >> 12));
	return wait_ge(&ap_ready, 1, ms(200));
}

/* 20 ms of PIT interrupts through `rte`; counts per CPU */
static void pit_through(uint64_t rte, uint32_t out[2])
{
	edge_count[0] = edge_count[1] = 0;
	ioapic_rte_write(pit.gsi, rte);
	sti();
	delay_tsc(ms(20));
	ioapic_rte_write(pit.gsi, rte | RTE_MASKED);
	delay_tsc(ms(2)); /* the last one on its way */
	cli();
	out[0] = edge_count[0];
	out[1] = edge_count[1];
}

static void test_edge(void)
{
	uint32_t phys1[2], logical[2], bcast[2], lowest[2], lowest_tpr[2];

	pit_program(0, 2, 1193);
	pit_through(V_EDGE | RTE_DEST(1), phys1);
	pit_through(V_EDGE | RTE_LOGICAL | RTE_DEST(0x03), logical);
	pit_through(V_EDGE | RTE_DEST(0xFF), bcast);
	pit_through(V_EDGE | 1u << 8 | RTE_LOGICAL | RTE_DEST(0x03), lowest);
	lapic_write(APIC_TPR, 0x40); /* still below V_EDGE's class 5 */
	pit_through(V_EDGE | 1u << 8 | RTE_LOGICAL | RTE_DEST(0x03), lowest_tpr);
	lapic_write(APIC_TPR, 0);
	printf("20 ms of PIT (BSP, CPU 1): physical 1: %u %u; logical 0x3: %u %u; broadcast: %u %u; "
	       "lowest: %u %u; lowest, BSP TPR 0x40: %u %u\n", phys1[0], phys1[1], logical[0], logical[1],
	       bcast[0], bcast[1], lowest[0], lowest[1], lowest_tpr[0], lowest_tpr[1]);
	check(phys1[0] == 0 && phys1[1] >= 18, "physical-dest-cpu1-only");
	check(logical[0] >= 18 && logical[0] == logical[1], "logical-both-cpus-take-each");
	check(bcast[0] >= 18 && bcast[0] == bcast[1], "physical-broadcast-both-cpus");
	uint32_t sum = lowest[0] + lowest[1];
	check(sum >= 18 && sum <= 24, "lowest-priority-each-taken-once");
	if (on_vireo || (lowest_tpr[0] == 0 && lowest_tpr[1] >= 18))
		check(lowest_tpr[0] == 0 && lowest_tpr[1] >= 18, "lowest-priority-avoids-higher-tpr");
	else
		skip("lowest-priority-avoids-higher-tpr", "native: Bochs' lowest-priority arbitration ignores TPR");
}

static void test_level_to_ap(void)
{
	if (!on_vireo) {
		skip("level-to-cpu1", "native: Bochs' SCI is not on the FADT's IRQ (see ioapic)");
		return;
	}
	if (!acpi_enable_sci()) {
		fail("sci-en", "SCI_EN stays 0");
		return;
	}
	irq_set_handler(V_WAKE, wake_handler);
	pit_program(0, 2, 59659); /* 20 Hz wakes the BSP */
	ioapic_rte_write(pit.gsi, ioapic_rte_for(&pit, V_WAKE, (uint8_t)lapic_id(), 0));
	outw((uint16_t)(acpi.pm1a_evt + 2), 0);
	outw(acpi.pm1a_evt, PM1_STS_TMR);
	ioapic_rte_write(sci.gsi, ioapic_rte_for(&sci, V_LEVEL, 1, 0));
	outw((uint16_t)(acpi.pm1a_evt + 2), PM1_EN_TMR);
	uint64_t t0 = rdtsc();
	while (level_count[1] < 3 && rdtsc() - t0 < ms(2700)) {
		safe_halt();
		cli();
	}
	delay_tsc(ms(20));
	uint64_t rte = ioapic_rte_read(sci.gsi);
	outw((uint16_t)(acpi.pm1a_evt + 2), 0);
	ioapic_rte_write(sci.gsi, ioapic_rte_for(&sci, V_LEVEL, 1, 1));
	ioapic_rte_write(pit.gsi, ioapic_rte_for(&pit, V_WAKE, (uint8_t)lapic_id(), 1));

	printf("SCI to CPU 1: %u (BSP %u), entry in the handler 0x%llx\n", level_count[1], level_count[0],
	       (unsigned long long)level_rte[0]);
	if (!check(level_count[1] >= 1, "level-to-cpu1-arrives"))
		return;
	check_eq(level_count[0], 0, "level-not-on-bsp");
	check(level_rte[0] & RTE_REMOTE_IRR, "level-remote-irr-set-on-cpu1");
	check_eq(level_count[1], 3, "level-again-after-cpu1-eoi-while-asserted");
	if (level_count[1] >= 2)
		check(level_stamp[1] - level_stamp[0] < ms(1), "level-again-at-once");
	check_eq(rte & RTE_REMOTE_IRR, 0, "cpu1-eoi-clears-remote-irr");
}

void test_main(void)
{
	on_vireo = running_on_vireo();
	tsc_khz = pc_tsc_khz();
	unsigned n = pc_cpu_count();
	printf("ioapicsmp test (%s): TSC %u kHz, %u CPUs\n", on_vireo ? "on Vireo" : "native", tsc_khz, n);
	if (!tsc_khz || n < 2 || acpi_probe()) {
		fail("setup", "TSC %u kHz, %u CPUs, ACPI %s", tsc_khz, n, acpi.madt ? "found" : "missing");
		return;
	}
	isa_irq_route(0, &pit);
	isa_irq_route(acpi.sci_irq, &sci);
	if (!sci.overridden) {
		sci.level = 1;
		sci.active_low = 1;
	}
	lapic_enable(V_SPURIOUS);
	lapic_write(APIC_DFR, 0xFFFFFFFF);
	lapic_write(APIC_LDR, (1u << lapic_id()) << 24);
	irq_set_handler(V_EDGE, edge_handler);
	irq_set_handler(V_LEVEL, level_handler);
	if (!check(start_ap(), "cpu1-up"))
		return;
	test_edge();
	test_level_to_ap();
	pit_program(0, 0, 0xFFFF);
}
