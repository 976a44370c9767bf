/* FUZZ-DEPS: devices/lapic.c devices/lapic_timer.c
 *
 * libFuzzer target for the local APIC (devices/lapic.c, lapic_timer.c).
 * The input picks the APIC ID and clock rates, then a sequence of xAPIC
 * MMIO accesses (any offset and width), x2APIC MSR accesses, IA32_APIC_BASE
 * writes, interrupt deliveries, INTA cycles, EOIs, LVT sources firing,
 * CR8 and TSC-deadline writes, APIC-virtualization writes, INIT, time
 * advances and timer expiries. Self IPIs are delivered back from the
 * send_ipi callback, as the integrator does.
 *
 * Checked after every step (SDM Vol. 3A chapter 11):
 *  - ISR holds exactly the vectors the CPU took and has not EOIed (a model
 *    follows INTA and EOI): the highest ISR vector never exceeds what was
 *    delivered; no vector 0-15 is ever in IRR or ISR;
 *  - PPR is TPR or ISRV[7:4]:0 (11.8.3.1), the page's PPR agrees, and a
 *    pending vector is the highest IRR vector and beats PPR's class;
 *  - every LVT has only its writable bits and is masked while the APIC is
 *    software-disabled; DFR's low bits read 1; the version register is
 *    fixed; the ID/LDR follow the mode;
 *  - the timer's current count never exceeds its initial count, is 0 in
 *    TSC-deadline mode and once a one-shot expired; the armed deadline is
 *    the model's and no further than the period away; periodic deadlines
 *    fired on time are one period apart (carried fraction included);
 *  - IA32_APIC_BASE follows the legal transitions (11.12.5); MSRs #GP in
 *    xAPIC mode and MMIO is off in x2APIC mode;
 *  - ESR latches exactly the errors caused since the last ESR write. */
#include "tests/fuzz/fuzz.h"

#include <stdbool.h>

#include "devices/lapic.h"

#define REGW(off) (h.page[(off) >> 2])

struct harness {
	struct vlapic la;
	uint32_t page[1024];
	uint64_t now, armed;
	uint32_t isr[8];        /* model ISR */
	uint32_t esr;           /* model: errors since the last ESR write */
	unsigned ipi_depth;
	bool fw_lint[2];        /* BSP LINT0/1 still as firmware left them */
	/* Periodic timer fired on time: where the period sum stands. */
	bool per_valid;
	uint64_t per_start, per_k, per_icr, per_div;
};

static struct harness h;

static bool vbit(const uint32_t *a, unsigned v)
{
	return (a[v / 32] >> (v % 32)) & 1;
}

static int highest(const uint32_t *a)
{
	for (int v = 255; v >= 0; v--)
		if (vbit(a, (unsigned)v))
			return v;
	return -1;
}

static void page_vec(uint32_t base, uint32_t out[8])
{
	for (unsigned i = 0; i < 8; i++)
		out[i] = REGW(base + i * 16);
}

/* ---- host services ---- */

static uint64_t cb_now(void *opaque)
{
	(void)opaque;
	return h.now;
}

static uint64_t divisor(void);

static void cb_arm(void *opaque, uint64_t deadline)
{
	const struct vlapic *l = &h.la;
	uint32_t mode = h.page[APIC_OFFSET_TIMER_LVT >> 2] & APIC_LVT_TIMER_MODE;

	(void)opaque;
	h.armed = deadline;
	if (!deadline || mode == APIC_LVT_TIMER_TSCDL)
		return;
	/* A count-based deadline lies within one period (rounded up). */
	uint32_t icr = h.page[APIC_OFFSET_TIMER_ICR >> 2];
	unsigned __int128 per = (unsigned __int128)icr * divisor() * l->tsc_khz;
	uint64_t max = (uint64_t)(per / l->timer_khz) + 1;
	FUZZ_CHECK(deadline > h.now && deadline - h.now <= max,
		   "deadline %llu at %llu, period %llu", (unsigned long long)deadline,
		   (unsigned long long)h.now, (unsigned long long)max);
}

static void cb_eoi_level(void *opaque, uint8_t vector)
{
	(void)opaque;
	FUZZ_CHECK(vector >= 16, "EOI broadcast of vector %u", vector);
}

static void cb_lvt_event(void *opaque, enum vlapic_delivery what)
{
	(void)opaque;
	FUZZ_CHECK(what == VLAPIC_DELIVER_NMI || what == VLAPIC_DELIVER_EXTINT ||
		   what == VLAPIC_DELIVER_INIT, "lvt_event %d", what);
}

static void m_error(uint32_t bits);

/* A vector reaches IRR; 0-15 are a receive error instead (11.5.3). */
static void m_deliver(uint8_t vector)
{
	if (vector < 16)
		m_error(0x40);
}

static void cb_send_ipi(void *opaque, uint32_t dest, uint32_t icr, bool x2)
{
	(void)opaque;
	(void)dest;
	uint32_t dm = icr & APIC_ICR_DM, sh = icr & APIC_ICR_SHORTHAND;

	FUZZ_CHECK(x2 == vlapic_x2apic_mode(&h.la), "send_ipi x2 flag");
	FUZZ_CHECK(!(icr & APIC_ICR_DS), "ICR delivery status set");
	if ((dm == APIC_ICR_DM_FIXED || dm == APIC_ICR_DM_LOWPRI))
		FUZZ_CHECK((icr & 0xFF) >= 16, "IPI with illegal vector %u sent", icr & 0xFF);
	/* Deliver to ourselves like the integrator: self and all. */
	if ((sh == APIC_ICR_SHORT_SELF || sh == APIC_ICR_SHORT_ALL) &&
	    dm == APIC_ICR_DM_FIXED && h.ipi_depth == 0) {
		h.ipi_depth++;
		vlapic_set_irr(&h.la, (uint8_t)icr, false);
		h.ipi_depth--;
	}
}

static const struct vlapic_ops ops = {
	.send_ipi = cb_send_ipi, .now = cb_now, .timer_arm = cb_arm,
	.eoi_level = cb_eoi_level, .lvt_event = cb_lvt_event,
};

/* ---- checks ---- */

static const uint32_t lvt_w[VLAPIC_NLVT] = {
	0x107FF, 0x700FF | 0x10000, 0x107FF, 0x107FF, 0x1A7FF, 0x1A7FF, 0x100FF,
};

static uint32_t lvt_off(unsigned i)
{
	return i == 0 ? APIC_OFFSET_CMCI_LVT : APIC_OFFSET_TIMER_LVT + (i - 1) * 16;
}

static uint32_t timer_mode(void)
{
	return REGW(APIC_OFFSET_TIMER_LVT) & APIC_LVT_TIMER_MODE;
}

static uint64_t divisor(void)
{
	uint32_t dcr = REGW(APIC_OFFSET_TIMER_DCR);
	unsigned v = ((dcr >> 1) & 4) | (dcr & 3);

	return v == 7 ? 1 : 2u << v;
}

static void check_state(void)
{
	const struct vlapic *l = &h.la;
	uint32_t isr[8], irr[8];

	page_vec(APIC_OFFSET_ISR0, isr);
	page_vec(APIC_OFFSET_IRR0, irr);
	for (unsigned i = 0; i < 8; i++)
		FUZZ_CHECK(isr[i] == h.isr[i], "ISR word %u %#x, model %#x", i, isr[i],
			   h.isr[i]);
	FUZZ_CHECK((irr[0] & 0xFFFF) == 0 && (isr[0] & 0xFFFF) == 0,
		   "vector 0-15 in IRR %#x / ISR %#x", irr[0], isr[0]);
	int isrv = highest(isr);
	FUZZ_CHECK(vlapic_highest_isr(l) == isrv && vlapic_highest_irr(l) == highest(irr),
		   "highest ISR/IRR");
	uint32_t tpr = REGW(APIC_OFFSET_TPR);
	FUZZ_CHECK(tpr <= 0xFF, "TPR %#x", tpr);
	uint32_t isrc = isrv < 0 ? 0 : (uint32_t)isrv & 0xF0;
	uint32_t ppr = (tpr & 0xF0) >= isrc ? tpr : isrc;
	FUZZ_CHECK(vlapic_ppr(l) == ppr && REGW(APIC_OFFSET_PPR) == ppr,
		   "PPR %#x (page %#x), model %#x (TPR %#x ISRV %d)", vlapic_ppr(l),
		   REGW(APIC_OFFSET_PPR), ppr, tpr, isrv);
	FUZZ_CHECK(vlapic_get_cr8(l) == tpr >> 4, "CR8");
	int pv = vlapic_pending_vector(l);
	if (pv >= 0) {
		FUZZ_CHECK(pv == highest(irr) && ((uint32_t)pv & 0xF0) > (ppr & 0xF0) &&
			   vlapic_sw_enabled(l), "pending %d, PPR %#x", pv, ppr);
	} else if (vlapic_sw_enabled(l) && highest(irr) >= 0) {
		FUZZ_CHECK(((uint32_t)highest(irr) & 0xF0) <= (ppr & 0xF0),
			   "IRR %d held back by PPR %#x?", highest(irr), ppr);
	}
	bool sw = vlapic_sw_enabled(l);
	for (unsigned i = 0; i < VLAPIC_NLVT; i++) {
		uint32_t e = REGW(lvt_off(i));
		FUZZ_CHECK(!(e & ~lvt_w[i]), "LVT %u %#x has read-only bits", i, e);
		/* vlapic_init leaves the BSP's LINT0 ExtINT and LINT1 NMI
		 * unmasked (virtual wire) until software touches them. */
		bool fw = (i == VLAPIC_LVT_LINT0 && h.fw_lint[0] && e == APIC_LVT_DM_EXTINT) ||
			  (i == VLAPIC_LVT_LINT1 && h.fw_lint[1] && e == APIC_LVT_DM_NMI);
		FUZZ_CHECK(sw || fw || (e & APIC_LVT_MASKED),
			   "LVT %u %#x unmasked while disabled", i, e);
	}
	FUZZ_CHECK(REGW(APIC_OFFSET_VER) == 0x60014, "VER %#x", REGW(APIC_OFFSET_VER));
	FUZZ_CHECK((REGW(APIC_OFFSET_DFR) & 0x0FFFFFFF) == 0x0FFFFFFF, "DFR %#x",
		   REGW(APIC_OFFSET_DFR));
	FUZZ_CHECK(!(REGW(APIC_OFFSET_SVR) & ~0x3FFu), "SVR %#x", REGW(APIC_OFFSET_SVR));
	FUZZ_CHECK(!(REGW(APIC_OFFSET_TIMER_DCR) & ~0xBu), "DCR %#x",
		   REGW(APIC_OFFSET_TIMER_DCR));
	if (vlapic_x2apic_mode(l)) {
		FUZZ_CHECK(REGW(APIC_OFFSET_ID) == l->id, "x2APIC ID %#x", REGW(APIC_OFFSET_ID));
		FUZZ_CHECK(REGW(APIC_OFFSET_LDR) ==
			   (((l->id >> 4) << 16) | (1u << (l->id & 0xF))), "x2APIC LDR");
	} else {
		FUZZ_CHECK(REGW(APIC_OFFSET_ID) == (l->id & 0xFF) << 24, "xAPIC ID %#x",
			   REGW(APIC_OFFSET_ID));
		FUZZ_CHECK(!(REGW(APIC_OFFSET_LDR) & 0x00FFFFFF), "xAPIC LDR %#x",
			   REGW(APIC_OFFSET_LDR));
	}
	/* Timer. */
	FUZZ_CHECK(h.armed == l->timer_deadline, "armed %llu, model deadline %llu",
		   (unsigned long long)h.armed, (unsigned long long)l->timer_deadline);
	uint32_t icr = REGW(APIC_OFFSET_TIMER_ICR);
	uint32_t ccr = vlapic_timer_ccr(l);
	FUZZ_CHECK(ccr <= icr, "CCR %u above ICR %u", ccr, icr);
	if (timer_mode() == APIC_LVT_TIMER_TSCDL) {
		FUZZ_CHECK(ccr == 0 && icr == 0, "TSC-deadline mode: CCR %u ICR %u", ccr, icr);
		FUZZ_CHECK(l->tsc_deadline == l->timer_deadline, "TSC deadline %llu armed %llu",
			   (unsigned long long)l->tsc_deadline,
			   (unsigned long long)l->timer_deadline);
	} else {
		FUZZ_CHECK(vlapic_get_tsc_deadline(l) == 0, "TSC deadline outside its mode");
		if (l->timer_deadline == 0 || l->timer_deadline <= h.now)
			FUZZ_CHECK(ccr == 0, "CCR %u with the timer stopped or due", ccr);
	}
	FUZZ_CHECK(vlapic_get_apicbase(l) == l->apicbase &&
		   vlapic_mmio_base(l) == (l->apicbase & ~0xFFFull), "APIC base getters");
	/* LINT0 passes the 8259's INTR when unmasked ExtINT, or when the
	 * APIC is globally disabled (11.4.3). */
	uint32_t lint0 = REGW(APIC_OFFSET_LINT0_LVT);
	FUZZ_CHECK(vlapic_accepts_extint(l) == (!(l->apicbase & APICBASE_EN) ||
		   (!(lint0 & APIC_LVT_MASKED) && (lint0 & APIC_LVT_DM) == APIC_LVT_DM_EXTINT)),
		   "accepts_extint with LINT0 %#x", lint0);
	if (!(l->apicbase & APICBASE_EN) || vlapic_x2apic_mode(l)) {
		uint64_t v = 1;
		FUZZ_CHECK(vlapic_mmio_read(&h.la, APIC_OFFSET_TPR, 4, &v) ==
			   VLAPIC_MMIO_DISABLED && v == 0, "MMIO on while off");
	}
	if (!vlapic_x2apic_mode(l)) {
		uint64_t v = 1;
		FUZZ_CHECK(vlapic_rdmsr(&h.la, 0x808, &v) == -1 && v == 0,
			   "x2APIC MSR outside x2APIC mode");
	}
}

/* Does a message for 'dest' reach this APIC (SDM 11.6.2, 11.12.10)? */
static bool m_match(uint32_t dest, bool logical)
{
	const struct vlapic *l = &h.la;

	if (vlapic_x2apic_mode(l)) {
		/* Cluster ID = x2APIC ID[19:4], one-hot ID[3:0] (11.12.10.2). */
		uint32_t cluster = (l->id >> 4) & 0xFFFF, bit = 1u << (l->id & 0xF);
		if (dest == 0xFFFFFFFFu)
			return true;
		if (!logical)
			return dest == l->id;
		return (dest >> 16) == cluster && (dest & 0xFFFF & bit);
	}
	uint8_t d = (uint8_t)dest, ldr = (uint8_t)(REGW(APIC_OFFSET_LDR) >> 24);
	if (d == 0xFF)
		return true;
	if (!logical)
		return d == (uint8_t)l->id;
	if ((REGW(APIC_OFFSET_DFR) >> 28) == 0xF)      /* flat */
		return (d & ldr) != 0;
	return (d >> 4) == (ldr >> 4) && (d & ldr & 0xF);   /* cluster */
}

static void check_match(uint32_t dest, bool logical)
{
	FUZZ_CHECK(vlapic_match_dest(&h.la, dest, logical) == m_match(dest, logical),
		   "match_dest(%#x, %d) with ID %#x LDR %#x DFR %#x", dest, logical,
		   h.la.id, REGW(APIC_OFFSET_LDR), REGW(APIC_OFFSET_DFR));
}

/* ---- model updates ---- */

static void m_ack(void)
{
	int v = vlapic_pending_vector(&h.la);

	if (v < 0)
		return;
	vlapic_ack(&h.la, (uint8_t)v);
	h.isr[v / 32] |= 1u << (v % 32);
}

static void m_eoi(void)
{
	int v = highest(h.isr);

	if (v >= 0)
		h.isr[v / 32] &= ~(1u << (v % 32));
}

/* An error: latched for ESR and signalled through the error LVT, whose
 * own illegal vector is one more receive error, not another interrupt. */
static void m_error(uint32_t bits)
{
	uint32_t e = REGW(APIC_OFFSET_ERROR_LVT);

	h.esr |= bits;
	if (!(e & APIC_LVT_MASKED) && (e & 0xFF) < 16)
		h.esr |= 0x40;
}

static void m_reset(void)
{
	h.fw_lint[0] = h.fw_lint[1] = false;
	memset(h.isr, 0, sizeof(h.isr));
	h.esr = 0;
	h.per_valid = false;
}

/* ---- operations ---- */

static void esr_write(bool x2)
{
	uint32_t want = h.esr;

	if (!x2 && !vlapic_xapic_mmio_enabled(&h.la))
		return;                 /* globally disabled: no registers */
	if (x2)
		FUZZ_CHECK(vlapic_wrmsr(&h.la, 0x828, 0) == 0, "ESR wrmsr");
	else
		FUZZ_CHECK(vlapic_mmio_write(&h.la, APIC_OFFSET_ESR, 4, 0) == VLAPIC_MMIO_OK,
			   "ESR write");
	FUZZ_CHECK(REGW(APIC_OFFSET_ESR) == want, "ESR %#x, model %#x",
		   REGW(APIC_OFFSET_ESR), want);
	h.esr = 0;
}

/* A register write the model accepted: software has touched the LINTs. */
static void m_after_write(uint32_t off)
{
	if (off == APIC_OFFSET_SVR)
		h.fw_lint[0] = h.fw_lint[1] = false;
	if (off == APIC_OFFSET_LINT0_LVT || off == APIC_OFFSET_LINT1_LVT)
		h.fw_lint[off == APIC_OFFSET_LINT1_LVT] = false;
}

/* What a register write does to the models (before it runs). */
static void m_before_write(uint32_t off, uint64_t val, bool x2)
{
	uint32_t v = (uint32_t)val;

	if (off == APIC_OFFSET_EOI && (!x2 || v == 0))
		m_eoi();
	if (off == APIC_OFFSET_ICR_LOW && (!x2 || !(v & ~0xCCFFFu))) {
		uint32_t dm = v & APIC_ICR_DM;
		if ((dm == APIC_ICR_DM_FIXED || dm == APIC_ICR_DM_LOWPRI) && (v & 0xFF) < 16)
			m_error(0x20);
		else if ((v & APIC_ICR_SHORTHAND) == APIC_ICR_SHORT_SELF ||
			 (v & APIC_ICR_SHORTHAND) == APIC_ICR_SHORT_ALL)
			if (dm == APIC_ICR_DM_FIXED)
				m_deliver((uint8_t)v);
	}
	if (off == APIC_OFFSET_SELF_IPI && x2 && !(v & ~0xFFu)) {
		if (v < 16)
			m_error(0x20);
		else
			m_deliver((uint8_t)v);
	}
	if (off == APIC_OFFSET_TIMER_LVT || off == APIC_OFFSET_TIMER_ICR ||
	    off == APIC_OFFSET_TIMER_DCR || off == APIC_OFFSET_SVR)
		h.per_valid = false;
}

static void mmio_access(uint32_t off, unsigned size, bool write, uint32_t val)
{
	uint64_t v = val;
	bool ok = vlapic_xapic_mmio_enabled(&h.la) && size == 4 && !(off & 0xF) &&
		  off < VLAPIC_MMIO_SIZE;

	if (write) {
		if (ok)
			m_before_write(off, val, false);
		int rc = vlapic_mmio_write(&h.la, off, size, v);
		if (!ok)
			FUZZ_CHECK(rc == VLAPIC_MMIO_DISABLED || rc == VLAPIC_MMIO_BAD_ACCESS,
				   "bad access rc %d", rc);
		if (rc == VLAPIC_MMIO_OK && off == APIC_OFFSET_ESR)
			h.esr = 0;
		if (rc == VLAPIC_MMIO_OK)
			m_after_write(off);
		return;
	}
	int rc = vlapic_mmio_read(&h.la, off, size, &v);
	FUZZ_CHECK(v <= 0xFFFFFFFFu, "MMIO read %#llx", (unsigned long long)v);
	if (rc != VLAPIC_MMIO_OK) {
		FUZZ_CHECK(v == 0, "failed read gave %#llx", (unsigned long long)v);
		return;
	}
	FUZZ_CHECK(ok, "bad access succeeded");
	if (off == APIC_OFFSET_TIMER_CCR)
		FUZZ_CHECK(v <= REGW(APIC_OFFSET_TIMER_ICR), "CCR read %llu",
			   (unsigned long long)v);
	if (off == APIC_OFFSET_ICR_LOW)
		FUZZ_CHECK(!(v & APIC_ICR_DS), "ICR busy");
}

static void msr_access(uint32_t msr, bool write, uint64_t val)
{
	uint32_t off = (msr - 0x800) << 4;
	bool x2 = vlapic_x2apic_mode(&h.la);

	if (write) {
		if (x2 && msr >= 0x800 && msr <= 0x8FF &&
		    (off == APIC_OFFSET_ICR_LOW || !(val >> 32)))
			m_before_write(off, val, true);
		int rc = vlapic_wrmsr(&h.la, msr, val);
		FUZZ_CHECK(rc == 0 || rc == -1, "wrmsr rc %d", rc);
		if (rc == 0 && off == APIC_OFFSET_ESR)
			h.esr = 0;
		if (rc == 0)
			m_after_write(off);
		return;
	}
	uint64_t v = 7;
	int rc = vlapic_rdmsr(&h.la, msr, &v);
	FUZZ_CHECK(rc == 0 || v == 0, "failed rdmsr gave %#llx", (unsigned long long)v);
	if (rc == 0 && off != APIC_OFFSET_ICR_LOW)
		FUZZ_CHECK(v <= 0xFFFFFFFFu, "MSR %#x read %#llx", msr, (unsigned long long)v);
}

static void set_apicbase(uint64_t val)
{
	uint64_t old = h.la.apicbase;
	bool oen = old & APICBASE_EN, ox2 = vlapic_x2apic_mode(&h.la);
	bool nen = val & APICBASE_EN, nx2 = val & APICBASE_EXTD;
	bool rsvd = (val & 0x2FF) || (val >> 46);
	bool legal = !rsvd && !(!nen && nx2) && !(ox2 && nen && !nx2) && !(!oen && nx2);

	if (legal && oen && !nen)
		m_reset();
	int rc = vlapic_set_apicbase(&h.la, val);
	FUZZ_CHECK(rc == (legal ? 0 : -1), "APIC base %#llx -> %#llx: rc %d",
		   (unsigned long long)old, (unsigned long long)val, rc);
	if (rc == 0)
		FUZZ_CHECK(h.la.apicbase == ((val & ~APICBASE_BSP) | (old & APICBASE_BSP)),
			   "APIC base %#llx", (unsigned long long)h.la.apicbase);
	else
		FUZZ_CHECK(h.la.apicbase == old, "refused APIC base write changed it");
}

static void fire(bool exact)
{
	const struct vlapic *l = &h.la;
	uint64_t dl = h.armed;
	bool periodic = timer_mode() == APIC_LVT_TIMER_PERIODIC && dl != 0;
	uint32_t e = REGW(APIC_OFFSET_TIMER_LVT);

	if (exact && dl > h.now)
		h.now = dl;
	/* The host timer is spent; the model re-arms a periodic one. */
	h.armed = 0;
	bool fires = timer_mode() == APIC_LVT_TIMER_TSCDL ? l->tsc_deadline != 0
							  : l->timer_deadline != 0;
	if (fires && !(e & APIC_LVT_MASKED))
		m_deliver((uint8_t)e);
	if (!fires)
		h.armed = l->timer_deadline;    /* a stale call changes nothing */
	vlapic_timer_expired(&h.la);
	/* An unmasked timer LVT with a legal vector lands in IRR. */
	if (fires && !(e & APIC_LVT_MASKED) && (e & 0xFF) >= 16)
		FUZZ_CHECK((h.page[(APIC_OFFSET_IRR0 >> 2) + (e & 0xFF) / 32 * 4] >>
			    ((e & 0xFF) % 32)) & 1, "timer vector %#x not in IRR", e & 0xFF);
	if (timer_mode() != APIC_LVT_TIMER_PERIODIC)
		h.per_valid = false;
	uint32_t picr = REGW(APIC_OFFSET_TIMER_ICR);
	if (!periodic || !exact || l->timer_deadline <= h.now ||
	    (unsigned __int128)picr * divisor() * l->tsc_khz < l->timer_khz) {
		h.per_valid = false;
		return;
	}
	/* On time: the k-th deadline is per_start + floor(k * period). */
	uint32_t icr = REGW(APIC_OFFSET_TIMER_ICR);
	if (!h.per_valid || h.per_icr != icr || h.per_div != divisor()) {
		h.per_valid = true;
		h.per_start = dl;
		h.per_k = 0;
		h.per_icr = icr;
		h.per_div = divisor();
		/* The first deadline carried a fraction already: compare
		 * differences from here with a tolerance of one tick. */
	}
	h.per_k++;
	unsigned __int128 num = (unsigned __int128)icr * h.per_div * l->tsc_khz * h.per_k;
	uint64_t want = h.per_start + (uint64_t)(num / l->timer_khz);
	FUZZ_CHECK(l->timer_deadline == want || l->timer_deadline == want + 1,
		   "periodic deadline %llu after %llu periods, model %llu",
		   (unsigned long long)l->timer_deadline, (unsigned long long)h.per_k,
		   (unsigned long long)want);
}

static void step(struct fuzz_in *in)
{
	static const uint32_t offs[] = {
		APIC_OFFSET_TPR, APIC_OFFSET_EOI, APIC_OFFSET_SVR, APIC_OFFSET_ESR,
		APIC_OFFSET_ICR_LOW, APIC_OFFSET_ICR_HI, APIC_OFFSET_TIMER_LVT,
		APIC_OFFSET_TIMER_ICR, APIC_OFFSET_TIMER_CCR, APIC_OFFSET_TIMER_DCR,
		APIC_OFFSET_LINT0_LVT, APIC_OFFSET_LINT1_LVT, APIC_OFFSET_ERROR_LVT,
		APIC_OFFSET_LDR, APIC_OFFSET_DFR, APIC_OFFSET_PPR, APIC_OFFSET_APR,
		APIC_OFFSET_ISR0 + 0x10, APIC_OFFSET_IRR0 + 0x70, APIC_OFFSET_ID,
		APIC_OFFSET_CMCI_LVT, APIC_OFFSET_SELF_IPI, APIC_OFFSET_PERF_LVT,
		APIC_OFFSET_THERM_LVT,
	};
	uint8_t op = fuzz_u8(in);
	uint8_t a = fuzz_u8(in);

	switch (op % 16) {
	case 0:                 /* xAPIC register write */
		mmio_access(offs[a % 24u], 4, true, fuzz_u32(in));
		break;
	case 1:
		mmio_access(offs[a % 24u], 4, false, 0);
		break;
	case 2: {               /* any offset, any width */
		uint16_t off = fuzz_u16(in);
		static const unsigned sizes[] = { 4, 1, 2, 8 };
		mmio_access(off & 0x1FFF, sizes[a & 3], a & 4, fuzz_u32(in));
		break;
	}
	case 3:
		msr_access(0x800 + (offs[a % 24u] >> 4), (a >> 7) & 1,
			   (a & 0x40) ? fuzz_u64(in) : fuzz_u32(in));
		break;
	case 4:                 /* any MSR number near the range */
		msr_access(0x7F0 + fuzz_u8(in) + (a & 0x100u), a & 1, fuzz_u32(in));
		break;
	case 5: {
		static const uint64_t bases[] = {
			VLAPIC_DEFAULT_BASE | APICBASE_EN,
			VLAPIC_DEFAULT_BASE | APICBASE_EN | APICBASE_EXTD,
			VLAPIC_DEFAULT_BASE, VLAPIC_DEFAULT_BASE | APICBASE_EXTD,
		};
		set_apicbase(a < 0xF0 ? bases[a & 3] | (a & 0x10 ? APICBASE_BSP : 0)
				      : fuzz_u64(in));
		break;
	}
	case 6:                 /* a message arrives (IOAPIC, IPI) */
		m_deliver(a);
		vlapic_set_irr(&h.la, a, fuzz_bool(in));
		break;
	case 7:                 /* the CPU takes the pending interrupt */
		m_ack();
		break;
	case 8: {               /* an LVT source fires */
		enum vlapic_lvt lvt = (enum vlapic_lvt)(a % VLAPIC_NLVT);
		uint32_t e = REGW(lvt_off(lvt));
		bool fixed = lvt == VLAPIC_LVT_TIMER || lvt == VLAPIC_LVT_ERROR ||
			     (e & APIC_LVT_DM) == APIC_LVT_DM_FIXED;
		if (!(e & APIC_LVT_MASKED) && fixed)
			m_deliver((uint8_t)e);
		vlapic_fire_lvt(&h.la, lvt);
		break;
	}
	case 9:
		vlapic_set_cr8(&h.la, fuzz_u64(in) >> (a % 64u));
		break;
	case 10:
		vlapic_set_tsc_deadline(&h.la, a & 1 ? h.now + (fuzz_u32(in) >> (a >> 3))
						     : (a & 2 ? 0 : h.now / 2));
		if (timer_mode() == APIC_LVT_TIMER_TSCDL)
			h.per_valid = false;
		break;
	case 11: {              /* APIC virtualization stored, then exited */
		/* Registers whose stores the CPU virtualizes, with the bits a
		 * write the CPU lets through can carry. */
		static const uint32_t virt[][2] = {
			{ APIC_OFFSET_TPR, 0xFF }, { APIC_OFFSET_EOI, 0 },
			{ APIC_OFFSET_SVR, 0x3FF }, { APIC_OFFSET_ICR_LOW, 0xCCFFF },
			{ APIC_OFFSET_TIMER_LVT, 0x700FF }, { APIC_OFFSET_LINT0_LVT, 0x1A7FF },
			{ APIC_OFFSET_ERROR_LVT, 0x100FF }, { APIC_OFFSET_TIMER_ICR, ~0u },
			{ APIC_OFFSET_TIMER_DCR, 0xB }, { APIC_OFFSET_LDR, 0xFF000000u },
		};
		uint32_t off = virt[a % 10u][0], v = fuzz_u32(in) & virt[a % 10u][1];
		bool x2 = vlapic_x2apic_mode(&h.la);
		if (off == APIC_OFFSET_LDR && x2)
			break;          /* read-only: WRMSR faults */
		if (off == APIC_OFFSET_ICR_LOW && !x2)
			v &= ~APIC_ICR_DS;
		REGW(off) = v;
		m_before_write(off, v, x2);
		vlapic_apic_write(&h.la, off);
		m_after_write(off);     /* the masked values are always accepted */
		break;
	}
	case 12:                /* INIT */
		m_reset();
		vlapic_reset(&h.la);
		break;
	case 13:
		h.now += (uint64_t)fuzz_u32(in) << (a % 24u);
		if (h.armed && h.now >= h.armed)
			fire(false);
		break;
	case 14:                /* on time, or a stale call with nothing armed */
		if (h.armed)
			fire(true);
		else if (a & 1)
			fire(false);
		break;
	default:
		if (a & 1) {
			esr_write(vlapic_x2apic_mode(&h.la));
			break;
		}
		/* Destination matching: our own ID and LDR, neighbours, any. */
		check_match(h.la.id, a & 2);
		check_match(REGW(APIC_OFFSET_LDR) >> 24, a & 2);
		check_match(REGW(APIC_OFFSET_LDR), a & 2);
		check_match(fuzz_u32(in), a & 2);
		check_match(a >> 2, a & 2);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in_init(data, size);
	uint8_t cfg = fuzz_u8(&in);
	uint32_t id = (cfg & 1) ? fuzz_u32(&in) : (cfg >> 4);
	/* tsc_khz below 2^24 (16 GHz), as lapic_timer.c assumes; the timer
	 * clock is the TSC's in Vireo, or slower. */
	uint64_t tsc_khz = (cfg & 2) ? 1000 + fuzz_u32(&in) % (16000000u - 1000) : 2000000;
	uint64_t timer_khz = (cfg & 4) ? 1 + fuzz_u32(&in) % tsc_khz : tsc_khz;

	memset(&h, 0, sizeof(h));
	h.now = (cfg & 8) ? fuzz_u64(&in) >> 20 : 1000;
	vlapic_init(&h.la, id, h.page, &ops, NULL);
	vlapic_set_clock(&h.la, tsc_khz, timer_khz);
	h.fw_lint[0] = h.fw_lint[1] = id == 0;
	check_state();
	while (fuzz_left(&in) > 0) {
		step(&in);
		check_state();
	}
	return 0;
}
