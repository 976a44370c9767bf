/* Backend halves of VM and vCPU creation: EPT, MSR bitmap and time base
 * per VM; VMCS, VPID, FPU area and local APIC per vCPU; SIPI start of APs. */
#include "arch/x86/cpu/cpu.h"
#include "arch/x86/vmx/guest.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_asm.h"
#include "core/arch.h"
#include "core/kalloc.h"
#include "lib/libc.h"
#include "lib/printk.h"
#include "loaders/pc_layout.h"


static uint64_t ept_alloc_page(void *ctx)
{
	(void)ctx;
	return (uint64_t)(uintptr_t)kzalloc(4096);
}

static void ept_free_page(void *ctx, uint64_t pa)
{
	(void)ctx;
	kfree((void *)(uintptr_t)pa, 4096);
}

static void *ept_phys_to_virt(void *ctx, uint64_t pa)
{
	(void)ctx;
	return (void *)(uintptr_t)pa;  /* the host is identity mapped */
}

static const struct ept_ops ept_host_ops = { NULL, ept_alloc_page, ept_free_page, ept_phys_to_virt };

/* Map the guest RAM of GiB number 'gib' (RAM minus the legacy hole) with
 * the largest pages that fit. */
static int map_ram_gib(struct vm *vm, struct vmx_vm *xvm, unsigned gib)
{
	uint64_t hpa = (uint64_t)(uintptr_t)vm->mem.base;
	uint64_t lo = (uint64_t)gib << 30, hi = lo + (1ULL << 30);
	int rc = 0;

	if (hi > vm->mem.size)
		hi = vm->mem.size;
	if (lo == 0) {
		rc = ept_map(&xvm->ept, 0, hpa, GMEM_HOLE_START, EPT_RWX, EPT_MT_WB);
		lo = GMEM_HOLE_END;
	}
	if (!rc && hi > lo)
		rc = ept_map(&xvm->ept, lo, hpa + lo, hi - lo, EPT_RWX, EPT_MT_WB);
	if (!rc)
		xvm->ram_mapped |= 1u << gib;
	return rc;
}

/* Guest RAM is one host block; GPA g is at block + g. EPT maps it on first
 * touch, a GiB at a time (vmx_populate_ram): a guest pays one exit per GiB
 * it uses, and the exit can come in the middle of event delivery, which
 * the event code then re-injects. The legacy hole stays unmapped so that
 * touching it exits (and stops the VM). */
int vmx_populate_ram(struct vm *vm, uint64_t gpa)
{
	struct vmx_vm *xvm = to_vmx_vm(vm);
	unsigned gib = (unsigned)(gpa >> 30);

	if (!gmem_is_ram(&vm->mem, gpa, 1) || gib >= 32 || (xvm->ram_mapped & (1u << gib)))
		return -1;
	return map_ram_gib(vm, xvm, gib);
}

int arch_vm_init(struct vm *vm, char *err, size_t errlen)
{
	struct vmx_vm *xvm = kzalloc(sizeof(*xvm));
	int rc;

	if (!xvm)
		goto oom;
	vm->arch = xvm;
	xvm->tsc_base = -(int64_t)rdtsc();
	xvm->msr_bitmap = kzalloc(4096);
	if (!xvm->msr_bitmap)
		goto oom;
	vmx_msr_bitmap_init(xvm->msr_bitmap);
	if (ept_init(&xvm->ept, &ept_host_ops, vmx_cpu.ctls.ept_2m, vmx_cpu.ctls.ept_1g))
		goto oom;
	/* The BIOS ROM window: read and run in place, writes exit (and are
	 * dropped by the ROM device). */
	rc = ept_map(&xvm->ept, PC_BIOS_BASE, (uint64_t)(uintptr_t)vm->mem.base + PC_BIOS_BASE,
		     PC_BIOS_SIZE, EPT_READ | EPT_EXEC, EPT_MT_WB);
	if (rc) {
		snprintf(err, errlen, "cannot map the BIOS ROM (error %d)", rc);
		return -1;
	}
	if (vmx_cpu.apicv && (rc = vmx_apicv_vm_init(xvm)) != 0) {
		snprintf(err, errlen, "cannot map the APIC-access page (error %d)", rc);
		return -1;
	}
	xvm->eptp = ept_eptp(&xvm->ept, false);
	if (vmx_cpu.ctls.has_invept_single)
		invept(INVEPT_SINGLE_CONTEXT, xvm->eptp);
	return 0;
oom:
	snprintf(err, errlen, "out of host memory for EPT");
	return -1;
}

void arch_vm_destroy(struct vm *vm)
{
	struct vmx_vm *xvm = vm->arch;

	if (!xvm)
		return;
	if (xvm->ept.pml4_pa) {
		if (vmx_cpu.ctls.has_invept_single)
			invept(INVEPT_SINGLE_CONTEXT, xvm->eptp);
		ept_destroy(&xvm->ept);
	}
	kfree(xvm->msr_bitmap, 4096);
	kfree(xvm, sizeof(*xvm));
	vm->arch = NULL;
}

/* STARTUP (SDM 10.4.4, 10.1.1): the vCPU starts from its INIT state, in
 * real mode at vector << 12. */
void arch_vcpu_start_at_sipi(struct vcpu *v, uint8_t vector)
{
	struct vmx_vcpu *x = to_vmx(v);
	/* The VMCS of v must be current to be written; reload ours after. */
	struct vcpu *cur = vmx_cpu.loaded;

	v->state = VCPU_RUNNABLE;
	vmptrld((uint64_t)(uintptr_t)x->vmcs);
	vmx_cpu.loaded = v;
	vmcs_reset_guest_state(v);
	vmcs_set_guest_real_mode((uint64_t)vector << 12, (uint16_t)(vector << 8), 0);
	memset(x->regs.gpr, 0, sizeof(x->regs.gpr));
	x->last_len = 0;
	if (cur && cur != v) {
		vmptrld((uint64_t)(uintptr_t)to_vmx(cur)->vmcs);
		vmx_cpu.loaded = cur;
	}
}

static void init_fpu_area(struct vmx_vcpu *x)
{
	/* FXSAVE layout (SDM Vol. 1 10.5.1): FCW at 0, MXCSR at 24, power-up
	 * values. XCR0 starts as x87 only, so the first restore is FXRSTOR. */
	*(uint16_t *)(x->xsave_area + 0) = 0x37f;
	*(uint32_t *)(x->xsave_area + 24) = 0x1f80;
	x->xcr0 = 1;
}

int arch_vcpu_init(struct vcpu *v, char *err, size_t errlen)
{
	struct vmx_vcpu *x = kzalloc(sizeof(*x));

	if (!x)
		goto oom;
	v->arch = x;
	x->vcpu = v;
	x->vmcs = kzalloc(4096);
	x->xsave_area = kzalloc(vmx_cpu.xsave_size > 4096 ? vmx_cpu.xsave_size : 4096);
	x->apic_page = kzalloc(4096);
	x->msr_bitmap = kzalloc(4096);
	if (!x->vmcs || !x->xsave_area || !x->apic_page || !x->msr_bitmap)
		goto oom;
	memcpy(x->msr_bitmap, to_vmx_vm(v->vm)->msr_bitmap, 4096);
	*(uint32_t *)x->vmcs = vmx_cpu.revision;
	init_fpu_area(x);
	x->pat = GUEST_PAT_RESET;
	x->mtrr_def_type = MTRR_DEF_TYPE_RESET;
	x->misc_enable = MISC_ENABLE_RESET;
	x->tsc_aux = v->id;
	if (vmx_cpu.ctls.has_vpid)
		x->vpid = ++vmx_cpu.next_vpid;
	vmx_apic_init(v);
	/* Every vCPU of a VM starts on the VM's time base (TSC 0 at power-on). */
	x->tsc_offset = to_vmx_vm(v->vm)->tsc_base;
	if (vmclear((uint64_t)(uintptr_t)x->vmcs) || vmptrld((uint64_t)(uintptr_t)x->vmcs)) {
		snprintf(err, errlen, "VMCLEAR/VMPTRLD of a new VMCS failed");
		return -1;
	}
	vmx_cpu.loaded = v;
	vmcs_setup(v);
	return 0;
oom:
	snprintf(err, errlen, "out of host memory for vCPU %u", v->id);
	return -1;
}

uint64_t arch_vm_time(const struct vm *vm)
{
	return rdtsc() + (uint64_t)((const struct vmx_vm *)vm->arch)->tsc_base;
}

uint64_t arch_vm_time_to_host(const struct vm *vm, uint64_t t)
{
	return t - (uint64_t)((const struct vmx_vm *)vm->arch)->tsc_base;
}

/* RESET (SDM 10.1): the whole VMCS programmed again, the LAPIC and the
 * pending events back to power-on; the TSC keeps counting (the VM's time
 * base does not restart). */
void arch_vcpu_reset(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct vcpu *cur = vmx_cpu.loaded;

	vmptrld((uint64_t)(uintptr_t)x->vmcs);
	vmx_cpu.loaded = v;
	memset(&x->regs, 0, sizeof(x->regs));
	x->events = x->nmi_pending = x->exc_pending = x->extint_msg = false;
	x->idt_info = 0;
	x->last_len = 0;
	memset(x->eoi_exit, 0, sizeof(x->eoi_exit));
	vmx_apic_destroy(v);
	vmx_apic_init(v);
	memcpy(x->msr_bitmap, to_vmx_vm(v->vm)->msr_bitmap, 4096);
	vmcs_setup(v);
	if (cur && cur != v) {
		vmptrld((uint64_t)(uintptr_t)to_vmx(cur)->vmcs);
		vmx_cpu.loaded = cur;
	}
}

void arch_vcpu_destroy(struct vcpu *v)
{
	struct vmx_vcpu *x = v->arch;

	if (!x)
		return;
	vmx_forget_vcpu(v);
	vmx_apic_destroy(v);
	if (x->vmcs)
		vmclear((uint64_t)(uintptr_t)x->vmcs);
	if (vmx_cpu.ctls.has_vpid && x->vpid && vmx_cpu.ctls.has_invvpid_single)
		invvpid(INVVPID_SINGLE_CONTEXT, x->vpid);
	kfree(x->vmcs, 4096);
	kfree(x->xsave_area, vmx_cpu.xsave_size > 4096 ? vmx_cpu.xsave_size : 4096);
	kfree(x->apic_page, 4096);
	kfree(x->msr_bitmap, 4096);
	kfree(x, sizeof(*x));
	v->arch = NULL;
}

int arch_copy_from_guest(struct vcpu *v, uint64_t gla, void *buf, size_t len)
{
	struct x86_paging pg;
	unsigned acc = guest_cpl() == 3 ? X86_ACC_USER : 0;

	guest_paging(&pg);
	return x86_copy_from_guest_access(&pg, gla, buf, len, acc, guest_read_phys, v->vm);
}

