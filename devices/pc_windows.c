#include "devices/bus.h"
#include "devices/pc_windows.h"
#include "lib/libc.h"

int vga_window_mmio(void *dev, uint64_t addr, unsigned size, bool write, uint64_t *val)
{
	(void)dev;
	(void)addr;
	if (!write)
		*val = size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
	return BUS_OK;
}

int pc_rom_mmio(void *dev, uint64_t addr, unsigned size, bool write, uint64_t *val)
{
	const struct pc_rom *rom = dev;
	uint64_t off = addr - rom->base;

	if (write)
		return BUS_OK;
	*val = 0;
	/* Little-endian, byte by byte: an access may straddle the ROM's end. */
	for (unsigned i = 0; i < size && i < 8; i++)
		*val |= (uint64_t)(off + i < rom->size ? rom->data[off + i] : 0xff) << (8 * i);
	return BUS_OK;
}
