/* evinject (64-bit): events whose delivery itself goes wrong, and
 * exceptions raised around instructions a hypervisor emulates.
 *
 * 1. A self-IPI delivered while RSP points just above a page that the
 *    guest's own page tables mark not present: pushing the interrupt frame
 *    faults, so a #PF (on an IST stack) arrives instead, with CR2 in that
 *    page, error code W=1 P=0, the interrupted RIP and RSP; the interrupt
 *    was accepted (in service) but its handler never ran.
 * 2. A #PF whose own delivery faults the same way (no IST for #PF) becomes
 *    a #DF, error code 0, handled on an IST stack.
 * 3. RDMSR of an MSR nobody implements: #GP(0) at the RDMSR with RF set in
 *    the pushed RFLAGS, as for any fault (SDM Vol. 3 17.3.1.1), compared
 *    with a #GP that no hypervisor sees (a bad segment load).
 * 4. Single-step (TF=1) over CPUID, OUT to port 0xE9 and RDMSR of
 *    IA32_APIC_BASE, which exit to a hypervisor: exactly one #DB each, with
 *    DR6.BS set and RIP at the next instruction. */
#include "guest.h"

#define SPLIT_BASE  0x1000000UL          /* a 2 MiB region above the image */
#define HOLE        (SPLIT_BASE + 0x1000) /* the not-present 4 KiB page */
#define BAD_RSP     (HOLE + 0x1000)       /* stack top right above the hole */
#define V_IPI       0x50
#define IST_DF      1
#define IST_PF      2
#define UNKNOWN_MSR 0x12345u
#define DR6_BS      (1UL << 14)

static uint64_t split_pt[512] __attribute__((aligned(4096)));

/* Maps [SPLIT_BASE, +2 MiB) with 4 KiB pages instead of one 2 MiB page,
 * all present except HOLE. */
static void split_and_punch(void)
{
	for (uint64_t i = 0; i < 512; i++)
		split_pt[i] = (SPLIT_BASE + i * 4096) | 0x3; /* P|RW */
	split_pt[(HOLE - SPLIT_BASE) >> 12] &= ~1ULL;
	guest_pd[SPLIT_BASE >> 30][(SPLIT_BASE >> 21) & 511] = (uint64_t)(uintptr_t)split_pt | 0x3;
	write_cr3(read_cr3()); /* drop the old 2 MiB translation */
}

/* Where a handler's frame lives tells which stack the CPU switched to. */
static int on_ist(const void *p, int ist)
{
	uintptr_t a = (uintptr_t)p, top = ist_stack_top(ist);
	return a < top && a >= top - IST_STACK_SIZE;
}

/* ------------------------------------------- 1. interrupt on a bad stack */
uint64_t evi_saved_rsp; /* the good RSP, restored by the handlers */
extern const char evi_after_nop[], evi_recover[], evi_df_recover[];

static volatile struct {
	uint32_t count, on_ist;
	uint64_t cr2, error, ip, sp;
} pf;
static volatile uint32_t ipi_hits;

static int pf_handler(struct exc_frame *f)
{
	pf.count++;
	pf.cr2 = read_cr2();
	pf.error = f->error;
	pf.ip = f->ip;
	pf.sp = f->sp;
	pf.on_ist = on_ist(f, IST_PF);
	f->sp = evi_saved_rsp;
	f->ip = (uintptr_t)evi_recover;
	return 1;
}

static void ipi_handler(struct exc_frame *f)
{
	(void)f;
	ipi_hits++;
	lapic_eoi();
}

/* RSP = BAD_RSP, then STI; NOP: the pending interrupt comes in after the
 * NOP (STI shadow) and faults while pushing its frame. The #PF handler
 * resumes at evi_recover on the good stack; if nothing happens the code
 * falls through to the same place. */
static void interrupt_on_bad_stack(void)
{
	__asm__ volatile("mov %%rsp, evi_saved_rsp(%%rip)\n\t"
			 "mov %0, %%rsp\n\t"
			 "sti\n\t"
			 "nop\n"
			 ".globl evi_after_nop\n"
			 "evi_after_nop:\n\t"
			 "nop\n"
			 ".globl evi_recover\n"
			 "evi_recover:\n\t"
			 "cli\n\t"
			 "mov evi_saved_rsp(%%rip), %%rsp"
			 : : "r"(BAD_RSP) : "memory");
}

static void test_interrupt_frame_fault(void)
{
	idt_set_ist(14, IST_PF);
	exc_set_handler(14, pf_handler);
	cli();
	lapic_self_ipi(V_IPI);
	delay_tsc(10000);
	check_eq(lapic_irr_test(V_IPI), 1, "ipi-pending");
	interrupt_on_bad_stack();
	int in_service = lapic_isr_test(V_IPI);
	printf("#PF: count %u cr2 0x%llx error 0x%llx rip 0x%llx rsp 0x%llx; vector 0x%x in service %d\n",
	       pf.count, (unsigned long long)pf.cr2, (unsigned long long)pf.error, (unsigned long long)pf.ip,
	       (unsigned long long)pf.sp, V_IPI, in_service);
	if (!check_eq(pf.count, 1, "frame-push-pf-raised"))
		return;
	check_eq(pf.cr2 & ~0xFFFULL, HOLE, "frame-push-pf-cr2-in-hole");
	check_eq(pf.error & 7, 2, "frame-push-pf-error-write-not-present");
	check_eq(pf.ip, (uintptr_t)evi_after_nop, "frame-push-pf-rip-interrupted");
	check_eq(pf.sp, BAD_RSP, "frame-push-pf-rsp-interrupted");
	check(pf.on_ist, "frame-push-pf-on-ist");
	check_eq(ipi_hits, 0, "frame-push-interrupt-handler-not-run");
	check_eq(in_service, 1, "frame-push-interrupt-in-service");
	if (in_service)
		lapic_eoi();
	check_eq(lapic_isr_test(V_IPI), 0, "frame-push-eoi-retires");
}

/* --------------------------------------------------- 2. #PF -> #DF */
static volatile struct {
	uint32_t count, on_ist;
	uint64_t error, cr2;
} df;

static int df_handler(struct exc_frame *f)
{
	df.count++;
	df.error = f->error;
	df.cr2 = read_cr2();
	df.on_ist = on_ist(f, IST_DF);
	/* #DF is an abort: resume somewhere known, on the good stack */
	f->sp = evi_saved_rsp;
	f->ip = (uintptr_t)evi_df_recover;
	return 1;
}

static void pf_on_bad_stack(void)
{
	__asm__ volatile("mov %%rsp, evi_saved_rsp(%%rip)\n\t"
			 "mov %0, %%rsp\n\t"
			 "mov (%1), %%eax\n"
			 ".globl evi_df_recover\n"
			 "evi_df_recover:\n\t"
			 "mov evi_saved_rsp(%%rip), %%rsp"
			 : : "r"(BAD_RSP), "r"(HOLE) : "rax", "memory");
}

static void test_double_fault(void)
{
	idt_set_ist(14, 0);
	idt_set_ist(8, IST_DF);
	exc_set_handler(8, df_handler);
	uint32_t pf_before = pf.count;
	pf_on_bad_stack();
	printf("#DF: count %u error 0x%llx cr2 0x%llx\n", df.count, (unsigned long long)df.error,
	       (unsigned long long)df.cr2);
	if (!check_eq(df.count, 1, "pf-in-pf-delivery-df-raised"))
		return;
	check_eq(df.error, 0, "df-error-zero");
	check(df.on_ist, "df-on-ist");
	check_eq(pf.count, pf_before, "df-pf-handler-not-run");
	check_eq(df.cr2 & ~0xFFFULL, HOLE, "df-cr2-in-hole");
}

/* ----------------------------------------------------------- 3. #GP, RF */
static volatile struct {
	uint32_t count;
	uint64_t error, ip, flags;
} gp;

static int gp_handler(struct exc_frame *f)
{
	gp.count++;
	gp.error = f->error;
	gp.ip = f->ip;
	gp.flags = f->flags;
	f->ip += 2; /* both faulting instructions below are 2 bytes long */
	return 1;
}

static void test_gp_rf(void)
{
	exc_set_handler(13, gp_handler);
	uintptr_t at;
	__asm__ volatile("lea 1f(%%rip), %0\n"
			 "1: rdmsr"
			 : "=&r"(at) : "c"(UNKNOWN_MSR) : "rax", "rdx", "memory");
	printf("RDMSR 0x%x: #GP count %u error 0x%llx rflags 0x%llx\n", UNKNOWN_MSR, gp.count,
	       (unsigned long long)gp.error, (unsigned long long)gp.flags);
	if (!gp.count && !running_on_vireo()) {
		/* verified with ignore_bad_msrs=0: #GP(0), RF=1 pushed */
		skip("rdmsr-unknown-gp", "Bochs' default ignore_bad_msrs=1 reads unknown MSRs as 0");
	} else if (check_eq(gp.count, 1, "rdmsr-unknown-gp")) {
		check_eq(gp.error, 0, "rdmsr-unknown-gp-error-zero");
		check_eq(gp.ip, at, "rdmsr-unknown-gp-rip");
		check(gp.flags & FLAGS_RF, "rdmsr-unknown-gp-rf-pushed");
	}

	/* the same fault class without any hypervisor involvement */
	gp.count = 0;
	__asm__ volatile("lea 1f(%%rip), %0\n"
			 "1: mov %w1, %%ds"
			 : "=&r"(at) : "r"(0x1230) : "memory");
	printf("bad DS load: #GP count %u error 0x%llx rflags 0x%llx\n", gp.count,
	       (unsigned long long)gp.error, (unsigned long long)gp.flags);
	if (check_eq(gp.count, 1, "segload-gp")) {
		check_eq(gp.ip, at, "segload-gp-rip");
		check(gp.flags & FLAGS_RF, "segload-gp-rf-pushed");
	}
	exc_set_handler(13, 0);
}

/* ------------------------------------------------------ 4. single-step */
static volatile struct {
	uint32_t count;
	uint64_t ip, dr6;
} db;

static inline uint64_t read_dr6(void) { uint64_t v; __asm__ volatile("mov %%db6, %0" : "=r"(v)); return v; }
static inline void write_dr6(uint64_t v) { __asm__ volatile("mov %0, %%db6" : : "r"(v)); }

static int db_handler(struct exc_frame *f)
{
	db.count++;
	db.ip = f->ip;
	db.dr6 = read_dr6();
	write_dr6(0xFFFF0FF0); /* DR6 is sticky: software clears it */
	f->flags &= ~FLAGS_TF;
	return 1;
}

/* TF set by POPF traps after the instruction that follows the POPF */
#define STEP_OVER(insn, ...) \
	__asm__ volatile("lea 1f(%%rip), %0\n\t" \
			 "pushfq\n\t" \
			 "orq $0x100, (%%rsp)\n\t" \
			 "popfq\n\t" \
			 insn "\n" \
			 "1:" \
			 __VA_ARGS__)

static void check_step(const char *what, uintptr_t next)
{
	char name[48];
	snprintf(name, sizeof(name), "step-%s-one-db", what);
	check_eq(db.count, 1, name);
	snprintf(name, sizeof(name), "step-%s-rip-next", what);
	check_eq(db.ip, next, name);
	snprintf(name, sizeof(name), "step-%s-dr6-bs", what);
	check_eq(db.dr6 & DR6_BS, DR6_BS, name);
}

static void test_single_step(void)
{
	uintptr_t next;
	uint32_t a, b, c, d;
	exc_set_handler(1, db_handler);
	write_dr6(0xFFFF0FF0);

	db.count = 0;
	a = 0, c = 0;
	STEP_OVER("cpuid", : "=&r"(next), "+a"(a), "=b"(b), "+c"(c), "=d"(d) : : "memory");
	check_step("cpuid", next);

	db.count = 0;
	STEP_OVER("outb %%al, $0xe9", : "=&r"(next) : "a"('\n') : "memory");
	check_step("out-e9", next);

	db.count = 0;
	STEP_OVER("rdmsr", : "=&r"(next), "=a"(a), "=d"(d) : "c"(MSR_APIC_BASE) : "memory");
	check_step("rdmsr-apic-base", next);
	exc_set_handler(1, 0);
}

void test_main(void)
{
	printf("evinject test (%s)\n", running_on_vireo() ? "on Vireo" : "native");
	if (mb_ram_end() && mb_ram_end() < SPLIT_BASE + 0x200000) {
		fail("ram", "need RAM up to 0x%lx", SPLIT_BASE + 0x200000);
		return;
	}
	if (cmdline_u64("x2apic", 0) && !check(x2apic_enable(), "x2apic-enabled"))
		return;
	lapic_enable(0xFF);
	irq_set_handler(V_IPI, ipi_handler);
	split_and_punch();
	test_interrupt_frame_fault();
	test_double_fault();
	test_gp_rf();
	test_single_step();
	check_eq(irq_unexpected, 0, "no-unexpected-interrupts");
}
