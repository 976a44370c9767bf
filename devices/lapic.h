/* Local APIC register model, xAPIC (MMIO) and x2APIC (MSR) interfaces.
 * Intel SDM Vol. 3A chapter 11 ("Advanced Programmable Interrupt
 * Controller"): 11.4 xAPIC registers, 11.12 x2APIC.
 *
 * This issue models register state only: no timer countdown (current
 * count reads 0, the timer never runs) and no interrupt injection into the
 * vCPU; IPIs leave through send_ipi and the host routes them. */
#ifndef VIREO_DEVICES_LAPIC_H
#define VIREO_DEVICES_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define VLAPIC_MMIO_SIZE     0x1000
#define VLAPIC_DEFAULT_BASE  0xFEE00000ULL
#define MSR_IA32_APIC_BASE   0x1B
#define MSR_X2APIC_FIRST     0x800
#define MSR_X2APIC_LAST      0x8FF

/* IA32_APIC_BASE bits (SDM 11.4.4, 11.12.1). */
#define APICBASE_BSP         (1ULL << 8)
#define APICBASE_EXTD        (1ULL << 10)   /* x2APIC mode */
#define APICBASE_EN          (1ULL << 11)   /* global enable */

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

struct vlapic {
	uint32_t id;                /* APIC ID (8 bits used in xAPIC mode) */
	uint64_t apicbase;          /* IA32_APIC_BASE */
	uint8_t maxphyaddr;         /* base bits above this are reserved */
	uint32_t tpr;
	uint32_t ldr, dfr;          /* xAPIC only; x2APIC LDR is derived */
	uint32_t svr;
	uint32_t esr;               /* value visible to reads */
	uint32_t esr_pending;       /* errors since the last ESR write */
	uint32_t isr[8], tmr[8], irr[8];
	uint32_t icr_lo, icr_hi;    /* icr_hi: xAPIC bits 31:24 / x2APIC 32-bit dest */
	uint32_t lvt[VLAPIC_NLVT];
	uint32_t timer_icr;         /* initial count */
	uint32_t timer_dcr;         /* divide configuration */
	void (*send_ipi)(void *opaque, uint32_t dest, uint32_t icr_low,
			 bool x2apic);
	void *opaque;
};

/* Power-up state: xAPIC mode, globally enabled, software-disabled (SVR
 * 0xFF), all LVTs masked, BSP flag set when apic_id is 0. maxphyaddr is 46;
 * the host may lower/raise it to match the guest's CPUID. */
void vlapic_init(struct vlapic *vlapic, uint32_t apic_id,
		 void (*send_ipi)(void *opaque, uint32_t dest,
				  uint32_t icr_low, bool x2apic),
		 void *opaque);

/* xAPIC MMIO, 'offset' within the 4 KiB page. Returns enum
 * vlapic_mmio_result; reads always set *val (0 unless OK). */
int vlapic_mmio_read(struct vlapic *vlapic, uint32_t offset, unsigned size,
		     uint64_t *val);
int vlapic_mmio_write(struct vlapic *vlapic, uint32_t offset, unsigned size,
		      uint64_t val);

/* x2APIC MSRs 0x800-0x8FF. 0, or -1: the caller injects #GP(0). */
int vlapic_rdmsr(struct vlapic *vlapic, uint32_t msr, uint64_t *val);
int vlapic_wrmsr(struct vlapic *vlapic, uint32_t msr, uint64_t val);

/* IA32_APIC_BASE. set returns -1 (#GP) for reserved bits or an illegal
 * mode transition (SDM 11.12.5). The BSP flag is read-only here. */
uint64_t vlapic_get_apicbase(const struct vlapic *vlapic);
int vlapic_set_apicbase(struct vlapic *vlapic, uint64_t val);
bool vlapic_x2apic_mode(const struct vlapic *vlapic);
bool vlapic_xapic_mmio_enabled(const struct vlapic *vlapic);
uint64_t vlapic_mmio_base(const struct vlapic *vlapic);
bool vlapic_sw_enabled(const struct vlapic *vlapic);

/* Interrupt acceptance hooks for the host (minimal, no injection yet). */
/* Latch 'vector' in IRR (and TMR when level); vectors 0-15 are illegal
 * and log "receive illegal vector" in ESR instead. */
void vlapic_set_irr(struct vlapic *vlapic, uint8_t vector, bool level);
/* Highest IRR vector whose priority class beats PPR, or -1. */
int vlapic_pending_vector(const struct vlapic *vlapic);
/* The CPU took 'vector': move it from IRR to ISR. */
void vlapic_ack(struct vlapic *vlapic, uint8_t vector);
uint32_t vlapic_ppr(const struct vlapic *vlapic);

#endif
