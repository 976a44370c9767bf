/* 8042 command set as the IBM PC/AT Technical Reference and the
 * de-facto "KBC" references (OSDev "8042 PS/2 Controller") give it. */
#include "devices/bus.h"
#include "devices/i8042.h"
#include "lib/libc.h"

/* Status register bits. */
#define ST_OBF      0x01     /* output buffer full: data for the CPU */
#define ST_SYS      0x04     /* system flag (POST passed) */
#define ST_CMD      0x08     /* last write was to the command port */
#define ST_TIMEOUT  0x40     /* the device did not answer */

/* Controller commands (port 0x64). */
#define CMD_READ_CCB      0x20
#define CMD_WRITE_CCB     0x60
#define CMD_AUX_DISABLE   0xA7
#define CMD_AUX_ENABLE    0xA8
#define CMD_AUX_TEST      0xA9
#define CMD_SELF_TEST     0xAA
#define CMD_KBD_TEST      0xAB
#define CMD_KBD_DISABLE   0xAD
#define CMD_KBD_ENABLE    0xAE
#define CMD_READ_OUTPORT  0xD0
#define CMD_WRITE_OUTPORT 0xD1
#define CMD_WRITE_KBD_OUT 0xD2
#define CMD_WRITE_AUX_OUT 0xD3
#define CMD_WRITE_AUX     0xD4
#define CMD_PULSE_RESET   0xFE

#define CCB_KBD_DISABLED  0x10
#define CCB_AUX_DISABLED  0x20
#define CCB_SYS           0x04
#define OUTPORT_RESET     0x01   /* low = CPU held in reset */
#define OUTPORT_A20       0x02

void i8042_init(struct i8042 *k, const struct i8042_ops *ops, void *opaque)
{
	memset(k, 0, sizeof(*k));
	k->status = ST_SYS;
	k->ccb = CCB_SYS;
	k->out_port = OUTPORT_RESET | OUTPORT_A20;
	k->ops = ops;
	k->opaque = opaque;
}

static void put(struct i8042 *k, uint8_t v)
{
	k->obuf = v;
	k->status |= ST_OBF;
}

static void pulse_reset(struct i8042 *k)
{
	if (k->ops && k->ops->reset)
		k->ops->reset(k->opaque);
}

static void command(struct i8042 *k, uint8_t cmd)
{
	switch (cmd) {
	case CMD_READ_CCB:      put(k, k->ccb); break;
	case CMD_AUX_DISABLE:   k->ccb |= CCB_AUX_DISABLED; break;
	case CMD_AUX_ENABLE:    k->ccb &= (uint8_t)~CCB_AUX_DISABLED; break;
	case CMD_AUX_TEST:      put(k, 0x00); break;   /* interface OK, nothing on it */
	case CMD_SELF_TEST:     put(k, 0x55); break;
	case CMD_KBD_TEST:      put(k, 0x00); break;
	case CMD_KBD_DISABLE:   k->ccb |= CCB_KBD_DISABLED; break;
	case CMD_KBD_ENABLE:    k->ccb &= (uint8_t)~CCB_KBD_DISABLED; break;
	case CMD_READ_OUTPORT:  put(k, k->out_port); break;
	case CMD_WRITE_CCB: case CMD_WRITE_OUTPORT: case CMD_WRITE_KBD_OUT:
	case CMD_WRITE_AUX_OUT: case CMD_WRITE_AUX:
		k->pending_cmd = cmd;
		break;
	default:
		/* 0xF0-0xFF pulse output-port lines for 6 us; bit 0 is the
		 * CPU reset (0xFE pulses only that one). */
		if (cmd >= 0xF0 && !(cmd & OUTPORT_RESET))
			pulse_reset(k);
		break;
	}
}

static void data_write(struct i8042 *k, uint8_t v)
{
	uint8_t cmd = k->pending_cmd;

	k->pending_cmd = 0;
	switch (cmd) {
	case CMD_WRITE_CCB:
		k->ccb = v;
		k->status = (uint8_t)((k->status & ~ST_SYS) | (v & CCB_SYS));
		break;
	case CMD_WRITE_OUTPORT:
		k->out_port = v;
		if (!(v & OUTPORT_RESET))
			pulse_reset(k);
		break;
	case CMD_WRITE_KBD_OUT: case CMD_WRITE_AUX_OUT:
		put(k, v);         /* echoed as if it came from the device */
		break;
	default:
		/* A byte for the keyboard (or, after 0xD4, the mouse): nothing
		 * is attached, so it times out. */
		k->status |= ST_TIMEOUT;
		break;
	}
}

int i8042_pio(void *dev, uint16_t port, unsigned size, bool write, uint32_t *val)
{
	struct i8042 *k = dev;

	if (size != 1) {
		if (!write)
			*val = 0xffffffffu;
		return BUS_ERROR;
	}
	if (port == I8042_CMD_PORT) {
		if (write) {
			k->status |= ST_CMD;
			command(k, (uint8_t)*val);
		} else {
			*val = k->status;
		}
		return BUS_OK;
	}
	if (port != I8042_DATA_PORT)
		return BUS_UNCLAIMED;
	if (write) {
		k->status &= (uint8_t)~(ST_CMD | ST_TIMEOUT);
		data_write(k, (uint8_t)*val);
	} else {
		*val = k->obuf;
		k->status &= (uint8_t)~ST_OBF;
	}
	return BUS_OK;
}
