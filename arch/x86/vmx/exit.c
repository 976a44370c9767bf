/* The exit policy of Vireo on one screen: what each basic exit reason
 * (SDM Vol. 3D Appendix C) leads to. Reasons not listed stop the VM with a
 * decoded diagnostic; the hypervisor itself never panics over a guest. */
#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_asm.h"
#include "arch/x86/vmx/vmx_names.h"
#include "lib/libc.h"
#include "lib/printk.h"

const vmx_exit_handler vmx_exit_table[EXIT_REASON_MAX + 1] = {
	[EXIT_REASON_EXCEPTION_NMI]      = vmexit_exception_nmi,
	[EXIT_REASON_EXTERNAL_INTERRUPT] = vmexit_external_interrupt,
	[EXIT_REASON_TRIPLE_FAULT]       = vmexit_triple_fault,
	[EXIT_REASON_INTERRUPT_WINDOW]   = vmexit_interrupt_window,
	[EXIT_REASON_NMI_WINDOW]         = vmexit_nmi_window,
	[EXIT_REASON_CPUID]              = vmexit_cpuid,
	[EXIT_REASON_GETSEC]             = vmexit_hidden_insn,
	[EXIT_REASON_HLT]                = vmexit_hlt,
	[EXIT_REASON_INVD]               = vmexit_cache_flush,
	[EXIT_REASON_VMCALL]             = vmexit_vmcall,
	[EXIT_REASON_VMCLEAR]            = vmexit_hidden_insn,
	[EXIT_REASON_VMLAUNCH]           = vmexit_hidden_insn,
	[EXIT_REASON_VMPTRLD]            = vmexit_hidden_insn,
	[EXIT_REASON_VMPTRST]            = vmexit_hidden_insn,
	[EXIT_REASON_VMREAD]             = vmexit_hidden_insn,
	[EXIT_REASON_VMRESUME]           = vmexit_hidden_insn,
	[EXIT_REASON_VMWRITE]            = vmexit_hidden_insn,
	[EXIT_REASON_VMXOFF]             = vmexit_hidden_insn,
	[EXIT_REASON_VMXON]              = vmexit_hidden_insn,
	[EXIT_REASON_CR_ACCESS]          = vmexit_cr_access,
	[EXIT_REASON_IO_INSTRUCTION]     = vmexit_io,
	[EXIT_REASON_RDMSR]              = vmexit_rdmsr,
	[EXIT_REASON_WRMSR]              = vmexit_wrmsr,
	[EXIT_REASON_MWAIT]              = vmexit_hidden_insn,
	[EXIT_REASON_MONITOR]            = vmexit_hidden_insn,
	[EXIT_REASON_APIC_ACCESS]        = vmexit_apic_access,
	[EXIT_REASON_VIRTUALIZED_EOI]    = vmexit_virtualized_eoi,
	[EXIT_REASON_EPT_VIOLATION]      = vmexit_ept_violation,
	[EXIT_REASON_EPT_MISCONFIG]      = vmexit_ept_misconfig,
	[EXIT_REASON_INVEPT]             = vmexit_hidden_insn,
	[EXIT_REASON_PREEMPTION_TIMER]   = vmexit_preemption_timer,
	[EXIT_REASON_INVVPID]            = vmexit_hidden_insn,
	[EXIT_REASON_WBINVD]             = vmexit_cache_flush,
	[EXIT_REASON_XSETBV]             = vmexit_xsetbv,
	[EXIT_REASON_APIC_WRITE]         = vmexit_apic_write,
	[EXIT_REASON_VMFUNC]             = vmexit_hidden_insn,
};

enum exit_action vmexit_fatal(struct vcpu *v, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vm_end(v->vm, VM_END_FATAL, 0, "%s", msg);
	vmcs_dump_guest(v);
	return EXIT_YIELD;
}

enum exit_action vmx_exit_unhandled(struct vcpu *v, uint32_t reason)
{
	return vmexit_fatal(v, "vCPU %u: unhandled VM exit '%s' (reason %u) at RIP 0x%llx, "
			    "qualification 0x%llx", v->id, vmx_exit_reason_name(reason), reason,
			    (unsigned long long)vmread(VMCS_GUEST_RIP),
			    (unsigned long long)vmread(VMCS_EXIT_QUALIFICATION));
}

