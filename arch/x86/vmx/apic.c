/* The host side of each vCPU's local APIC: the services the model in
 * devices/lapic.c needs (guest clock, timer, IPIs, LVT events), the
 * routing of interrupts between vCPUs, and waking a vCPU that halted.
 * How an IPI travels: the sender's ICR write reaches lapic_send_ipi(),
 * which picks the destination vCPUs (shorthand, physical or logical
 * destination, lowest priority) and delivers to each by delivery mode;
 * a fixed interrupt lands in the target's IRR (vmx_deliver_irq) and is
 * injected at the target's next VM entry (event.c). */
#include "arch/x86/cpu/cpu.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_asm.h"
#include "core/arch.h"
#include "arch/x86/pc/platform.h"
#include "core/pcpu.h"
#include "lib/printk.h"

/* The LAPIC timer's input clock that guests are told about (CPUID 0x15
 * crystal, 0x16 bus, 0x40000010 EBX): the TSC's own rate, so that the
 * TSC/crystal ratio of leaf 0x15 is exactly 1 and timer counts convert to
 * TSC ticks without rounding. */
uint64_t vmx_apic_timer_khz(void)
{
	return vmx_cpu.tsc_khz;
}

uint64_t vmx_guest_tsc(const struct vmx_vcpu *x)
{
	return rdtsc() + (uint64_t)x->tsc_offset;
}

static uint64_t apic_now(void *opaque)
{
	return vmx_guest_tsc(to_vmx(opaque));
}

/* Deadlines come in guest TSC; the queue runs on host TSC. */
static void apic_timer_arm(void *opaque, uint64_t deadline)
{
	struct vmx_vcpu *x = to_vmx(opaque);
	struct timer_queue *q = &this_pcpu()->timers;

	if (!deadline)
		timerq_disarm(q, &x->apic_timer);
	else
		timerq_arm(q, &x->apic_timer, deadline - (uint64_t)x->tsc_offset);
}

void vmx_set_tsc_offset(struct vmx_vcpu *x, int64_t offset)
{
	x->tsc_offset = offset;
	if (x->vcpu == vmx_cpu.loaded)
		vmwrite(VMCS_TSC_OFFSET, (uint64_t)offset);
	if (x->lapic.timer_deadline)
		apic_timer_arm(x->vcpu, x->lapic.timer_deadline);
}

/* Something is pending for v: let it run if it sleeps on it. */
static void kick(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	vmx_irq_check(x);
	if (v->state == VCPU_HALTED && vmx_event_wakes(v))
		vcpu_wake(v);
}

static void apic_timer_fired(struct vtimer *t, uint64_t now)
{
	struct vcpu *v = t->opaque;

	(void)now;
	if (v->state == VCPU_STOPPED)
		return;
	vlapic_timer_expired(&to_vmx(v)->lapic);
	kick(v);
}

void vmx_deliver_irq(struct vcpu *to, uint8_t vector, bool level)
{
	vlapic_set_irr(&to_vmx(to)->lapic, vector, level);
	kick(to);
}

/* INIT (SDM 10.4.4): an AP stops and waits for a STARTUP IPI with its
 * APIC back at power-up state; the BSP ignores INIT here (a guest that
 * resets its BSP this way would reboot, which Vireo does not model). */
static void deliver_init(struct vcpu *to)
{
	struct vmx_vcpu *x = to_vmx(to);

	if (to->state == VCPU_STOPPED || vcpu_is_bsp(to))
		return;
	to->state = VCPU_WAIT_SIPI;
	vlapic_reset(&x->lapic);
	x->nmi_pending = x->exc_pending = x->extint_msg = false;
	x->idt_info = 0;
	x->events = true;
}

/* One interrupt message reaches one vCPU. 'icr' is in the ICR format
 * (vector, delivery mode, trigger); 'level' marks a level-triggered fixed
 * interrupt (from an I/O APIC), whose EOI is broadcast back. */
static void deliver(struct vm *vm, struct vcpu *to, uint32_t icr, bool level)
{
	switch (icr & APIC_ICR_DM) {
	case APIC_ICR_DM_FIXED:
	case APIC_ICR_DM_LOWPRI:
		vmx_deliver_irq(to, (uint8_t)(icr & APIC_ICR_VECTOR), level);
		break;
	case APIC_ICR_DM_NMI:
		/* wait-for-SIPI blocks NMIs (SDM 26.6.2, Table 24-3) */
		if (to->state == VCPU_WAIT_SIPI)
			break;
		vmx_queue_nmi(to);
		kick(to);
		break;
	case APIC_ICR_DM_INIT:
		/* INIT level de-assert (level-triggered, level 0) only
		 * synchronises arbitration IDs on old CPUs: no effect. */
		if ((icr & APIC_ICR_TRIGGER) && !(icr & APIC_ICR_LEVEL))
			break;
		deliver_init(to);
		break;
	case APIC_ICR_DM_STARTUP:
		/* A STARTUP IPI to a vCPU not waiting for one is ignored. */
		if (to->state == VCPU_WAIT_SIPI) {
			arch_vcpu_start_at_sipi(to, (uint8_t)icr);
			vcpu_wake(to);
		}
		break;
	case APIC_ICR_DM_EXTINT:
		/* From an I/O APIC entry in ExtINT mode (virtual wire through
		 * the I/O APIC): the CPU acknowledges the 8259 for the vector
		 * (event.c). The ICR itself cannot send ExtINT (SDM 11.6.1). */
		if (!(icr & APIC_ICR_SHORTHAND)) {
			to_vmx(to)->extint_msg = true;
			kick(to);
		}
		break;
	default:
		/* SMI: no SMM in a Vireo guest. */
		pr_debug("vm %s: interrupt message 0x%x to vCPU %u with delivery mode %u "
			 "ignored\n", vm->name, icr, to->id, (icr >> 8) & 7);
		break;
	}
}

/* 'from' is the sending vCPU for IPIs (shorthands), NULL for messages
 * from an I/O APIC. */
static bool targets(struct vcpu *from, struct vcpu *to, uint32_t dest, uint32_t icr)
{
	switch (icr & APIC_ICR_SHORTHAND) {
	case APIC_ICR_SHORT_SELF:
		return to == from;
	case APIC_ICR_SHORT_ALL:
		return true;
	case APIC_ICR_SHORT_OTHERS:
		return to != from;
	default:
		return vlapic_match_dest(&to_vmx(to)->lapic, dest, icr & APIC_ICR_DESTMODE);
	}
}

/* Lowest priority (SDM 11.6.2.4): the destination APIC with the lowest
 * processor priority takes it; ties go to the lowest APIC ID. */
static struct vcpu *lowest_priority(struct vm *vm, struct vcpu *from, uint32_t dest,
				    uint32_t icr)
{
	struct vcpu *best = NULL;
	uint32_t best_ppr = 0;

	for (unsigned i = 0; i < vm->nvcpus; i++) {
		struct vcpu *to = vm->vcpus[i];
		uint32_t ppr;

		if (to->state == VCPU_STOPPED || !targets(from, to, dest, icr))
			continue;
		ppr = vlapic_ppr(&to_vmx(to)->lapic);
		if (!best || ppr < best_ppr) {
			best = to;
			best_ppr = ppr;
		}
	}
	return best;
}

static void route(struct vm *vm, struct vcpu *from, uint32_t dest, uint32_t icr, bool level)
{
	if ((icr & APIC_ICR_DM) == APIC_ICR_DM_LOWPRI &&
	    (icr & APIC_ICR_SHORTHAND) != APIC_ICR_SHORT_SELF) {
		struct vcpu *to = lowest_priority(vm, from, dest, icr);

		if (to)
			deliver(vm, to, icr, level);
		return;
	}
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		struct vcpu *to = vm->vcpus[i];

		if (to->state != VCPU_STOPPED && targets(from, to, dest, icr))
			deliver(vm, to, icr, level);
	}
}

static void lapic_send_ipi(void *opaque, uint32_t dest, uint32_t icr, bool x2apic)
{
	struct vcpu *from = opaque;

	(void)x2apic;       /* each receiver matches in its own mode */
	route(from->vm, from, dest, icr, false);
}

/* An I/O APIC's message. Its 8-bit destination 0xFF is a broadcast in
 * x2APIC mode too (as KVM treats it: without interrupt remapping there is
 * no wider field). */
void vmx_apic_message(struct vm *vm, uint32_t dest, bool logical, uint32_t delivery_mode,
		      uint8_t vector, bool level)
{
	uint32_t icr = vector | delivery_mode | (logical ? APIC_ICR_DESTMODE : 0) |
		       (level ? APIC_ICR_TRIGGER : 0);

	if (dest == 0xFF)
		dest = 0xFFFFFFFFu;     /* matches everyone in either mode */
	route(vm, NULL, dest, icr, level);
}

/* LINT0/LINT1 or another LVT programmed for NMI, ExtINT or INIT. */
static void lapic_lvt_event(void *opaque, enum vlapic_delivery what)
{
	struct vcpu *v = opaque;

	switch (what) {
	case VLAPIC_DELIVER_NMI:
		vmx_queue_nmi(v);
		kick(v);
		break;
	case VLAPIC_DELIVER_INIT:
		deliver_init(v);
		break;
	case VLAPIC_DELIVER_EXTINT:
		/* The 8259's INTR is a level the vCPU samples before entry
		 * (event.c); an LVT that fires as ExtINT has nothing to add. */
		kick(v);
		break;
	case VLAPIC_DELIVER_NONE:
		break;
	}
}

/* EOI of a level-triggered vector: broadcast to the I/O APIC. */
static void lapic_eoi_level(void *opaque, uint8_t vector)
{
	struct vcpu *v = opaque;

	pc_eoi_level(v->vm, vector);
}

void vmx_extint_raised(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nvcpus; i++)
		if (vlapic_accepts_extint(&to_vmx(vm->vcpus[i])->lapic))
			kick(vm->vcpus[i]);
}

static const struct vlapic_ops lapic_ops = {
	.send_ipi = lapic_send_ipi,
	.now = apic_now,
	.timer_arm = apic_timer_arm,
	.eoi_level = lapic_eoi_level,
	.lvt_event = lapic_lvt_event,
};

void vmx_apic_init(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	vtimer_init(&x->apic_timer, apic_timer_fired, v, v->vm);
	vlapic_init(&x->lapic, v->id, x->apic_page, &lapic_ops, v);
	vlapic_set_clock(&x->lapic, vmx_cpu.tsc_khz, vmx_apic_timer_khz());
}

void vmx_apic_destroy(struct vcpu *v)
{
	timerq_disarm(&this_pcpu()->timers, &to_vmx(v)->apic_timer);
}
