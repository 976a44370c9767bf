/* Local APIC timer (SDM 11.5.4): one-shot, periodic and TSC-deadline
 * modes. The timer counts down at timer_khz / divisor; the model turns
 * counts into guest-TSC deadlines and lets the host's timer queue call
 * vlapic_timer_expired() when one is due. A periodic timer's next deadline
 * is computed from the previous one, with the fraction of a TSC tick
 * carried, so its rate never drifts however late the host runs it. */
#include "devices/lapic.h"

#define REG(l, off) ((l)->regs[(off) >> 2])

static uint32_t timer_mode(const struct vlapic *l)
{
	return REG(l, APIC_OFFSET_TIMER_LVT) & APIC_LVT_TIMER_MODE;
}

static uint64_t now(const struct vlapic *l)
{
	return l->ops && l->ops->now ? l->ops->now(l->opaque) : 0;
}

static void arm(struct vlapic *l, uint64_t deadline)
{
	l->timer_deadline = deadline;
	if (l->ops && l->ops->timer_arm)
		l->ops->timer_arm(l->opaque, deadline);
}

void vlapic_set_clock(struct vlapic *vlapic, uint64_t tsc_khz, uint64_t timer_khz)
{
	vlapic->tsc_khz = tsc_khz ? tsc_khz : 1;
	vlapic->timer_khz = timer_khz ? timer_khz : 1;
}

/* DCR bits 3,1:0 (SDM Figure 11-10): 000 = 2, 001 = 4, ... 110 = 128,
 * 111 = 1. */
unsigned vlapic_timer_divisor(uint32_t dcr)
{
	unsigned v = ((dcr >> 1) & 4) | (dcr & 3);

	return 1u << ((v + 1) & 7);
}

/* TSC ticks in 'count' timer ticks, as numerator over timer_khz. The
 * product fits: count < 2^32, divisor <= 2^7, tsc_khz < 2^24 (16 GHz). */
static uint64_t period_num(const struct vlapic *l, uint32_t count)
{
	return (uint64_t)count * vlapic_timer_divisor(REG(l, APIC_OFFSET_TIMER_DCR)) * l->tsc_khz;
}

void vlapic_timer_stop(struct vlapic *vlapic)
{
	if (vlapic->timer_deadline)
		arm(vlapic, 0);
	vlapic->timer_frac = 0;
}

/* Writing the initial count (re)starts a one-shot or periodic timer; 0
 * stops it. In TSC-deadline mode the register is ignored. */
void vlapic_timer_write_icr(struct vlapic *vlapic, uint32_t count)
{
	uint64_t num;

	if (timer_mode(vlapic) == APIC_LVT_TIMER_TSCDL) {
		REG(vlapic, APIC_OFFSET_TIMER_ICR) = 0;
		return;
	}
	vlapic_timer_stop(vlapic);
	if (!count)
		return;
	num = period_num(vlapic, count);
	vlapic->timer_frac = num % vlapic->timer_khz;
	arm(vlapic, now(vlapic) + num / vlapic->timer_khz + (num < vlapic->timer_khz));
}

/* A change of timer mode disarms the timer and clears the other mode's
 * state (SDM 11.5.4.1); masking does not stop the count. */
void vlapic_timer_write_lvt(struct vlapic *vlapic, uint32_t old_lvt)
{
	if ((old_lvt & APIC_LVT_TIMER_MODE) == timer_mode(vlapic))
		return;
	vlapic_timer_stop(vlapic);
	vlapic->tsc_deadline = 0;
	REG(vlapic, APIC_OFFSET_TIMER_ICR) = 0;
}

/* Counts left: the time to the deadline in timer ticks, rounded up. */
uint32_t vlapic_timer_ccr(const struct vlapic *vlapic)
{
	uint64_t t = now(vlapic), left, per_tick, count;

	if (!vlapic->timer_deadline || timer_mode(vlapic) == APIC_LVT_TIMER_TSCDL)
		return 0;
	if (t >= vlapic->timer_deadline)
		return 0;
	left = vlapic->timer_deadline - t;
	per_tick = (uint64_t)vlapic_timer_divisor(REG(vlapic, APIC_OFFSET_TIMER_DCR)) *
		   vlapic->tsc_khz;
	/* left * timer_khz / per_tick without overflow for left < 2^40. */
	count = (left * vlapic->timer_khz + per_tick - 1) / per_tick;
	if (count > REG(vlapic, APIC_OFFSET_TIMER_ICR))
		count = REG(vlapic, APIC_OFFSET_TIMER_ICR);
	return (uint32_t)count;
}

/* The next deadline of a periodic timer: one period after the last, the
 * carried fraction included. Periods that passed entirely while the host
 * was late are skipped: IRR holds one interrupt per vector, as on
 * hardware whose interrupts stay masked that long. */
static void rearm_periodic(struct vlapic *l)
{
	uint64_t num = period_num(l, REG(l, APIC_OFFSET_TIMER_ICR));
	uint64_t t = now(l), next = l->timer_deadline, whole;

	if (!num) {
		arm(l, 0);
		return;
	}
	l->timer_frac += num % l->timer_khz;
	next += num / l->timer_khz + l->timer_frac / l->timer_khz;
	l->timer_frac %= l->timer_khz;
	if (next <= t) {
		/* Skip whole periods in one step (a guest may ask for a period
		 * shorter than a TSC tick; the host may have been away long). */
		whole = num / l->timer_khz ? num / l->timer_khz : 1;
		next += ((t - next) / whole + 1) * whole;
	}
	arm(l, next);
}

void vlapic_timer_expired(struct vlapic *vlapic)
{
	uint32_t mode = timer_mode(vlapic);

	if (mode == APIC_LVT_TIMER_TSCDL) {
		if (!vlapic->tsc_deadline)
			return;
		vlapic->tsc_deadline = 0;       /* SDM 11.5.4.1: cleared on expiry */
		vlapic->timer_deadline = 0;
	} else if (!vlapic->timer_deadline) {
		return;
	} else if (mode == APIC_LVT_TIMER_PERIODIC) {
		rearm_periodic(vlapic);
	} else {
		vlapic->timer_deadline = 0;
	}
	vlapic_fire_lvt(vlapic, VLAPIC_LVT_TIMER);
}

uint64_t vlapic_get_tsc_deadline(const struct vlapic *vlapic)
{
	return timer_mode(vlapic) == APIC_LVT_TIMER_TSCDL ? vlapic->tsc_deadline : 0;
}

/* Outside TSC-deadline mode the write is ignored (SDM 11.5.4.1); a
 * deadline already past fires at once; 0 disarms. */
void vlapic_set_tsc_deadline(struct vlapic *vlapic, uint64_t deadline)
{
	if (timer_mode(vlapic) != APIC_LVT_TIMER_TSCDL)
		return;
	vlapic->tsc_deadline = deadline;
	if (!deadline) {
		vlapic_timer_stop(vlapic);
		return;
	}
	arm(vlapic, deadline);
}
