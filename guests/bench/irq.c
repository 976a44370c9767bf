/* Interrupt round trips for the exit benchmark (exits.c; 64-bit guest).
 *
 * Loop ops (two loops, as in exits.c): each iteration triggers one
 * interrupt and waits until its handler (irq_entry.S: count, EOI, IRET) has
 * run; the overhead loop loads the same registers and triggers nothing.
 * The wait is bounded (100000 polls); interrupts that never came make the
 * run report error=lost-interrupts.
 *   self_ipi         xAPIC ICR write, shorthand self; EOI through MMIO
 *   x2apic_self_ipi  WRMSR SELF IPI (0x83F); EOI through WRMSR 0x80B
 *   timer_irq        WRMSR IA32_TSC_DEADLINE = 1 (long past: fires at once),
 *                    LVT timer in TSC-deadline mode; EOI through MMIO
 *   ipi_roundtrip    (--smp 2) vCPU 0 writes ICR low: fixed IPI to vCPU 1,
 *                    which waits in `sti; hlt`; its handler EOIs and sends
 *                    a fixed IPI back (irq_entry.S); vCPU 0 waits for that
 *                    one. ICR high is written once at set-up on both sides,
 *                    so each send is one register write.
 *   xapic_lvt_write  no interrupt: a 32-bit MMIO write of the same value to
 *                    the LVT error register (0xFEE00370), an xAPIC write that
 *                    APIC virtualization turns into a trap-like APIC-write exit
 * Ops with their own runner:
 *   timer_periodic   a 10 kHz periodic LAPIC timer (EOI through MMIO) while
 *                    the guest runs a fixed loop of iters * 500 dec/jnz: per
 *                    rep the loop is timed with the timer on and with it
 *                    stopped (initial count 0), and the interrupts counted;
 *   BENCH exit op=timer_periodic rep=I with=TICKS without=TICKS n=IRQS
 *                    i.e. per interrupt: with/n = a period of work plus the
 *                    interrupt, without/n = the work alone. loops = all
 *                    interrupts taken, which the harness divides exits by.
 *   idle_tick        a 250 Hz periodic timer; after the first tick (taken
 *                    while spinning) the vCPU sleeps in `sti; hlt` between
 *                    ticks until `iters` ticks in all; nothing is timed
 *                    (timed=0): the harness takes exits and Vireo's ticks
 *                    per tick from --stats. */
#include "exits.h"
#include "irq.h"

#define MSR_APIC_BASE      0x1B
#define CPUID1_ECX_TSCDL   (1u << 24)
#define PERIODIC_HZ        10000
#define PERIODIC_WORK      500  /* dec/jnz per iteration of `iters` */
#define IDLE_HZ            250
#define SPIN_BOUND         "100000"

volatile uint32_t bench_irq_count;
volatile uint32_t bench_ping_count;
volatile uint32_t bench_ap_ready;
extern const char bench_tramp_start[], bench_tramp_end[];
extern struct {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed)) bench_ap_idtr;
extern uint32_t bench_ap_cr3;
void bench_irq_xapic(void);
void bench_irq_x2apic(void);
void bench_irq_ping(void);
void bench_ap_main(uint32_t ticket);

/* ------------------------------------------------------------- loops */
/* Per iteration: remember the count, trigger, poll until it moved. */
#define IRQ_SETUP "mov %[cnt], %%ebx\n\tmov $" SPIN_BOUND ", %%edi\n\t"
#define IRQ_WAIT  "2:\n\tcmp %[cnt], %%ebx\n\tjne 3f\n\tdec %%edi\n\tjnz 2b\n3:\n\t"
#define STR_(x)   #x
#define STR(x)    STR_(x)

/* arg = 0xFEE00300; the value is the whole ICR low word */
OP_LOOPS(self_ipi, "mov %[arg], %%rsi\n\tmov $" STR(BENCH_ICR_SELF | BENCH_ICR_ASSERT | BENCH_V_SELF)
	 ", %%eax\n\t" IRQ_SETUP, "movl %%eax, (%%rsi)\n\t" IRQ_WAIT)
OP_LOOPS(x2apic_self_ipi, "mov $0x83f, %%ecx\n\tmov $" STR(BENCH_V_SELF) ", %%eax\n\txor %%edx, %%edx\n\t" IRQ_SETUP,
	 "wrmsr\n\t" IRQ_WAIT)
OP_LOOPS(timer_irq, "mov $0x6e0, %%ecx\n\tmov $1, %%eax\n\txor %%edx, %%edx\n\t" IRQ_SETUP, "wrmsr\n\t" IRQ_WAIT)
OP_LOOPS(ipi, "mov %[arg], %%rsi\n\tmov $" STR(BENCH_ICR_ASSERT | BENCH_V_PING) ", %%eax\n\t" IRQ_SETUP,
	 "movl %%eax, (%%rsi)\n\t" IRQ_WAIT)
/* masked, vector 0xFE: the same value every time */
OP_LOOPS(lvt_write, "mov %[arg], %%rsi\n\tmov $0x100fe, %%eax\n\t", "movl %%eax, (%%rsi)\n\t")

/* ------------------------------------------------------------- set-up */
/* A 64-bit interrupt gate (selector 0x18, present, DPL 0) for vector v in
 * the IDT the runtime loaded. */
static void set_gate(int v, void (*h)(void))
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) d;
	uintptr_t a = (uintptr_t)h;

	__asm__ volatile("sidt %0" : "=m"(d));
	uint64_t *idt = (uint64_t *)(uintptr_t)d.base;
	idt[2 * v] = (a & 0xFFFF) | (0x18ULL << 16) | (0x8EULL << 40) | ((a & 0xFFFF0000ULL) << 32);
	idt[2 * v + 1] = (uint64_t)a >> 32;
}

/* xAPIC mode at the default base, software-enabled. */
static int xapic_ready(const char **why)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	if ((base & (APIC_BASE_EN | APIC_BASE_EXTD)) != APIC_BASE_EN ||
	    (base & ~0xFFFULL) != XAPIC_DEFAULT_BASE) {
		*why = "xapic-not-at-default-base";
		return 0;
	}
	lapic_enable(BENCH_V_SPURIOUS);
	return 1;
}

static uint64_t prep_self_ipi(const char **why)
{
	if (!xapic_ready(why))
		return 0;
	set_gate(BENCH_V_SELF, bench_irq_xapic);
	sti();
	return BENCH_XAPIC_ICR;
}

static uint64_t prep_x2apic_self_ipi(const char **why)
{
	if (!x2apic_enable()) {
		*why = "no-x2apic";
		return 0;
	}
	lapic_enable(BENCH_V_SPURIOUS);
	set_gate(BENCH_V_SELF, bench_irq_x2apic);
	sti();
	return 0;
}

static int have_tsc_deadline(void)
{
	uint32_t c;
	cpuid(1, 0, 0, 0, &c, 0);
	return (c & CPUID1_ECX_TSCDL) != 0;
}

static uint64_t prep_timer_irq(const char **why)
{
	if (!have_tsc_deadline()) {
		*why = "no-tsc-deadline";
		return 0;
	}
	if (!xapic_ready(why))
		return 0;
	set_gate(BENCH_V_TIMER, bench_irq_xapic);
	lapic_write(APIC_LVT_TIMER, LVT_TSC_DEADLINE | BENCH_V_TIMER);
	sti();
	return 0;
}

static uint64_t prep_lvt_write(const char **why)
{
	if (!xapic_ready(why))
		return 0;
	return XAPIC_DEFAULT_BASE + APIC_LVT_ERROR;
}

/* vCPU 1 (APIC ID 1): INIT, STARTUP, STARTUP as the SDM's MP start-up
 * (a running CPU ignores the second STARTUP). */
void bench_ap_main(uint32_t ticket)
{
	(void)ticket;
	lapic_enable(BENCH_V_SPURIOUS);
	lapic_write(APIC_ICR_HI, 0); /* replies go to APIC ID 0 */
	bench_ap_ready = 1;
	for (;;)
		safe_halt();
}

static int start_ap(void)
{
	memcpy(phys(BENCH_AP_TRAMP), bench_tramp_start, (size_t)(bench_tramp_end - bench_tramp_start));
	__asm__ volatile("sidt %0" : "=m"(bench_ap_idtr));
	bench_ap_cr3 = (uint32_t)read_cr3();
	lapic_send_ipi(1, ICR_INIT | ICR_ASSERT);
	delay_tsc(1000000);
	lapic_send_ipi(1, ICR_STARTUP | ICR_ASSERT | (BENCH_AP_TRAMP >> 12));
	delay_tsc(200000);
	lapic_send_ipi(1, ICR_STARTUP | ICR_ASSERT | (BENCH_AP_TRAMP >> 12));
	return wait_ge(&bench_ap_ready, 1, 50000000);
}

static uint64_t prep_ipi(const char **why)
{
	uint32_t b;
	cpuid(1, 0, 0, &b, 0, 0);
	if (((b >> 16) & 0xFF) < 2) {
		*why = "needs-smp-2";
		return 0;
	}
	if (!xapic_ready(why))
		return 0;
	set_gate(BENCH_V_PING, bench_irq_ping);
	set_gate(BENCH_V_PONG, bench_irq_xapic);
	if (!start_ap()) {
		*why = "ap-did-not-start";
		return 0;
	}
	lapic_write(APIC_ICR_HI, 1u << 24); /* every ping goes to APIC ID 1 */
	sti();
	return BENCH_XAPIC_ICR;
}

/* ------------------------------------------------------------- checks */
static const char *verify_irqs(uint64_t ops_done)
{
	return bench_irq_count == ops_done ? 0 : "lost-interrupts";
}

static const char *verify_ipi(uint64_t ops_done)
{
	if (bench_ping_count != ops_done)
		return "lost-pings";
	return verify_irqs(ops_done);
}

/* ------------------------------------------------------------- periodic */
/* `work` dec/jnz timed; *irqs = interrupts taken meanwhile. */
static uint64_t timed_work(uint64_t work, uint32_t *irqs)
{
	uint32_t c0 = bench_irq_count;
	uint64_t t0 = tsc_now();
	__asm__ volatile("1:\n\tdec %0\n\tjnz 1b" : "+r"(work) : : "memory");
	uint64_t t = tsc_now() - t0;
	*irqs = bench_irq_count - c0;
	return t;
}

static uint32_t apic_khz_of(const char **why)
{
	uint32_t tsc_khz, apic_khz;
	timer_freqs(&tsc_khz, &apic_khz);
	if (!tsc_khz || !apic_khz)
		*why = "no-timer-frequency";
	return apic_khz;
}

static uint64_t prep_periodic(const char **why)
{
	if (!xapic_ready(why))
		return 0;
	set_gate(BENCH_V_TIMER, bench_irq_xapic);
	lapic_write(APIC_TIMER_DCR, 0xB); /* divide by 1 */
	lapic_write(APIC_LVT_TIMER, LVT_PERIODIC | BENCH_V_TIMER);
	sti();
	return apic_khz_of(why);
}

static void run_periodic(const struct op *op, uint64_t iters, uint64_t reps)
{
	const char *why = 0;
	uint32_t count = (uint32_t)div64((uint64_t)op->prepare(&why) * 1000, PERIODIC_HZ);
	uint64_t work = iters * PERIODIC_WORK;
	uint32_t first = 0, start = bench_irq_count;

	if (why) {
		bench_printf("BENCH exitop op=%s skipped=%s\n", op->name, why);
		return;
	}
	/* pass 0 is the warm-up; the summary line goes last, once the
	 * interrupts are counted (the harness reads the lines in any order) */
	for (uint64_t r = 0; r <= reps; r++) {
		uint32_t n, none;
		lapic_write(APIC_TIMER_ICR, count);
		uint64_t with = timed_work(work, &n);
		lapic_write(APIC_TIMER_ICR, 0);
		uint64_t without = timed_work(work, &none);
		if (r == 1)
			first = n;
		if (r)
			bench_printf("BENCH exit op=%s rep=%llu with=%llu without=%llu n=%u\n", op->name,
				     (unsigned long long)(r - 1), (unsigned long long)with,
				     (unsigned long long)without, n);
	}
	bench_printf("BENCH exitop op=%s iters=%u reps=%llu loops=%u hz=%u\n", op->name, first,
		     (unsigned long long)reps, bench_irq_count - start, PERIODIC_HZ);
	/* iters=1 (the harness's reference boot) is shorter than a period */
	if (iters >= 100 && !first)
		bench_printf("BENCH exitop op=%s error=no-timer-interrupts\n", op->name);
}

/* ------------------------------------------------------------- idle */
static uint64_t prep_idle(const char **why)
{
	return prep_periodic(why);
}

static void run_idle(const struct op *op, uint64_t iters, uint64_t reps)
{
	const char *why = 0;
	uint32_t count = (uint32_t)div64((uint64_t)op->prepare(&why) * 1000, IDLE_HZ);
	uint32_t start = bench_irq_count, ticks = (uint32_t)iters;

	(void)reps;
	if (why) {
		bench_printf("BENCH exitop op=%s skipped=%s\n", op->name, why);
		return;
	}
	lapic_write(APIC_TIMER_ICR, count);
	/* the first tick comes while spinning with IF=1 (bounded: HLT would
	 * wait forever for a timer that does not run) */
	int ok = wait_ge(&bench_irq_count, start + 1, 50000000);
	cli();
	while (ok && bench_irq_count - start < ticks) {
		safe_halt();
		cli();
	}
	lapic_write(APIC_TIMER_ICR, 0);
	bench_printf("BENCH exitop op=%s iters=%u reps=1 loops=%u timed=0 hz=%u\n", op->name, ticks,
		     bench_irq_count - start, IDLE_HZ);
	if (!ok)
		bench_printf("BENCH exitop op=%s error=no-timer-interrupts\n", op->name);
}

#define LOOP_OP(name, loops, prep, check) { name, loops##_with, loops##_base, prep, 0, check }
#define RUN_OP(name, prep, runner)        { name, 0, 0, prep, runner, 0 }

const struct op irq_ops[] = {
	LOOP_OP("self_ipi", self_ipi, prep_self_ipi, verify_irqs),
	LOOP_OP("x2apic_self_ipi", x2apic_self_ipi, prep_x2apic_self_ipi, verify_irqs),
	LOOP_OP("timer_irq", timer_irq, prep_timer_irq, verify_irqs),
	LOOP_OP("ipi_roundtrip", ipi, prep_ipi, verify_ipi),
	LOOP_OP("xapic_lvt_write", lvt_write, prep_lvt_write, 0),
	RUN_OP("timer_periodic", prep_periodic, run_periodic),
	RUN_OP("idle_tick", prep_idle, run_idle),
};
const size_t irq_ops_count = sizeof(irq_ops) / sizeof(irq_ops[0]);
