/* Guest-reachable VM-entry checks (SDM Vol. 3C 26.3.1): for each piece of
 * guest state a kernel can push toward a value VM entry refuses, do it and
 * expect what the CPU gives (a #GP, a wrapped instruction pointer, a
 * single-step #DB) and never the end of the VM with "VM entry failed".
 * Several writes toggle CR0.NE on purpose: NE is Vireo's (guest/host mask),
 * so the write exits and Vireo's checks, not the CPU's, decide. Built as a
 * 32-bit and a 64-bit guest; each build runs the checks its mode can make. */
#include "guest.h"

#define CR0_PE  (1UL << 0)
#define CR0_NE  (1UL << 5)
#define CR0_NW  (1UL << 29)
#define CR0_CD  (1UL << 30)
#define CR0_PG  (1UL << 31)
#define CR4_PAE (1UL << 5)
#define CR4_VMXE (1UL << 13)
#define CR4_PCIDE (1UL << 17)
#define MSR_EFER 0xC0000080
#define MSR_PAT  0x277
#define MSR_DEBUGCTL 0x1D9
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define GP 13

/* MOV to CR0/CR4 that survive a fault: -1, or the vector. */
static int cr0_safe(unsigned long v)
{
	unsigned long before = exc_count;
	__asm__ volatile("1: mov %0, %%cr0\n2:\n" EXTABLE(1b, 2b) : : "r"(v) : "memory");
	return exc_count == before ? -1 : (int)exc_last.vector;
}

static int cr4_safe(unsigned long v)
{
	unsigned long before = exc_count;
	__asm__ volatile("1: mov %0, %%cr4\n2:\n" EXTABLE(1b, 2b) : : "r"(v) : "memory");
	return exc_count == before ? -1 : (int)exc_last.vector;
}

static void expect_gp(int e, const char *name)
{
	check_eq((uint64_t)(int64_t)e, GP, name);
}

/* CR0 checks every mode shares; 'cr0' is the running value. */
static void cr0_common(unsigned long cr0)
{
	expect_gp(cr0_safe((cr0 ^ CR0_NE) | CR0_NW), "cr0-nw-without-cd-gp");
	check_eq(read_cr0(), cr0, "cr0-unchanged-after-gp");
	/* Reserved bits 31:0 stay clear; ET stays set (SDM Vol. 2B MOV). */
	check(cr0_safe((cr0 ^ CR0_NE) | (1UL << 6)) < 0, "cr0-reserved-low-no-fault");
	check_eq(read_cr0() & ((1UL << 6) | (1UL << 4) | CR0_NE), ((cr0 ^ CR0_NE) & CR0_NE) | (1UL << 4),
		 "cr0-reserved-low-ignored");
	check(cr0_safe(cr0) < 0, "cr0-restore");
	check_eq(read_cr0(), cr0, "cr0-restored");
}

static void cr4_common(unsigned long cr4)
{
	expect_gp(cr4_safe(cr4 | CR4_VMXE), "cr4-vmxe-gp");
	expect_gp(cr4_safe(cr4 | (1UL << 15)), "cr4-reserved-gp");
	check_eq(read_cr4(), cr4, "cr4-unchanged-after-gp");
}

/* MONITOR/MWAIT are hidden in CPUID (leaf 1 ECX bit 3): #UD, as on a CPU
 * without them, not a sleeping physical CPU or an unhandled exit. */
static void hidden_insns(void)
{
	unsigned long before = exc_count;
	static volatile int line;

	__asm__ volatile("1: monitor\n2:\n" EXTABLE(1b, 2b) : : "a"(&line), "c"(0), "d"(0) : "memory");
	check(exc_count != before && exc_last.vector == 6, "monitor-ud");
	before = exc_count;
	__asm__ volatile("1: mwait\n2:\n" EXTABLE(1b, 2b) : : "a"(0), "c"(0) : "memory");
	check(exc_count != before && exc_last.vector == 6, "mwait-ud");
}

static void msr_common(void)
{
	uint64_t efer = 0, v = 0;

	rdmsr_safe(MSR_EFER, &efer);
	expect_gp(wrmsr_safe(MSR_EFER, efer | (1ULL << 1)), "efer-reserved-gp");
	expect_gp(wrmsr_safe(MSR_EFER, efer | (1ULL << 20)), "efer-reserved-high-gp");
	expect_gp(wrmsr_safe(MSR_PAT, 0x0007040600070402ULL), "pat-type2-gp");
	expect_gp(wrmsr_safe(MSR_PAT, 0x0807040600070406ULL), "pat-type8-gp");
	expect_gp(wrmsr_safe(MSR_DEBUGCTL, 1ULL << 63), "debugctl-reserved-gp");
	rdmsr_safe(MSR_EFER, &v);
	check_eq(v, efer, "efer-unchanged");
}

/* An exiting instruction in an STI or MOV SS shadow with TF set: Vireo must
 * end the shadow and leave the single-step #DB pending (26.3.1.5 ties
 * blocking, TF and the pending-debug BS bit together). The #DB handler logs
 * each trap's address and clears TF at db_stop. */
#ifdef __x86_64__
#define TF_ON "pushf; orq $0x100, (%%rsp); popf\n"
#define SET_STOP "movq $2f, %[stop]\n"
#else
#define TF_ON "pushf; orl $0x100, (%%esp); popf\n"
#define SET_STOP "movl $2f, %[stop]\n"
#endif
static volatile unsigned long db_ips[8], db_n, db_stop;

static int on_db(struct exc_frame *f)
{
	if (db_n < 8)
		db_ips[db_n] = f->ip;
	db_n++;
	if (f->ip == db_stop)
		f->flags &= ~FLAGS_TF;
	return 1;
}

static void expect_trap_at(unsigned long ip, const char *name)
{
	int seen = 0;

	for (unsigned long i = 0; i < db_n && i < 8; i++)
		seen |= db_ips[i] == ip;
	if (!check(seen, name))
		printf("  (%lu traps, wanted one at 0x%lx)\n", db_n, ip);
}

static void shadow_tf(void)
{
	unsigned long after = 0;

	exc_set_handler(1, on_db);
	db_n = 0;
	__asm__ volatile(SET_STOP TF_ON
			 "sti\n"
			 "cpuid\n"
			 "1: nop\n"
			 "cli\n"
			 "2: mov $1b, %0\n"
			 : "=r"(after), [stop] "=m"(db_stop) : "a"(0), "c"(0) : "ebx", "edx", "memory");
	expect_trap_at(after, "sti-shadow-tf-cpuid-db");

	db_n = 0;
	__asm__ volatile(SET_STOP TF_ON
			 "mov %%ss, %%dx\n"
			 "mov %%dx, %%ss\n"
			 "cpuid\n"
			 "1: nop\n"
			 "2: mov $1b, %0\n"
			 : "=r"(after), [stop] "=m"(db_stop) : "a"(0), "c"(0) : "ebx", "edx", "memory");
	expect_trap_at(after, "movss-shadow-tf-cpuid-db");

	/* An emulated MMIO read (the I/O APIC's window) in the STI shadow. */
	db_n = 0;
	__asm__ volatile(SET_STOP TF_ON
			 "sti\n"
			 "movl (%2), %%eax\n"
			 "1: nop\n"
			 "cli\n"
			 "2: mov $1b, %0\n"
			 : "=r"(after), [stop] "=m"(db_stop) : "r"(0xFEC00010UL) : "eax", "memory");
	expect_trap_at(after, "sti-shadow-tf-mmio-db");
	exc_set_handler(1, 0);
}

#ifdef __x86_64__
static int has_pcid(void)
{
	uint32_t c;

	cpuid(1, 0, 0, 0, &c, 0);
	return (c >> 17) & 1;
}

static void long_mode_checks(void)
{
	unsigned long cr0 = read_cr0(), cr4 = read_cr4(), cr3 = read_cr3();

	expect_gp(cr0_safe(cr0 & ~CR0_PG), "cr0-pg-off-64bit-gp");
	expect_gp(cr0_safe((cr0 ^ CR0_NE) | (1UL << 32)), "cr0-high-bits-gp");
	expect_gp(cr4_safe(cr4 & ~CR4_PAE), "cr4-pae-off-long-gp");
	check_eq(read_cr0(), cr0, "long-cr0-unchanged");
	if (has_pcid()) {
		write_cr3(cr3 | 8);   /* PWT: CR3[11:0] != 0 */
		expect_gp(cr4_safe(cr4 | CR4_PCIDE), "cr4-pcide-cr3-low-gp");
		write_cr3(cr3);
		check(cr4_safe(cr4 | CR4_PCIDE) < 0, "cr4-pcide-on");
		/* The case: PG off with PCIDE on is #GP, not an entry failure. */
		expect_gp(cr0_safe(cr0 & ~CR0_PG), "cr0-pg-off-pcide-gp");
		check(cr4_safe(cr4) < 0, "cr4-pcide-off");
	} else {
		skip("cr4-pcide", "no PCID in CPUID");
	}
	uint64_t efer = 0, v = 0;
	rdmsr_safe(MSR_EFER, &efer);
	expect_gp(wrmsr_safe(MSR_EFER, efer & ~EFER_LME), "efer-lme-off-paging-gp");
	check(wrmsr_safe(MSR_EFER, efer & ~EFER_LMA) < 0, "efer-lma-write-no-fault");
	rdmsr_safe(MSR_EFER, &v);
	check(v & EFER_LMA, "efer-lma-kept");
	expect_gp(wrmsr_safe(0x176, 0x0000800000000000ULL), "sysenter-eip-noncanonical-gp");
	expect_gp(wrmsr_safe(0xC0000100, 0x8000000000000000ULL), "fs-base-noncanonical-gp");
	unsigned long before = exc_count;
	__asm__ volatile("1: mov %0, %%cr8\n2:\n" EXTABLE(1b, 2b) : : "r"(16UL) : "memory");
	check(exc_count != before && exc_last.vector == GP, "cr8-reserved-gp");
}

/* A CPUID in the last two bytes below the canonical hole: the next RIP
 * would be non-canonical. Vireo reports #GP on the CPUID (the CPU cannot
 * fetch there), rather than entering with a RIP VM entry refuses. */
static uint64_t pml4_extra[3][512] __attribute__((aligned(4096)));
static uint8_t hole_page[4096] __attribute__((aligned(4096)));
static volatile unsigned long gp_ip;

static int on_gp_resume(struct exc_frame *f)
{
	gp_ip = f->ip;
	f->ip = f->r8;         /* the caller's resume address */
	return 1;
}

static void rip_noncanonical(void)
{
	uint64_t *pml4 = (uint64_t *)(read_cr3() & ~0xfffUL);
	const uint64_t top = 0x00007ffffffff000ULL;

	pml4[255] = (uint64_t)pml4_extra[0] | 3;
	pml4_extra[0][511] = (uint64_t)pml4_extra[1] | 3;
	pml4_extra[1][511] = (uint64_t)pml4_extra[2] | 3;
	pml4_extra[2][511] = (uint64_t)hole_page | 3;
	hole_page[4094] = 0x0f;   /* cpuid */
	hole_page[4095] = 0xa2;
	invlpg(top);
	exc_set_handler(GP, on_gp_resume);
	gp_ip = 0;
	__asm__ volatile("lea 1f(%%rip), %%r8\n"
			 "jmp *%0\n"
			 "1:\n"
			 : : "r"(top + 4094), "a"(0), "c"(0) : "r8", "rbx", "rdx", "memory");
	exc_set_handler(GP, 0);
	check_eq(gp_ip, top + 4094, "rip-noncanonical-gp-on-cpuid");
}
#else
/* 32-bit: PAE paging turned on with a reserved bit in a PDPTE is #GP and
 * leaves paging off (VM entry would refuse the PDPTE, 26.3.1.6). */
static uint64_t pdpt[4] __attribute__((aligned(32)));
static uint64_t pae_pd[512] __attribute__((aligned(4096)));

static void pae_pdptes(void)
{
	unsigned long cr0 = read_cr0(), cr4 = read_cr4();

	for (int i = 0; i < 512; i++)
		pae_pd[i] = ((uint64_t)i << 21) | 0x83;   /* 0-1 GiB, 2 MiB pages */
	pdpt[0] = (uint32_t)pae_pd | 1 | (1 << 5);   /* bit 5: reserved */
	write_cr3((unsigned long)pdpt);
	write_cr4(cr4 | CR4_PAE);
	expect_gp(cr0_safe(cr0 | CR0_PG), "pae-pdpte-reserved-gp");
	check(!(read_cr0() & CR0_PG), "pae-paging-still-off");
	pdpt[0] = (uint32_t)pae_pd | 1;
	check(cr0_safe(cr0 | CR0_PG) < 0, "pae-paging-on");
	check(read_cr0() & CR0_PG, "pae-paging-is-on");
	check(cr0_safe(cr0) < 0, "pae-paging-off");
	write_cr4(cr4);
	expect_gp(cr0_safe((cr0 & ~CR0_PE) | CR0_PG), "cr0-pg-without-pe-gp");
	check_eq(read_cr0(), cr0, "cr0-unchanged-after-pg-gp");
}

/* 32-bit: a CPUID in the last two bytes of the 4 GiB space; EIP wraps to 0
 * (a JMP placed there comes back). Paging maps linear 0xFFC00000 (4 MiB)
 * to RAM at 8 MiB, and linear 0 to itself. */
static uint32_t pd32[1024] __attribute__((aligned(4096)));

static void eip_wrap(void)
{
	unsigned long cr0 = read_cr0(), cr4 = read_cr4();
	volatile uint8_t *top = (volatile uint8_t *)0x800000;  /* physical */
	unsigned long came_back = 0;

	for (int i = 0; i < 256; i++)
		pd32[i] = ((uint32_t)i << 22) | 0x83;      /* 0-1 GiB, 4 MiB pages */
	pd32[1023] = 0x800000 | 0x83;
	top[0x3ffffe] = 0x0f;   /* cpuid at 0xFFFFFFFE */
	top[0x3fffff] = 0xa2;
	__asm__ volatile("movw $0xe6ff, 0" ::: "memory");  /* jmp *%esi at 0 */
	write_cr3((unsigned long)pd32);
	write_cr4(cr4 | (1UL << 4));   /* PSE */
	write_cr0(cr0 | CR0_PG);
	__asm__ volatile("lea 1f, %%esi\n"
			 "mov $0xfffffffe, %%edx\n"
			 "jmp *%%edx\n"
			 "1: mov $1, %0\n"
			 : "=r"(came_back) : "a"(0), "c"(0) : "esi", "ebx", "edx", "memory");
	write_cr0(cr0);
	write_cr4(cr4);
	check_eq(came_back, 1, "eip-wraps-at-4g");
}
#endif

void test_main(void)
{
	printf("entrychk (%d-bit)\n", (int)sizeof(void *) * 8);
	if (!running_on_vireo()) {
		skip("entrychk", "checks Vireo's handling; run it on Vireo");
		return;
	}
	cr0_common(read_cr0());
	cr4_common(read_cr4());
	msr_common();
	hidden_insns();
	shadow_tf();
#ifdef __x86_64__
	long_mode_checks();
	rip_noncanonical();
#else
	pae_pdptes();
	eip_wrap();
#endif
	printf("entrychk done\n");
}
