/* reinject: events whose delivery is cut short by a VM exit arrive exactly
 * once (SDM Vol. 3C 27.2.4, IDT-vectoring information).
 *
 * Vireo maps guest RAM into the EPT on first touch, a GiB at a time. With
 * the stack pointer moved into a GiB the guest has never touched, the CPU's
 * first access there is the push of an event's frame: the EPT violation
 * interrupts the delivery, Vireo maps the GiB and must deliver the same
 * event again, once. Command line event=ipi (default: a self-IPI, an
 * external interrupt) or event=int (INT n, a software interrupt, which is
 * re-injected with its instruction length), delivered onto a stack in the
 * second GiB: run with more than 1 GiB of RAM (-m 1088M). Natively every
 * access simply succeeds. 64-bit only. */
#include "guest.h"

#define GIB       (1ULL << 30)
#define V_IPI     0x41
#define V_SOFT    0x81

static volatile uint32_t hits[256];
static volatile uint64_t frame_at[256];   /* where the CPU pushed the frame */

static void handler(struct exc_frame *f)
{
	hits[f->vector]++;
	frame_at[f->vector] = (uint64_t)(uintptr_t)&f->ip;
	if (f->vector == V_IPI)
		lapic_eoi();
}

/* Runs "sti; <trigger>; nop; cli" with RSP at 'sp': the event is delivered
 * onto the untouched stack. The trigger for the IPI is an xAPIC ICR
 * write (the interrupt arrives at the instruction boundary after STI's
 * shadow at the latest, with the new stack in place). */
static void ipi_on_stack(uint64_t sp)
{
	volatile uint32_t *icr = (volatile uint32_t *)(uintptr_t)(0xFEE00000u + 0x300);
	uint32_t val = ICR_SELF | ICR_ASSERT | V_IPI;

	__asm__ volatile("mov %%rsp, %%r12\n\t"
			 "mov %[sp], %%rsp\n\t"
			 "movl %[val], (%[icr])\n\t"
			 "sti\n\tnop\n\tnop\n\tcli\n\t"
			 "mov %%r12, %%rsp"
			 : : [sp] "r"(sp), [val] "r"(val), [icr] "r"(icr)
			 : "r12", "memory");
}

static void int_on_stack(uint64_t sp)
{
	__asm__ volatile("mov %%rsp, %%r12\n\t"
			 "mov %[sp], %%rsp\n\t"
			 "int $0x81\n\t"
			 "mov %%r12, %%rsp"
			 : : [sp] "r"(sp) : "r12", "memory");
}

static void expect_once(unsigned vec, uint64_t sp, const char *what)
{
	char name[64];

	snprintf(name, sizeof(name), "%s-delivered-once", what);
	check_eq(hits[vec], 1, name);
	snprintf(name, sizeof(name), "%s-frame-on-new-stack", what);
	check(frame_at[vec] < sp && frame_at[vec] >= sp - 64, name);
}

void test_main(void)
{
	uint64_t ram = mb_ram_end();
	char ev[8] = "ipi";

	cmdline_get("event", ev, sizeof(ev));
	printf("reinject test (%s), event %s, RAM ends at 0x%llx\n",
	       running_on_vireo() ? "on Vireo" : "native", ev, (unsigned long long)ram);
	if (!check(ram > GIB + (2ULL << 20), "ram-above-1g"))
		return;
	lapic_enable(0xFF);
	irq_set_handler(V_IPI, handler);
	irq_set_handler(V_SOFT, handler);

	/* 1 MiB into the second GiB: nothing has touched it. */
	uint64_t sp = GIB + (1ULL << 20);
	if (!strcmp(ev, "int")) {
		int_on_stack(sp);
		expect_once(V_SOFT, sp, "int-n");
		/* The stack works normally now that its GiB is mapped. */
		int_on_stack(sp - 4096);
		check_eq(hits[V_SOFT], 2, "int-n-again-on-mapped-stack");
	} else {
		ipi_on_stack(sp);
		expect_once(V_IPI, sp, "ipi");
		check_eq(lapic_isr_test(V_IPI), 0, "ipi-eoi-retired");
		ipi_on_stack(sp - 4096);
		check_eq(hits[V_IPI], 2, "ipi-again-on-mapped-stack");
	}
}
