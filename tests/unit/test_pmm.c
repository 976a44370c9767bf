/* lib/pmm.c: extents, alignment, splitting, coalescing, exhaustion. */
/* UNIT-DEPS: lib/pmm.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/pmm.h"

#define PG PMM_PAGE_SIZE

/* The invariant every operation must keep: sorted, non-empty, aligned,
 * and no two extents touching. */
static void check_invariant(const struct pmm *p)
{
	for (int i = 0; i < p->n; i++) {
		assert_true(p->ext[i].base < p->ext[i].end);
		assert_int_equal(p->ext[i].base % PG, 0);
		assert_int_equal(p->ext[i].end % PG, 0);
		assert_true(p->ext[i].base != 0);
		if (i > 0)
			assert_true(p->ext[i - 1].end < p->ext[i].base);
	}
}

static void test_add_aligns_inward(void **state)
{
	(void)state;
	struct pmm p;

	pmm_init(&p);
	assert_int_equal(pmm_add(&p, 0x1001, 3 * PG), 0);
	/* [0x1001, 0x4001) -> [0x2000, 0x4000): two pages */
	assert_int_equal(pmm_free_pages(&p), 2);
	assert_int_equal(p.ext[0].base, 0x2000);
	assert_int_equal(pmm_add(&p, 0x10000, 100), 0); /* less than a page */
	assert_int_equal(pmm_free_pages(&p), 2);
	/* Page 0 is never handed out. */
	assert_int_equal(pmm_add(&p, 0, 2 * PG), 0);
	assert_int_equal(pmm_free_pages(&p), 3);
	assert_int_equal(pmm_alloc(&p, 1, 0), PG);
	check_invariant(&p);
}

static void test_add_merges(void **state)
{
	(void)state;
	struct pmm p;

	pmm_init(&p);
	pmm_add(&p, 0x100000, 0x10000);
	pmm_add(&p, 0x120000, 0x10000);
	assert_int_equal(p.n, 2);
	pmm_add(&p, 0x110000, 0x10000); /* fills the gap exactly */
	assert_int_equal(p.n, 1);
	pmm_add(&p, 0x0f8000, 0x40000); /* overlaps */
	assert_int_equal(p.n, 1);
	assert_int_equal(p.ext[0].base, 0x0f8000);
	assert_int_equal(p.ext[0].end, 0x138000);
	check_invariant(&p);
}

static void test_alignment(void **state)
{
	(void)state;
	struct pmm p;

	pmm_init(&p);
	pmm_add(&p, 0x101000, 0x800000);
	uint64_t a = pmm_alloc(&p, 1, 0x200000);
	assert_int_equal(a, 0x200000);
	/* The gap below stays free. */
	assert_int_equal(pmm_free_pages(&p), 0x800 - 1);
	assert_int_equal(p.n, 2);
	uint64_t b = pmm_alloc(&p, 1, 0);
	assert_int_equal(b, 0x101000);
	assert_int_equal(pmm_alloc(&p, 1, 3 * PG), 0); /* not a power of two */
	check_invariant(&p);
}

static void test_reserve_middle(void **state)
{
	(void)state;
	struct pmm p;

	pmm_init(&p);
	pmm_add(&p, 0, 0x1000000); /* 16 MiB, page 0 dropped */
	pmm_reserve(&p, 0, 0x100000); /* low 1 MiB */
	pmm_reserve(&p, 0x200800, 0x1000); /* unaligned: widens to 2 pages */
	assert_int_equal(p.n, 2);
	assert_int_equal(p.ext[0].base, 0x100000);
	assert_int_equal(p.ext[0].end, 0x200000);
	assert_int_equal(p.ext[1].base, 0x202000);
	assert_int_equal(pmm_free_pages(&p), (0x1000000 - 0x100000) / PG - 2);
	/* Reserving across an extent boundary and over free space. */
	pmm_reserve(&p, 0x1ff000, 0x4000);
	assert_int_equal(p.ext[0].end, 0x1ff000);
	assert_int_equal(p.ext[1].base, 0x203000);
	/* Reserving what is not free is a no-op. */
	uint64_t before = pmm_free_pages(&p);
	pmm_reserve(&p, 0x2000000, 0x100000);
	assert_int_equal(pmm_free_pages(&p), before);
	check_invariant(&p);
}

static void test_coalescing_free(void **state)
{
	(void)state;
	struct pmm p;
	uint64_t a[8];

	pmm_init(&p);
	pmm_add(&p, 0x100000, 8 * PG);
	for (int i = 0; i < 8; i++) {
		a[i] = pmm_alloc(&p, 1, 0);
		assert_int_equal(a[i], 0x100000 + (uint64_t)i * PG);
	}
	assert_int_equal(p.n, 0);
	/* Free in an order that exercises merge left, right, and both. */
	int order[8] = { 1, 3, 5, 7, 2, 6, 0, 4 };
	for (int i = 0; i < 8; i++) {
		pmm_free(&p, a[order[i]], 1);
		check_invariant(&p);
	}
	assert_int_equal(p.n, 1);
	assert_int_equal(pmm_free_pages(&p), 8);
	assert_int_equal(pmm_alloc(&p, 8, 0), 0x100000);
}

static void test_exhaustion(void **state)
{
	(void)state;
	struct pmm p;

	pmm_init(&p);
	pmm_add(&p, 0x100000, 4 * PG);
	pmm_add(&p, 0x200000, 4 * PG);
	assert_int_equal(pmm_alloc(&p, 5, 0), 0); /* no extent is big enough */
	assert_int_equal(pmm_alloc(&p, 4, 0), 0x100000);
	assert_int_equal(pmm_alloc(&p, 4, 0), 0x200000);
	assert_int_equal(pmm_alloc(&p, 1, 0), 0);
	assert_int_equal(pmm_free_pages(&p), 0);
	assert_int_equal(pmm_alloc(&p, 0, 0), 0);
	pmm_free(&p, 0x200000, 4);
	assert_int_equal(pmm_alloc(&p, 2, 0), 0x200000);
}

static void test_table_full(void **state)
{
	(void)state;
	struct pmm p;

	pmm_init(&p);
	for (int i = 0; i < PMM_MAX_EXTENTS; i++)
		assert_int_equal(pmm_add(&p, 0x100000 + (uint64_t)i * 2 * PG, PG), 0);
	assert_int_equal(pmm_add(&p, 0x10000000, PG), -1);
	/* A split that needs a new slot fails cleanly. */
	pmm_init(&p);
	pmm_add(&p, 0x100000, 0x100000);
	for (int i = 1; i < PMM_MAX_EXTENTS; i++)
		assert_int_equal(pmm_add(&p, 0x10000000 + (uint64_t)i * 2 * PG, PG), 0);
	assert_int_equal(pmm_reserve(&p, 0x180000, PG), -1);
	assert_int_equal(p.n, PMM_MAX_EXTENTS);
	/* Cutting the head of an extent needs no slot, so it still works. */
	assert_int_equal(pmm_alloc(&p, 1, 0), 0x100000);
	check_invariant(&p);
}

/* What a VM's creation does to the allocator, and its refusal half-way
 * (core/vm.c): guest RAM as one 2 MiB-aligned block, then single pages
 * (vCPUs, EPT tables), all freed in another order. Every page comes back
 * and the free set is one extent again, so a later VM gets the same RAM. */
static void test_vm_refused_half_way(void **state)
{
	struct pmm p;
	uint64_t before, ram, pages[40], ram2;

	(void)state;
	pmm_init(&p);
	assert_int_equal(pmm_add(&p, 0x100000 + 3 * PG, 64ULL << 20), 0);
	before = pmm_free_pages(&p);
	pages[0] = pmm_alloc(&p, 1, 0);		/* the struct vm */
	ram = pmm_alloc(&p, (16ULL << 20) / PG, 2ULL << 20);
	assert_int_equal(ram % (2ULL << 20), 0);
	assert_true(ram > pages[0]);		/* the alignment gap stays free */
	for (int i = 1; i < 40; i++) {
		pages[i] = pmm_alloc(&p, 1 + (i % 3), 0);
		assert_true(pages[i] != 0);
	}
	check_invariant(&p);
	/* Refused: free from the last allocation back, the RAM in between. */
	for (int i = 39; i >= 20; i--)
		pmm_free(&p, pages[i], 1 + (i % 3));
	pmm_free(&p, ram, (16ULL << 20) / PG);
	for (int i = 1; i < 20; i++)
		pmm_free(&p, pages[i], 1 + (i % 3));
	pmm_free(&p, pages[0], 1);
	check_invariant(&p);
	assert_int_equal(pmm_free_pages(&p), before);
	assert_int_equal(p.n, 1);
	/* The next VM gets the same RAM block. */
	pages[0] = pmm_alloc(&p, 1, 0);
	ram2 = pmm_alloc(&p, (16ULL << 20) / PG, 2ULL << 20);
	assert_int_equal(ram2, ram);
}

/* Sizes no machine has (a VM of 2^40 bytes, page counts that overflow a
 * byte size) fail cleanly and take nothing. */
static void test_absurd_sizes(void **state)
{
	struct pmm p;
	uint64_t before;

	(void)state;
	pmm_init(&p);
	assert_int_equal(pmm_add(&p, 0x100000, 64ULL << 20), 0);
	before = pmm_free_pages(&p);
	assert_int_equal(pmm_alloc(&p, (1ULL << 40) / PG, 2ULL << 20), 0);
	assert_int_equal(pmm_alloc(&p, UINT64_MAX / PG + 1, 0), 0);
	assert_int_equal(pmm_alloc(&p, UINT64_MAX, 0), 0);
	assert_int_equal(pmm_alloc(&p, 0, 0), 0);
	assert_int_equal(pmm_alloc(&p, 1, 3 * PG), 0);	/* not a power of two */
	assert_int_equal(pmm_alloc(&p, 1, 1ULL << 63), 0);
	assert_int_equal(pmm_free_pages(&p), before);
	assert_int_equal(p.n, 1);
	/* Exactly all of it still works. */
	assert_int_equal(pmm_alloc(&p, before, 0), 0x100000);
	assert_int_equal(pmm_free_pages(&p), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_aligns_inward),
		cmocka_unit_test(test_add_merges),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_reserve_middle),
		cmocka_unit_test(test_coalescing_free),
		cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_table_full),
		cmocka_unit_test(test_vm_refused_half_way),
		cmocka_unit_test(test_absurd_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
