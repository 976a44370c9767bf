/* A virtual CPU as the scheduler and the VM see it. Everything that
 * depends on the virtualization backend (VMCS, saved registers, LAPIC
 * model) hangs off 'arch'. */
#ifndef VIREO_CORE_VCPU_H
#define VIREO_CORE_VCPU_H

#include <stdbool.h>
#include <stdint.h>

struct vm;

enum vcpu_state {
	VCPU_WAIT_SIPI,   /* application processor not started yet */
	VCPU_RUNNABLE,
	VCPU_HALTED,      /* HLT: waits for an interrupt */
	VCPU_STOPPED,     /* its VM has ended */
};

struct vcpu {
	struct vm *vm;
	unsigned id;             /* index in the VM, also its APIC ID */
	enum vcpu_state state;
	bool halted_irq_off;     /* halted with interrupts disabled: only an
				  * NMI, INIT or SIPI wakes it */
	bool launched;           /* the backend has entered it once */
	bool need_resched;       /* another vCPU became runnable: give up the CPU
				  * at the next exit so the scheduler re-plans */
	void *arch;              /* backend state (struct vmx_vcpu) */
};

static inline bool vcpu_is_bsp(const struct vcpu *v) { return v->id == 0; }

/* An event is pending for v (sched.c): a halted v becomes runnable, and
 * the vCPU running now gives the CPU back at its next exit so that the
 * scheduler shares the CPU between them. */
void vcpu_wake(struct vcpu *v);

#endif
