/* Guest RAM for the loader targets (fuzz_linux, fuzz_multiboot): a heap
 * block of exactly the chosen size (ASan catches a write past it), filled
 * with FILL before each run, and the spans the loader was allowed to
 * write, so that everything else can be checked untouched afterwards.
 * The including target defines RAM_SIZES (how many sizes it uses) and
 * MAX_SPANS before including this. */
#ifndef VIREO_TESTS_FUZZ_GUEST_RAM_H
#define VIREO_TESTS_FUZZ_GUEST_RAM_H

#include "tests/fuzz/fuzz.h"
#include "loaders/guest_mem.h"

#define FILL 0xCC

static struct guest_mem gm;

/* One heap block per size, kept for every run (a fresh block a run costs
 * a page fault a page). */
static uint8_t *ram_of_size(unsigned i, uint64_t size)
{
	static uint8_t *ram[RAM_SIZES];

	if (!ram[i] && !(ram[i] = malloc(size)))
		abort();
	return ram[i];
}

/* Ranges the loader was allowed to write. */
struct span { uint64_t lo, hi; };
static struct span spans[MAX_SPANS];
static unsigned nspans;

static void allow(uint64_t lo, uint64_t hi)
{
	spans[nspans++] = (struct span){ lo, hi };
}

/* [a, a + n) lies in one allowed span. */
static bool allowed(uint64_t a, uint64_t n)
{
	for (unsigned i = 0; i < nspans; i++)
		if (a >= spans[i].lo && a + n <= spans[i].hi)
			return true;
	return false;
}

/* Every byte outside the allowed spans, and every byte of the legacy
 * hole, still holds FILL (a page at a time, byte by byte only where a
 * page differs). */
static void check_untouched(const char *what)
{
	static uint8_t fill[4096];

	if (!fill[0])
		memset(fill, FILL, sizeof(fill));
	for (uint64_t p = 0; p < gm.size; p += sizeof(fill)) {
		uint64_t n = gm.size - p < sizeof(fill) ? gm.size - p : sizeof(fill);

		if ((allowed(p, n) && !gmem_in_hole(p, n)) || memcmp(gm.base + p, fill, n) == 0)
			continue;
		for (uint64_t a = p; a < p + n; a++)
			if (gm.base[a] != FILL)
				FUZZ_CHECK(allowed(a, 1) && !gmem_in_hole(a, 1),
					   "%s wrote guest byte %#llx", what, (unsigned long long)a);
	}
}

#endif
