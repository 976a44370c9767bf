/* Exits for single instructions and events: HLT, VMCALL, cache
 * flushes, VMX instructions, triple fault, NMI/exceptions, interrupts,
 * the preemption timer. */
#include "arch/x86/cpu/cpu.h"
#include "arch/x86/cpu/host_timer.h"
#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/guest.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_asm.h"
#include "arch/x86/vmx/vmx_names.h"
#include "core/hypercall.h"
#include "core/pcpu.h"
#include "core/hypercall_abi.h"
#include "lib/libc.h"
#include "lib/printk.h"

/* HLT (SDM Vol. 2A): the vCPU sleeps until an event it can take is
 * pending. One that is already deliverable means HLT ends at once. */
enum exit_action vmexit_hlt(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	guest_skip_insn();
	v->halted_irq_off = !(vmread(VMCS_GUEST_RFLAGS) & X86_RFLAGS_IF);
	if (vmx_event_wakes(v)) {
		vmx_irq_check(x);
		return EXIT_CONTINUE;
	}
	v->state = VCPU_HALTED;
	return EXIT_YIELD;
}

enum exit_action vmexit_vmcall(struct vcpu *v)
{
	struct x86_regs *r = &to_vmx(v)->regs;
	bool wide = guest_in_64bit_mode();
	uint64_t mask = wide ? ~0ULL : 0xffffffffULL;
	uint64_t args[4] = { r->gpr[GPR_RBX] & mask, r->gpr[GPR_RCX] & mask,
			     r->gpr[GPR_RDX] & mask, r->gpr[GPR_RSI] & mask };
	int64_t ret;

	/* Only the guest kernel speaks to the hypervisor. */
	if (guest_cpl() != 0)
		ret = VIREO_EPERM;
	else
		ret = hypercall_dispatch(v, r->gpr[GPR_RAX] & mask, args);
	r->gpr[GPR_RAX] = (uint64_t)ret & mask;
	guest_skip_insn();
	return v->vm->state == VM_RUNNING ? EXIT_CONTINUE : EXIT_YIELD;
}

enum exit_action vmexit_cache_flush(struct vcpu *v)
{
	/* Guest memory is ordinary write-back RAM: nothing to write back. */
	(void)v;
	guest_skip_insn();
	return EXIT_CONTINUE;
}

/* Instructions of features CPUID hides (VMX, SMX's GETSEC, MONITOR/MWAIT)
 * raise #UD, as on a CPU without them. */
enum exit_action vmexit_hidden_insn(struct vcpu *v)
{
	guest_inject_ud(v);
	return EXIT_CONTINUE;
}

enum exit_action vmexit_triple_fault(struct vcpu *v)
{
	vm_end(v->vm, VM_END_TRIPLE_FAULT, 0, "triple fault on vCPU %u at RIP 0x%llx", v->id,
	       (unsigned long long)vmread(VMCS_GUEST_RIP));
	return EXIT_YIELD;
}

/* The exception bitmap is empty, so only NMIs (and machine checks) exit
 * here. A host NMI has no meaning for Vireo yet: note it and go on. */
enum exit_action vmexit_exception_nmi(struct vcpu *v)
{
	uint32_t info = (uint32_t)vmread(VMCS_EXIT_INTR_INFO);
	char desc[96];

	if (((info & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT) == INTR_TYPE_NMI) {
		printk(LOG_WARN, "vmx: NMI during guest %s, ignored\n", v->vm->name);
		return EXIT_CONTINUE;
	}
	vmx_describe_intr_info(info, desc, sizeof(desc));
	return vmexit_fatal(v, "vCPU %u: unexpected exception exit: %s", v->id, desc);
}

/* With "acknowledge interrupt on exit" the vector is in the exit
 * information. The host takes one interrupt, its idle wake-up timer; it
 * can only be late here, and needs its EOI. Anything else is dropped. */
enum exit_action vmexit_external_interrupt(struct vcpu *v)
{
	uint32_t vec = (uint32_t)vmread(VMCS_EXIT_INTR_INFO) & INTR_INFO_VECTOR_MASK;

	if (vec == HOST_TIMER_VECTOR) {
		host_timer_eoi();
		return EXIT_CONTINUE;
	}
	printk(LOG_DEBUG, "vmx: external interrupt 0x%x during %s\n", vec, v->vm->name);
	return EXIT_CONTINUE;
}

/* The quantum ended or a virtual timer is due: both are handled on the
 * way back in (vmx.c prepare_entry). */
enum exit_action vmexit_preemption_timer(struct vcpu *v)
{
	(void)v;
	this_pcpu()->timers.changed = true;     /* re-arm, even with nothing due */
	return EXIT_CONTINUE;
}
