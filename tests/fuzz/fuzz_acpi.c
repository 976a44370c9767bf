/* The ACPI table builder with random VM shapes (vCPU count, addresses,
 * ports, IRQs, where the tables and the RSDP go, how much room there is),
 * into a guest RAM of exactly its size on the heap, and the AML encoders.
 * Checks: a refused shape writes nothing, reports 0 bytes used and a
 * one-line reason; a built one writes only the RSDP and [tables_gpa,
 * tables_gpa + used), used is acpi_tables_size() and fits the room given;
 * read back as an OS does, the RSDP's two checksums and every table's
 * checksum are 0, every pointer (RSDT, XSDT, FADT -> FACS/DSDT) lands on a
 * table wholly inside the region, the FACS is 64-byte aligned, the MADT's
 * entries tile it exactly with one LAPIC per vCPU; PkgLength and integer
 * encodings decode back to their values.
 * FUZZ-DEPS: loaders/acpi_tables.c */
#include "tests/fuzz/fuzz.h"
#include "loaders/acpi_tables.h"
#include "loaders/le.h"

#define FILL 0xCC
#define RAM_SIZES 16

static struct guest_mem gm;

static uint8_t *ram_of_size(unsigned i, uint64_t size)
{
	static uint8_t *ram[RAM_SIZES];

	if (!ram[i] && !(ram[i] = malloc(size)))
		abort();
	return ram[i];
}

static bool untouched(uint64_t lo, uint64_t hi)
{
	static uint8_t fill[4096];

	if (!fill[0])
		memset(fill, FILL, sizeof(fill));
	for (uint64_t a = lo; a < hi; a += sizeof(fill)) {
		uint64_t n = hi - a < sizeof(fill) ? hi - a : sizeof(fill);

		if (memcmp(gm.base + a, fill, n) != 0)
			return false;
	}
	return true;
}

/* Nothing changed outside the RSDP and the tables. */
static void check_outside(const struct acpi_config *c, uint64_t used)
{
	uint64_t t0 = c->tables_gpa, t1 = t0 + used, r0 = c->rsdp_gpa, r1 = r0 + ACPI_RSDP_LEN;
	uint64_t a0 = t0 < r0 ? t0 : r0, a1 = t0 < r0 ? t1 : r1;	/* the lower one */
	uint64_t b0 = t0 < r0 ? r0 : t0, b1 = t0 < r0 ? r1 : t1;

	FUZZ_CHECK(a1 <= b0, "the RSDP and the tables overlap");
	FUZZ_CHECK(untouched(0, a0) && untouched(a1, b0) && untouched(b1, gm.size),
		   "wrote outside the RSDP and the tables");
}

static uint8_t sum(const uint8_t *p, uint64_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* A table at gpa: inside [lo, hi), its length and checksum right. */
static const uint8_t *table(uint64_t gpa, const char *sig, uint64_t lo, uint64_t hi)
{
	const uint8_t *t;
	uint32_t len;

	FUZZ_CHECK(gpa >= lo && gpa + 36 <= hi, "%s at %#llx outside %#llx-%#llx", sig,
		   (unsigned long long)gpa, (unsigned long long)lo, (unsigned long long)hi);
	t = gm.base + gpa;
	len = le32(t + 4);
	FUZZ_CHECK(memcmp(t, sig, 4) == 0, "signature %.4s, want %s", (const char *)t, sig);
	FUZZ_CHECK(len >= 36 && gpa + len <= hi, "%s length %u", sig, len);
	FUZZ_CHECK(sum(t, len) == 0, "%s checksum", sig);
	return t;
}

static void check_madt(const uint8_t *m, unsigned ncpus)
{
	uint32_t len = le32(m + 4), off = 44;
	unsigned lapics = 0;

	while (off < len) {
		uint8_t type = m[off], elen = m[off + 1];

		FUZZ_CHECK(elen >= 2 && off + elen <= len, "MADT entry at %u: length %u", off, elen);
		if (type == 0) {
			FUZZ_CHECK(elen == 8 && m[off + 2] == lapics && m[off + 3] == lapics,
				   "LAPIC entry %u", lapics);
			lapics++;
		}
		off += elen;
	}
	FUZZ_CHECK(off == len && lapics == ncpus, "MADT: %u LAPICs for %u vCPUs", lapics, ncpus);
}

static void check_tables(const struct acpi_config *c, uint64_t used)
{
	uint64_t lo = c->tables_gpa, hi = lo + used;
	const uint8_t *r = gm.base + c->rsdp_gpa, *rsdt, *xsdt, *fadt;

	FUZZ_CHECK(memcmp(r, "RSD PTR ", 8) == 0 && sum(r, 20) == 0 &&
		   sum(r, ACPI_RSDP_LEN) == 0 && le32(r + 20) == ACPI_RSDP_LEN, "RSDP");
	rsdt = table(le32(r + 16), "RSDT", lo, hi);
	xsdt = table(le64(r + 24), "XSDT", lo, hi);
	FUZZ_CHECK(le32(rsdt + 4) == 36 + 8 && le32(xsdt + 4) == 36 + 16, "root sizes");
	for (int i = 0; i < 2; i++) {
		uint64_t a = le32(rsdt + 36 + 4 * i);

		FUZZ_CHECK(a == le64(xsdt + 36 + 8 * i), "RSDT and XSDT differ");
		table(a, i == 0 ? "FACP" : "APIC", lo, hi);
	}
	fadt = gm.base + le32(rsdt + 36);
	check_madt(gm.base + le32(rsdt + 40), c->ncpus);
	uint64_t facs = le32(fadt + 36), dsdt = le32(fadt + 40);

	FUZZ_CHECK(facs == le64(fadt + 132) && dsdt == le64(fadt + 140), "FADT 32/64-bit pointers");
	FUZZ_CHECK(facs % 64 == 0 && facs >= lo && facs + 64 <= hi &&
		   memcmp(gm.base + facs, "FACS", 4) == 0, "FACS at %#llx", (unsigned long long)facs);
	table(dsdt, "DSDT", lo, hi);
}

static void check_aml(struct fuzz_in *in)
{
	uint8_t out[16];
	uint64_t body = fuzz_u32(in) >> (fuzz_u8(in) % 32), v = fuzz_u64(in) >> (fuzz_u8(in) % 64);
	size_t n = aml_pkglength(out, body), m;

	if (n) {	/* PkgLength: lead byte's bits 7:6 = extra bytes */
		uint64_t got = n == 1 ? out[0] & 0x3f : out[0] & 0x0f;

		FUZZ_CHECK((size_t)(out[0] >> 6) + 1 == n && (n == 1 || !(out[0] & 0x30)), "PkgLength lead");
		for (size_t i = 1; i < n; i++)
			got |= (uint64_t)out[i] << (4 + 8 * (i - 1));
		FUZZ_CHECK(got == body + n, "PkgLength %zu bytes: %llu for %llu", n,
			   (unsigned long long)got, (unsigned long long)body);
		FUZZ_CHECK(aml_pkglength(NULL, body) == n, "PkgLength length");
	} else {
		FUZZ_CHECK(body + 4 > 0x0fffffff, "PkgLength refused %llu", (unsigned long long)body);
	}
	m = aml_integer(out, v);
	uint64_t got = 0;

	switch (out[0]) {
	case 0x00: got = 0; FUZZ_CHECK(m == 1, "ZeroOp"); break;
	case 0x01: got = 1; FUZZ_CHECK(m == 1, "OneOp"); break;
	case 0x0a: got = out[1]; FUZZ_CHECK(m == 2, "BytePrefix"); break;
	case 0x0b: got = le16(out + 1); FUZZ_CHECK(m == 3, "WordPrefix"); break;
	case 0x0c: got = le32(out + 1); FUZZ_CHECK(m == 5, "DWordPrefix"); break;
	case 0x0e: got = le64(out + 1); FUZZ_CHECK(m == 9, "QWordPrefix"); break;
	default: FUZZ_CHECK(0, "integer opcode %#x", out[0]);
	}
	FUZZ_CHECK(got == v, "integer %llu encoded as %llu", (unsigned long long)v,
		   (unsigned long long)got);
	FUZZ_CHECK(m == 1 + (v <= 1 ? 0 : v <= 0xff ? 1 : v <= 0xffff ? 2 :
			     v <= 0xffffffffULL ? 4 : 8), "integer not shortest");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in_init(data, size);
	unsigned ram_idx = fuzz_u8(&in) % RAM_SIZES;
	uint8_t sel = fuzz_u8(&in);
	struct acpi_config c;
	char err[120];
	uint64_t used = 0x5a5a, need;
	int rc;

	gm.size = 0x100000 + (uint64_t)ram_idx * 0x10000;
	memset(&c, 0, sizeof(c));
	c.ncpus = fuzz_u16(&in) % 300;
	c.lapic_addr = (sel & 1) ? fuzz_u64(&in) : 0xFEE00000;
	c.ioapic_addr = (sel & 1) ? fuzz_u64(&in) : 0xFEC00000;
	c.ioapic_id = fuzz_u8(&in);
	c.pm1a_evt_port = fuzz_u16(&in);
	c.pm1a_cnt_port = fuzz_u16(&in);
	c.pm_tmr_port = fuzz_u16(&in);
	c.smi_cmd_port = fuzz_u16(&in);
	c.acpi_enable = fuzz_u8(&in);
	c.acpi_disable = fuzz_u8(&in);
	c.sci_irq = fuzz_u8(&in) % 20;
	c.reset_port = fuzz_u16(&in);
	c.reset_value = fuzz_u8(&in);
	c.slp_typ_s5 = fuzz_u8(&in) % 10;
	c.rtc_century = fuzz_u8(&in);
	c.pci_host_bridge = sel & 2;
	c.rsdp_gpa = ACPI_RSDP_AREA_START - 0x40 + fuzz_u32(&in) % 0x20100;
	c.tables_gpa = fuzz_u32(&in) % (gm.size + 0x2000);
	c.tables_size = fuzz_u32(&in) % 0x4000;
	for (int i = 0; i < 6; i++)
		c.oem_id[i] = (char)fuzz_u8(&in);

	gm.base = ram_of_size(ram_idx, gm.size);
	memset(gm.base, FILL, gm.size);
	need = acpi_tables_size(&c);
	FUZZ_CHECK((need == 0) == (c.ncpus < 1 || c.ncpus > ACPI_MAX_CPUS), "size %llu for %u vCPUs",
		   (unsigned long long)need, c.ncpus);
	memset(err, 0, sizeof(err));
	rc = acpi_build(&gm, &c, &used, err, sizeof(err));
	if (fuzz_verbose())
		fprintf(stderr, "acpi: rc %d: %s\n", rc, rc ? err : "built");
	if (rc != 0) {
		FUZZ_CHECK(rc == -1 && used == 0 && err[0] && !strchr(err, '\n'), "refusal");
		FUZZ_CHECK(untouched(0, gm.size), "a refused build wrote guest memory");
	} else {
		FUZZ_CHECK(used == need && used <= c.tables_size &&
			   gmem_is_ram(&gm, c.tables_gpa, used), "used %#llx of %#llx at %#llx",
			   (unsigned long long)used, (unsigned long long)c.tables_size,
			   (unsigned long long)c.tables_gpa);
		FUZZ_CHECK(c.rsdp_gpa % 16 == 0 && c.rsdp_gpa >= ACPI_RSDP_AREA_START &&
			   c.rsdp_gpa + ACPI_RSDP_LEN <= ACPI_RSDP_AREA_END, "RSDP place");
		check_outside(&c, used);
		check_tables(&c, used);
	}
	check_aml(&in);
	return 0;
}
