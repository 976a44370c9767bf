/* A VM's ACPI tables in guest memory; see loaders/acpi_tables.h.
 * Section and table numbers: ACPI 6.5. */
#include "lib/errmsg.h"
#include "loaders/acpi_tables.h"

/* System Description Table Header (5.2.6). */
#define SDT_SIGNATURE        0
#define SDT_LENGTH           4
#define SDT_REVISION         8
#define SDT_CHECKSUM         9
#define SDT_OEMID            10
#define SDT_OEM_TABLE_ID     16
#define SDT_OEM_REVISION     24
#define SDT_CREATOR_ID       28
#define SDT_CREATOR_REVISION 32
#define SDT_HEADER_LEN       36

/* The FADT's OEM Table ID must match the RSDT's (table 5.9), so every
 * table carries the same one. */
#define OEM_TABLE_ID     "VIREOVM "
#define OEM_REVISION     1
#define CREATOR_ID       "VIRO"
#define CREATOR_REVISION 1

/* RSDP (5.2.5.3). */
#define RSDP_SIGNATURE    0
#define RSDP_CHECKSUM     8	/* over the first 20 bytes (ACPI 1.0 part) */
#define RSDP_OEMID        9
#define RSDP_REVISION     15
#define RSDP_RSDT_ADDRESS 16
#define RSDP_V1_LEN       20
#define RSDP_LENGTH       20
#define RSDP_XSDT_ADDRESS 24
#define RSDP_EXT_CHECKSUM 32	/* over all 36 bytes */

/* Table revisions. FADT 6.5 (major 6, minor 5) is what current firmware
 * ships and both Linux and Windows 10/11 accept; MADT revision 5 is ACPI
 * 6.3/6.4's (it gives the Online Capable bit a meaning); a DSDT revision
 * of 2 or more makes AML integers 64-bit (5.2.11.1). */
#define RSDP_REV      2
#define RSDT_REV      1
#define XSDT_REV      1
#define FADT_REV      6
#define FADT_MINOR    5
#define MADT_REV      5
#define DSDT_REV      2
#define FACS_VERSION  2

/* Generic Address Structure (5.2.3.2). */
#define GAS_LEN           12
#define GAS_SYSTEM_IO     1
#define GAS_ACCESS_BYTE   1
#define GAS_ACCESS_WORD   2
#define GAS_ACCESS_DWORD  3

/* FADT fields (5.2.9, table 5.9). */
#define FADT_FIRMWARE_CTRL   36
#define FADT_DSDT            40
#define FADT_SCI_INT         46
#define FADT_SMI_CMD         48
#define FADT_ACPI_ENABLE     52
#define FADT_ACPI_DISABLE    53
#define FADT_PM1A_EVT_BLK    56
#define FADT_PM1A_CNT_BLK    64
#define FADT_PM_TMR_BLK      76
#define FADT_PM1_EVT_LEN     88
#define FADT_PM1_CNT_LEN     89
#define FADT_PM_TMR_LEN      91
#define FADT_P_LVL2_LAT      96
#define FADT_P_LVL3_LAT      98
#define FADT_CENTURY         108
#define FADT_IAPC_BOOT_ARCH  109
#define FADT_FLAGS           112
#define FADT_RESET_REG       116
#define FADT_RESET_VALUE     128
#define FADT_MINOR_VERSION   131
#define FADT_X_FIRMWARE_CTRL 132
#define FADT_X_DSDT          140
#define FADT_X_PM1A_EVT_BLK  148
#define FADT_X_PM1A_CNT_BLK  172
#define FADT_X_PM_TMR_BLK    208
#define FADT_HYPERVISOR_ID   268
#define FADT_LEN             276

#define PM1_EVT_LEN 4	/* PM1 status + enable, 16 bits each (4.8.3.1) */
#define PM1_CNT_LEN 2	/* PM1 control (4.8.3.2) */
#define PM_TMR_LEN  4	/* PM timer (4.8.3.3) */

/* P_LVLx_LAT values above 100 (C2) and 1000 (C3) say "not supported". */
#define P_LVL2_NONE 101
#define P_LVL3_NONE 1001

/* IA-PC Boot Architecture Flags (5.2.9.3). */
#define IAPC_LEGACY_DEVICES  BIT(0)	/* ISA devices the OS can't enumerate */
#define IAPC_8042            BIT(1)
#define IAPC_VGA_NOT_PRESENT BIT(2)

/* Fixed ACPI Description Table Fixed Feature Flags (table 5.10). */
#define FF_WBINVD        BIT(0)
#define FF_PROC_C1       BIT(2)
#define FF_PWR_BUTTON    BIT(4)	/* with no PNP0C0C device: no button */
#define FF_SLP_BUTTON    BIT(5)	/* with no PNP0C0E device: no button */
#define FF_RESET_REG_SUP BIT(10)
#define FF_FORCE_APIC_PHYSICAL_DESTINATION_MODE BIT(19)

/* FACS (5.2.10). */
#define FACS_HW_SIGNATURE 8
#define FACS_VERSION_OFF  32
#define FACS_LEN          64
#define FACS_ALIGN        64

/* MADT (5.2.12) and its structures: Processor Local APIC (5.2.12.2),
 * I/O APIC (5.2.12.3), Interrupt Source Override (5.2.12.5), Local APIC
 * NMI (5.2.12.7). */
#define MADT_LAPIC_ADDR  36
#define MADT_FLAGS       40
#define MADT_PCAT_COMPAT BIT(0)
#define MADT_ENTRIES     44
#define MADT_LAPIC       0	/* Processor Local APIC, 8 bytes */
#define MADT_LAPIC_LEN   8
#define MADT_LAPIC_ENABLED BIT(0)
#define MADT_IOAPIC      1	/* I/O APIC, 12 bytes */
#define MADT_IOAPIC_LEN  12
#define MADT_ISO         2	/* Interrupt Source Override, 10 bytes */
#define MADT_ISO_LEN     10
#define MADT_LAPIC_NMI   4	/* Local APIC NMI, 6 bytes */
#define MADT_LAPIC_NMI_LEN 6
#define MADT_ALL_PROCESSORS 0xFF
/* MPS INTI flags (5.2.12.5): polarity in bits 1:0, trigger in 3:2. */
#define MPS_INTI_CONFORMING    0x0
#define MPS_INTI_ACTIVE_HIGH   0x1
#define MPS_INTI_LEVEL         0xC
#define ISA_IRQ_PIT            0
#define IOAPIC_PIN_PIT         2	/* the 8254 is wired to pin 2, not 0 */
#define LINT1                  1

/* AML opcodes and prefixes (20.2). */
#define AML_ZERO_OP      0x00
#define AML_ONE_OP       0x01
#define AML_NAME_OP      0x08
#define AML_BYTE_PREFIX  0x0A
#define AML_WORD_PREFIX  0x0B
#define AML_DWORD_PREFIX 0x0C
#define AML_QWORD_PREFIX 0x0E
#define AML_PACKAGE_OP   0x12
#define AML_SCOPE_OP     0x10
#define AML_EXT_OP_PREFIX 0x5B
#define AML_DEVICE_OP    0x82	/* after ExtOpPrefix */
#define AML_ROOT_CHAR    '\\'
#define AML_PKGLENGTH_MAX 0x0FFFFFFFULL	/* 28 bits */

#define SLP_TYP_MAX 7	/* PM1_CNT.SLP_TYP is 3 bits (table 4.13) */
#define TABLE_ALIGN 16	/* tables after the FACS: paragraph-aligned */

/* Where each table goes, as offsets from cfg->tables_gpa. */
struct layout {
	uint64_t facs, dsdt, fadt, madt, xsdt, rsdt, end;
	uint32_t dsdt_len, madt_len;
};



/* Guest tables sit at arbitrary alignment: store byte-wise, little-endian. */
static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)v);
	wr16(p + 2, (uint16_t)(v >> 16));
}

static void wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

/* The byte that makes 'len' bytes sum to 0 mod 256 (5.2.5.3, 5.2.6). */
static uint8_t checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum = (uint8_t)(sum + *p++);
	return (uint8_t)-sum;
}

/* ---- AML ---------------------------------------------------------- */

size_t aml_pkglength(uint8_t *out, uint64_t body)
{
	uint64_t total = 0;
	size_t n, i;

	if (body > AML_PKGLENGTH_MAX)
		return 0;
	/* The lead byte alone holds 6 bits; with follow bytes it keeps a
	 * 4-bit nibble and each follow byte adds 8: 12, 20, 28 bits. */
	for (n = 1; n <= 4; n++) {
		uint64_t max = n == 1 ? 0x3F : BIT(4 + 8 * (n - 1)) - 1;

		total = body + n;
		if (total <= max)
			break;
	}
	if (n > 4)
		return 0;
	if (!out)
		return n;
	if (n == 1) {
		out[0] = (uint8_t)total;
		return 1;
	}
	out[0] = (uint8_t)((n - 1) << 6 | (total & 0xF));
	for (i = 1; i < n; i++)
		out[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
	return n;
}

size_t aml_integer(uint8_t *out, uint64_t v)
{
	uint8_t prefix;
	size_t bytes, i;

	if (v <= 1) {
		if (out)
			out[0] = v ? AML_ONE_OP : AML_ZERO_OP;
		return 1;
	}
	if (v <= 0xFF) {
		prefix = AML_BYTE_PREFIX;
		bytes = 1;
	} else if (v <= 0xFFFF) {
		prefix = AML_WORD_PREFIX;
		bytes = 2;
	} else if (v <= 0xFFFFFFFF) {
		prefix = AML_DWORD_PREFIX;
		bytes = 4;
	} else {
		prefix = AML_QWORD_PREFIX;
		bytes = 8;
	}
	if (out) {
		out[0] = prefix;
		for (i = 0; i < bytes; i++)
			out[1 + i] = (uint8_t)(v >> (8 * i));
	}
	return 1 + bytes;
}

size_t aml_name_package(uint8_t *out, const char seg[4], const uint64_t *v,
			unsigned n)
{
	uint64_t body = 1;	/* NumElements */
	size_t pl, at = 0;
	unsigned i;

	if (n > 255)	/* NumElements is a ByteData; more needs VarPackage */
		return 0;
	for (i = 0; i < n; i++)
		body += aml_integer(NULL, v[i]);
	pl = aml_pkglength(NULL, body);
	if (!pl)
		return 0;
	if (!out)
		return 1 + 1 + 4 + 1 + pl + (size_t)body;
	out[at++] = AML_NAME_OP;
	out[at++] = AML_ROOT_CHAR;
	memcpy(out + at, seg, 4);
	at += 4;
	out[at++] = AML_PACKAGE_OP;
	at += aml_pkglength(out + at, body);
	out[at++] = (uint8_t)n;
	for (i = 0; i < n; i++)
		at += aml_integer(out + at, v[i]);
	return at;
}

size_t aml_name_integer(uint8_t *out, const char seg[4], uint64_t v)
{
	if (out) {
		out[0] = AML_NAME_OP;
		memcpy(out + 1, seg, 4);
		aml_integer(out + 5, v);
	}
	return 5 + aml_integer(NULL, v);
}

/* Opcode, PkgLength, NameString ([\]NAME), body: the shape of Scope and
 * Device. The PkgLength covers the NameString and the body. */
static size_t aml_block(uint8_t *out, const uint8_t *op, size_t oplen,
			bool root, const char seg[4], const uint8_t *body,
			size_t len)
{
	uint64_t inner = (root ? 1 : 0) + 4 + (uint64_t)len;
	size_t pl = aml_pkglength(NULL, inner), at;

	if (!pl)
		return 0;
	if (out) {
		memcpy(out, op, oplen);
		at = oplen + aml_pkglength(out + oplen, inner);
		if (root)
			out[at++] = AML_ROOT_CHAR;
		memcpy(out + at, seg, 4);
		memcpy(out + at + 4, body, len);
	}
	return oplen + pl + (size_t)inner;
}

size_t aml_scope(uint8_t *out, const char seg[4], const uint8_t *body,
		 size_t len)
{
	static const uint8_t op[] = { AML_SCOPE_OP };

	return aml_block(out, op, sizeof(op), true, seg, body, len);
}

size_t aml_device(uint8_t *out, const char seg[4], const uint8_t *body,
		  size_t len)
{
	static const uint8_t op[] = { AML_EXT_OP_PREFIX, AML_DEVICE_OP };

	return aml_block(out, op, sizeof(op), false, seg, body, len);
}

static unsigned hex_digit(char c)
{
	if (c <= '9')
		return (unsigned)(c - '0');
	return (unsigned)((c | 0x20) - 'a' + 10);	/* either case */
}

uint32_t aml_eisaid(const char id[7])
{
	unsigned l0 = id[0] & 0x1F, l1 = id[1] & 0x1F, l2 = id[2] & 0x1F;
	uint8_t b[4];

	/* 'A' is 1: ASCII & 0x1F. Bit 7 of the first byte stays 0. */
	b[0] = (uint8_t)(l0 << 2 | l1 >> 3);
	b[1] = (uint8_t)((l1 & 7) << 5 | l2);
	b[2] = (uint8_t)(hex_digit(id[3]) << 4 | hex_digit(id[4]));
	b[3] = (uint8_t)(hex_digit(id[5]) << 4 | hex_digit(id[6]));
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

/* Scope (\_SB) { Device (PCI0) { _HID, _UID, _BBN } }. A device object
 * has an _HID or an _ADR, not both (6.1), so unlike QEMU's PCI0 there is
 * no _ADR. Without _CRS the OS takes the bus number from _BBN and uses
 * its default I/O and memory windows. */
static size_t pci0_aml(uint8_t *out)
{
	uint8_t body[32], dev[48];
	size_t n = 0, d;

	n += aml_name_integer(body + n, "_HID", aml_eisaid("PNP0A03"));
	n += aml_name_integer(body + n, "_UID", 0);
	n += aml_name_integer(body + n, "_BBN", 0);
	d = aml_device(dev, "PCI0", body, n);
	return aml_scope(out, "_SB_", dev, d);
}

/* \_S5_ (7.4.2.6): { SLP_TYPa, SLP_TYPb, reserved, reserved }. \_S0_ is
 * conventionally { 0, 0, 0, 0 }; but where S5 is 0 (PIIX4 as QEMU models
 * it) SLP_TYP 0 means soft-off, so then there is no \_S0_ to publish. */
static bool has_s0(const struct acpi_config *cfg)
{
	return cfg->slp_typ_s5 != 0;
}

static size_t dsdt_aml(uint8_t *out, const struct acpi_config *cfg)
{
	const uint64_t s0[4] = { 0, 0, 0, 0 };
	const uint64_t s5[4] = { cfg->slp_typ_s5, cfg->slp_typ_s5, 0, 0 };
	size_t n = 0;

	if (has_s0(cfg))
		n += aml_name_package(out, "_S0_", s0, 4);
	n += aml_name_package(out ? out + n : NULL, "_S5_", s5, 4);
	if (cfg->pci_host_bridge)
		n += pci0_aml(out ? out + n : NULL);
	return n;
}

/* ---- layout ------------------------------------------------------- */

static uint32_t madt_len(unsigned ncpus)
{
	/* one LAPIC per vCPU, the I/O APIC, IRQ0 and SCI overrides, NMI */
	return MADT_ENTRIES + ncpus * MADT_LAPIC_LEN + MADT_IOAPIC_LEN +
	       2 * MADT_ISO_LEN + MADT_LAPIC_NMI_LEN;
}

static void plan(const struct acpi_config *cfg, struct layout *l)
{
	/* The FACS needs 64-byte alignment (5.2.10); the offset that
	 * reaches it depends only on tables_gpa mod 64. */
	l->facs = (FACS_ALIGN - (cfg->tables_gpa % FACS_ALIGN)) % FACS_ALIGN;
	l->dsdt_len = SDT_HEADER_LEN + (uint32_t)dsdt_aml(NULL, cfg);
	l->madt_len = madt_len(cfg->ncpus);
	l->dsdt = l->facs + FACS_LEN;
	l->fadt = ALIGN_UP(l->dsdt + l->dsdt_len, TABLE_ALIGN);
	l->madt = ALIGN_UP(l->fadt + FADT_LEN, TABLE_ALIGN);
	l->xsdt = ALIGN_UP(l->madt + l->madt_len, TABLE_ALIGN);
	l->rsdt = ALIGN_UP(l->xsdt + SDT_HEADER_LEN + 2 * 8, TABLE_ALIGN);
	l->end = l->rsdt + SDT_HEADER_LEN + 2 * 4;
}

uint64_t acpi_tables_size(const struct acpi_config *cfg)
{
	struct layout l;

	if (cfg->ncpus < 1 || cfg->ncpus > ACPI_MAX_CPUS)
		return 0;
	plan(cfg, &l);
	return l.end;
}

/* ---- tables ------------------------------------------------------- */

/* OEMID: up to 6 characters of cfg->oem_id, padded with spaces. */
static void put_oemid(uint8_t *p, const struct acpi_config *cfg)
{
	bool end = false;
	size_t i;

	for (i = 0; i < 6; i++) {
		end = end || cfg->oem_id[i] == '\0';
		p[i] = (uint8_t)(end ? ' ' : cfg->oem_id[i]);
	}
}

/* Header with the checksum left 0: sdt_seal fills it once the body is in. */
static void sdt_header(uint8_t *p, const char sig[4], uint32_t len,
		       uint8_t rev, const struct acpi_config *cfg)
{
	memcpy(p + SDT_SIGNATURE, sig, 4);
	wr32(p + SDT_LENGTH, len);
	p[SDT_REVISION] = rev;
	p[SDT_CHECKSUM] = 0;
	put_oemid(p + SDT_OEMID, cfg);
	memcpy(p + SDT_OEM_TABLE_ID, OEM_TABLE_ID, 8);
	wr32(p + SDT_OEM_REVISION, OEM_REVISION);
	memcpy(p + SDT_CREATOR_ID, CREATOR_ID, 4);
	wr32(p + SDT_CREATOR_REVISION, CREATOR_REVISION);
}

static void sdt_seal(uint8_t *p, uint32_t len)
{
	p[SDT_CHECKSUM] = checksum(p, len);
}

static void put_gas_io(uint8_t *p, uint8_t width_bits, uint8_t access,
		       uint16_t port)
{
	p[0] = GAS_SYSTEM_IO;
	p[1] = width_bits;
	p[2] = 0;		/* bit offset */
	p[3] = access;
	wr64(p + 4, port);
}

/* FNV-1a over what makes this VM's hardware: the FACS hardware signature
 * must change when the base hardware does (5.2.10), so that an OS does
 * not resume an S4 image on a different machine. */
static uint32_t hw_signature(const struct acpi_config *cfg)
{
	const uint64_t v[] = { cfg->ncpus, cfg->lapic_addr, cfg->ioapic_id,
			       cfg->ioapic_addr, cfg->pm1a_evt_port,
			       cfg->pm1a_cnt_port, cfg->pm_tmr_port,
			       cfg->sci_irq, cfg->reset_port,
			       cfg->pci_host_bridge };
	uint32_t h = 2166136261u;
	size_t i, b;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		for (b = 0; b < 8; b++) {
			h ^= (uint8_t)(v[i] >> (8 * b));
			h *= 16777619u;
		}
	}
	return h;
}

static void put_facs(uint8_t *p, const struct acpi_config *cfg)
{
	/* Everything else is 0: no waking vector yet, no global lock owner,
	 * no S4BIOS, no 64-bit wake. */
	memcpy(p, "FACS", 4);
	wr32(p + 4, FACS_LEN);
	wr32(p + FACS_HW_SIGNATURE, hw_signature(cfg));
	p[FACS_VERSION_OFF] = FACS_VERSION;
}

static void put_dsdt(uint8_t *p, const struct layout *l,
		     const struct acpi_config *cfg)
{
	sdt_header(p, "DSDT", l->dsdt_len, DSDT_REV, cfg);
	dsdt_aml(p + SDT_HEADER_LEN, cfg);
	sdt_seal(p, l->dsdt_len);
}

static uint32_t fadt_flags(const struct acpi_config *cfg)
{
	/* No power or sleep button: both "control method" bits set and no
	 * button device in the DSDT. TMR_VAL_EXT clear: 24-bit PM timer.
	 * The xAPIC flat logical model stops at 8 CPUs; physical mode works
	 * up to 255 and needs nothing more of the LAPIC model. */
	uint32_t f = FF_WBINVD | FF_PROC_C1 | FF_PWR_BUTTON | FF_SLP_BUTTON;

	if (cfg->reset_port)
		f |= FF_RESET_REG_SUP;
	if (cfg->ncpus > 8)
		f |= FF_FORCE_APIC_PHYSICAL_DESTINATION_MODE;
	return f;
}

/* The PM register blocks, each as the legacy port + length and as the
 * X_ Generic Address Structure; OSes check that the two agree. */
static void put_fadt_pm(uint8_t *p, const struct acpi_config *cfg)
{
	wr32(p + FADT_PM1A_EVT_BLK, cfg->pm1a_evt_port);
	p[FADT_PM1_EVT_LEN] = PM1_EVT_LEN;
	put_gas_io(p + FADT_X_PM1A_EVT_BLK, PM1_EVT_LEN * 8, GAS_ACCESS_WORD,
		   cfg->pm1a_evt_port);
	wr32(p + FADT_PM1A_CNT_BLK, cfg->pm1a_cnt_port);
	p[FADT_PM1_CNT_LEN] = PM1_CNT_LEN;
	put_gas_io(p + FADT_X_PM1A_CNT_BLK, PM1_CNT_LEN * 8, GAS_ACCESS_WORD,
		   cfg->pm1a_cnt_port);
	if (cfg->pm_tmr_port) {
		wr32(p + FADT_PM_TMR_BLK, cfg->pm_tmr_port);
		p[FADT_PM_TMR_LEN] = PM_TMR_LEN;
		put_gas_io(p + FADT_X_PM_TMR_BLK, PM_TMR_LEN * 8,
			   GAS_ACCESS_DWORD, cfg->pm_tmr_port);
	}
}

static void put_fadt(uint8_t *p, const struct layout *l,
		     const struct acpi_config *cfg)
{
	uint32_t facs = (uint32_t)(cfg->tables_gpa + l->facs);
	uint32_t dsdt = (uint32_t)(cfg->tables_gpa + l->dsdt);

	/* Fields not set here are 0: PM1b/PM2/GPE blocks absent, no C-state
	 * or throttling data, no RTC day/month alarm,
	 * Preferred_PM_Profile unspecified, sleep registers (hardware-reduced
	 * only) absent. Both 32-bit and X_ pointers hold the same address
	 * (below 4 GiB), which ACPICA and Windows accept. */
	sdt_header(p, "FACP", FADT_LEN, FADT_REV, cfg);
	wr32(p + FADT_FIRMWARE_CTRL, facs);
	wr32(p + FADT_DSDT, dsdt);
	wr16(p + FADT_SCI_INT, cfg->sci_irq);
	if (cfg->smi_cmd_port) {
		wr32(p + FADT_SMI_CMD, cfg->smi_cmd_port);
		p[FADT_ACPI_ENABLE] = cfg->acpi_enable;
		p[FADT_ACPI_DISABLE] = cfg->acpi_disable;
	}
	put_fadt_pm(p, cfg);
	wr16(p + FADT_P_LVL2_LAT, P_LVL2_NONE);
	wr16(p + FADT_P_LVL3_LAT, P_LVL3_NONE);
	p[FADT_CENTURY] = cfg->rtc_century;
	wr16(p + FADT_IAPC_BOOT_ARCH,
	     IAPC_LEGACY_DEVICES | IAPC_8042 | IAPC_VGA_NOT_PRESENT);
	wr32(p + FADT_FLAGS, fadt_flags(cfg));
	if (cfg->reset_port) {
		/* RESET_REG: 8 bits wide at bit offset 0 (table 5.9). */
		put_gas_io(p + FADT_RESET_REG, 8, GAS_ACCESS_BYTE,
			   cfg->reset_port);
		p[FADT_RESET_VALUE] = cfg->reset_value;
	}
	p[FADT_MINOR_VERSION] = FADT_MINOR;
	wr64(p + FADT_X_FIRMWARE_CTRL, facs);
	wr64(p + FADT_X_DSDT, dsdt);
	memcpy(p + FADT_HYPERVISOR_ID, "Vireo\0\0\0", 8);
	sdt_seal(p, FADT_LEN);
}

static uint8_t *put_iso(uint8_t *e, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	e[0] = MADT_ISO;
	e[1] = MADT_ISO_LEN;
	e[2] = 0;		/* bus: ISA */
	e[3] = irq;
	wr32(e + 4, gsi);
	wr16(e + 8, flags);
	return e + MADT_ISO_LEN;
}

static void put_madt(uint8_t *p, const struct layout *l,
		     const struct acpi_config *cfg)
{
	uint8_t *e = p + MADT_ENTRIES;
	unsigned i;

	sdt_header(p, "APIC", l->madt_len, MADT_REV, cfg);
	wr32(p + MADT_LAPIC_ADDR, (uint32_t)cfg->lapic_addr);
	wr32(p + MADT_FLAGS, MADT_PCAT_COMPAT);	/* dual 8259s present */
	for (i = 0; i < cfg->ncpus; i++, e += MADT_LAPIC_LEN) {
		e[0] = MADT_LAPIC;
		e[1] = MADT_LAPIC_LEN;
		e[2] = (uint8_t)i;	/* ACPI Processor UID */
		e[3] = (uint8_t)i;	/* APIC ID */
		wr32(e + 4, MADT_LAPIC_ENABLED);
	}
	e[0] = MADT_IOAPIC;
	e[1] = MADT_IOAPIC_LEN;
	e[2] = cfg->ioapic_id;
	e[3] = 0;
	wr32(e + 4, (uint32_t)cfg->ioapic_addr);
	wr32(e + 8, 0);		/* GSI base: ISA IRQ n is pin n */
	e += MADT_IOAPIC_LEN;
	/* IRQ0: ISA-conforming (edge, active high), like the other ISA IRQs.
	 * SCI: level-triggered, and active high as QEMU publishes it for its
	 * PIIX4/ICH9 SCI (flags 0x000D): the I/O APIC pin is high while the
	 * SCI is asserted. */
	e = put_iso(e, ISA_IRQ_PIT, IOAPIC_PIN_PIT, MPS_INTI_CONFORMING);
	e = put_iso(e, (uint8_t)cfg->sci_irq, cfg->sci_irq,
		    MPS_INTI_LEVEL | MPS_INTI_ACTIVE_HIGH);
	/* LINT1 is the NMI input on every processor, as on PCs (MP spec). */
	e[0] = MADT_LAPIC_NMI;
	e[1] = MADT_LAPIC_NMI_LEN;
	e[2] = MADT_ALL_PROCESSORS;
	wr16(e + 3, MPS_INTI_CONFORMING);
	e[5] = LINT1;
	sdt_seal(p, l->madt_len);
}

/* XSDT (8-byte entries) or RSDT (4-byte entries): FADT, then MADT. */
static void put_root(uint8_t *p, const char sig[4], unsigned entry,
		     const struct layout *l, const struct acpi_config *cfg)
{
	uint32_t len = SDT_HEADER_LEN + 2 * entry;
	uint64_t fadt = cfg->tables_gpa + l->fadt;
	uint64_t madt = cfg->tables_gpa + l->madt;

	sdt_header(p, sig, len, entry == 8 ? XSDT_REV : RSDT_REV, cfg);
	if (entry == 8) {
		wr64(p + SDT_HEADER_LEN, fadt);
		wr64(p + SDT_HEADER_LEN + 8, madt);
	} else {
		wr32(p + SDT_HEADER_LEN, (uint32_t)fadt);
		wr32(p + SDT_HEADER_LEN + 4, (uint32_t)madt);
	}
	sdt_seal(p, len);
}

static void put_rsdp(uint8_t *p, const struct layout *l,
		     const struct acpi_config *cfg)
{
	memset(p, 0, ACPI_RSDP_LEN);
	memcpy(p + RSDP_SIGNATURE, "RSD PTR ", 8);
	put_oemid(p + RSDP_OEMID, cfg);
	p[RSDP_REVISION] = RSDP_REV;
	wr32(p + RSDP_RSDT_ADDRESS, (uint32_t)(cfg->tables_gpa + l->rsdt));
	wr32(p + RSDP_LENGTH, ACPI_RSDP_LEN);
	wr64(p + RSDP_XSDT_ADDRESS, cfg->tables_gpa + l->xsdt);
	p[RSDP_CHECKSUM] = checksum(p, RSDP_V1_LEN);
	p[RSDP_EXT_CHECKSUM] = checksum(p, ACPI_RSDP_LEN);
}

/* ---- checks ------------------------------------------------------- */

static int check_cpus_irqs(const struct acpi_config *cfg, char *err,
			   size_t errlen)
{
	if (cfg->ncpus < 1 || cfg->ncpus > ACPI_MAX_CPUS) {
		seterr(err, errlen, "ACPI: %u vCPUs, the MADT describes 1 to %u",
		     cfg->ncpus, ACPI_MAX_CPUS);
		return -1;
	}
	if (cfg->lapic_addr > 0xFFFFFFFFu || cfg->ioapic_addr > 0xFFFFFFFFu) {
		seterr(err, errlen, "ACPI: LAPIC 0x%llx or I/O APIC 0x%llx is "
		     "above 4 GiB", (unsigned long long)cfg->lapic_addr,
		     (unsigned long long)cfg->ioapic_addr);
		return -1;
	}
	/* With 8259s the SCI is an ISA IRQ; 0 is the PIT, 2 the cascade. */
	if (cfg->sci_irq == 0 || cfg->sci_irq == 2 || cfg->sci_irq > 15) {
		seterr(err, errlen, "ACPI: SCI on IRQ %u, want an ISA IRQ other "
		     "than 0 and 2", cfg->sci_irq);
		return -1;
	}
	return 0;
}

static int check_pm(const struct acpi_config *cfg, char *err, size_t errlen)
{
	if (!cfg->pm1a_evt_port || !cfg->pm1a_cnt_port) {
		seterr(err, errlen, "ACPI: PM1a event and control blocks are "
		     "required (ports 0x%x, 0x%x)", cfg->pm1a_evt_port,
		     cfg->pm1a_cnt_port);
		return -1;
	}
	if (cfg->smi_cmd_port && cfg->acpi_enable == cfg->acpi_disable) {
		seterr(err, errlen, "ACPI: ACPI_ENABLE and ACPI_DISABLE are both "
		     "0x%x", cfg->acpi_enable);
		return -1;
	}
	if (cfg->slp_typ_s5 > SLP_TYP_MAX) {
		seterr(err, errlen, "ACPI: SLP_TYP %u for S5 does not fit in 3 "
		     "bits", cfg->slp_typ_s5);
		return -1;
	}
	return 0;
}

static int check_rsdp(const struct guest_mem *mem,
		      const struct acpi_config *cfg, char *err, size_t errlen)
{
	uint64_t a = cfg->rsdp_gpa;

	if (a % 16 || a < ACPI_RSDP_AREA_START ||
	    a > ACPI_RSDP_AREA_END - ACPI_RSDP_LEN) {
		seterr(err, errlen, "ACPI: RSDP at 0x%llx is not on a 16-byte "
		     "boundary in 0xe0000-0xfffff", (unsigned long long)a);
		return -1;
	}
	if (a + ACPI_RSDP_LEN > mem->size) {
		seterr(err, errlen, "ACPI: RSDP at 0x%llx is beyond guest memory "
		     "(0x%llx bytes)", (unsigned long long)a,
		     (unsigned long long)mem->size);
		return -1;
	}
	return 0;
}

static int check_region(const struct guest_mem *mem,
			const struct acpi_config *cfg, uint64_t need,
			char *err, size_t errlen)
{
	uint64_t a = cfg->tables_gpa, n = cfg->tables_size;

	if (!gmem_is_ram(mem, a, n)) {
		seterr(err, errlen, "ACPI tables at 0x%llx-0x%llx are not in "
		     "guest RAM (0x%llx bytes)", (unsigned long long)a,
		     (unsigned long long)(a + n), (unsigned long long)mem->size);
		return -1;
	}
	if (need > n) {
		seterr(err, errlen, "ACPI tables need 0x%llx bytes, 0x%llx-0x%llx "
		     "has 0x%llx", (unsigned long long)need,
		     (unsigned long long)a, (unsigned long long)(a + n),
		     (unsigned long long)n);
		return -1;
	}
	/* The RSDT and the FADT's 32-bit fields hold 32-bit addresses. */
	if (a + need > GiB(4)) {
		seterr(err, errlen, "ACPI tables at 0x%llx-0x%llx are not below "
		     "4 GiB", (unsigned long long)a,
		     (unsigned long long)(a + need));
		return -1;
	}
	return 0;
}


int acpi_build(struct guest_mem *mem, const struct acpi_config *cfg,
	       uint64_t *used, char *err, size_t errlen)
{
	struct layout l;
	uint8_t *t;

	if (used)
		*used = 0;
	if (!mem || !cfg) {
		seterr(err, errlen, "ACPI: no guest memory or configuration");
		return -1;
	}
	/* Everything is checked before the first byte is written. */
	if (check_cpus_irqs(cfg, err, errlen) || check_pm(cfg, err, errlen) ||
	    check_rsdp(mem, cfg, err, errlen))
		return -1;
	plan(cfg, &l);
	if (check_region(mem, cfg, l.end, err, errlen))
		return -1;
	t = mem->base + cfg->tables_gpa;
	/* Padding and every reserved field read as 0. */
	memset(t, 0, l.end);
	put_facs(t + l.facs, cfg);
	put_dsdt(t + l.dsdt, &l, cfg);
	put_fadt(t + l.fadt, &l, cfg);
	put_madt(t + l.madt, &l, cfg);
	put_root(t + l.xsdt, "XSDT", 8, &l, cfg);
	put_root(t + l.rsdt, "RSDT", 4, &l, cfg);
	put_rsdp(mem->base + cfg->rsdp_gpa, &l, cfg);
	if (used)
		*used = l.end;
	return 0;
}
