/* VM-exit handling: one table, indexed by basic exit reason (exit.c). */
#ifndef VIREO_ARCH_X86_VMX_EXIT_H
#define VIREO_ARCH_X86_VMX_EXIT_H

#include <stdint.h>

struct vcpu;

enum exit_action {
	EXIT_CONTINUE,   /* re-enter the guest */
	EXIT_YIELD,      /* give the CPU back to the scheduler */
};

typedef enum exit_action (*vmx_exit_handler)(struct vcpu *v);

#include "arch/x86/vmx/vmcs_fields.h"

extern const vmx_exit_handler vmx_exit_table[EXIT_REASON_MAX + 1];
enum exit_action vmx_exit_unhandled(struct vcpu *v, uint32_t reason)
	__attribute__((cold, noinline));

/* Runs the handler for basic exit reason 'reason' (table in exit.c). */
static inline enum exit_action vmx_handle_exit(struct vcpu *v, uint32_t reason)
{
	vmx_exit_handler h = reason <= EXIT_REASON_MAX ? vmx_exit_table[reason] : 0;

	return h ? h(v) : vmx_exit_unhandled(v, reason);
}

/* Handlers, one file per family. */
enum exit_action vmexit_io(struct vcpu *v);            /* exit_io.c */
enum exit_action vmexit_rdmsr(struct vcpu *v);         /* exit_msr.c */
enum exit_action vmexit_wrmsr(struct vcpu *v);
enum exit_action vmexit_cr_access(struct vcpu *v);     /* exit_cr.c */
enum exit_action vmexit_xsetbv(struct vcpu *v);
enum exit_action vmexit_ept_violation(struct vcpu *v); /* exit_ept.c */
enum exit_action vmexit_ept_misconfig(struct vcpu *v);
enum exit_action vmexit_cpuid(struct vcpu *v);         /* exit_misc.c */
enum exit_action vmexit_hlt(struct vcpu *v);
enum exit_action vmexit_vmcall(struct vcpu *v);
enum exit_action vmexit_triple_fault(struct vcpu *v);
enum exit_action vmexit_exception_nmi(struct vcpu *v);
enum exit_action vmexit_external_interrupt(struct vcpu *v);
enum exit_action vmexit_interrupt_window(struct vcpu *v); /* event.c */
enum exit_action vmexit_nmi_window(struct vcpu *v);
enum exit_action vmexit_apic_access(struct vcpu *v);   /* apicv.c */
enum exit_action vmexit_apic_write(struct vcpu *v);
enum exit_action vmexit_virtualized_eoi(struct vcpu *v);
enum exit_action vmexit_cache_flush(struct vcpu *v);
enum exit_action vmexit_hidden_insn(struct vcpu *v);
enum exit_action vmexit_preemption_timer(struct vcpu *v);

/* The guest did something Vireo cannot continue: stop its VM with a
 * one-line reason and the guest state. */
enum exit_action vmexit_fatal(struct vcpu *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
