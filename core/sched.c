#include "core/arch.h"
#include "core/sched.h"
#include "core/vm.h"

static unsigned count_runnable(struct vm **vms, int nvms)
{
	unsigned n = 0;

	for (int i = 0; i < nvms; i++)
		for (unsigned j = 0; j < vms[i]->nvcpus; j++)
			n += vms[i]->vcpus[j]->state == VCPU_RUNNABLE;
	return n;
}

/* A VM none of whose vCPUs can run again is over. Interrupt delivery to
 * wake a halted vCPU does not exist yet, so a halt with interrupts enabled
 * is as final as one with interrupts disabled; the message says which. */
static void reap_idle_vm(struct vm *vm)
{
	bool all_irq_off = true;

	if (vm->state != VM_RUNNING)
		return;
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = vm->vcpus[i];

		if (v->state == VCPU_RUNNABLE)
			return;
		if (v->state == VCPU_HALTED && !v->halted_irq_off)
			all_irq_off = false;
	}
	if (all_irq_off)
		vm_end(vm, VM_END_HALTED, 0, "all vCPUs halted with interrupts disabled");
	else
		vm_end(vm, VM_END_HALTED, 0,
		       "all vCPUs halted waiting for an interrupt, and no device can raise one");
}

void sched_run(struct vm **vms, int nvms, uint64_t quantum_ticks)
{
	for (;;) {
		unsigned runnable = count_runnable(vms, nvms);

		if (runnable == 0)
			break;
		for (int i = 0; i < nvms; i++) {
			struct vm *vm = vms[i];

			for (unsigned j = 0; j < vm->nvcpus; j++) {
				struct vcpu *v = vm->vcpus[j];

				if (v->state != VCPU_RUNNABLE)
					continue;
				/* Alone on the CPU, a vCPU needs no preemption. */
				arch_vcpu_run(v, runnable > 1 ? quantum_ticks : 0);
				runnable = count_runnable(vms, nvms);
			}
			reap_idle_vm(vm);
		}
	}
	for (int i = 0; i < nvms; i++)
		reap_idle_vm(vms[i]);
}
