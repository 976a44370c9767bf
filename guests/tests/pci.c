/* pci: PCI configuration mechanism 1 (PCI Local Bus 3.0 3.2.2.3.2) and the
 * functions on bus 0. Built 32-bit (pci) and 64-bit (pci64).
 *
 *  1. CONFIG_ADDRESS (0xCF8) reads back what was written; with its enable
 *     bit clear, CONFIG_DATA is not a configuration access (all-ones);
 *  2. a scan of bus 0, devices 0-31, functions 0-7 (1-7 only behind a
 *     multi-function header): 00:00.0 is the i440FX host bridge 8086:1237
 *     class 06/00/00, 00:01.0 the PIIX3 ISA bridge 8086:7000 class
 *     06/01/00 with a multi-function header; under Vireo nothing else:
 *     every other device and function, 00:01.1-7 included, reads
 *     0xFFFFFFFF as a whole dword; buses 1, 2 and 255 are empty;
 *  3. read-only fields (IDs, revision/class, header type) ignore writes;
 *     word and byte reads agree with the dword; a writable byte (PIIX3
 *     PIRQRC) changes alone under a byte write through 0xCFC + n. */
#include "pc.h"

static int on_vireo;

/* ------------------------------------------------------ 1. CONFIG_ADDRESS */
static void test_config_address(void)
{
	uint32_t a = pci_addr(0, 1, 0, 0x08);

	outl(PCI_CONFIG_ADDRESS, a);
	check_eq(inl(PCI_CONFIG_ADDRESS), a, "config-address-readback");
	outl(PCI_CONFIG_ADDRESS, a & 0x7FFFFFFF);
	check_eq(inl(PCI_CONFIG_ADDRESS), a & 0x7FFFFFFF, "config-address-readback-disabled");
	/* enable bit clear: not a configuration cycle; nothing answers */
	outl(PCI_CONFIG_ADDRESS, pci_addr(0, 0, 0, 0) & 0x7FFFFFFF);
	check_eq(inl(PCI_CONFIG_DATA), 0xFFFFFFFF, "config-data-all-ones-when-disabled");
	outl(PCI_CONFIG_ADDRESS, 0);
}

/* ---------------------------------------------------------------- 2. scan */
struct found {
	unsigned dev, fn;
	uint32_t id, class_rev;
	uint8_t header;
};

static struct found found[64];
static unsigned nfound;
static int absent_all_ones = 1;

static void probe(unsigned dev, unsigned fn)
{
	uint32_t id = pci_read32(0, dev, fn, 0x00);

	if (id == 0xFFFFFFFF)
		return;
	if ((id & 0xFFFF) == 0xFFFF) { /* no vendor, yet not all ones */
		absent_all_ones = 0;
		printf("00:%02x.%u reads 0x%08x\n", dev, fn, id);
		return;
	}
	if (nfound < 64) {
		found[nfound].dev = dev;
		found[nfound].fn = fn;
		found[nfound].id = id;
		found[nfound].class_rev = pci_read32(0, dev, fn, 0x08);
		found[nfound].header = pci_read8(0, dev, fn, 0x0E);
		nfound++;
	}
}

static const struct found *lookup(unsigned dev, unsigned fn)
{
	for (unsigned i = 0; i < nfound; i++)
		if (found[i].dev == dev && found[i].fn == fn)
			return &found[i];
	return 0;
}

static void test_scan(void)
{
	for (unsigned dev = 0; dev < 32; dev++) {
		probe(dev, 0);
		const struct found *f = lookup(dev, 0);
		if (f && (f->header & 0x80)) {
			for (unsigned fn = 1; fn < 8; fn++)
				probe(dev, fn);
		} else if (on_vireo) {
			/* nothing behind a single-function or absent device */
			for (unsigned fn = 1; fn < 8; fn++)
				if (pci_read32(0, dev, fn, 0) != 0xFFFFFFFF)
					absent_all_ones = 0;
		}
	}
	for (unsigned i = 0; i < nfound; i++)
		printf("00:%02x.%u %04x:%04x class %06x rev %02x header 0x%02x\n", found[i].dev, found[i].fn,
		       found[i].id & 0xFFFF, found[i].id >> 16, found[i].class_rev >> 8, found[i].class_rev & 0xFF,
		       found[i].header);

	const struct found *hb = lookup(0, 0), *isa = lookup(1, 0);
	if (check(hb != 0, "host-bridge-00.0-present")) {
		check_eq(hb->id, 0x12378086, "host-bridge-8086-1237");
		check_eq(hb->class_rev >> 8, 0x060000, "host-bridge-class-060000");
		check_eq(hb->header & 0x7F, 0, "host-bridge-header-type-0");
	}
	if (check(isa != 0, "isa-bridge-01.0-present")) {
		check_eq(isa->id, 0x70008086, "isa-bridge-8086-7000");
		check_eq(isa->class_rev >> 8, 0x060100, "isa-bridge-class-060100");
		check_eq(isa->header, 0x80, "isa-bridge-header-multi-function");
	}
	check(absent_all_ones, "absent-functions-read-all-ones");
	if (on_vireo) {
		check_eq(nfound, 2, "exactly-two-functions-on-bus-0");
		int fns_absent = 1;
		for (unsigned fn = 1; fn < 8; fn++)
			if (pci_read32(0, 1, fn, 0) != 0xFFFFFFFF || pci_read32(0, 1, fn, 0x08) != 0xFFFFFFFF)
				fns_absent = 0;
		check(fns_absent, "isa-bridge-functions-1-7-absent");
	} else {
		printf("native: %u functions on bus 0\n", nfound);
	}
	check(pci_read32(1, 0, 0, 0) == 0xFFFFFFFF && pci_read32(2, 0, 0, 0) == 0xFFFFFFFF &&
	      pci_read32(255, 31, 7, 0) == 0xFFFFFFFF, "other-buses-empty");
}

/* ---------------------------------------------------------- 3. registers */
static int read_only(unsigned dev, unsigned reg, unsigned size)
{
	uint32_t before = pci_read32(0, dev, 0, reg & ~3u), after;

	if (size == 4)
		pci_write32(0, dev, 0, reg, 0xFFFFFFFF - before);
	else if (size == 1)
		pci_write8(0, dev, 0, reg, (uint8_t)~pci_read8(0, dev, 0, reg));
	after = pci_read32(0, dev, 0, reg & ~3u);
	if (after != before) {
		printf("  00:%02x.0 register 0x%02x: 0x%08x became 0x%08x\n", dev, reg, before, after);
		pci_write32(0, dev, 0, reg & ~3u, before);
	}
	return after == before;
}

static void test_registers(void)
{
	for (unsigned dev = 0; dev < 2; dev++) {
		char name[48];
		snprintf(name, sizeof(name), "00.%u-ids-read-only", dev);
		check(read_only(dev, 0x00, 4), name);
		snprintf(name, sizeof(name), "00.%u-class-revision-read-only", dev);
		check(read_only(dev, 0x08, 4), name);
		snprintf(name, sizeof(name), "00.%u-header-type-read-only", dev);
		check(read_only(dev, 0x0E, 1), name);
	}

	uint32_t id = pci_read32(0, 1, 0, 0), cr = pci_read32(0, 1, 0, 0x08);
	check(pci_read16(0, 1, 0, 0) == (id & 0xFFFF) && pci_read16(0, 1, 0, 2) == id >> 16 &&
	      pci_read8(0, 1, 0, 0x0B) == cr >> 24 && pci_read8(0, 1, 0, 0x0A) == ((cr >> 16) & 0xFF) &&
	      pci_read8(0, 1, 0, 0x09) == ((cr >> 8) & 0xFF), "word-and-byte-reads-agree");

	/* PIIX3 PIRQRC[A:D] (0x60-0x63) are read/write: a byte write at
	 * 0xCFD changes PIRQRC[B] and nothing else */
	uint32_t pirq = pci_read32(0, 1, 0, 0x60);
	uint8_t b = (uint8_t)(pirq >> 8) == 0x0A ? 0x0B : 0x0A;
	pci_write8(0, 1, 0, 0x61, b);
	uint32_t now = pci_read32(0, 1, 0, 0x60);
	pci_write32(0, 1, 0, 0x60, pirq);
	check_eq(now, (pirq & ~0xFF00u) | (uint32_t)b << 8, "pirqrc-byte-write-changes-one-byte");
	check_eq(pci_read32(0, 1, 0, 0x60), pirq, "pirqrc-restored");
}

/* 0xCF9 (PIIX3 reset control): SYS_RST alone is kept and resets nothing;
 * only RST_CPU going 0 -> 1 does (the reset scenarios do that) */
static void test_reset_control(void)
{
	uint8_t before = inb(PCI_RESET_CONTROL);
	outb(PCI_RESET_CONTROL, 0x02);
	delay_tsc(1000000);
	uint8_t rc = inb(PCI_RESET_CONTROL);
	outb(PCI_RESET_CONTROL, 0x00);
	printf("0xCF9: 0x%02x, after writing 0x02: 0x%02x\n", before, rc);
	check(1, "cf9-sys-rst-alone-no-reset");
	if (on_vireo || (rc & 0x0E) == 0x02)
		check_eq(rc & 0x0E, 0x02, "cf9-readback");
	else
		skip("cf9-readback", "native: Bochs' 0xCF9 reads back differently");
}

void test_main(void)
{
	on_vireo = running_on_vireo();
	printf("pci test (%s)\n", on_vireo ? "on Vireo" : "native");
	test_config_address();
	test_scan();
	test_registers();
	test_reset_control();
}
