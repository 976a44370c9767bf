/* CPUID exits. What a guest sees is the host CPU filtered by the policy
 * in cpuid_policy.c. Leaves that depend neither on a subleaf in ECX nor
 * on the guest's own state are computed once per vCPU and answered from a
 * table, as KVM does with its CPUID entries; the rest (topology, XSAVE
 * sizes that follow the guest's XCR0, ...) go through the policy on every
 * exit. */
#include "arch/x86/cpu/cpu.h"
#include "arch/x86/vmx/cpuid_policy.h"
#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/guest.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_asm.h"
#include "core/hypercall_abi.h"
#include "lib/libc.h"

#define HV_LEAF_BASE  0x40000000u
#define EXT_LEAF_BASE 0x80000000u

/* Basic leaves with no subleaves and no guest-dependent bits, except
 * leaf 1's OSXSAVE, which is patched on the way out (SDM Vol. 2A CPUID). */
static bool leaf_is_static(uint32_t leaf)
{
	switch (leaf) {
	case 0x0: case 0x1: case 0x2: case 0x3: case 0x5: case 0x6:
	case 0xa: case 0x15: case 0x16:
		return true;
	}
	return false;
}

static void vcpu_info(struct vcpu *v, struct cpuid_vcpu_info *vi, bool osxsave)
{
	vi->apic_id = v->id;
	vi->nr_vcpus = v->vm->nvcpus;
	vi->guest_osxsave = osxsave;
	vi->guest_x2apic_ok = true;
	vi->host_max_basic = vmx_cpu.max_basic_leaf;
	vi->tsc_khz = (uint32_t)vmx_cpu.tsc_khz;
	vi->apic_khz = (uint32_t)vmx_apic_timer_khz();
	vi->xsave = vmx_cpu.has_xsave ? &vmx_cpu.xsave_layout : NULL;
	vi->xcr0 = to_vmx(v)->xcr0;
}

static void compute(struct vcpu *v, uint32_t leaf, uint32_t sub, bool osxsave,
		    struct cpuid_regs *out)
{
	struct cpuid_vcpu_info vi;
	struct cpuid_regs host;

	vcpu_info(v, &vi, osxsave);
	cpuid_count(leaf, sub, &host.eax, &host.ebx, &host.ecx, &host.edx);
	cpuid_policy_apply(leaf, sub, &host, &vi, out);
}

/* Called once per vCPU, after the VM knows its vCPU count. */
void vmx_cpuid_cache_init(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	for (uint32_t i = 0; i < VMX_CPUID_CACHED_BASIC; i++) {
		x->cpuid_valid[i] = leaf_is_static(i) &&
				    (i <= vmx_cpu.max_basic_leaf || i <= CPUID_GUEST_MIN_MAX_BASIC);
		if (x->cpuid_valid[i])
			compute(v, i, 0, false, &x->cpuid_basic[i]);
	}
	for (uint32_t i = 0; i < VMX_CPUID_CACHED_HV; i++)
		compute(v, HV_LEAF_BASE + i, 0, false, &x->cpuid_hv[i]);
}

static const struct cpuid_regs *lookup(struct vmx_vcpu *x, uint32_t leaf)
{
	if (leaf < VMX_CPUID_CACHED_BASIC)
		return x->cpuid_valid[leaf] ? &x->cpuid_basic[leaf] : NULL;
	if (leaf - HV_LEAF_BASE < VMX_CPUID_CACHED_HV)
		return &x->cpuid_hv[leaf - HV_LEAF_BASE];
	return NULL;
}

enum exit_action vmexit_cpuid(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	uint64_t *gpr = x->regs.gpr;
	uint32_t leaf = (uint32_t)gpr[GPR_RAX];
	const struct cpuid_regs *c = lookup(x, leaf);
	struct cpuid_regs out;

	if (c) {
		out = *c;
		if (leaf == 1 && (vmread(VMCS_GUEST_CR4) & X86_CR4_OSXSAVE) &&
		    (out.ecx & CPUID_1_ECX_XSAVE))
			out.ecx |= CPUID_1_ECX_OSXSAVE;
	} else {
		compute(v, leaf, (uint32_t)gpr[GPR_RCX],
			vmread(VMCS_GUEST_CR4) & X86_CR4_OSXSAVE, &out);
	}
	gpr[GPR_RAX] = out.eax;
	gpr[GPR_RBX] = out.ebx;
	gpr[GPR_RCX] = out.ecx;
	gpr[GPR_RDX] = out.edx;
	guest_skip_insn();
	return EXIT_CONTINUE;
}
