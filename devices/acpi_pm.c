/* ACPI PM1 event/control registers, PM timer and reset register. */
#include "devices/acpi_pm.h"
#include "devices/bus.h"
#include "lib/libc.h"

/* Register offsets in the block (see the layout in acpi_pm.h). */
#define PM1_STS_OFF   0x0
#define PM1_EN_OFF    0x2
#define PM1_CNT_OFF   0x4
#define PM_TMR_OFF    0x8
#define RESET_OFF     0xC

/* TMR_STS is set each time bit 23 of the counter changes (§4.8.3.3). */
#define TMR_STS_SHIFT 23

/* Status bits a written 1 clears; only TMR, PWRBTN and WAK ever set. */
#define PM1_STS_W1C (ACPI_PM1_STS_TMR_STS | ACPI_PM1_STS_BM_STS | \
		     ACPI_PM1_STS_GBL_STS | ACPI_PM1_STS_PWRBTN_STS | \
		     ACPI_PM1_STS_SLPBTN_STS | ACPI_PM1_STS_RTC_STS | \
		     ACPI_PM1_STS_PCIEXP_WAKE_STS | ACPI_PM1_STS_WAK_STS)
/* Every defined enable bit is stored, so an OS enabling the RTC or
 * global-lock event reads its bit back (ACPICA checks); PCIEXP_WAKE_DIS
 * stays 0 as there is no PCIe. */
#define PM1_EN_RW   (ACPI_PM1_EN_TMR_EN | ACPI_PM1_EN_GBL_EN | \
		     ACPI_PM1_EN_PWRBTN_EN | ACPI_PM1_EN_SLPBTN_EN | \
		     ACPI_PM1_EN_RTC_EN)
/* SCI_EN is read-only 1; GBL_RLS would raise an SMI (none) and SLP_EN is
 * write-only: both read 0. */
#define PM1_CNT_RW  (ACPI_PM1_CNT_BM_RLD | ACPI_PM1_CNT_SLP_TYP_MASK)

#define TSC_KHZ_MAX 0xFFFFFFFFull

static uint64_t now(const struct acpi_pm *pm)
{
	if (pm->ops == NULL || pm->ops->now == NULL)
		return 0;
	return pm->ops->now(pm->opaque);
}

/* Timer ticks since init: floor(elapsed * 3579545 / tsc_hz), split at
 * whole seconds so no product overflows: r * 3579545 < tsc_hz * 3579545,
 * which is below 2^64 for tsc_khz < 2^32, and q * 3579545 overflows only
 * after 160,000 years. */
static uint64_t ticks_at(const struct acpi_pm *pm, uint64_t tsc)
{
	uint64_t e = tsc > pm->tsc_base ? tsc - pm->tsc_base : 0;
	uint64_t q = e / pm->tsc_hz, r = e % pm->tsc_hz;

	return q * ACPI_PM_TIMER_HZ + r * ACPI_PM_TIMER_HZ / pm->tsc_hz;
}

/* The first guest TSC at which ticks_at() reaches 'ticks': the inverse of
 * the above, ceil(ticks * tsc_hz / 3579545), split the same way. */
static uint64_t tsc_of_ticks(const struct acpi_pm *pm, uint64_t ticks)
{
	uint64_t a = ticks / ACPI_PM_TIMER_HZ, b = ticks % ACPI_PM_TIMER_HZ;

	return pm->tsc_base + a * pm->tsc_hz +
	       (b * pm->tsc_hz + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ;
}

uint32_t acpi_pm_timer_at(const struct acpi_pm *pm, uint64_t tsc)
{
	return (uint32_t)(ticks_at(pm, tsc) & ACPI_PM_TIMER_MASK);
}

/* Latch TMR_STS if bit 23 has changed since the last look. Computed on
 * demand, so the status is exact whether or not a host timer runs. */
static void sync_tmr_sts(struct acpi_pm *pm, uint64_t tsc)
{
	uint64_t half = ticks_at(pm, tsc) >> TMR_STS_SHIFT;

	if (half > pm->tmr_half) {
		pm->tmr_half = half;
		pm->pm1_sts |= ACPI_PM1_STS_TMR_STS;
	}
}

/* SCI level and host timer after any change. The timer is needed only
 * while TMR_EN is set and TMR_STS clear: otherwise the next toggle
 * changes nothing the guest can see without reading (and syncing). */
static void update(struct acpi_pm *pm)
{
	bool level = (pm->pm1_cnt & ACPI_PM1_CNT_SCI_EN) &&
		     (pm->pm1_sts & pm->pm1_en);
	uint64_t want = 0;

	if (level != pm->sci) {
		pm->sci = level;
		if (pm->ops != NULL && pm->ops->set_irq != NULL)
			pm->ops->set_irq(pm->opaque, ACPI_SCI_IRQ, level);
	}
	if ((pm->pm1_en & ACPI_PM1_EN_TMR_EN) &&
	    !(pm->pm1_sts & ACPI_PM1_STS_TMR_STS))
		want = tsc_of_ticks(pm, (pm->tmr_half + 1) << TMR_STS_SHIFT);
	if (want != pm->deadline) {
		pm->deadline = want;
		if (pm->ops != NULL && pm->ops->timer_arm != NULL)
			pm->ops->timer_arm(pm->opaque, want);
	}
}

void acpi_pm_init(struct acpi_pm *pm, uint64_t tsc_khz,
		  const struct acpi_pm_ops *ops, void *opaque)
{
	memset(pm, 0, sizeof(*pm));
	pm->ops = ops;
	pm->opaque = opaque;
	if (tsc_khz == 0)
		tsc_khz = 1;
	if (tsc_khz > TSC_KHZ_MAX)
		tsc_khz = TSC_KHZ_MAX;
	pm->tsc_hz = tsc_khz * 1000;
	pm->tsc_base = now(pm);
	pm->pm1_cnt = ACPI_PM1_CNT_SCI_EN;
}

/* SLP_EN written: S5 powers off; anything else "wakes" at once. */
static void sleep_enable(struct acpi_pm *pm)
{
	unsigned typ = (pm->pm1_cnt & ACPI_PM1_CNT_SLP_TYP_MASK) >>
		       ACPI_PM1_CNT_SLP_TYP_SHIFT;

	if (typ == ACPI_SLP_TYP_S5) {
		if (pm->ops != NULL && pm->ops->power_off != NULL)
			pm->ops->power_off(pm->opaque);
		return;
	}
	pm->pm1_sts |= ACPI_PM1_STS_WAK_STS;
}

static void reset_write(struct acpi_pm *pm, uint32_t v)
{
	if (v == ACPI_RESET_VALUE && pm->ops != NULL && pm->ops->reset != NULL)
		pm->ops->reset(pm->opaque);
}

/* Register starting at 'reg' (an *_OFF), read whole at guest TSC 'tsc'. */
static uint32_t reg_read(struct acpi_pm *pm, unsigned reg, uint64_t tsc)
{
	switch (reg) {
	case PM1_STS_OFF:
		return pm->pm1_sts;
	case PM1_EN_OFF:
		return pm->pm1_en;
	case PM1_CNT_OFF:
		return pm->pm1_cnt;
	case PM_TMR_OFF:
		return acpi_pm_timer_at(pm, tsc);
	default:  /* RESET_REG is write-only */
		return 0;
	}
}

/* Write the bytes of 'v' selected by 'mask' (both in register
 * coordinates) to the register starting at 'reg'. */
static void reg_write(struct acpi_pm *pm, unsigned reg, uint32_t v,
		      uint32_t mask)
{
	v &= mask;
	switch (reg) {
	case PM1_STS_OFF:
		pm->pm1_sts &= (uint16_t)~(v & PM1_STS_W1C);
		break;
	case PM1_EN_OFF:
		pm->pm1_en = (uint16_t)((pm->pm1_en & ~(mask & PM1_EN_RW)) |
					(v & PM1_EN_RW));
		break;
	case PM1_CNT_OFF:
		pm->pm1_cnt = (uint16_t)((pm->pm1_cnt & ~(mask & PM1_CNT_RW)) |
					 (v & PM1_CNT_RW));
		if (v & ACPI_PM1_CNT_SLP_EN)
			sleep_enable(pm);
		break;
	case RESET_OFF:
		reset_write(pm, v);
		break;
	default:  /* PM_TMR is read-only */
		break;
	}
}

/* Which register holds byte 'off' of the block: its start and length. */
static bool reg_of(unsigned off, unsigned *start, unsigned *len)
{
	switch (off) {
	case PM1_STS_OFF:
	case PM1_STS_OFF + 1:
	case PM1_EN_OFF:
	case PM1_EN_OFF + 1:
	case PM1_CNT_OFF:
	case PM1_CNT_OFF + 1:
		*start = off & ~1u;
		*len = 2;
		return true;
	case PM_TMR_OFF:
	case PM_TMR_OFF + 1:
	case PM_TMR_OFF + 2:
	case PM_TMR_OFF + 3:
		*start = PM_TMR_OFF;
		*len = ACPI_PM_TMR_LEN;
		return true;
	case RESET_OFF:
		*start = RESET_OFF;
		*len = 1;
		return true;
	default:  /* reserved bytes, or past the block */
		return false;
	}
}

static uint32_t lane_ones(unsigned nbytes)
{
	return nbytes >= 4 ? 0xFFFFFFFFu : (1u << (nbytes * 8)) - 1;
}

/* Walk the access one register at a time, so each register is read or
 * written once (one timer sample per access) with its byte lanes. */
static uint32_t block_access(struct acpi_pm *pm, unsigned off, unsigned size,
		       bool write, uint32_t in, uint64_t tsc)
{
	uint32_t out = 0;
	unsigned i = 0;

	while (i < size) {
		unsigned start, len, n, shift;

		if (!reg_of(off + i, &start, &len)) {
			out |= 0xFFu << (i * 8);
			i++;
			continue;
		}
		n = start + len - (off + i);
		if (n > size - i)
			n = size - i;
		shift = (off + i - start) * 8;
		if (write)
			reg_write(pm, start,
				  ((in >> (i * 8)) & lane_ones(n)) << shift,
				  lane_ones(n) << shift);
		else
			out |= ((reg_read(pm, start, tsc) >> shift) &
				lane_ones(n)) << (i * 8);
		i += n;
	}
	return out;
}

int acpi_pm_pio(void *dev, uint16_t port, unsigned size, bool write,
		uint32_t *val)
{
	struct acpi_pm *pm = dev;
	uint64_t tsc;
	uint32_t r;

	if ((size != 1 && size != 2 && size != 4) || port < ACPI_PM_BASE) {
		if (!write)
			*val = 0xFFFFFFFFu;
		return BUS_ERROR;
	}
	tsc = now(pm);
	sync_tmr_sts(pm, tsc);
	r = block_access(pm, port - ACPI_PM_BASE, size, write,
			 write ? *val : 0, tsc);
	if (!write)
		*val = r;
	update(pm);
	return BUS_OK;
}

void acpi_pm_timer_expired(struct acpi_pm *pm)
{
	pm->deadline = 0;  /* it fired: nothing is armed any more */
	sync_tmr_sts(pm, now(pm));
	update(pm);
}

void acpi_pm_power_button(struct acpi_pm *pm)
{
	pm->pm1_sts |= ACPI_PM1_STS_PWRBTN_STS;
	sync_tmr_sts(pm, now(pm));
	update(pm);
}
