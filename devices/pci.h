/* PCI configuration space, configuration mechanism #1 (PCI Local Bus 3.0
 * §3.2.2.3.2), and the PC reset control register at 0xCF9.
 *
 * Bus 0 holds two functions with real IDs:
 *   00:00.0  Intel 82441FX PMC host bridge (i440FX), class 06/00/00;
 *   00:01.0  Intel 82371SB PIIX3 PCI-to-ISA bridge, class 06/01/00.
 * The PIIX3 reports header type 0x80 (multi-function), as the real chip
 * does (its IDE and USB controllers are functions 1 and 2): a guest then
 * probes 00:01.1-7, finds them absent (all-ones) and moves on, and a later
 * function can be added there without changing the ISA bridge. Everything
 * else (other devices, other functions, buses 1-255) reads all-ones.
 *
 * No BARs, no capabilities, no interrupts: the config space is state only.
 * Each function keeps its 256 bytes with a per-byte writable mask and a
 * per-byte write-1-to-clear mask, so writes of any width touch only the
 * bits the datasheets make writable. */
#ifndef VIREO_DEVICES_PCI_H
#define VIREO_DEVICES_PCI_H

#include <stdbool.h>
#include <stdint.h>

/* Ports (PCI 3.0 §3.2.2.3.2; 0xCF9 is the 82371SB PIIX3 reset control
 * register). The integrator registers PCI_PORT_BASE, PCI_NPORTS. */
#define PCI_CONFIG_ADDRESS   0xCF8   /* dword accesses only */
#define PCI_RESET_CONTROL    0xCF9   /* byte register inside 0xCF8-0xCFB */
#define PCI_CONFIG_DATA      0xCFC   /* 0xCFC-0xCFF, any width */
#define PCI_PORT_BASE        0xCF8
#define PCI_NPORTS           8

/* CONFIG_ADDRESS fields. Bits 30:24 are reserved and bits 1:0 select a
 * type 0/1 cycle on real hosts: both read back as 0 here. */
#define PCI_CONF1_ENABLE     (1u << 31)
#define PCI_CONF1_BUS_SHIFT  16
#define PCI_CONF1_DEV_SHIFT  11
#define PCI_CONF1_FN_SHIFT   8
#define PCI_CONF1_REG_MASK   0xFCu
#define PCI_CONF1_KEPT_BITS  0x80FFFFFCu

/* Reset control register (0xCF9) bits. */
#define PCI_RC_SYS_RST       (1u << 1)  /* 1: hard reset, 0: soft (INIT) */
#define PCI_RC_RST_CPU       (1u << 2)  /* 0->1 starts the reset */
#define PCI_RC_FULL_RST      (1u << 3)  /* PIIX4/ICH; stored only */
#define PCI_RC_KEPT_BITS     0x0Eu

/* Type 0 configuration header offsets (PCI 3.0 §6.1). */
#define PCI_VENDOR_ID        0x00
#define PCI_DEVICE_ID        0x02
#define PCI_COMMAND          0x04
#define PCI_STATUS           0x06
#define PCI_REVISION_ID      0x08
#define PCI_CLASS_PROG       0x09
#define PCI_CLASS_DEVICE     0x0A    /* sub-class; base class at 0x0B */
#define PCI_CACHE_LINE_SIZE  0x0C
#define PCI_LATENCY_TIMER    0x0D
#define PCI_HEADER_TYPE      0x0E
#define PCI_BIST             0x0F
#define PCI_BASE_ADDRESS_0   0x10
#define PCI_SUBSYSTEM_VENDOR_ID 0x2C
#define PCI_SUBSYSTEM_ID     0x2E
#define PCI_INTERRUPT_LINE   0x3C
#define PCI_INTERRUPT_PIN    0x3D
#define PCI_CFG_SPACE_SIZE   256

#define PCI_HEADER_TYPE_MULTI_FUNCTION 0x80

/* Command register bits (PCI 3.0 §6.2.2). */
#define PCI_COMMAND_IO       0x0001
#define PCI_COMMAND_MEMORY   0x0002
#define PCI_COMMAND_MASTER   0x0004
#define PCI_COMMAND_SPECIAL  0x0008
#define PCI_COMMAND_PARITY   0x0040
#define PCI_COMMAND_SERR     0x0100

/* Status register bits (PCI 3.0 §6.2.3). */
#define PCI_STATUS_FAST_BACK        0x0080
#define PCI_STATUS_PARITY           0x0100  /* master data parity error */
#define PCI_STATUS_DEVSEL_MEDIUM    0x0200
#define PCI_STATUS_SIG_TARGET_ABORT 0x0800
#define PCI_STATUS_REC_TARGET_ABORT 0x1000
#define PCI_STATUS_REC_MASTER_ABORT 0x2000
#define PCI_STATUS_SIG_SYSTEM_ERROR 0x4000
#define PCI_STATUS_DETECTED_PARITY  0x8000

/* The two functions of bus 0. */
#define PCI_VENDOR_INTEL     0x8086
#define I440FX_DEV           0       /* 00:00.0 */
#define I440FX_DEVICE_ID     0x1237
#define I440FX_REVISION      0x02
#define I440FX_PAM0          0x59    /* PAM0-PAM6: 0x59-0x5F */
#define I440FX_PAM6          0x5F
#define PIIX3_DEV            1       /* 00:01.0 */
#define PIIX3_DEVICE_ID      0x7000
#define PIIX3_REVISION       0x00
#define PIIX3_PIRQRC         0x60    /* PIRQRC[A:D]: 0x60-0x63 */
#define PIIX3_PIRQRC_DISABLE 0x80    /* IRQROUTEN: 1 = not routed */
#define PIIX3_PIRQRC_IRQ_MASK 0x0F

#define PCI_NFUNCS           2

struct pci_function {
	uint8_t cfg[PCI_CFG_SPACE_SIZE];
	uint8_t wmask[PCI_CFG_SPACE_SIZE];   /* bits a write replaces */
	uint8_t w1cmask[PCI_CFG_SPACE_SIZE]; /* bits a written 1 clears */
};

struct pci_ops {
	/* 0xCF9 written with RST_CPU set; PCI_RC_SYS_RST in pci->rc says
	 * hard (1) or soft (0). May be NULL. */
	void (*reset)(void *opaque);
};

struct pci {
	struct pci_function fn[PCI_NFUNCS];  /* [0] 00:00.0, [1] 00:01.0 */
	uint32_t config_address;             /* latched 0xCF8 */
	uint8_t rc;                          /* 0xCF9 bits 3:1 */
	const struct pci_ops *ops;
	void *opaque;
};

/* Power-on state. Calling it again is a full (hard) reset of the model. */
void pci_init(struct pci *p, const struct pci_ops *ops, void *opaque);

/* bus_pio_fn for 0xCF8-0xCFF. A dword at 0xCF8 is CONFIG_ADDRESS; any
 * access that lies within 0xCFC-0xCFF is one configuration access at
 * CONFIG_ADDRESS.reg | (port & 3). Anything else (byte/word at 0xCF8,
 * accesses straddling 0xCFB/0xCFC or 0xCFF) goes byte by byte: 0xCF9 is
 * the reset control register, 0xCF8/0xCFA/0xCFB float (read 0xFF, writes
 * dropped), 0xCFC-0xCFF are byte configuration accesses, ports past 0xCFF
 * read 0xFF. Sizes other than 1, 2, 4 are BUS_ERROR (reads all-ones). */
int pci_pio(void *dev, uint16_t port, unsigned size, bool write,
	    uint32_t *val);

/* Configuration access by address (what CONFIG_DATA does), for the
 * integrator and tests: size 1, 2 or 4 with reg + size <= 256. Absent
 * functions and bad arguments read all-ones and drop writes. */
uint32_t pci_cfg_read(const struct pci *p, unsigned bus, unsigned dev,
		      unsigned fn, unsigned reg, unsigned size);
void pci_cfg_write(struct pci *p, unsigned bus, unsigned dev, unsigned fn,
		   unsigned reg, unsigned size, uint32_t val);

#endif
