/* UNIT-DEPS: arch/x86/ept/ept.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/libc.h"
#include "arch/x86/ept/ept.h"

/* Fake physical memory for table pages: page i lives at PHYS_BASE + i*4K. */
#define POOL_PAGES 64
#define PHYS_BASE  0x10000000ull

struct pool {
	uint64_t pages[POOL_PAGES][512];
	bool used[POOL_PAGES];
	int in_use;
	int allocs;
	int limit; /* allocations allowed before "out of memory"; -1 = no limit */
	int bad_frees;
};

static uint64_t pool_alloc(void *ctx)
{
	struct pool *p = ctx;

	if (p->limit >= 0 && p->allocs >= p->limit)
		return 0;
	for (int i = 0; i < POOL_PAGES; i++) {
		if (!p->used[i]) {
			p->used[i] = true;
			memset(p->pages[i], 0, sizeof(p->pages[i]));
			p->in_use++;
			p->allocs++;
			return PHYS_BASE + (uint64_t)i * 4096;
		}
	}
	return 0;
}

static int pool_index(uint64_t pa)
{
	if (pa < PHYS_BASE || pa >= PHYS_BASE + POOL_PAGES * 4096ull || (pa & 0xfff))
		return -1;
	return (int)((pa - PHYS_BASE) / 4096);
}

static void pool_free(void *ctx, uint64_t pa)
{
	struct pool *p = ctx;
	int i = pool_index(pa);

	if (i < 0 || !p->used[i]) {
		p->bad_frees++;
		return;
	}
	memset(p->pages[i], 0xa5, sizeof(p->pages[i])); /* catch use after free */
	p->used[i] = false;
	p->in_use--;
}

static void *pool_virt(void *ctx, uint64_t pa)
{
	struct pool *p = ctx;
	int i = pool_index(pa);

	assert_true(i >= 0 && p->used[i]);
	return p->pages[i];
}

struct fixture {
	struct pool pool;
	struct ept ept;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ept_ops ops = { &f->pool, pool_alloc, pool_free, pool_virt };

	f->pool.limit = -1;
	if (ept_init(&f->ept, &ops, true, true))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ept_destroy(&f->ept);
	assert_int_equal(f->pool.in_use, 0);
	assert_int_equal(f->pool.bad_frees, 0);
	free(f);
	return 0;
}

static void expect_map(struct ept *e, uint64_t gpa, uint64_t hpa, unsigned perms, unsigned level)
{
	uint64_t h = 0;
	unsigned p = 0, l = 0;

	assert_int_equal(ept_lookup(e, gpa, &h, &p, &l), 0);
	assert_int_equal(h, hpa);
	assert_int_equal(p, perms);
	assert_int_equal(l, level);
}

static void expect_unmapped(struct ept *e, uint64_t gpa)
{
	assert_int_equal(ept_lookup(e, gpa, NULL, NULL, NULL), -1);
}

/* [1G-8K, 3G+2M+8K) at hpa 5G-8K: 4K pages to the 1G boundary, then a 1G
 * page, ... Offsets gpa-hpa are equal mod 1G so large pages fit. */
static void test_map_mixed_alignment(void **state)
{
	struct fixture *f = *state;
	struct ept *e = &f->ept;
	uint64_t gpa = GiB(1) - KiB(8), hpa = GiB(5) - KiB(8);
	uint64_t size = GiB(2) + MiB(2) + KiB(16);

	assert_int_equal(ept_map(e, gpa, hpa, size, EPT_RWX, EPT_MT_WB), 0);
	expect_map(e, gpa, hpa, EPT_RWX, EPT_LEVEL_4K);
	expect_map(e, gpa + KiB(4) + 0x123, hpa + KiB(4) + 0x123, EPT_RWX, EPT_LEVEL_4K);
	expect_map(e, GiB(1), GiB(5), EPT_RWX, EPT_LEVEL_1G);
	expect_map(e, GiB(2) + 0x12345, GiB(6) + 0x12345, EPT_RWX, EPT_LEVEL_1G);
	expect_map(e, GiB(3), GiB(7), EPT_RWX, EPT_LEVEL_2M);
	expect_map(e, GiB(3) + MiB(2), GiB(7) + MiB(2), EPT_RWX, EPT_LEVEL_4K);
	expect_map(e, GiB(3) + MiB(2) + KiB(4), GiB(7) + MiB(2) + KiB(4), EPT_RWX, EPT_LEVEL_4K);
	expect_unmapped(e, GiB(3) + MiB(2) + KiB(8));
	expect_unmapped(e, gpa - KiB(4));
	expect_unmapped(e, 0);
	/* Tables: PML4, PDPT, PD+PT below 1G, PD+PT at 3G. */
	assert_int_equal(f->pool.in_use, 6);
}

/* hpa misaligned relative to gpa: 2M-aligned gpa but 4K-aligned hpa
 * forces 4K pages. */
static void test_map_misaligned_hpa(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(ept_map(&f->ept, MiB(2), MiB(2) + KiB(4), MiB(2), EPT_READ, EPT_MT_UC), 0);
	expect_map(&f->ept, MiB(2), MiB(2) + KiB(4), EPT_READ, EPT_LEVEL_4K);
	expect_map(&f->ept, MiB(4) - KiB(4), MiB(4), EPT_READ, EPT_LEVEL_4K);
}

static void test_memtype_bits(void **state)
{
	struct fixture *f = *state;
	uint64_t *pdpt, *pd, *pt;
	uint64_t *pml4 = pool_virt(&f->pool, f->ept.pml4_pa);

	assert_int_equal(ept_map(&f->ept, 0, 0, MiB(2), EPT_RWX, EPT_MT_WB | EPT_MT_IGNORE_PAT), 0);
	assert_int_equal(ept_map(&f->ept, MiB(2), 0xfee00000, KiB(4), EPT_READ | EPT_WRITE,
				 EPT_MT_UC), 0);
	/* non-leaf entries: address | RWX */
	assert_int_equal(pml4[0] & 0xfff, 7);
	pdpt = pool_virt(&f->pool, pml4[0] & EPT_E_ADDR_MASK);
	assert_int_equal(pdpt[0] & 0xfff, 7);
	pd = pool_virt(&f->pool, pdpt[0] & EPT_E_ADDR_MASK);
	/* 2M leaf: WB (6 << 3), ignore PAT, large, RWX */
	assert_int_equal(pd[0], (6u << 3) | EPT_E_IGNORE_PAT | EPT_E_LARGE | 7);
	pt = pool_virt(&f->pool, pd[1] & EPT_E_ADDR_MASK);
	assert_int_equal(pt[0], 0xfee00000ull | 3);
}

static void test_map_errors(void **state)
{
	struct fixture *f = *state;
	struct ept *e = &f->ept;

	assert_int_equal(ept_map(e, 0x800, 0, KiB(4), EPT_RWX, EPT_MT_WB), EPT_EINVAL);
	assert_int_equal(ept_map(e, 0, 0x800, KiB(4), EPT_RWX, EPT_MT_WB), EPT_EINVAL);
	assert_int_equal(ept_map(e, 0, 0, 0x800, EPT_RWX, EPT_MT_WB), EPT_EINVAL);
	assert_int_equal(ept_map(e, 0, 0, 0, EPT_RWX, EPT_MT_WB), EPT_EINVAL);
	assert_int_equal(ept_map(e, 0, 0, KiB(4), EPT_WRITE, EPT_MT_WB), EPT_EINVAL);
	assert_int_equal(ept_map(e, 0, 0, KiB(4), 0, EPT_MT_WB), EPT_EINVAL);
	assert_int_equal(ept_map(e, 0, 0, KiB(4), 8, EPT_MT_WB), EPT_EINVAL);
	assert_int_equal(ept_map(e, 0, 0, KiB(4), EPT_RWX, 2), EPT_EINVAL);
	assert_int_equal(ept_map(e, 0, 0, KiB(4), EPT_RWX, 7), EPT_EINVAL);
	assert_int_equal(ept_map(e, (1ull << 48) - KiB(4), 0, KiB(8), EPT_RWX, EPT_MT_WB),
			 EPT_EINVAL);
	assert_int_equal(ept_map(e, KiB(4), 0, ~0xfffull, EPT_RWX, EPT_MT_WB), EPT_EINVAL);
	assert_int_equal(ept_map(e, 0, 1ull << 52, KiB(4), EPT_RWX, EPT_MT_WB), EPT_EINVAL);
	/* execute-only is legal (needs the CPU's execute-only capability) */
	assert_int_equal(ept_map(e, 0, 0, KiB(4), EPT_EXEC, EPT_MT_WB), 0);
	/* overlapping an existing mapping, even partly */
	assert_int_equal(ept_map(e, 0, 0, KiB(4), EPT_RWX, EPT_MT_WB), EPT_EEXIST);
	assert_int_equal(ept_map(e, 0, 0, MiB(2), EPT_RWX, EPT_MT_WB), EPT_EEXIST);
	expect_map(e, 0, 0, EPT_EXEC, EPT_LEVEL_4K);
	assert_int_equal(ept_unmap(e, 0x10, KiB(4)), EPT_EINVAL);
	assert_int_equal(ept_protect(e, 0, KiB(4), EPT_WRITE), EPT_EINVAL);
}

static void test_unmap_split_2m(void **state)
{
	struct fixture *f = *state;
	struct ept *e = &f->ept;

	assert_int_equal(ept_map(e, MiB(4), GiB(1) + MiB(4), MiB(2), EPT_RWX, EPT_MT_WB), 0);
	expect_map(e, MiB(4), GiB(1) + MiB(4), EPT_RWX, EPT_LEVEL_2M);
	/* punch one 4K page out of the middle */
	assert_int_equal(ept_unmap(e, MiB(5), KiB(4)), 0);
	expect_unmapped(e, MiB(5));
	expect_unmapped(e, MiB(5) + 0xfff);
	expect_map(e, MiB(4), GiB(1) + MiB(4), EPT_RWX, EPT_LEVEL_4K);
	expect_map(e, MiB(5) - KiB(4), GiB(1) + MiB(5) - KiB(4), EPT_RWX, EPT_LEVEL_4K);
	expect_map(e, MiB(5) + KiB(4), GiB(1) + MiB(5) + KiB(4), EPT_RWX, EPT_LEVEL_4K);
	expect_map(e, MiB(6) - KiB(4), GiB(1) + MiB(6) - KiB(4), EPT_RWX, EPT_LEVEL_4K);
	/* unmapping the rest frees the PT, the PD and the PDPT */
	assert_int_equal(ept_unmap(e, MiB(4), MiB(2)), 0);
	expect_unmapped(e, MiB(4));
	assert_int_equal(f->pool.in_use, 1);
	/* unmapping nothing is fine */
	assert_int_equal(ept_unmap(e, 0, GiB(4)), 0);
}

static void test_unmap_split_1g(void **state)
{
	struct fixture *f = *state;
	struct ept *e = &f->ept;
	uint64_t hole = GiB(1) + MiB(6) + KiB(8);

	assert_int_equal(ept_map(e, GiB(1), GiB(9), GiB(1), EPT_READ | EPT_WRITE, EPT_MT_WB), 0);
	expect_map(e, GiB(1), GiB(9), EPT_READ | EPT_WRITE, EPT_LEVEL_1G);
	assert_int_equal(ept_unmap(e, hole, KiB(4)), 0);
	expect_unmapped(e, hole);
	/* 1G -> 2M pages, the 2M holding the hole -> 4K pages */
	expect_map(e, GiB(1), GiB(9), EPT_READ | EPT_WRITE, EPT_LEVEL_2M);
	expect_map(e, GiB(2) - MiB(2) + 5, GiB(10) - MiB(2) + 5, EPT_READ | EPT_WRITE,
		   EPT_LEVEL_2M);
	expect_map(e, GiB(1) + MiB(6), GiB(9) + MiB(6), EPT_READ | EPT_WRITE, EPT_LEVEL_4K);
	expect_map(e, hole - KiB(4), GiB(9) + MiB(6) + KiB(4), EPT_READ | EPT_WRITE,
		   EPT_LEVEL_4K);
	expect_map(e, hole + KiB(4), GiB(9) + MiB(6) + KiB(12), EPT_READ | EPT_WRITE,
		   EPT_LEVEL_4K);
	expect_map(e, GiB(1) + MiB(8), GiB(9) + MiB(8), EPT_READ | EPT_WRITE, EPT_LEVEL_2M);
	/* attributes survive the split */
	{
		uint64_t *pml4 = pool_virt(&f->pool, f->ept.pml4_pa);
		uint64_t *pdpt = pool_virt(&f->pool, pml4[0] & EPT_E_ADDR_MASK);
		uint64_t *pd = pool_virt(&f->pool, pdpt[1] & EPT_E_ADDR_MASK);

		assert_int_equal(pd[4], (GiB(9) + MiB(8)) | (6u << 3) | EPT_E_LARGE | 3);
	}
}

static void test_protect(void **state)
{
	struct fixture *f = *state;
	struct ept *e = &f->ept;

	assert_int_equal(ept_map(e, 0, 0, GiB(1), EPT_RWX, EPT_MT_WB), 0);
	expect_map(e, 0, 0, EPT_RWX, EPT_LEVEL_1G);
	/* read-only [2M+4K, 4M): splits 1G and the first 2M page */
	assert_int_equal(ept_protect(e, MiB(2) + KiB(4), MiB(2) - KiB(4), EPT_READ), 0);
	expect_map(e, MiB(2), MiB(2), EPT_RWX, EPT_LEVEL_4K);
	expect_map(e, MiB(2) + KiB(4), MiB(2) + KiB(4), EPT_READ, EPT_LEVEL_4K);
	expect_map(e, MiB(4) - KiB(4), MiB(4) - KiB(4), EPT_READ, EPT_LEVEL_4K);
	expect_map(e, MiB(4), MiB(4), EPT_RWX, EPT_LEVEL_2M);
	expect_map(e, 0, 0, EPT_RWX, EPT_LEVEL_2M);
	/* a whole 2M page changes in place */
	assert_int_equal(ept_protect(e, MiB(4), MiB(2), EPT_READ | EPT_EXEC), 0);
	expect_map(e, MiB(4) + 0x100, MiB(4) + 0x100, EPT_READ | EPT_EXEC, EPT_LEVEL_2M);
	/* protect over an unmapped page: refused, nothing changed */
	assert_int_equal(ept_unmap(e, MiB(8), KiB(4)), 0);
	assert_int_equal(ept_protect(e, MiB(6), MiB(4), EPT_READ), EPT_ENOENT);
	expect_map(e, MiB(6), MiB(6), EPT_RWX, EPT_LEVEL_2M);
	assert_int_equal(ept_protect(e, GiB(1), KiB(4), EPT_READ), EPT_ENOENT);
	assert_int_equal(ept_protect(e, 0, KiB(4), 0), EPT_EINVAL);
}

static void test_out_of_memory(void **state)
{
	struct fixture *f = *state;
	struct ept *e = &f->ept;
	int base = f->pool.in_use;

	/* a 4K mapping needs PDPT, PD, PT: fail on each of them */
	for (int allowed = 0; allowed < 3; allowed++) {
		f->pool.limit = f->pool.allocs + allowed;
		assert_int_equal(ept_map(e, GiB(3), 0, KiB(4), EPT_RWX, EPT_MT_WB), EPT_ENOMEM);
		expect_unmapped(e, GiB(3));
		assert_int_equal(f->pool.in_use, base); /* rolled back, tables freed */
	}
	/* partial progress rolled back: first 2M maps, the 4K tail fails */
	f->pool.limit = f->pool.allocs + 2;
	assert_int_equal(ept_map(e, 0, 0, MiB(2) + KiB(4), EPT_RWX, EPT_MT_WB), EPT_ENOMEM);
	expect_unmapped(e, 0);
	assert_int_equal(f->pool.in_use, base);
	f->pool.limit = -1;
	assert_int_equal(ept_map(e, 0, 0, MiB(2), EPT_RWX, EPT_MT_WB), 0);
	/* splitting needs a page */
	f->pool.limit = f->pool.allocs;
	assert_int_equal(ept_unmap(e, 0, KiB(4)), EPT_ENOMEM);
	expect_map(e, 0, 0, EPT_RWX, EPT_LEVEL_2M);
	assert_int_equal(ept_protect(e, 0, KiB(4), EPT_READ), EPT_ENOMEM);
	expect_map(e, 0, 0, EPT_RWX, EPT_LEVEL_2M);
	f->pool.limit = -1;
}

static void test_init_oom_and_flags(void **state)
{
	struct pool *p = calloc(1, sizeof(*p));
	struct ept_ops ops = { p, pool_alloc, pool_free, pool_virt };
	struct ept e;

	(void)state;
	p->limit = 0;
	assert_int_equal(ept_init(&e, &ops, true, true), EPT_ENOMEM);
	p->limit = -1;
	/* no large pages at all: a 1G range becomes 4K pages */
	assert_int_equal(ept_init(&e, &ops, false, true), 0);
	assert_false(e.allow_1g);
	assert_int_equal(ept_map(&e, 0, 0, MiB(2), EPT_RWX, EPT_MT_WB), 0);
	expect_map(&e, MiB(1), MiB(1), EPT_RWX, EPT_LEVEL_4K);
	ept_destroy(&e);
	assert_int_equal(p->in_use, 0);
	/* 2M allowed, 1G not */
	assert_int_equal(ept_init(&e, &ops, true, false), 0);
	assert_int_equal(ept_map(&e, 0, 0, GiB(1), EPT_RWX, EPT_MT_WB), 0);
	expect_map(&e, GiB(1) - 1, GiB(1) - 1, EPT_RWX, EPT_LEVEL_2M);
	ept_destroy(&e);
	assert_int_equal(p->in_use, 0);
	assert_int_equal(p->bad_frees, 0);
	free(p);
}

static void test_eptp(void **state)
{
	struct fixture *f = *state;
	uint64_t eptp = ept_eptp(&f->ept, false);

	assert_int_equal(eptp & EPT_E_ADDR_MASK, f->ept.pml4_pa);
	assert_int_equal(eptp & 7, 6);          /* WB */
	assert_int_equal((eptp >> 3) & 7, 3);   /* 4-level walk */
	assert_int_equal(eptp & (1 << 6), 0);
	assert_int_equal(ept_eptp(&f->ept, true), eptp | (1 << 6));
	assert_int_equal(eptp & 0xf80, 0);
}

static void test_destroy_frees_all(void **state)
{
	struct fixture *f = *state;
	struct ept *e = &f->ept;

	assert_int_equal(ept_map(e, 0, 0, GiB(1) + MiB(2) + KiB(4), EPT_RWX, EPT_MT_WB), 0);
	assert_int_equal(ept_map(e, 1ull << 40, 0, KiB(4), EPT_RWX, EPT_MT_WB), 0);
	assert_int_equal(ept_unmap(e, MiB(1), KiB(4)), 0);
	assert_true(f->pool.in_use > 5);
	/* teardown checks that destroy returns every page */
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_map_mixed_alignment),
		T(test_map_misaligned_hpa),
		T(test_memtype_bits),
		T(test_map_errors),
		T(test_unmap_split_2m),
		T(test_unmap_split_1g),
		T(test_protect),
		T(test_out_of_memory),
		cmocka_unit_test(test_init_oom_and_flags),
		T(test_eptp),
		T(test_destroy_frees_all),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
