/* ACPI fixed hardware, PIIX4 style (ACPI 6.x §4.8: PM1 event and control
 * registers, PM timer) plus the FADT reset register, in one I/O block.
 *
 * Layout at ACPI_PM_BASE (0x600, where QEMU's PIIX4 PM puts its block):
 *   +0x0  PM1a_EVT_BLK  PM1_STS (16 bits, write-1-to-clear), then
 *   +0x2                PM1_EN (16 bits)
 *   +0x4  PM1a_CNT_BLK  PM1_CNT (16 bits)
 *   +0x6                reserved (2 bytes)
 *   +0x8  PM_TMR_BLK    PM_TMR (24-bit counter at 3.579545 MHz, read-only)
 *   +0xC  RESET_REG     (byte, write ACPI_RESET_VALUE to reset)
 *   +0xD                reserved (3 bytes)
 * No PM1b blocks, no PM2, no GPE blocks (FADT GPE0_BLK = 0).
 *
 * ACPI mode: the machine comes up in ACPI mode (SCI_EN = 1, read-only, as
 * the OS "always preserves" it, §4.8.3.2.1) and there is no SMI_CMD port:
 * the FADT says SMI_CMD = 0, which tells the OS there is no SMM and no
 * enable handshake to do (ACPI 6.x §5.2.9, table 5.9).
 *
 * Sleep: only S5. SLP_EN with SLP_TYP = ACPI_SLP_TYP_S5 calls power_off.
 * The DSDT must name only \_S5 (and optionally \_S0); SLP_EN with any
 * other SLP_TYP is taken as a sleep that ends at once: WAK_STS is set, so
 * an OS that tries S1-S4 anyway sees itself woken instead of spinning.
 *
 * Widths: every register accepts byte, word and dword accesses at any
 * offset; each byte goes to the register that holds it, so a byte write
 * to PM1_STS+1 clears only bits 15:8, and a dword at +0 writes PM1_STS
 * and PM1_EN together. The PM timer is read once per access: a dword read
 * is one consistent sample, a byte or word read gives those bytes of a
 * fresh sample (the OS reads it as a dword, FADT PM_TMR_LEN = 4). Writes
 * to PM_TMR are ignored. Reserved bytes, and bytes beyond the block of an
 * access that straddles its end, read 0xFF; writes to them are dropped.
 *
 * SCI: level-triggered, asserted while SCI_EN and (PM1_STS & PM1_EN)
 * has any bit set; set_irq is called on each change of level only. */
#ifndef VIREO_DEVICES_ACPI_PM_H
#define VIREO_DEVICES_ACPI_PM_H

#include <stdbool.h>
#include <stdint.h>

/* What the FADT author needs (ACPI 6.x §5.2.9, table 5.9). */
#define ACPI_PM_BASE          0x600
#define ACPI_PM_NPORTS        16     /* the integrator registers all 16 */
#define ACPI_PM1A_EVT_BLK     (ACPI_PM_BASE + 0x0)
#define ACPI_PM1_EVT_LEN      4
#define ACPI_PM1A_CNT_BLK     (ACPI_PM_BASE + 0x4)
#define ACPI_PM1_CNT_LEN      2
#define ACPI_PM_TMR_BLK       (ACPI_PM_BASE + 0x8)
#define ACPI_PM_TMR_LEN       4      /* FADT flag TMR_VAL_EXT = 0: 24 bits */
#define ACPI_RESET_REG        (ACPI_PM_BASE + 0xC)  /* GAS: I/O, 8 bits */
/* Same value as a hard reset through 0xCF9, so a FADT may name either. */
#define ACPI_RESET_VALUE      0x06
#define ACPI_SCI_IRQ          9      /* FADT SCI_INT; level, active high */
#define ACPI_SMI_CMD          0      /* no SMI command port: ACPI mode */
#define ACPI_ENABLE_VALUE     0      /* FADT ACPI_ENABLE, unused */
#define ACPI_DISABLE_VALUE    0      /* FADT ACPI_DISABLE, unused */
/* \_S5 package: Package () { ACPI_SLP_TYP_S5, ACPI_SLP_TYP_S5, 0, 0 }.
 * Not PIIX4's 0 (a stray SLP_EN write with SLP_TYP 0 should not power
 * the VM off); 7 is what ICH9 uses for S5. */
#define ACPI_SLP_TYP_S5       7

#define ACPI_PM_TIMER_HZ      3579545u
#define ACPI_PM_TIMER_MASK    0xFFFFFFu

/* PM1 status register bits (§4.8.3.1.1). */
#define ACPI_PM1_STS_TMR_STS     (1u << 0)
#define ACPI_PM1_STS_BM_STS      (1u << 4)
#define ACPI_PM1_STS_GBL_STS     (1u << 5)
#define ACPI_PM1_STS_PWRBTN_STS  (1u << 8)
#define ACPI_PM1_STS_SLPBTN_STS  (1u << 9)
#define ACPI_PM1_STS_RTC_STS     (1u << 10)
#define ACPI_PM1_STS_PCIEXP_WAKE_STS (1u << 14)
#define ACPI_PM1_STS_WAK_STS     (1u << 15)

/* PM1 enable register bits (§4.8.3.1.2). */
#define ACPI_PM1_EN_TMR_EN       (1u << 0)
#define ACPI_PM1_EN_GBL_EN       (1u << 5)
#define ACPI_PM1_EN_PWRBTN_EN    (1u << 8)
#define ACPI_PM1_EN_SLPBTN_EN    (1u << 9)
#define ACPI_PM1_EN_RTC_EN       (1u << 10)

/* PM1 control register bits (§4.8.3.2.1); the same tokens as
 * arch/x86/cpu/acpi.c so both may be seen by one file. */
#define ACPI_PM1_CNT_SCI_EN      (1u << 0)
#define ACPI_PM1_CNT_BM_RLD      (1u << 1)
#define ACPI_PM1_CNT_GBL_RLS     (1u << 2)
#define ACPI_PM1_CNT_SLP_TYP_SHIFT 10
#define ACPI_PM1_CNT_SLP_TYP_MASK  (7u << 10)
#define ACPI_PM1_CNT_SLP_EN      (1u << 13)

struct acpi_pm_ops {
	uint64_t (*now)(void *opaque);        /* guest TSC; required */
	void (*set_irq)(void *opaque, unsigned line, bool level);
	/* Host timer for the TMR_STS interrupt: fire once the guest TSC
	 * reaches 'deadline' and call acpi_pm_timer_expired; 0 disarms. */
	void (*timer_arm)(void *opaque, uint64_t deadline);
	void (*power_off)(void *opaque);      /* SLP_EN with S5 */
	void (*reset)(void *opaque);          /* RESET_VALUE to RESET_REG */
};

struct acpi_pm {
	uint16_t pm1_sts, pm1_en, pm1_cnt;
	uint64_t tsc_base;       /* guest TSC when the timer read 0 */
	uint64_t tsc_hz;         /* tsc_khz * 1000 */
	uint64_t tmr_half;       /* timer ticks >> 23 when TMR_STS was synced */
	uint64_t deadline;       /* armed host timer, 0 = none */
	bool sci;                /* level last given to set_irq */
	const struct acpi_pm_ops *ops;
	void *opaque;
};

/* Power-on state; the PM timer starts at 0 now. tsc_khz is clamped to
 * [1, 2^32) so the tick arithmetic cannot overflow. The SCI starts low
 * and set_irq is not called. */
void acpi_pm_init(struct acpi_pm *pm, uint64_t tsc_khz,
		  const struct acpi_pm_ops *ops, void *opaque);

/* bus_pio_fn for [ACPI_PM_BASE, ACPI_PM_BASE + ACPI_PM_NPORTS). Sizes
 * other than 1, 2, 4 are BUS_ERROR (reads all-ones). */
int acpi_pm_pio(void *dev, uint16_t port, unsigned size, bool write,
		uint32_t *val);

/* The host timer armed through ops->timer_arm has fired. */
void acpi_pm_timer_expired(struct acpi_pm *pm);

/* Fixed-feature power button pressed (FADT flag PWR_BUTTON = 0): sets
 * PWRBTN_STS, an SCI when PWRBTN_EN. For a graceful shutdown request. */
void acpi_pm_power_button(struct acpi_pm *pm);

/* The 24-bit PM timer value at guest TSC 'tsc'. */
uint32_t acpi_pm_timer_at(const struct acpi_pm *pm, uint64_t tsc);

#endif
