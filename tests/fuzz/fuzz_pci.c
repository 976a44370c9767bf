/* FUZZ-DEPS: devices/pci.c
 *
 * libFuzzer target for PCI configuration mechanism #1 and the reset
 * control register (devices/pci.c). The input is a sequence of port
 * accesses of every width to 0xCF8-0xCFF and beyond, direct
 * pci_cfg_read/write calls with any (even invalid) arguments, BAR sizing
 * sequences, whole-space probes and hard resets.
 *
 * A shadow of both functions' configuration space, with the writable and
 * write-1-to-clear bits taken from the i440FX and PIIX3 datasheets (not
 * from the device), predicts every read:
 *  - CONFIG_ADDRESS keeps bits 31, 23:2; data accesses decode as PCI 3.0
 *    3.2.2.3.2 says, byte by byte when they straddle; 0xCF9 keeps bits 3:1
 *    and a 1 in bit 2 calls the reset hook;
 *  - absent functions (other devices, functions 1-7, buses 1-255) and
 *    accesses with the enable bit clear read all-ones at every width;
 *  - identity bytes never change; BARs (none implemented) size as 0 and
 *    read back what they held; bad widths are BUS_ERROR with all-ones. */
#include "tests/fuzz/fuzz.h"

#include <stdbool.h>

#include "devices/bus.h"
#include "devices/pci.h"

struct harness {
	struct pci pci;
	uint8_t cfg[PCI_NFUNCS][256];
	uint8_t wmask[PCI_NFUNCS][256];
	uint8_t w1c[PCI_NFUNCS][256];
	uint32_t addr;
	uint8_t rc;
	unsigned resets, resets_seen;
};

static struct harness h;

static void cb_reset(void *opaque)
{
	(void)opaque;
	h.resets_seen++;
	FUZZ_CHECK(h.pci.rc == h.rc, "reset hook sees rc %#x, model %#x", h.pci.rc, h.rc);
}

static const struct pci_ops ops = { .reset = cb_reset };

static void mask16(uint8_t *m, unsigned off, uint16_t v)
{
	m[off] = (uint8_t)v;
	m[off + 1] = (uint8_t)(v >> 8);
}

/* The datasheets' writable bits; the power-on bytes come from the device
 * and the identity bytes are checked against the datasheets below. */
static void m_init(void)
{
	memset(h.wmask, 0, sizeof(h.wmask));
	memset(h.w1c, 0, sizeof(h.w1c));
	memcpy(h.cfg[0], h.pci.fn[0].cfg, 256);
	memcpy(h.cfg[1], h.pci.fn[1].cfg, 256);
	/* 82441FX: PERRE, SERRE; status error bits RWC; MLT 7:3; PAM. */
	mask16(h.wmask[0], PCI_COMMAND, 0x0140);
	mask16(h.w1c[0], PCI_STATUS, 0xF900);
	h.wmask[0][PCI_LATENCY_TIMER] = 0xF8;
	h.wmask[0][I440FX_PAM0] = 0x30;
	for (unsigned r = I440FX_PAM0 + 1; r <= I440FX_PAM6; r++)
		h.wmask[0][r] = 0x33;
	/* 82371SB: SCE, SERRE; status error bits RWC; PIRQRC IRQROUTEN 3:0. */
	mask16(h.wmask[1], PCI_COMMAND, 0x0108);
	mask16(h.w1c[1], PCI_STATUS, 0x7800);
	for (unsigned r = PIIX3_PIRQRC; r < PIIX3_PIRQRC + 4; r++)
		h.wmask[1][r] = 0x8F;
	h.wmask[0][PCI_INTERRUPT_LINE] = h.wmask[1][PCI_INTERRUPT_LINE] = 0xFF;
	h.addr = 0;
	h.rc = 0;

	static const uint8_t id0[16] = { 0x86, 0x80, 0x37, 0x12, 0x06, 0x00, 0x80, 0x02,
					 0x02, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00 };
	static const uint8_t id1[16] = { 0x86, 0x80, 0x00, 0x70, 0x07, 0x00, 0x00, 0x02,
					 0x00, 0x00, 0x01, 0x06, 0x00, 0x00, 0x80, 0x00 };
	FUZZ_CHECK(!memcmp(h.cfg[0], id0, 16) && !memcmp(h.cfg[1], id1, 16),
		   "power-on header differs from the datasheets");
	for (unsigned r = PIIX3_PIRQRC; r < PIIX3_PIRQRC + 4; r++)
		FUZZ_CHECK(h.cfg[1][r] == 0x80, "PIRQRC %#x reset value %#x", r, h.cfg[1][r]);
}

static int m_fn(unsigned bus, unsigned dev, unsigned fn)
{
	if (bus != 0 || fn != 0 || dev > 1)
		return -1;
	return (int)dev;
}

static uint32_t ones(unsigned size)
{
	return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
}

static uint32_t m_cfg_read(unsigned bus, unsigned dev, unsigned fn, unsigned reg,
			   unsigned size)
{
	int i = m_fn(bus, dev, fn);
	uint32_t v = 0;

	if (i < 0 || (size != 1 && size != 2 && size != 4) || reg + size > 256)
		return ones(size);
	for (unsigned k = 0; k < size; k++)
		v |= (uint32_t)h.cfg[i][reg + k] << (8 * k);
	return v;
}

static void m_cfg_write(unsigned bus, unsigned dev, unsigned fn, unsigned reg,
			unsigned size, uint32_t v)
{
	int i = m_fn(bus, dev, fn);

	if (i < 0 || (size != 1 && size != 2 && size != 4) || reg + size > 256)
		return;
	for (unsigned k = 0; k < size; k++) {
		unsigned r = reg + k;
		uint8_t b = (uint8_t)(v >> (8 * k));
		h.cfg[i][r] = (uint8_t)(((h.cfg[i][r] & ~h.wmask[i][r]) | (b & h.wmask[i][r])) &
					~(b & h.w1c[i][r]));
	}
}

/* CONFIG_DATA at byte 'off' of the dword, through CONFIG_ADDRESS. */
static uint32_t m_data(unsigned off, unsigned size, bool write, uint32_t v)
{
	uint32_t a = h.addr;
	unsigned bus = (a >> 16) & 0xFF, dev = (a >> 11) & 0x1F, fn = (a >> 8) & 7;
	unsigned reg = (a & 0xFC) | off;

	if (!(a & 0x80000000u))
		return write ? 0 : ones(size);
	if (write) {
		m_cfg_write(bus, dev, fn, reg, size, v);
		return 0;
	}
	return m_cfg_read(bus, dev, fn, reg, size);
}

static uint8_t m_byte(uint16_t port, bool write, uint8_t v)
{
	if (port == PCI_RESET_CONTROL) {
		if (write) {
			h.rc = v & 0x0E;
			if (v & 0x04)
				h.resets++;
		}
		return h.rc;
	}
	if (port >= PCI_CONFIG_DATA && port <= PCI_CONFIG_DATA + 3)
		return (uint8_t)m_data(port & 3, 1, write, v);
	return 0xFF;
}

/* What a port access should give, updating the model. */
static uint32_t m_pio(uint16_t port, unsigned size, bool write, uint32_t v, int *rc)
{
	*rc = BUS_OK;
	if (size != 1 && size != 2 && size != 4) {
		*rc = BUS_ERROR;
		return 0xFFFFFFFFu;
	}
	if (port == PCI_CONFIG_ADDRESS && size == 4) {
		if (write)
			h.addr = v & 0x80FFFFFCu;
		return h.addr;
	}
	if (port >= PCI_CONFIG_DATA && port + size <= PCI_CONFIG_DATA + 4u)
		return m_data(port & 3, size, write, v);
	uint32_t r = 0;
	for (unsigned k = 0; k < size; k++)
		r |= (uint32_t)m_byte((uint16_t)(port + k), write, (uint8_t)(v >> (8 * k)))
		     << (8 * k);
	return r;
}

static uint32_t pio(uint16_t port, unsigned size, bool write, uint32_t v)
{
	uint32_t val = write ? v : 0x5A5A5A5Au;
	int want_rc;
	uint32_t want = m_pio(port, size, write, v, &want_rc);
	int rc = pci_pio(&h.pci, port, size, write, &val);

	FUZZ_CHECK(rc == want_rc, "port %#x size %u rc %d, model %d", port, size, rc,
		   want_rc);
	if (!write)
		FUZZ_CHECK(val == want, "read port %#x size %u (addr %#x): %#x, model %#x",
			   port, size, h.addr, val, want);
	return val;
}

static void check_state(void)
{
	FUZZ_CHECK(h.pci.config_address == h.addr, "CONFIG_ADDRESS %#x, model %#x",
		   h.pci.config_address, h.addr);
	FUZZ_CHECK(h.pci.rc == h.rc, "rc %#x, model %#x", h.pci.rc, h.rc);
	FUZZ_CHECK(h.resets == h.resets_seen, "%u resets, model %u", h.resets_seen,
		   h.resets);
	for (unsigned i = 0; i < PCI_NFUNCS; i++)
		FUZZ_CHECK(!memcmp(h.pci.fn[i].cfg, h.cfg[i], 256), "function %u config differs",
			   i);
}

static void set_addr(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
	pio(PCI_CONFIG_ADDRESS, 4, true,
	    0x80000000u | bus << 16 | (dev & 0x1F) << 11 | (fn & 7) << 8 | (reg & 0xFC));
}

/* BAR sizing as firmware does it: save, write all-ones, read, restore. */
static void size_bar(unsigned dev, unsigned bar)
{
	unsigned reg = PCI_BASE_ADDRESS_0 + 4 * (bar % 6);

	set_addr(0, dev, 0, reg);
	uint32_t saved = pio(PCI_CONFIG_DATA, 4, false, 0);
	pio(PCI_CONFIG_DATA, 4, true, 0xFFFFFFFFu);
	uint32_t size = pio(PCI_CONFIG_DATA, 4, false, 0);
	pio(PCI_CONFIG_DATA, 4, true, saved);
	uint32_t back = pio(PCI_CONFIG_DATA, 4, false, 0);
	if (m_fn(0, dev, 0) < 0) {
		FUZZ_CHECK(saved == 0xFFFFFFFFu && size == 0xFFFFFFFFu, "absent BAR");
		return;
	}
	FUZZ_CHECK(size == 0, "BAR %u of 00:%02x.0 sizes as %#x (none implemented)", bar,
		   dev, size);
	FUZZ_CHECK(back == saved, "BAR restore %#x, saved %#x", back, saved);
}

/* A probe of one device as an OS does it: vendor ID, header type and,
 * for a multi-function device, functions 1-7. */
static void probe(unsigned bus, unsigned dev)
{
	set_addr(bus, dev, 0, PCI_VENDOR_ID);
	uint32_t id = pio(PCI_CONFIG_DATA, 4, false, 0);
	if (m_fn(bus, dev, 0) < 0) {
		FUZZ_CHECK(id == 0xFFFFFFFFu, "absent %02x:%02x.0 reads %#x", bus, dev, id);
		return;
	}
	FUZZ_CHECK((id & 0xFFFF) == PCI_VENDOR_INTEL, "vendor %#x", id);
	set_addr(bus, dev, 0, PCI_HEADER_TYPE & 0xFC);
	uint8_t ht = (uint8_t)pio(PCI_CONFIG_DATA + 2, 1, false, 0);
	if (!(ht & PCI_HEADER_TYPE_MULTI_FUNCTION))
		return;
	for (unsigned fn = 1; fn < 8; fn++) {
		set_addr(bus, dev, fn, 0);
		FUZZ_CHECK(pio(PCI_CONFIG_DATA, 2, false, 0) == 0xFFFF, "fn %u present", fn);
	}
}

static void step(struct fuzz_in *in)
{
	static const unsigned sizes[] = { 1, 2, 4, 4, 1, 2, 3, 0 };
	uint8_t op = fuzz_u8(in);
	uint8_t a = fuzz_u8(in);

	switch (op % 9) {
	case 0:                 /* CONFIG_ADDRESS, mostly bus 0 */
		pio(PCI_CONFIG_ADDRESS, 4, true,
		    (a & 0x80) ? fuzz_u32(in) : 0x80000000u | (a & 0x0F) << 11 |
						(uint32_t)fuzz_u8(in));
		break;
	case 1: {               /* CONFIG_DATA, any width and byte */
		uint8_t b = fuzz_u8(in);
		pio((uint16_t)(PCI_CONFIG_DATA + (a & 3)), sizes[b % 8], b & 0x80,
		    fuzz_u32(in));
		break;
	}
	case 2: {               /* anywhere in (and around) the range */
		uint8_t b = fuzz_u8(in);
		pio((uint16_t)(0xCF4 + a % 16u), sizes[b % 8], b & 0x80, fuzz_u32(in));
		break;
	}
	case 3:                 /* reset control */
		pio(PCI_RESET_CONTROL, 1, a & 1, (uint32_t)(a >> 1));
		break;
	case 4: {               /* direct calls, any arguments */
		unsigned bus = fuzz_u16(in) % 300u, dev = fuzz_u8(in) % 40u;
		unsigned fn = a % 10u, reg = fuzz_u16(in) % 300u, size = fuzz_u8(in) % 6u;
		uint32_t v = fuzz_u32(in);
		if (op & 0x80) {
			m_cfg_write(bus, dev, fn, reg, size, v);
			pci_cfg_write(&h.pci, bus, dev, fn, reg, size, v);
		} else {
			uint32_t got = pci_cfg_read(&h.pci, bus, dev, fn, reg, size);
			uint32_t want = m_cfg_read(bus, dev, fn, reg, size);
			FUZZ_CHECK(got == want, "cfg_read %u:%u.%u reg %#x size %u: %#x, model %#x",
				   bus, dev, fn, reg, size, got, want);
		}
		break;
	}
	case 5:
		size_bar(a & 1 ? a % 32u : a % 2u, a >> 5);
		break;
	case 6:
		probe(a & 0x80 ? fuzz_u8(in) : 0, a % 32u);
		break;
	case 7:                 /* whole header writes (OS programming) */
		set_addr(0, a & 1, 0, a & 0xFC);
		pio(PCI_CONFIG_DATA, 4, true, fuzz_u32(in));
		pio(PCI_CONFIG_DATA, 4, false, 0);
		break;
	default:                /* hard reset */
		pci_init(&h.pci, &ops, NULL);
		m_init();
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in_init(data, size);

	memset(&h, 0, sizeof(h));
	pci_init(&h.pci, &ops, NULL);
	m_init();
	check_state();
	while (fuzz_left(&in) > 0) {
		step(&in);
		check_state();
	}
	return 0;
}
