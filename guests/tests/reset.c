/* reset: a warm restart of the PC and what survives it.
 *
 * First boot (CMOS byte 0x40 is not 0xA5): leaves markers (CMOS 0x40 =
 * 0xA5 and 0x41 = 0x5A, a changed .data word, a pattern in RAM at 24 MiB,
 * an I/O APIC entry programmed) and resets the machine: through the PIIX3
 * reset control register (port 0xCF9: SYS_RST, then SYS_RST|RST_CPU, as
 * Linux does), or with via=acpi through the FADT's reset register, or with
 * via=kbc through the 8042 (command 0xFE on port 0x64).
 * Second boot (marker present): prints "second boot after reset", checks
 * that the CMOS bytes survived, the image was loaded afresh (.data as
 * linked), the I/O APIC entry is back at its reset value and, under Vireo,
 * that RAM was cleared; clears the markers and powers off through S5
 * (natively: test_finish, Bochs cannot take S5).
 * loop=1: every boot resets at once (a reset loop). */
#include "pc.h"

#define MARK1      0x40
#define MARK2      0x41
#define MARK1_VAL  0xA5
#define MARK2_VAL  0x5A
#define RAM_MARK   0x1800000u /* 24 MiB: above the image, below 32 MiB */
#define TEST_PIN   20

static volatile uint32_t data_word = 0x600DF00Du;
static uint32_t tsc_khz;
static int on_vireo;

static void do_reset(const char *via)
{
	printf("resetting via %s\n", via);
	if (!strcmp(via, "acpi")) {
		const uint8_t *f = (const uint8_t *)acpi.fadt;
		if (!f || !(acpi.fadt_flags & FADT_FLAG_RESET_REG_SUP) || f[FADT_RESET_REG] != 1) {
			fail("reset-register", "no I/O reset register in the FADT");
			return;
		}
		uint16_t port = (uint16_t)(f[FADT_RESET_REG + 4] | f[FADT_RESET_REG + 5] << 8);
		outb(port, f[FADT_RESET_VALUE]);
	} else if (!strcmp(via, "kbc")) {
		for (int i = 0; i < 100000 && (inb(0x64) & 0x02); i++) /* input buffer full */
			;
		outb(0x64, 0xFE); /* pulse the reset line */
	} else {
		uint8_t cf9 = inb(PCI_RESET_CONTROL) & (uint8_t)~0x0E;
		outb(PCI_RESET_CONTROL, cf9 | 0x02);        /* SYS_RST: a hard reset */
		outb(PCI_RESET_CONTROL, cf9 | 0x06);        /* RST_CPU 0 -> 1: now */
	}
	delay_tsc((uint64_t)tsc_khz * 200);
	fail("reset-happened", "still running 200 ms after the reset write via %s", via);
}

static void first_boot(const char *via)
{
	printf("first boot: leaving markers\n");
	cmos_write(MARK1, MARK1_VAL);
	cmos_write(MARK2, MARK2_VAL);
	check_eq(cmos_read(MARK1), MARK1_VAL, "cmos-marker-written");
	data_word = 0xDEADBEEFu;
	if (mb_ram_end() > RAM_MARK + 4096)
		*(volatile uint32_t *)phys(RAM_MARK) = 0x5EED5EEDu;
	ioapic_rte_write(TEST_PIN, 0x66 | RTE_LEVEL | RTE_MASKED | RTE_DEST(1));
	do_reset(via);
}

static void second_boot(void)
{
	printf("second boot after reset\n");
	check_eq(cmos_read(MARK2), MARK2_VAL, "cmos-memory-survives-reset");
	check_eq(data_word, 0x600DF00Du, "image-loaded-afresh");
	check_eq(ioapic_rte_read(TEST_PIN), RTE_MASKED, "ioapic-entry-back-at-reset-value");
	if (on_vireo && mb_ram_end() > RAM_MARK + 4096)
		check_eq(*(volatile uint32_t *)phys(RAM_MARK), 0, "ram-cleared");
	unsigned ext = cmos_read(0x17) | cmos_read(0x18) << 8;
	check(ext != 0, "cmos-memory-size-kept");
	cmos_write(MARK1, 0);
	cmos_write(MARK2, 0);
	check_eq(cmos_read(MARK1), 0, "cmos-marker-cleared");

	if (!on_vireo) {
		skip("s5-power-off", "native: Bochs' PIIX4 PM ends with a panic on S5");
		return;
	}
	int typ = acpi_s5_slp_typ();
	if (test_report() || typ < 0)
		guest_exit(1);
	printf("powering off: SLP_TYP %d\n", typ);
	acpi_sleep((unsigned)typ);
	delay_tsc((uint64_t)tsc_khz * 100);
	fail("s5-power-off", "still running 100 ms after SLP_EN");
}

void test_main(void)
{
	char via[8] = "cf9";

	on_vireo = running_on_vireo();
	tsc_khz = pc_tsc_khz();
	cmdline_get("via", via, sizeof(via));
	acpi_probe();
	if (!tsc_khz)
		tsc_khz = 50000;
	if (cmdline_u64("loop", 0)) {
		printf("reset loop: booted, resetting again\n");
		do_reset(via);
		return;
	}
	if (cmos_read(MARK1) != MARK1_VAL)
		first_boot(via);
	else
		second_boot();
}
