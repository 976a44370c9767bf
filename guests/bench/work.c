/* Workload benchmark (64-bit multiboot kernel), the same image booted on
 * bare Bochs and as a Vireo guest. Command line: work=NAME, one of
 *   sieve       sieve of Eratosthenes, then a strided walk over 64 MiB
 *   syscall     SYSCALL/SYSRET ping-pong between ring 3 and ring 0
 *   paging      map/touch/unmap 4 KiB pages in our own page tables,
 *               INVLPG each, CR3 reload every 512 pages
 *   exceptions  #PF on a not-present page (the handler maps it) and #BP
 * It times the workload alone with rdtsc and prints
 *   BENCH name=NAME ticks=TICKS check=VALUE
 * (check: a result of the work, equal natively and under Vireo), then ends
 * with bench_end(0). Needs 80 MiB of RAM for sieve (run with -m 128M).
 * quick=1 does 1/100 of the work (for the harness's smoke test). */
#include "bench.h"

#define MIB            (1024UL * 1024)
#define PAGE           4096UL
#define PTE_P          0x1ULL
#define PTE_RW         0x2ULL
#define PTE_US         0x4ULL
#define PTE_PS         0x80ULL
#define PTE_ADDR       0x000FFFFFFFFFF000ULL

/* Every size and round count below is divided by this (quick=1: 100). */
static uint64_t work_div = 1;

/* ------------------------------------------------------------ sieve/walk */
#define SIEVE_BASE     (8 * MIB)  /* above the image, below the walk */
#define SIEVE_N        (2 * MIB)  /* one byte per number */
#define WALK_BASE      (16 * MIB)
#define WALK_SIZE      (64 * MIB)
#define WALK_STRIDE    64         /* one cache line */
#define WALK_PASSES    2

static uint64_t sieve(void)
{
	uint8_t *composite = phys(SIEVE_BASE);
	uint64_t primes = 0;

	uint64_t n = SIEVE_N / work_div;

	memset(composite, 0, n);
	for (uint64_t i = 2; i * i < n; i++)
		if (!composite[i])
			for (uint64_t j = i * i; j < n; j += i)
				composite[j] = 1;
	for (uint64_t i = 2; i < n; i++)
		primes += !composite[i];
	return primes;
}

/* Read-modify-write one word per cache line, so every page of the 64 MiB
 * is touched (guest page walks, and EPT walks under Vireo). */
static uint64_t walk(void)
{
	uint64_t sum = 0, size = WALK_SIZE / work_div;

	for (int pass = 0; pass < WALK_PASSES; pass++)
		for (uint64_t off = 0; off < size; off += WALK_STRIDE) {
			volatile uint64_t *p = phys((uint32_t)(WALK_BASE + off));
			*p += off;
			sum += *p;
		}
	return sum;
}

static int sieve_prepare(void)
{
	uint64_t end = mb_ram_end();
	if (end && end < WALK_BASE + WALK_SIZE) {
		printf("BENCH error: sieve needs %lu MiB of RAM, have %llu\n",
		       (WALK_BASE + WALK_SIZE) / MIB, (unsigned long long)(end / MIB));
		return -1;
	}
	return 0;
}

static uint64_t sieve_run(void) { return sieve() + walk(); }

/* ---------------------------------------------------------------- syscall */
#define SYSCALL_ROUNDS 2000000
#define MSR_EFER       0xC0000080
#define MSR_STAR       0xC0000081
#define MSR_LSTAR      0xC0000082
#define MSR_FMASK      0xC0000084
#define EFER_SCE       0x1ULL
#define KERNEL_CS      0x18 /* the runtime's 64-bit code segment, kept */
#define USER_BASE_SEL  0x28 /* SYSRET: SS = base+8, CS = base+16 (RPL 3) */
#define TSS_SEL        0x40

void user_pingpong(uint64_t n, void *user_stack_top);
void syscall_entry(void);

/* The runtime's selectors 0x08/0x10/0x18 keep their meaning, so nothing
 * but TR needs reloading; SYSCALL/SYSRET dictate the order of the rest. */
static uint64_t gdt[10] __attribute__((aligned(16))) = {
	0,
	0x00CF9A000000FFFFULL, /* 0x08 code32 */
	0x00CF92000000FFFFULL, /* 0x10 data */
	0x00AF9A000000FFFFULL, /* 0x18 kernel code64 */
	0x00CF92000000FFFFULL, /* 0x20 kernel data (SYSCALL's SS) */
	0x00CFFA000000FFFFULL, /* 0x28 user code32 (SYSRET base, unused) */
	0x00CFF2000000FFFFULL, /* 0x30 user data */
	0x00AFFA000000FFFFULL, /* 0x38 user code64 */
	0, 0,                  /* 0x40 TSS, filled in at run time */
};

static struct tss64 tss;
static uint8_t kernel_stack[16384] __attribute__((aligned(16)));
static uint8_t user_stack[16384] __attribute__((aligned(16)));

/* A 64-bit available TSS descriptor (type 9) for `tss` (SDM 8.2.3). */
static void gdt_set_tss(void)
{
	uint64_t base = (uintptr_t)&tss, limit = sizeof(tss) - 1;

	gdt[TSS_SEL / 8] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ULL << 40) |
			   ((limit >> 16 & 0xF) << 48) | ((base >> 24 & 0xFF) << 56);
	gdt[TSS_SEL / 8 + 1] = base >> 32;
}

static void load_gdt_tss(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) d = { sizeof(gdt) - 1, (uintptr_t)gdt };

	/* an exception in ring 3 switches to RSP0 */
	tss.rsp[0] = (uintptr_t)(kernel_stack + sizeof(kernel_stack));
	tss.iomap_base = sizeof(tss); /* no I/O bitmap: ring 3 has no ports */
	gdt_set_tss();
	__asm__ volatile("lgdt %0" : : "m"(d));
	__asm__ volatile("ltr %w0" : : "r"(TSS_SEL));
}

/* Ring 3 runs our own code and stack out of the runtime's identity map, so
 * the first GiB's entries get U/S (no SMEP/SMAP: ring 0 is unaffected). */
static void map_first_gib_user(void)
{
	uint64_t *pml4 = phys((uint32_t)(read_cr3() & PTE_ADDR));
	uint64_t *pdpt = phys((uint32_t)(pml4[0] & PTE_ADDR));

	pml4[0] |= PTE_US;
	pdpt[0] |= PTE_US;
	for (int i = 0; i < 512; i++)
		guest_pd[0][i] |= PTE_US;
	write_cr3(read_cr3());
}

static int syscall_prepare(void)
{
	load_gdt_tss();
	map_first_gib_user();
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, ((uint64_t)USER_BASE_SEL << 48) | ((uint64_t)KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (uintptr_t)syscall_entry);
	wrmsr(MSR_FMASK, 0x47700); /* IF, TF, DF, AC, NT, IOPL: Linux's mask */
	return 0;
}

static uint64_t syscall_run(void)
{
	uint64_t rounds = SYSCALL_ROUNDS / work_div;

	user_pingpong(rounds, user_stack + sizeof(user_stack));
	return rounds;
}

/* ---------------------------------------------------------------- paging */
/* Our own 4 KiB mappings live in the 5th GiB of linear space, which the
 * runtime's identity map (PDPT[0..3]) leaves empty: PDPT[4] -> scratch_pd,
 * scratch_pd[0] -> scratch_pt. Frames come from 32 MiB up. */
#define SCRATCH_VA     (4UL << 30)
#define SCRATCH_FRAMES (32 * MIB)
#define PAGING_ROUNDS  1000000
#define FAULT_ROUNDS   200000

static uint64_t scratch_pd[512] __attribute__((aligned(4096)));
static uint64_t scratch_pt[512] __attribute__((aligned(4096)));

static void scratch_init(void)
{
	uint64_t *pml4 = phys((uint32_t)(read_cr3() & PTE_ADDR));
	uint64_t *pdpt = phys((uint32_t)(pml4[0] & PTE_ADDR));

	scratch_pd[0] = (uintptr_t)scratch_pt | PTE_P | PTE_RW;
	pdpt[4] = (uintptr_t)scratch_pd | PTE_P | PTE_RW;
	write_cr3(read_cr3());
}

static inline volatile uint64_t *scratch_page(unsigned slot)
{
	return (volatile uint64_t *)(SCRATCH_VA + slot * PAGE);
}

/* 16 frames in turn, so consecutive mappings differ. */
static inline uint64_t scratch_frame(uint64_t i)
{
	return SCRATCH_FRAMES + (i & 15) * PAGE;
}

static int paging_prepare(void)
{
	scratch_init();
	return 0;
}

static uint64_t paging_run(void)
{
	uint64_t sum = 0, rounds = PAGING_ROUNDS / work_div;

	for (uint64_t i = 0; i < rounds; i++) {
		unsigned slot = i & 511;
		scratch_pt[slot] = scratch_frame(i) | PTE_P | PTE_RW;
		*scratch_page(slot) = i;
		sum += *scratch_page(slot);
		scratch_pt[slot] = 0;
		invlpg((unsigned long)scratch_page(slot));
		if (slot == 511)
			write_cr3(read_cr3());
	}
	return sum;
}

/* ------------------------------------------------------------- exceptions */
static uint64_t pf_count, bp_count, fault_round;

/* #PF on a scratch page: map it and retry the access. */
static int pf_handler(struct exc_frame *f)
{
	unsigned long va = read_cr2();
	(void)f;
	if (va < SCRATCH_VA || va >= SCRATCH_VA + 512 * PAGE)
		return 0;
	scratch_pt[(va - SCRATCH_VA) / PAGE] = scratch_frame(fault_round) | PTE_P | PTE_RW;
	pf_count++;
	return 1;
}

/* int3 is a trap: the saved RIP is already past it. */
static int bp_handler(struct exc_frame *f)
{
	(void)f;
	bp_count++;
	return 1;
}

static int exceptions_prepare(void)
{
	scratch_init();
	exc_set_handler(14, pf_handler);
	exc_set_handler(3, bp_handler);
	return 0;
}

static uint64_t exceptions_run(void)
{
	uint64_t rounds = FAULT_ROUNDS / work_div;

	for (fault_round = 0; fault_round < rounds; fault_round++) {
		unsigned slot = fault_round & 511;
		*scratch_page(slot) = fault_round; /* faults: not present */
		scratch_pt[slot] = 0;
		invlpg((unsigned long)scratch_page(slot));
		__asm__ volatile("int3");
	}
	return pf_count + bp_count;
}

/* ------------------------------------------------------------------ main */
struct workload {
	const char *name;
	int (*prepare)(void);
	uint64_t (*run)(void);
};

static const struct workload workloads[] = {
	{ "sieve", sieve_prepare, sieve_run },
	{ "syscall", syscall_prepare, syscall_run },
	{ "paging", paging_prepare, paging_run },
	{ "exceptions", exceptions_prepare, exceptions_run },
};

static const struct workload *find_workload(const char *name)
{
	for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
		if (!strcmp(workloads[i].name, name))
			return &workloads[i];
	return 0;
}

void test_main(void)
{
	char name[32] = "";
	const struct workload *w;

	cmdline_get("work", name, sizeof(name));
	if (cmdline_u64("quick", 0))
		work_div = 100;
	w = find_workload(name);
	if (!w) {
		printf("BENCH error: unknown work=%s (sieve, syscall, paging, exceptions)\n", name);
		bench_end(1);
	}
	if (w->prepare())
		bench_end(1);
	uint64_t t0 = tsc_now();
	uint64_t check = w->run();
	uint64_t ticks = tsc_now() - t0;
	printf("BENCH name=%s ticks=%llu check=%llu vireo=%d\n", w->name,
	       (unsigned long long)ticks, (unsigned long long)check, running_on_vireo());
	bench_end(0);
}
