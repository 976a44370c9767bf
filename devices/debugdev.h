/* Two debug ports guests use under Bochs/QEMU:
 *  - debugcon at 0xE9: bytes written go to a console callback; reads
 *    return 0xE9 so guests can detect the port;
 *  - isa-debug-exit (QEMU, here at 0xF4, 4 ports): a write of v ends the
 *    VM with status (v << 1) | 1. */
#ifndef VIREO_DEVICES_DEBUGDEV_H
#define VIREO_DEVICES_DEBUGDEV_H

#include <stdbool.h>
#include <stdint.h>

#define DEBUGCON_PORT          0xE9
#define DEBUGCON_NPORTS        1
#define DEBUGCON_READBACK      0xE9
#define DEBUG_EXIT_PORT        0xF4
#define DEBUG_EXIT_NPORTS      4

struct debugcon {
	void (*out)(void *opaque, uint8_t c);
	void *opaque;
};

struct debug_exit {
	void (*exit)(void *opaque, uint32_t status);
	void *opaque;
};

void debugcon_init(struct debugcon *d, void (*out)(void *opaque, uint8_t c),
		   void *opaque);
/* bus_pio_fn for port 0xE9. A wider write emits only its low byte (QEMU
 * splits it and the following ports are not debugcon). */
int debugcon_pio(void *dev, uint16_t port, unsigned size, bool write,
		 uint32_t *val);

void debug_exit_init(struct debug_exit *d,
		     void (*exit)(void *opaque, uint32_t status), void *opaque);
/* bus_pio_fn for ports 0xF4-0xF7: any write of any width calls exit. */
int debug_exit_pio(void *dev, uint16_t port, unsigned size, bool write,
		   uint32_t *val);

#endif
