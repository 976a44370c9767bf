/* The per-VM device bus: port-I/O and MMIO regions, each owned by a device.
 * Exit handlers route guest accesses here; devices never see VMX. */
#ifndef VIREO_DEVICES_BUS_H
#define VIREO_DEVICES_BUS_H

#include <stdbool.h>
#include <stdint.h>

#define BUS_MAX_PIO  32
#define BUS_MAX_MMIO 8

/* Return codes of a device access and of bus dispatch. */
enum bus_result {
	BUS_OK = 0,
	BUS_UNCLAIMED = 1,   /* no device at this address */
	BUS_ERROR = -1,      /* device refused the access (bad size, ...) */
};

/* 'val' is read into on reads and read from on writes; 'size' is 1, 2, 4
 * (or 8 for MMIO). 'port'/'addr' is the absolute address. */
typedef int (*bus_pio_fn)(void *dev, uint16_t port, unsigned size, bool write,
			  uint32_t *val);
typedef int (*bus_mmio_fn)(void *dev, uint64_t addr, unsigned size, bool write,
			   uint64_t *val);

struct bus_pio_region {
	uint16_t base, len;
	bus_pio_fn access;
	void *dev;
	const char *name;
};

struct bus_mmio_region {
	uint64_t base, len;
	bus_mmio_fn access;
	void *dev;
	const char *name;
};

struct bus {
	struct bus_pio_region pio[BUS_MAX_PIO];
	struct bus_mmio_region mmio[BUS_MAX_MMIO];
	int npio, nmmio;
	uint8_t pio_index[65536];        /* port -> region + 1, 0 = none: one load
					  * per access instead of a search */
	uint64_t unclaimed_pio;          /* accesses to no device, counted */
	uint8_t unclaimed_seen[65536 / 8]; /* ports already logged once */
};

void bus_init(struct bus *bus);
/* Returns 0, or -1 when the table is full or the range overlaps another. */
int bus_add_pio(struct bus *bus, uint16_t base, uint16_t len, bus_pio_fn fn,
		void *dev, const char *name);
int bus_add_mmio(struct bus *bus, uint64_t base, uint64_t len, bus_mmio_fn fn,
		 void *dev, const char *name);
/* Unclaimed port reads return all-ones and writes are dropped; both count
 * in unclaimed_pio. *first_time is set when the port was not seen before. */
int bus_pio(struct bus *bus, uint16_t port, unsigned size, bool write,
	    uint32_t *val, bool *first_time);
/* BUS_UNCLAIMED when no MMIO region covers addr. */
int bus_mmio(struct bus *bus, uint64_t addr, unsigned size, bool write,
	     uint64_t *val);
const struct bus_mmio_region *bus_find_mmio(const struct bus *bus, uint64_t addr);

#endif
