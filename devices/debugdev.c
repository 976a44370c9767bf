/* Debug ports: Bochs/QEMU debugcon (0xE9) and QEMU isa-debug-exit. */
#include "devices/debugdev.h"
#include "devices/bus.h"
#include "lib/libc.h"

static uint32_t width_ones(unsigned size)
{
	return size >= 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1;
}

void debugcon_init(struct debugcon *d, void (*out)(void *opaque, uint8_t c),
		   void *opaque)
{
	d->out = out;
	d->opaque = opaque;
}

int debugcon_pio(void *dev, uint16_t port, unsigned size, bool write,
		 uint32_t *val)
{
	struct debugcon *d = dev;

	(void)port;
	if (write) {
		if (d->out != NULL)
			d->out(d->opaque, (uint8_t)*val);
		return BUS_OK;
	}
	/* 0xE9 in the low byte; the ports above are not ours and float. */
	*val = (width_ones(size) & ~0xFFu) | DEBUGCON_READBACK;
	return BUS_OK;
}

void debug_exit_init(struct debug_exit *d,
		     void (*exit)(void *opaque, uint32_t status), void *opaque)
{
	d->exit = exit;
	d->opaque = opaque;
}

int debug_exit_pio(void *dev, uint16_t port, unsigned size, bool write,
		   uint32_t *val)
{
	struct debug_exit *d = dev;

	(void)port;
	if (!write) {
		*val = width_ones(size);
		return BUS_OK;
	}
	/* QEMU's debug_exit_write: exit((val << 1) | 1), so status is always
	 * odd and a guest cannot fake a clean 0 exit. */
	if (d->exit != NULL)
		d->exit(d->opaque, (width_ones(size) & *val) << 1 | 1);
	return BUS_OK;
}
