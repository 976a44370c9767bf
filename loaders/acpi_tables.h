/* A VM's ACPI tables, built in guest memory: RSDP, RSDT, XSDT, FADT, FACS,
 * MADT and a DSDT in hand-assembled AML. Names and section numbers are
 * those of the ACPI 6.5 specification (5.2 tables, 20 AML encoding).
 *
 * The VM is a PC without firmware: dual 8259s, 8254, RTC, a minimal i8042,
 * one I/O APIC, a PM1a event/control block and the PM timer in I/O space.
 * There is no HPET and no PCI Express ECAM, so there is no HPET or MCFG
 * table. A PCI host bridge device (\_SB.PCI0) is published on request. */
#ifndef VIREO_LOADERS_ACPI_TABLES_H
#define VIREO_LOADERS_ACPI_TABLES_H

#include "loaders/guest_mem.h"

/* The OS scans [0xE0000, 0x100000) on 16-byte boundaries for the RSDP
 * (5.2.5.1); with Vireo's guest memory layout that range is the legacy
 * hole, which the EPT leaves unmapped (see acpi_build). */
#define ACPI_RSDP_AREA_START 0xE0000ULL
#define ACPI_RSDP_AREA_END   0x100000ULL
#define ACPI_RSDP_LEN        36	/* revision 2 RSDP (5.2.5.3) */
#define ACPI_MAX_CPUS        255	/* Processor Local APIC IDs 0..254 */

struct acpi_config {
	unsigned ncpus;		/* LAPIC IDs and processor UIDs 0..ncpus-1 */
	uint64_t lapic_addr;	/* 0xFEE00000 */
	/* 0 is what QEMU and SeaBIOS publish: since the xAPIC (Pentium 4)
	 * I/O APIC IDs no longer share the LAPICs' APIC-bus ID space. MP-era
	 * firmware (and bhyve) used ncpus. It must match the ID register of
	 * the I/O APIC model (4 bits on the 82093AA). */
	uint8_t ioapic_id;
	uint64_t ioapic_addr;	/* 0xFEC00000, GSI base 0 */
	/* PM1a_EVT_BLK (4 bytes), PM1a_CNT_BLK (2 bytes): required.
	 * PM_TMR_BLK (4 bytes, 24-bit counter): 0 = no PM timer. */
	uint16_t pm1a_evt_port, pm1a_cnt_port, pm_tmr_port;
	/* 0 = no SMI command port: the PM device then starts in ACPI mode,
	 * SCI_EN already set in PM1_CNT (4.8.2.1), and acpi_enable/disable
	 * are not used. Otherwise the two values must differ. */
	uint16_t smi_cmd_port;
	uint8_t acpi_enable, acpi_disable;
	uint16_t sci_irq;	/* ISA IRQ of the SCI: 9 (not 0, 2, or > 15) */
	uint16_t reset_port;	/* RESET_REG in I/O space; 0 = none */
	uint8_t reset_value;
	uint8_t slp_typ_s5;	/* SLP_TYP for S5 (3 bits) in \_S5_ */
	uint8_t rtc_century;	/* CMOS index of the century byte (0x32), 0: none */
	/* Device (\_SB.PCI0) { _HID PNP0A03, _UID 0, _BBN 0 } in the DSDT,
	 * for a configuration-mechanism-#1 bus 0; no _CRS, _PRT or _OSC. */
	bool pci_host_bridge;
	uint64_t rsdp_gpa;	/* 16-aligned, in [0xE0000, 0x100000) */
	/* Where the other tables go: RAM below 4 GiB (the RSDT and the FADT's
	 * 32-bit fields hold 32-bit addresses) that the guest memory map
	 * reports as reserved or ACPI NVS: the FACS is in it, and the FACS
	 * must not be in memory the OS may reclaim (5.2.10). */
	uint64_t tables_gpa;
	uint64_t tables_size;	/* bytes available there */
	char oem_id[7];		/* OEMID, 6 characters, space-padded: "VIREO " */
};

/* Bytes acpi_build needs at cfg->tables_gpa (alignment padding included);
 * 0 if cfg->ncpus is not in 1..ACPI_MAX_CPUS. */
uint64_t acpi_tables_size(const struct acpi_config *cfg);

/* Write every table: the RSDP at cfg->rsdp_gpa, the rest in
 * [tables_gpa, tables_gpa + *used). Returns 0, or -1 with a one-line
 * reason in err (bad configuration, bad address, no room); on error
 * nothing is written and *used is 0.
 *
 * The RSDP goes to mem->base + rsdp_gpa although gmem_is_ram() says the
 * BIOS area is not RAM: the bytes are there in the host buffer, but the
 * caller must map that page into the guest (read-only is enough). */
int acpi_build(struct guest_mem *mem, const struct acpi_config *cfg,
	       uint64_t *used, char *err, size_t errlen);

/* AML encoders (20.2), exposed for the unit tests. Each writes its
 * encoding to out (when out is not NULL) and returns its length. */

/* PkgLength (20.2.4) for 'body' bytes that follow it; the encoded value
 * counts the PkgLength bytes too. 1 to 4 bytes; 0 if body is too large
 * for the 28-bit field. */
size_t aml_pkglength(uint8_t *out, uint64_t body);

/* ComputationalData integer (20.2.3): ZeroOp, OneOp, BytePrefix,
 * WordPrefix, DWordPrefix or QWordPrefix, whichever is shortest. */
size_t aml_integer(uint8_t *out, uint64_t v);

/* Name (NAME, integer) with a relative NameSeg (20.2.5.1). */
size_t aml_name_integer(uint8_t *out, const char seg[4], uint64_t v);

/* Scope (\NAME) { body } and Device (NAME) { body } (20.2.5.1,
 * 20.2.5.2): opcode, PkgLength, NameString, then the len bytes of body,
 * an encoded TermList. 0 if too big. */
size_t aml_scope(uint8_t *out, const char seg[4], const uint8_t *body,
		 size_t len);
size_t aml_device(uint8_t *out, const char seg[4], const uint8_t *body,
		  size_t len);

/* EISAID("PNP0A03") (19.6.35): three letters in 5 bits each, then four
 * hex digits, stored big-endian, read back as a little-endian DWORD. */
uint32_t aml_eisaid(const char id[7]);

/* Name (\NAME, Package () { v[0], ..., v[n-1] }) with a root-relative
 * NameString: NameOp '\' NameSeg PackageOp PkgLength NumElements
 * elements (20.2.5.1, 20.2.5.4). n must be at most 255. 0 if too big. */
size_t aml_name_package(uint8_t *out, const char seg[4], const uint64_t *v,
			unsigned n);

#endif
