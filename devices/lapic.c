/* Local APIC register model (Intel SDM Vol. 3A chapter 11).
 *
 * One register file serves both interfaces: xAPIC MMIO offsets and x2APIC
 * MSRs (MSR = 0x800 + offset/16, SDM 11.12.1.2). vlapic_read_reg() and
 * vlapic_write_reg() hold the single switch over offsets and report what
 * kind of access failed; each interface maps that onto its own rule:
 * xAPIC ignores, x2APIC raises #GP. Register values live in the register
 * page (REG()), so that APIC virtualization reads the same bytes. */
#include "devices/lapic.h"
#include "lib/libc.h"

#define REG(l, off) ((l)->regs[(off) >> 2])

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
#define APIC_DFR_MODEL_FLAT     0xF0000000u
#define APIC_DFR_RESERVED       0x0FFFFFFFu   /* read as all ones */
#define APIC_ICR_HI_XAPIC       0xFF000000u
#define APIC_DCR_WRITABLE       0x0000000Bu   /* bits 0, 1, 3 */

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

static uint32_t lvt_offset(enum vlapic_lvt lvt)
{
	return lvt == VLAPIC_LVT_CMCI ? APIC_OFFSET_CMCI_LVT :
	       APIC_OFFSET_TIMER_LVT + ((uint32_t)(lvt - VLAPIC_LVT_TIMER) << 4);
}

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
	return (REG(vlapic, APIC_OFFSET_SVR) & APIC_SVR_ENABLE) != 0;
}

uint64_t vlapic_mmio_base(const struct vlapic *vlapic)
{
	return vlapic->apicbase & ~0xFFFULL;
}

uint32_t vlapic_reg(const struct vlapic *vlapic, uint32_t offset)
{
	return REG(vlapic, offset);
}

/* Bit 'vector' of a 256-bit register (ISR, TMR, IRR): eight 32-bit
 * registers 16 bytes apart. */
static uint32_t *vec_word(struct vlapic *l, uint32_t base, unsigned vector)
{
	return &REG(l, base + ((vector / 32) << 4));
}

static bool vec_test(const struct vlapic *l, uint32_t base, unsigned vector)
{
	return (REG(l, base + ((vector / 32) << 4)) >> (vector % 32)) & 1;
}

/* Highest set vector in a 256-bit ISR/IRR, or -1. */
static int vec_highest(const struct vlapic *l, uint32_t base)
{
	for (int i = 7; i >= 0; i--) {
		uint32_t w = REG(l, base + ((uint32_t)i << 4));

		if (w != 0)
			return i * 32 + (31 - __builtin_clz(w));
	}
	return -1;
}

int vlapic_highest_irr(const struct vlapic *vlapic)
{
	return vec_highest(vlapic, APIC_OFFSET_IRR0);
}

int vlapic_highest_isr(const struct vlapic *vlapic)
{
	return vec_highest(vlapic, APIC_OFFSET_ISR0);
}

/* SDM 11.8.3.1: PPR = TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4]:0. */
uint32_t vlapic_ppr(const struct vlapic *vlapic)
{
	int isrv = vlapic_highest_isr(vlapic);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xF0;
	uint32_t tpr = REG(vlapic, APIC_OFFSET_TPR);

	if ((tpr & 0xF0) >= isr_class)
		return tpr & 0xFF;
	return isr_class;
}

void vlapic_update_ppr(struct vlapic *vlapic)
{
	REG(vlapic, APIC_OFFSET_PPR) = vlapic_ppr(vlapic);
}

/* SDM 11.8.3.1 (Figure 11-15 note): APR = TPR when TPR[7:4] is at least
 * IRRV[7:4] and above ISRV[7:4], else the highest of the three classes. */
static uint32_t vlapic_apr(const struct vlapic *vlapic)
{
	int isrv = vlapic_highest_isr(vlapic), irrv = vlapic_highest_irr(vlapic);
	uint32_t tpr = REG(vlapic, APIC_OFFSET_TPR);
	uint32_t tpr_c = tpr & 0xF0;
	uint32_t isr_c = isrv < 0 ? 0 : (uint32_t)isrv & 0xF0;
	uint32_t irr_c = irrv < 0 ? 0 : (uint32_t)irrv & 0xF0;
	uint32_t apr;

	if (tpr_c >= irr_c && tpr_c > isr_c)
		return tpr & 0xFF;
	apr = tpr_c;
	if (isr_c > apr)
		apr = isr_c;
	if (irr_c > apr)
		apr = irr_c;
	return apr;
}

uint64_t vlapic_get_cr8(const struct vlapic *vlapic)
{
	return (REG(vlapic, APIC_OFFSET_TPR) >> 4) & 0xF;
}

void vlapic_set_cr8(struct vlapic *vlapic, uint64_t cr8)
{
	REG(vlapic, APIC_OFFSET_TPR) = (uint32_t)(cr8 & 0xF) << 4;
	vlapic_update_ppr(vlapic);
}

/* x2APIC logical ID (SDM 11.12.10.2): cluster in 31:16, one-hot in 15:0. */
static uint32_t vlapic_x2apic_ldr(const struct vlapic *vlapic)
{
	return ((vlapic->id >> 4) << 16) | (1u << (vlapic->id & 0xF));
}

/* The ID and LDR registers as the current mode shows them. */
static void vlapic_set_mode_regs(struct vlapic *vlapic)
{
	if (vlapic_x2apic_mode(vlapic)) {
		REG(vlapic, APIC_OFFSET_ID) = vlapic->id;
		REG(vlapic, APIC_OFFSET_LDR) = vlapic_x2apic_ldr(vlapic);
	} else {
		REG(vlapic, APIC_OFFSET_ID) = (vlapic->id & 0xFF) << 24;
	}
}

static void vlapic_mask_lvts(struct vlapic *vlapic)
{
	for (unsigned i = 0; i < VLAPIC_NLVT; i++)
		REG(vlapic, lvt_offset(i)) |= APIC_LVT_MASKED;
}

/* Register state after power-up, INIT or global disable (SDM 11.4.7.1). */
void vlapic_reset(struct vlapic *vlapic)
{
	vlapic_timer_stop(vlapic);
	memset(vlapic->regs, 0, VLAPIC_MMIO_SIZE);
	vlapic->esr_pending = 0;
	vlapic->tsc_deadline = 0;
	vlapic->timer_mode = APIC_LVT_TIMER_ONESHOT;
	REG(vlapic, APIC_OFFSET_VER) = APIC_VER_VALUE;
	REG(vlapic, APIC_OFFSET_DFR) = 0xFFFFFFFFu;
	REG(vlapic, APIC_OFFSET_SVR) = APIC_SVR_VECTOR;
	for (unsigned i = 0; i < VLAPIC_NLVT; i++)
		REG(vlapic, lvt_offset(i)) = APIC_LVT_MASKED;
	vlapic_set_mode_regs(vlapic);
}

void vlapic_init(struct vlapic *vlapic, uint32_t apic_id, uint32_t *page,
		 const struct vlapic_ops *ops, void *opaque)
{
	memset(vlapic, 0, sizeof(*vlapic));
	vlapic->id = apic_id;
	vlapic->regs = page;
	vlapic->ops = ops;
	vlapic->opaque = opaque;
	vlapic->maxphyaddr = 46;
	vlapic->tsc_khz = vlapic->timer_khz = 1000000;
	vlapic->apicbase = VLAPIC_DEFAULT_BASE | APICBASE_EN |
			   (apic_id == 0 ? APICBASE_BSP : 0);
	vlapic_reset(vlapic);
	/* What firmware leaves on a PC's boot processor (MP spec 3.6.2.2,
	 * virtual wire mode): the 8259's INTR through LINT0 as ExtINT, NMI
	 * on LINT1, so that a guest that never programs its APIC still gets
	 * the PIC's interrupts. The APIC itself stays software-disabled. */
	if (apic_id == 0) {
		REG(vlapic, APIC_OFFSET_LINT0_LVT) = APIC_LVT_DM_EXTINT;
		REG(vlapic, APIC_OFFSET_LINT1_LVT) = APIC_LVT_DM_NMI;
	}
}

/* LINT0 passes the 8259's INTR when it is unmasked in ExtINT mode, or
 * when the APIC is globally disabled (the pin then goes straight to the
 * core, SDM 11.4.3). */
bool vlapic_accepts_extint(const struct vlapic *vlapic)
{
	uint32_t lvt0 = REG(vlapic, APIC_OFFSET_LINT0_LVT);

	if (!(vlapic->apicbase & APICBASE_EN))
		return true;
	return (lvt0 & (APIC_LVT_MASKED | APIC_LVT_DM)) == APIC_LVT_DM_EXTINT;
}

/* An error the APIC detected: recorded for the next ESR write, and
 * signalled through the error LVT (SDM 11.5.3). An unmasked error LVT
 * with an illegal vector (0-15) cannot deliver: that is one more receive
 * error, recorded here, not signalled again (which would recurse for
 * ever on the host's stack). */
static void vlapic_error(struct vlapic *vlapic, uint32_t bits)
{
	uint32_t e = REG(vlapic, APIC_OFFSET_ERROR_LVT);

	vlapic->esr_pending |= bits;
	if (!(e & APIC_LVT_MASKED) && (e & APIC_LVT_VECTOR) < 16) {
		vlapic->esr_pending |= APIC_ESR_RECEIVE_ILLEGAL_VECTOR;
		return;
	}
	vlapic_fire_lvt(vlapic, VLAPIC_LVT_ERROR);
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
		vlapic_error(vlapic, APIC_ESR_SEND_ILLEGAL_VECTOR);
		return;
	}
	if (vlapic->ops && vlapic->ops->send_ipi)
		vlapic->ops->send_ipi(vlapic->opaque, dest, icr_low,
				      vlapic_x2apic_mode(vlapic));
}

/* EOI (SDM 11.8.5): retire the highest in-service vector; a
 * level-triggered one (TMR set at acceptance) is broadcast to the I/O
 * APICs. */
static void vlapic_eoi(struct vlapic *vlapic)
{
	int v = vlapic_highest_isr(vlapic);

	if (v < 0)
		return;
	*vec_word(vlapic, APIC_OFFSET_ISR0, (unsigned)v) &= ~(1u << (v % 32));
	vlapic_update_ppr(vlapic);
	if (vec_test(vlapic, APIC_OFFSET_TMR0, (unsigned)v) && vlapic->ops &&
	    vlapic->ops->eoi_level)
		vlapic->ops->eoi_level(vlapic->opaque, (uint8_t)v);
}

void vlapic_set_irr(struct vlapic *vlapic, uint8_t vector, bool level)
{
	uint32_t bit = 1u << (vector % 32);

	if (vector < 16) {
		vlapic_error(vlapic, APIC_ESR_RECEIVE_ILLEGAL_VECTOR);
		return;
	}
	*vec_word(vlapic, APIC_OFFSET_IRR0, vector) |= bit;
	if (level)
		*vec_word(vlapic, APIC_OFFSET_TMR0, vector) |= bit;
	else
		*vec_word(vlapic, APIC_OFFSET_TMR0, vector) &= ~bit;
}

int vlapic_pending_vector(const struct vlapic *vlapic)
{
	int v = vlapic_highest_irr(vlapic);

	if (v < 0 || !vlapic_sw_enabled(vlapic))
		return -1;
	if (((uint32_t)v & 0xF0) <= (vlapic_ppr(vlapic) & 0xF0))
		return -1;
	return v;
}

void vlapic_ack(struct vlapic *vlapic, uint8_t vector)
{
	*vec_word(vlapic, APIC_OFFSET_IRR0, vector) &= ~(1u << (vector % 32));
	*vec_word(vlapic, APIC_OFFSET_ISR0, vector) |= 1u << (vector % 32);
	vlapic_update_ppr(vlapic);
}

enum vlapic_delivery vlapic_fire_lvt(struct vlapic *vlapic, enum vlapic_lvt lvt)
{
	uint32_t e = REG(vlapic, lvt_offset(lvt));
	enum vlapic_delivery what;

	if (e & APIC_LVT_MASKED)
		return VLAPIC_DELIVER_NONE;
	switch (lvt == VLAPIC_LVT_TIMER || lvt == VLAPIC_LVT_ERROR ? APIC_LVT_DM_FIXED
								   : e & APIC_LVT_DM) {
	case APIC_LVT_DM_FIXED:
		/* LINT pins may be level-triggered; the internal sources are edge. */
		vlapic_set_irr(vlapic, (uint8_t)(e & APIC_LVT_VECTOR),
			       (lvt == VLAPIC_LVT_LINT0 || lvt == VLAPIC_LVT_LINT1) &&
			       (e & APIC_LVT_TRIGGER));
		return VLAPIC_DELIVER_NONE;
	case APIC_LVT_DM_NMI:
		what = VLAPIC_DELIVER_NMI;
		break;
	case APIC_LVT_DM_EXTINT:
		what = VLAPIC_DELIVER_EXTINT;
		break;
	case APIC_LVT_DM_INIT:
		what = VLAPIC_DELIVER_INIT;
		break;
	default:
		return VLAPIC_DELIVER_NONE;     /* SMI: no SMM in a Vireo guest */
	}
	if (vlapic->ops && vlapic->ops->lvt_event)
		vlapic->ops->lvt_event(vlapic->opaque, what);
	return what;
}

/* SDM 11.6.2.2 (xAPIC flat and cluster models), 11.12.10 (x2APIC). */
bool vlapic_match_dest(const struct vlapic *vlapic, uint32_t dest, bool logical)
{
	uint32_t ldr = REG(vlapic, APIC_OFFSET_LDR);

	if (vlapic_x2apic_mode(vlapic)) {
		if (dest == 0xFFFFFFFFu)
			return true;
		if (!logical)
			return dest == vlapic->id;
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xFFFF);
	}
	dest &= 0xFF;
	if (dest == 0xFF)
		return true;
	if (!logical)
		return dest == (vlapic->id & 0xFF);
	ldr >>= 24;
	if ((REG(vlapic, APIC_OFFSET_DFR) & APIC_DFR_MODEL) == APIC_DFR_MODEL_FLAT)
		return (dest & ldr) != 0;
	return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xF);
}

static bool is_vec_reg(uint32_t offset, uint32_t base)
{
	return offset >= base && offset < base + 0x80 && !(offset & 0xF);
}

static enum reg_result vlapic_read_reg(struct vlapic *vlapic, uint32_t offset,
				       bool x2apic, uint64_t *val)
{
	*val = 0;
	if (is_vec_reg(offset, APIC_OFFSET_ISR0) || is_vec_reg(offset, APIC_OFFSET_TMR0) ||
	    is_vec_reg(offset, APIC_OFFSET_IRR0)) {
		*val = REG(vlapic, offset);
		return REG_OK;
	}
	switch (offset) {
	case APIC_OFFSET_ID: case APIC_OFFSET_VER: case APIC_OFFSET_TPR:
	case APIC_OFFSET_LDR: case APIC_OFFSET_SVR: case APIC_OFFSET_ESR:
	case APIC_OFFSET_CMCI_LVT: case APIC_OFFSET_TIMER_LVT: case APIC_OFFSET_THERM_LVT:
	case APIC_OFFSET_PERF_LVT: case APIC_OFFSET_LINT0_LVT: case APIC_OFFSET_LINT1_LVT:
	case APIC_OFFSET_ERROR_LVT: case APIC_OFFSET_TIMER_ICR: case APIC_OFFSET_TIMER_DCR:
		*val = REG(vlapic, offset);
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
	case APIC_OFFSET_DFR:
		if (x2apic)
			return REG_RESERVED;
		*val = REG(vlapic, offset);
		break;
	case APIC_OFFSET_ICR_LOW:
		/* Delivery status is always idle: sends complete at once. */
		*val = REG(vlapic, offset);
		if (x2apic)
			*val |= (uint64_t)REG(vlapic, APIC_OFFSET_ICR_HI) << 32;
		break;
	case APIC_OFFSET_ICR_HI:
		/* x2APIC folds ICR into one 64-bit MSR at 0x830. */
		if (x2apic)
			return REG_RESERVED;
		*val = REG(vlapic, offset);
		break;
	case APIC_OFFSET_TIMER_CCR:
		*val = vlapic_timer_ccr(vlapic);
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
	REG(vlapic, APIC_OFFSET_SVR) = v & APIC_SVR_WRITABLE;
	/* SDM 11.4.7.2: software disable sets every LVT mask bit. */
	if (!(v & APIC_SVR_ENABLE))
		vlapic_mask_lvts(vlapic);
	return REG_OK;
}

static enum reg_result vlapic_write_lvt(struct vlapic *vlapic, enum vlapic_lvt lvt,
					uint32_t v, bool x2apic)
{
	uint32_t off = lvt_offset(lvt);

	if (x2apic && (v & ~lvt_writable[lvt]))
		return REG_RSVD_BITS;
	v &= lvt_writable[lvt];
	/* While software-disabled the mask bits cannot be cleared. */
	if (!vlapic_sw_enabled(vlapic))
		v |= APIC_LVT_MASKED;
	REG(vlapic, off) = v;
	if (lvt == VLAPIC_LVT_TIMER) {
		/* The mode in force is the one last applied, not the page's:
		 * an APIC-write exit comes after the CPU stored the new LVT. */
		vlapic_timer_write_lvt(vlapic, vlapic->timer_mode);
		vlapic->timer_mode = v & APIC_LVT_TIMER_MODE;
	}
	return REG_OK;
}

static enum reg_result vlapic_write_icr(struct vlapic *vlapic, bool x2apic, uint64_t val)
{
	uint32_t v = (uint32_t)val;

	if (x2apic) {
		if (v & ~APIC_ICR_WRITABLE)
			return REG_RSVD_BITS;
		REG(vlapic, APIC_OFFSET_ICR_HI) = (uint32_t)(val >> 32);
	}
	REG(vlapic, APIC_OFFSET_ICR_LOW) = v & APIC_ICR_WRITABLE;
	vlapic_send(vlapic, x2apic ? REG(vlapic, APIC_OFFSET_ICR_HI) :
				     REG(vlapic, APIC_OFFSET_ICR_HI) >> 24,
		    v & APIC_ICR_WRITABLE);
	return REG_OK;
}

/* 'val' is the 32-bit register value, or the whole MSR for x2APIC (only
 * ICR uses the upper half; the caller rejected it for the others). */
static enum reg_result vlapic_write_reg(struct vlapic *vlapic, uint32_t offset,
					bool x2apic, uint64_t val)
{
	uint32_t v = (uint32_t)val;

	if (is_vec_reg(offset, APIC_OFFSET_ISR0) || is_vec_reg(offset, APIC_OFFSET_TMR0) ||
	    is_vec_reg(offset, APIC_OFFSET_IRR0))
		return REG_READ_ONLY;
	switch (offset) {
	case APIC_OFFSET_ID:
	case APIC_OFFSET_VER:
	case APIC_OFFSET_PPR:
	case APIC_OFFSET_TIMER_CCR:
		/* The xAPIC ID is writable on some CPUs; we keep it fixed
		 * because the host routes IPIs by it. */
		return REG_READ_ONLY;
	case APIC_OFFSET_APR:
		/* Read-only in xAPIC, absent in x2APIC. */
		return x2apic ? REG_RESERVED : REG_READ_ONLY;
	case APIC_OFFSET_TPR:
		if (x2apic && (v & ~APIC_TPR_WRITABLE))
			return REG_RSVD_BITS;
		REG(vlapic, offset) = v & APIC_TPR_WRITABLE;
		vlapic_update_ppr(vlapic);
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
		REG(vlapic, offset) = v & APIC_LDR_XAPIC_WRITABLE;
		break;
	case APIC_OFFSET_DFR:
		if (x2apic)
			return REG_RESERVED;
		REG(vlapic, offset) = (v & APIC_DFR_MODEL) | APIC_DFR_RESERVED;
		break;
	case APIC_OFFSET_SVR:
		return vlapic_write_svr(vlapic, v, x2apic);
	case APIC_OFFSET_ESR:
		/* SDM 11.5.3: a write latches the errors seen since the last
		 * write (and clears them); the value written is ignored,
		 * except that x2APIC only accepts 0. */
		if (x2apic && v != 0)
			return REG_RSVD_BITS;
		REG(vlapic, offset) = vlapic->esr_pending;
		vlapic->esr_pending = 0;
		break;
	case APIC_OFFSET_ICR_LOW:
		return vlapic_write_icr(vlapic, x2apic, val);
	case APIC_OFFSET_ICR_HI:
		if (x2apic)
			return REG_RESERVED;
		REG(vlapic, offset) = v & APIC_ICR_HI_XAPIC;
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
		REG(vlapic, offset) = v;
		vlapic_timer_write_icr(vlapic, v);
		break;
	case APIC_OFFSET_TIMER_DCR:
		if (x2apic && (v & ~APIC_DCR_WRITABLE))
			return REG_RSVD_BITS;
		REG(vlapic, offset) = v & APIC_DCR_WRITABLE;
		break;
	case APIC_OFFSET_SELF_IPI:
		/* SDM 11.12.11: a fixed, edge, self-directed IPI. */
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

/* The CPU already stored the guest's value at 'offset' (SDM 30.4.3.3):
 * run the write as if it came through MMIO or WRMSR. */
void vlapic_apic_write(struct vlapic *vlapic, uint32_t offset)
{
	uint64_t val = REG(vlapic, offset & 0xFF0);
	bool x2 = vlapic_x2apic_mode(vlapic);

	if (x2 && (offset & 0xFF0) == APIC_OFFSET_ICR_LOW)
		val |= (uint64_t)REG(vlapic, APIC_OFFSET_ICR_HI) << 32;
	/* The ID register is one the CPU lets the guest store into (SDM
	 * 30.4.3.2); it stays fixed here, so put it back. */
	if (vlapic_write_reg(vlapic, offset & 0xFF0, x2, val) == REG_READ_ONLY &&
	    (offset & 0xFF0) == APIC_OFFSET_ID)
		vlapic_set_mode_regs(vlapic);
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
		vlapic_reset(vlapic);
	}
	/* xAPIC -> x2APIC keeps register state; ID and LDR take their
	 * x2APIC forms (SDM 11.12.5.1). */
	vlapic_set_mode_regs(vlapic);
	return 0;
}
