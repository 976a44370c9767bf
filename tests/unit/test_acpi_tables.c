/* UNIT-DEPS: loaders/acpi_tables.c */
/* The tables are built into fake guest RAM and then read back the way an
 * OS does: scan for the RSDP, follow the XSDT and the RSDT, check every
 * checksum and length, decode the MADT and the FADT, parse the DSDT's AML.
 * Offsets are written out from the ACPI 6.5 tables, independently of the
 * builder's own constants. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "loaders/acpi_tables.h"
#include "loaders/le.h"

#define RAM (8ull << 20)
#include "tests/unit/guest_ram.h"

#define RSDP_AT   0xF0000ULL
#define TABLES_AT 0x7F0000ULL
#define TABLES_SZ 0x10000ULL

static int setup(void **state)
{
	(void)state;
	return guest_ram_setup();
}

static struct acpi_config config(unsigned ncpus)
{
	struct acpi_config c = {
		.ncpus = ncpus,
		.lapic_addr = 0xFEE00000,
		.ioapic_id = 0,
		.ioapic_addr = 0xFEC00000,
		.pm1a_evt_port = 0x600,
		.pm1a_cnt_port = 0x604,
		.pm_tmr_port = 0x608,
		.smi_cmd_port = 0xB2,
		.acpi_enable = 0xF1,
		.acpi_disable = 0xF0,
		.sci_irq = 9,
		.reset_port = 0xCF9,
		.reset_value = 0x06,
		.slp_typ_s5 = 5,
		.rtc_century = 0x32,
		.rsdp_gpa = RSDP_AT,
		.tables_gpa = TABLES_AT,
		.tables_size = TABLES_SZ,
		.oem_id = "VIREO ",
	};
	return c;
}

static uint8_t *at(uint64_t gpa)
{
	return gm.base + gpa;
}

static uint8_t sum(uint64_t gpa, uint64_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *at(gpa++));
	return s;
}

/* Nothing outside the ranges [a, a + alen) and [b, b + blen) changed. */
static void assert_untouched_except(uint64_t a, uint64_t alen, uint64_t b,
				    uint64_t blen)
{
	uint64_t g;

	for (g = 0; g < RAM; g++) {
		if ((g >= a && g < a + alen) || (g >= b && g < b + blen))
			continue;
		if (gm.base[g] != 0xCC)
			fail_msg("byte at 0x%llx was written",
				 (unsigned long long)g);
	}
}

/* ---- reading the tables like an OS ----------------------------------- */

struct found {
	uint64_t rsdp, xsdt, rsdt, fadt, madt, dsdt, facs;
};

/* 5.2.5.1: "RSD PTR " on a 16-byte boundary in 0xE0000-0xFFFFF whose
 * first 20 bytes sum to 0. */
static uint64_t find_rsdp(void)
{
	uint64_t g;

	for (g = 0xE0000; g < 0x100000; g += 16)
		if (memcmp(at(g), "RSD PTR ", 8) == 0 && sum(g, 20) == 0)
			return g;
	return 0;
}

/* Header checks common to every SDT (5.2.6): signature, length at least
 * the header, checksum, revision, OEM fields. Returns the length. */
static uint32_t check_sdt(uint64_t gpa, const char *sig, uint8_t rev)
{
	uint32_t len = le32(at(gpa + 4));

	assert_memory_equal(at(gpa), sig, 4);
	assert_true(len >= 36);
	assert_true(gpa + len <= RAM);
	assert_int_equal(sum(gpa, len), 0);
	assert_int_equal(*at(gpa + 8), rev);
	assert_memory_equal(at(gpa + 10), "VIREO ", 6);
	assert_memory_equal(at(gpa + 16), "VIREOVM ", 8);
	return len;
}

static void record(struct found *f, uint64_t gpa)
{
	if (memcmp(at(gpa), "FACP", 4) == 0) {
		assert_true(f->fadt == 0 || f->fadt == gpa);
		f->fadt = gpa;
	} else if (memcmp(at(gpa), "APIC", 4) == 0) {
		assert_true(f->madt == 0 || f->madt == gpa);
		f->madt = gpa;
	} else {
		fail_msg("unexpected table %.4s", (const char *)at(gpa));
	}
}

/* The XSDT and the RSDT each list the FADT and the MADT, nothing else. */
static void walk_roots(struct found *f)
{
	uint32_t xlen = check_sdt(f->xsdt, "XSDT", 1);
	uint32_t rlen = check_sdt(f->rsdt, "RSDT", 1);
	uint32_t i;

	assert_int_equal(xlen, 36 + 2 * 8);
	assert_int_equal(rlen, 36 + 2 * 4);
	for (i = 36; i < xlen; i += 8)
		record(f, le64(at(f->xsdt + i)));
	for (i = 36; i < rlen; i += 4)
		record(f, le32(at(f->rsdt + i)));
	assert_true(f->fadt && f->madt);
}

static void walk(struct found *f)
{
	uint64_t r;

	memset(f, 0, sizeof(*f));
	r = f->rsdp = find_rsdp();
	assert_int_equal(r, RSDP_AT);
	/* 5.2.5.3: revision 2, length 36, extended checksum, reserved 0. */
	assert_int_equal(*at(r + 15), 2);
	assert_int_equal(le32(at(r + 20)), 36);
	assert_int_equal(sum(r, 36), 0);
	assert_memory_equal(at(r + 9), "VIREO ", 6);
	assert_int_equal(at(r + 33)[0] | at(r + 34)[0] | at(r + 35)[0], 0);
	f->rsdt = le32(at(r + 16));
	f->xsdt = le64(at(r + 24));
	walk_roots(f);
	check_sdt(f->fadt, "FACP", 6);
	assert_int_equal(le32(at(f->fadt + 4)), 276);
	f->dsdt = le64(at(f->fadt + 140));
	f->facs = le64(at(f->fadt + 132));
	assert_int_equal(le32(at(f->fadt + 40)), f->dsdt);
	assert_int_equal(le32(at(f->fadt + 36)), f->facs);
	check_sdt(f->dsdt, "DSDT", 2);
	check_sdt(f->madt, "APIC", 5);
	/* 5.2.10: FACS, 64 bytes, 64-byte aligned, version 2. No checksum. */
	assert_memory_equal(at(f->facs), "FACS", 4);
	assert_int_equal(le32(at(f->facs + 4)), 64);
	assert_int_equal(f->facs % 64, 0);
	assert_int_equal(*at(f->facs + 32), 2);
}

static uint64_t table_len(uint64_t gpa)
{
	return le32(at(gpa + 4));
}

/* All tables inside [TABLES_AT, TABLES_AT + used), none overlapping. */
static void check_placement(const struct found *f, uint64_t base,
			    uint64_t used)
{
	const uint64_t a[] = { f->xsdt, f->rsdt, f->fadt, f->madt, f->dsdt,
			       f->facs };
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(a); i++) {
		assert_true(a[i] >= base);
		assert_true(a[i] + table_len(a[i]) <= base + used);
		for (j = 0; j < i; j++)
			assert_true(a[i] + table_len(a[i]) <= a[j] ||
				    a[j] + table_len(a[j]) <= a[i]);
	}
}

/* ---- AML decoding (20.2) -------------------------------------------- */

/* PkgLength at p: the value, and its byte count in *n. */
static uint32_t pkglength(const uint8_t *p, size_t *n)
{
	uint32_t v;
	size_t i, follow = p[0] >> 6;

	if (follow == 0) {
		*n = 1;
		return p[0] & 0x3F;
	}
	assert_int_equal(p[0] & 0x30, 0);	/* bits 5:4 reserved */
	v = p[0] & 0x0F;
	for (i = 1; i <= follow; i++)
		v |= (uint32_t)p[i] << (4 + 8 * (i - 1));
	*n = 1 + follow;
	return v;
}

/* A ComputationalData integer at p; advances *pos. */
static uint64_t integer(const uint8_t *p, size_t *pos)
{
	uint8_t op = p[*pos];
	size_t bytes, i;
	uint64_t v = 0;

	switch (op) {
	case 0x00: *pos += 1; return 0;
	case 0x01: *pos += 1; return 1;
	case 0x0A: bytes = 1; break;
	case 0x0B: bytes = 2; break;
	case 0x0C: bytes = 4; break;
	case 0x0E: bytes = 8; break;
	default:
		fail_msg("not an integer: opcode 0x%02x", op);
		return 0;
	}
	for (i = 0; i < bytes; i++)
		v |= (uint64_t)p[*pos + 1 + i] << (8 * i);
	*pos += 1 + bytes;
	return v;
}

struct name_pkg {
	char seg[5];
	unsigned n;
	uint64_t v[8];
};

/* PackageOp PkgLength NumElements integers, at p[*pos]; advances *pos. */
static void package(const uint8_t *p, size_t *pos, unsigned *n, uint64_t *v,
		    unsigned max)
{
	size_t m, start;
	uint32_t len;
	unsigned i;

	assert_int_equal(p[(*pos)++], 0x12);	/* PackageOp */
	start = *pos;
	len = pkglength(p + *pos, &m);
	*pos += m;
	*n = p[(*pos)++];
	assert_true(*n <= max);
	for (i = 0; i < *n; i++)
		v[i] = integer(p, pos);
	assert_int_equal(start + len, *pos);	/* PkgLength covers it all */
}

/* One "Name (\XXXX, Package () {integers})" at p; returns its length. */
static size_t name_package(const uint8_t *p, struct name_pkg *out)
{
	size_t pos = 0;

	assert_int_equal(p[pos++], 0x08);	/* NameOp */
	assert_int_equal(p[pos++], '\\');	/* RootChar */
	memcpy(out->seg, p + pos, 4);
	out->seg[4] = '\0';
	pos += 4;
	package(p, &pos, &out->n, out->v, ARRAY_SIZE(out->v));
	return pos;
}

/* The namespace a DSDT defines, flattened: \_S5_, \_SB_.PCI0._HID. */
struct aml_obj {
	char path[24];
	bool is_package;
	unsigned n;		/* package elements */
	uint64_t v[8];		/* the integer, or the package's elements */
};

struct aml_ns {
	struct aml_obj o[8];
	unsigned n;
};

/* A NameString of one NameSeg, root-relative (RootChar) or relative to
 * scope; returns its length. */
static size_t name_string(const uint8_t *p, const char *scope, char *path)
{
	size_t i, root = p[0] == '\\';

	for (i = 0; i < 4; i++) {
		uint8_t c = p[root + i];
		assert_true(c == '_' || (c >= 'A' && c <= 'Z') ||
			    (i > 0 && c >= '0' && c <= '9'));
	}
	if (root || strcmp(scope, "\\") == 0)
		snprintf(path, 24, "\\%.4s", (const char *)p + root);
	else
		snprintf(path, 24, "%s.%.4s", scope, (const char *)p + root);
	return root + 4;
}

static void term_list(const uint8_t *p, size_t len, const char *scope,
		      struct aml_ns *ns);

/* Scope or Device body: PkgLength NameString TermList, at p[*pos]. */
static void block(const uint8_t *p, size_t *pos, const char *scope,
		  struct aml_ns *ns)
{
	size_t start = *pos, m;
	uint32_t len = pkglength(p + start, &m);
	char path[24];

	*pos += m;
	*pos += name_string(p + *pos, scope, path);
	assert_true(*pos <= start + len);
	term_list(p + *pos, start + len - *pos, path, ns);
	*pos = start + len;
}

/* A TermList of Name (integer or package), Scope and Device only. */
static void term_list(const uint8_t *p, size_t len, const char *scope,
		      struct aml_ns *ns)
{
	size_t pos = 0;

	while (pos < len) {
		struct aml_obj *o;

		switch (p[pos++]) {
		case 0x08:				/* NameOp */
			assert_true(ns->n < ARRAY_SIZE(ns->o));
			o = &ns->o[ns->n++];
			memset(o, 0, sizeof(*o));
			pos += name_string(p + pos, scope, o->path);
			o->is_package = p[pos] == 0x12;
			if (o->is_package)
				package(p, &pos, &o->n, o->v, 8);
			else
				o->v[0] = integer(p, &pos);
			break;
		case 0x10:				/* ScopeOp */
			block(p, &pos, scope, ns);
			break;
		case 0x5B:				/* ExtOpPrefix */
			assert_int_equal(p[pos++], 0x82);	/* DeviceOp */
			block(p, &pos, scope, ns);
			break;
		default:
			fail_msg("unexpected AML opcode 0x%02x", p[pos - 1]);
		}
	}
	assert_int_equal(pos, len);
}

static void parse_dsdt(uint64_t dsdt, struct aml_ns *ns)
{
	memset(ns, 0, sizeof(*ns));
	term_list(at(dsdt + 36), le32(at(dsdt + 4)) - 36, "\\", ns);
}

static const struct aml_obj *lookup(const struct aml_ns *ns, const char *path)
{
	unsigned i;

	for (i = 0; i < ns->n; i++)
		if (strcmp(ns->o[i].path, path) == 0)
			return &ns->o[i];
	return NULL;
}

/* ---- checks of each table against the configuration ----------------- */

static void check_gas_io(uint64_t g, uint8_t width, uint8_t access,
			 uint64_t port)
{
	assert_int_equal(*at(g), 1);		/* SystemIO */
	assert_int_equal(*at(g + 1), width);
	assert_int_equal(*at(g + 2), 0);
	assert_int_equal(*at(g + 3), access);
	assert_int_equal(le64(at(g + 4)), port);
}

static void check_gas_zero(uint64_t g)
{
	static const uint8_t zero[12];

	assert_memory_equal(at(g), zero, 12);
}

static void check_fadt_pm(uint64_t f, const struct acpi_config *c)
{
	assert_int_equal(le32(at(f + 56)), c->pm1a_evt_port);
	assert_int_equal(le32(at(f + 60)), 0);		/* PM1b_EVT_BLK */
	assert_int_equal(le32(at(f + 64)), c->pm1a_cnt_port);
	assert_int_equal(le32(at(f + 68)), 0);		/* PM1b_CNT_BLK */
	assert_int_equal(le32(at(f + 72)), 0);		/* PM2_CNT_BLK */
	assert_int_equal(le32(at(f + 76)), c->pm_tmr_port);
	assert_int_equal(le32(at(f + 80)), 0);		/* GPE0_BLK */
	assert_int_equal(le32(at(f + 84)), 0);		/* GPE1_BLK */
	assert_int_equal(*at(f + 88), 4);		/* PM1_EVT_LEN */
	assert_int_equal(*at(f + 89), 2);		/* PM1_CNT_LEN */
	assert_int_equal(*at(f + 90), 0);		/* PM2_CNT_LEN */
	assert_int_equal(*at(f + 91), c->pm_tmr_port ? 4 : 0);
	assert_int_equal(*at(f + 92), 0);		/* GPE0_BLK_LEN */
	check_gas_io(f + 148, 32, 2, c->pm1a_evt_port);
	check_gas_zero(f + 160);			/* X_PM1b_EVT_BLK */
	check_gas_io(f + 172, 16, 2, c->pm1a_cnt_port);
	check_gas_zero(f + 184);			/* X_PM1b_CNT_BLK */
	check_gas_zero(f + 196);			/* X_PM2_CNT_BLK */
	if (c->pm_tmr_port)
		check_gas_io(f + 208, 32, 3, c->pm_tmr_port);
	else
		check_gas_zero(f + 208);
	check_gas_zero(f + 220);			/* X_GPE0_BLK */
	check_gas_zero(f + 232);			/* X_GPE1_BLK */
	check_gas_zero(f + 244);			/* SLEEP_CONTROL_REG */
	check_gas_zero(f + 256);			/* SLEEP_STATUS_REG */
}

static void check_fadt(const struct found *fd, const struct acpi_config *c)
{
	uint64_t f = fd->fadt;
	uint32_t flags = le32(at(f + 112));

	assert_int_equal(le16(at(f + 46)), c->sci_irq);
	assert_int_equal(le32(at(f + 48)), c->smi_cmd_port);
	assert_int_equal(*at(f + 52), c->smi_cmd_port ? c->acpi_enable : 0);
	assert_int_equal(*at(f + 53), c->smi_cmd_port ? c->acpi_disable : 0);
	check_fadt_pm(f, c);
	assert_true(le16(at(f + 96)) > 100);		/* no C2 */
	assert_true(le16(at(f + 98)) > 1000);		/* no C3 */
	assert_int_equal(*at(f + 108), c->rtc_century);	/* CENTURY */
	/* IAPC_BOOT_ARCH: LEGACY_DEVICES, 8042, VGA Not Present. */
	assert_int_equal(le16(at(f + 109)), 0x7);
	/* WBINVD, PROC_C1, PWR_BUTTON, SLP_BUTTON, RESET_REG_SUP; not
	 * TMR_VAL_EXT (bit 8), not HW_REDUCED_ACPI (bit 20). */
	assert_int_equal(flags & ~(1u << 19),
			 0x35u | (c->reset_port ? 1u << 10 : 0));
	assert_int_equal(!!(flags & (1u << 19)), c->ncpus > 8);
	if (c->reset_port) {
		check_gas_io(f + 116, 8, 1, c->reset_port);
		assert_int_equal(*at(f + 128), c->reset_value);
	} else {
		check_gas_zero(f + 116);
	}
	assert_int_equal(*at(f + 131), 5);		/* FADT minor version */
}

static void check_madt(const struct found *fd, const struct acpi_config *c)
{
	uint64_t m = fd->madt, e = m + 44, end = m + table_len(m);
	unsigned cpus = 0, ioapics = 0, isos = 0, nmis = 0;

	assert_int_equal(le32(at(m + 36)), c->lapic_addr);
	assert_int_equal(le32(at(m + 40)), 1);		/* PCAT_COMPAT */
	while (e < end) {
		uint8_t type = *at(e), len = *at(e + 1);

		assert_true(len >= 2 && e + len <= end);
		switch (type) {
		case 0:		/* Processor Local APIC */
			assert_int_equal(len, 8);
			assert_int_equal(*at(e + 2), cpus);	/* UID */
			assert_int_equal(*at(e + 3), cpus);	/* APIC ID */
			assert_int_equal(le32(at(e + 4)), 1);	/* Enabled */
			cpus++;
			break;
		case 1:		/* I/O APIC */
			assert_int_equal(len, 12);
			assert_int_equal(*at(e + 2), c->ioapic_id);
			assert_int_equal(*at(e + 3), 0);
			assert_int_equal(le32(at(e + 4)), c->ioapic_addr);
			assert_int_equal(le32(at(e + 8)), 0);	/* GSI base */
			ioapics++;
			break;
		case 2:		/* Interrupt Source Override, bus ISA */
			assert_int_equal(len, 10);
			assert_int_equal(*at(e + 2), 0);
			if (isos == 0) {
				assert_int_equal(*at(e + 3), 0);
				assert_int_equal(le32(at(e + 4)), 2);
				assert_int_equal(le16(at(e + 8)), 0);
			} else {
				assert_int_equal(*at(e + 3), c->sci_irq);
				assert_int_equal(le32(at(e + 4)), c->sci_irq);
				/* level (3 << 2), active high (1) */
				assert_int_equal(le16(at(e + 8)), 0xD);
			}
			isos++;
			break;
		case 4:		/* Local APIC NMI */
			assert_int_equal(len, 6);
			assert_int_equal(*at(e + 2), 0xFF);	/* all CPUs */
			assert_int_equal(le16(at(e + 3)), 0);
			assert_int_equal(*at(e + 5), 1);	/* LINT1 */
			nmis++;
			break;
		default:
			fail_msg("unexpected MADT entry type %u", type);
		}
		e += len;
	}
	assert_int_equal(e, end);
	assert_int_equal(cpus, c->ncpus);
	assert_int_equal(ioapics, 1);
	assert_int_equal(isos, 2);
	assert_int_equal(nmis, 1);
}

/* \_S5_ = { S5, S5, 0, 0 }; \_S0_ = { 0, 0, 0, 0 } unless S5 is 0; and
 * \_SB.PCI0 when asked for. Nothing else. */
static void check_dsdt(const struct found *fd, const struct acpi_config *c)
{
	const struct aml_obj *o;
	struct aml_ns ns;
	bool s0 = c->slp_typ_s5 != 0;

	parse_dsdt(fd->dsdt, &ns);
	assert_int_equal(ns.n, 1 + s0 + (c->pci_host_bridge ? 3 : 0));
	o = lookup(&ns, "\\_S5_");
	assert_non_null(o);
	assert_true(o->is_package);
	assert_int_equal(o->n, 4);
	assert_int_equal(o->v[0], c->slp_typ_s5);
	assert_int_equal(o->v[1], c->slp_typ_s5);
	assert_int_equal(o->v[2], 0);
	assert_int_equal(o->v[3], 0);
	o = lookup(&ns, "\\_S0_");
	assert_int_equal(o != NULL, s0);
	if (o) {
		assert_true(o->is_package);
		assert_int_equal(o->n, 4);
		assert_int_equal(o->v[0] | o->v[1] | o->v[2] | o->v[3], 0);
	}
	if (!c->pci_host_bridge)
		return;
	o = lookup(&ns, "\\_SB_.PCI0._HID");
	assert_non_null(o);
	assert_int_equal(o->v[0], 0x030AD041);	/* EISAID("PNP0A03") */
	o = lookup(&ns, "\\_SB_.PCI0._UID");
	assert_non_null(o);
	assert_int_equal(o->v[0], 0);
	o = lookup(&ns, "\\_SB_.PCI0._BBN");
	assert_non_null(o);
	assert_int_equal(o->v[0], 0);
}

/* Build, walk, check everything; returns the bytes used. */
static uint64_t build_and_check(const struct acpi_config *c)
{
	struct found f;
	uint64_t used = 0;

	assert_int_equal(acpi_build(&gm, c, &used, err, sizeof(err)), 0);
	assert_int_equal(used, acpi_tables_size(c));
	assert_true(used <= c->tables_size);
	walk(&f);
	check_placement(&f, c->tables_gpa, used);
	assert_int_equal(le32(at(f.rsdp + 16)), f.rsdt);
	check_fadt(&f, c);
	check_madt(&f, c);
	check_dsdt(&f, c);
	assert_untouched_except(c->tables_gpa, used, c->rsdp_gpa, 36);
	return used;
}

/* ---- tests ------------------------------------------------------------ */

static void test_pkglength(void **state)
{
	/* body -> expected encoding (the value counts its own bytes) */
	static const struct {
		uint64_t body;
		size_t n;
		uint8_t b[4];
	} t[] = {
		{ 0, 1, { 0x01 } },
		{ 7, 1, { 0x08 } },
		{ 62, 1, { 0x3F } },			/* largest 1-byte */
		{ 63, 2, { 0x41, 0x04 } },		/* 65 = 0x041 */
		{ 0xFFD, 2, { 0x4F, 0xFF } },		/* 0xFFF */
		{ 0xFFE, 3, { 0x81, 0x00, 0x01 } },	/* 0x1001 */
		{ 0xFFFFC, 3, { 0x8F, 0xFF, 0xFF } },	/* 0xFFFFF */
		{ 0xFFFFD, 4, { 0xC1, 0x00, 0x00, 0x01 } },	/* 0x100001 */
		{ 0xFFFFFFB, 4, { 0xCF, 0xFF, 0xFF, 0xFF } },	/* 0xFFFFFFF */
	};
	uint8_t b[4];
	size_t i, n;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		memset(b, 0xCC, sizeof(b));
		assert_int_equal(aml_pkglength(NULL, t[i].body), t[i].n);
		assert_int_equal(aml_pkglength(b, t[i].body), t[i].n);
		assert_memory_equal(b, t[i].b, t[i].n);
		assert_int_equal(pkglength(b, &n), t[i].body + t[i].n);
		assert_int_equal(n, t[i].n);
	}
	assert_int_equal(aml_pkglength(b, 0xFFFFFFC), 0);	/* > 28 bits */
	assert_int_equal(aml_pkglength(NULL, UINT64_MAX), 0);
}

static void test_pkglength_roundtrip(void **state)
{
	uint8_t b[4];
	uint64_t body;
	size_t n, m;

	(void)state;
	for (body = 0; body < 0x2000; body++) {
		n = aml_pkglength(b, body);
		assert_int_equal(pkglength(b, &m), body + n);
		assert_int_equal(m, n);
		/* shortest form: one byte less would not hold the value */
		assert_int_equal(n, body + 1 <= 0x3F ? 1 :
				    body + 2 <= 0xFFF ? 2 : 3);
	}
}

static void test_integer(void **state)
{
	static const struct {
		uint64_t v;
		size_t n;
		uint8_t b[9];
	} t[] = {
		{ 0, 1, { 0x00 } },				/* ZeroOp */
		{ 1, 1, { 0x01 } },				/* OneOp */
		{ 2, 2, { 0x0A, 0x02 } },			/* BytePrefix */
		{ 0xFF, 2, { 0x0A, 0xFF } },
		{ 0x100, 3, { 0x0B, 0x00, 0x01 } },		/* WordPrefix */
		{ 0x12345678, 5, { 0x0C, 0x78, 0x56, 0x34, 0x12 } },
		{ 0x10000, 5, { 0x0C, 0x00, 0x00, 0x01, 0x00 } },
		{ 0x100000000ULL, 9,
		  { 0x0E, 0, 0, 0, 0, 1, 0, 0, 0 } },		/* QWordPrefix */
		{ UINT64_MAX, 9,
		  { 0x0E, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF } },
	};
	uint8_t b[9];
	size_t i, pos;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		assert_int_equal(aml_integer(NULL, t[i].v), t[i].n);
		assert_int_equal(aml_integer(b, t[i].v), t[i].n);
		assert_memory_equal(b, t[i].b, t[i].n);
		pos = 0;
		assert_int_equal(integer(b, &pos), t[i].v);
		assert_int_equal(pos, t[i].n);
	}
}

/* Name (\_S5, Package (0x04) {5, 5, 0, 0}): iasl emits these bytes less
 * the RootChar, which it drops at root scope (checked with iasl 20200925). */
static void test_name_package_s5(void **state)
{
	static const uint8_t want[] = {
		0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, 0x04,
		0x0A, 0x05, 0x0A, 0x05, 0x00, 0x00,
	};
	const uint64_t v[4] = { 5, 5, 0, 0 };
	uint8_t b[32];

	(void)state;
	assert_int_equal(aml_name_package(NULL, "_S5_", v, 4), sizeof(want));
	assert_int_equal(aml_name_package(b, "_S5_", v, 4), sizeof(want));
	assert_memory_equal(b, want, sizeof(want));
}

/* A package long enough for a 2-byte PkgLength, and the limits. */
static void test_name_package_long(void **state)
{
	uint64_t v[255];
	uint8_t b[2048];
	struct name_pkg np;
	size_t n, i, m;

	(void)state;
	for (i = 0; i < 40; i++)
		v[i] = 0x1234;		/* WordPrefix: 3 bytes each */
	n = aml_name_package(b, "ABCD", v, 40);
	assert_int_equal(n, 6 + 1 + 2 + 1 + 40 * 3);
	assert_int_equal(b[7] >> 6, 1);		/* 2-byte PkgLength */
	assert_int_equal(pkglength(b + 7, &m), 2 + 1 + 40 * 3);
	assert_int_equal(aml_name_package(NULL, "ABCD", v, 40), n);
	/* the decoder keeps at most 8 elements: check a short one too */
	v[0] = 0; v[1] = 1; v[2] = 0xFF; v[3] = UINT64_MAX;
	n = aml_name_package(b, "WXYZ", v, 4);
	assert_int_equal(name_package(b, &np), n);
	assert_string_equal(np.seg, "WXYZ");
	assert_int_equal(np.n, 4);
	assert_int_equal(np.v[3], UINT64_MAX);
	/* NumElements is one byte */
	for (i = 0; i < 255; i++)
		v[i] = 0;
	assert_int_equal(aml_name_package(NULL, "ABCD", v, 255),
			 6 + 1 + 2 + 1 + 255);
	assert_int_equal(aml_name_package(NULL, "ABCD", v, 256), 0);
}

static void test_name_integer(void **state)
{
	static const uint8_t want[] = { 0x08, '_', 'U', 'I', 'D', 0x00,
					0x08, 'X', 'Y', 'Z', '0', 0x0B, 0x34,
					0x12 };
	uint8_t b[16];
	size_t n;

	(void)state;
	n = aml_name_integer(b, "_UID", 0);
	assert_int_equal(n, 6);
	n += aml_name_integer(b + n, "XYZ0", 0x1234);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(b, want, sizeof(want));
	assert_int_equal(aml_name_integer(NULL, "XYZ0", 0x1234), 8);
}

static void test_eisaid(void **state)
{
	(void)state;
	/* bytes 41 D0 0A 03: "PNP" packed 5 bits a letter, then 0A 03 */
	assert_int_equal(aml_eisaid("PNP0A03"), 0x030AD041);
	assert_int_equal(aml_eisaid("PNP0a03"), 0x030AD041);
	assert_int_equal(aml_eisaid("PNP0C0C"), 0x0C0CD041);	/* power btn */
	assert_int_equal(aml_eisaid("ABC1234"), 0x34124304);
}

/* Scope (\_SB) { Device (PCI0) { Name (_HID, EisaId ("PNP0A03"))
 * Name (_UID, Zero) Name (_BBN, Zero) } }: the bytes iasl 20200925 emits,
 * except that iasl drops the RootChar at root scope (PkgLength 0x22). */
static void test_scope_device(void **state)
{
	static const uint8_t want[] = {
		0x10, 0x23, '\\', '_', 'S', 'B', '_',
		0x5B, 0x82, 0x1B, 'P', 'C', 'I', '0',
		0x08, '_', 'H', 'I', 'D', 0x0C, 0x41, 0xD0, 0x0A, 0x03,
		0x08, '_', 'U', 'I', 'D', 0x00,
		0x08, '_', 'B', 'B', 'N', 0x00,
	};
	uint8_t body[32], dev[48], b[80], big[64];
	size_t n = 0, d;

	(void)state;
	n += aml_name_integer(body + n, "_HID", aml_eisaid("PNP0A03"));
	n += aml_name_integer(body + n, "_UID", 0);
	n += aml_name_integer(body + n, "_BBN", 0);
	d = aml_device(dev, "PCI0", body, n);
	assert_int_equal(d, 29);
	assert_int_equal(aml_device(NULL, "PCI0", body, n), d);
	assert_int_equal(aml_scope(NULL, "_SB_", dev, d), sizeof(want));
	assert_int_equal(aml_scope(b, "_SB_", dev, d), sizeof(want));
	assert_memory_equal(b, want, sizeof(want));
	/* PkgLength + NameSeg + body: 1 + 4 + 58 = 63 still fits one byte;
	 * a 59-byte body needs two */
	memset(big, 0, sizeof(big));
	assert_int_equal(aml_device(b, "BIG_", big, 58), 2 + 1 + 4 + 58);
	assert_int_equal(b[2], 63);
	assert_int_equal(aml_device(b, "BIG_", big, 59), 2 + 2 + 4 + 59);
	assert_int_equal(b[2] >> 6, 1);
}

static void test_full(void **state)
{
	struct acpi_config c = config(4);

	(void)state;
	build_and_check(&c);
	memset(gm.base, 0xCC, RAM);
	c.pci_host_bridge = true;
	build_and_check(&c);
}

static void test_cpu_counts(void **state)
{
	static const unsigned counts[] = { 1, 2, 8, 9, 64, 255 };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		struct acpi_config c = config(counts[i]);

		memset(gm.base, 0xCC, RAM);
		build_and_check(&c);
	}
}

/* No SMI port (already in ACPI mode), no PM timer, no reset register,
 * S5 = 0 (so no \_S0_), I/O APIC ID after the CPUs, short OEM ID. */
static void test_optional_parts(void **state)
{
	struct acpi_config c = config(2);
	struct found f;

	(void)state;
	c.smi_cmd_port = 0;
	c.pm_tmr_port = 0;
	c.reset_port = 0;
	c.reset_value = 0x06;	/* ignored without a port */
	c.slp_typ_s5 = 0;
	c.ioapic_id = 2;
	c.sci_irq = 10;
	c.rtc_century = 0;
	build_and_check(&c);
	walk(&f);
	assert_int_equal(*at(f.fadt + 128), 0);		/* RESET_VALUE */

	memset(gm.base, 0xCC, RAM);
	memcpy(c.oem_id, "AB\0\0\0\0", 7);
	assert_int_equal(acpi_build(&gm, &c, NULL, err, sizeof(err)), 0);
	assert_memory_equal(at(RSDP_AT + 9), "AB    ", 6);
}

/* tables_gpa not 64-aligned: the FACS still is, inside the region. */
static void test_unaligned_region(void **state)
{
	struct acpi_config c = config(3);
	uint64_t used;
	struct found f;

	(void)state;
	c.tables_gpa = TABLES_AT + 4;
	c.tables_size = TABLES_SZ - 4;
	used = build_and_check(&c);
	walk(&f);
	assert_int_equal(f.facs, TABLES_AT + 64);
	assert_int_equal(used, acpi_tables_size(&c));
}

/* Exactly enough room works; one byte less fails and writes nothing. */
static void test_no_room(void **state)
{
	struct acpi_config c = config(8);
	uint64_t need = acpi_tables_size(&c), used = 1;

	(void)state;
	c.tables_size = need - 1;
	assert_int_equal(acpi_build(&gm, &c, &used, err, sizeof(err)), -1);
	assert_int_equal(used, 0);
	assert_non_null(strstr(err, "ACPI tables need 0x"));
	assert_untouched_except(0, 0, 0, 0);
	c.tables_size = need;
	build_and_check(&c);
	assert_true(need < 4096);	/* 8 vCPUs: well under a page */
}

static void expect_error(const struct acpi_config *c, const char *msg)
{
	uint64_t used = 1;

	err[0] = '\0';
	assert_int_equal(acpi_build(&gm, c, &used, err, sizeof(err)), -1);
	assert_int_equal(used, 0);
	if (!strstr(err, msg))
		fail_msg("error \"%s\" lacks \"%s\"", err, msg);
	assert_untouched_except(0, 0, 0, 0);
}

static void test_bad_addresses(void **state)
{
	struct acpi_config c;

	(void)state;
	c = config(1);
	c.rsdp_gpa = 0xF0008;			/* not on a paragraph */
	expect_error(&c, "RSDP at 0xf0008 is not on a 16-byte boundary");
	c.rsdp_gpa = 0xDFFF0;			/* below the scanned area */
	expect_error(&c, "RSDP at 0xdfff0");
	c.rsdp_gpa = 0xFFFF0;			/* 36 bytes cross 1 MiB */
	expect_error(&c, "RSDP at 0xffff0");
	c.rsdp_gpa = 0xFFFD0;			/* the last place that fits */
	assert_int_equal(acpi_build(&gm, &c, NULL, err, sizeof(err)), 0);

	memset(gm.base, 0xCC, RAM);
	c = config(1);
	c.tables_gpa = 0xE0000;			/* legacy hole */
	expect_error(&c, "ACPI tables at 0xe0000-0xf0000 are not in guest RAM");
	c.tables_gpa = RAM - 0x100;		/* runs off the end of RAM */
	expect_error(&c, "are not in guest RAM");
	c.tables_gpa = TABLES_AT;
	c.tables_size = 0;
	expect_error(&c, "are not in guest RAM");
}

/* RSDP area beyond a small guest's memory, tables straddling 4 GiB. The
 * fake sizes are larger than the buffer: the checks must fail before any
 * byte is written. */
static void test_bad_memory(void **state)
{
	struct guest_mem small = { gm.base, 0x80000 };
	struct guest_mem big = { gm.base, 8ULL << 30 };
	struct acpi_config c = config(1);

	(void)state;
	c.tables_gpa = 0x10000;
	assert_int_equal(acpi_build(&small, &c, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "ACPI: RSDP at 0xf0000 is beyond guest "
			    "memory (0x80000 bytes)");
	c = config(1);
	c.tables_gpa = (4ULL << 30) - 0x200;
	c.tables_size = 0x10000;
	assert_int_equal(acpi_build(&big, &c, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "are not below 4 GiB"));
	assert_untouched_except(0, 0, 0, 0);
}

static void test_bad_config(void **state)
{
	struct acpi_config c;

	(void)state;
	c = config(0);
	expect_error(&c, "0 vCPUs, the MADT describes 1 to 255");
	assert_int_equal(acpi_tables_size(&c), 0);
	c = config(256);
	expect_error(&c, "256 vCPUs");
	c = config(1);
	c.slp_typ_s5 = 8;
	expect_error(&c, "SLP_TYP 8 for S5");
	c = config(1);
	c.sci_irq = 2;
	expect_error(&c, "SCI on IRQ 2");
	c.sci_irq = 0;
	expect_error(&c, "SCI on IRQ 0");
	c.sci_irq = 16;
	expect_error(&c, "SCI on IRQ 16");
	c = config(1);
	c.pm1a_cnt_port = 0;
	expect_error(&c, "PM1a event and control blocks are required");
	c = config(1);
	c.acpi_disable = c.acpi_enable;
	expect_error(&c, "ACPI_ENABLE and ACPI_DISABLE are both 0xf1");
	c = config(1);
	c.lapic_addr = 1ULL << 32;
	expect_error(&c, "above 4 GiB");
	assert_int_equal(acpi_build(NULL, &c, NULL, err, sizeof(err)), -1);
	assert_int_equal(acpi_build(&gm, NULL, NULL, NULL, 0), -1);
}

/* The FACS hardware signature follows the hardware, not the build. */
static void test_hw_signature(void **state)
{
	struct acpi_config c = config(2);
	struct found f;
	uint32_t a, b;

	(void)state;
	assert_int_equal(acpi_build(&gm, &c, NULL, err, sizeof(err)), 0);
	walk(&f);
	a = le32(at(f.facs + 8));
	assert_int_equal(acpi_build(&gm, &c, NULL, err, sizeof(err)), 0);
	assert_int_equal(le32(at(f.facs + 8)), a);
	c.ncpus = 3;
	assert_int_equal(acpi_build(&gm, &c, NULL, err, sizeof(err)), 0);
	walk(&f);
	b = le32(at(f.facs + 8));
	assert_int_not_equal(a, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pkglength),
		cmocka_unit_test(test_pkglength_roundtrip),
		cmocka_unit_test(test_integer),
		cmocka_unit_test(test_name_package_s5),
		cmocka_unit_test(test_name_package_long),
		cmocka_unit_test(test_name_integer),
		cmocka_unit_test(test_eisaid),
		cmocka_unit_test(test_scope_device),
		cmocka_unit_test_setup_teardown(test_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpu_counts, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_optional_parts, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unaligned_region, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_room, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_addresses, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_memory, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_config, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hw_signature, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
