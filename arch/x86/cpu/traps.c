/* Host exception reporting. The hypervisor never expects an exception (it
 * runs with interrupts off and guests exit through VMX, not the IDT), so any
 * vector arriving here is a bug: print everything, then stop the machine.
 * The exception is the idle wake-up interrupt, taken only inside "sti; hlt". */
#include "arch/x86/cpu/traps.h"
#include "arch/x86/cpu/cpu.h"
#include "arch/x86/cpu/host_timer.h"
#include "arch/x86/cpu/shutdown.h"
#include "lib/printk.h"

static const char *const exception_names[32] = {
	[X86_TRAP_DE] = "divide error",
	[X86_TRAP_DB] = "debug",
	[X86_TRAP_NMI] = "non-maskable interrupt",
	[X86_TRAP_BP] = "breakpoint",
	[X86_TRAP_OF] = "overflow",
	[X86_TRAP_BR] = "BOUND range exceeded",
	[X86_TRAP_UD] = "invalid opcode",
	[X86_TRAP_NM] = "device not available",
	[X86_TRAP_DF] = "double fault",
	[9] = "coprocessor segment overrun",
	[X86_TRAP_TS] = "invalid TSS",
	[X86_TRAP_NP] = "segment not present",
	[X86_TRAP_SS] = "stack-segment fault",
	[X86_TRAP_GP] = "general protection",
	[X86_TRAP_PF] = "page fault",
	[X86_TRAP_MF] = "x87 floating-point error",
	[X86_TRAP_AC] = "alignment check",
	[X86_TRAP_MC] = "machine check",
	[X86_TRAP_XM] = "SIMD floating-point exception",
	[X86_TRAP_VE] = "virtualization exception",
	[X86_TRAP_CP] = "control protection",
	[X86_TRAP_HV] = "hypervisor injection",
	[X86_TRAP_VC] = "VMM communication",
	[X86_TRAP_SX] = "security exception",
};

static const char *const exception_mnemonics[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "#CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23",
	"#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

const char *trap_name(uint64_t vector)
{
	if (vector < 32)
		return exception_names[vector] ? exception_names[vector] : "reserved exception";
	return "unexpected interrupt";
}

/* "[P W U RSVD I]": which #PF error code bits are set. */
static void print_pf_error(uint64_t err)
{
	console_printf("vireo: #PF error 0x%llx [%s%s%s%s%s%s%s ]: %s\n",
		       (unsigned long long)err,
		       (err & X86_PF_P) ? " P" : " !P",
		       (err & X86_PF_W) ? " W" : " R",
		       (err & X86_PF_U) ? " U" : " S",
		       (err & X86_PF_RSVD) ? " RSVD" : "",
		       (err & X86_PF_I) ? " I" : "",
		       (err & X86_PF_PK) ? " PK" : "",
		       (err & X86_PF_SS) ? " SS" : "",
		       (err & X86_PF_P) ? "protection violation" : "page not present");
	console_printf("vireo: CR2 (fault address) %016llx\n", (unsigned long long)read_cr2());
}

static void print_regs(const struct trap_frame *tf)
{
	console_printf("  RIP %016llx  CS %04llx  RFLAGS %016llx\n",
		       (unsigned long long)tf->rip, (unsigned long long)tf->cs,
		       (unsigned long long)tf->rflags);
	console_printf("  RSP %016llx  SS %04llx\n",
		       (unsigned long long)tf->rsp, (unsigned long long)tf->ss);
	console_printf("  RAX %016llx  RBX %016llx  RCX %016llx\n",
		       (unsigned long long)tf->rax, (unsigned long long)tf->rbx,
		       (unsigned long long)tf->rcx);
	console_printf("  RDX %016llx  RSI %016llx  RDI %016llx\n",
		       (unsigned long long)tf->rdx, (unsigned long long)tf->rsi,
		       (unsigned long long)tf->rdi);
	console_printf("  RBP %016llx  R8  %016llx  R9  %016llx\n",
		       (unsigned long long)tf->rbp, (unsigned long long)tf->r8,
		       (unsigned long long)tf->r9);
	console_printf("  R10 %016llx  R11 %016llx  R12 %016llx\n",
		       (unsigned long long)tf->r10, (unsigned long long)tf->r11,
		       (unsigned long long)tf->r12);
	console_printf("  R13 %016llx  R14 %016llx  R15 %016llx\n",
		       (unsigned long long)tf->r13, (unsigned long long)tf->r14,
		       (unsigned long long)tf->r15);
	console_printf("  CR0 %016llx  CR3 %016llx  CR4 %016llx\n",
		       (unsigned long long)read_cr0(), (unsigned long long)read_cr3(),
		       (unsigned long long)read_cr4());
}

/* Counts nested entries: an exception while reporting one must not loop.
 * Machine-global: one CPU, and the first report ends the machine. */
static int trap_depth;

void trap_handler(struct trap_frame *tf)
{
	const char *mn = tf->vector < 32 ? exception_mnemonics[tf->vector] : "INT";

	/* The one interrupt the host takes: its idle wake-up (host_timer.c). */
	if (tf->vector == HOST_TIMER_VECTOR) {
		host_timer_eoi();
		return;
	}

	if (trap_depth++) {
		console_printf("vireo: PANIC: host exception %s (vector %llu) while reporting "
			       "another, rip %016llx\n",
			       mn, (unsigned long long)tf->vector, (unsigned long long)tf->rip);
		machine_shutdown(VIREO_EXIT_PANIC);
	}
	console_printf("vireo: PANIC: host exception %s (%s), vector %llu, error code 0x%llx, "
		       "rip %016llx\n",
		       mn, trap_name(tf->vector), (unsigned long long)tf->vector,
		       (unsigned long long)tf->error_code, (unsigned long long)tf->rip);
	if (tf->vector == X86_TRAP_PF)
		print_pf_error(tf->error_code);
	print_regs(tf);
	/* The faulting instruction is not in the RBP chain: print it first. */
	console_printf("vireo: stack trace from rip %016llx\n", (unsigned long long)tf->rip);
	stacktrace_print(tf->rbp);
	machine_shutdown(VIREO_EXIT_PANIC);
}
