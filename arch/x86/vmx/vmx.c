/* Turning VT-x on (SDM Vol. 3C 23.6-23.8) and running a vCPU: the loop of
 * VM entries and exits, and the switch of FPU and MSR state between vCPUs. */
#include "arch/x86/cpu/cpu.h"
#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_asm.h"
#include "arch/x86/vmx/vmx_names.h"
#include "arch/x86/cpu/host_timer.h"
#include "core/arch.h"
#include "core/kalloc.h"
#include "core/pcpu.h"
#include "core/vmconfig.h"
#include "lib/libc.h"
#include "lib/printk.h"

struct vmx_cpu vmx_cpu;
struct vmx_access_counts vmx_access_counts;

#define CPUID1_ECX_XSAVE (1u << 26)
#define PIT_CH2_GATE_PORT 0x61
#define PIT_MODE_PORT     0x43
#define PIT_CH2_PORT      0x42
#define PIT_HZ            1193182u

static uint64_t host_rdmsr(void *ctx, uint32_t msr)
{
	(void)ctx;
	return rdmsr(msr);
}

/* TSC ticks per millisecond, measured against PIT channel 2 over 10 ms
 * (the classic method; under Bochs both count emulated time). */
static uint64_t calibrate_tsc_khz(void)
{
	uint16_t count = PIT_HZ / 100;
	uint8_t gate = inb(PIT_CH2_GATE_PORT);
	uint64_t t0, t1;
	unsigned spins = 0;

	outb(PIT_CH2_GATE_PORT, (gate & ~0x02) | 0x01); /* gate on, speaker off */
	outb(PIT_MODE_PORT, 0xb0);                       /* ch2, lo/hi, mode 0 */
	outb(PIT_CH2_PORT, count & 0xff);
	outb(PIT_CH2_PORT, count >> 8);
	t0 = rdtsc();
	while (!(inb(PIT_CH2_GATE_PORT) & 0x20) && ++spins < 100000000u)
		;
	t1 = rdtsc();
	outb(PIT_CH2_GATE_PORT, gate);
	if (t1 <= t0 || spins >= 100000000u)
		return 1000000; /* no PIT: assume 1 GHz */
	return (t1 - t0) / 10;
}

static void setup_xsave(void)
{
	uint32_t a, b, c, d;

	write_cr4(read_cr4() | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
	cpuid_count(1, 0, &a, &b, &c, &d);
	if (!(c & CPUID1_ECX_XSAVE)) {
		vmx_cpu.xsave_size = 512;
		return;
	}
	write_cr4(read_cr4() | X86_CR4_OSXSAVE);
	cpuid_count(0xd, 0, &a, &b, &c, &d);
	vmx_cpu.has_xsave = true;
	vmx_cpu.xcr0_supported = ((uint64_t)d << 32) | a;
	vmx_cpu.xsave_size = c; /* room for every supported component */
	for (unsigned i = 2; i < 64; i++) {
		if (!((vmx_cpu.xcr0_supported >> i) & 1))
			continue;
		cpuid_count(0xd, i, &a, &b, &c, &d);
		vmx_cpu.xsave_layout.size[i] = a;
		vmx_cpu.xsave_layout.offset[i] = b;
		if (c & 2)
			vmx_cpu.xsave_layout.align64 |= 1ull << i;
	}
}

static int vmx_turn_on(char *err, size_t errlen)
{
	const struct vmx_caps *caps = &vmx_cpu.caps;
	uint64_t pa;
	int rc;

	/* SDM 23.8: CR0 and CR4 must respect the VMX fixed bits in VMX operation. */
	write_cr0(vmx_fixed_cr(read_cr0(), caps->cr0_fixed0, caps->cr0_fixed1));
	write_cr4(vmx_fixed_cr(read_cr4() | X86_CR4_VMXE, caps->cr4_fixed0, caps->cr4_fixed1));
	vmx_cpu.vmxon_region = kzalloc(4096);
	if (!vmx_cpu.vmxon_region) {
		snprintf(err, errlen, "out of memory for the VMXON region");
		return -1;
	}
	*(uint32_t *)vmx_cpu.vmxon_region = vmx_cpu.revision;
	pa = (uint64_t)(uintptr_t)vmx_cpu.vmxon_region;
	rc = vmxon(pa);
	if (rc) {
		snprintf(err, errlen, "VMXON failed (%s)", rc == -1 ? "VMfailInvalid" : "VMfailValid");
		return -1;
	}
	return 0;
}

/* APIC virtualization when the CPU has every piece and apicv=0 is not on
 * the command line; otherwise the software path (devices/lapic.c behind
 * exits), which is complete on its own. */
static void choose_apic_path(const struct hv_options *opts)
{
	const char *why = NULL;

	if (!opts->apicv)
		why = "apicv=0";
	else if (vmx_apicv_supported(&vmx_cpu.ctls, &why) == 0 &&
		 !(vmx_cpu.apic_access_page = kzalloc(4096)))
		why = "out of memory";
	vmx_cpu.apicv = !why;
	printk(LOG_INFO, "vmx: local APIC: %s%s%s\n",
	       why ? "software emulation" : "APIC virtualization (register virtualization, "
	       "virtual-interrupt delivery)", why ? ", " : "", why ? why : "");
}

int arch_virt_init(const struct hv_options *opts, char *err, size_t errlen)
{
	uint32_t a, b, c, d;
	uint64_t fc, new_fc;

	cpuid_count(1, 0, &a, &b, &c, &d);
	if (vmx_check_cpuid(c, err, errlen))
		return -1;
	fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	switch (vmx_feature_control_check(fc, &new_fc)) {
	case VMX_FC_OK:
		break;
	case VMX_FC_WRITE:
		wrmsr(MSR_IA32_FEATURE_CONTROL, new_fc);
		break;
	case VMX_FC_DISABLED:
		snprintf(err, errlen, "VT-x disabled by firmware (IA32_FEATURE_CONTROL 0x%llx is "
			 "locked without VMXON outside SMX)", (unsigned long long)fc);
		return -1;
	}
	vmx_caps_read(&vmx_cpu.caps, host_rdmsr, NULL);
	if (vmx_compute_controls(&vmx_cpu.caps, &vmx_cpu.ctls, err, errlen))
		return -1;
	vmx_cpu.revision = (uint32_t)(vmx_cpu.caps.basic & VMX_BASIC_REVISION_MASK);
	setup_xsave();
	cpuid_count(0, 0, &vmx_cpu.max_basic_leaf, &b, &c, &d);
	cpuid_count(0x80000008, 0, &a, &b, &c, &d);
	vmx_cpu.maxphyaddr = a & 0xff;
	vmx_cpu.tsc_khz = calibrate_tsc_khz();
	vmx_cpu.io_bitmap_a = kalloc_pages(4096, 4096);
	vmx_cpu.io_bitmap_b = kalloc_pages(4096, 4096);
	if (!vmx_cpu.io_bitmap_a || !vmx_cpu.io_bitmap_b) {
		snprintf(err, errlen, "out of memory for I/O bitmaps");
		return -1;
	}
	/* Every port is emulated or refused: all of them exit. */
	memset(vmx_cpu.io_bitmap_a, 0xff, 4096);
	memset(vmx_cpu.io_bitmap_b, 0xff, 4096);
	if (vmx_turn_on(err, errlen))
		return -1;
	choose_apic_path(opts);
	if (!host_timer_init())
		printk(LOG_WARN, "vmx: no TSC-deadline timer on the host APIC: an idle CPU polls "
		       "the TSC instead of halting\n");
	if (!vmx_cpu.ctls.has_preempt_timer)
		printk(LOG_WARN, "vmx: no VMX-preemption timer: VMs are switched only when they "
		       "exit, so a guest that never exits keeps the CPU\n");
	printk(LOG_INFO, "vmx: VT-x on: VMCS revision %u, EPT%s%s, unrestricted guest%s%s, "
	       "TSC %llu kHz\n", vmx_cpu.revision, vmx_cpu.ctls.ept_2m ? " 2M" : "",
	       vmx_cpu.ctls.ept_1g ? " 1G" : "", vmx_cpu.ctls.has_vpid ? ", VPID" : "",
	       vmx_cpu.ctls.has_preempt_timer ? ", preemption timer" : "",
	       (unsigned long long)vmx_cpu.tsc_khz);
	return 0;
}

uint64_t arch_tsc(void)
{
	return rdtsc();
}

uint64_t arch_tsc_khz(void)
{
	return vmx_cpu.tsc_khz;
}

const char *arch_exit_name(unsigned reason)
{
	return vmx_exit_reason_name(reason);
}

const char *arch_state_access_name(bool write)
{
	return write ? "VMWRITE" : "VMREAD";
}

/* --- switching vCPUs ------------------------------------------------- */

static void xsave_to(uint8_t *area, uint64_t mask)
{
	__asm__ volatile("xsave64 (%0)" : : "r"(area), "a"((uint32_t)mask),
			 "d"((uint32_t)(mask >> 32)) : "memory");
}

static void xrstor_from(const uint8_t *area, uint64_t mask)
{
	__asm__ volatile("xrstor64 (%0)" : : "r"(area), "a"((uint32_t)mask),
			 "d"((uint32_t)(mask >> 32)) : "memory");
}

/* Every state component the guest may turn on, whatever this vCPU's XCR0
 * is now. XRSTOR leaves components outside its mask as the previous vCPU
 * left them, so saving and restoring with the vCPU's own XCR0 would hand
 * one guest's AVX (or any later) registers to the next, who reads them
 * once it turns the component on (found by the isolation scan's FPU
 * probe). With the full mask, a component this vCPU never used (XSTATE_BV
 * bit 0 in its area) is put in its initial state instead. */
static uint64_t xcr0_all(void)
{
	return vmx_cpu.xcr0_supported & ~CPUID_XCR0_HIDDEN;
}

static void fpu_save(struct vmx_vcpu *x)
{
	if (vmx_cpu.has_xsave) {
		x->xcr0 = xgetbv(0);
		xsetbv(0, xcr0_all());
		xsave_to(x->xsave_area, xcr0_all());
	} else {
		__asm__ volatile("fxsave64 (%0)" : : "r"(x->xsave_area) : "memory");
	}
	x->star = rdmsr(MSR_IA32_STAR);
	x->lstar = rdmsr(MSR_IA32_LSTAR);
	x->cstar = rdmsr(MSR_IA32_CSTAR);
	x->fmask = rdmsr(MSR_IA32_FMASK);
	x->kernel_gs_base = rdmsr(MSR_IA32_KERNEL_GS_BASE);
	x->tsc_aux = rdmsr(MSR_IA32_TSC_AUX);
	for (int i = 0; i < 4; i++)
		x->dr[i] = read_dr(i);
	x->dr[4] = read_dr(6);
	x->cr2 = read_cr2();
}

static void fpu_restore(struct vmx_vcpu *x)
{
	if (vmx_cpu.has_xsave) {
		xsetbv(0, xcr0_all());
		xrstor_from(x->xsave_area, xcr0_all());
		xsetbv(0, x->xcr0);
	} else {
		__asm__ volatile("fxrstor64 (%0)" : : "r"(x->xsave_area) : "memory");
	}
	wrmsr(MSR_IA32_STAR, x->star);
	wrmsr(MSR_IA32_LSTAR, x->lstar);
	wrmsr(MSR_IA32_CSTAR, x->cstar);
	wrmsr(MSR_IA32_FMASK, x->fmask);
	wrmsr(MSR_IA32_KERNEL_GS_BASE, x->kernel_gs_base);
	wrmsr(MSR_IA32_TSC_AUX, x->tsc_aux);
	for (int i = 0; i < 4; i++)
		write_dr(i, x->dr[i]);
	write_dr(6, x->dr[4]);
	write_cr2(x->cr2);
}

/* The host never uses FPU/SSE registers (built with -mno-sse) or debug
 * registers and never faults (CR2), and the MSRs above are not switched
 * by the VMCS (DR7 is):
 * only a change of vCPU needs them saved and restored, never a plain
 * exit. */
static void switch_to(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	if (vmx_cpu.loaded != v) {
		if (vmptrld((uint64_t)(uintptr_t)x->vmcs))
			panic("VMPTRLD of vCPU %u of %s failed", v->id, v->vm->name);
		vmx_cpu.loaded = v;
	}
	if (vmx_cpu.fpu_owner != v) {
		if (vmx_cpu.fpu_owner)
			fpu_save(to_vmx(vmx_cpu.fpu_owner));
		fpu_restore(x);
		vmx_cpu.fpu_owner = v;
	}
}

/* Forget a vCPU that is going away so nothing is saved into freed memory. */
void vmx_forget_vcpu(struct vcpu *v)
{
	if (vmx_cpu.fpu_owner == v) {
		fpu_save(to_vmx(v));
		vmx_cpu.fpu_owner = NULL;
	}
	if (vmx_cpu.loaded == v)
		vmx_cpu.loaded = NULL;
}

/* --- the run loop ---------------------------------------------------- */

static void report_entry_failure(struct vcpu *v, int rc)
{
	if (rc == 2) {
		uint32_t e = (uint32_t)vmread(VMCS_VM_INSTRUCTION_ERROR);

		vm_end(v->vm, VM_END_FATAL, 0, "VM entry failed: VM-instruction error %u (%s)",
		       e, vmx_insn_error_name(e));
	} else {
		vm_end(v->vm, VM_END_FATAL, 0, "VM entry failed: VMfailInvalid (no current VMCS)");
	}
	vmcs_dump_guest(v);
}

static void report_failed_entry_exit(struct vcpu *v, uint32_t reason)
{
	uint32_t basic = reason & EXIT_REASON_BASIC_MASK;

	vm_end(v->vm, VM_END_FATAL, 0,
	       "VM entry failed: %s (exit reason %u), qualification 0x%llx", 
	       vmx_exit_reason_name(basic), basic,
	       (unsigned long long)vmread(VMCS_EXIT_QUALIFICATION));
	vmcs_dump_guest(v);
}

/* The VMX-preemption timer counts down every 2^shift TSC ticks (SDM
 * 25.5.1), but only while the guest runs: time spent in Vireo does not
 * count. So it is set again before every entry, from the host TSC, to the
 * earlier of the quantum's end and the nearest virtual timer; with
 * neither it is set to its maximum once and left alone. On a CPU without
 * the timer the deadlines are checked at exits alone. */
static uint64_t next_wakeup(const struct vmx_vcpu *x)
{
	uint64_t t = timerq_next_foreground(&this_pcpu()->timers);

	if (!x->deadline)
		return t;
	return t && t < x->deadline ? t : x->deadline;
}

static void arm_timer(struct vmx_vcpu *x, uint64_t wake, uint64_t now)
{
	uint64_t left;

	if (!vmx_cpu.ctls.has_preempt_timer)
		return;
	if (!wake) {
		vmwrite(VMCS_PREEMPTION_TIMER_VALUE, 0xffffffffu);
		return;
	}
	left = wake > now ? (wake - now) >> vmx_cpu.ctls.preempt_timer_shift : 0;
	vmwrite(VMCS_PREEMPTION_TIMER_VALUE, left > 0xffffffffu ? 0xffffffffu : left);
	(void)x;
}

/* Before an entry: due virtual timers run (they may raise interrupts or
 * wake other vCPUs), the wake-up follows, then events are injected.
 * Returns 1 when v must give the CPU back instead. With no timer armed
 * and no quantum this is two flag tests. */
static int prepare_entry(struct vmx_vcpu *x, struct vcpu *v)
{
	struct timer_queue *q = &this_pcpu()->timers;
	uint64_t wake = next_wakeup(x);

	if (wake || q->changed) {
		uint64_t now = rdtsc();

		if (x->deadline && now >= x->deadline)
			return 1;                       /* the quantum is over */
		if (wake && now >= wake) {
			timerq_run(q, now);
			if (v->state != VCPU_RUNNABLE || v->need_resched) {
				v->need_resched = false;
				return 1;
			}
			wake = next_wakeup(x);
		}
		q->changed = false;
		arm_timer(x, wake, now);
	}
	if (x->events)
		vmx_inject_events(v);
	return 0;
}

/* After a handler: 0 to resume the guest, 1 to give the CPU back. */
static inline int after_exit(struct vmx_vcpu *x, struct vcpu *v, enum exit_action act)
{
	if (act == EXIT_YIELD || v->state != VCPU_RUNNABLE || v->need_resched) {
		v->need_resched = false;
		return 1;
	}
	return prepare_entry(x, v);
}

#define IDT_VECTORING_EXITS ((1ULL << EXIT_REASON_EXCEPTION_NMI) |                \
			     (1ULL << EXIT_REASON_EXTERNAL_INTERRUPT) |            \
			     (1ULL << EXIT_REASON_TRIPLE_FAULT) |                  \
			     (1ULL << EXIT_REASON_TASK_SWITCH) |                   \
			     (1ULL << EXIT_REASON_APIC_ACCESS) |                   \
			     (1ULL << EXIT_REASON_EPT_VIOLATION) |                 \
			     (1ULL << EXIT_REASON_EPT_MISCONFIG) |                 \
			     (1ULL << EXIT_REASON_PREEMPTION_TIMER))

static inline bool read_exit_reason(struct vmx_vcpu *x, struct vcpu *v)
{
	v->launched = true;
	x->exit_reason = (uint32_t)vmread(VMCS_EXIT_REASON);
	if (x->exit_reason & EXIT_REASON_FAILED_VMENTRY) {
		report_failed_entry_exit(v, x->exit_reason);
		return false;
	}
	/* Only these exits can cut an event's delivery short (SDM 27.2.4);
	 * instruction exits (CPUID, I/O, MSRs, ...) happen at instruction
	 * boundaries, so their IDT-vectoring information is never valid. */
	if ((x->exit_reason & EXIT_REASON_BASIC_MASK) < 64 &&
	    ((1ULL << (x->exit_reason & EXIT_REASON_BASIC_MASK)) & IDT_VECTORING_EXITS))
		vmx_read_idt_vectoring(x);
	return true;
}

/* With --stats: the same, plus the ticks from here to the re-entry, the
 * timers and events prepared for it included. */
static int __attribute__((noinline)) dispatch_timed(struct vmx_vcpu *x, struct vcpu *v)
{
	uint64_t t0 = rdtsc();
	struct vmx_access_counts c0 = vmx_access_counts;
	uint32_t reason;
	int rc;

	if (!read_exit_reason(x, v))
		return 1;
	reason = x->exit_reason & EXIT_REASON_BASIC_MASK;
	rc = after_exit(x, v, vmx_handle_exit(v, reason));
	stats_account(&v->vm->stats, reason, rdtsc() - t0, vmx_access_counts.reads - c0.reads,
		      vmx_access_counts.writes - c0.writes);
	return rc;
}

/* Called by entry.S at every VM exit with the guest's registers saved. */
int vmx_exit_dispatch(struct x86_regs *regs)
{
	struct vmx_vcpu *x = (struct vmx_vcpu *)regs;
	struct vcpu *v = x->vcpu;
	uint32_t reason;
	enum exit_action act;

	if (v->vm->stats.timing)
		return dispatch_timed(x, v);
	if (!read_exit_reason(x, v))
		return 1;
	reason = x->exit_reason & EXIT_REASON_BASIC_MASK;
	act = vmx_handle_exit(v, reason);
	stats_count(&v->vm->stats, reason);
	return after_exit(x, v, act);
}

void arch_vcpu_run(struct vcpu *v, uint64_t quantum)
{
	struct vmx_vcpu *x = to_vmx(v);
	int rc;

	switch_to(v);
	/* Once the VM's vCPU count is final, i.e. at the first run. */
	if (!x->cpuid_ready) {
		vmx_cpuid_cache_init(v);
		x->cpuid_ready = true;
	}
	x->deadline = quantum ? rdtsc() + quantum : 0;
	this_pcpu()->timers.changed = true;     /* arm for this vCPU's slice */
	if (prepare_entry(x, v) || v->state != VCPU_RUNNABLE)
		return;
	rc = vmx_enter(&x->regs, v->launched);
	if (rc)
		report_entry_failure(v, rc);
}
