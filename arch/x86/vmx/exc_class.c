#include "arch/x86/vmx/exc_class.h"

/* Contributory exceptions: #DE, #TS, #NP, #SS, #GP (Table 6-4). */
static bool contributory(uint8_t v)
{
	return v == X86_TRAP_DE || (v >= X86_TRAP_TS && v <= X86_TRAP_GP);
}

enum exc_combine x86_exc_combine(uint8_t first, uint8_t second)
{
	/* "If another exception occurs while attempting to call the
	 * double-fault handler, the processor enters shutdown mode" (6.15,
	 * interrupt 8). */
	if (first == X86_TRAP_DF)
		return EXC_TRIPLE_FAULT;
	if (contributory(first) && contributory(second))
		return EXC_DOUBLE_FAULT;
	if (first == X86_TRAP_PF && (contributory(second) || second == X86_TRAP_PF))
		return EXC_DOUBLE_FAULT;
	return EXC_SERIAL;
}

bool x86_exc_has_error_code(uint8_t v)
{
	return v == X86_TRAP_DF || (v >= X86_TRAP_TS && v <= X86_TRAP_PF) || v == X86_TRAP_AC ||
	       v == X86_TRAP_CP;
}

bool x86_exc_is_fault(uint8_t v)
{
	switch (v) {
	case X86_TRAP_DE: case X86_TRAP_BR: case X86_TRAP_UD: case X86_TRAP_NM:
	case X86_TRAP_TS: case X86_TRAP_NP: case X86_TRAP_SS: case X86_TRAP_GP:
	case X86_TRAP_PF: case X86_TRAP_MF: case X86_TRAP_AC: case X86_TRAP_XM:
	case X86_TRAP_VE: case X86_TRAP_CP:
		return true;
	default:
		return false;
	}
}
