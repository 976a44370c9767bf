/* Chaos guest (issue 9): from seed=N, a long random sequence of what a
 * buggy or malicious kernel does to its hypervisor (chaos_cpu.c,
 * chaos_dev.c), in 32-bit protected mode with a 16-bit code segment
 * (chaos.elf) or in 64-bit long mode (chaos64.elf). The guest catches its
 * own exceptions and goes on; at the end it prints its seed, the count of
 * every operation class and exception, its last operations, and ends the
 * way end= says.
 *
 * Command line (all optional):
 *   seed=N      PRNG seed (default 1)
 *   ops=N       operations to issue (default 2000)
 *   exits=N     stop instead once about N exit-causing operations were
 *               issued (the guest's own estimate; Vireo's --stats counts)
 *   trace=N     print every operation from op N on (replay a seed)
 *   end=HOW     exit (debug-exit, RESULT line; default), triple, hcall,
 *               halt, poweroff, above4g (64-bit: touch memory above
 *               4 GiB), random (the seed picks one, at a random op)
 *   skip=A,B    leave these operation classes out (names as printed)
 *   mmio_rare=1 also MMIO instruction forms Vireo does not emulate (the
 *               VM ends with "cannot emulate MMIO access")
 *   strio_mmio=1  INS/OUTS with the buffer in a device window (the VM
 *               ends: "buffer at GPA ... is not guest RAM")
 *   exec_mmio=1 execute from device windows (Vireo ends the VM)
 *   safe=0      allow INIT/SMI/ExtINT delivery modes in random APIC and
 *               I/O APIC writes (they can stop this VM's own CPUs)
 *   cpus=N      vCPUs of this VM (Vireo passes it); with 2 or more the
 *               AP is parked and becomes the target of IPI/INIT/SIPI storms */
#include "chaos.h"

struct chaos_cfg cfg;
volatile uint32_t irq_count, nmi_count;
uint32_t exits_estimate;
uint8_t scratch[SCRATCH_SIZE] __attribute__((aligned(4096)));

/* ------------------------------------------------------------ random */
static uint64_t rng_state = 1;

uint64_t rnd(void)
{
	uint64_t x = rng_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

uint32_t rnd_below(uint32_t n)
{
	return (uint32_t)(rnd() >> 32) % n;
}

/* Values a fuzzer should try: edges, single bits, canonical-boundary
 * addresses, and plain noise. */
uint64_t rnd_value(void)
{
	switch (rnd_below(10)) {
	case 0: return 0;
	case 1: return ~0ULL;
	case 2: return 1ULL << rnd_below(64);
	case 3: return ~(1ULL << rnd_below(64));
	case 4: return 0x0000800000000000ULL - 1 - rnd_below(16);     /* canonical top */
	case 5: return 0x0000800000000000ULL + rnd_below(16);         /* non-canonical */
	case 6: return 0xFFFFFFFFFFFFF000ULL + rnd_below(0x1000);     /* near 2^64 */
	case 7: return rnd() & 0xFFFFFFFFULL;
	case 8: return rnd_below(0x100);
	default: return rnd();
	}
}

/* ------------------------------------------------------------ op log */
#define RING 16
struct op_rec {
	uint32_t no, cls;
	const char *what;
	uint64_t a, b;
	int result; /* 0, or 1 + exception vector */
};
static struct op_rec ring[RING];
static uint32_t op_no;
static uint32_t trace_from = ~0u;
static uint32_t cur_class;

static const char *const class_names[C_NCLASS] = {
	"cpuid", "rdmsr", "wrmsr", "pio", "piostr", "mmio", "hcall", "cr", "dr",
	"xcr0", "vmx", "cache", "misc", "ipi", "timer", "storm", "execmmio",
	"mode16", "x2apic", "seg",
};

void note(const char *what, uint64_t a, uint64_t b)
{
	struct op_rec *r = &ring[op_no % RING];
	r->what = what;
	r->a = a;
	r->b = b;
	if (op_no >= trace_from)
		printf("chaos: op %u %s %s 0x%llx 0x%llx\n", op_no, class_names[cur_class], what,
		       (unsigned long long)a, (unsigned long long)b);
}

static void ring_dump(void)
{
	uint32_t first = op_no > RING ? op_no - RING : 0;
	printf("chaos: last %u operations:\n", op_no - first);
	for (uint32_t n = first; n < op_no; n++) {
		struct op_rec *r = &ring[n % RING];
		printf("chaos:   op %u %s %s 0x%llx 0x%llx -> %s%u\n", r->no, class_names[r->cls],
		       r->what ? r->what : "-", (unsigned long long)r->a, (unsigned long long)r->b,
		       r->result ? "exception " : "ok ", r->result ? r->result - 1 : 0);
	}
}

/* ------------------------------------------------------------ exceptions */
extern volatile uint32_t chaos_in_try;
extern char chaos_recover[];
static uint32_t exc_by_vec[32];
static uint32_t stray_db;

/* Any exception inside chaos_try: resume at chaos_recover (flat CS,
 * whatever mode the op was in) with EAX = 1 + vector, interrupts off and
 * no single-stepping. Instructions with an exception-table entry (the
 * *_safe helpers) are left to the library. Outside chaos_try: a #DB from
 * a breakpoint an op left armed is disarmed and resumed; anything else
 * is a real failure (the library's path). Vectors 16..31 are never raised
 * as exceptions here (no x87/SSE, no #MC): they are interrupts at legal
 * vectors an op programmed, and get their EOI. */
struct extable_entry {
	uintptr_t from, to;
};
extern const struct extable_entry __extable_start[], __extable_end[];

static int in_extable(uintptr_t ip)
{
	for (const struct extable_entry *e = __extable_start; e < __extable_end; e++)
		if (e->from == ip)
			return 1;
	return 0;
}

static int chaos_exc(struct exc_frame *f)
{
	unsigned v = (unsigned)f->vector & 31;
	exc_by_vec[v]++;
	if (v >= 16)
		*(volatile uint32_t *)(uintptr_t)0xFEE000B0u = 0;
	if (in_extable(f->ip))
		return 0;
	if (chaos_in_try) {
		f->ip = (uintptr_t)chaos_recover;
		f->cs = CHAOS_CS;
		f->ax = 1 + v;
		f->flags &= ~(FLAGS_TF | FLAGS_IF | (1UL << 10) | (1UL << 14) | (1UL << 18));
		return 1;
	}
	if (v == 1) {
		stray_db++;
		__asm__ volatile("mov %0, %%dr7" : : "r"(0UL));
		return 1;
	}
	return 0;
}

/* Every vector from 32 up, the spurious one too: random IPIs and LVTs
 * use 0xFF as an ordinary vector, and one left in service would block
 * every interrupt (lapic_enable's own handler never EOIs). */
void chaos_irq(struct exc_frame *f)
{
	(void)f;
	irq_count++;
	/* EOI whatever is in service (harmless when nothing is) */
	*(volatile uint32_t *)(uintptr_t)0xFEE000B0u = 0;
}

static void chaos_nmi(struct exc_frame *f)
{
	(void)f;
	nmi_count++;
}

/* ------------------------------------------------------------ driver */
struct op_desc {
	void (*fn)(void);
	unsigned weight;
};
static struct op_desc ops[C_NCLASS] = {
	[C_CPUID] = { op_cpuid, 6 },     [C_RDMSR] = { op_rdmsr, 6 },
	[C_WRMSR] = { op_wrmsr, 6 },     [C_PIO] = { op_pio, 8 },
	[C_PIO_STR] = { op_pio_str, 4 }, [C_MMIO] = { op_mmio, 10 },
	[C_HCALL] = { op_hcall, 4 },     [C_CR] = { op_cr, 5 },
	[C_DR] = { op_dr, 2 },           [C_XCR0] = { op_xcr0, 2 },
	[C_VMX] = { op_vmx, 3 },         [C_CACHE] = { op_cache, 2 },
	[C_MISC] = { op_misc, 4 },       [C_IPI] = { op_ipi, 3 },
	[C_TIMER] = { op_timer, 2 },     [C_STORM] = { op_storm, 1 },
	[C_EXEC_MMIO] = { op_exec_mmio, 1 },
	[C_MODE16] = { op_mode16, 3 },   [C_X2APIC] = { op_x2apic, 1 },
	[C_SEG] = { op_seg, 2 },
};
static uint32_t class_count[C_NCLASS], class_exc[C_NCLASS];

static void parse_skip(void)
{
	char buf[128];
	if (!cmdline_get("skip", buf, sizeof(buf)))
		return;
	for (char *p = buf; *p;) {
		char *w = p;
		while (*p && *p != ',')
			p++;
		if (*p)
			*p++ = 0;
		for (int c = 0; c < C_NCLASS; c++)
			if (!strcmp(w, class_names[c])) {
				ops[c].weight = 0;
				printf("chaos: skipping %s\n", w);
			}
	}
}

static int pick_class(void)
{
	unsigned total = 0;
	for (int c = 0; c < C_NCLASS; c++)
		total += ops[c].weight;
	unsigned r = rnd_below(total);
	for (int c = 0; c < C_NCLASS; c++) {
		if (r < ops[c].weight)
			return c;
		r -= ops[c].weight;
	}
	return C_CPUID;
}

static void one_op(void)
{
	int c = pick_class();
	struct op_rec *r = &ring[op_no % RING];
	cur_class = (uint32_t)c;
	r->no = op_no;
	r->cls = (uint32_t)c;
	r->what = 0;
	r->a = r->b = 0;
	int res = chaos_try(ops[c].fn);
	r->result = res;
	class_count[c]++;
	if (res)
		class_exc[c]++;
	if (res && op_no >= trace_from)
		printf("chaos: op %u -> exception %d\n", op_no, res - 1);
	/* whatever the op left behind, the guest needs its own APIC back */
	if (c == C_WRMSR || c == C_X2APIC || c == C_MMIO)
		apic_base_restore();
	op_no++;
}

static void print_summary(void)
{
	static const char *const vn[32] = { "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
		"#DF", "9", "#TS", "#NP", "#SS", "#GP", "#PF", "15", "#MF", "#AC", "#MC", "#XM", "#VE" };
	printf("chaos: seed %llu, %d-bit, %u operations, about %u exits caused\n",
	       (unsigned long long)cmdline_u64("seed", 1), CHAOS_BITS, op_no, exits_estimate);
	for (int c = 0; c < C_NCLASS; c++)
		printf("chaos: class %-8s %6u ops %6u cut short by an exception\n", class_names[c], class_count[c],
		       class_exc[c]);
	/* 16..31: mostly interrupts an op programmed at those (legal) vectors */
	for (int v = 0; v < 32; v++)
		if (exc_by_vec[v])
			printf("chaos: exception vector %d%s%s %u\n", v, vn[v] ? " " : "", vn[v] ? vn[v] : "",
			       exc_by_vec[v]);
	printf("chaos: interrupts %u, NMIs %u, stray #DB %u\n", irq_count, nmi_count, stray_db);
	if (seg_mismatch)
		printf("FAIL chaos-segment-mmio: %u MMIO reads through a based segment gave "
		       "something else than all-ones\n", seg_mismatch);
	ring_dump();
}

/* ------------------------------------------------------------ endings */
static void __attribute__((noreturn)) end_triple(void)
{
	struct { uint16_t limit; uintptr_t base; } __attribute__((packed)) none = { 0, 0 };
	printf("chaos: ending with a triple fault\n");
	__asm__ volatile("cli; lidt %0; int3" : : "m"(none));
	for (;;)
		hlt();
}

static void __attribute__((noreturn)) end_how(const char *how)
{
	printf("chaos: done, ending by %s\n", how);
	if (!strcmp(how, "triple"))
		end_triple();
	if (!strcmp(how, "hcall"))
		hc_exit(7);
	if (!strcmp(how, "halt"))
		for (;;)
			__asm__ volatile("cli; hlt");
	if (!strcmp(how, "poweroff")) {
		outw(0x604, (7u << 10) | (1u << 13)); /* PM1a_CNT: SLP_TYP S5, SLP_EN */
		for (;;)
			__asm__ volatile("cli; hlt");
	}
#ifdef __x86_64__
	if (!strcmp(how, "above4g")) {
		volatile uint32_t *p = (volatile uint32_t *)0x100000000ULL; /* mapped in chaos_cpu_init */
		printf("chaos: read above 4 GiB: 0x%x\n", *p);
	}
#endif
	test_finish();
}

static const char *const endings[] = { "exit", "triple", "hcall", "halt", "poweroff" };

void test_main(void)
{
	char end[16] = "exit";
	uint64_t seed = cmdline_u64("seed", 1);
	uint32_t nops = (uint32_t)cmdline_u64("ops", 2000);
	uint32_t exits = (uint32_t)cmdline_u64("exits", 0);

	rng_state = seed * 0x9E3779B97F4A7C15ULL + 1; /* never 0 */
	trace_from = (uint32_t)cmdline_u64("trace", ~0u);
	cmdline_get("end", end, sizeof(end));
	cfg.safe = (int)cmdline_u64("safe", 1);
	cfg.mmio_rare = (int)cmdline_u64("mmio_rare", 0);
	cfg.strio_mmio = (int)cmdline_u64("strio_mmio", 0);
	cfg.ncpus = (unsigned)cmdline_u64("cpus", 1);
	cfg.ram_end = mb_ram_end();
	printf("chaos: seed %llu, %d-bit, ops %u, exits %u, end %s, cpus %u, RAM end 0x%llx\n",
	       (unsigned long long)seed, CHAOS_BITS, nops, exits, end, cfg.ncpus,
	       (unsigned long long)cfg.ram_end);
	if (!strcmp(end, "random")) {
		for (unsigned i = 0; i < sizeof(end) - 1; i++)
			end[i] = 0;
		const char *e = endings[rnd_below(sizeof(endings) / sizeof(endings[0]))];
		memcpy(end, e, strlen(e));
		nops = nops / 2 + rnd_below(nops / 2 + 1);
		printf("chaos: the seed picked end %s after %u operations\n", end, nops);
	}
	/* Vireo stops a VM that executes from MMIO: only when asked */
	if (!cmdline_u64("exec_mmio", 0))
		ops[C_EXEC_MMIO].weight = 0;
	parse_skip();
	for (int v = 0; v < 32; v++)
		exc_set_handler(v, chaos_exc);
	for (int v = 32; v < 256; v++)
		irq_set_handler(v, chaos_irq);
	irq_set_handler(2, chaos_nmi);
	lapic_enable(SPURIOUS_VEC);
	irq_set_handler(SPURIOUS_VEC, chaos_irq);
	chaos_cpu_init();
	chaos_dev_init();
	if (cfg.ncpus > 1)
		ap_park();
	printf("chaos: running\n");
	uint32_t step = exits ? exits / 8 : nops / 8;
	uint32_t next = step ? step : ~0u;
	for (;;) {
		uint32_t progress = exits ? exits_estimate : op_no;
		if (progress >= (exits ? exits : nops))
			break;
		if (progress >= next) {
			printf("chaos: progress op %u, about %u exits\n", op_no, exits_estimate);
			next += step;
		}
		one_op();
	}
	timers_stop();
	print_summary();
	end_how(end);
}
