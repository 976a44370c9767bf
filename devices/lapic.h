/* Local APIC model, xAPIC (MMIO) and x2APIC (MSR) interfaces, with its
 * timer, priorities and interrupt acceptance.
 * Intel SDM Vol. 3A chapter 11 ("Advanced Programmable Interrupt
 * Controller"): 11.4 xAPIC registers, 11.5.4 timer, 11.6 IPIs, 11.8
 * acceptance and priorities, 11.12 x2APIC.
 *
 * The registers live in one 4 KiB page laid out as the xAPIC MMIO page
 * (each 32-bit register at its offset). With APIC virtualization that page
 * is the VMCS's virtual-APIC page: the CPU reads registers, and updates
 * TPR, PPR, IRR, ISR and EOI there, without exits; the model then works on
 * the same bytes the CPU does. The model knows nothing of VMX: the host
 * gives it a clock, a timer and a way to send IPIs (struct vlapic_ops). */
#ifndef VIREO_DEVICES_LAPIC_H
#define VIREO_DEVICES_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define VLAPIC_MMIO_SIZE     0x1000
#define VLAPIC_DEFAULT_BASE  0xFEE00000ULL
#define MSR_IA32_APIC_BASE   0x1B
#define MSR_IA32_TSC_DEADLINE 0x6E0
#define MSR_X2APIC_FIRST     0x800
#define MSR_X2APIC_LAST      0x8FF

/* IA32_APIC_BASE bits (SDM 11.4.4, 11.12.1). */
#define APICBASE_BSP         (1ULL << 8)
#define APICBASE_EXTD        (1ULL << 10)   /* x2APIC mode */
#define APICBASE_EN          (1ULL << 11)   /* global enable */

/* Register offsets, SDM Table 11-1 (x2APIC MSR = 0x800 + (offset >> 4)). */
#define APIC_OFFSET_ID          0x020
#define APIC_OFFSET_VER         0x030
#define APIC_OFFSET_TPR         0x080
#define APIC_OFFSET_APR         0x090
#define APIC_OFFSET_PPR         0x0A0
#define APIC_OFFSET_EOI         0x0B0
#define APIC_OFFSET_LDR         0x0D0
#define APIC_OFFSET_DFR         0x0E0
#define APIC_OFFSET_SVR         0x0F0
#define APIC_OFFSET_ISR0        0x100
#define APIC_OFFSET_TMR0        0x180
#define APIC_OFFSET_IRR0        0x200
#define APIC_OFFSET_ESR         0x280
#define APIC_OFFSET_CMCI_LVT    0x2F0
#define APIC_OFFSET_ICR_LOW     0x300
#define APIC_OFFSET_ICR_HI      0x310
#define APIC_OFFSET_TIMER_LVT   0x320
#define APIC_OFFSET_THERM_LVT   0x330
#define APIC_OFFSET_PERF_LVT    0x340
#define APIC_OFFSET_LINT0_LVT   0x350
#define APIC_OFFSET_LINT1_LVT   0x360
#define APIC_OFFSET_ERROR_LVT   0x370
#define APIC_OFFSET_TIMER_ICR   0x380
#define APIC_OFFSET_TIMER_CCR   0x390
#define APIC_OFFSET_TIMER_DCR   0x3E0
#define APIC_OFFSET_SELF_IPI    0x3F0   /* x2APIC only */

/* LVT fields, SDM Figure 11-8. */
#define APIC_LVT_VECTOR         0x000000FFu
#define APIC_LVT_DM             0x00000700u
#define APIC_LVT_DM_FIXED       0x00000000u
#define APIC_LVT_DM_SMI         0x00000200u
#define APIC_LVT_DM_NMI         0x00000400u
#define APIC_LVT_DM_INIT        0x00000500u
#define APIC_LVT_DM_EXTINT      0x00000700u
#define APIC_LVT_DS             0x00001000u   /* delivery status, RO */
#define APIC_LVT_POLARITY       0x00002000u
#define APIC_LVT_REMOTE_IRR     0x00004000u   /* RO */
#define APIC_LVT_TRIGGER        0x00008000u
#define APIC_LVT_MASKED         0x00010000u
#define APIC_LVT_TIMER_MODE     0x00060000u
#define APIC_LVT_TIMER_ONESHOT  0x00000000u
#define APIC_LVT_TIMER_PERIODIC 0x00020000u
#define APIC_LVT_TIMER_TSCDL    0x00040000u

/* ICR fields, SDM Figure 11-12. */
#define APIC_ICR_VECTOR         0x000000FFu
#define APIC_ICR_DM             0x00000700u
#define APIC_ICR_DM_FIXED       0x00000000u
#define APIC_ICR_DM_LOWPRI      0x00000100u
#define APIC_ICR_DM_SMI         0x00000200u
#define APIC_ICR_DM_NMI         0x00000400u
#define APIC_ICR_DM_INIT        0x00000500u
#define APIC_ICR_DM_STARTUP     0x00000600u
#define APIC_ICR_DM_EXTINT      0x00000700u
#define APIC_ICR_DESTMODE       0x00000800u   /* 1 = logical */
#define APIC_ICR_DS             0x00001000u   /* delivery status: RO, 0 */
#define APIC_ICR_LEVEL          0x00004000u   /* 1 = assert */
#define APIC_ICR_TRIGGER        0x00008000u   /* 1 = level */
#define APIC_ICR_SHORTHAND      0x000C0000u
#define APIC_ICR_SHORT_NONE     0x00000000u
#define APIC_ICR_SHORT_SELF     0x00040000u
#define APIC_ICR_SHORT_ALL      0x00080000u
#define APIC_ICR_SHORT_OTHERS   0x000C0000u

/* LVT entries, in register order; the version register's max LVT field is
 * VLAPIC_NLVT - 1 = 6 (CMCI, timer, thermal, perf, LINT0, LINT1, error). */
enum vlapic_lvt {
	VLAPIC_LVT_CMCI,
	VLAPIC_LVT_TIMER,
	VLAPIC_LVT_THERMAL,
	VLAPIC_LVT_PERF,
	VLAPIC_LVT_LINT0,
	VLAPIC_LVT_LINT1,
	VLAPIC_LVT_ERROR,
	VLAPIC_NLVT,
};

/* vlapic_mmio_read/write results (the host may log the non-zero ones). */
enum vlapic_mmio_result {
	VLAPIC_MMIO_OK = 0,
	VLAPIC_MMIO_BAD_ACCESS = 1, /* not an aligned 32-bit access to a
				     * register's first dword: ignored */
	VLAPIC_MMIO_IGNORED = 2,    /* reserved offset, or write to a
				     * read-only / read of a write-only
				     * register: read 0 / write dropped */
	VLAPIC_MMIO_DISABLED = 3,   /* xAPIC MMIO is off (globally disabled
				     * or x2APIC mode): not an APIC access */
};

/* What an LVT entry asks the host to do when its source fires. */
enum vlapic_delivery {
	VLAPIC_DELIVER_NONE,        /* masked, or latched in IRR already */
	VLAPIC_DELIVER_NMI,
	VLAPIC_DELIVER_EXTINT,      /* ask the 8259 PIC for the vector */
	VLAPIC_DELIVER_INIT,
};

/* Services the host provides. Times are in the guest's TSC ticks. */
struct vlapic_ops {
	/* An IPI left the ICR: dest is the 8-bit xAPIC or 32-bit x2APIC
	 * destination field. */
	void (*send_ipi)(void *opaque, uint32_t dest, uint32_t icr_low, bool x2apic);
	uint64_t (*now)(void *opaque);
	/* Call vlapic_timer_expired() at guest TSC 'deadline'; 0 = never. */
	void (*timer_arm)(void *opaque, uint64_t deadline);
	/* EOI of a level-triggered vector (EOI broadcast, SDM 11.8.5). */
	void (*eoi_level)(void *opaque, uint8_t vector);
	/* An LVT that is not fixed-mode fired (NMI, ExtINT, INIT). */
	void (*lvt_event)(void *opaque, enum vlapic_delivery what);
};

struct vlapic {
	uint32_t id;                /* APIC ID (8 bits used in xAPIC mode) */
	uint64_t apicbase;          /* IA32_APIC_BASE */
	uint8_t maxphyaddr;         /* base bits above this are reserved */
	uint32_t *regs;             /* the 4 KiB register page */
	uint32_t esr_pending;       /* errors since the last ESR write */
	/* Timer (lapic_timer.c). */
	uint64_t tsc_khz;           /* guest TSC rate */
	uint64_t timer_khz;         /* timer input clock before the divider */
	uint64_t timer_deadline;    /* next expiry (guest TSC); 0 = stopped */
	uint64_t timer_frac;        /* periodic: fraction of a tick carried */
	uint64_t tsc_deadline;      /* IA32_TSC_DEADLINE */
	uint32_t timer_mode;        /* timer LVT mode last applied; under APIC
				     * virtualization the page already holds
				     * the guest's next one */
	const struct vlapic_ops *ops;
	void *opaque;
};

/* Power-up state: xAPIC mode, globally enabled, software-disabled (SVR
 * 0xFF), all LVTs masked, BSP flag set when apic_id is 0; on the BSP
 * LINT0 is ExtINT and LINT1 NMI, unmasked, as firmware leaves them. 'page' is the
 * register page (4 KiB, zeroed here). maxphyaddr is 46; the timer clock
 * defaults to the TSC rate until vlapic_set_clock. */
void vlapic_init(struct vlapic *vlapic, uint32_t apic_id, uint32_t *page,
		 const struct vlapic_ops *ops, void *opaque);
/* INIT (SDM 11.4.7.3): registers to power-up values; ID and base kept. */
void vlapic_reset(struct vlapic *vlapic);

/* xAPIC MMIO, 'offset' within the 4 KiB page. Returns enum
 * vlapic_mmio_result; reads always set *val (0 unless OK). */
int vlapic_mmio_read(struct vlapic *vlapic, uint32_t offset, unsigned size,
		     uint64_t *val);
int vlapic_mmio_write(struct vlapic *vlapic, uint32_t offset, unsigned size,
		      uint64_t val);

/* x2APIC MSRs 0x800-0x8FF. 0, or -1: the caller injects #GP(0). */
int vlapic_rdmsr(struct vlapic *vlapic, uint32_t msr, uint64_t *val);
int vlapic_wrmsr(struct vlapic *vlapic, uint32_t msr, uint64_t val);
/* APIC virtualization wrote the register at 'offset' in the page
 * (trap-like APIC-write exit): apply what the write means. */
void vlapic_apic_write(struct vlapic *vlapic, uint32_t offset);

/* IA32_APIC_BASE. set returns -1 (#GP) for reserved bits or an illegal
 * mode transition (SDM 11.12.5). The BSP flag is read-only here. */
uint64_t vlapic_get_apicbase(const struct vlapic *vlapic);
int vlapic_set_apicbase(struct vlapic *vlapic, uint64_t val);
bool vlapic_x2apic_mode(const struct vlapic *vlapic);
bool vlapic_xapic_mmio_enabled(const struct vlapic *vlapic);
uint64_t vlapic_mmio_base(const struct vlapic *vlapic);
bool vlapic_sw_enabled(const struct vlapic *vlapic);
uint32_t vlapic_reg(const struct vlapic *vlapic, uint32_t offset);

/* CR8 (SDM 10.8.6.1): TPR[7:4]. */
uint64_t vlapic_get_cr8(const struct vlapic *vlapic);
void vlapic_set_cr8(struct vlapic *vlapic, uint64_t cr8);

/* ---- acceptance and priorities (SDM 11.8) ---- */
/* Latch 'vector' in IRR (and TMR when level); vectors 0-15 are illegal
 * and log "receive illegal vector" in ESR instead. */
void vlapic_set_irr(struct vlapic *vlapic, uint8_t vector, bool level);
/* Highest IRR vector whose priority class beats PPR, or -1. */
int vlapic_pending_vector(const struct vlapic *vlapic);
/* The CPU took 'vector': move it from IRR to ISR. */
void vlapic_ack(struct vlapic *vlapic, uint8_t vector);
uint32_t vlapic_ppr(const struct vlapic *vlapic);
/* Recompute PPR into the page after TPR or ISR changed behind the model's
 * back (APIC virtualization). */
void vlapic_update_ppr(struct vlapic *vlapic);
/* Highest vector set in IRR or ISR, or -1 (RVI and SVI). */
int vlapic_highest_irr(const struct vlapic *vlapic);
int vlapic_highest_isr(const struct vlapic *vlapic);
/* Does this APIC accept a message for 'dest' (physical or logical, in
 * this APIC's mode; SDM 11.6.2, 11.12.10)? */
bool vlapic_match_dest(const struct vlapic *vlapic, uint32_t dest, bool logical);
/* Does LINT0 pass the 8259's INTR (ExtINT) to this CPU? */
bool vlapic_accepts_extint(const struct vlapic *vlapic);
/* LINT0/LINT1 (pin 0/1) or another LVT source fired: fixed vectors go to
 * IRR; the rest is returned for the host (also reported via lvt_event). */
enum vlapic_delivery vlapic_fire_lvt(struct vlapic *vlapic, enum vlapic_lvt lvt);

/* ---- timer (lapic_timer.c, SDM 11.5.4) ---- */
/* Timer input clock: the bus/crystal frequency guests are told (kHz). */
void vlapic_set_clock(struct vlapic *vlapic, uint64_t tsc_khz, uint64_t timer_khz);
/* Divide configuration register value -> divisor (1..128). */
unsigned vlapic_timer_divisor(uint32_t dcr);
/* The host's timer reached the armed deadline: raise the interrupt, re-arm
 * a periodic timer. */
void vlapic_timer_expired(struct vlapic *vlapic);
uint64_t vlapic_get_tsc_deadline(const struct vlapic *vlapic);
void vlapic_set_tsc_deadline(struct vlapic *vlapic, uint64_t deadline);
/* Internal to the model: register writes that start or stop the timer. */
void vlapic_timer_write_icr(struct vlapic *vlapic, uint32_t count);
void vlapic_timer_write_lvt(struct vlapic *vlapic, uint32_t old_lvt);
uint32_t vlapic_timer_ccr(const struct vlapic *vlapic);
void vlapic_timer_stop(struct vlapic *vlapic);

#endif
