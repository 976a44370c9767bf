/* QEMU fw_cfg, legacy (non-DMA) I/O port interface (QEMU
 * docs/specs/fw_cfg.txt). Enough for firmware and Linux to detect the
 * device and read RAM size and CPU count; the file directory is empty. */
#ifndef VIREO_DEVICES_FW_CFG_H
#define VIREO_DEVICES_FW_CFG_H

#include <stdbool.h>
#include <stdint.h>

#define FW_CFG_PORT_SEL  0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_NPORTS    2

#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_ID        0x0001
#define FW_CFG_RAM_SIZE  0x0003
#define FW_CFG_NB_CPUS   0x0005
#define FW_CFG_MAX_CPUS  0x000f
#define FW_CFG_FILE_DIR  0x0019

#define FW_CFG_ITEM_MAX  8     /* largest item we serve (RAM size, u64) */

struct fw_cfg {
	uint64_t ram_size;
	uint16_t ncpus;
	uint16_t key;                   /* selected key */
	uint32_t offset;                /* read offset within the item */
	uint8_t item[FW_CFG_ITEM_MAX];  /* selected item, built at select */
	uint8_t item_len;
};

void fw_cfg_init(struct fw_cfg *f, uint64_t ram_size, uint16_t ncpus);
/* bus_pio_fn for ports 0x510-0x511. */
int fw_cfg_pio(void *dev, uint16_t port, unsigned size, bool write,
	       uint32_t *val);

#endif
