/* The isolation scan's own page tables: mappings of any guest-physical
 * address (up to and beyond MAXPHYADDR) at linear addresses outside the
 * runtime's identity map of 0-4 GiB, with 4 KiB, 2 MiB or 1 GiB pages. */
#include "isoscan.h"

#define POOL_PAGES 24
static uint64_t pool[POOL_PAGES][512] __attribute__((aligned(4096)));
static unsigned pool_used;

static uint64_t *new_table(void)
{
	if (pool_used == POOL_PAGES)
		return NULL;
	return pool[pool_used++];   /* .bss: already zero */
}

unsigned iso_maxphyaddr(void)
{
	uint32_t a;

	cpuid(0x80000000, 0, &a, NULL, NULL, NULL);
	if (a < 0x80000008)
		return 36;
	cpuid(0x80000008, 0, &a, NULL, NULL, NULL);
	return a & 0xff;
}

int iso_has_1g_pages(void)
{
	uint32_t d;

	cpuid(0x80000001, 0, NULL, NULL, NULL, &d);
	return (d >> 26) & 1;
}

/* The table the entry at 'e' points to, made if absent; NULL if the entry
 * is a large page. */
static uint64_t *next_table(uint64_t *e)
{
	uint64_t *t;

	if (*e & PTE_P)
		return (*e & PTE_PS) ? NULL : (uint64_t *)(uintptr_t)(*e & 0x000ffffffffff000ULL);
	t = new_table();
	if (t)
		*e = (uint64_t)(uintptr_t)t | PTE_P | PTE_W;
	return t;
}

int iso_map(uint64_t la, uint64_t pa, uint64_t size)
{
	uint64_t *t = (uint64_t *)(uintptr_t)(read_cr3() & ~0xfffULL);
	unsigned leaf_level = size == (1ULL << 30) ? 3 : size == (1ULL << 21) ? 2 : 1;

	if ((la >> 39 & 0x1ff) == 0)
		return -1;          /* the runtime's identity map */
	for (unsigned level = 4; level > leaf_level; level--) {
		t = next_table(&t[(la >> (12 + 9 * (level - 1))) & 0x1ff]);
		if (!t)
			return -1;
	}
	t[(la >> (12 + 9 * (leaf_level - 1))) & 0x1ff] =
		pa | PTE_P | PTE_W | (leaf_level > 1 ? PTE_PS : 0);
	invlpg((unsigned long)la);
	return 0;
}
