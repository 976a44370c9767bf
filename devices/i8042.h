/* The 8042 keyboard controller of a PC (ports 0x60 data, 0x64 status and
 * command), without a keyboard or mouse behind it. It is there because a
 * PC has one (the FADT says so) and because operating systems reset
 * through it (command 0xFE, or 0xD1 with bit 0 of the output port clear).
 * Commands answer as an IBM PC/AT-compatible controller does; bytes for
 * the keyboard or the auxiliary port get no answer but a timeout, as
 * with nothing plugged in. */
#ifndef VIREO_DEVICES_I8042_H
#define VIREO_DEVICES_I8042_H

#include <stdbool.h>
#include <stdint.h>

#define I8042_DATA_PORT    0x60
#define I8042_CMD_PORT     0x64

struct i8042_ops {
	void (*reset)(void *opaque);      /* the CPU reset line was pulsed */
};

struct i8042 {
	uint8_t status;          /* status register */
	uint8_t ccb;             /* controller command byte ("RAM byte 0") */
	uint8_t out_port;        /* output port (bit 0: CPU reset, active low) */
	uint8_t obuf;            /* output buffer */
	uint8_t pending_cmd;     /* a command waiting for its data byte, 0 none */
	const struct i8042_ops *ops;
	void *opaque;
};

void i8042_init(struct i8042 *k, const struct i8042_ops *ops, void *opaque);
/* bus_pio_fn for 0x60 and 0x64 (byte accesses). */
int i8042_pio(void *dev, uint16_t port, unsigned size, bool write, uint32_t *val);

#endif
