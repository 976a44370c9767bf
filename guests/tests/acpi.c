/* acpi: the ACPI tables as an OS finds them (ACPI 6.x chapter 5) and the
 * fixed hardware they describe (chapter 4), then power-off through S5.
 *
 *  1. RSDP by scanning 0xE0000-0xFFFFF on 16-byte boundaries, its 20-byte
 *     and extended checksums; RSDT and XSDT (signature, checksum, the same
 *     tables in both); FADT, DSDT, FACS, MADT with valid checksums; none
 *     of them in memory the multiboot map calls available;
 *  2. MADT: exactly one enabled local APIC per vCPU (the count from
 *     fw_cfg, CPUID leaf 0xB, or cpus=N natively), distinct IDs, the BSP's
 *     among them; the I/O APIC at 0xFEC00000 with the ID its own ID
 *     register has; overrides IRQ0 -> GSI 2 and SCI IRQ 9 -> GSI 9 (level,
 *     active high); LINT1 as NMI;
 *  3. FADT: PM1a event/control and PM timer blocks (and their X_ twins),
 *     the reset register; IAPC_BOOT_ARCH's 8042 flag matches port 0x64;
 *  4. the PM timer: 24 bits, monotonic, 3.579545 MHz against the TSC
 *     within 0.5%;
 *  5. DSDT: \_SB.PCI0 (PNP0A03) and \_S5_'s SLP_TYP; then SLP_TYP|SLP_EN
 *     into PM1a_CNT, which must end the VM ("powered off", status 0).
 * Under Vireo the exact layout is checked too (RSDP at 0xF0000 revision 2,
 * FADT revision 6, PM block at 0x600, SCI 9, S5 type 7, I/O APIC ID =
 * vCPU count). Natively (Bochs BIOS tables, PIIX4 PM) those are skipped,
 * and so is the power-off (Bochs' PIIX4 treats S5 as a panic): the guest
 * ends with test_finish(). */
#include "pc.h"

static uint32_t tsc_khz;
static int on_vireo;
static unsigned ncpus;

static const uint8_t *bytes(const void *p) { return p; }
static uint32_t rd32(const void *p) { const uint8_t *b = p; return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24; }
static uint64_t rd64(const void *p) { return rd32(p) | (uint64_t)rd32(bytes(p) + 4) << 32; }


static void vireo_eq(uint64_t got, uint64_t want, const char *name)
{
	if (on_vireo)
		check_eq(got, want, name);
	else
		printf("native: %s is 0x%llx\n", name, (unsigned long long)got);
}

/* a fixed-width, not terminated field as a string (printf has no %.Ns) */
static const char *str(char *buf, const char *field, size_t n)
{
	memcpy(buf, field, n);
	buf[n] = 0;
	return buf;
}

static void print_sdt(const struct acpi_sdt *t)
{
	char sig[5], oem[7], tab[9];

	printf("%s at 0x%lx, %u bytes, revision %u, OEM '%s' '%s'\n", str(sig, t->signature, 4),
	       (unsigned long)(uintptr_t)t, t->length, t->revision, str(oem, t->oem_id, 6),
	       str(tab, t->oem_table_id, 8));
}

/* [pa, pa + len) overlaps no "available" (type 1) range of the multiboot
 * memory map: an OS would otherwise reuse the memory. */
static int outside_available_ram(uintptr_t pa, uint32_t len)
{
	struct mb_info *mb = mb_info();

	if (mb_magic != MB_MAGIC || !(mb->flags & (1u << 6)))
		return 1;
	for (uint32_t off = 0; off < mb->mmap_length;) {
		const struct mb_mmap *e = phys(mb->mmap_addr + off);
		if (e->type == 1 && pa < e->addr + e->len && pa + len > e->addr)
			return 0;
		off += e->size + 4;
	}
	return 1;
}

/* ------------------------------------------------------ 1. RSDP, RSDT, XSDT */
static int test_root(void)
{
	const struct acpi_rsdp *r = acpi.rsdp;

	if (!check(r != 0, "rsdp-found-by-scan"))
		return 0;
	char oem[7];
	printf("RSDP at 0x%lx, revision %u, OEM '%s', RSDT 0x%x\n", (unsigned long)(uintptr_t)r, r->revision,
	       str(oem, r->oem_id, 6), r->rsdt);
	vireo_eq((uintptr_t)r, 0xF0000, "rsdp-at-0xf0000");
	vireo_eq(r->revision, 2, "rsdp-revision-2");
	if (r->revision >= 2) {
		check_eq(r->length, 36, "rsdp-length-36");
		check(acpi_checksum_ok(r, r->length), "rsdp-extended-checksum");
	}
	if (!check(acpi.rsdt && !memcmp(acpi.rsdt->signature, "RSDT", 4), "rsdt-signature"))
		return 0;
	check(acpi_checksum_ok(acpi.rsdt, acpi.rsdt->length), "rsdt-checksum");
	check(outside_available_ram((uintptr_t)acpi.rsdt, acpi.rsdt->length), "rsdt-not-in-available-ram");
	print_sdt(acpi.rsdt);
	if (r->revision < 2) {
		skip("xsdt-signature", "RSDP revision 0: no XSDT");
		return 1;
	}
	if (!check(acpi.xsdt && !memcmp(acpi.xsdt->signature, "XSDT", 4), "xsdt-signature"))
		return 1;
	print_sdt(acpi.xsdt);
	check(acpi_checksum_ok(acpi.xsdt, acpi.xsdt->length), "xsdt-checksum");
	check(outside_available_ram((uintptr_t)acpi.xsdt, acpi.xsdt->length), "xsdt-not-in-available-ram");
	/* the same tables, in the same order */
	unsigned n4 = (acpi.rsdt->length - 36) / 4, n8 = (acpi.xsdt->length - 36) / 8, same = n4 == n8;
	for (unsigned i = 0; same && i < n4; i++)
		same = rd32(bytes(acpi.rsdt) + 36 + 4 * i) == rd64(bytes(acpi.xsdt) + 36 + 8 * i);
	printf("RSDT lists %u tables, XSDT %u\n", n4, n8);
	check(same, "rsdt-xsdt-list-the-same-tables");
	return 1;
}

/* ------------------------------------------------------------------ 2. MADT */
static unsigned cpuid_core_count(void)
{
	uint32_t max, a, b, c, d;

	cpuid(0, 0, &max, 0, 0, 0);
	if (max < 0xB)
		return 0;
	cpuid(0xB, 1, &a, &b, &c, &d);
	return ((c >> 8) & 0xFF) == 2 ? (b & 0xFFFF) : 0; /* level type 2 = core */
}

static void test_madt(void)
{
	if (!check(acpi.madt != 0, "madt-found"))
		return;
	print_sdt(acpi.madt);
	check(outside_available_ram((uintptr_t)acpi.madt, acpi.madt->length), "madt-not-in-available-ram");
	check_eq(acpi.lapic_addr, 0xFEE00000, "madt-lapic-address");
	check_eq(acpi.madt_flags & 1, 1, "madt-pcat-compat");

	unsigned core = cpuid_core_count();
	printf("vCPUs: %u (fw_cfg/cmdline), CPUID 0xB says %u; MADT: %u local APICs, %u enabled\n", ncpus, core,
	       acpi.nlapics, acpi.nlapics_enabled);
	if (on_vireo)
		check_eq(core, ncpus, "cpuid-0xb-core-count-matches-fw-cfg");
	check_eq(acpi.nlapics_enabled, ncpus, "madt-one-enabled-lapic-per-vcpu");
	int distinct = 1, bsp_listed = 0, ids_in_order = 1;
	for (unsigned i = 0; i < acpi.nlapics && i < ACPI_MAX_LAPICS; i++) {
		if (acpi.lapic_id[i] == lapic_id())
			bsp_listed = 1;
		if (acpi.lapic_id[i] != i)
			ids_in_order = 0;
		for (unsigned j = 0; j < i; j++)
			if (acpi.lapic_id[j] == acpi.lapic_id[i])
				distinct = 0;
	}
	check(distinct, "madt-lapic-ids-distinct");
	check(bsp_listed, "madt-lists-bsp-apic-id");
	if (on_vireo)
		check(ids_in_order && acpi.nlapics == ncpus, "madt-lapic-ids-0-to-n-1");

	check_eq(acpi.nioapics, 1, "madt-one-ioapic");
	check_eq(acpi.ioapic_addr, 0xFEC00000, "madt-ioapic-address");
	check_eq(acpi.ioapic_gsi_base, 0, "madt-ioapic-gsi-base-0");
	uint32_t id_reg = (ioapic_read(IOAPIC_REG_ID) >> 24) & 0x0F;
	check_eq(acpi.ioapic_id, id_reg, "madt-ioapic-id-matches-id-register");
	vireo_eq(acpi.ioapic_id, ncpus, "ioapic-id-is-vcpu-count");

	struct irq_route r0, r9;
	isa_irq_route(0, &r0);
	isa_irq_route(acpi.sci_irq, &r9);
	for (unsigned i = 0; i < acpi.niso; i++)
		printf("override: bus %u IRQ %u -> GSI %u, flags 0x%04x\n", acpi.iso[i].bus, acpi.iso[i].irq,
		       acpi.iso[i].gsi, acpi.iso[i].flags);
	check(r0.overridden && r0.gsi == 2, "madt-override-irq0-gsi2");
	if (on_vireo) {
		check_eq(r0.flags, 0, "madt-override-irq0-conforming");
		check(r9.overridden && r9.gsi == 9, "madt-override-sci-irq9-gsi9");
		check_eq(r9.flags, 0x000D, "madt-override-sci-level-active-high");
		check(acpi.nnmi == 1 && acpi.nmi[0].uid == 0xFF && acpi.nmi[0].lint == 1, "madt-lint1-nmi-all-cpus");
	} else {
		printf("native: SCI IRQ %u -> GSI %u %s %s, %u LAPIC NMI entries\n", acpi.sci_irq, r9.gsi,
		       r9.level ? "level" : "edge", r9.active_low ? "low" : "high", acpi.nnmi);
	}
}

/* ------------------------------------------------------------------ 3. FADT */
/* A Generic Address Structure naming an I/O port block: space 1, width */
static int gas_io_is(const uint8_t *gas, uint32_t port, unsigned bits)
{
	return gas[0] == 1 && gas[1] == bits && rd64(gas + 4) == port;
}

static void test_fadt(void)
{
	const struct acpi_sdt *f = acpi.fadt;
	const uint8_t *p = bytes(f);

	if (!check(f != 0, "fadt-found"))
		return;
	print_sdt(f);
	check(outside_available_ram((uintptr_t)f, f->length), "fadt-not-in-available-ram");
	vireo_eq(f->revision, 6, "fadt-revision-6");
	if (check(acpi.dsdt && !memcmp(acpi.dsdt->signature, "DSDT", 4), "dsdt-signature")) {
		print_sdt(acpi.dsdt);
		check(acpi_checksum_ok(acpi.dsdt, acpi.dsdt->length), "dsdt-checksum");
		check(outside_available_ram((uintptr_t)acpi.dsdt, acpi.dsdt->length), "dsdt-not-in-available-ram");
		if (f->length >= FADT_X_DSDT + 8 && rd64(p + FADT_X_DSDT) && rd32(p + FADT_DSDT))
			check_eq(rd64(p + FADT_X_DSDT), rd32(p + FADT_DSDT), "fadt-x-dsdt-matches-dsdt");
	}
	const struct acpi_sdt *facs = acpi.facs;
	if (check(facs && !memcmp(facs->signature, "FACS", 4), "facs-signature")) {
		check(facs->length >= 64 && ((uintptr_t)facs & 63) == 0, "facs-64-bytes-aligned");
		check(outside_available_ram((uintptr_t)facs, facs->length), "facs-not-in-available-ram");
	}

	printf("FADT: SCI %u, SMI_CMD 0x%x, PM1a_EVT 0x%x/%u, PM1a_CNT 0x%x/%u, PM_TMR 0x%x/%u, flags 0x%x\n",
	       acpi.sci_irq, acpi.smi_cmd, acpi.pm1a_evt, p[FADT_PM1_EVT_LEN], acpi.pm1a_cnt, p[FADT_PM1_CNT_LEN],
	       acpi.pm_tmr, p[FADT_PM_TMR_LEN], acpi.fadt_flags);
	check(acpi.pm1a_evt && p[FADT_PM1_EVT_LEN] >= 4, "fadt-pm1a-evt-block");
	check(acpi.pm1a_cnt && p[FADT_PM1_CNT_LEN] >= 2, "fadt-pm1a-cnt-block");
	check(acpi.pm_tmr && p[FADT_PM_TMR_LEN] == 4, "fadt-pm-tmr-block");
	vireo_eq(acpi.sci_irq, 9, "fadt-sci-irq-9");
	vireo_eq(acpi.smi_cmd, 0, "fadt-no-smi-cmd");
	vireo_eq(acpi.pm1a_evt, 0x600, "fadt-pm1a-evt-0x600");
	vireo_eq(acpi.pm1a_cnt, 0x604, "fadt-pm1a-cnt-0x604");
	vireo_eq(acpi.pm_tmr, 0x608, "fadt-pm-tmr-0x608");
	if (f->length >= FADT_X_PM_TMR_BLK + 12) {
		check(gas_io_is(p + FADT_X_PM1A_EVT_BLK, acpi.pm1a_evt, p[FADT_PM1_EVT_LEN] * 8u),
		      "fadt-x-pm1a-evt-matches");
		check(gas_io_is(p + FADT_X_PM1A_CNT_BLK, acpi.pm1a_cnt, p[FADT_PM1_CNT_LEN] * 8u),
		      "fadt-x-pm1a-cnt-matches");
		check(gas_io_is(p + FADT_X_PM_TMR_BLK, acpi.pm_tmr, 32), "fadt-x-pm-tmr-matches");
	} else if (on_vireo) {
		fail("fadt-x-blocks", "FADT of %u bytes has no X_ blocks", f->length);
	}
	if (acpi.fadt_flags & FADT_FLAG_RESET_REG_SUP) {
		const uint8_t *g = p + FADT_RESET_REG;
		printf("reset register: space %u, %u bits at 0x%llx, value 0x%x\n", g[0], g[1],
		       (unsigned long long)rd64(g + 4), p[FADT_RESET_VALUE]);
		if (on_vireo) {
			check(gas_io_is(g, 0x60C, 8), "fadt-reset-reg-io-0x60c");
			check_eq(p[FADT_RESET_VALUE], 6, "fadt-reset-value-6");
		}
	} else if (on_vireo) {
		fail("fadt-reset-reg-sup", "flags 0x%x", acpi.fadt_flags);
	}
	vireo_eq(inw(acpi.pm1a_cnt) & PM1_CNT_SCI_EN, 1, "pm1-cnt-sci-en-already-set");

	/* IAPC_BOOT_ARCH (FADT revision 3 and later): the 8042 flag says an
	 * OS may probe ports 0x60/0x64; status 0xFF means nothing is there */
	if (f->revision >= 3) {
		uint16_t arch = (uint16_t)(p[FADT_IAPC_BOOT_ARCH] | p[FADT_IAPC_BOOT_ARCH + 1] << 8);
		uint8_t st = inb(0x64);
		printf("IAPC_BOOT_ARCH 0x%x, port 0x64 reads 0x%02x\n", arch, st);
		check(!!(arch & IAPC_8042) == (st != 0xFF), "fadt-8042-flag-matches-port-0x64");
		check(arch & IAPC_LEGACY_DEVICES, "fadt-legacy-devices");
	} else {
		skip("fadt-8042-flag-matches-port-0x64", "FADT revision < 3: no IAPC_BOOT_ARCH");
	}
}

/* --------------------------------------------------------------- 4. PM timer */
static void test_pm_timer(void)
{
	uint32_t raw = inl(acpi.pm_tmr);

	if (!(acpi.fadt_flags & FADT_FLAG_TMR_VAL_EXT))
		check_eq(raw >> 24, 0, "pm-timer-24-bit");
	uint32_t mask = acpi.fadt_flags & FADT_FLAG_TMR_VAL_EXT ? 0xFFFFFFFF : 0xFFFFFF;
	int mono = 1, moved = 0;
	uint32_t prev = acpi_pm_timer();
	for (int i = 0; i < 2000; i++) {
		uint32_t v = acpi_pm_timer(), d = (v - prev) & mask;
		if (d > mask / 2)
			mono = 0;
		if (d)
			moved = 1;
		prev = v;
	}
	check(mono, "pm-timer-monotonic");
	check(moved, "pm-timer-counts");

	/* 100 ms against the TSC */
	uint64_t t0 = rdtsc();
	uint32_t p0 = acpi_pm_timer();
	delay_tsc((uint64_t)tsc_khz * 100);
	uint64_t t1 = rdtsc();
	uint32_t p1 = acpi_pm_timer();
	uint64_t hz = div64((uint64_t)((p1 - p0) & mask) * tsc_khz * 1000, t1 - t0);
	check_pm(hz, ACPI_PM_TIMER_HZ, 5, "pm-timer-3579545-hz");
}

/* --------------------------------------------------------------- 5. DSDT, S5 */
static int dsdt_has(const uint8_t *pat, size_t n)
{
	const uint8_t *p = bytes(acpi.dsdt), *end = p + acpi.dsdt->length;
	for (; p + n <= end; p++)
		if (!memcmp(p, pat, n))
			return 1;
	return 0;
}

static int test_dsdt(void)
{
	static const uint8_t pnp0a03[] = { 0x0C, 0x41, 0xD0, 0x0A, 0x03 }; /* DWordConst EISAID("PNP0A03") */

	if (!acpi.dsdt)
		return -1;
	check(dsdt_has((const uint8_t *)"PCI0", 4) && dsdt_has(pnp0a03, sizeof(pnp0a03)), "dsdt-pci0-pnp0a03");
	int typ = acpi_s5_slp_typ();
	printf("\\_S5_ SLP_TYPa = %d\n", typ);
	check(typ >= 0 && typ <= 7, "dsdt-s5-package");
	vireo_eq((uint64_t)typ, 7, "dsdt-s5-slp-typ-7");
	return typ;
}

void test_main(void)
{
	on_vireo = running_on_vireo();
	tsc_khz = pc_tsc_khz();
	ncpus = pc_cpu_count();
	printf("acpi test (%s): TSC %u kHz, %u vCPUs\n", on_vireo ? "on Vireo" : "native", tsc_khz, ncpus);
	acpi_probe();
	if (!test_root())
		return;
	test_madt();
	test_fadt();
	if (acpi.pm_tmr && tsc_khz)
		test_pm_timer();
	int typ = test_dsdt();

	if (!on_vireo) {
		skip("s5-power-off", "native: Bochs' PIIX4 PM ends with a panic on S5");
		return;
	}
	if (test_report() || typ < 0)
		guest_exit(1);
	printf("powering off: PM1a_CNT 0x%x <- SLP_TYP %d | SLP_EN\n", acpi.pm1a_cnt, typ);
	acpi_sleep((unsigned)typ);
	delay_tsc((uint64_t)tsc_khz * 100);
	fail("s5-power-off", "still running 100 ms after SLP_EN");
}
