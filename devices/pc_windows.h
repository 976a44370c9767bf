/* The PC's legacy memory windows below 1 MiB: the VGA window, where no
 * display answers (reads all-ones, writes dropped, as on a PC without a
 * VGA card), and the BIOS ROM, read-only (writes dropped, as a ROM does).
 * Reads of the ROM normally do not reach here (EPT maps it read-only);
 * they do when an emulated instruction reads it (a MOVS from the ROM). */
#ifndef VIREO_DEVICES_PC_WINDOWS_H
#define VIREO_DEVICES_PC_WINDOWS_H

#include <stdbool.h>
#include <stdint.h>

struct pc_rom {
	const uint8_t *data;     /* the ROM's bytes */
	uint64_t base, size;     /* guest-physical window */
};

/* bus_mmio_fn for the VGA window (dev unused). */
int vga_window_mmio(void *dev, uint64_t addr, unsigned size, bool write, uint64_t *val);
/* bus_mmio_fn for a ROM: dev is a struct pc_rom. */
int pc_rom_mmio(void *dev, uint64_t addr, unsigned size, bool write, uint64_t *val);

#endif
