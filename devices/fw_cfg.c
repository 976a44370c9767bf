/* QEMU fw_cfg legacy I/O interface (QEMU docs/specs/fw_cfg.txt).
 *
 * Selector 0x510 (16-bit write) picks an item and rewinds the data offset;
 * data 0x511 streams the item one byte per 8-bit read, zeros past the end.
 * Items are rebuilt into a small buffer at select time so the device owns
 * no pointers. Deviations from QEMU's combined I/O region, all benign:
 *  - an 8-bit write to 0x510 selects (key = the byte); QEMU treats any
 *    8-bit write as a (deprecated, ignored) data write;
 *  - wider reads of 0x511 return consecutive bytes little-endian, so a
 *    guest "inl" stored to memory yields the bytes in item order; QEMU
 *    refuses non-byte reads on the I/O port.
 * As in QEMU, an 8-bit read of 0x510 reads data too (the two ports form
 * one region and the data read ignores the address); wider reads of 0x510
 * return all-ones. */
#include "devices/fw_cfg.h"
#include "devices/bus.h"
#include "lib/libc.h"

/* Key bits that select the arch-local and write-channel spaces; we serve
 * no arch-local items and no writes, so keys with them read zeros. */
#define FW_CFG_ENTRY_MASK 0x3fff

/* FW_CFG_ID bit 0: traditional interface present; bit 1 (DMA) clear. */
#define FW_CFG_VERSION 0x01u

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void fw_cfg_select(struct fw_cfg *f, uint16_t key)
{
	f->key = key;
	f->offset = 0;
	f->item_len = 0;
	memset(f->item, 0, sizeof(f->item));
	if (key & ~FW_CFG_ENTRY_MASK)
		return;
	switch (key) {
	case FW_CFG_SIGNATURE:
		memcpy(f->item, "QEMU", 4);
		f->item_len = 4;
		break;
	case FW_CFG_ID:
		put_le(f->item, FW_CFG_VERSION, 4);
		f->item_len = 4;
		break;
	case FW_CFG_RAM_SIZE:
		put_le(f->item, f->ram_size, 8);
		f->item_len = 8;
		break;
	case FW_CFG_NB_CPUS:
	case FW_CFG_MAX_CPUS:
		put_le(f->item, f->ncpus, 2);
		f->item_len = 2;
		break;
	case FW_CFG_FILE_DIR:
		/* struct FWCfgFiles: be32 count, then entries; count = 0. */
		f->item_len = 4;
		break;
	default:
		break;          /* unknown key: zero-length, reads zeros */
	}
}

static uint8_t fw_cfg_read_byte(struct fw_cfg *f)
{
	if (f->offset >= f->item_len)
		return 0;
	return f->item[f->offset++];
}

void fw_cfg_init(struct fw_cfg *f, uint64_t ram_size, uint16_t ncpus)
{
	memset(f, 0, sizeof(*f));
	f->ram_size = ram_size;
	f->ncpus = ncpus;
	fw_cfg_select(f, FW_CFG_SIGNATURE);
}

int fw_cfg_pio(void *dev, uint16_t port, unsigned size, bool write,
	       uint32_t *val)
{
	struct fw_cfg *f = dev;

	if (size != 1 && size != 2 && size != 4) {
		if (!write)
			*val = 0xFFFFFFFFu;
		return BUS_ERROR;
	}
	switch (port) {
	case FW_CFG_PORT_SEL:
		if (write) {
			fw_cfg_select(f, (uint16_t)(size == 1 ? (*val & 0xFF)
						   : (*val & 0xFFFF)));
		} else if (size == 1) {
			*val = fw_cfg_read_byte(f);
		} else {
			*val = size == 2 ? 0xFFFFu : 0xFFFFFFFFu;
		}
		return BUS_OK;
	case FW_CFG_PORT_DATA:
		if (write) {
			/* Data writes were removed from QEMU (2.4); a 16-bit
			 * write selects, as QEMU's combined region does. */
			if (size == 2)
				fw_cfg_select(f, (uint16_t)*val);
			return BUS_OK;
		}
		*val = 0;
		for (unsigned i = 0; i < size; i++)
			*val |= (uint32_t)fw_cfg_read_byte(f) << (8 * i);
		return BUS_OK;
	default:
		return BUS_UNCLAIMED;
	}
}
