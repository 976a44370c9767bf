/* APIC virtualization (SDM Vol. 3C chapter 30), used when the CPU offers
 * all of it and the hypervisor command line does not say apicv=0.
 *
 * The vCPU's LAPIC register page (devices/lapic.c) becomes the VMCS's
 * virtual-APIC page. The CPU then, without exits:
 *  - answers reads of most APIC registers from the page (xAPIC MMIO at
 *    the APIC-access page, or RDMSR in x2APIC mode);
 *  - virtualizes TPR (and CR8) writes, EOI of edge-triggered vectors and
 *    the x2APIC self-IPI, updating PPR, ISR and IRR in the page;
 *  - delivers the highest pending vector (RVI) when the guest can take
 *    it (virtual-interrupt delivery).
 * Other writes store into the page and exit trap-like (APIC write), and
 * the model applies them; an EOI of a level-triggered vector exits (EOI-
 * exit bitmap = TMR) for the EOI broadcast. Accesses that are not
 * virtualized (the timer's current count, for one) exit as APIC accesses
 * and go through the same instruction emulation as the software path. */
#include "arch/x86/cpu/cpu.h"
#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/guest.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_asm.h"
#include "arch/x86/vmx/vmx_names.h"
#include "core/kalloc.h"
#include "lib/libc.h"
#include "lib/printk.h"

/* APIC-access exit qualification (SDM 27.2.1, Table 27-6). */
#define APIC_ACCESS_OFFSET(q)       ((uint32_t)(q) & 0xfff)
#define APIC_ACCESS_TYPE(q)         (((uint32_t)(q) >> 12) & 0xf)
#define APIC_ACCESS_LINEAR_READ     0u
#define APIC_ACCESS_LINEAR_WRITE    1u

/* x2APIC MSRs whose RDMSR the CPU answers from the page (SDM 30.5). The
 * rest (current count, CMCI, reserved ones, EOI, self-IPI) exit. */
static bool x2apic_read_virtualized(uint32_t msr)
{
	uint32_t off = (msr - MSR_X2APIC_FIRST) << 4;

	if (off >= APIC_OFFSET_ISR0 && off < APIC_OFFSET_IRR0 + 0x80)
		return true;                    /* ISR, TMR, IRR */
	if (off >= APIC_OFFSET_TIMER_LVT && off <= APIC_OFFSET_ERROR_LVT)
		return true;
	switch (off) {
	case APIC_OFFSET_ID: case APIC_OFFSET_VER: case APIC_OFFSET_TPR:
	case APIC_OFFSET_PPR: case APIC_OFFSET_LDR: case APIC_OFFSET_SVR:
	case APIC_OFFSET_ESR: case APIC_OFFSET_ICR_LOW: case APIC_OFFSET_TIMER_ICR:
	case APIC_OFFSET_TIMER_DCR:
		return true;
	}
	return false;
}

/* MSR bitmap bits (SDM 24.6.9): read-low at 0, write-low at 2048. */
static void msr_intercept(uint8_t *bm, uint32_t msr, bool read, bool on)
{
	uint8_t *byte = &bm[(read ? 0 : 2048) + (msr & 0x1fff) / 8];
	uint8_t bit = (uint8_t)(1u << (msr % 8));

	*byte = on ? (uint8_t)(*byte | bit) : (uint8_t)(*byte & ~bit);
}

static void x2apic_msr_bitmap(uint8_t *bm, bool x2apic)
{
	for (uint32_t msr = MSR_X2APIC_FIRST; msr <= MSR_X2APIC_LAST; msr++) {
		msr_intercept(bm, msr, true, !(x2apic && x2apic_read_virtualized(msr)));
		msr_intercept(bm, msr, false, true);
	}
	if (x2apic) {
		/* Virtualized with virtual-interrupt delivery: TPR, EOI, self-IPI. */
		msr_intercept(bm, MSR_X2APIC_FIRST + (APIC_OFFSET_TPR >> 4), false, false);
		msr_intercept(bm, MSR_X2APIC_FIRST + (APIC_OFFSET_EOI >> 4), false, false);
		msr_intercept(bm, MSR_X2APIC_FIRST + (APIC_OFFSET_SELF_IPI >> 4), false, false);
	}
}

/* The APIC-access page is mapped at the default APIC base only while every
 * vCPU of the VM decodes xAPIC accesses there. In x2APIC mode, or with the
 * APIC disabled or moved, nothing answers at that address (SDM 11.12.2):
 * the GPA is then left unmapped, so accesses exit and take the path any
 * other address takes (the software xAPIC model for a vCPU that still has
 * it there, master abort otherwise). Mapped, the page is never read or
 * written by the guest: every access is virtualized or exits. Unmapped
 * while needed would only be slower; mapped while not needed would make
 * the one page every VM shares plain memory between guests. */
static int map_apic_access_page(struct vmx_vm *xvm)
{
	return ept_map(&xvm->ept, VLAPIC_DEFAULT_BASE, (uint64_t)(uintptr_t)vmx_cpu.apic_access_page,
		       4096, EPT_READ | EPT_WRITE, EPT_MT_UC);
}

static void apic_access_map_sync(struct vm *vm)
{
	struct vmx_vm *xvm = to_vmx_vm(vm);
	bool want = true;

	for (unsigned i = 0; i < vm->nvcpus; i++) {
		const struct vlapic *l = &to_vmx(vm->vcpus[i])->lapic;

		if (!vlapic_xapic_mmio_enabled(l) || vlapic_mmio_base(l) != VLAPIC_DEFAULT_BASE)
			want = false;
	}
	if (want == xvm->apic_access_mapped)
		return;
	/* A failed map (no memory for a table) leaves the slow path; retried
	 * at the next mode change. */
	if (want && map_apic_access_page(xvm))
		return;
	if (!want)
		ept_unmap(&xvm->ept, VLAPIC_DEFAULT_BASE, 4096);
	/* Vireo runs every vCPU on this CPU: invalidating here is enough. */
	if (vmx_cpu.ctls.has_invept_single)
		invept(INVEPT_SINGLE_CONTEXT, xvm->eptp);
	xvm->apic_access_mapped = want;
}

/* The APIC's mode picks the kind of virtualization: APIC accesses for
 * xAPIC (the page at the APIC base), x2APIC mode for x2APIC (MSRs); the
 * two may not be on together (26.2.1.1). The current VMCS must be v's. */
void vmx_apicv_mode_sync(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	bool x2 = vlapic_x2apic_mode(&x->lapic);
	uint32_t p2 = vmx_cpu.ctls.proc2 | SECONDARY_EXEC_APIC_REGISTER_VIRT |
		      SECONDARY_EXEC_VIRT_INTR_DELIVERY;

	p2 |= x2 ? SECONDARY_EXEC_VIRT_X2APIC_MODE : SECONDARY_EXEC_VIRT_APIC_ACCESSES;
	vmwrite(VMCS_PROC_BASED_CTLS2, p2);
	x2apic_msr_bitmap(x->msr_bitmap, x2);
	apic_access_map_sync(v->vm);
}

/* Controls and addresses for a fresh VMCS (vmcs.c). */
void vmx_apicv_setup(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	/* With a TPR shadow, MOV CR8 reads and writes the page's TPR. */
	vmx_set_proc_ctls(x, CPU_BASED_TPR_SHADOW,
			  CPU_BASED_CR8_LOAD_EXITING | CPU_BASED_CR8_STORE_EXITING);
	vmwrite(VMCS_VIRTUAL_APIC_ADDR, (uint64_t)(uintptr_t)x->apic_page);
	vmwrite(VMCS_APIC_ACCESS_ADDR, (uint64_t)(uintptr_t)vmx_cpu.apic_access_page);
	vmwrite(VMCS_TPR_THRESHOLD, 0);
	for (int i = 0; i < 4; i++)
		vmwrite(VMCS_EOI_EXIT_BITMAP0 + 2 * i, 0);
	vmwrite(VMCS_GUEST_INTR_STATUS, 0);
	vmwrite(VMCS_MSR_BITMAP, (uint64_t)(uintptr_t)x->msr_bitmap);
	vmx_apicv_mode_sync(v);
}

/* The guest's default APIC base maps to the APIC-access page, so that the
 * CPU recognizes xAPIC accesses (30.4). A guest that moves its APIC base
 * is served at the new address by EPT-violation emulation. */
int vmx_apicv_vm_init(struct vmx_vm *xvm)
{
	int rc = map_apic_access_page(xvm);

	xvm->apic_access_mapped = rc == 0;
	return rc;
}

/* Before entry: RVI is the highest vector in IRR, SVI the highest in ISR
 * (30.2.1); the EOI-exit bitmap follows TMR so that level-triggered EOIs
 * exit. A software-disabled APIC delivers nothing. */
void vmx_apicv_sync(struct vmx_vcpu *x)
{
	struct vlapic *l = &x->lapic;
	int irr = vlapic_sw_enabled(l) ? vlapic_highest_irr(l) : -1;
	int isr = vlapic_highest_isr(l);

	vmwrite(VMCS_GUEST_INTR_STATUS,
		(uint64_t)((isr < 0 ? 0 : isr) << 8 | (irr < 0 ? 0 : irr)));
	for (int i = 0; i < 4; i++) {
		uint64_t bits = (uint64_t)vlapic_reg(l, APIC_OFFSET_TMR0 + 32u * i) |
				(uint64_t)vlapic_reg(l, APIC_OFFSET_TMR0 + 32u * i + 16) << 32;

		if (bits != x->eoi_exit[i]) {
			x->eoi_exit[i] = bits;
			vmwrite(VMCS_EOI_EXIT_BITMAP0 + 2 * i, bits);
		}
	}
}

/* Writes that can change what this APIC should deliver next: an IPI to
 * itself, EOI, TPR, software enable, ESR (an error may raise the error
 * LVT), and LINT0 (unmasking ExtINT while the 8259 already requests: the
 * pin is level-sensitive). The rest (other LVTs, timer, LDR, DFR, ICR
 * high) leave RVI, SVI and the EOI-exit bitmap as they are. */
static bool write_may_deliver(uint32_t offset)
{
	switch (offset & 0xFF0) {
	case APIC_OFFSET_ICR_LOW: case APIC_OFFSET_SELF_IPI: case APIC_OFFSET_EOI:
	case APIC_OFFSET_TPR: case APIC_OFFSET_SVR: case APIC_OFFSET_ESR:
	case APIC_OFFSET_LINT0_LVT:
		return true;
	default:
		return false;
	}
}

/* Trap-like: the value is in the page and RIP is past the instruction. */
enum exit_action vmexit_apic_write(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	uint32_t offset = APIC_ACCESS_OFFSET(vmread(VMCS_EXIT_QUALIFICATION));

	vlapic_apic_write(&x->lapic, offset);
	if (write_may_deliver(offset))
		vmx_irq_check(x);
	return v->vm->state == VM_RUNNING ? EXIT_CONTINUE : EXIT_YIELD;
}

/* Trap-like: the CPU retired the vector from ISR; a level-triggered one
 * still owes its EOI broadcast. */
enum exit_action vmexit_virtualized_eoi(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	uint8_t vec = (uint8_t)vmread(VMCS_EXIT_QUALIFICATION);

	if (x->lapic.ops->eoi_level)
		x->lapic.ops->eoi_level(x->lapic.opaque, vec);
	vmx_irq_check(x);
	return EXIT_CONTINUE;
}

/* Fault-like: an access the CPU does not virtualize. A read or write by
 * an instruction is emulated like any xAPIC MMIO access; an access by
 * event delivery or an instruction fetch from the APIC page is not
 * something Vireo carries out. */
enum exit_action vmexit_apic_access(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
	uint32_t type = APIC_ACCESS_TYPE(q);

	if ((type == APIC_ACCESS_LINEAR_READ || type == APIC_ACCESS_LINEAR_WRITE) &&
	    !(x->idt_info & INTR_INFO_VALID))
		return vmx_emulate_mmio(v, vlapic_mmio_base(&x->lapic) + APIC_ACCESS_OFFSET(q));
	return vmexit_fatal(v, "vCPU %u: APIC access of type %u at offset 0x%x (event delivery "
			    "or instruction fetch at the APIC page): not supported", v->id, type,
			    APIC_ACCESS_OFFSET(q));
}
