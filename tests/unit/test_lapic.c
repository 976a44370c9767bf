/* UNIT-DEPS: devices/lapic.c devices/lapic_timer.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "devices/lapic.h"
#include "lib/libc.h"

/* xAPIC offsets used below (SDM Table 11-1). */
#define ID      0x020
#define VER     0x030
#define TPR     0x080
#define APR     0x090
#define PPR     0x0A0
#define EOI     0x0B0
#define LDR     0x0D0
#define DFR     0x0E0
#define SVR     0x0F0
#define ISR0    0x100
#define TMR0    0x180
#define IRR0    0x200
#define ESR     0x280
#define LVT_CMCI 0x2F0
#define ICR_LO  0x300
#define ICR_HI  0x310
#define LVT_TMR 0x320
#define LVT_LINT0 0x350
#define LVT_ERR 0x370
#define TMICT   0x380
#define TMCCT   0x390
#define TDCR    0x3E0
#define SELF_IPI 0x3F0

#define MSR(off) (0x800u + ((off) >> 4))

struct ipi_log {
	int n;
	uint32_t dest, icr;
	bool x2;
};

static struct vlapic la;
static struct ipi_log ipis;
static uint32_t page[1024], page2[1024];

/* The host services: a clock the test moves by hand, and the timer the
 * model last armed. */
static struct host {
	uint64_t now;
	uint64_t armed;         /* last deadline passed to timer_arm */
	int arms;
	int eois;
	uint8_t eoi_vec;
	int nmis, extints;
} host;

static uint64_t fake_now(void *opaque)
{
	(void)opaque;
	return host.now;
}

static void fake_arm(void *opaque, uint64_t deadline)
{
	(void)opaque;
	host.armed = deadline;
	host.arms++;
}

static void fake_eoi(void *opaque, uint8_t vec)
{
	(void)opaque;
	host.eois++;
	host.eoi_vec = vec;
}

static void fake_lvt_event(void *opaque, enum vlapic_delivery what)
{
	(void)opaque;
	host.nmis += what == VLAPIC_DELIVER_NMI;
	host.extints += what == VLAPIC_DELIVER_EXTINT;
}

static void send_ipi(void *opaque, uint32_t dest, uint32_t icr_low, bool x2);

static const struct vlapic_ops ops = {
	.send_ipi = send_ipi, .now = fake_now, .timer_arm = fake_arm,
	.eoi_level = fake_eoi, .lvt_event = fake_lvt_event,
};

static void send_ipi(void *opaque, uint32_t dest, uint32_t icr_low, bool x2)
{
	struct ipi_log *l = opaque;

	l->n++;
	l->dest = dest;
	l->icr = icr_low;
	l->x2 = x2;
}

static uint32_t rd(uint32_t off)
{
	uint64_t v = ~0ULL;

	assert_int_equal(vlapic_mmio_read(&la, off, 4, &v), VLAPIC_MMIO_OK);
	assert_true(v <= 0xFFFFFFFFu);
	return (uint32_t)v;
}

static void wr(uint32_t off, uint32_t v)
{
	assert_int_equal(vlapic_mmio_write(&la, off, 4, v), VLAPIC_MMIO_OK);
}

static uint64_t rdmsr_ok(uint32_t msr)
{
	uint64_t v;

	assert_int_equal(vlapic_rdmsr(&la, msr, &v), 0);
	return v;
}

static void to_x2apic(void)
{
	assert_int_equal(vlapic_set_apicbase(&la, 0xFEE00000 | APICBASE_EN |
					     APICBASE_EXTD), 0);
	assert_true(vlapic_x2apic_mode(&la));
}

static int setup(void **state)
{
	(void)state;
	memset(&ipis, 0, sizeof(ipis));
	memset(&host, 0, sizeof(host));
	vlapic_init(&la, 0x23, page, &ops, &ipis);
	return 0;
}

static void test_reset(void **state)
{
	(void)state;
	assert_int_equal(vlapic_get_apicbase(&la), 0xFEE00000 | APICBASE_EN);
	assert_true(vlapic_xapic_mmio_enabled(&la));
	assert_false(vlapic_x2apic_mode(&la));
	assert_int_equal(rd(ID), 0x23000000);
	assert_int_equal(rd(VER), 0x00060014);
	assert_int_equal(rd(TPR), 0);
	assert_int_equal(rd(PPR), 0);
	assert_int_equal(rd(APR), 0);
	assert_int_equal(rd(LDR), 0);
	assert_int_equal(rd(DFR), 0xFFFFFFFF);
	assert_int_equal(rd(SVR), 0xFF);
	for (uint32_t i = 0; i < 8; i++) {
		assert_int_equal(rd(ISR0 + i * 16), 0);
		assert_int_equal(rd(TMR0 + i * 16), 0);
		assert_int_equal(rd(IRR0 + i * 16), 0);
	}
	assert_int_equal(rd(ESR), 0);
	assert_int_equal(rd(ICR_LO), 0);
	assert_int_equal(rd(ICR_HI), 0);
	for (uint32_t off = LVT_TMR; off <= LVT_ERR; off += 16)
		assert_int_equal(rd(off), 0x10000);
	assert_int_equal(rd(LVT_CMCI), 0x10000);
	assert_int_equal(rd(TMICT), 0);
	assert_int_equal(rd(TMCCT), 0);
	assert_int_equal(rd(TDCR), 0);

	struct vlapic bsp;
	vlapic_init(&bsp, 0, page2, &ops, &ipis);
	assert_int_equal(vlapic_get_apicbase(&bsp),
			 0xFEE00000 | APICBASE_EN | APICBASE_BSP);
	/* Firmware's virtual wire on the BSP; APs have LINT0 masked. */
	assert_true(vlapic_accepts_extint(&bsp));
	assert_false(vlapic_accepts_extint(&la));
	assert_int_equal(vlapic_reg(&bsp, LVT_LINT0), 0x700);
	assert_int_equal(vlapic_reg(&bsp, 0x360), 0x400);
	/* A globally disabled APIC passes INTR straight through. */
	assert_int_equal(vlapic_set_apicbase(&la, 0xFEE00000), 0);
	assert_true(vlapic_accepts_extint(&la));
}

static void test_id_version_readonly(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(vlapic_mmio_write(&la, ID, 4, 0x05000000), VLAPIC_MMIO_IGNORED);
	assert_int_equal(rd(ID), 0x23000000);
	assert_int_equal(vlapic_mmio_write(&la, VER, 4, 0), VLAPIC_MMIO_IGNORED);
	assert_int_equal(rd(VER), 0x00060014);
	/* EOI is write-only: reads give 0. */
	assert_int_equal(vlapic_mmio_read(&la, EOI, 4, &v), VLAPIC_MMIO_IGNORED);
	assert_int_equal(v, 0);
	/* Reserved offsets and SELF IPI (x2APIC-only) read 0. */
	assert_int_equal(vlapic_mmio_read(&la, 0x040, 4, &v), VLAPIC_MMIO_IGNORED);
	assert_int_equal(v, 0);
	assert_int_equal(vlapic_mmio_read(&la, SELF_IPI, 4, &v), VLAPIC_MMIO_IGNORED);
	assert_int_equal(vlapic_mmio_write(&la, 0x3C0, 4, 1), VLAPIC_MMIO_IGNORED);
}

static void test_mmio_access_rules(void **state)
{
	uint64_t v = 7;

	(void)state;
	wr(TPR, 0x20);
	assert_int_equal(vlapic_mmio_read(&la, TPR + 4, 4, &v), VLAPIC_MMIO_BAD_ACCESS);
	assert_int_equal(v, 0);
	assert_int_equal(vlapic_mmio_read(&la, TPR, 2, &v), VLAPIC_MMIO_BAD_ACCESS);
	assert_int_equal(vlapic_mmio_read(&la, TPR, 8, &v), VLAPIC_MMIO_BAD_ACCESS);
	assert_int_equal(vlapic_mmio_write(&la, TPR + 1, 1, 0x30), VLAPIC_MMIO_BAD_ACCESS);
	assert_int_equal(vlapic_mmio_write(&la, TPR, 8, 0x30), VLAPIC_MMIO_BAD_ACCESS);
	assert_int_equal(rd(TPR), 0x20);
	assert_int_equal(vlapic_mmio_read(&la, 0x1000, 4, &v), VLAPIC_MMIO_BAD_ACCESS);
}

static void test_tpr_ppr(void **state)
{
	(void)state;
	wr(TPR, 0x1FF);
	assert_int_equal(rd(TPR), 0xFF);
	wr(TPR, 0x45);
	assert_int_equal(rd(PPR), 0x45);
	wr(SVR, 0x1FF);
	vlapic_set_irr(&la, 0x61, false);
	assert_int_equal(rd(IRR0 + 3 * 16), 1u << 1);
	assert_int_equal(rd(APR), 0x60);
	assert_int_equal(vlapic_pending_vector(&la), 0x61);
	vlapic_ack(&la, 0x61);
	assert_int_equal(rd(IRR0 + 3 * 16), 0);
	assert_int_equal(rd(ISR0 + 3 * 16), 1u << 1);
	/* ISR class 6 beats TPR class 4. */
	assert_int_equal(rd(PPR), 0x60);
	vlapic_set_irr(&la, 0x65, false);
	assert_int_equal(vlapic_pending_vector(&la), -1);   /* same class */
	wr(TPR, 0x70);
	assert_int_equal(rd(PPR), 0x70);
	wr(TPR, 0x60);
	assert_int_equal(rd(PPR), 0x60);                    /* TPR >= ISRV */
	wr(TPR, 0);
	vlapic_set_irr(&la, 0x90, true);
	assert_int_equal(rd(TMR0 + 4 * 16), 1u << 16);
	assert_int_equal(vlapic_pending_vector(&la), 0x90);
	vlapic_ack(&la, 0x90);
	assert_int_equal(rd(PPR), 0x90);
	/* EOI retires the highest in-service vector first. */
	wr(EOI, 0);
	assert_int_equal(rd(ISR0 + 4 * 16), 0);
	assert_int_equal(rd(TMR0 + 4 * 16), 1u << 16);   /* TMR kept */
	assert_int_equal(rd(ISR0 + 3 * 16), 1u << 1);
	assert_int_equal(rd(PPR), 0x60);
	wr(EOI, 0);
	assert_int_equal(rd(ISR0 + 3 * 16), 0);
	assert_int_equal(rd(PPR), 0);
	assert_int_equal(vlapic_pending_vector(&la), 0x65);
	wr(EOI, 0);             /* spurious EOI: harmless */
	/* ISR/IRR/TMR are read-only. */
	assert_int_equal(vlapic_mmio_write(&la, ISR0, 4, 0xFFFFFFFF), VLAPIC_MMIO_IGNORED);
	assert_int_equal(vlapic_mmio_write(&la, IRR0 + 3 * 16, 4, 0), VLAPIC_MMIO_IGNORED);
	assert_int_equal(rd(IRR0 + 3 * 16), 1u << 5);
}

static void test_svr_lvt(void **state)
{
	(void)state;
	/* Software-disabled at reset: LVT mask cannot be cleared. */
	wr(LVT_TMR, 0x000200EF);
	assert_int_equal(rd(LVT_TMR), 0x000300EF);
	wr(SVR, 0x1FF);
	assert_int_equal(rd(SVR), 0x1FF);
	wr(LVT_TMR, 0x000200EF);
	assert_int_equal(rd(LVT_TMR), 0x000200EF);
	/* Writable-bit masks: delivery status / remote IRR are RO. */
	wr(LVT_TMR, 0xFFFFFFFF);
	assert_int_equal(rd(LVT_TMR), 0x000700FF);
	wr(LVT_LINT0, 0xFFFFFFFF);
	assert_int_equal(rd(LVT_LINT0), 0x0001A7FF);
	wr(LVT_ERR, 0xFFFFFFFF);
	assert_int_equal(rd(LVT_ERR), 0x000100FF);
	wr(LVT_CMCI, 0xFFFFFFFF);
	assert_int_equal(rd(LVT_CMCI), 0x000107FF);
	wr(LVT_LINT0, 0x700);
	assert_int_equal(rd(LVT_LINT0), 0x700);
	/* Disabling sets every mask bit. */
	wr(SVR, 0xFF);
	assert_int_equal(rd(LVT_LINT0), 0x10700);
	assert_int_equal(rd(LVT_TMR), 0x000700FF);
	wr(SVR, 0xFFFFFFFF);
	assert_int_equal(rd(SVR), 0x3FF);
	/* Re-enabling keeps them masked until software unmasks. */
	assert_int_equal(rd(LVT_LINT0), 0x10700);
	/* Disabled APIC does not offer interrupts. */
	wr(SVR, 0xFF);
	vlapic_set_irr(&la, 0x80, false);
	assert_int_equal(vlapic_pending_vector(&la), -1);
}

static void test_ldr_dfr_xapic(void **state)
{
	(void)state;
	wr(LDR, 0xFFFFFFFF);
	assert_int_equal(rd(LDR), 0xFF000000);
	wr(DFR, 0x0);
	assert_int_equal(rd(DFR), 0x0FFFFFFF);
	wr(DFR, 0xF0000000);
	assert_int_equal(rd(DFR), 0xFFFFFFFF);
}

static void test_esr(void **state)
{
	(void)state;
	/* Illegal vector in a fixed IPI: not sent, logged. */
	wr(ICR_LO, 0x00000005);
	assert_int_equal(ipis.n, 0);
	assert_int_equal(rd(ESR), 0);           /* not visible before a write */
	wr(ESR, 0xFFFFFFFF);                    /* value written ignored */
	assert_int_equal(rd(ESR), 0x20);
	assert_int_equal(rd(ESR), 0x20);        /* stable across reads */
	wr(ESR, 0);
	assert_int_equal(rd(ESR), 0);
	vlapic_set_irr(&la, 3, false);
	assert_int_equal(rd(IRR0), 0);
	wr(ESR, 0);
	assert_int_equal(rd(ESR), 0x40);
	/* INIT (delivery mode 101) carries no vector: vector 0 is fine. */
	wr(ICR_LO, 0x00004500);
	assert_int_equal(ipis.n, 1);
	wr(ESR, 0);
	assert_int_equal(rd(ESR), 0);
}

static void test_icr_xapic(void **state)
{
	(void)state;
	wr(ICR_HI, 0x05FFFFFF);
	assert_int_equal(rd(ICR_HI), 0x05000000);
	assert_int_equal(ipis.n, 0);            /* ICR high does not send */
	wr(ICR_LO, 0xFFFFF8FD);                 /* fixed, all other bits */
	assert_int_equal(ipis.n, 1);
	assert_int_equal(ipis.dest, 5);
	assert_int_equal(ipis.icr, 0x000CC8FD);
	assert_false(ipis.x2);
	assert_int_equal(rd(ICR_LO), 0x000CC8FD);   /* delivery status 0 */
	wr(ICR_LO, 0x000C4600);                 /* SIPI, all-excl-self */
	assert_int_equal(ipis.n, 2);
	assert_int_equal(ipis.icr, 0x000C4600);
}

static void test_x2apic_regs(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(vlapic_rdmsr(&la, MSR(ID), &v), -1);  /* not yet */
	assert_int_equal(vlapic_wrmsr(&la, MSR(TPR), 0), -1);
	to_x2apic();
	assert_false(vlapic_xapic_mmio_enabled(&la));
	assert_int_equal(vlapic_mmio_read(&la, ID, 4, &v), VLAPIC_MMIO_DISABLED);
	assert_int_equal(rdmsr_ok(MSR(ID)), 0x23);
	assert_int_equal(rdmsr_ok(MSR(VER)), 0x00060014);
	/* LDR derived: cluster 2, bit 3. */
	assert_int_equal(rdmsr_ok(MSR(LDR)), 0x00020008);
	assert_int_equal(vlapic_wrmsr(&la, MSR(LDR), 0), -1);
	/* DFR, APR, ICR high do not exist in x2APIC. */
	assert_int_equal(vlapic_rdmsr(&la, MSR(DFR), &v), -1);
	assert_int_equal(vlapic_wrmsr(&la, MSR(DFR), 0xFFFFFFFF), -1);
	assert_int_equal(vlapic_rdmsr(&la, MSR(APR), &v), -1);
	assert_int_equal(vlapic_rdmsr(&la, MSR(ICR_HI), &v), -1);
	assert_int_equal(vlapic_rdmsr(&la, 0x804, &v), -1);
	assert_int_equal(vlapic_rdmsr(&la, 0x8FF, &v), -1);
	assert_int_equal(vlapic_rdmsr(&la, 0x900, &v), -1);
	/* Write-only: EOI, SELF IPI. */
	assert_int_equal(vlapic_rdmsr(&la, MSR(EOI), &v), -1);
	assert_int_equal(vlapic_rdmsr(&la, MSR(SELF_IPI), &v), -1);
	/* Read-only. */
	assert_int_equal(vlapic_wrmsr(&la, MSR(ID), 0x23), -1);
	assert_int_equal(vlapic_wrmsr(&la, MSR(VER), 0), -1);
	assert_int_equal(vlapic_wrmsr(&la, MSR(PPR), 0), -1);
	assert_int_equal(vlapic_wrmsr(&la, MSR(ISR0), 0), -1);
	assert_int_equal(vlapic_wrmsr(&la, MSR(TMR0), 0), -1);
	assert_int_equal(vlapic_wrmsr(&la, MSR(IRR0), 0), -1);
	assert_int_equal(vlapic_wrmsr(&la, MSR(TMCCT), 0), -1);
	/* Reserved bits. */
	assert_int_equal(vlapic_wrmsr(&la, MSR(TPR), 0x100), -1);
	assert_int_equal(vlapic_wrmsr(&la, MSR(TPR), 1ULL << 32), -1);
	assert_int_equal(vlapic_wrmsr(&la, MSR(TPR), 0x30), 0);
	assert_int_equal(rdmsr_ok(MSR(TPR)), 0x30);
	assert_int_equal(rdmsr_ok(MSR(PPR)), 0x30);
	assert_int_equal(vlapic_wrmsr(&la, MSR(EOI), 1), -1);
	assert_int_equal(vlapic_wrmsr(&la, MSR(EOI), 0), 0);
	assert_int_equal(vlapic_wrmsr(&la, MSR(ESR), 1), -1);
	assert_int_equal(vlapic_wrmsr(&la, MSR(ESR), 0), 0);
	assert_int_equal(vlapic_wrmsr(&la, MSR(SVR), 0x11FF), -1);
	assert_int_equal(vlapic_wrmsr(&la, MSR(SVR), 0x1FF), 0);
	assert_int_equal(vlapic_wrmsr(&la, MSR(LVT_ERR), 0x10700), -1);
	assert_int_equal(vlapic_wrmsr(&la, MSR(LVT_ERR), 0xFE), 0);
	assert_int_equal(rdmsr_ok(MSR(LVT_ERR)), 0xFE);
	assert_int_equal(vlapic_wrmsr(&la, MSR(TDCR), 0x4), -1);
	assert_int_equal(vlapic_wrmsr(&la, MSR(TDCR), 0xB), 0);
	assert_int_equal(rdmsr_ok(MSR(TDCR)), 0xB);
	assert_int_equal(vlapic_wrmsr(&la, MSR(TMICT), 0xFFFFFFFF), 0);
	assert_int_equal(rdmsr_ok(MSR(TMICT)), 0xFFFFFFFF);
	/* The timer started (one-shot) and no time has passed yet. */
	assert_int_equal(rdmsr_ok(MSR(TMCCT)), 0xFFFFFFFF);
	/* Software disable forces LVT masks in x2APIC too. */
	assert_int_equal(vlapic_wrmsr(&la, MSR(SVR), 0xFF), 0);
	assert_int_equal(rdmsr_ok(MSR(LVT_ERR)), 0x100FE);
	assert_int_equal(vlapic_wrmsr(&la, MSR(LVT_ERR), 0xFE), 0);
	assert_int_equal(rdmsr_ok(MSR(LVT_ERR)), 0x100FE);
}

static void test_icr_x2apic(void **state)
{
	uint64_t v;

	(void)state;
	to_x2apic();
	assert_int_equal(vlapic_wrmsr(&la, MSR(ICR_LO),
				      (0x12345ULL << 32) | 0x40F1), 0);
	assert_int_equal(ipis.n, 1);
	assert_int_equal(ipis.dest, 0x12345);
	assert_int_equal(ipis.icr, 0x40F1);
	assert_true(ipis.x2);
	assert_int_equal(vlapic_rdmsr(&la, MSR(ICR_LO), &v), 0);
	assert_int_equal(v, (0x12345ULL << 32) | 0x40F1);
	/* Delivery status (bit 12) and other reserved bits: #GP, no send. */
	assert_int_equal(vlapic_wrmsr(&la, MSR(ICR_LO), 0x10F1), -1);
	assert_int_equal(vlapic_wrmsr(&la, MSR(ICR_LO), 0x100F1), -1);
	assert_int_equal(ipis.n, 1);
	/* SELF IPI: vector only, delivered via the host as shorthand self. */
	assert_int_equal(vlapic_wrmsr(&la, MSR(SELF_IPI), 0x1F0), -1);
	assert_int_equal(vlapic_wrmsr(&la, MSR(SELF_IPI), 0xF0), 0);
	assert_int_equal(ipis.n, 2);
	assert_int_equal(ipis.dest, 0x23);
	assert_int_equal(ipis.icr, 0x000400F0);
	/* Illegal vector: logged in ESR, not sent. */
	assert_int_equal(vlapic_wrmsr(&la, MSR(SELF_IPI), 0x02), 0);
	assert_int_equal(ipis.n, 2);
	assert_int_equal(vlapic_wrmsr(&la, MSR(ESR), 0), 0);
	assert_int_equal(rdmsr_ok(MSR(ESR)), 0x20);
}

static void test_apicbase(void **state)
{
	const uint64_t base = 0xFEE00000;

	(void)state;
	/* Reserved bits: 0-7, 9, above MAXPHYADDR. */
	assert_int_equal(vlapic_set_apicbase(&la, base | APICBASE_EN | 1), -1);
	assert_int_equal(vlapic_set_apicbase(&la, base | APICBASE_EN | (1 << 9)), -1);
	assert_int_equal(vlapic_set_apicbase(&la, (1ULL << 52) | base | APICBASE_EN), -1);
	/* Invalid state EN=0, EXTD=1. */
	assert_int_equal(vlapic_set_apicbase(&la, base | APICBASE_EXTD), -1);
	/* BSP bit is read-only. */
	assert_int_equal(vlapic_set_apicbase(&la, base | APICBASE_EN | APICBASE_BSP), 0);
	assert_int_equal(vlapic_get_apicbase(&la), base | APICBASE_EN);
	/* xAPIC -> x2APIC -> xAPIC (illegal) -> disabled -> x2APIC (illegal)
	 * -> xAPIC -> x2APIC. */
	wr(TPR, 0x20);
	to_x2apic();
	assert_int_equal(rdmsr_ok(MSR(TPR)), 0x20);       /* state kept */
	assert_int_equal(vlapic_set_apicbase(&la, base | APICBASE_EN), -1);
	assert_true(vlapic_x2apic_mode(&la));
	assert_int_equal(vlapic_set_apicbase(&la, base), 0);
	assert_false(vlapic_x2apic_mode(&la));
	assert_false(vlapic_xapic_mmio_enabled(&la));
	uint64_t v;
	assert_int_equal(vlapic_mmio_read(&la, TPR, 4, &v), VLAPIC_MMIO_DISABLED);
	assert_int_equal(vlapic_mmio_write(&la, TPR, 4, 0x50), VLAPIC_MMIO_DISABLED);
	assert_int_equal(vlapic_rdmsr(&la, MSR(TPR), &v), -1);
	assert_int_equal(vlapic_set_apicbase(&la, base | APICBASE_EN | APICBASE_EXTD), -1);
	assert_int_equal(vlapic_set_apicbase(&la, base | APICBASE_EN), 0);
	assert_true(vlapic_xapic_mmio_enabled(&la));
	/* Global disable reset the registers. */
	assert_int_equal(rd(TPR), 0);
	assert_int_equal(rd(SVR), 0xFF);
	assert_int_equal(rd(ID), 0x23000000);
	to_x2apic();
	/* x2APIC -> disabled directly is legal. */
	assert_int_equal(vlapic_set_apicbase(&la, base), 0);
	/* Relocation. */
	assert_int_equal(vlapic_set_apicbase(&la, 0xFED00000 | APICBASE_EN), 0);
	assert_int_equal(vlapic_mmio_base(&la), 0xFED00000);
}


/* ---- timer (SDM 11.5.4) ---- */

/* TSC at 2 GHz, timer clock 100 MHz: one timer tick = 20 TSC ticks. */
static void clock_2ghz(void)
{
	vlapic_set_clock(&la, 2000000, 100000);
	wr(SVR, 0x1FF);
}

static void test_timer_divisors(void **state)
{
	static const struct { uint32_t dcr; unsigned div; } t[] = {
		{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xA, 128 }, { 0xB, 1 },
	};

	(void)state;
	clock_2ghz();
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(vlapic_timer_divisor(t[i].dcr), t[i].div);
		host.now = 1000;
		wr(TDCR, t[i].dcr);
		wr(LVT_TMR, 0x30);                 /* one-shot, vector 0x30 */
		wr(TMICT, 1000);
		/* 1000 ticks * div * 20 TSC ticks each. */
		assert_int_equal(host.armed, 1000 + 1000ull * t[i].div * 20);
		host.now = 1000 + 500ull * t[i].div * 20;
		assert_int_equal(rd(TMCCT), 500);
		wr(TMICT, 0);                      /* stops */
		assert_int_equal(host.armed, 0);
		assert_int_equal(rd(TMCCT), 0);
	}
}

static void test_timer_oneshot(void **state)
{
	(void)state;
	clock_2ghz();
	wr(TDCR, 0xB);                             /* divide by 1 */
	wr(LVT_TMR, 0x31);
	host.now = 100;
	wr(TMICT, 50);
	assert_int_equal(host.armed, 100 + 50 * 20);
	assert_int_equal(rd(TMCCT), 50);
	host.now = 100 + 50 * 20;
	vlapic_timer_expired(&la);
	assert_int_equal(rd(IRR0 + 16), 1u << (0x31 - 32));
	assert_int_equal(rd(TMCCT), 0);
	/* Expired one-shot: a stale expiry does nothing. */
	wr(TMICT, 0);
	vlapic_timer_expired(&la);
	/* Re-arming restarts from the new write. */
	host.now = 5000;
	wr(TMICT, 10);
	assert_int_equal(host.armed, 5000 + 200);
	host.now = 5100;
	wr(TMICT, 10);
	assert_int_equal(host.armed, 5100 + 200);
	/* A masked timer counts but raises nothing. */
	memset(page + IRR0 / 4, 0, 4 * 8 * 4);
	wr(LVT_TMR, 0x10031);
	host.now = 5300;
	vlapic_timer_expired(&la);
	assert_int_equal(vlapic_highest_irr(&la), -1);
}

static void test_timer_periodic_no_drift(void **state)
{
	uint64_t start = 777;

	(void)state;
	/* 3 GHz TSC, 100 MHz timer, count 7, divide 1: 210 TSC ticks; use an
	 * awkward ratio instead: TSC 1.234567 GHz -> 86.41969 TSC ticks per
	 * period of 7 ticks. After N periods the deadline must be within one
	 * TSC tick of start + N * 86.41969. */
	vlapic_set_clock(&la, 1234567, 100000);
	wr(SVR, 0x1FF);
	wr(TDCR, 0xB);
	wr(LVT_TMR, 0x20040);                      /* periodic, vector 0x40 */
	host.now = start;
	wr(TMICT, 7);
	for (int n = 1; n <= 100000; n++) {
		host.now = host.armed;
		vlapic_timer_expired(&la);
	}
	/* exact: 100001 * 7 * 1234567 / 100000 */
	uint64_t exact = start + (100001ull * 7 * 1234567) / 100000;
	assert_true(host.armed >= exact - 1 && host.armed <= exact + 1);
	assert_int_equal(vlapic_highest_irr(&la), 0x40);
	/* A host late by many periods skips them; the next deadline is in
	 * the future. */
	host.now = host.armed + 1000000;
	vlapic_timer_expired(&la);
	assert_true(host.armed > host.now);
	assert_true(host.armed <= host.now + 87);
	/* A period shorter than a TSC tick, and a host away for 2^40 ticks:
	 * one step, and the next deadline is just ahead. */
	vlapic_set_clock(&la, 50000, 100000);     /* 0.5 TSC tick per count */
	wr(TMICT, 1);
	host.now += 1ull << 40;
	vlapic_timer_expired(&la);
	assert_int_equal(host.armed, host.now + 1);
}

static void test_timer_tsc_deadline(void **state)
{
	(void)state;
	clock_2ghz();
	/* Outside TSC-deadline mode the MSR write is ignored. */
	vlapic_set_tsc_deadline(&la, 5000);
	assert_int_equal(vlapic_get_tsc_deadline(&la), 0);
	wr(LVT_TMR, 0x40050);
	assert_int_equal(rd(LVT_TMR), 0x40050);
	vlapic_set_tsc_deadline(&la, 5000);
	assert_int_equal(vlapic_get_tsc_deadline(&la), 5000);
	assert_int_equal(host.armed, 5000);
	/* TMICT is ignored in this mode. */
	wr(TMICT, 100);
	assert_int_equal(rd(TMICT), 0);
	assert_int_equal(host.armed, 5000);
	host.now = 5000;
	vlapic_timer_expired(&la);
	assert_int_equal(vlapic_highest_irr(&la), 0x50);
	assert_int_equal(vlapic_get_tsc_deadline(&la), 0);   /* cleared on expiry */
	/* Writing 0 disarms. */
	vlapic_set_tsc_deadline(&la, 9000);
	vlapic_set_tsc_deadline(&la, 0);
	assert_int_equal(host.armed, 0);
	/* A mode change disarms. */
	vlapic_set_tsc_deadline(&la, 9000);
	wr(LVT_TMR, 0x00050);
	assert_int_equal(host.armed, 0);
	assert_int_equal(vlapic_get_tsc_deadline(&la), 0);
}

/* ---- acceptance, priority, EOI (SDM 11.8) ---- */

static void test_priority_and_eoi(void **state)
{
	(void)state;
	wr(SVR, 0x1FF);
	vlapic_set_irr(&la, 0x45, false);
	vlapic_set_irr(&la, 0x61, true);           /* level: TMR */
	assert_int_equal(vlapic_pending_vector(&la), 0x61);
	assert_int_equal(rd(TMR0 + 0x60 / 32 * 16), 1u << (0x61 % 32));
	/* TPR class 6 masks 0x61 and 0x45. */
	wr(TPR, 0x60);
	assert_int_equal(vlapic_pending_vector(&la), -1);
	wr(TPR, 0x50);
	assert_int_equal(vlapic_pending_vector(&la), 0x61);
	vlapic_ack(&la, 0x61);
	assert_int_equal(rd(PPR), 0x60);
	assert_int_equal(vlapic_reg(&la, PPR), 0x60);  /* kept in the page */
	assert_int_equal(vlapic_pending_vector(&la), -1);   /* 0x45 below */
	/* EOI of a level vector is broadcast. */
	wr(EOI, 0);
	assert_int_equal(host.eois, 1);
	assert_int_equal(host.eoi_vec, 0x61);
	assert_int_equal(rd(PPR), 0x50);
	wr(TPR, 0);
	assert_int_equal(vlapic_pending_vector(&la), 0x45);
	vlapic_ack(&la, 0x45);
	wr(EOI, 0);
	assert_int_equal(host.eois, 1);            /* edge: no broadcast */
	/* A software-disabled APIC delivers nothing. */
	vlapic_set_irr(&la, 0x80, false);
	wr(SVR, 0xFF);
	assert_int_equal(vlapic_pending_vector(&la), -1);
	/* CR8 is TPR[7:4]. */
	vlapic_set_cr8(&la, 0xA);
	assert_int_equal(rd(TPR), 0xA0);
	assert_int_equal(vlapic_get_cr8(&la), 0xA);
}

static void test_lvt_delivery(void **state)
{
	(void)state;
	wr(SVR, 0x1FF);
	wr(LVT_LINT0, 0x700);                      /* ExtINT */
	assert_int_equal(vlapic_fire_lvt(&la, VLAPIC_LVT_LINT0), VLAPIC_DELIVER_EXTINT);
	assert_int_equal(host.extints, 1);
	wr(0x360, 0x400);                          /* LINT1: NMI */
	assert_int_equal(vlapic_fire_lvt(&la, VLAPIC_LVT_LINT1), VLAPIC_DELIVER_NMI);
	assert_int_equal(host.nmis, 1);
	wr(LVT_LINT0, 0x8033);                     /* fixed, level */
	assert_int_equal(vlapic_fire_lvt(&la, VLAPIC_LVT_LINT0), VLAPIC_DELIVER_NONE);
	assert_int_equal(vlapic_highest_irr(&la), 0x33);
	assert_int_equal(rd(TMR0 + 16), 1u << (0x33 - 32));
	wr(LVT_LINT0, 0x10700);                    /* masked */
	assert_int_equal(vlapic_fire_lvt(&la, VLAPIC_LVT_LINT0), VLAPIC_DELIVER_NONE);
	assert_int_equal(host.extints, 1);
	/* An illegal vector raises the error LVT's interrupt. */
	wr(LVT_ERR, 0xEE);
	wr(ICR_LO, 0x00004003);
	wr(ESR, 0);
	assert_int_equal(rd(ESR), 0x20);
	assert_int_equal(vlapic_highest_irr(&la), 0xEE);
}

/* Found by tests/fuzz/fuzz_lapic.c: an error LVT programmed with an
 * illegal vector re-signalled its own receive error for ever (host stack
 * overflow). The errors are logged once and nothing is delivered. */
static void test_error_lvt_illegal_vector(void **state)
{
	(void)state;
	wr(SVR, 0x1FF);
	wr(LVT_ERR, 0x05);
	wr(ICR_LO, 0x00004003);                    /* send illegal vector */
	assert_int_equal(ipis.n, 0);
	vlapic_set_irr(&la, 0x07, false);          /* receive illegal vector */
	assert_int_equal(vlapic_fire_lvt(&la, VLAPIC_LVT_ERROR), VLAPIC_DELIVER_NONE);
	wr(LVT_TMR, 0x09);                         /* timer with vector 9 */
	wr(TMICT, 1);
	host.now = host.armed;
	vlapic_timer_expired(&la);
	assert_int_equal(vlapic_highest_irr(&la), -1);
	wr(ESR, 0);
	assert_int_equal(rd(ESR), 0x60);
	/* A legal error vector still delivers. */
	wr(LVT_ERR, 0x3E);
	wr(ICR_LO, 0x00004003);
	assert_int_equal(vlapic_highest_irr(&la), 0x3E);
	wr(ESR, 0);
	assert_int_equal(rd(ESR), 0x20);
}

static void set_ldr_dfr(struct vlapic *l, uint32_t ldr, uint32_t dfr)
{
	assert_int_equal(vlapic_mmio_write(l, LDR, 4, ldr), VLAPIC_MMIO_OK);
	assert_int_equal(vlapic_mmio_write(l, DFR, 4, dfr), VLAPIC_MMIO_OK);
}

static void test_dest_matching(void **state)
{
	(void)state;
	/* xAPIC physical: ID 0x23, broadcast 0xFF. */
	assert_true(vlapic_match_dest(&la, 0x23, false));
	assert_false(vlapic_match_dest(&la, 0x24, false));
	assert_true(vlapic_match_dest(&la, 0xFF, false));
	/* Flat: LDR bit set in the 8-bit mask. */
	set_ldr_dfr(&la, 0x04000000, 0xFFFFFFFF);
	assert_true(vlapic_match_dest(&la, 0x04, true));
	assert_true(vlapic_match_dest(&la, 0x0C, true));
	assert_false(vlapic_match_dest(&la, 0x08, true));
	assert_true(vlapic_match_dest(&la, 0xFF, true));
	/* Cluster: high nibble cluster, low nibble member mask. */
	set_ldr_dfr(&la, 0x32000000, 0x0FFFFFFF);
	assert_true(vlapic_match_dest(&la, 0x32, true));
	assert_true(vlapic_match_dest(&la, 0x3A, true));
	assert_false(vlapic_match_dest(&la, 0x22, true));
	assert_false(vlapic_match_dest(&la, 0x31, true));
	/* x2APIC: 32-bit physical ID, logical cluster 0x23>>4 = 2, bit 3. */
	to_x2apic();
	assert_true(vlapic_match_dest(&la, 0x23, false));
	assert_false(vlapic_match_dest(&la, 0x123, false));
	assert_true(vlapic_match_dest(&la, 0xFFFFFFFF, false));
	assert_true(vlapic_match_dest(&la, 0x00020008, true));
	assert_true(vlapic_match_dest(&la, 0x0002000C, true));
	assert_false(vlapic_match_dest(&la, 0x00010008, true));
	assert_false(vlapic_match_dest(&la, 0x00020004, true));
	assert_true(vlapic_match_dest(&la, 0xFFFFFFFF, true));
}

static void test_apic_write_trap(void **state)
{
	(void)state;
	/* APIC virtualization stored the value; the model applies it. */
	page[TPR / 4] = 0x30;
	vlapic_apic_write(&la, TPR);
	assert_int_equal(vlapic_reg(&la, PPR), 0x30);
	page[ICR_HI / 4] = 0x05000000;
	page[ICR_LO / 4] = 0x000040F1;
	vlapic_apic_write(&la, ICR_LO);
	assert_int_equal(ipis.n, 1);
	assert_int_equal(ipis.dest, 5);
	assert_int_equal(ipis.icr, 0x40F1);
	/* A store into the read-only ID is undone. */
	page[ID / 4] = 0x7F000000;
	vlapic_apic_write(&la, ID);
	assert_int_equal(rd(ID), 0x23000000);
	/* Masked LVT bits the guest stored are dropped. */
	wr(SVR, 0x1FF);
	page[LVT_ERR / 4] = 0xFFFFFFFF;
	vlapic_apic_write(&la, LVT_ERR);
	assert_int_equal(rd(LVT_ERR), 0x100FF);
}

/* Found by tests/fuzz/fuzz_lapic.c: a timer mode change that arrives as
 * an APIC write found the new LVT already in the page, so the model saw
 * no change: the periodic timer kept running and ICR kept its count in
 * TSC-deadline mode (SDM 11.5.4.1: a mode change disarms the timer). */
static void test_apic_write_timer_mode(void **state)
{
	(void)state;
	wr(SVR, 0x1FF);
	wr(LVT_TMR, 0x20040);                      /* periodic */
	wr(TMICT, 1000);
	assert_int_not_equal(host.armed, 0);
	page[LVT_TMR / 4] = 0x40040;               /* the CPU stored TSC-deadline */
	vlapic_apic_write(&la, LVT_TMR);
	assert_int_equal(host.armed, 0);
	assert_int_equal(rd(TMICT), 0);
	assert_int_equal(rd(TMCCT), 0);
	vlapic_set_tsc_deadline(&la, 5000);
	assert_int_equal(host.armed, 5000);
	page[LVT_TMR / 4] = 0x00040;               /* and back to one-shot */
	vlapic_apic_write(&la, LVT_TMR);
	assert_int_equal(host.armed, 0);
	assert_int_equal(vlapic_get_tsc_deadline(&la), 0);
	/* Same mode: a plain LVT store leaves a running count alone. */
	wr(TMICT, 1000);
	page[LVT_TMR / 4] = 0x00041;
	vlapic_apic_write(&la, LVT_TMR);
	assert_int_not_equal(host.armed, 0);
	assert_int_equal(rd(TMICT), 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reset, setup),
		cmocka_unit_test_setup(test_id_version_readonly, setup),
		cmocka_unit_test_setup(test_mmio_access_rules, setup),
		cmocka_unit_test_setup(test_tpr_ppr, setup),
		cmocka_unit_test_setup(test_svr_lvt, setup),
		cmocka_unit_test_setup(test_ldr_dfr_xapic, setup),
		cmocka_unit_test_setup(test_esr, setup),
		cmocka_unit_test_setup(test_icr_xapic, setup),
		cmocka_unit_test_setup(test_x2apic_regs, setup),
		cmocka_unit_test_setup(test_icr_x2apic, setup),
		cmocka_unit_test_setup(test_apicbase, setup),
		cmocka_unit_test_setup(test_timer_divisors, setup),
		cmocka_unit_test_setup(test_timer_oneshot, setup),
		cmocka_unit_test_setup(test_timer_periodic_no_drift, setup),
		cmocka_unit_test_setup(test_timer_tsc_deadline, setup),
		cmocka_unit_test_setup(test_priority_and_eoi, setup),
		cmocka_unit_test_setup(test_lvt_delivery, setup),
		cmocka_unit_test_setup(test_error_lvt_illegal_vector, setup),
		cmocka_unit_test_setup(test_dest_matching, setup),
		cmocka_unit_test_setup(test_apic_write_trap, setup),
		cmocka_unit_test_setup(test_apic_write_timer_mode, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
