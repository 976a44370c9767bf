/* PCI configuration mechanism #1 with an i440FX host bridge and a PIIX3
 * ISA bridge on bus 0, and the reset control register at 0xCF9. */
#include "devices/pci.h"
#include "devices/bus.h"
#include "lib/libc.h"

static uint32_t width_ones(unsigned size)
{
	return size >= 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1;
}

/* Little-endian stores into one of a function's byte arrays. */
static void put(uint8_t *a, unsigned off, unsigned size, uint32_t v)
{
	for (unsigned i = 0; i < size; i++)
		a[off + i] = (uint8_t)(v >> (i * 8));
}

static void put_ids(struct pci_function *f, uint16_t device, uint8_t rev,
		    uint32_t class_code, uint8_t header_type)
{
	put(f->cfg, PCI_VENDOR_ID, 2, PCI_VENDOR_INTEL);
	put(f->cfg, PCI_DEVICE_ID, 2, device);
	put(f->cfg, PCI_REVISION_ID, 1, rev);
	put(f->cfg, PCI_CLASS_PROG, 3, class_code);  /* prog-if, sub, base */
	put(f->cfg, PCI_HEADER_TYPE, 1, header_type);
	/* Neither chip implements the interrupt line register, but guests
	 * and firmware write it on every function they find, so it is a
	 * plain scratch byte. Interrupt pin stays 0 (no INTx). */
	put(f->wmask, PCI_INTERRUPT_LINE, 1, 0xFF);
}

/* 82441FX PMC (00:00.0). Memory and bus-master decode are always on
 * (command reads 0006h); parity and SERR# enables are the writable bits,
 * the error bits of status are write-1-to-clear. */
static void init_i440fx(struct pci_function *f)
{
	put_ids(f, I440FX_DEVICE_ID, I440FX_REVISION, 0x060000, 0x00);
	put(f->cfg, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	put(f->wmask, PCI_COMMAND, 2, PCI_COMMAND_PARITY | PCI_COMMAND_SERR);
	put(f->cfg, PCI_STATUS, 2,
	    PCI_STATUS_FAST_BACK | PCI_STATUS_DEVSEL_MEDIUM);
	put(f->w1cmask, PCI_STATUS, 2,
	    PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT |
	    PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT |
	    PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY);
	put(f->wmask, PCI_LATENCY_TIMER, 1, 0xF8);  /* MLT: count bits 7:3 */
	/* PAM: read-enable and write-enable of each 16K/64K segment (bits
	 * 1:0 and 5:4); PAM0 has only the high half (0xF0000 segment).
	 * Stored only: the BIOS area is plain RAM under EPT, whatever the
	 * guest asks for. */
	put(f->wmask, I440FX_PAM0, 1, 0x30);
	for (unsigned r = I440FX_PAM0 + 1; r <= I440FX_PAM6; r++)
		put(f->wmask, r, 1, 0x33);
}

/* 82371SB PIIX3 function 0 (00:01.0). I/O, memory and bus-master are
 * always on (0007h); special cycles and SERR# enable are writable. */
static void init_piix3(struct pci_function *f)
{
	put_ids(f, PIIX3_DEVICE_ID, PIIX3_REVISION, 0x060100,
		PCI_HEADER_TYPE_MULTI_FUNCTION);
	put(f->cfg, PCI_COMMAND, 2,
	    PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	put(f->wmask, PCI_COMMAND, 2, PCI_COMMAND_SPECIAL | PCI_COMMAND_SERR);
	put(f->cfg, PCI_STATUS, 2, PCI_STATUS_DEVSEL_MEDIUM);
	put(f->w1cmask, PCI_STATUS, 2,
	    PCI_STATUS_SIG_TARGET_ABORT | PCI_STATUS_REC_TARGET_ABORT |
	    PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_SIG_SYSTEM_ERROR);
	/* PIRQ[A:D]# route control: IRQROUTEN (bit 7) and the ISA IRQ
	 * (bits 3:0); bits 6:4 are reserved. Reset: routing disabled.
	 * Stored only: no PCI device raises INTx yet. */
	for (unsigned r = PIIX3_PIRQRC; r < PIIX3_PIRQRC + 4; r++) {
		put(f->cfg, r, 1, PIIX3_PIRQRC_DISABLE);
		put(f->wmask, r, 1,
		    PIIX3_PIRQRC_DISABLE | PIIX3_PIRQRC_IRQ_MASK);
	}
}

void pci_init(struct pci *p, const struct pci_ops *ops, void *opaque)
{
	memset(p, 0, sizeof(*p));
	p->ops = ops;
	p->opaque = opaque;
	init_i440fx(&p->fn[0]);
	init_piix3(&p->fn[1]);
}

/* Index into p->fn of bus/dev/fn, or -1 when nothing answers there. */
static int fn_index(unsigned bus, unsigned dev, unsigned fn)
{
	if (bus != 0 || fn != 0)
		return -1;
	switch (dev) {
	case I440FX_DEV:
		return 0;
	case PIIX3_DEV:
		return 1;
	default:
		return -1;
	}
}

static bool cfg_args_ok(unsigned reg, unsigned size)
{
	return (size == 1 || size == 2 || size == 4) &&
	       reg + size <= PCI_CFG_SPACE_SIZE;
}

uint32_t pci_cfg_read(const struct pci *p, unsigned bus, unsigned dev,
		      unsigned fn, unsigned reg, unsigned size)
{
	int i_fn = fn_index(bus, dev, fn);
	uint32_t v = 0;

	/* An absent function reads all-ones, so its Vendor ID is the
	 * invalid 0FFFFh that probing looks for (PCI 3.0 §6.1). */
	if (i_fn < 0 || !cfg_args_ok(reg, size))
		return width_ones(size);
	const struct pci_function *f = &p->fn[i_fn];
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)f->cfg[reg + i] << (i * 8);
	return v;
}

void pci_cfg_write(struct pci *p, unsigned bus, unsigned dev, unsigned fn,
		   unsigned reg, unsigned size, uint32_t val)
{
	int i_fn = fn_index(bus, dev, fn);

	if (i_fn < 0 || !cfg_args_ok(reg, size))
		return;
	struct pci_function *f = &p->fn[i_fn];
	for (unsigned i = 0; i < size; i++) {
		unsigned r = reg + i;
		uint8_t b = (uint8_t)(val >> (i * 8));
		uint8_t keep = f->cfg[r] & (uint8_t)~f->wmask[r];

		/* Read-only bits stay, writable bits take the new value, and
		 * a 1 written to a write-1-to-clear bit clears it. */
		f->cfg[r] = (uint8_t)((keep | (b & f->wmask[r])) &
				      ~(b & f->w1cmask[r]));
	}
}

/* A configuration access through CONFIG_DATA: 'off' is port & 3. */
static void config_data(struct pci *p, unsigned off, unsigned size,
			bool write, uint32_t *val)
{
	uint32_t a = p->config_address;
	unsigned bus = (a >> PCI_CONF1_BUS_SHIFT) & 0xFF;
	unsigned dev = (a >> PCI_CONF1_DEV_SHIFT) & 0x1F;
	unsigned fn = (a >> PCI_CONF1_FN_SHIFT) & 0x7;
	unsigned reg = (a & PCI_CONF1_REG_MASK) | off;

	/* Enable bit clear: the bridge passes the access on as plain I/O
	 * to 0xCFC, which nothing claims (PCI 3.0 §3.2.2.3.2). */
	if (!(a & PCI_CONF1_ENABLE)) {
		if (!write)
			*val = width_ones(size);
		return;
	}
	if (write)
		pci_cfg_write(p, bus, dev, fn, reg, size, *val);
	else
		*val = pci_cfg_read(p, bus, dev, fn, reg, size);
}

/* 0xCF9 (82371SB RC): RST_CPU set starts a reset; SYS_RST chooses hard
 * or soft and is left in p->rc for the callback to look at. */
static void reset_control_write(struct pci *p, uint8_t v)
{
	p->rc = v & PCI_RC_KEPT_BITS;
	if ((v & PCI_RC_RST_CPU) && p->ops != NULL && p->ops->reset != NULL)
		p->ops->reset(p->opaque);
}

/* One byte of the range when the access is not a whole register. */
static uint8_t byte_access(struct pci *p, uint16_t port, bool write,
			   uint8_t v)
{
	uint32_t w = v;

	switch (port) {
	case PCI_RESET_CONTROL:
		if (write)
			reset_control_write(p, v);
		return p->rc;
	case PCI_CONFIG_DATA:
	case PCI_CONFIG_DATA + 1:
	case PCI_CONFIG_DATA + 2:
	case PCI_CONFIG_DATA + 3:
		config_data(p, port & 3, 1, write, &w);
		return (uint8_t)w;
	default:
		/* 0xCF8, 0xCFA, 0xCFB as bytes, and whatever follows 0xCFF:
		 * no register, the bus floats high. */
		return 0xFF;
	}
}

int pci_pio(void *dev, uint16_t port, unsigned size, bool write,
	    uint32_t *val)
{
	struct pci *p = dev;
	uint32_t r = 0;

	if (size != 1 && size != 2 && size != 4) {
		if (!write)
			*val = 0xFFFFFFFFu;
		return BUS_ERROR;
	}
	/* Only a whole dword at 0xCF8 is CONFIG_ADDRESS (§3.2.2.3.2): that
	 * is how byte-wide 0xCF9 can share the dword. */
	if (port == PCI_CONFIG_ADDRESS && size == 4) {
		if (write)
			p->config_address = *val & PCI_CONF1_KEPT_BITS;
		else
			*val = p->config_address;
		return BUS_OK;
	}
	if (port >= PCI_CONFIG_DATA && port + size <= PCI_CONFIG_DATA + 4) {
		config_data(p, port & 3, size, write, val);
		return BUS_OK;
	}
	for (unsigned i = 0; i < size; i++) {
		uint8_t b = write ? (uint8_t)(*val >> (i * 8)) : 0;

		r |= (uint32_t)byte_access(p, (uint16_t)(port + i), write, b)
		     << (i * 8);
	}
	if (!write)
		*val = r;
	return BUS_OK;
}
