/* Round-robin scheduling of every runnable vCPU of every VM on the one
 * physical CPU, each for a quantum measured in TSC ticks. */
#ifndef VIREO_CORE_SCHED_H
#define VIREO_CORE_SCHED_H

#include <stdint.h>

struct vm;

/* Runs until every VM has ended. */
void sched_run(struct vm **vms, int nvms, uint64_t quantum_ticks);

#endif
