/* VMX instructions (SDM Vol. 3C 31.3). Each reports failure the SDM way:
 * CF=1 is VMfailInvalid (no current VMCS), ZF=1 is VMfailValid (the error
 * number is in the VM-instruction error field). We return 0, -1 (invalid)
 * or -2 (valid, read VM_INSTRUCTION_ERROR). */
#ifndef VIREO_ARCH_X86_VMX_VMX_ASM_H
#define VIREO_ARCH_X86_VMX_VMX_ASM_H

#include <stdint.h>

#define VMX_FAIL_CHECK(insn_and_ops, ...)                                  \
	({                                                                 \
		uint8_t cf_, zf_;                                          \
		__asm__ volatile(insn_and_ops "; setc %0; setz %1"         \
				 : "=q"(cf_), "=q"(zf_) __VA_ARGS__);      \
		cf_ ? -1 : zf_ ? -2 : 0;                                   \
	})

static inline int vmxon(uint64_t pa)
{
	return VMX_FAIL_CHECK("vmxon %2", : "m"(pa) : "cc", "memory");
}
static inline int vmxoff(void)
{
	return VMX_FAIL_CHECK("vmxoff", : : "cc", "memory");
}
static inline int vmclear(uint64_t pa)
{
	return VMX_FAIL_CHECK("vmclear %2", : "m"(pa) : "cc", "memory");
}
static inline int vmptrld(uint64_t pa)
{
	return VMX_FAIL_CHECK("vmptrld %2", : "m"(pa) : "cc", "memory");
}

/* VMREAD and VMWRITE are slow on real hardware, so every exit path is
 * accounted for how many it performs (--stats); one add each. */
struct vmx_access_counts {
	uint64_t reads, writes;
};
extern struct vmx_access_counts vmx_access_counts;

/* VMREAD/VMWRITE of fields we know exist cannot fail once a VMCS is
 * current; callers that probe use the _checked forms. */
static inline uint64_t vmread(uint64_t field)
{
	uint64_t v;

	vmx_access_counts.reads++;
	__asm__ volatile("vmread %1, %0" : "=rm"(v) : "r"(field) : "cc");
	return v;
}
static inline void vmwrite(uint64_t field, uint64_t v)
{
	vmx_access_counts.writes++;
	__asm__ volatile("vmwrite %1, %0" : : "r"(field), "rm"(v) : "cc");
}
static inline int vmwrite_checked(uint64_t field, uint64_t v)
{
	vmx_access_counts.writes++;
	return VMX_FAIL_CHECK("vmwrite %3, %2", : "r"(field), "rm"(v) : "cc");
}

struct invept_desc { uint64_t eptp, rsvd; };
struct invvpid_desc { uint64_t vpid, gla; };

#define INVEPT_SINGLE_CONTEXT  1
#define INVEPT_ALL_CONTEXT     2
#define INVVPID_SINGLE_CONTEXT 1
#define INVVPID_ALL_CONTEXT    2

static inline int invept(uint64_t type, uint64_t eptp)
{
	struct invept_desc d = { eptp, 0 };
	return VMX_FAIL_CHECK("invept %2, %3", : "m"(d), "r"(type) : "cc", "memory");
}
static inline int invvpid(uint64_t type, uint16_t vpid)
{
	struct invvpid_desc d = { vpid, 0 };
	return VMX_FAIL_CHECK("invvpid %2, %3", : "m"(d), "r"(type) : "cc", "memory");
}

#endif
