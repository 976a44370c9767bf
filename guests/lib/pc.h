/* Vireo test-guest library, PC chipset helpers (pc.c): the 8259 pair, the
 * I/O APIC, the 8254 PIT, CMOS, PCI configuration mechanism 1, and the
 * ACPI tables (RSDP scan, RSDT/XSDT walk, FADT, MADT, \_S5) with the PM
 * registers they describe. Built 32- and 64-bit; linked only into the
 * guests that use it (guests.mk GUEST_PC32/GUEST_PC64), so the other
 * guests stay byte for byte as they were.
 *
 * Everything here programs hardware the way an OS would and checks
 * nothing: the tests decide what is right. Kept separate from guest.h so
 * that its names cannot collide with a test's own static helpers. */
#ifndef VIREO_GUEST_PC_H
#define VIREO_GUEST_PC_H

#include "guest.h"

/* ---- 8259A pair (master 0x20/0x21, slave 0xA0/0xA1, cascade on IR2) ---- */
#define PIC_MASTER_CMD  0x20
#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_CMD   0xA0
#define PIC_SLAVE_DATA  0xA1
#define PIC_ELCR1       0x4D0
#define PIC_ELCR2       0x4D1
#define PIC_CASCADE_IRQ 2

/* ICW1..ICW4 on both chips: edge-triggered, cascaded (slave on IR2),
 * 8086 mode, normal EOI; vectors master_base..+7 and slave_base..+7
 * (multiples of 8); every line masked afterwards. */
void pic_init(uint8_t master_base, uint8_t slave_base);
/* OCW1 of both chips: bit n of mask = ISA IRQ n masked. */
void pic_set_mask(uint16_t mask);
uint16_t pic_get_mask(void);
/* Unmasking an IRQ of the slave (8..15) also unmasks the cascade (IRQ2). */
void pic_unmask(unsigned irq);
void pic_mask(unsigned irq);
/* Non-specific EOI (OCW2 0x20): the slave first for IRQ 8..15, then the
 * master (its IR2 is in service for every slave interrupt). */
void pic_eoi(unsigned irq);
/* OCW3 read register commands: 16 bits, master in the low byte. */
uint16_t pic_read_irr(void);
uint16_t pic_read_isr(void);

/* ---- I/O APIC (82093AA; base from the MADT, default 0xFEC00000) ---- */
#define IOAPIC_DEFAULT_BASE 0xFEC00000u
#define IOAPIC_REG_ID       0x00
#define IOAPIC_REG_VER      0x01
#define IOAPIC_REG_ARB      0x02
#define IOAPIC_REG_RTE(pin) (0x10 + 2 * (pin)) /* low word; +1 high word */
#define IOAPIC_EOIR         0x40               /* version >= 0x20 */

#define RTE_VECTOR_MASK  0xFFull
#define RTE_LOGICAL      (1ull << 11)
#define RTE_DELIVS       (1ull << 12) /* read-only */
#define RTE_ACTIVE_LOW   (1ull << 13)
#define RTE_REMOTE_IRR   (1ull << 14) /* read-only */
#define RTE_LEVEL        (1ull << 15)
#define RTE_MASKED       (1ull << 16)
#define RTE_DEST(id)     ((uint64_t)(id) << 56)

extern uint32_t ioapic_base; /* physical; acpi_probe() sets it from the MADT */
uint32_t ioapic_read(unsigned reg);
void ioapic_write(unsigned reg, uint32_t v);
uint64_t ioapic_rte_read(unsigned pin);
/* Writes the entry so that it is never live half-written: low word masked
 * first, then the high word (destination), then the low word as given. */
void ioapic_rte_write(unsigned pin, uint64_t rte);
/* Fixed, physical destination `dest`, the trigger and polarity of `route`
 * (see isa_irq_route), masked or not. */
struct irq_route;
uint64_t ioapic_rte_for(const struct irq_route *r, uint8_t vector, uint8_t dest, int masked);
/* Write `vector` to the EOI register (version 0x20 and later). */
void ioapic_eoi_reg(uint8_t vector);

/* ---- 8254 PIT (1.193182 MHz; channel 2 gated by port 0x61 bit 0) ---- */
#define PIT_HZ       1193182u
#define PIT_CH0      0x40
#define PIT_CH2      0x42
#define PIT_CMD      0x43
#define PORT_B       0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPKR  0x02
#define PORT_B_OUT2  0x20

/* Control word for channel ch, lobyte/hibyte access, `mode` (0..5), binary;
 * then the count. */
void pit_program(unsigned ch, unsigned mode, uint16_t count);
/* Counter latch command, then the two bytes of the latched count. */
uint16_t pit_latch_count(unsigned ch);
/* Read-back command latching count and status of one channel; the
 * status byte comes first, then the count (lobyte/hibyte access). */
void pit_read_back(unsigned ch, uint8_t *status, uint16_t *count);
/* Channel 2 in mode 0 with its gate through port 0x61: TSC ticks from the
 * gate going high to OUT2 (port 0x61 bit 5) going high, for `count` PIT
 * clocks. 0 if OUT2 never rises within `limit` TSC ticks or is high at
 * once (no PIT). Port 0x61 is restored. */
uint64_t pit_ch2_oneshot_tsc(uint16_t count, uint64_t limit);

/* ---- time ---- */
/* TSC kHz: CPUID 0x40000010 EAX under a hypervisor that has that leaf
 * (Vireo), else measured against PIT channel 2 (5 x 50 ms); 0 if neither
 * works. The first call's answer is kept. */
uint32_t pc_tsc_khz(void);
/* 1 when pc_tsc_khz() came from the hypervisor's CPUID leaf. */
int pc_tsc_from_cpuid(void);

/* ---- CMOS / RTC (index 0x70, data 0x71; index bit 7 = NMI disable) ---- */
uint8_t cmos_read(uint8_t index);
void cmos_write(uint8_t index, uint8_t v);

/* ---- PCI configuration mechanism 1 (0xCF8 address, 0xCFC data) ---- */
#define PCI_CONFIG_ADDRESS 0xCF8
#define PCI_CONFIG_DATA    0xCFC
#define PCI_RESET_CONTROL  0xCF9
uint32_t pci_addr(unsigned bus, unsigned dev, unsigned fn, unsigned reg);
uint32_t pci_read32(unsigned bus, unsigned dev, unsigned fn, unsigned reg);
uint16_t pci_read16(unsigned bus, unsigned dev, unsigned fn, unsigned reg);
uint8_t pci_read8(unsigned bus, unsigned dev, unsigned fn, unsigned reg);
void pci_write32(unsigned bus, unsigned dev, unsigned fn, unsigned reg, uint32_t v);
void pci_write16(unsigned bus, unsigned dev, unsigned fn, unsigned reg, uint16_t v);
void pci_write8(unsigned bus, unsigned dev, unsigned fn, unsigned reg, uint8_t v);

/* ---- vCPU count ---- */
/* Command line cpus=N (the native harness passes it), else fw_cfg key 5
 * (QEMU, Vireo), else CPUID.1:EBX[23:16] when HTT, else 1. */
unsigned pc_cpu_count(void);

/* ---- ACPI (ACPI 6.x chapter 5) ---- */
struct acpi_rsdp {
	char signature[8];   /* "RSD PTR " */
	uint8_t checksum;    /* first 20 bytes */
	char oem_id[6];
	uint8_t revision;    /* 0: ACPI 1.0 (20 bytes); 2: 36 bytes, XSDT */
	uint32_t rsdt;
	uint32_t length;     /* revision >= 2 */
	uint64_t xsdt;
	uint8_t ext_checksum;
	uint8_t reserved[3];
} __attribute__((packed));

struct acpi_sdt {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));

/* FADT byte offsets (ACPI 6.x table 5.9) */
#define FADT_FIRMWARE_CTRL 36
#define FADT_DSDT          40
#define FADT_SCI_INT       46
#define FADT_SMI_CMD       48
#define FADT_ACPI_ENABLE   52
#define FADT_PM1A_EVT_BLK  56
#define FADT_PM1A_CNT_BLK  64
#define FADT_PM_TMR_BLK    76
#define FADT_PM1_EVT_LEN   88
#define FADT_PM1_CNT_LEN   89
#define FADT_PM_TMR_LEN    91
#define FADT_CENTURY       108
#define FADT_IAPC_BOOT_ARCH 109
#define FADT_FLAGS         112
#define FADT_RESET_REG     116 /* Generic Address Structure, 12 bytes */
#define FADT_RESET_VALUE   128
#define FADT_X_DSDT        140
#define FADT_X_PM1A_EVT_BLK 148
#define FADT_X_PM1A_CNT_BLK 172
#define FADT_X_PM_TMR_BLK  208
#define FADT_FLAG_TMR_VAL_EXT   (1u << 8)
#define FADT_FLAG_RESET_REG_SUP (1u << 10)
#define IAPC_LEGACY_DEVICES  (1u << 0)
#define IAPC_8042            (1u << 1)

/* PM1 registers (ACPI 6.x 4.8.3) */
#define PM1_STS_TMR    (1u << 0)
#define PM1_EN_TMR     (1u << 0)
#define PM1_CNT_SCI_EN (1u << 0)
#define PM1_CNT_SLP_TYP_SHIFT 10
#define PM1_CNT_SLP_EN (1u << 13)
#define ACPI_PM_TIMER_HZ 3579545u

/* MADT entry types and MPS INTI flags (5.2.12) */
#define MADT_LAPIC      0
#define MADT_IOAPIC     1
#define MADT_ISO        2
#define MADT_LAPIC_NMI  4
#define MPS_POLARITY(f) ((f) & 3)        /* 0 bus default, 1 high, 3 low */
#define MPS_TRIGGER(f)  (((f) >> 2) & 3) /* 0 bus default, 1 edge, 3 level */

#define ACPI_MAX_LAPICS 32
#define ACPI_MAX_ISO    16

/* What the tables say about this PC; filled by acpi_probe(). */
struct pc_acpi {
	const struct acpi_rsdp *rsdp;
	const struct acpi_sdt *rsdt, *xsdt, *fadt, *madt, *dsdt, *facs;
	/* FADT */
	uint16_t sci_irq;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint16_t pm1a_evt, pm1a_cnt, pm_tmr;
	uint32_t fadt_flags;
	/* MADT */
	uint32_t lapic_addr, madt_flags;
	unsigned nlapics, nlapics_enabled;
	uint8_t lapic_id[ACPI_MAX_LAPICS];
	uint8_t lapic_enabled[ACPI_MAX_LAPICS];
	unsigned nioapics;
	uint8_t ioapic_id;       /* the first I/O APIC */
	uint32_t ioapic_addr, ioapic_gsi_base;
	unsigned niso;
	struct {
		uint8_t bus, irq;
		uint32_t gsi;
		uint16_t flags;
	} iso[ACPI_MAX_ISO];
	unsigned nnmi;
	struct {
		uint8_t uid, lint;
		uint16_t flags;
	} nmi[4];
};
extern struct pc_acpi acpi;

/* Scan 0xE0000-0xFFFFF on 16-byte boundaries for "RSD PTR " with a valid
 * 20-byte checksum; NULL if none. */
const struct acpi_rsdp *acpi_find_rsdp(void);
/* Sum of len bytes is 0 mod 256. */
int acpi_checksum_ok(const void *p, size_t len);
/* A table of the root (XSDT when the RSDP has one, else RSDT) by
 * signature: the first with that signature and a valid checksum. */
const struct acpi_sdt *acpi_table(const char *sig);
/* Finds RSDP, RSDT, XSDT, FADT (and through it DSDT, FACS) and MADT, and
 * parses them into `acpi`; sets ioapic_base from the MADT. 0 when RSDP,
 * FADT and MADT were found. */
int acpi_probe(void);
/* \_S5_'s first package element (SLP_TYPa) by byte search of the DSDT:
 * NameOp "_S5_" PackageOp PkgLength NumElements, then a ByteConst (0x0A
 * nn), Zero, One or a bare byte. -1 when not found. */
int acpi_s5_slp_typ(void);
/* PM timer (32-bit IN), masked to 24 bits unless TMR_VAL_EXT. */
uint32_t acpi_pm_timer(void);
/* Puts the machine in ACPI mode (SMI_CMD handshake) if SCI_EN is clear
 * and the FADT names an SMI_CMD port; returns SCI_EN afterwards. */
int acpi_enable_sci(void);
/* PM1a_CNT = SLP_TYP | SLP_EN (SCI_EN kept). Returns if nothing happened. */
void acpi_sleep(unsigned slp_typ);

/* ISA IRQ -> GSI and its trigger/polarity, from the MADT overrides (ISA
 * default: identity, edge, active high). */
struct irq_route {
	unsigned gsi;
	int level;      /* 1: level-triggered */
	int active_low; /* 1: active low */
	int overridden; /* an override names this IRQ */
	uint16_t flags; /* the override's MPS INTI flags, 0 when none */
};
void isa_irq_route(unsigned irq, struct irq_route *r);

#endif
