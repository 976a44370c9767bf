/* Round-robin scheduling of every runnable vCPU of every VM on one
 * physical CPU, and the idle loop: with nothing runnable the CPU sleeps
 * until the nearest virtual timer is due (arch_idle_until), never spins. */
#include "core/arch.h"
#include "core/console_route.h"
#include "core/pcpu.h"
#include "core/sched.h"
#include "core/vm.h"

struct pcpu pcpu0;

static unsigned count_runnable(struct vm **vms, int nvms)
{
	unsigned n = 0;

	for (int i = 0; i < nvms; i++)
		for (unsigned j = 0; j < vms[i]->nvcpus; j++)
			n += vms[i]->vcpus[j]->state == VCPU_RUNNABLE;
	return n;
}

void vcpu_wake(struct vcpu *v)
{
	struct pcpu *p = this_pcpu();

	if (v->state == VCPU_HALTED)
		v->state = VCPU_RUNNABLE;
	if (p->current && p->current != v)
		p->current->need_resched = true;
}

/* A VM none of whose vCPUs can run again is over: every vCPU is halted
 * (or parked waiting for SIPI), none of its timers is armed and its UART
 * would not interrupt for typed input; or every halted vCPU has
 * interrupts disabled. */
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
	else if (!timerq_owner_armed(&this_pcpu()->timers, vm) &&
		 !uart16550_rx_irq_enabled(&vm->uart))
		vm_end(vm, VM_END_HALTED, 0, "all vCPUs halted waiting for an interrupt, and no "
		       "timer is armed nor console input enabled");
}

static bool any_running(struct vm **vms, int nvms)
{
	for (int i = 0; i < nvms; i++)
		if (vms[i]->state == VM_RUNNING)
			return true;
	return false;
}

static void run_round(struct vm **vms, int nvms, uint64_t quantum_ticks, unsigned runnable)
{
	struct pcpu *p = this_pcpu();

	for (int i = 0; i < nvms; i++) {
		struct vm *vm = vms[i];

		for (unsigned j = 0; j < vm->nvcpus; j++) {
			struct vcpu *v = vm->vcpus[j];

			if (v->state != VCPU_RUNNABLE)
				continue;
			p->current = v;
			/* Alone on the CPU, a vCPU needs no preemption. */
			arch_vcpu_run(v, runnable > 1 ? quantum_ticks : 0);
			p->current = NULL;
			timerq_run(&p->timers, arch_tsc());
			runnable = count_runnable(vms, nvms);
		}
		if (vm->reset_why)
			vm_do_reset(vm);
		reap_idle_vm(vm);
	}
}

void sched_run(struct vm **vms, int nvms, uint64_t quantum_ticks)
{
	struct pcpu *p = this_pcpu();
	struct console_route console;

	console_route_start(&console, vms, nvms);
	for (;;) {
		unsigned runnable;

		timerq_run(&p->timers, arch_tsc());
		runnable = count_runnable(vms, nvms);
		if (runnable) {
			run_round(vms, nvms, quantum_ticks, runnable);
			continue;
		}
		for (int i = 0; i < nvms; i++) {
			if (vms[i]->reset_why)
				vm_do_reset(vms[i]);
			reap_idle_vm(vms[i]);
		}
		if (count_runnable(vms, nvms))
			continue;
		if (!any_running(vms, nvms) || !timerq_next(&p->timers))
			break;
		arch_idle_until(timerq_next(&p->timers));
	}
	console_route_stop(&console);
	for (int i = 0; i < nvms; i++)
		reap_idle_vm(vms[i]);
}
