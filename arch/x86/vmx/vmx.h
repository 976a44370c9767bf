/* The VT-x backend: per-CPU VMX state and the per-vCPU structure. */
#ifndef VIREO_ARCH_X86_VMX_VMX_H
#define VIREO_ARCH_X86_VMX_VMX_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/ept/ept.h"
#include "arch/x86/emulate/decode.h"
#include "arch/x86/regs.h"
#include "arch/x86/vmx/cpuid_policy.h"
#include "arch/x86/vmx/vmx_caps.h"
#include "core/timer.h"
#include "core/vcpu.h"
#include "core/vm.h"
#include "devices/lapic.h"

struct vcpu;
struct vm;

/* What this physical CPU offers and how Vireo set it up. There is one
 * CPU doing VMX, so one instance (vmx.c), filled once at boot. */
struct vmx_cpu {
	struct vmx_caps caps;
	struct vmx_controls ctls;
	uint32_t revision;
	void *vmxon_region;
	uint8_t *io_bitmap_a, *io_bitmap_b;   /* shared: every port exits */
	bool has_xsave;
	uint64_t xcr0_supported;
	uint32_t xsave_size;
	struct xsave_layout xsave_layout;   /* the CPU's leaf 0xD components */
	uint64_t tsc_khz;
	uint32_t max_basic_leaf;  /* host CPUID.0:EAX */
	unsigned maxphyaddr;      /* CPUID.80000008H:EAX[7:0], the guest's too */
	uint16_t next_vpid;
	struct vcpu *fpu_owner;   /* whose FPU/XSAVE state is in the CPU */
	struct vcpu *loaded;      /* whose VMCS is current */
	bool apicv;               /* APIC virtualization in use (apicv.c) */
	void *apic_access_page;   /* APIC-access page, shared by every VM */
};

extern struct vmx_cpu vmx_cpu;

/* Per-VM backend state. */
struct vmx_vm {
	struct ept ept;
	uint64_t eptp;
	uint8_t *msr_bitmap;
	int64_t tsc_base;             /* guest TSC - host TSC at power-on */
	uint32_t ram_mapped;          /* bit n: RAM of GiB n is in the EPT */
	bool apic_access_mapped;      /* APIC-access page at 0xFEE00000 (apicv.c) */
};

#define VMX_CPUID_CACHED_BASIC 0x20   /* leaves 0..0x1f */
#define VMX_CPUID_CACHED_HV    2      /* 0x40000000, 0x40000001 */

/* Per-vCPU backend state. 'regs' is what the entry/exit assembly saves. */
struct vmx_vcpu {
	struct x86_regs regs;         /* first: entry.S hands &regs to C */
	struct vcpu *vcpu;
	void *vmcs;
	uint16_t vpid;
	struct vlapic lapic;
	uint32_t *apic_page;          /* LAPIC registers; the virtual-APIC page */
	struct vtimer apic_timer;     /* the LAPIC timer's entry in the queue */
	int64_t tsc_offset;           /* guest TSC - host TSC (VMCS TSC offset) */
	int64_t tsc_adjust;           /* IA32_TSC_ADJUST */
	/* Events (event.c). 'events' says that something below may need
	 * injecting at the next VM entry; the entry path looks no further
	 * when it is clear. */
	bool events;
	bool nmi_pending;
	bool extint_msg;              /* an I/O APIC sent ExtINT: ask the 8259 */
	bool exc_pending;
	uint8_t exc_vector;
	bool exc_has_error;
	uint32_t exc_error;
	uint32_t idt_info;            /* IDT-vectoring information of the exit */
	uint32_t idt_error;
	uint32_t idt_len;
	uint32_t proc_ctls;           /* primary controls as last written */
	uint8_t *msr_bitmap;          /* the VM's, plus this vCPU's x2APIC bits */
	uint64_t eoi_exit[4];         /* EOI-exit bitmap as last written */
	uint8_t *xsave_area;          /* guest FPU/SSE/AVX state while switched out */
	uint64_t xcr0;
	/* MSRs the guest reaches directly but the VMCS does not switch:
	 * saved and restored when another vCPU takes the CPU. */
	uint64_t star, lstar, cstar, fmask, kernel_gs_base, tsc_aux;
	uint64_t dr[5];               /* DR0-DR3, DR6 (DR7 is in the VMCS) */
	uint64_t cr2;                 /* no VMCS field holds CR2 (SDM 27.3) */
	uint64_t pat, mtrr_def_type, misc_enable;
	/* Exit information, read once per exit. */
	uint32_t exit_reason;
	uint64_t exit_tsc;
	uint64_t deadline;            /* TSC at which the quantum ends; 0 = none */
	/* The last instruction decoded for MMIO emulation (exit_ept.c). */
	struct x86_insn last_insn;
	uint8_t last_bytes[16];       /* 15 at most; 16 for word compares */
	uint8_t last_len;             /* 0: empty */
	uint8_t last_mode;
	/* CPUID answers that never change for this vCPU (cpuid.c). */
	bool cpuid_ready;
	bool cpuid_valid[VMX_CPUID_CACHED_BASIC];
	struct cpuid_regs cpuid_basic[VMX_CPUID_CACHED_BASIC];
	struct cpuid_regs cpuid_hv[VMX_CPUID_CACHED_HV];
};

static inline struct vmx_vcpu *to_vmx(struct vcpu *v)
{
	return v->arch;
}

static inline struct vmx_vm *to_vmx_vm(struct vm *vm)
{
	return vm->arch;
}

/* Power-on values of guest MSRs (SDM Vol. 4 2.1; 13.12.4 for the PAT). */
#define GUEST_PAT_RESET   0x0007040600070406ULL
#define MTRR_DEF_TYPE_RESET 0xc06ULL   /* MTRRs on, default type WB */
/* IA32_MISC_ENABLE as reported: fast strings, BTS and PEBS unavailable. */
#define MISC_ENABLE_RESET ((1ULL << 0) | (1ULL << 11) | (1ULL << 12))

/* vmx.c */
void vmx_forget_vcpu(struct vcpu *v);

/* event.c: exceptions, NMIs and interrupts into the guest (SDM 26.6). */
void vmx_read_idt_vectoring(struct vmx_vcpu *x);
void vmx_inject_events(struct vcpu *v);
void vmx_queue_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error);
void vmx_queue_nmi(struct vcpu *v);
void vmx_set_proc_ctls(struct vmx_vcpu *x, uint32_t set, uint32_t clear);
/* The LAPIC's IRR, PPR or the guest's IF changed: look again. */
static inline void vmx_irq_check(struct vmx_vcpu *x)
{
	x->events = true;
}
/* Could v take an event now if it ran: used to wake a halted vCPU. */
bool vmx_event_wakes(struct vcpu *v);

/* apic.c: the LAPIC model's services (IPIs, timer, clock) and INIT. */
void vmx_apic_init(struct vcpu *v);
void vmx_apic_destroy(struct vcpu *v);
void vmx_deliver_irq(struct vcpu *to, uint8_t vector, bool level);
/* An I/O APIC's interrupt message to the VM's local APICs. */
void vmx_apic_message(struct vm *vm, uint32_t dest, bool logical, uint32_t delivery_mode,
		      uint8_t vector, bool level);
/* The 8259's INTR rose: vCPUs that take ExtINT look at it. */
void vmx_extint_raised(struct vm *vm);
void vmx_vcpu_init_reset(struct vcpu *v);
uint64_t vmx_guest_tsc(const struct vmx_vcpu *x);
void vmx_set_tsc_offset(struct vmx_vcpu *x, int64_t offset);
/* apicv.c: APIC virtualization. */
void vmx_apicv_setup(struct vcpu *v);
void vmx_apicv_mode_sync(struct vcpu *v);
int vmx_apicv_vm_init(struct vmx_vm *xvm);
void vmx_apicv_sync(struct vmx_vcpu *x);

/* vcpu.c: map the GiB of guest RAM that holds gpa, on its first touch;
 * -1 if gpa is not RAM or is mapped already. */
int vmx_populate_ram(struct vm *vm, uint64_t gpa);

/* exit_ept.c: emulate the instruction that touched device memory at gpa. */
enum exit_action vmx_emulate_mmio(struct vcpu *v, uint64_t gpa);

/* Timer frequencies guests are told about (CPUID 0x15, 0x16, 0x40000010). */
uint64_t vmx_apic_timer_khz(void);

/* vmcs.c: program a fresh VMCS for v (current VMCS must be v's). */
void vmcs_setup(struct vcpu *v);
void vmcs_reset_guest_state(struct vcpu *v);
void vmcs_set_guest_real_mode(uint64_t cs_base, uint16_t cs_sel, uint64_t rip);
void vmcs_dump_guest(struct vcpu *v);
void vmx_set_guest_cr0(uint64_t val);
void vmx_set_guest_cr4(uint64_t val);
uint64_t vmx_cr4_host_owned(void);

/* cpuid.c */
void vmx_cpuid_cache_init(struct vcpu *v);

/* exit_msr.c */
void vmx_msr_bitmap_init(uint8_t *bm);

/* entry.S: runs the guest, calling vmx_exit_dispatch() at each exit,
 * until it returns non-zero; then 0. 1 VMfailInvalid, 2 VMfailValid. */
int vmx_enter(struct x86_regs *regs, int launched);
/* vmx.c: 0 to resume the guest at once, 1 to return from vmx_enter. */
int vmx_exit_dispatch(struct x86_regs *regs);

#endif
