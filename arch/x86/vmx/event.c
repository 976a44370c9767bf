/* Events into the guest (SDM Vol. 3C 26.6 event injection, 27.2.4
 * IDT-vectoring information, 25.2 interrupt- and NMI-window exiting).
 *
 * Before each VM entry, at most one event is injected, in the order the
 * CPU itself would take them: an event whose delivery an exit cut short
 * (re-injected exactly once), an exception raised by an instruction Vireo
 * emulated, an NMI, then the local APIC's highest deliverable interrupt.
 * An NMI or interrupt that the guest cannot take now (RFLAGS.IF=0, STI or
 * MOV SS shadow, NMI blocking) turns on the matching window exit, which
 * fires at the first instruction boundary where it can. */
#include "arch/x86/cpu/cpu.h"
#include "arch/x86/pc/platform.h"
#include "arch/x86/vmx/exc_class.h"
#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_asm.h"
#include "lib/printk.h"

#define BLOCK_INTR (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)
/* STI blocking may block NMIs on some CPUs (26.3.1.5): treat it so. */
#define BLOCK_NMI (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS | GUEST_INTR_STATE_NMI)

void vmx_set_proc_ctls(struct vmx_vcpu *x, uint32_t set, uint32_t clear)
{
	uint32_t v = (x->proc_ctls | set) & ~clear;

	if (v != x->proc_ctls) {
		x->proc_ctls = v;
		vmwrite(VMCS_PROC_BASED_CTLS, v);
	}
}

/* Called at every exit: an event the exit interrupted comes back at the
 * next entry. */
void vmx_read_idt_vectoring(struct vmx_vcpu *x)
{
	x->idt_info = (uint32_t)vmread(VMCS_IDT_VECTORING_INFO);
	if (!(x->idt_info & INTR_INFO_VALID))
		return;
	x->idt_error = x->idt_info & INTR_INFO_DELIVER_ERROR_CODE ?
		       (uint32_t)vmread(VMCS_IDT_VECTORING_ERROR_CODE) : 0;
	x->idt_len = (uint32_t)vmread(VMCS_EXIT_INSTRUCTION_LEN);
	x->events = true;
}

static bool idt_is_exception(const struct vmx_vcpu *x)
{
	return (x->idt_info & INTR_INFO_VALID) &&
	       INTR_INFO_TYPE(x->idt_info) == INTR_TYPE_HW_EXCEPTION;
}

/* An exception raised by an instruction Vireo emulated. If the exit came
 * in the middle of delivering another exception, the two combine as the
 * CPU would combine them (6.15): #DF, or shutdown. */
void vmx_queue_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
	struct vmx_vcpu *x = to_vmx(v);
	uint8_t first = x->exc_pending ? x->exc_vector :
			idt_is_exception(x) ? (uint8_t)(x->idt_info & INTR_INFO_VECTOR_MASK) : 0xff;

	if (first != 0xff) {
		switch (x86_exc_combine(first, vector)) {
		case EXC_TRIPLE_FAULT:
			vm_end(v->vm, VM_END_TRIPLE_FAULT, 0, "triple fault on vCPU %u: #%u while "
			       "delivering #DF", v->id, vector);
			return;
		case EXC_DOUBLE_FAULT:
			vector = X86_TRAP_DF;
			has_error = true;
			error = 0;
			break;
		case EXC_SERIAL:
			break;
		}
		if (idt_is_exception(x))
			x->idt_info = 0;    /* replaced, not re-injected */
	}
	x->exc_pending = true;
	x->exc_vector = vector;
	x->exc_has_error = has_error;
	x->exc_error = error;
	x->events = true;
}

void vmx_queue_nmi(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	x->nmi_pending = true;
	x->events = true;
}

static void inject(uint32_t info, uint32_t error, uint32_t len)
{
	if (info & INTR_INFO_DELIVER_ERROR_CODE)
		vmwrite(VMCS_ENTRY_EXCEPTION_ERROR_CODE, error);
	switch (INTR_INFO_TYPE(info)) {
	case INTR_TYPE_SW_INTR:
	case INTR_TYPE_PRIV_SW_EXCEPTION:
	case INTR_TYPE_SW_EXCEPTION:
		vmwrite(VMCS_ENTRY_INSTRUCTION_LEN, len);
		break;
	}
	vmwrite(VMCS_ENTRY_INTR_INFO, info | INTR_INFO_VALID);
}

/* A fault's pushed RFLAGS image has RF set (17.3.1.1), so that the
 * handler's IRET does not hit an instruction breakpoint again; VM entry
 * pushes the guest RFLAGS as they are, so set RF there. Real mode has no
 * RF in its 16-bit image and no error codes (26.2.1.3). */
static void inject_exception(struct vmx_vcpu *x)
{
	uint32_t info = x->exc_vector | (INTR_TYPE_HW_EXCEPTION << INTR_INFO_TYPE_SHIFT);
	bool pe = vmread(VMCS_GUEST_CR0) & X86_CR0_PE;

	if (x->exc_has_error && pe)
		info |= INTR_INFO_DELIVER_ERROR_CODE;
	if (x86_exc_is_fault(x->exc_vector) && pe)
		vmwrite(VMCS_GUEST_RFLAGS, vmread(VMCS_GUEST_RFLAGS) | X86_RFLAGS_RF);
	inject(info, x->exc_error, 0);
	x->exc_pending = false;
}

/* Bochs 2.7 reports an exit during virtual-interrupt delivery as an
 * external interrupt with vector 0. A local APIC never delivers vectors
 * 0-15, and the CPU has just made the vector it was delivering the
 * in-service one (SVI, SDM 30.2.2): take it from there. On hardware the
 * reported vector is right and this changes nothing. */
static uint32_t fix_virtual_intr_vector(uint32_t info)
{
	if (!vmx_cpu.apicv || INTR_INFO_TYPE(info) != INTR_TYPE_EXT_INTR ||
	    (info & INTR_INFO_VECTOR_MASK) >= 16)
		return info;
	return (info & ~INTR_INFO_VECTOR_MASK) | ((vmread(VMCS_GUEST_INTR_STATUS) >> 8) & 0xff);
}

/* The interrupted event comes back as it was. An interrupt or NMI that
 * met an exception Vireo raised meanwhile goes back to pending instead:
 * the exception is delivered first, the interrupt after it. */
static bool reinject(struct vcpu *v, struct vmx_vcpu *x)
{
	uint32_t info = fix_virtual_intr_vector(x->idt_info & ~(INTR_INFO_VALID |
							       INTR_INFO_NMI_UNBLOCKING));
	uint32_t type = INTR_INFO_TYPE(info);

	x->idt_info = 0;
	pr_debug("vm %s: vCPU %u: re-injecting event 0x%x (error 0x%x, length %u)\n",
		 v->vm->name, v->id, info, x->idt_error, x->idt_len);
	if (!x->exc_pending) {
		inject(info, x->idt_error, x->idt_len);
		return true;
	}
	if (type == INTR_TYPE_NMI)
		x->nmi_pending = true;
	else if (type == INTR_TYPE_EXT_INTR)
		vlapic_set_irr(&x->lapic, (uint8_t)info, false);
	return false;
}

static bool nmi_blocked(void)
{
	return vmread(VMCS_GUEST_INTERRUPTIBILITY) & BLOCK_NMI;
}

static bool irq_blocked(void)
{
	return !(vmread(VMCS_GUEST_RFLAGS) & X86_RFLAGS_IF) ||
	       (vmread(VMCS_GUEST_INTERRUPTIBILITY) & BLOCK_INTR);
}

static bool try_nmi(struct vmx_vcpu *x)
{
	if (nmi_blocked()) {
		vmx_set_proc_ctls(x, CPU_BASED_NMI_WINDOW_EXITING, 0);
		return false;
	}
	inject(X86_TRAP_NMI | (INTR_TYPE_NMI << INTR_INFO_TYPE_SHIFT), 0, 0);
	x->nmi_pending = false;
	return true;
}

/* The 8259's INTR through LINT0 (ExtINT): the PIC answers the acknowledge
 * with the vector, which bypasses the local APIC's IRR, ISR and priority
 * (SDM 11.6.1 "ExtINT"). It outranks the APIC's own interrupts, as the
 * external interrupt pin does. Both APIC paths inject it themselves. */
static bool extint_ready(struct vcpu *v, struct vmx_vcpu *x)
{
	if (!vlapic_accepts_extint(&x->lapic) && !x->extint_msg)
		return false;
	if (pc_extint_pending(v->vm))
		return true;
	x->extint_msg = false;          /* the 8259 has nothing any more */
	return false;
}

static bool try_extint(struct vcpu *v, struct vmx_vcpu *x, bool injected)
{
	int vec;

	if (!extint_ready(v, x))
		return false;
	if (injected || irq_blocked()) {
		vmx_set_proc_ctls(x, CPU_BASED_INTR_WINDOW_EXITING, 0);
		return true;
	}
	x->extint_msg = false;
	vec = pc_extint_ack(v->vm);
	if (vec < 0)
		return false;
	inject((uint32_t)vec | (INTR_TYPE_EXT_INTR << INTR_INFO_TYPE_SHIFT), 0, 0);
	if (extint_ready(v, x))
		vmx_set_proc_ctls(x, CPU_BASED_INTR_WINDOW_EXITING, 0);
	return true;
}

static void try_interrupt(struct vmx_vcpu *x, bool injected)
{
	int vec = vlapic_pending_vector(&x->lapic);

	if (vec < 0)
		return;
	if (injected || irq_blocked()) {
		vmx_set_proc_ctls(x, CPU_BASED_INTR_WINDOW_EXITING, 0);
		return;
	}
	vlapic_ack(&x->lapic, (uint8_t)vec);
	inject((uint32_t)vec | (INTR_TYPE_EXT_INTR << INTR_INFO_TYPE_SHIFT), 0, 0);
	/* Another one may be waiting behind it: come back when it can go. */
	if (vlapic_pending_vector(&x->lapic) >= 0)
		vmx_set_proc_ctls(x, CPU_BASED_INTR_WINDOW_EXITING, 0);
}

void vmx_inject_events(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	bool injected = false;

	x->events = false;
	if (x->idt_info & INTR_INFO_VALID)
		injected = reinject(v, x);
	if (!injected && x->exc_pending) {
		inject_exception(x);
		injected = true;
	}
	if (x->nmi_pending) {
		if (injected)
			vmx_set_proc_ctls(x, CPU_BASED_NMI_WINDOW_EXITING, 0);
		else
			injected = try_nmi(x);
	}
	if (try_extint(v, x, injected))
		injected = true;
	if (vmx_cpu.apicv)
		vmx_apicv_sync(x);      /* the CPU delivers through RVI */
	else
		try_interrupt(x, injected);
}

/* A halted vCPU wakes for an NMI, or for an interrupt its APIC would
 * deliver if it halted with interrupts enabled (a masked interrupt does
 * not end HLT, SDM Vol. 2A HLT). */
bool vmx_event_wakes(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	if (x->nmi_pending)
		return true;
	return !v->halted_irq_off &&
	       (vlapic_pending_vector(&x->lapic) >= 0 || extint_ready(v, x));
}

enum exit_action vmexit_interrupt_window(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	vmx_set_proc_ctls(x, 0, CPU_BASED_INTR_WINDOW_EXITING);
	vmx_irq_check(x);
	return EXIT_CONTINUE;
}

enum exit_action vmexit_nmi_window(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	vmx_set_proc_ctls(x, 0, CPU_BASED_NMI_WINDOW_EXITING);
	x->events = true;
	return EXIT_CONTINUE;
}
