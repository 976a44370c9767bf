/* The monitor's `regs` command (core/monitor_exec.c): a vCPU's registers
 * as the guest sees them. They live in two places: the general registers
 * in struct x86_regs (saved by the exit path), the rest in the VMCS, which
 * must be the current VMCS of this CPU to be read. */
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_asm.h"
#include "core/arch.h"
#include "lib/printk.h"

/* The guest's view of CR0/CR4: host-owned bits read from the shadow. */
static uint64_t guest_view(uint32_t real, uint32_t shadow, uint32_t mask)
{
	uint64_t m = vmread(mask);

	return (vmread(real) & ~m) | (vmread(shadow) & m);
}

static void print_vmcs_state(void)
{
	printk(LOG_ERR, "vireo:     RIP %016llx RSP %016llx RFLAGS %08llx\n",
	       (unsigned long long)vmread(VMCS_GUEST_RIP), (unsigned long long)vmread(VMCS_GUEST_RSP),
	       (unsigned long long)vmread(VMCS_GUEST_RFLAGS));
	printk(LOG_ERR, "vireo:     CR0 %08llx CR3 %016llx CR4 %08llx EFER %llx\n",
	       (unsigned long long)guest_view(VMCS_GUEST_CR0, VMCS_CR0_READ_SHADOW,
					      VMCS_CR0_GUEST_HOST_MASK),
	       (unsigned long long)vmread(VMCS_GUEST_CR3),
	       (unsigned long long)guest_view(VMCS_GUEST_CR4, VMCS_CR4_READ_SHADOW,
					      VMCS_CR4_GUEST_HOST_MASK),
	       (unsigned long long)vmread(VMCS_GUEST_IA32_EFER));
	printk(LOG_ERR, "vireo:     CS %04llx SS %04llx activity %llu\n",
	       (unsigned long long)vmread(VMCS_GUEST_CS_SELECTOR),
	       (unsigned long long)vmread(VMCS_GUEST_SS_SELECTOR),
	       (unsigned long long)vmread(VMCS_GUEST_ACTIVITY_STATE));
}

static void print_gprs(const struct x86_regs *r)
{
	static const char *const names[GPR_COUNT] = {
		"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
		"R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
	};

	/* Four a line. RSP is left out: the VMCS holds it (printed above),
	 * gpr[RSP] is refreshed only for instruction emulation. */
	for (int i = 0; i < GPR_COUNT; i += 4) {
		char line[160];
		int n = 0;

		for (int j = i; j < i + 4; j++) {
			if (j == GPR_RSP)
				continue;
			n += snprintf(line + n, sizeof(line) - (size_t)n, " %-3s %016llx", names[j],
				      (unsigned long long)r->gpr[j]);
		}
		printk(LOG_ERR, "vireo:    %s\n", line);
	}
}

/* VMPTRLD makes v's VMCS current for the reads; the previously current
 * one (a vCPU in the middle of an exit, whose handler goes on with
 * VMREADs) is loaded again after. */
void arch_vcpu_print_regs(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct vcpu *cur = vmx_cpu.loaded;

	if (cur != v) {
		if (vmptrld((uint64_t)(uintptr_t)x->vmcs)) {
			printk(LOG_ERR, "vireo:     VMPTRLD of its VMCS failed\n");
			return;
		}
		vmx_cpu.loaded = v;
	}
	print_vmcs_state();
	print_gprs(&x->regs);
	if (cur && cur != v) {
		if (vmptrld((uint64_t)(uintptr_t)to_vmx(cur)->vmcs))
			panic("VMPTRLD of vCPU %u of %s failed", cur->id, cur->vm->name);
		vmx_cpu.loaded = cur;
	}
}
