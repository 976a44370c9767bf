/* Exit round-trip micro-benchmark (64-bit Vireo guest).
 *
 * Command line: op=NAME iters=N reps=R. For the op, it times a loop of N
 * iterations that executes the op once per iteration, and the same loop
 * without the op (the overhead loop), R times after one untimed warm-up
 * pass. Each loop is one asm statement so that both differ in the op alone.
 * Output, written with one hypercall at the end (see bench.h):
 *   BENCH exitop op=NAME iters=N reps=R loops=L
 *   BENCH exit op=NAME rep=I with=TICKS without=TICKS     (R lines)
 * L is how many times the op ran in all (warm-up included): the harness
 * divides the exits Vireo counted by it. op=none is the baseline run: an
 * empty op, so its exit counts are what every run pays besides its op.
 * An op that cannot run here prints `BENCH exitop op=NAME skipped=WHY`; one
 * whose figures are wrong (interrupts lost) adds `BENCH exitop op=NAME
 * error=WHY`. The interrupt round trips are in irq.c. */
#include "exits.h"

#define MSR_APIC_BASE      0x1B
#define XAPIC_TPR          0x80

OP_LOOPS(none, "", "")
OP_LOOPS(cpuid, "xor %%eax, %%eax\n\txor %%ecx, %%ecx\n\t", "cpuid\n\t")
OP_LOOPS(vmcall, "xor %%eax, %%eax\n\t", "vmcall\n\t") /* VERSION: the null hypercall */
OP_LOOPS(out, "mov %[arg], %%rdx\n\txor %%eax, %%eax\n\t", "outb %%al, %%dx\n\t")
OP_LOOPS(in, "mov %[arg], %%rdx\n\t", "inb %%dx, %%al\n\t")
OP_LOOPS(rdmsr, "mov %[arg], %%rcx\n\t", "rdmsr\n\t")
/* arg = the MSR's current value, written back unchanged */
OP_LOOPS(wrmsr_mtrr, "mov $0x2ff, %%ecx\n\tmov %[arg], %%rax\n\tmov %[arg], %%rdx\n\tshr $32, %%rdx\n\t",
	 "wrmsr\n\t")
OP_LOOPS(x2apic_eoi, "mov $0x80b, %%ecx\n\txor %%eax, %%eax\n\txor %%edx, %%edx\n\t", "wrmsr\n\t")
OP_LOOPS(mmio_read, "mov %[arg], %%rsi\n\t", "movl (%%rsi), %%eax\n\t")
OP_LOOPS(mmio_write, "mov %[arg], %%rsi\n\txor %%eax, %%eax\n\t", "movl %%eax, (%%rsi)\n\t")

static uint64_t prep_none(const char **why)
{
	(void)why;
	return 0;
}

/* The MTRR write-back stores the value the guest already has. */
static uint64_t prep_mtrr(const char **why)
{
	uint64_t v;
	if (rdmsr_safe(MSR_MTRR_DEF_TYPE, &v) >= 0)
		*why = "rdmsr-mtrr_def_type-faults";
	return v;
}

/* x2APIC needs CPUID.1:ECX[21]; enabling it is EN|EXTD in IA32_APIC_BASE
 * (SDM 11.12.1), done once here, outside the timed loops. */
static uint64_t prep_x2apic(const char **why)
{
	uint32_t c;
	cpuid(1, 0, 0, 0, &c, 0);
	if (!(c & CPUID1_ECX_X2APIC)) {
		*why = "no-x2apic";
		return 0;
	}
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_EN | APIC_BASE_EXTD);
	return 0;
}

/* The xAPIC page must be enabled and in xAPIC mode at its default base
 * (the 64-bit runtime identity-maps 0-4 GiB, so the address is mapped). */
static uint64_t prep_xapic(const char **why)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	if ((base & (APIC_BASE_EN | APIC_BASE_EXTD)) != APIC_BASE_EN ||
	    (base & ~0xFFFULL) != XAPIC_DEFAULT_BASE)
		*why = "xapic-not-at-default-base";
	return XAPIC_DEFAULT_BASE + XAPIC_TPR;
}

static uint64_t prep_unclaimed_port(const char **why) { (void)why; return 0x2F0; }
static uint64_t prep_uart_scr(const char **why) { (void)why; return 0x3FF; }
static uint64_t prep_uart_lsr(const char **why) { (void)why; return 0x3FD; }
static uint64_t prep_pat(const char **why) { (void)why; return 0x277; }
static uint64_t prep_misc_enable(const char **why) { (void)why; return 0x1A0; }

static const struct op ops[] = {
	{ "none", none_with, none_base, prep_none, 0, 0 },
	{ "cpuid", cpuid_with, cpuid_base, prep_none, 0, 0 },
	{ "vmcall", vmcall_with, vmcall_base, prep_none, 0, 0 },
	{ "out_unclaimed", out_with, out_base, prep_unclaimed_port, 0, 0 },
	{ "out_uart_scr", out_with, out_base, prep_uart_scr, 0, 0 },
	{ "in_uart_lsr", in_with, in_base, prep_uart_lsr, 0, 0 },
	{ "rdmsr_pat", rdmsr_with, rdmsr_base, prep_pat, 0, 0 },
	{ "rdmsr_misc_enable", rdmsr_with, rdmsr_base, prep_misc_enable, 0, 0 },
	{ "wrmsr_mtrr_def_type", wrmsr_mtrr_with, wrmsr_mtrr_base, prep_mtrr, 0, 0 },
	{ "x2apic_eoi", x2apic_eoi_with, x2apic_eoi_base, prep_x2apic, 0, 0 },
	{ "xapic_tpr_read", mmio_read_with, mmio_read_base, prep_xapic, 0, 0 },
	{ "xapic_tpr_write", mmio_write_with, mmio_write_base, prep_xapic, 0, 0 },
};

static const struct op *find_op(const char *name)
{
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(ops[i].name, name))
			return &ops[i];
	for (size_t i = 0; i < irq_ops_count; i++)
		if (!strcmp(irq_ops[i].name, name))
			return &irq_ops[i];
	return 0;
}

/* The warm-up pass takes the one-time costs (first-touch EPT faults, lazy
 * device setup) out of the timed repetitions. */
static void run_op(const struct op *op, uint64_t iters, uint64_t reps)
{
	const char *why = 0;

	if (op->run) {
		op->run(op, iters, reps);
		return;
	}
	uint64_t arg = op->prepare(&why);
	if (why) {
		bench_printf("BENCH exitop op=%s skipped=%s\n", op->name, why);
		return;
	}
	bench_printf("BENCH exitop op=%s iters=%llu reps=%llu loops=%llu\n", op->name,
		     (unsigned long long)iters, (unsigned long long)reps,
		     (unsigned long long)(iters * (reps + 1)));
	op->with(iters, arg);
	op->base(iters, arg);
	for (uint64_t r = 0; r < reps; r++) {
		uint64_t with = op->with(iters, arg);
		uint64_t without = op->base(iters, arg);
		bench_printf("BENCH exit op=%s rep=%llu with=%llu without=%llu\n", op->name,
			     (unsigned long long)r, (unsigned long long)with,
			     (unsigned long long)without);
	}
	const char *bad = op->verify ? op->verify(iters * (reps + 1)) : 0;
	if (bad)
		bench_printf("BENCH exitop op=%s error=%s\n", op->name, bad);
}

void test_main(void)
{
	char name[32];
	uint64_t iters = cmdline_u64("iters", 2000), reps = cmdline_u64("reps", 3);

	if (!running_on_vireo()) {
		printf("BENCH error: the exit benchmark needs Vireo (VMCALL would #UD)\n");
		bench_end(1);
	}
	if (!cmdline_get("op", name, sizeof(name)))
		memcpy(name, "none", 5);
	const struct op *op = find_op(name);
	if (!op || iters == 0 || reps == 0) {
		bench_printf("BENCH error: bad op=%s iters=%llu reps=%llu\n", name,
			     (unsigned long long)iters, (unsigned long long)reps);
		bench_end(1);
	}
	run_op(op, iters, reps);
	bench_end(0);
}
