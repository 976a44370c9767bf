/* Vireo test-guest library: PC chipset helpers (see pc.h). Built twice
 * (32-bit and 64-bit). References: Intel 8259A and 8254 datasheets,
 * 82093AA I/O APIC datasheet, PCI Local Bus 3.0 3.2.2.3.2, ACPI 6.x. */
#include "pc.h"

/* ------------------------------------------------------------------ 8259 */

void pic_init(uint8_t master_base, uint8_t slave_base)
{
	pic_set_mask(0xFFFF);           /* quiet while the ICWs go in */
	outb(PIC_MASTER_CMD, 0x11);     /* ICW1: edge, cascade, ICW4 needed */
	outb(PIC_SLAVE_CMD, 0x11);
	outb(PIC_MASTER_DATA, master_base); /* ICW2: vector base */
	outb(PIC_SLAVE_DATA, slave_base);
	outb(PIC_MASTER_DATA, 1u << PIC_CASCADE_IRQ); /* ICW3: slave on IR2 */
	outb(PIC_SLAVE_DATA, PIC_CASCADE_IRQ);        /* ICW3: slave ID 2 */
	outb(PIC_MASTER_DATA, 0x01);    /* ICW4: 8086 mode, normal EOI */
	outb(PIC_SLAVE_DATA, 0x01);
	pic_set_mask(0xFFFF);           /* ICW1 cleared IMR: mask again */
}

void pic_set_mask(uint16_t mask)
{
	outb(PIC_MASTER_DATA, (uint8_t)mask);
	outb(PIC_SLAVE_DATA, (uint8_t)(mask >> 8));
}

uint16_t pic_get_mask(void)
{
	return (uint16_t)(inb(PIC_MASTER_DATA) | inb(PIC_SLAVE_DATA) << 8);
}

void pic_unmask(unsigned irq)
{
	uint16_t m = pic_get_mask() & ~(1u << (irq & 15));

	if (irq >= 8)
		m &= ~(1u << PIC_CASCADE_IRQ);
	pic_set_mask(m);
}

void pic_mask(unsigned irq)
{
	pic_set_mask(pic_get_mask() | 1u << (irq & 15));
}

void pic_eoi(unsigned irq)
{
	if (irq >= 8)
		outb(PIC_SLAVE_CMD, 0x20);
	outb(PIC_MASTER_CMD, 0x20);
}

/* OCW3: 0x0A selects IRR, 0x0B ISR for the next read of the command port.
 * Leaves IRR selected, the power-on choice. */
static uint16_t pic_read_reg(uint8_t ocw3)
{
	outb(PIC_MASTER_CMD, ocw3);
	outb(PIC_SLAVE_CMD, ocw3);
	uint16_t v = (uint16_t)(inb(PIC_MASTER_CMD) | inb(PIC_SLAVE_CMD) << 8);
	outb(PIC_MASTER_CMD, 0x0A);
	outb(PIC_SLAVE_CMD, 0x0A);
	return v;
}

uint16_t pic_read_irr(void) { return pic_read_reg(0x0A); }
uint16_t pic_read_isr(void) { return pic_read_reg(0x0B); }

/* -------------------------------------------------------------- I/O APIC */
uint32_t ioapic_base = IOAPIC_DEFAULT_BASE;

static volatile uint32_t *ioapic_mmio(unsigned off)
{
	return (volatile uint32_t *)(uintptr_t)(ioapic_base + off);
}

uint32_t ioapic_read(unsigned reg)
{
	*ioapic_mmio(0x00) = reg;
	return *ioapic_mmio(0x10);
}

void ioapic_write(unsigned reg, uint32_t v)
{
	*ioapic_mmio(0x00) = reg;
	*ioapic_mmio(0x10) = v;
}

uint64_t ioapic_rte_read(unsigned pin)
{
	uint32_t lo = ioapic_read(IOAPIC_REG_RTE(pin));
	uint32_t hi = ioapic_read(IOAPIC_REG_RTE(pin) + 1);

	return (uint64_t)hi << 32 | lo;
}

void ioapic_rte_write(unsigned pin, uint64_t rte)
{
	ioapic_write(IOAPIC_REG_RTE(pin), (uint32_t)(rte | RTE_MASKED));
	ioapic_write(IOAPIC_REG_RTE(pin) + 1, (uint32_t)(rte >> 32));
	ioapic_write(IOAPIC_REG_RTE(pin), (uint32_t)rte);
}

uint64_t ioapic_rte_for(const struct irq_route *r, uint8_t vector, uint8_t dest, int masked)
{
	uint64_t rte = vector | RTE_DEST(dest); /* fixed, physical */

	if (r->level)
		rte |= RTE_LEVEL;
	if (r->active_low)
		rte |= RTE_ACTIVE_LOW;
	if (masked)
		rte |= RTE_MASKED;
	return rte;
}

void ioapic_eoi_reg(uint8_t vector)
{
	*ioapic_mmio(IOAPIC_EOIR) = vector;
}

/* ------------------------------------------------------------------ 8254 */

void pit_program(unsigned ch, unsigned mode, uint16_t count)
{
	outb(PIT_CMD, (uint8_t)(ch << 6 | 0x30 | (mode & 7) << 1));
	outb((uint16_t)(PIT_CH0 + ch), (uint8_t)count);
	outb((uint16_t)(PIT_CH0 + ch), (uint8_t)(count >> 8));
}

uint16_t pit_latch_count(unsigned ch)
{
	outb(PIT_CMD, (uint8_t)(ch << 6)); /* counter latch command */
	uint8_t lo = inb((uint16_t)(PIT_CH0 + ch));
	uint8_t hi = inb((uint16_t)(PIT_CH0 + ch));
	return (uint16_t)(lo | hi << 8);
}

void pit_read_back(unsigned ch, uint8_t *status, uint16_t *count)
{
	/* 11 (read-back), COUNT# = 0 and STATUS# = 0 (both latched), the
	 * channel's select bit (bit 1 + ch) */
	outb(PIT_CMD, (uint8_t)(0xC0 | 2u << ch));
	*status = inb((uint16_t)(PIT_CH0 + ch));
	uint8_t lo = inb((uint16_t)(PIT_CH0 + ch));
	uint8_t hi = inb((uint16_t)(PIT_CH0 + ch));
	*count = (uint16_t)(lo | hi << 8);
}

uint64_t pit_ch2_oneshot_tsc(uint16_t count, uint64_t limit)
{
	uint8_t saved = inb(PORT_B);
	int high;

	/* gate low (counting held), speaker off, then mode 0: OUT2 low */
	outb(PORT_B, (uint8_t)(saved & ~(PORT_B_GATE2 | PORT_B_SPKR)));
	pit_program(2, 0, count);
	uint64_t t0 = rdtsc();
	outb(PORT_B, (uint8_t)((saved & ~PORT_B_SPKR) | PORT_B_GATE2)); /* go */
	uint64_t t1 = rdtsc(), t;
	if (inb(PORT_B) & PORT_B_OUT2) { /* high at once: nothing counts */
		outb(PORT_B, saved);
		return 0;
	}
	do {
		high = inb(PORT_B) & PORT_B_OUT2;
		t = rdtsc();
	} while (!high && t - t0 < limit);
	outb(PORT_B, saved);
	/* the gate rose somewhere between t0 and t1: take the middle */
	return high ? t - t0 - (t1 - t0) / 2 : 0;
}

/* ------------------------------------------------------------------ time */
static uint32_t tsc_khz_cached;
static int tsc_khz_cpuid;

uint32_t pc_tsc_khz(void)
{
	uint32_t max, a;

	if (tsc_khz_cached)
		return tsc_khz_cached;
	if (running_on_vireo()) {
		cpuid(0x40000000, 0, &max, 0, 0, 0);
		if (max >= 0x40000010) {
			cpuid(0x40000010, 0, &a, 0, 0, 0);
			tsc_khz_cpuid = 1;
			return tsc_khz_cached = a;
		}
	}
	/* 5 one-shots of 59659 clocks (50 ms each) */
	uint64_t sum = 0;
	for (int i = 0; i < 5; i++) {
		uint64_t t = pit_ch2_oneshot_tsc(59659, 2000000000ull);
		if (!t)
			return 0;
		sum += t;
	}
	return tsc_khz_cached = (uint32_t)div64(sum * PIT_HZ, 5ull * 59659 * 1000);
}

int pc_tsc_from_cpuid(void)
{
	pc_tsc_khz();
	return tsc_khz_cpuid;
}

/* ------------------------------------------------------------------ CMOS */

uint8_t cmos_read(uint8_t index)
{
	outb(0x70, index & 0x7F);
	return inb(0x71);
}

void cmos_write(uint8_t index, uint8_t v)
{
	outb(0x70, index & 0x7F);
	outb(0x71, v);
}

/* ------------------------------------------------------------------- PCI */

uint32_t pci_addr(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
	return 0x80000000u | (bus & 0xFF) << 16 | (dev & 31) << 11 | (fn & 7) << 8 | (reg & 0xFC);
}

uint32_t pci_read32(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
	outl(PCI_CONFIG_ADDRESS, pci_addr(bus, dev, fn, reg));
	return inl(PCI_CONFIG_DATA);
}

uint16_t pci_read16(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
	outl(PCI_CONFIG_ADDRESS, pci_addr(bus, dev, fn, reg));
	return inw((uint16_t)(PCI_CONFIG_DATA + (reg & 2)));
}

uint8_t pci_read8(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
	outl(PCI_CONFIG_ADDRESS, pci_addr(bus, dev, fn, reg));
	return inb((uint16_t)(PCI_CONFIG_DATA + (reg & 3)));
}

void pci_write32(unsigned bus, unsigned dev, unsigned fn, unsigned reg, uint32_t v)
{
	outl(PCI_CONFIG_ADDRESS, pci_addr(bus, dev, fn, reg));
	outl(PCI_CONFIG_DATA, v);
}

void pci_write16(unsigned bus, unsigned dev, unsigned fn, unsigned reg, uint16_t v)
{
	outl(PCI_CONFIG_ADDRESS, pci_addr(bus, dev, fn, reg));
	outw((uint16_t)(PCI_CONFIG_DATA + (reg & 2)), v);
}

void pci_write8(unsigned bus, unsigned dev, unsigned fn, unsigned reg, uint8_t v)
{
	outl(PCI_CONFIG_ADDRESS, pci_addr(bus, dev, fn, reg));
	outb((uint16_t)(PCI_CONFIG_DATA + (reg & 3)), v);
}

/* ------------------------------------------------------------- CPU count */

unsigned pc_cpu_count(void)
{
	unsigned n = (unsigned)cmdline_u64("cpus", 0);
	char sig[4];
	uint32_t a, b, c, d;

	if (n)
		return n;
	outw(0x510, 0); /* fw_cfg signature */
	for (int i = 0; i < 4; i++)
		sig[i] = (char)inb(0x511);
	if (!memcmp(sig, "QEMU", 4)) {
		outw(0x510, 5); /* FW_CFG_NB_CPUS, 16 bits little-endian */
		n = inb(0x511);
		n |= (unsigned)inb(0x511) << 8;
		return n;
	}
	cpuid(1, 0, &a, &b, &c, &d);
	return (d & (1u << 28)) ? (b >> 16) & 0xFF : 1;
}

/* ------------------------------------------------------------------ ACPI */
struct pc_acpi acpi;

static uint16_t rd16(const void *p) { const uint8_t *b = p; return (uint16_t)(b[0] | b[1] << 8); }
static uint32_t rd32(const void *p) { return rd16(p) | (uint32_t)rd16((const uint8_t *)p + 2) << 16; }
static uint64_t rd64(const void *p) { return rd32(p) | (uint64_t)rd32((const uint8_t *)p + 4) << 32; }

int acpi_checksum_ok(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum = (uint8_t)(sum + *b++);
	return sum == 0;
}

const struct acpi_rsdp *acpi_find_rsdp(void)
{
	for (uint32_t a = 0xE0000; a < 0x100000; a += 16) {
		const struct acpi_rsdp *r = phys(a);

		if (!memcmp(r->signature, "RSD PTR ", 8) && acpi_checksum_ok(r, 20))
			return r;
	}
	return 0;
}

/* A table header at a physical address below 4 GiB, if it looks sane. */
static const struct acpi_sdt *sdt_at(uint64_t pa)
{
	if (!pa || pa >> 32)
		return 0;
	const struct acpi_sdt *t = phys((uint32_t)pa);
	return t->length >= sizeof(*t) ? t : 0;
}

static const struct acpi_sdt *root_table(void)
{
	return acpi.xsdt ? acpi.xsdt : acpi.rsdt;
}

const struct acpi_sdt *acpi_table(const char *sig)
{
	const struct acpi_sdt *root = root_table();

	if (!root)
		return 0;
	unsigned esz = root == acpi.xsdt ? 8 : 4;
	unsigned n = (root->length - (uint32_t)sizeof(*root)) / esz;
	const uint8_t *e = (const uint8_t *)(root + 1);
	for (unsigned i = 0; i < n; i++, e += esz) {
		const struct acpi_sdt *t = sdt_at(esz == 8 ? rd64(e) : rd32(e));
		if (t && !memcmp(t->signature, sig, 4) && acpi_checksum_ok(t, t->length))
			return t;
	}
	return 0;
}

static void parse_fadt(const struct acpi_sdt *f)
{
	const uint8_t *p = (const uint8_t *)f;
	uint64_t dsdt = rd32(p + FADT_DSDT);

	acpi.facs = sdt_at(rd32(p + FADT_FIRMWARE_CTRL));
	if (f->length >= FADT_X_DSDT + 8 && rd64(p + FADT_X_DSDT))
		dsdt = rd64(p + FADT_X_DSDT);
	acpi.dsdt = sdt_at(dsdt);
	acpi.sci_irq = rd16(p + FADT_SCI_INT);
	acpi.smi_cmd = rd32(p + FADT_SMI_CMD);
	acpi.acpi_enable = p[FADT_ACPI_ENABLE];
	acpi.pm1a_evt = (uint16_t)rd32(p + FADT_PM1A_EVT_BLK);
	acpi.pm1a_cnt = (uint16_t)rd32(p + FADT_PM1A_CNT_BLK);
	acpi.pm_tmr = (uint16_t)rd32(p + FADT_PM_TMR_BLK);
	acpi.fadt_flags = f->length >= FADT_FLAGS + 4 ? rd32(p + FADT_FLAGS) : 0;
}

static void parse_madt(const struct acpi_sdt *m)
{
	const uint8_t *p = (const uint8_t *)m, *end = p + m->length;

	acpi.lapic_addr = rd32(p + 36);
	acpi.madt_flags = rd32(p + 40);
	for (const uint8_t *e = p + 44; e + 2 <= end && e[1] >= 2 && e + e[1] <= end; e += e[1]) {
		switch (e[0]) {
		case MADT_LAPIC:
			if (acpi.nlapics < ACPI_MAX_LAPICS) {
				acpi.lapic_id[acpi.nlapics] = e[3];
				acpi.lapic_enabled[acpi.nlapics] = rd32(e + 4) & 1;
			}
			acpi.nlapics++;
			if (rd32(e + 4) & 1)
				acpi.nlapics_enabled++;
			break;
		case MADT_IOAPIC:
			if (!acpi.nioapics++) {
				acpi.ioapic_id = e[2];
				acpi.ioapic_addr = rd32(e + 4);
				acpi.ioapic_gsi_base = rd32(e + 8);
			}
			break;
		case MADT_ISO:
			if (acpi.niso < ACPI_MAX_ISO) {
				acpi.iso[acpi.niso].bus = e[2];
				acpi.iso[acpi.niso].irq = e[3];
				acpi.iso[acpi.niso].gsi = rd32(e + 4);
				acpi.iso[acpi.niso].flags = rd16(e + 8);
				acpi.niso++;
			}
			break;
		case MADT_LAPIC_NMI:
			if (acpi.nnmi < 4) {
				acpi.nmi[acpi.nnmi].uid = e[2];
				acpi.nmi[acpi.nnmi].flags = rd16(e + 3);
				acpi.nmi[acpi.nnmi].lint = e[5];
				acpi.nnmi++;
			}
			break;
		}
	}
}

int acpi_probe(void)
{
	memset(&acpi, 0, sizeof(acpi));
	acpi.rsdp = acpi_find_rsdp();
	if (!acpi.rsdp)
		return -1;
	acpi.rsdt = sdt_at(acpi.rsdp->rsdt);
	if (acpi.rsdp->revision >= 2 && acpi_checksum_ok(acpi.rsdp, acpi.rsdp->length))
		acpi.xsdt = sdt_at(acpi.rsdp->xsdt);
	acpi.fadt = acpi_table("FACP");
	acpi.madt = acpi_table("APIC");
	if (acpi.fadt)
		parse_fadt(acpi.fadt);
	if (acpi.madt)
		parse_madt(acpi.madt);
	if (acpi.nioapics && acpi.ioapic_addr)
		ioapic_base = acpi.ioapic_addr;
	return acpi.fadt && acpi.madt ? 0 : -1;
}

/* AML PkgLength (ACPI 6.x 20.2.4): bits 7:6 of the lead byte give the
 * number of bytes that follow. */
static unsigned pkglength_bytes(uint8_t lead)
{
	return 1 + (lead >> 6);
}

int acpi_s5_slp_typ(void)
{
	const uint8_t *p, *end;

	if (!acpi.dsdt)
		return -1;
	p = (const uint8_t *)acpi.dsdt + sizeof(struct acpi_sdt);
	end = (const uint8_t *)acpi.dsdt + acpi.dsdt->length;
	for (; p + 4 < end; p++) {
		if (memcmp(p, "_S5_", 4))
			continue;
		const uint8_t *q = p + 4;
		if (q >= end || *q != 0x12) /* PackageOp */
			continue;
		q++;
		q += pkglength_bytes(*q) + 1; /* PkgLength, NumElements */
		if (q + 1 >= end)
			return -1;
		switch (*q) {
		case 0x0A: return q[1];   /* BytePrefix */
		case 0x00: return 0;      /* ZeroOp */
		case 0x01: return 1;      /* OneOp */
		default: return *q < 8 ? *q : -1;
		}
	}
	return -1;
}

uint32_t acpi_pm_timer(void)
{
	uint32_t v = inl(acpi.pm_tmr);

	return acpi.fadt_flags & FADT_FLAG_TMR_VAL_EXT ? v : v & 0xFFFFFF;
}

int acpi_enable_sci(void)
{
	if (!(inw(acpi.pm1a_cnt) & PM1_CNT_SCI_EN) && acpi.smi_cmd && acpi.acpi_enable) {
		outb((uint16_t)acpi.smi_cmd, acpi.acpi_enable);
		for (int i = 0; i < 100000; i++)
			if (inw(acpi.pm1a_cnt) & PM1_CNT_SCI_EN)
				break;
	}
	return inw(acpi.pm1a_cnt) & PM1_CNT_SCI_EN;
}

void acpi_sleep(unsigned slp_typ)
{
	uint16_t cnt = inw(acpi.pm1a_cnt) & PM1_CNT_SCI_EN;

	outw(acpi.pm1a_cnt, (uint16_t)(cnt | (slp_typ & 7) << PM1_CNT_SLP_TYP_SHIFT | PM1_CNT_SLP_EN));
}

void isa_irq_route(unsigned irq, struct irq_route *r)
{
	r->gsi = irq;
	r->level = 0;
	r->active_low = 0;
	r->overridden = 0;
	r->flags = 0;
	for (unsigned i = 0; i < acpi.niso; i++) {
		if (acpi.iso[i].bus != 0 || acpi.iso[i].irq != irq)
			continue;
		r->gsi = acpi.iso[i].gsi;
		r->flags = acpi.iso[i].flags;
		r->overridden = 1;
		/* 0 = "conforms to the bus": ISA is edge, active high */
		r->level = MPS_TRIGGER(r->flags) == 3;
		r->active_low = MPS_POLARITY(r->flags) == 3;
	}
}
