/* Per-physical-CPU state that core/ owns. Vireo runs every VM on the
 * boot CPU today, so there is one instance (sched.c); code reaches it
 * through this_pcpu() so that more CPUs change one function. */
#ifndef VIREO_CORE_PCPU_H
#define VIREO_CORE_PCPU_H

#include "core/timer.h"

struct vcpu;
struct console_route;

struct pcpu {
	struct timer_queue timers;   /* every virtual timer of every VM */
	struct vcpu *current;        /* the vCPU running now, or NULL */
	struct console_route *console; /* console input, while VMs run */
};

extern struct pcpu pcpu0;

static inline struct pcpu *this_pcpu(void)
{
	return &pcpu0;
}

/* The CPU other than this one that has v in guest mode now, or NULL: its
 * registers cannot be read from here then (the monitor's `regs`). With
 * one CPU running every vCPU, a vCPU runs here or nowhere. */
static inline struct pcpu *vcpu_running_elsewhere(const struct vcpu *v)
{
	(void)v;
	return NULL;
}

#endif
