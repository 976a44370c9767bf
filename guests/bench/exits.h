/* Exit round-trip micro-benchmark: the loop machinery and op table entry
 * shared by exits.c (plain exits) and irq.c (interrupt round trips). */
#ifndef VIREO_BENCH_EXITS_H
#define VIREO_BENCH_EXITS_H

#include "bench.h"

#define MSR_MTRR_DEF_TYPE  0x2FF
#define APIC_BASE_EXTD     (1ULL << 10) /* x2APIC mode */
#define APIC_BASE_EN       (1ULL << 11)
#define XAPIC_DEFAULT_BASE 0xFEE00000UL
#define CPUID1_ECX_X2APIC  (1u << 21)

/* Registers the setups and ops may use; the loop counter and the argument
 * live elsewhere because the compiler never allocates clobbered ones. */
#define LOOP_CLOBBERS "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "memory"

/* NAME_with / NAME_base: the loop with and without the op. `setup` loads
 * the op's operands every iteration (cpuid/rdmsr overwrite them), so the
 * overhead loop runs it too. %[cnt] is bench_irq_count (irq.c), for ops
 * that wait for their interrupt. Returns elapsed ticks. */
#define OP_LOOPS(name, setup, op)                                                   \
	static uint64_t name##_with(uint64_t n, uint64_t arg)                        \
	{                                                                            \
		uint64_t t0 = tsc_now();                                             \
		__asm__ volatile("1:\n\t" setup op "dec %[n]\n\tjnz 1b"               \
				 : [n] "+r"(n)                                       \
				 : [arg] "r"(arg), [cnt] "m"(bench_irq_count)        \
				 : LOOP_CLOBBERS);                                   \
		return tsc_now() - t0;                                               \
	}                                                                            \
	static uint64_t name##_base(uint64_t n, uint64_t arg)                        \
	{                                                                            \
		uint64_t t0 = tsc_now();                                             \
		__asm__ volatile("1:\n\t" setup "dec %[n]\n\tjnz 1b"                  \
				 : [n] "+r"(n)                                       \
				 : [arg] "r"(arg), [cnt] "m"(bench_irq_count)        \
				 : LOOP_CLOBBERS);                                   \
		return tsc_now() - t0;                                               \
	}

typedef uint64_t (*loop_fn)(uint64_t n, uint64_t arg);

struct op {
	const char *name;
	loop_fn with, base;
	/* Prepares the machine and returns the loop argument, or sets *why
	 * (the op cannot run here: reported as skipped). */
	uint64_t (*prepare)(const char **why);
	/* An op measured some other way than the two loops (irq.c); it prints
	 * its own BENCH lines. */
	void (*run)(const struct op *op, uint64_t iters, uint64_t reps);
	/* After the loops: a reason the figures are wrong (interrupts lost),
	 * or 0. */
	const char *(*verify)(uint64_t ops_done);
};

/* Interrupts taken by the bench handlers (irq_entry.S). */
extern volatile uint32_t bench_irq_count;

extern const struct op irq_ops[];
extern const size_t irq_ops_count;

#endif
