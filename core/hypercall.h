/* The hypercall ABI (docs/hypercalls.md, core/hypercall_abi.h), independent
 * of how a backend traps the call. */
#ifndef VIREO_CORE_HYPERCALL_H
#define VIREO_CORE_HYPERCALL_H

#include <stdint.h>

struct vcpu;

/* args[0..3] are the four argument registers; returns the result value. */
int64_t hypercall_dispatch(struct vcpu *v, uint64_t nr, const uint64_t args[4]);

#endif
