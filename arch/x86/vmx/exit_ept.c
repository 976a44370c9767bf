/* EPT violations: guest accesses to guest-physical addresses with no RAM
 * behind them. If a device claims the address (the local APIC page, or an
 * MMIO region on the VM's bus), the faulting instruction is fetched,
 * decoded and emulated against the device (SDM 27.2.1 Table 27-7).
 * Anything else stops the VM with a precise diagnostic. */
#include "arch/x86/emulate/emulate.h"
#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/guest.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_asm.h"
#include "arch/x86/vmx/vmx_names.h"
#include "lib/libc.h"
#include "lib/printk.h"

static bool is_lapic_page(struct vcpu *v, uint64_t gpa)
{
	struct vlapic *l = &to_vmx(v)->lapic;

	return vlapic_xapic_mmio_enabled(l) &&
	       (gpa & ~(uint64_t)(VLAPIC_MMIO_SIZE - 1)) == vlapic_mmio_base(l);
}

/* Emulator callbacks: ctx is the vCPU. */
static int emu_translate(void *ctx, enum x86_seg seg, uint64_t off, bool write, uint64_t *gpa)
{
	uint64_t la;

	return guest_translate(ctx, seg, off, write ? X86_ACC_WRITE : 0, gpa, &la);
}

static int emu_phys_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	struct vcpu *v = ctx;

	*val = 0;
	if (vm_read_phys(v->vm, gpa, val, size))
		return 0;
	if (is_lapic_page(v, gpa)) {
		vlapic_mmio_read(&to_vmx(v)->lapic, gpa & (VLAPIC_MMIO_SIZE - 1), size, val);
		return 0;
	}
	return bus_mmio(&v->vm->bus, gpa, size, false, val) == BUS_OK ? 0 : -1;
}

static int emu_phys_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	struct vcpu *v = ctx;

	if (vm_write_phys(v->vm, gpa, &val, size))
		return 0;
	if (is_lapic_page(v, gpa)) {
		vlapic_mmio_write(&to_vmx(v)->lapic, gpa & (VLAPIC_MMIO_SIZE - 1), size, val);
		return 0;
	}
	return bus_mmio(&v->vm->bus, gpa, size, true, &val) == BUS_OK ? 0 : -1;
}

static enum exit_action emulate_mmio(struct vcpu *v, uint64_t gpa)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct x86_regs *r = &x->regs;
	struct x86_emu_ops ops = { v, emu_translate, emu_phys_read, emu_phys_write };
	enum x86_cpu_mode mode = guest_cpu_mode();
	struct x86_insn insn;
	uint8_t bytes[15];
	char hex[64];
	unsigned n;
	int rc;

	r->rip = vmread(VMCS_GUEST_RIP);
	r->rflags = vmread(VMCS_GUEST_RFLAGS);
	r->gpr[GPR_RSP] = vmread(VMCS_GUEST_RSP);
	n = guest_fetch_insn(v, r->rip, bytes);
	if (x86_decode(bytes, n, mode, &insn)) {
		x86_insn_bytes_str(bytes, n, hex, sizeof(hex));
		return vmexit_fatal(v, "vCPU %u: cannot emulate MMIO access to GPA 0x%llx at RIP "
				    "0x%llx: unsupported instruction [%s]", v->id,
				    (unsigned long long)gpa, (unsigned long long)r->rip, hex);
	}
	rc = x86_emulate_mmio(&insn, mode, r, gpa, &ops);
	if (rc) {
		x86_insn_bytes_str(bytes, insn.length, hex, sizeof(hex));
		return vmexit_fatal(v, "vCPU %u: emulation of %s [%s] at RIP 0x%llx on GPA 0x%llx "
				    "failed (%d)", v->id, x86_op_name(insn.op), hex,
				    (unsigned long long)r->rip, (unsigned long long)gpa, rc);
	}
	vmwrite(VMCS_GUEST_RIP, r->rip);
	vmwrite(VMCS_GUEST_RFLAGS, r->rflags);
	vmwrite(VMCS_GUEST_RSP, r->gpr[GPR_RSP]);
	return v->vm->state == VM_RUNNING ? EXIT_CONTINUE : EXIT_YIELD;
}

static const char *where(struct vm *vm, uint64_t gpa)
{
	if (gpa >= vm->mem.size)
		return "above guest RAM";
	if (gpa >= GMEM_HOLE_START && gpa < GMEM_HOLE_END)
		return "in the legacy hole 0xA0000-0xFFFFF";
	return "not backed by RAM or a device";
}

enum exit_action vmexit_ept_violation(struct vcpu *v)
{
	uint64_t gpa = vmread(VMCS_GUEST_PHYSICAL_ADDR);
	uint64_t qual = vmread(VMCS_EXIT_QUALIFICATION);
	char desc[160];

	if (is_lapic_page(v, gpa) || bus_find_mmio(&v->vm->bus, gpa))
		return emulate_mmio(v, gpa);
	vmx_describe_ept_violation(qual, desc, sizeof(desc));
	if (qual & EPT_VIOL_GLA_VALID)
		return vmexit_fatal(v, "vCPU %u: EPT violation: GPA 0x%llx %s (%llu MiB), linear "
				    "0x%llx, RIP 0x%llx: %s", v->id, (unsigned long long)gpa,
				    where(v->vm, gpa), (unsigned long long)(v->vm->mem.size >> 20),
				    (unsigned long long)vmread(VMCS_GUEST_LINEAR_ADDR),
				    (unsigned long long)vmread(VMCS_GUEST_RIP), desc);
	return vmexit_fatal(v, "vCPU %u: EPT violation: GPA 0x%llx %s (%llu MiB), RIP 0x%llx: %s",
			    v->id, (unsigned long long)gpa, where(v->vm, gpa),
			    (unsigned long long)(v->vm->mem.size >> 20),
			    (unsigned long long)vmread(VMCS_GUEST_RIP), desc);
}

/* Vireo builds every EPT entry itself: a misconfiguration is our bug, but
 * only this VM pays for it. */
enum exit_action vmexit_ept_misconfig(struct vcpu *v)
{
	return vmexit_fatal(v, "vCPU %u: EPT misconfiguration at GPA 0x%llx (hypervisor bug)",
			    v->id, (unsigned long long)vmread(VMCS_GUEST_PHYSICAL_ADDR));
}
