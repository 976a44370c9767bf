/* Local APIC register model (Intel SDM Vol. 3A chapter 11).
 *
 * One register file serves both interfaces: xAPIC MMIO offsets and x2APIC
 * MSRs (MSR = 0x800 + offset/16, SDM 11.12.1.2). vlapic_read_reg() and
 * vlapic_write_reg() hold the single switch over offsets and report what
 * kind of access failed; each interface maps that onto its own rule:
 * xAPIC ignores, x2APIC raises #GP.
 *
 * Not modelled yet: the timer countdown (current count reads 0: the timer
 * never runs), interrupt delivery to the vCPU, EOI broadcast to the I/O
 * APIC for level-triggered vectors, INIT/SIPI reset. */
#include "devices/lapic.h"
#include "lib/libc.h"

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
#define APIC_OFFSET_ISR1        0x110
#define APIC_OFFSET_ISR2        0x120
#define APIC_OFFSET_ISR3        0x130
#define APIC_OFFSET_ISR4        0x140
#define APIC_OFFSET_ISR5        0x150
#define APIC_OFFSET_ISR6        0x160
#define APIC_OFFSET_ISR7        0x170
#define APIC_OFFSET_TMR0        0x180
#define APIC_OFFSET_TMR1        0x190
#define APIC_OFFSET_TMR2        0x1A0
#define APIC_OFFSET_TMR3        0x1B0
#define APIC_OFFSET_TMR4        0x1C0
#define APIC_OFFSET_TMR5        0x1D0
#define APIC_OFFSET_TMR6        0x1E0
#define APIC_OFFSET_TMR7        0x1F0
#define APIC_OFFSET_IRR0        0x200
#define APIC_OFFSET_IRR1        0x210
#define APIC_OFFSET_IRR2        0x220
#define APIC_OFFSET_IRR3        0x230
#define APIC_OFFSET_IRR4        0x240
#define APIC_OFFSET_IRR5        0x250
#define APIC_OFFSET_IRR6        0x260
#define APIC_OFFSET_IRR7        0x270
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

/* Version register (SDM 11.4.8): version 0x14 (integrated xAPIC), max LVT
 * entry index in bits 23:16, bit 24 (EOI-broadcast suppression) clear. */
#define APIC_VERSION            0x14u
#define APIC_VER_VALUE          (APIC_VERSION | ((VLAPIC_NLVT - 1u) << 16))

#define APIC_SVR_VECTOR         0x000000FFu
#define APIC_SVR_ENABLE         0x00000100u
#define APIC_SVR_FOCUS          0x00000200u
#define APIC_SVR_WRITABLE       (APIC_SVR_VECTOR | APIC_SVR_ENABLE | APIC_SVR_FOCUS)

#define APIC_TPR_WRITABLE       0x000000FFu
#define APIC_LDR_XAPIC_WRITABLE 0xFF000000u
#define APIC_DFR_MODEL          0xF0000000u
#define APIC_DFR_RESERVED       0x0FFFFFFFu   /* read as all ones */
#define APIC_ICR_HI_XAPIC       0xFF000000u
#define APIC_DCR_WRITABLE       0x0000000Bu   /* bits 0, 1, 3 */

/* LVT fields, SDM Figure 11-8. */
#define APIC_LVT_VECTOR         0x000000FFu
#define APIC_LVT_DM             0x00000700u
#define APIC_LVT_DS             0x00001000u   /* delivery status, RO */
#define APIC_LVT_POLARITY       0x00002000u
#define APIC_LVT_REMOTE_IRR     0x00004000u   /* RO */
#define APIC_LVT_TRIGGER        0x00008000u
#define APIC_LVT_MASKED         0x00010000u
#define APIC_LVT_TIMER_MODE     0x00060000u   /* one-shot/periodic/TSC-dl */

/* ICR low fields, SDM Figure 11-12. */
#define APIC_ICR_VECTOR         0x000000FFu
#define APIC_ICR_DM             0x00000700u
#define APIC_ICR_DM_FIXED       0x00000000u
#define APIC_ICR_DM_LOWPRI      0x00000100u
#define APIC_ICR_DESTMODE       0x00000800u
#define APIC_ICR_DS             0x00001000u   /* delivery status: RO, 0 */
#define APIC_ICR_LEVEL          0x00004000u
#define APIC_ICR_TRIGGER        0x00008000u
#define APIC_ICR_SHORTHAND      0x000C0000u
#define APIC_ICR_SHORT_SELF     0x00040000u
#define APIC_ICR_WRITABLE       (APIC_ICR_VECTOR | APIC_ICR_DM | \
				 APIC_ICR_DESTMODE | APIC_ICR_LEVEL | \
				 APIC_ICR_TRIGGER | APIC_ICR_SHORTHAND)

/* ESR bits, SDM Figure 11-9. */
#define APIC_ESR_SEND_ILLEGAL_VECTOR    0x20u
#define APIC_ESR_RECEIVE_ILLEGAL_VECTOR 0x40u

/* Outcome of a register access, mapped per interface by the callers. */
enum reg_result {
	REG_OK,
	REG_RESERVED,           /* no such register in this mode */
	REG_READ_ONLY,          /* write to a read-only register */
	REG_WRITE_ONLY,         /* read of a write-only register */
	REG_RSVD_BITS,          /* x2APIC write with reserved bits set */
};

/* Writable bits per LVT, in enum vlapic_lvt order. */
static const uint32_t lvt_writable[VLAPIC_NLVT] = {
	[VLAPIC_LVT_CMCI] = APIC_LVT_VECTOR | APIC_LVT_DM | APIC_LVT_MASKED,
	[VLAPIC_LVT_TIMER] = APIC_LVT_VECTOR | APIC_LVT_MASKED |
			     APIC_LVT_TIMER_MODE,
	[VLAPIC_LVT_THERMAL] = APIC_LVT_VECTOR | APIC_LVT_DM | APIC_LVT_MASKED,
	[VLAPIC_LVT_PERF] = APIC_LVT_VECTOR | APIC_LVT_DM | APIC_LVT_MASKED,
	[VLAPIC_LVT_LINT0] = APIC_LVT_VECTOR | APIC_LVT_DM |
			     APIC_LVT_POLARITY | APIC_LVT_TRIGGER |
			     APIC_LVT_MASKED,
	[VLAPIC_LVT_LINT1] = APIC_LVT_VECTOR | APIC_LVT_DM |
			     APIC_LVT_POLARITY | APIC_LVT_TRIGGER |
			     APIC_LVT_MASKED,
	[VLAPIC_LVT_ERROR] = APIC_LVT_VECTOR | APIC_LVT_MASKED,
};

bool vlapic_x2apic_mode(const struct vlapic *vlapic)
{
	return (vlapic->apicbase & (APICBASE_EN | APICBASE_EXTD)) ==
	       (APICBASE_EN | APICBASE_EXTD);
}

bool vlapic_xapic_mmio_enabled(const struct vlapic *vlapic)
{
	return (vlapic->apicbase & (APICBASE_EN | APICBASE_EXTD)) ==
	       APICBASE_EN;
}

bool vlapic_sw_enabled(const struct vlapic *vlapic)
{
	return (vlapic->svr & APIC_SVR_ENABLE) != 0;
}

uint64_t vlapic_mmio_base(const struct vlapic *vlapic)
{
	return vlapic->apicbase & ~0xFFFULL;
}

/* Highest set vector in a 256-bit ISR/IRR, or -1. */
static int vlapic_highest(const uint32_t reg[8])
{
	for (int i = 7; i >= 0; i--) {
		if (reg[i] != 0)
			return i * 32 + (31 - __builtin_clz(reg[i]));
	}
	return -1;
}

/* SDM 11.8.3.1: PPR = TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4]:0. */
uint32_t vlapic_ppr(const struct vlapic *vlapic)
{
	int isrv = vlapic_highest(vlapic->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xF0;

	if ((vlapic->tpr & 0xF0) >= isr_class)
		return vlapic->tpr & 0xFF;
	return isr_class;
}

/* SDM 11.8.3.1 (Figure 11-15 note): APR = TPR when TPR[7:4] is at least
 * IRRV[7:4] and above ISRV[7:4], else the highest of the three classes. */
static uint32_t vlapic_apr(const struct vlapic *vlapic)
{
	int isrv = vlapic_highest(vlapic->isr), irrv = vlapic_highest(vlapic->irr);
	uint32_t tpr_c = vlapic->tpr & 0xF0;
	uint32_t isr_c = isrv < 0 ? 0 : (uint32_t)isrv & 0xF0;
	uint32_t irr_c = irrv < 0 ? 0 : (uint32_t)irrv & 0xF0;
	uint32_t apr;

	if (tpr_c >= irr_c && tpr_c > isr_c)
		return vlapic->tpr & 0xFF;
	apr = tpr_c;
	if (isr_c > apr)
		apr = isr_c;
	if (irr_c > apr)
		apr = irr_c;
	return apr;
}

/* x2APIC logical ID (SDM 11.12.10.2): cluster in 31:16, one-hot in 15:0. */
static uint32_t vlapic_x2apic_ldr(const struct vlapic *vlapic)
{
	return ((vlapic->id >> 4) << 16) | (1u << (vlapic->id & 0xF));
}

static void vlapic_mask_lvts(struct vlapic *vlapic)
{
	for (unsigned i = 0; i < VLAPIC_NLVT; i++)
		vlapic->lvt[i] |= APIC_LVT_MASKED;
}

/* Register state after power-up/reset (SDM 11.4.7.1); ID, APIC base and
 * callbacks are kept by the callers. */
static void vlapic_reset_regs(struct vlapic *vlapic)
{
	vlapic->tpr = 0;
	vlapic->ldr = 0;
	vlapic->dfr = 0xFFFFFFFFu;
	vlapic->svr = APIC_SVR_VECTOR;
	vlapic->esr = 0;
	vlapic->esr_pending = 0;
	memset(vlapic->isr, 0, sizeof(vlapic->isr));
	memset(vlapic->tmr, 0, sizeof(vlapic->tmr));
	memset(vlapic->irr, 0, sizeof(vlapic->irr));
	vlapic->icr_lo = 0;
	vlapic->icr_hi = 0;
	for (unsigned i = 0; i < VLAPIC_NLVT; i++)
		vlapic->lvt[i] = APIC_LVT_MASKED;
	vlapic->timer_icr = 0;
	vlapic->timer_dcr = 0;
}

void vlapic_init(struct vlapic *vlapic, uint32_t apic_id,
		 void (*send_ipi)(void *opaque, uint32_t dest,
				  uint32_t icr_low, bool x2apic),
		 void *opaque)
{
	memset(vlapic, 0, sizeof(*vlapic));
	vlapic->id = apic_id;
	vlapic->send_ipi = send_ipi;
	vlapic->opaque = opaque;
	vlapic->maxphyaddr = 46;
	vlapic->apicbase = VLAPIC_DEFAULT_BASE | APICBASE_EN |
			   (apic_id == 0 ? APICBASE_BSP : 0);
	vlapic_reset_regs(vlapic);
}

/* Fixed and lowest-priority messages carry a vector; 0-15 are illegal
 * (SDM 11.5.3) and the message is not sent. */
static bool vlapic_ipi_vector_illegal(uint32_t icr_low)
{
	uint32_t dm = icr_low & APIC_ICR_DM;

	return (dm == APIC_ICR_DM_FIXED || dm == APIC_ICR_DM_LOWPRI) &&
	       (icr_low & APIC_ICR_VECTOR) < 16;
}

static void vlapic_send(struct vlapic *vlapic, uint32_t dest, uint32_t icr_low)
{
	if (vlapic_ipi_vector_illegal(icr_low)) {
		vlapic->esr_pending |= APIC_ESR_SEND_ILLEGAL_VECTOR;
		return;
	}
	if (vlapic->send_ipi != NULL)
		vlapic->send_ipi(vlapic->opaque, dest, icr_low,
				 vlapic_x2apic_mode(vlapic));
}

/* EOI (SDM 11.8.5): retire the highest in-service vector. TMR is left
 * alone: it records the trigger mode of the last acceptance, which is what
 * a future I/O APIC EOI broadcast will consult. */
static void vlapic_eoi(struct vlapic *vlapic)
{
	int v = vlapic_highest(vlapic->isr);

	if (v < 0)
		return;
	vlapic->isr[v / 32] &= ~(1u << (v % 32));
}

void vlapic_set_irr(struct vlapic *vlapic, uint8_t vector, bool level)
{
	if (vector < 16) {
		vlapic->esr_pending |= APIC_ESR_RECEIVE_ILLEGAL_VECTOR;
		return;
	}
	vlapic->irr[vector / 32] |= 1u << (vector % 32);
	if (level)
		vlapic->tmr[vector / 32] |= 1u << (vector % 32);
	else
		vlapic->tmr[vector / 32] &= ~(1u << (vector % 32));
}

int vlapic_pending_vector(const struct vlapic *vlapic)
{
	int v = vlapic_highest(vlapic->irr);

	if (v < 0 || !vlapic_sw_enabled(vlapic))
		return -1;
	if (((uint32_t)v & 0xF0) <= (vlapic_ppr(vlapic) & 0xF0))
		return -1;
	return v;
}

void vlapic_ack(struct vlapic *vlapic, uint8_t vector)
{
	vlapic->irr[vector / 32] &= ~(1u << (vector % 32));
	vlapic->isr[vector / 32] |= 1u << (vector % 32);
}

static enum reg_result vlapic_read_reg(struct vlapic *vlapic, uint32_t offset,
				       bool x2apic, uint64_t *val)
{
	unsigned idx = (offset >> 4) & 7;  /* ISR/TMR/IRR word index */

	*val = 0;
	switch (offset) {
	case APIC_OFFSET_ID:
		*val = x2apic ? vlapic->id : (vlapic->id & 0xFF) << 24;
		break;
	case APIC_OFFSET_VER:
		*val = APIC_VER_VALUE;
		break;
	case APIC_OFFSET_TPR:
		*val = vlapic->tpr;
		break;
	case APIC_OFFSET_APR:
		/* Not in the x2APIC MSR map (SDM Table 11-6). */
		if (x2apic)
			return REG_RESERVED;
		*val = vlapic_apr(vlapic);
		break;
	case APIC_OFFSET_PPR:
		*val = vlapic_ppr(vlapic);
		break;
	case APIC_OFFSET_EOI:
		return REG_WRITE_ONLY;
	case APIC_OFFSET_LDR:
		*val = x2apic ? vlapic_x2apic_ldr(vlapic) : vlapic->ldr;
		break;
	case APIC_OFFSET_DFR:
		if (x2apic)
			return REG_RESERVED;
		*val = vlapic->dfr;
		break;
	case APIC_OFFSET_SVR:
		*val = vlapic->svr;
		break;
	case APIC_OFFSET_ISR0: case APIC_OFFSET_ISR1: case APIC_OFFSET_ISR2:
	case APIC_OFFSET_ISR3: case APIC_OFFSET_ISR4: case APIC_OFFSET_ISR5:
	case APIC_OFFSET_ISR6: case APIC_OFFSET_ISR7:
		*val = vlapic->isr[idx];
		break;
	case APIC_OFFSET_TMR0: case APIC_OFFSET_TMR1: case APIC_OFFSET_TMR2:
	case APIC_OFFSET_TMR3: case APIC_OFFSET_TMR4: case APIC_OFFSET_TMR5:
	case APIC_OFFSET_TMR6: case APIC_OFFSET_TMR7:
		*val = vlapic->tmr[(offset - APIC_OFFSET_TMR0) >> 4];
		break;
	case APIC_OFFSET_IRR0: case APIC_OFFSET_IRR1: case APIC_OFFSET_IRR2:
	case APIC_OFFSET_IRR3: case APIC_OFFSET_IRR4: case APIC_OFFSET_IRR5:
	case APIC_OFFSET_IRR6: case APIC_OFFSET_IRR7:
		*val = vlapic->irr[idx];
		break;
	case APIC_OFFSET_ESR:
		*val = vlapic->esr;
		break;
	case APIC_OFFSET_ICR_LOW:
		/* Delivery status is always idle: sends complete at once. */
		*val = vlapic->icr_lo;
		if (x2apic)
			*val |= (uint64_t)vlapic->icr_hi << 32;
		break;
	case APIC_OFFSET_ICR_HI:
		/* x2APIC folds ICR into one 64-bit MSR at 0x830. */
		if (x2apic)
			return REG_RESERVED;
		*val = vlapic->icr_hi;
		break;
	case APIC_OFFSET_CMCI_LVT:
		*val = vlapic->lvt[VLAPIC_LVT_CMCI];
		break;
	case APIC_OFFSET_TIMER_LVT: case APIC_OFFSET_THERM_LVT:
	case APIC_OFFSET_PERF_LVT: case APIC_OFFSET_LINT0_LVT:
	case APIC_OFFSET_LINT1_LVT: case APIC_OFFSET_ERROR_LVT:
		*val = vlapic->lvt[VLAPIC_LVT_TIMER +
				   ((offset - APIC_OFFSET_TIMER_LVT) >> 4)];
		break;
	case APIC_OFFSET_TIMER_ICR:
		*val = vlapic->timer_icr;
		break;
	case APIC_OFFSET_TIMER_CCR:
		*val = 0;       /* the timer never runs in this model */
		break;
	case APIC_OFFSET_TIMER_DCR:
		*val = vlapic->timer_dcr;
		break;
	case APIC_OFFSET_SELF_IPI:
		return x2apic ? REG_WRITE_ONLY : REG_RESERVED;
	default:
		return REG_RESERVED;
	}
	return REG_OK;
}

static enum reg_result vlapic_write_svr(struct vlapic *vlapic, uint32_t v,
					bool x2apic)
{
	if (x2apic && (v & ~APIC_SVR_WRITABLE))
		return REG_RSVD_BITS;
	vlapic->svr = v & APIC_SVR_WRITABLE;
	/* SDM 11.4.7.2: software disable sets every LVT mask bit. */
	if (!(vlapic->svr & APIC_SVR_ENABLE))
		vlapic_mask_lvts(vlapic);
	return REG_OK;
}

static enum reg_result vlapic_write_lvt(struct vlapic *vlapic, unsigned lvt,
					uint32_t v, bool x2apic)
{
	if (x2apic && (v & ~lvt_writable[lvt]))
		return REG_RSVD_BITS;
	v &= lvt_writable[lvt];
	/* While software-disabled the mask bits cannot be cleared. */
	if (!vlapic_sw_enabled(vlapic))
		v |= APIC_LVT_MASKED;
	vlapic->lvt[lvt] = v;
	return REG_OK;
}

/* 'val' is the 32-bit register value, or the whole MSR for x2APIC (only
 * ICR uses the upper half; the caller rejected it for the others). */
static enum reg_result vlapic_write_reg(struct vlapic *vlapic, uint32_t offset,
					bool x2apic, uint64_t val)
{
	uint32_t v = (uint32_t)val;

	switch (offset) {
	case APIC_OFFSET_ID:
	case APIC_OFFSET_VER:
	case APIC_OFFSET_PPR:
	case APIC_OFFSET_TIMER_CCR:
	case APIC_OFFSET_ISR0: case APIC_OFFSET_ISR1: case APIC_OFFSET_ISR2:
	case APIC_OFFSET_ISR3: case APIC_OFFSET_ISR4: case APIC_OFFSET_ISR5:
	case APIC_OFFSET_ISR6: case APIC_OFFSET_ISR7:
	case APIC_OFFSET_TMR0: case APIC_OFFSET_TMR1: case APIC_OFFSET_TMR2:
	case APIC_OFFSET_TMR3: case APIC_OFFSET_TMR4: case APIC_OFFSET_TMR5:
	case APIC_OFFSET_TMR6: case APIC_OFFSET_TMR7:
	case APIC_OFFSET_IRR0: case APIC_OFFSET_IRR1: case APIC_OFFSET_IRR2:
	case APIC_OFFSET_IRR3: case APIC_OFFSET_IRR4: case APIC_OFFSET_IRR5:
	case APIC_OFFSET_IRR6: case APIC_OFFSET_IRR7:
		/* The xAPIC ID is writable on some CPUs; we keep it fixed
		 * because the host routes IPIs by it. */
		return REG_READ_ONLY;
	case APIC_OFFSET_APR:
		/* Read-only in xAPIC, absent in x2APIC. */
		return x2apic ? REG_RESERVED : REG_READ_ONLY;
	case APIC_OFFSET_TPR:
		if (x2apic && (v & ~APIC_TPR_WRITABLE))
			return REG_RSVD_BITS;
		vlapic->tpr = v & APIC_TPR_WRITABLE;
		break;
	case APIC_OFFSET_EOI:
		/* x2APIC: only 0 may be written (SDM 11.8.5). */
		if (x2apic && v != 0)
			return REG_RSVD_BITS;
		vlapic_eoi(vlapic);
		break;
	case APIC_OFFSET_LDR:
		/* x2APIC LDR is derived from the ID and read-only. */
		if (x2apic)
			return REG_READ_ONLY;
		vlapic->ldr = v & APIC_LDR_XAPIC_WRITABLE;
		break;
	case APIC_OFFSET_DFR:
		if (x2apic)
			return REG_RESERVED;
		vlapic->dfr = (v & APIC_DFR_MODEL) | APIC_DFR_RESERVED;
		break;
	case APIC_OFFSET_SVR:
		return vlapic_write_svr(vlapic, v, x2apic);
	case APIC_OFFSET_ESR:
		/* SDM 11.5.3: a write latches the errors seen since the last
		 * write (and clears them); the value written is ignored,
		 * except that x2APIC only accepts 0. */
		if (x2apic && v != 0)
			return REG_RSVD_BITS;
		vlapic->esr = vlapic->esr_pending;
		vlapic->esr_pending = 0;
		break;
	case APIC_OFFSET_ICR_LOW:
		if (x2apic) {
			if (v & ~APIC_ICR_WRITABLE)
				return REG_RSVD_BITS;
			vlapic->icr_hi = (uint32_t)(val >> 32);
		}
		vlapic->icr_lo = v & APIC_ICR_WRITABLE;
		vlapic_send(vlapic, x2apic ? vlapic->icr_hi : vlapic->icr_hi >> 24,
			    vlapic->icr_lo);
		break;
	case APIC_OFFSET_ICR_HI:
		if (x2apic)
			return REG_RESERVED;
		vlapic->icr_hi = v & APIC_ICR_HI_XAPIC;
		break;
	case APIC_OFFSET_CMCI_LVT:
		return vlapic_write_lvt(vlapic, VLAPIC_LVT_CMCI, v, x2apic);
	case APIC_OFFSET_TIMER_LVT: case APIC_OFFSET_THERM_LVT:
	case APIC_OFFSET_PERF_LVT: case APIC_OFFSET_LINT0_LVT:
	case APIC_OFFSET_LINT1_LVT: case APIC_OFFSET_ERROR_LVT:
		return vlapic_write_lvt(vlapic, VLAPIC_LVT_TIMER +
					((offset - APIC_OFFSET_TIMER_LVT) >> 4),
					v, x2apic);
	case APIC_OFFSET_TIMER_ICR:
		/* Stored only; the countdown arrives with the timer issue. */
		vlapic->timer_icr = v;
		break;
	case APIC_OFFSET_TIMER_DCR:
		if (x2apic && (v & ~APIC_DCR_WRITABLE))
			return REG_RSVD_BITS;
		vlapic->timer_dcr = v & APIC_DCR_WRITABLE;
		break;
	case APIC_OFFSET_SELF_IPI:
		/* SDM 11.12.11: a fixed, edge, self-directed IPI; the host
		 * delivers it like any other (shorthand "self"). */
		if (!x2apic)
			return REG_RESERVED;
		if (v & ~APIC_ICR_VECTOR)
			return REG_RSVD_BITS;
		vlapic_send(vlapic, vlapic->id,
			    APIC_ICR_SHORT_SELF | APIC_ICR_DM_FIXED | v);
		break;
	default:
		return REG_RESERVED;
	}
	return REG_OK;
}

/* xAPIC registers sit on 16-byte boundaries; only an aligned 32-bit access
 * to the first dword is defined (SDM 11.4.1). */
static bool vlapic_mmio_access_ok(uint32_t offset, unsigned size)
{
	return size == 4 && (offset & 0xF) == 0 && offset < VLAPIC_MMIO_SIZE;
}

int vlapic_mmio_read(struct vlapic *vlapic, uint32_t offset, unsigned size,
		     uint64_t *val)
{
	*val = 0;
	if (!vlapic_xapic_mmio_enabled(vlapic))
		return VLAPIC_MMIO_DISABLED;
	if (!vlapic_mmio_access_ok(offset, size))
		return VLAPIC_MMIO_BAD_ACCESS;
	if (vlapic_read_reg(vlapic, offset, false, val) != REG_OK) {
		*val = 0;
		return VLAPIC_MMIO_IGNORED;
	}
	return VLAPIC_MMIO_OK;
}

int vlapic_mmio_write(struct vlapic *vlapic, uint32_t offset, unsigned size,
		      uint64_t val)
{
	if (!vlapic_xapic_mmio_enabled(vlapic))
		return VLAPIC_MMIO_DISABLED;
	if (!vlapic_mmio_access_ok(offset, size))
		return VLAPIC_MMIO_BAD_ACCESS;
	if (vlapic_write_reg(vlapic, offset, false, (uint32_t)val) != REG_OK)
		return VLAPIC_MMIO_IGNORED;
	return VLAPIC_MMIO_OK;
}

static bool vlapic_msr_offset(struct vlapic *vlapic, uint32_t msr,
			      uint32_t *offset)
{
	if (!vlapic_x2apic_mode(vlapic))
		return false;
	if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST)
		return false;
	*offset = (msr - MSR_X2APIC_FIRST) << 4;
	return true;
}

/* SDM 11.12.1.2: reserved MSRs, RDMSR of write-only and WRMSR of read-only
 * registers all #GP; so does any access while x2APIC mode is off. */
int vlapic_rdmsr(struct vlapic *vlapic, uint32_t msr, uint64_t *val)
{
	uint32_t offset;

	*val = 0;
	if (!vlapic_msr_offset(vlapic, msr, &offset))
		return -1;
	if (vlapic_read_reg(vlapic, offset, true, val) != REG_OK) {
		*val = 0;
		return -1;
	}
	return 0;
}

int vlapic_wrmsr(struct vlapic *vlapic, uint32_t msr, uint64_t val)
{
	uint32_t offset;

	if (!vlapic_msr_offset(vlapic, msr, &offset))
		return -1;
	/* Only ICR is 64 bits wide; the upper half of the others is
	 * reserved (as Xen's guest_wrmsr_x2apic enforces). */
	if (offset != APIC_OFFSET_ICR_LOW && (val >> 32) != 0)
		return -1;
	return vlapic_write_reg(vlapic, offset, true, val) == REG_OK ? 0 : -1;
}

uint64_t vlapic_get_apicbase(const struct vlapic *vlapic)
{
	return vlapic->apicbase;
}

/* SDM 11.12.5 / Figure 11-27. Legal: disabled -> xAPIC, xAPIC -> x2APIC,
 * any -> disabled, and staying in a mode. EN=0 with EXTD=1 is invalid;
 * x2APIC -> xAPIC and disabled -> x2APIC are illegal (as KVM enforces). */
int vlapic_set_apicbase(struct vlapic *vlapic, uint64_t val)
{
	uint64_t rsvd = 0xFFULL | (1ULL << 9) |
			(vlapic->maxphyaddr >= 64 ? 0 :
			 ~0ULL << vlapic->maxphyaddr);
	bool old_en = vlapic->apicbase & APICBASE_EN;
	bool old_x2 = vlapic_x2apic_mode(vlapic);
	bool new_en = val & APICBASE_EN, new_x2 = val & APICBASE_EXTD;

	if (val & rsvd)
		return -1;
	if (!new_en && new_x2)
		return -1;                      /* invalid state */
	if (old_x2 && new_en && !new_x2)
		return -1;                      /* x2APIC -> xAPIC */
	if (!old_en && new_x2)
		return -1;                      /* disabled -> x2APIC */

	/* The BSP flag is a read-only property of this vCPU. */
	vlapic->apicbase = (val & ~APICBASE_BSP) |
			   (vlapic->apicbase & APICBASE_BSP);
	if (old_en && !new_en) {
		/* Global disable returns the APIC to its power-up state
		 * (SDM 11.4.3); the ID and base survive. */
		vlapic_reset_regs(vlapic);
	}
	/* xAPIC -> x2APIC keeps register state; the LDR becomes the
	 * derived x2APIC logical ID, computed on read. */
	return 0;
}
