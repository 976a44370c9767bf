/* ACPI soft-off (S5): RSDP -> RSDT/XSDT -> FADT -> PM1 control blocks, and
 * DSDT -> \_S5_ for the SLP_TYP values. Section numbers: ACPI spec 6.5.
 * Firmware tables are untrusted input: every pointer must lie below 4 GiB
 * (identity-mapped by paging.c), every length is bounded, and every table
 * checksum is verified before a field is read. */
#include "arch/x86/cpu/acpi.h"
#include "arch/x86/cpu/cpu.h"
#include "lib/printk.h"

#define ACPI_SDT_HEADER_LEN 36        /* 5.2.6 System Description Table Header */
#define ACPI_MAX_TABLE_LEN  (16u << 20) /* sanity bound, DSDTs are < 1 MiB */
#define ACPI_LIMIT          GiB(4)

/* RSDP fields (5.2.5.3). */
#define RSDP_V1_LEN        20
#define RSDP_REVISION      15
#define RSDP_RSDT_ADDRESS  16
#define RSDP_LENGTH        20
#define RSDP_XSDT_ADDRESS  24
#define RSDP_V2_LEN        36

/* SDT header fields (5.2.6). */
#define SDT_LENGTH 4

/* FADT fields (5.2.9, table 5.9). */
#define FADT_DSDT            40
#define FADT_SMI_CMD         48
#define FADT_ACPI_ENABLE     52
#define FADT_PM1A_CNT_BLK    64
#define FADT_PM1B_CNT_BLK    68
#define FADT_X_DSDT          140
#define FADT_X_PM1A_CNT_BLK  172 /* Generic Address Structure (5.2.3.2) */
#define FADT_X_PM1B_CNT_BLK  184
#define GAS_SPACE_SYSTEM_IO  1
#define GAS_ADDRESS          4

/* PM1 Control register bits (4.8.3.2.1, table 4.13). */
#define ACPI_PM1_CNT_SCI_EN      (1u << 0)
#define ACPI_PM1_CNT_SLP_TYP_SHIFT 10
#define ACPI_PM1_CNT_SLP_TYP_MASK  (7u << 10)
#define ACPI_PM1_CNT_SLP_EN      (1u << 13)

/* AML opcodes (20.2). */
#define AML_ZERO_OP     0x00
#define AML_ONE_OP      0x01
#define AML_NAME_OP     0x08
#define AML_BYTE_PREFIX 0x0a
#define AML_PACKAGE_OP  0x12
#define AML_ROOT_CHAR   '\\'

/* The RSDP the boot loader handed us; written once at boot. */
static const uint8_t *boot_rsdp;

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

uint8_t acpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	return sum;
}

static bool phys_ok(uint64_t pa, uint64_t len)
{
	return pa >= 0x1000 && len <= ACPI_LIMIT && pa <= ACPI_LIMIT - len;
}

static bool rsdp_valid(const uint8_t *p)
{
	if (memcmp(p, "RSD PTR ", 8) != 0 || acpi_checksum(p, RSDP_V1_LEN) != 0)
		return false;
	if (p[RSDP_REVISION] < 2)
		return true;
	uint32_t len = rd32(p + RSDP_LENGTH);
	return len >= RSDP_V2_LEN && len <= 4096 && acpi_checksum(p, len) == 0;
}

static const uint8_t *scan_rsdp(uint64_t start, uint64_t len)
{
	/* The RSDP sits on a 16-byte boundary (5.2.5.1). */
	for (uint64_t a = start; a + RSDP_V2_LEN <= start + len; a += 16)
		if (rsdp_valid((const uint8_t *)a))
			return (const uint8_t *)a;
	return NULL;
}

/* Read a fixed low physical address. The empty asm hides the constant from
 * GCC, which otherwise warns that it points into a zero-sized object. */
static uint16_t read_phys16(uintptr_t pa)
{
	__asm__("" : "+r"(pa));
	return *(const volatile uint16_t *)pa;
}

static const uint8_t *find_rsdp(void)
{
	const uint8_t *r;
	/* BDA word 0x40E holds the EBDA segment (5.2.5.1). */
	uint64_t ebda = (uint64_t)read_phys16(0x40e) << 4;

	if (boot_rsdp)
		return boot_rsdp;
	if (ebda >= 0x80000 && ebda < 0xa0000 && (r = scan_rsdp(ebda, 1024)))
		return r;
	return scan_rsdp(0xe0000, 0x20000);
}

void acpi_set_rsdp(const void *rsdp)
{
	if (rsdp && rsdp_valid(rsdp))
		boot_rsdp = rsdp;
	else
		pr_warn("acpi: ignoring invalid RSDP from boot loader\n");
}

/* Validate a table at 'pa': in range, sane length, signature, checksum. */
static const uint8_t *map_table(uint64_t pa, const char *sig, bool strict)
{
	if (!phys_ok(pa, ACPI_SDT_HEADER_LEN))
		return NULL;
	const uint8_t *t = (const uint8_t *)pa;
	uint32_t len = rd32(t + SDT_LENGTH);
	if (memcmp(t, sig, 4) != 0 || len < ACPI_SDT_HEADER_LEN ||
	    len > ACPI_MAX_TABLE_LEN || !phys_ok(pa, len))
		return NULL;
	if (acpi_checksum(t, len) != 0) {
		if (strict)
			return NULL;
		pr_warn("acpi: %.4s checksum bad, using it anyway\n", sig);
	}
	return t;
}

/* Find the table with signature 'sig' through the XSDT (or the RSDT). */
static const uint8_t *find_table(const uint8_t *rsdp, const char *sig)
{
	const uint8_t *root = NULL;
	unsigned esz = 4;

	if (rsdp[RSDP_REVISION] >= 2) {
		root = map_table(rd64(rsdp + RSDP_XSDT_ADDRESS), "XSDT", true);
		esz = 8;
	}
	if (!root) {
		root = map_table(rd32(rsdp + RSDP_RSDT_ADDRESS), "RSDT", true);
		esz = 4;
	}
	if (!root)
		return NULL;
	uint32_t n = (rd32(root + SDT_LENGTH) - ACPI_SDT_HEADER_LEN) / esz;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = root + ACPI_SDT_HEADER_LEN + i * esz;
		uint64_t pa = esz == 8 ? rd64(e) : rd32(e);
		const uint8_t *t = map_table(pa, sig, true);
		if (t)
			return t;
	}
	return NULL;
}

/* One \_S5_ package element: BytePrefix n, ZeroOp, OneOp, or a raw byte. */
static int decode_elem(const uint8_t *aml, size_t len, size_t *pos, uint8_t *out)
{
	size_t p = *pos;

	if (p >= len)
		return -1;
	if (aml[p] == AML_BYTE_PREFIX) {
		if (p + 1 >= len)
			return -1;
		*out = aml[p + 1];
		*pos = p + 2;
	} else {
		*out = aml[p]; /* ZeroOp (0) / OneOp (1) are their own values */
		*pos = p + 1;
	}
	return *out <= 7 ? 0 : -1; /* SLP_TYP is a 3-bit field */
}

int acpi_decode_s5(const uint8_t *aml, size_t len, uint8_t *slp_typa, uint8_t *slp_typb)
{
	for (size_t i = 1; i + 5 <= len; i++) {
		if (memcmp(aml + i, "_S5_", 4) != 0)
			continue;
		/* Must be NameOp [\] _S5_ PackageOp: a definition, not a use. */
		bool named = aml[i - 1] == AML_NAME_OP ||
			     (i >= 2 && aml[i - 1] == AML_ROOT_CHAR && aml[i - 2] == AML_NAME_OP);
		if (!named || i + 4 >= len || aml[i + 4] != AML_PACKAGE_OP)
			continue;
		size_t p = i + 5;
		if (p >= len)
			return -1;
		/* PkgLength (20.2.4): bits 7:6 of the lead byte count extra bytes. */
		p += 1 + ((aml[p] >> 6) & 3);
		if (p >= len)
			return -1;
		uint8_t nelem = aml[p++];
		if (nelem < 1 || decode_elem(aml, len, &p, slp_typa) < 0)
			return -1;
		*slp_typb = 0;
		if (nelem >= 2 && decode_elem(aml, len, &p, slp_typb) < 0)
			return -1;
		return 0;
	}
	return -1;
}

/* I/O port of a PM1 control block: legacy field, else the X_ GAS. */
static uint16_t pm1_cnt_port(const uint8_t *fadt, unsigned legacy, unsigned gas)
{
	uint32_t len = rd32(fadt + SDT_LENGTH);
	uint32_t port = rd32(fadt + legacy);

	if (port == 0 && len >= gas + 12 && fadt[gas] == GAS_SPACE_SYSTEM_IO)
		port = (uint32_t)rd64(fadt + gas + GAS_ADDRESS);
	return port <= 0xffff ? (uint16_t)port : 0;
}

static const uint8_t *fadt_dsdt(const uint8_t *fadt)
{
	uint64_t pa = 0;

	if (rd32(fadt + SDT_LENGTH) >= FADT_X_DSDT + 8)
		pa = rd64(fadt + FADT_X_DSDT);
	if (pa == 0)
		pa = rd32(fadt + FADT_DSDT);
	/* Real firmware often ships a DSDT with a stale checksum. */
	return map_table(pa, "DSDT", false);
}

/* Switch from legacy to ACPI mode if firmware has not (4.8.2.1, 16.3.1). */
static void acpi_enable_mode(const uint8_t *fadt, uint16_t pm1a)
{
	uint32_t smi_cmd = rd32(fadt + FADT_SMI_CMD);
	uint8_t enable = fadt[FADT_ACPI_ENABLE];

	if ((inw(pm1a) & ACPI_PM1_CNT_SCI_EN) || smi_cmd == 0 || smi_cmd > 0xffff || enable == 0)
		return;
	outb((uint16_t)smi_cmd, enable);
	for (int i = 0; i < 1000000 && !(inw(pm1a) & ACPI_PM1_CNT_SCI_EN); i++)
		cpu_relax();
}

static void write_slp(uint16_t port, uint8_t typ)
{
	uint16_t v = inw(port);

	v &= (uint16_t)~ACPI_PM1_CNT_SLP_TYP_MASK;
	v |= (uint16_t)((typ << ACPI_PM1_CNT_SLP_TYP_SHIFT) | ACPI_PM1_CNT_SLP_EN);
	outw(port, v);
}

void acpi_poweroff(void)
{
	const uint8_t *rsdp = find_rsdp();
	const uint8_t *fadt = rsdp ? find_table(rsdp, "FACP") : NULL;
	const uint8_t *dsdt;
	uint16_t pm1a, pm1b;
	uint8_t typa, typb;

	if (!fadt) {
		pr_warn("acpi: no RSDP/FADT, cannot power off\n");
		return;
	}
	pm1a = pm1_cnt_port(fadt, FADT_PM1A_CNT_BLK, FADT_X_PM1A_CNT_BLK);
	pm1b = pm1_cnt_port(fadt, FADT_PM1B_CNT_BLK, FADT_X_PM1B_CNT_BLK);
	dsdt = fadt_dsdt(fadt);
	if (!pm1a || !dsdt ||
	    acpi_decode_s5(dsdt + ACPI_SDT_HEADER_LEN, rd32(dsdt + SDT_LENGTH) - ACPI_SDT_HEADER_LEN,
			   &typa, &typb) < 0) {
		pr_warn("acpi: no PM1a_CNT or \\_S5_, cannot power off\n");
		return;
	}
	acpi_enable_mode(fadt, pm1a);
	write_slp(pm1a, typa);
	if (pm1b)
		write_slp(pm1b, typb);
	/* Power-off is not instantaneous; give it a moment before giving up. */
	for (int i = 0; i < 10000000; i++)
		cpu_relax();
	pr_warn("acpi: S5 did not take effect\n");
}
