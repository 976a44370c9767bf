/* Guest CPUID policy. A guest sees the host CPU minus what Vireo does not
 * virtualize; each rule below says why. Bit positions: SDM Vol. 2A, CPUID. */
#include "lib/libc.h"
#include "arch/x86/vmx/cpuid_policy.h"
#include "core/hypercall_abi.h"

#define HV_LEAF_BASE   0x40000000u
#define HV_LEAF_END    0x4fffffffu  /* range reserved for hypervisors */
#define EXT_LEAF_BASE  0x80000000u

static uint32_t vcpus(const struct cpuid_vcpu_info *vi)
{
	return vi->nr_vcpus ? vi->nr_vcpus : 1;
}

/* Leaf 1: version, topology and feature flags. */
static void leaf_1(const struct cpuid_vcpu_info *vi, struct cpuid_regs *r)
{
	uint32_t n = vcpus(vi);

	/* Not virtualized: MONITOR/MWAIT (would idle the physical CPU, and
	 * MWAIT exiting is not handled), VMX and SMX (no nesting), thermal
	 * and power features EST/TM2/TM/ACPI/PBE and debug-store DS/DS-CPL/
	 * PDCM/SDBG (their MSRs are not emulated), xTPR and DCA (chipset
	 * features). TSC-deadline and x2APIC are the virtual LAPIC's. */
	r->ecx &= ~(CPUID_1_ECX_MONITOR | CPUID_1_ECX_DS_CPL | CPUID_1_ECX_VMX |
		    CPUID_1_ECX_SMX | CPUID_1_ECX_EST | CPUID_1_ECX_TM2 |
		    CPUID_1_ECX_SDBG | CPUID_1_ECX_XTPR | CPUID_1_ECX_PDCM |
		    CPUID_1_ECX_DCA);
	r->ecx |= CPUID_1_ECX_TSC_DEADLINE;
	r->edx &= ~(CPUID_1_EDX_DS | CPUID_1_EDX_ACPI | CPUID_1_EDX_TM | CPUID_1_EDX_PBE);
	/* x2APIC only when the virtual LAPIC implements it. */
	if (!vi->guest_x2apic_ok)
		r->ecx &= ~CPUID_1_ECX_X2APIC;
	/* OSXSAVE reflects the guest's CR4.OSXSAVE, not the host's (the CPU
	 * reports CR4 of whoever runs CPUID; here that is the host). */
	r->ecx &= ~CPUID_1_ECX_OSXSAVE;
	if (vi->guest_osxsave && (r->ecx & CPUID_1_ECX_XSAVE))
		r->ecx |= CPUID_1_ECX_OSXSAVE;
	/* Tell the guest it runs under a hypervisor (leaf 0x40000000 valid). */
	r->ecx |= CPUID_1_ECX_HYPERVISOR;
	/* EBX[31:24] initial APIC ID, EBX[23:16] logical processors per
	 * package (valid when HTT=1); keep CLFLUSH size and brand index. */
	r->ebx = (r->ebx & 0xffffu) | ((vi->apic_id & 0xffu) << 24) |
		 ((n > 255 ? 255 : n) << 16);
	if (n > 1)
		r->edx |= CPUID_1_EDX_HTT;
}

/* Leaf 4: deterministic cache parameters. Keep the cache description;
 * EAX[31:26] (cores per package - 1) follows the VM's vCPU count so the
 * guest's topology matches leaf 1/0xB. The null descriptor (type 0) that
 * ends the list stays all zero. */
static void leaf_4(const struct cpuid_vcpu_info *vi, struct cpuid_regs *r)
{
	uint32_t cores = vcpus(vi);

	if ((r->eax & 0x1f) == 0)
		return;
	if (cores > 64)
		cores = 64;
	r->eax = (r->eax & 0x03ffffffu) | ((cores - 1) << 26);
}

/* Leaf 7 subleaf 0: structured extended features. Hidden: SGX and SGX
 * launch control (no enclave support), Intel PT (its MSRs are not
 * virtualized), WAITPKG (UMWAIT/TPAUSE would need the "enable user wait
 * and pause" control), PCONFIG (platform configuration), and every
 * feature whose MSRs Vireo does not emulate: MPX (BNDCFGS), CET (U_CET,
 * S_CET, PL*_SSP), speculation control (SPEC_CTRL, PRED_CMD, FLUSH_CMD,
 * ARCH_CAPABILITIES, CORE_CAPABILITIES). IA32_TSC_ADJUST is emulated:
 * TSC_ADJUST stays. HLE/RTM and the rest run natively in VMX non-root
 * operation and stay. */
static void leaf_7(uint32_t subleaf, struct cpuid_regs *r)
{
	if (subleaf != 0)
		return;
	r->ebx &= ~(CPUID_7_EBX_SGX | CPUID_7_EBX_PT | CPUID_7_EBX_MPX);
	r->ecx &= ~(CPUID_7_ECX_WAITPKG | CPUID_7_ECX_SGX_LC | CPUID_7_ECX_CET_SS);
	r->edx &= ~(CPUID_7_EDX_PCONFIG | CPUID_7_EDX_CET_IBT | CPUID_7_EDX_SPEC_CTRL |
		    CPUID_7_EDX_STIBP | CPUID_7_EDX_L1D_FLUSH | CPUID_7_EDX_ARCH_CAP |
		    CPUID_7_EDX_CORE_CAP | CPUID_7_EDX_SSBD);
}

uint32_t xsave_area_size(const struct xsave_layout *l, uint64_t features, bool compacted)
{
	uint32_t end = XSAVE_LEGACY_SIZE, at = XSAVE_LEGACY_SIZE;

	for (unsigned i = 2; i < 64; i++) {
		if (!((features >> i) & 1) || !l->size[i])
			continue;
		if (compacted) {
			if ((l->align64 >> i) & 1)
				at = (at + 63u) & ~63u;
			at += l->size[i];
			end = at;
		} else if (l->offset[i] + l->size[i] > end) {
			end = l->offset[i] + l->size[i];
		}
	}
	return end;
}

/* Leaf 0xD: the sizes are computed for the guest's XCR0 rather than read
 * from the host, as KVM does: the host's answer reflects whatever XCR0
 * and IA32_XSS the CPU holds at the time of the exit, and at least one
 * CPU model (Bochs 2.7) reports the standard-format size in subleaf 1,
 * which Linux checks against its own sum. No supervisor components are
 * offered: IA32_XSS stays 0 (exit_msr.c). */
static void leaf_xsave(uint32_t subleaf, const struct cpuid_vcpu_info *vi, struct cpuid_regs *r)
{
	uint64_t offered = (((uint64_t)r->edx << 32) | r->eax) & ~CPUID_XCR0_HIDDEN;

	if (subleaf == 0) {
		r->eax &= ~(uint32_t)CPUID_XCR0_HIDDEN;
		if (vi->xsave) {
			r->ebx = xsave_area_size(vi->xsave, vi->xcr0, false);
			r->ecx = xsave_area_size(vi->xsave, offered, false);
		}
	} else if (subleaf == 1) {
		if (vi->xsave)
			r->ebx = xsave_area_size(vi->xsave, vi->xcr0, true);
		r->ecx = r->edx = 0;
	} else if (subleaf < 64 && ((CPUID_XCR0_HIDDEN >> subleaf) & 1)) {
		memset(r, 0, sizeof(*r));
	} else if (subleaf >= 2 && subleaf < 64 && (r->ecx & 1)) {
		memset(r, 0, sizeof(*r));   /* a supervisor (IA32_XSS) component */
	}
}

static uint32_t gcd(uint32_t a, uint32_t b)
{
	while (b) {
		uint32_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* Leaves 0x15 and 0x16 (SDM Vol. 2A CPUID): the TSC as crystal x EBX /
 * EAX, with the crystal being the local APIC timer's clock; and the base,
 * maximum and bus frequencies in MHz. They describe the virtual timers,
 * so they agree with leaf 0x40000010 whatever the host says. The ratio is
 * reduced, and kept small: kernels compute crystal_khz * EBX in 32 bits
 * (Linux's native_calibrate_tsc did, and read a 50 MHz TSC as 7 MHz). */
static void leaf_timing(uint32_t leaf, const struct cpuid_vcpu_info *vi, struct cpuid_regs *r)
{
	memset(r, 0, sizeof(*r));
	if (leaf == 0x15) {
		uint32_t g = gcd(vi->tsc_khz, vi->apic_khz);
		uint32_t num = vi->tsc_khz / (g ? g : 1), den = vi->apic_khz / (g ? g : 1);

		while ((uint64_t)vi->apic_khz * num > 0xffffffffu && den > 1) {
			num = (num + 1) / 2;    /* only for unusual rates: close, */
			den = (den + 1) / 2;    /* not exact */
		}
		r->eax = den;
		r->ebx = num;
		r->ecx = vi->apic_khz * 1000u;
	} else {
		r->eax = r->ebx = vi->tsc_khz / 1000;
		r->ecx = vi->apic_khz / 1000;
	}
}

/* Number of bits that can hold values 0..n-1 (x2APIC ID shift, 0xB). */
static uint32_t bits_for(uint32_t n)
{
	uint32_t b = 0;

	while (b < 31 && (1u << b) < n)
		b++;
	return b;
}

/* Leaves 0xB and 0x1F: x2APIC topology of a package of nr_vcpus cores with
 * one thread each. Level 0 is SMT (1 thread, no ID bits), level 1 is core
 * (nr_vcpus, enough ID bits for them), higher subleaves are invalid (type
 * 0, ECX[7:0] echoes the subleaf). EDX is the x2APIC ID on every subleaf. */
static void leaf_topology(uint32_t subleaf, const struct cpuid_vcpu_info *vi,
			  struct cpuid_regs *r)
{
	uint32_t n = vcpus(vi);

	memset(r, 0, sizeof(*r));
	r->edx = vi->apic_id;
	if (subleaf == 0) {
		r->eax = 0;
		r->ebx = 1;
		r->ecx = 0 | (1u << 8);
	} else if (subleaf == 1) {
		r->eax = bits_for(n);
		r->ebx = n & 0xffffu;
		r->ecx = 1 | (2u << 8);
	} else {
		r->ecx = subleaf & 0xffu;
	}
}

/* 0x40000000: highest hypervisor leaf and the "VireoVireoHV" signature in
 * EBX, ECX, EDX (little-endian, as KVM's "KVMKVMKVM" is). 0x40000001: ABI
 * version. 0x40000010: TSC and APIC timer kHz. The rest of the range is
 * zero: Vireo defines nothing there. */
static void leaf_hv(uint32_t leaf, const struct cpuid_vcpu_info *vi, struct cpuid_regs *r)
{
	static const char sig[] = VIREO_CPUID_SIGNATURE; /* 12 chars + NUL */

	memset(r, 0, sizeof(*r));
	if (leaf == HV_LEAF_BASE) {
		r->eax = VIREO_CPUID_MAX_LEAF;
		memcpy(&r->ebx, sig, 4);
		memcpy(&r->ecx, sig + 4, 4);
		memcpy(&r->edx, sig + 8, 4);
	} else if (leaf == HV_LEAF_BASE + 1) {
		r->eax = ((uint32_t)VIREO_ABI_MAJOR << 16) | VIREO_ABI_MINOR;
	} else if (leaf == CPUID_LEAF_HV_TIMING) {
		r->eax = vi->tsc_khz;
		r->ebx = vi->apic_khz;
	}
}

void cpuid_policy_apply(uint32_t leaf, uint32_t subleaf, const struct cpuid_regs *host,
			const struct cpuid_vcpu_info *vi, struct cpuid_regs *out)
{
	*out = *host;
	/* Vireo owns the hypervisor range whatever the host says. */
	if (leaf >= HV_LEAF_BASE && leaf <= HV_LEAF_END) {
		leaf_hv(leaf, vi, out);
		return;
	}
	if (leaf == 0) {
		if (out->eax < CPUID_GUEST_MIN_MAX_BASIC)
			out->eax = CPUID_GUEST_MIN_MAX_BASIC;
		return;
	}
	if (leaf == EXT_LEAF_BASE + 7) {
		/* Power management: only the invariant TSC, which the virtual
		 * TSC is (it counts at one rate whatever the vCPU does). */
		memset(out, 0, sizeof(*out));
		out->edx = CPUID_80000007_EDX_INVARIANT_TSC;
		return;
	}
	/* Other extended leaves (brand string, LM/NX/RDTSCP, address sizes)
	 * pass through unchanged. */
	if (leaf >= EXT_LEAF_BASE)
		return;
	if (leaf == 0x15 || leaf == 0x16) {
		leaf_timing(leaf, vi, out);
		return;
	}
	/* Above the host's max basic leaf the host already answered with its
	 * highest basic leaf's data, as a real CPU does: pass it through;
	 * except below 0x16, where the guest's range now reaches: zero. */
	if (vi->host_max_basic && leaf > vi->host_max_basic) {
		if (leaf <= CPUID_GUEST_MIN_MAX_BASIC)
			memset(out, 0, sizeof(*out));
		return;
	}
	switch (leaf) {
	case 0x1:
		leaf_1(vi, out);
		break;
	case 0x4:
		leaf_4(vi, out);
		break;
	case 0x6:  /* thermal and power management: only ARAT (the APIC
		    * timer runs in every C-state: it is a host timer) */
		memset(out, 0, sizeof(*out));
		out->eax = CPUID_6_EAX_ARAT;
		break;
	case 0x5:  /* MONITOR/MWAIT: hidden in leaf 1 */
	case 0xa:  /* architectural PMU: performance counters not virtualized */
	case 0x12: /* SGX: hidden in leaf 7 */
	case 0x14: /* Intel PT: hidden in leaf 7 */
	case 0x1b: /* PCONFIG: hidden in leaf 7 */
		memset(out, 0, sizeof(*out));
		break;
	case 0x7:
		leaf_7(subleaf, out);
		break;
	case 0xd:
		leaf_xsave(subleaf, vi, out);
		break;
	case 0xb:
	case 0x1f: /* V2 topology: same format; do not leak the host's */
		leaf_topology(subleaf, vi, out);
		break;
	default:
		/* 2, 3 and the others describe the CPU the
		 * guest really runs on. */
		break;
	}
}
