/* What a guest sees when it executes CPUID (exit reason 10): the host CPU's
 * answer minus the features Vireo does not virtualize, plus the vCPU's
 * topology and the Vireo hypervisor leaves. Pure: the caller runs CPUID on
 * the host and passes the result in. Decisions are documented in
 * cpuid_policy.c. */
#ifndef VIREO_ARCH_X86_VMX_CPUID_POLICY_H
#define VIREO_ARCH_X86_VMX_CPUID_POLICY_H

#include <stdbool.h>
#include <stdint.h>

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

/* The XSAVE state components of the host CPU, as CPUID leaf 0xD subleaves
 * 2..63 enumerate them (SDM Vol. 1, 13.2 and 13.4.3). */
struct xsave_layout {
	uint32_t offset[64];     /* standard format: subleaf i EBX */
	uint32_t size[64];       /* subleaf i EAX; 0 = not supported */
	uint64_t align64;        /* bit i: 64-byte aligned when compacted (ECX bit 1) */
};

/* Legacy region (512) plus XSAVE header (64): where component 2 starts. */
#define XSAVE_LEGACY_SIZE 576u
/* XCR0 bits a guest is not offered: MPX's BNDREGS and BNDCSR (MPX is
 * hidden in leaf 7: its BNDCFGS MSR is not virtualized). */
#define CPUID_XCR0_HIDDEN 0x18ull

struct cpuid_vcpu_info {
	uint32_t apic_id;        /* this vCPU's (x2)APIC ID */
	uint32_t nr_vcpus;       /* vCPUs in the VM; 0 is treated as 1 */
	bool guest_osxsave;      /* guest CR4.OSXSAVE */
	bool guest_x2apic_ok;    /* the virtual LAPIC supports x2APIC mode */
	uint32_t host_max_basic; /* host CPUID.0:EAX; 0 = not known */
	uint32_t tsc_khz;        /* guest TSC rate */
	uint32_t apic_khz;       /* local APIC timer input clock */
	const struct xsave_layout *xsave; /* NULL: the host has no XSAVE */
	uint64_t xcr0;           /* the guest's XCR0 (leaf 0xD sizes follow it) */
};

/* The guest's basic leaves reach at least 0x16 (TSC and frequencies). */
#define CPUID_GUEST_MIN_MAX_BASIC 0x16u
/* Hypervisor leaf 0x40000010: EAX = TSC kHz, EBX = APIC timer kHz (the
 * convention VMware introduced and several kernels read). */
#define CPUID_LEAF_HV_TIMING 0x40000010u

/* Leaf 6 EAX, leaf 0x80000007 EDX. */
#define CPUID_6_EAX_ARAT        (1u << 2)
#define CPUID_80000007_EDX_INVARIANT_TSC (1u << 8)

/* Leaf 1 ECX / EDX bits (SDM Vol. 2A CPUID, Table 3-10, 3-11). */
#define CPUID_1_ECX_MONITOR     (1u << 3)
#define CPUID_1_ECX_DS_CPL      (1u << 4)
#define CPUID_1_ECX_VMX         (1u << 5)
#define CPUID_1_ECX_SMX         (1u << 6)
#define CPUID_1_ECX_EST         (1u << 7)
#define CPUID_1_ECX_TM2         (1u << 8)
#define CPUID_1_ECX_SDBG        (1u << 11)
#define CPUID_1_ECX_XTPR        (1u << 14)
#define CPUID_1_ECX_PDCM        (1u << 15)
#define CPUID_1_ECX_DCA         (1u << 18)
#define CPUID_1_ECX_X2APIC      (1u << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID_1_ECX_XSAVE       (1u << 26)
#define CPUID_1_ECX_OSXSAVE     (1u << 27)
#define CPUID_1_ECX_HYPERVISOR  (1u << 31)
#define CPUID_1_EDX_DS          (1u << 21)
#define CPUID_1_EDX_ACPI        (1u << 22)
#define CPUID_1_EDX_HTT         (1u << 28)
#define CPUID_1_EDX_TM          (1u << 29)
#define CPUID_1_EDX_PBE         (1u << 31)
/* Leaf 7 subleaf 0 (Table 3-8). */
#define CPUID_7_EBX_SGX         (1u << 2)
#define CPUID_7_EBX_PT          (1u << 25)
#define CPUID_7_ECX_WAITPKG     (1u << 5)
#define CPUID_7_ECX_SGX_LC      (1u << 30)
#define CPUID_7_EDX_PCONFIG     (1u << 18)
#define CPUID_7_EBX_TSC_ADJUST  (1u << 1)
#define CPUID_7_EBX_MPX         (1u << 14)
#define CPUID_7_ECX_CET_SS      (1u << 7)
#define CPUID_7_EDX_CET_IBT     (1u << 20)
#define CPUID_7_EDX_SPEC_CTRL   (1u << 26)  /* IBRS/IBPB: MSRs 0x48, 0x49 */
#define CPUID_7_EDX_STIBP       (1u << 27)  /* IA32_SPEC_CTRL bit 1 */
#define CPUID_7_EDX_L1D_FLUSH   (1u << 28)  /* IA32_FLUSH_CMD 0x10b */
#define CPUID_7_EDX_ARCH_CAP    (1u << 29)  /* IA32_ARCH_CAPABILITIES 0x10a */
#define CPUID_7_EDX_CORE_CAP    (1u << 30)  /* IA32_CORE_CAPABILITIES 0xcf */
#define CPUID_7_EDX_SSBD        (1u << 31)  /* IA32_SPEC_CTRL bit 2 */

/* Bytes an XSAVE area needs for the components in `features`: in the
 * standard format the end of the highest one, in the compacted format
 * (XSAVEC/XSAVES) the packed sum with 64-byte alignments. */
uint32_t xsave_area_size(const struct xsave_layout *l, uint64_t features, bool compacted);

/* Compute the guest's CPUID(leaf, subleaf) from the host's answer. */
void cpuid_policy_apply(uint32_t leaf, uint32_t subleaf, const struct cpuid_regs *host,
			const struct cpuid_vcpu_info *vi, struct cpuid_regs *out);

#endif
