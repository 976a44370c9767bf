/* FUZZ-DEPS: devices/fw_cfg.c
 *
 * libFuzzer target for the fw_cfg legacy port interface (devices/fw_cfg.c).
 * The input picks the RAM size and CPU count, then a sequence of accesses
 * of any width to 0x510/0x511 and their neighbours. A model of QEMU's
 * docs/specs/fw_cfg.txt item table (built here from the spec, not from the
 * device) predicts every byte read:
 *  - a select (16-bit write to either port, 8-bit write to 0x510) rewinds
 *    the item; data reads stream it little-endian, zeros past its end and
 *    for unknown keys or keys with the arch/write bits;
 *  - the offset never passes the item length; the state only changes by
 *    selects and data reads; bad widths are BUS_ERROR and read all-ones. */
#include "tests/fuzz/fuzz.h"

#include <stdbool.h>

#include "devices/bus.h"
#include "devices/fw_cfg.h"

struct model {
	uint8_t item[16];
	unsigned len, pos;
	uint16_t key;
};

static struct fw_cfg fw;
static struct model md;
static uint64_t ram_size;
static uint16_t ncpus;

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void m_select(uint16_t key)
{
	memset(&md, 0, sizeof(md));
	md.key = key;
	switch (key) {
	case 0x0000:            /* signature */
		memcpy(md.item, "QEMU", 4);
		md.len = 4;
		break;
	case 0x0001:            /* ID: traditional interface only */
		put_le(md.item, 1, 4);
		md.len = 4;
		break;
	case 0x0003:            /* RAM size */
		put_le(md.item, ram_size, 8);
		md.len = 8;
		break;
	case 0x0005:            /* NB_CPUS */
	case 0x000f:            /* MAX_CPUS */
		put_le(md.item, ncpus, 2);
		md.len = 2;
		break;
	case 0x0019:            /* file directory: count 0 (be32) */
		md.len = 4;
		break;
	default:
		break;
	}
}

static uint8_t m_byte(void)
{
	return md.pos < md.len ? md.item[md.pos++] : 0;
}

static void check_state(void)
{
	FUZZ_CHECK(fw.key == md.key, "key %#x, model %#x", fw.key, md.key);
	FUZZ_CHECK(fw.item_len == md.len, "item_len %u, model %u", fw.item_len, md.len);
	FUZZ_CHECK(fw.offset == md.pos, "offset %u, model %u", fw.offset, md.pos);
	FUZZ_CHECK(fw.item_len <= FW_CFG_ITEM_MAX, "item_len %u", fw.item_len);
	FUZZ_CHECK(fw.offset <= fw.item_len, "offset %u past item_len %u",
		   fw.offset, fw.item_len);
	FUZZ_CHECK(fw.ram_size == ram_size && fw.ncpus == ncpus, "config changed");
}

static void pio(uint16_t port, unsigned size, bool write, uint32_t v)
{
	uint32_t val = write ? v : 0xA5A5A5A5u;
	int rc = fw_cfg_pio(&fw, port, size, write, &val);

	if (size != 1 && size != 2 && size != 4) {
		FUZZ_CHECK(rc == BUS_ERROR, "size %u rc %d", size, rc);
		if (!write)
			FUZZ_CHECK(val == 0xFFFFFFFFu, "size %u read %#x", size, val);
		return;
	}
	if (port != FW_CFG_PORT_SEL && port != FW_CFG_PORT_DATA) {
		FUZZ_CHECK(rc == BUS_UNCLAIMED, "port %#x rc %d", port, rc);
		return;
	}
	FUZZ_CHECK(rc == BUS_OK, "port %#x size %u rc %d", port, size, rc);
	if (write) {
		if (port == FW_CFG_PORT_SEL)
			m_select(size == 1 ? (uint16_t)(v & 0xFF) : (uint16_t)v);
		else if (size == 2)
			m_select((uint16_t)v);
		return;
	}
	uint32_t expect = 0;
	if (port == FW_CFG_PORT_SEL && size != 1) {
		expect = size == 2 ? 0xFFFFu : 0xFFFFFFFFu;
	} else {
		for (unsigned i = 0; i < size; i++)
			expect |= (uint32_t)m_byte() << (8 * i);
	}
	FUZZ_CHECK(val == expect, "read port %#x size %u: %#x, model %#x", port,
		   size, val, expect);
}

static void step(struct fuzz_in *in)
{
	static const unsigned sizes[] = { 1, 1, 2, 4, 0, 3, 8, 1 };
	uint8_t op = fuzz_u8(in);

	switch (op % 4) {
	case 0: {               /* select a known key (maybe with high bits) */
		static const uint16_t keys[] = { 0, 1, 3, 5, 0xf, 0x19, 0x4000, 0x8003 };
		pio(FW_CFG_PORT_SEL, 2, true, keys[(op >> 2) % 8]);
		break;
	}
	case 1:                 /* stream data bytes */
		for (unsigned i = 0; i < (op >> 2) % 12u; i++)
			pio(FW_CFG_PORT_DATA, 1, false, 0);
		break;
	case 2: {               /* anything on the two ports */
		uint8_t b = fuzz_u8(in);
		pio(FW_CFG_PORT_SEL + ((op >> 2) & 1), sizes[b % 8], b & 0x80,
		       fuzz_u32(in));
		break;
	}
	default:                /* any port near the device */
		pio((uint16_t)(0x50E + ((op >> 2) % 6u)), sizes[(op >> 5) % 8],
		       fuzz_bool(in), fuzz_u16(in));
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in_init(data, size);

	ram_size = fuzz_u64(&in);
	ncpus = fuzz_u16(&in);
	fw_cfg_init(&fw, ram_size, ncpus);
	m_select(0);
	check_state();
	while (fuzz_left(&in) > 0) {
		step(&in);
		check_state();
	}
	return 0;
}
