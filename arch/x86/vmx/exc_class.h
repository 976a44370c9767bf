/* Exception classes and what happens when a second exception meets the
 * delivery of a first (SDM Vol. 3A 6.15, Table 6-5), and which exceptions
 * are faults (Table 6-1: the saved RIP is the faulting instruction's and
 * RFLAGS.RF is set in the pushed image, 17.3.1.1). Pure logic. */
#ifndef VIREO_ARCH_X86_VMX_EXC_CLASS_H
#define VIREO_ARCH_X86_VMX_EXC_CLASS_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/cpu/traps.h"


/* What to deliver when 'second' arises while delivering 'first'. */
enum exc_combine {
	EXC_SERIAL,        /* deliver the second one (the first is done with) */
	EXC_DOUBLE_FAULT,  /* deliver #DF(0) */
	EXC_TRIPLE_FAULT,  /* shutdown */
};

enum exc_combine x86_exc_combine(uint8_t first, uint8_t second);
/* Does the CPU push an error code for this vector (protected mode)? */
bool x86_exc_has_error_code(uint8_t vector);
/* Fault-class exceptions (RF set in the pushed RFLAGS image). #DB counts
 * as a trap here: Vireo raises it only for single-stepping. */
bool x86_exc_is_fault(uint8_t vector);

#endif
