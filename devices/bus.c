/* The per-VM device bus: a linear table of port-I/O and MMIO regions.
 *
 * Tables are tiny (tens of entries), so a linear scan is both the simplest
 * and fast enough; exits cost far more than the lookup. */
#include "devices/bus.h"
#include "lib/libc.h"

void bus_init(struct bus *bus)
{
	memset(bus, 0, sizeof(*bus));
}

/* [a, a+alen) and [b, b+blen) intersect; lengths are non-zero and the
 * ranges do not wrap (checked by the callers). */
static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b,
			   uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

int bus_add_pio(struct bus *bus, uint16_t base, uint16_t len, bus_pio_fn fn,
		void *dev, const char *name)
{
	if (bus->npio >= BUS_MAX_PIO || len == 0 || fn == NULL)
		return -1;
	/* The port space is 64 KiB; a region may end exactly at 0x10000. */
	if ((uint32_t)base + len > 0x10000u)
		return -1;
	for (int i = 0; i < bus->npio; i++) {
		const struct bus_pio_region *r = &bus->pio[i];

		if (ranges_overlap(base, len, r->base, r->len))
			return -1;
	}
	bus->pio[bus->npio++] = (struct bus_pio_region){
		.base = base, .len = len, .access = fn, .dev = dev,
		.name = name,
	};
	for (uint32_t p = base; p < (uint32_t)base + len; p++)
		bus->pio_index[p] = (uint8_t)bus->npio;
	return 0;
}

int bus_add_mmio(struct bus *bus, uint64_t base, uint64_t len, bus_mmio_fn fn,
		 void *dev, const char *name)
{
	if (bus->nmmio >= BUS_MAX_MMIO || len == 0 || fn == NULL)
		return -1;
	/* Reject ranges that wrap or end exactly at 2^64 (the end would not
	 * be representable and the overlap test below relies on it). */
	if (base + len <= base)
		return -1;
	for (int i = 0; i < bus->nmmio; i++) {
		const struct bus_mmio_region *r = &bus->mmio[i];

		if (ranges_overlap(base, len, r->base, r->len))
			return -1;
	}
	bus->mmio[bus->nmmio++] = (struct bus_mmio_region){
		.base = base, .len = len, .access = fn, .dev = dev,
		.name = name,
	};
	return 0;
}

static const struct bus_pio_region *bus_find_pio(const struct bus *bus,
						 uint16_t port)
{
	unsigned i = bus->pio_index[port];

	return i ? &bus->pio[i - 1] : NULL;
}

/* All-ones of the access width: what an ISA bus with nothing driving it
 * returns (pull-ups), and what guests probing for absent hardware expect. */
static uint32_t all_ones(unsigned size)
{
	switch (size) {
	case 1:
		return 0xFFu;
	case 2:
		return 0xFFFFu;
	default:
		return 0xFFFFFFFFu;
	}
}

int bus_pio(struct bus *bus, uint16_t port, unsigned size, bool write,
	    uint32_t *val, bool *first_time)
{
	/* An access that spans a region's end (e.g. a 4-byte IN at the last
	 * port of a device) is routed by its first port alone, like a real
	 * ISA bus decodes only the address phase. */
	const struct bus_pio_region *r = bus_find_pio(bus, port);

	if (first_time != NULL)
		*first_time = false;
	if (r != NULL)
		return r->access(r->dev, port, size, write, val);

	bus->unclaimed_pio++;
	if (!write)
		*val = all_ones(size);
	uint8_t bit = (uint8_t)(1u << (port & 7));
	if (!(bus->unclaimed_seen[port >> 3] & bit)) {
		bus->unclaimed_seen[port >> 3] |= bit;
		if (first_time != NULL)
			*first_time = true;
	}
	return BUS_UNCLAIMED;
}

const struct bus_mmio_region *bus_find_mmio(const struct bus *bus, uint64_t addr)
{
	for (int i = 0; i < bus->nmmio; i++) {
		const struct bus_mmio_region *r = &bus->mmio[i];

		if (addr >= r->base && addr - r->base < r->len)
			return r;
	}
	return NULL;
}

int bus_mmio(struct bus *bus, uint64_t addr, unsigned size, bool write,
	     uint64_t *val)
{
	const struct bus_mmio_region *r = bus_find_mmio(bus, addr);

	if (r == NULL) {
		/* Reads still get a defined value so a caller that chooses to
		 * complete the access (rather than fault) returns all-ones. */
		if (!write)
			*val = size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
		return BUS_UNCLAIMED;
	}
	return r->access(r->dev, addr, size, write, val);
}
