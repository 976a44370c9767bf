/* Guest page-table walker: tables built in a host buffer that stands in
 * for guest-physical memory at GPA 0.
 * UNIT-DEPS: arch/x86/emulate/pagewalk.c */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "arch/x86/emulate/pagewalk.h"

#define MEM_SIZE 0x20000
#define P   BIT(0)
#define RW  BIT(1)
#define US  BIT(2)
#define PS  BIT(7)
#define XD  BIT(63)
#define CR0_PG BIT(31)
#define CR0_WP BIT(16)
#define CR4_PSE BIT(4)
#define CR4_PAE BIT(5)
#define CR4_LA57 BIT(12)
#define CR4_SMEP BIT(20)
#define EFER_LME BIT(8)
#define EFER_LMA BIT(10)
#define EFER_NXE BIT(11)
#define W X86_ACC_WRITE
#define U X86_ACC_USER
#define X X86_ACC_FETCH

static uint8_t mem[MEM_SIZE];

static int rd(void *ctx, uint64_t gpa, void *buf, unsigned size)
{
	(void)ctx;
	if (gpa >= MEM_SIZE || size > MEM_SIZE - gpa)
		return -1;
	memcpy(buf, &mem[gpa], size);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	memset(mem, 0, sizeof(mem));
	return 0;
}

static void e64(uint64_t table, unsigned idx, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		mem[table + idx * 8 + i] = (uint8_t)(v >> (8 * i));
}

static void e32(uint64_t table, unsigned idx, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		mem[table + idx * 4 + i] = (uint8_t)(v >> (8 * i));
}

/* Walk and return the gpa, or ~0 with *rc set on failure. */
static int walk(const struct x86_paging *pg, uint64_t la, unsigned acc,
		uint64_t *gpa)
{
	*gpa = ~0ULL;
	return x86_walk(pg, la, acc, rd, NULL, gpa);
}

static void expect(const struct x86_paging *pg, uint64_t la, unsigned acc,
		   uint64_t want)
{
	uint64_t gpa;

	assert_int_equal(walk(pg, la, acc, &gpa), 0);
	assert_int_equal(gpa, want);
}

static void expect_fail(const struct x86_paging *pg, uint64_t la,
			unsigned acc, int rc)
{
	uint64_t gpa;

	assert_int_equal(walk(pg, la, acc, &gpa), rc);
}

static void test_paging_off(void **state)
{
	struct x86_paging pg = { 0 };

	(void)state;
	expect(&pg, 0x12345678, W | U | X, 0x12345678);
	expect(&pg, 0x100001000ULL, 0, 0x1000);
	assert_int_equal(x86_walk(NULL, 0, 0, rd, NULL, &(uint64_t){ 0 }), X86_WALK_EINVAL);
}

static void test_32bit(void **state)
{
	struct x86_paging pg = { CR0_PG, 0x1000, 0, 0, 0 };

	(void)state;
	e32(0x1000, 1, 0x2000 | P | RW | US);		/* 0x00400000 */
	e32(0x2000, 3, 0x5000 | P | RW | US);
	e32(0x2000, 4, 0x6000 | P | US);		/* read-only */
	e32(0x1000, 2, 0x00c00000 | PS | P);		/* 4M, supervisor RO */
	e32(0x1000, 3, 0x00400000 | (1u << 13) | PS | P | RW | US);	/* PSE-36 */
	e32(0x1000, 4, 0x00400000 | (1u << 21) | PS | P);	/* reserved */

	expect(&pg, 0x00403abc, W | U, 0x5abc);
	expect(&pg, 0x00404010, U, 0x6010);
	expect_fail(&pg, 0x00404010, U | W, X86_WALK_EPROT);
	expect(&pg, 0x00404010, W, 0x6010);		/* WP=0 */
	expect_fail(&pg, 0x00405000, 0, X86_WALK_ENOTPRESENT);
	expect_fail(&pg, 0x00000000, 0, X86_WALK_ENOTPRESENT);

	/* without CR4.PSE the PS bit is ignored: 0xc00000 is a table
	 * outside guest memory, so the read fails */
	expect_fail(&pg, 0x00812345, 0, X86_WALK_EREAD);
	pg.cr4 = CR4_PSE;
	expect(&pg, 0x00812345, 0, 0xc12345);
	expect(&pg, 0x00812345, W, 0xc12345);
	expect_fail(&pg, 0x00812345, U, X86_WALK_EPROT);
	expect(&pg, 0x00c00010, U | W, 0x100400010ULL);
	expect_fail(&pg, 0x01000000, 0, X86_WALK_ERSVD);
	pg.cr0 |= CR0_WP;
	expect_fail(&pg, 0x00812345, W, X86_WALK_EPROT);
	expect_fail(&pg, 0x00404010, W, X86_WALK_EPROT);
	/* no NX in 32-bit paging: fetch is fine */
	expect(&pg, 0x00403000, X | U, 0x5000);
	/* PSE-36 address bits at or above MAXPHYADDR are reserved, as in PAE
	 * and 4-level entries (found by tests/fuzz/fuzz_pagewalk.c: with
	 * MAXPHYADDR 36 the walk gave a GPA with bit 36 set) */
	pg.maxphyaddr = 36;
	expect(&pg, 0x00c00010, U | W, 0x100400010ULL);	/* bit 32: fine */
	e32(0x1000, 3, 0x00400000 | (0x10u << 13) | PS | P | RW | US);
	expect_fail(&pg, 0x00c00010, U | W, X86_WALK_ERSVD);	/* bit 36: PDE bit 17 */
	pg.maxphyaddr = 40;
	expect(&pg, 0x00c00010, U | W, 0x1000400010ULL);
	e32(0x1000, 3, 0x00400000 | (0x80u << 13) | PS | P | RW | US);
	expect(&pg, 0x00c00010, U | W, 0x8000400010ULL);	/* bit 39 */
	pg.maxphyaddr = 52;	/* PSE-36 stops at 40 bits: bit 21 stays reserved */
	expect(&pg, 0x00c00010, U | W, 0x8000400010ULL);
	expect_fail(&pg, 0x01000000, 0, X86_WALK_ERSVD);
}

static void test_pae(void **state)
{
	struct x86_paging pg = { CR0_PG | CR0_WP, 0x1020, CR4_PAE, 0, 0 };

	(void)state;
	e64(0x1020, 1, 0x2000 | P);			/* 0x40000000 */
	e64(0x2000, 0, 0x3000 | P | RW | US);
	e64(0x3000, 5, 0x7000 | P | RW | US | XD);
	e64(0x3000, 6, 0x8000 | P | RW | US);
	e64(0x2000, 1, 0x00600000 | PS | P | RW);	/* 2M */
	e64(0x2000, 2, 0x00600000 | BIT(13) | PS | P);	/* reserved */
	e64(0x1020, 2, 0x4000 | P | RW);		/* RW reserved in PDPTE */

	expect(&pg, 0x40006123, X | U | W, 0x8123);
	expect_fail(&pg, 0x40005123, 0, X86_WALK_ERSVD);	/* XD, NXE=0 */
	pg.efer = EFER_NXE;
	expect(&pg, 0x40005123, U | W, 0x7123);
	expect_fail(&pg, 0x40005123, X, X86_WALK_EPROT);
	expect(&pg, 0x40212345, W, 0x612345);
	expect_fail(&pg, 0x40212345, U, X86_WALK_EPROT);
	expect_fail(&pg, 0x40400000, 0, X86_WALK_ERSVD);
	expect_fail(&pg, 0x80000000, 0, X86_WALK_ERSVD);
	expect_fail(&pg, 0x00000000, 0, X86_WALK_ENOTPRESENT);	/* PDPTE 0 */
	expect_fail(&pg, 0x40600000, 0, X86_WALK_ENOTPRESENT);	/* PDE 3 */
}

/* 4-level tables used by the long-mode tests. */
static void build_long(void)
{
	e64(0x1000, 0, 0x2000 | P | RW | US);		/* PML4[0] */
	e64(0x2000, 0, 0x3000 | P | RW | US);		/* PDPT[0] */
	e64(0x3000, 0, 0x4000 | P | RW | US);		/* PD[0] */
	e64(0x4000, 1, 0x8000 | P | RW | US);		/* 0x1000 -> 0x8000 */
	e64(0x4000, 2, 0x9000 | P | RW | US);		/* 0x2000 -> 0x9000 */
	e64(0x4000, 4, 0xa000 | P | US);		/* RO user */
	e64(0x4000, 5, 0xb000 | P | RW);		/* supervisor */
	e64(0x3000, 1, 0x00a00000 | PS | P | RW | US);	/* 2M */
	e64(0x2000, 1, 0x40000000 | PS | P | RW);	/* 1G, supervisor */
	e64(0x2000, 2, 0x80000000 | BIT(13) | PS | P);	/* 1G reserved */
	e64(0x1000, 1, 0x5000 | P | RW | US | XD);	/* NX at PML4 */
	e64(0x5000, 0, 0x00000000 | PS | P | RW | US);	/* 1G under it */
	e64(0x1000, 2, 0x0000 | PS | P);		/* PS in PML4 */
	e64(0x1000, 511, 0x6000 | P | RW);		/* high half */
	e64(0x6000, 511, 0x7000 | P | RW);
	e64(0x7000, 511, 0x01e00000 | PS | P | RW);	/* top 2M */
}

static void test_long(void **state)
{
	struct x86_paging pg = { CR0_PG | CR0_WP, 0x1000, CR4_PAE,
				 EFER_LME | EFER_LMA | EFER_NXE, 0 };

	(void)state;
	build_long();
	expect(&pg, 0x1abc, U | W | X, 0x8abc);
	expect(&pg, 0x201234, U | W, 0xa01234);
	expect(&pg, 0x40123456, W, 0x40123456);
	expect(&pg, 0x7fffffff, 0, 0x7fffffff);
	expect(&pg, 0xffffffffffe00010ULL, W | X, 0x01e00010);
	expect(&pg, 0x8000000000ULL + 0x1234, U, 0x1234);

	expect_fail(&pg, 0x0000800000000000ULL, 0, X86_WALK_ENONCANON);
	expect_fail(&pg, 0xffff7fffffffffffULL, 0, X86_WALK_ENONCANON);
	expect_fail(&pg, 0x3000, 0, X86_WALK_ENOTPRESENT);
	expect_fail(&pg, 0x80000000, 0, X86_WALK_ERSVD);
	expect_fail(&pg, 0x10000000000ULL, 0, X86_WALK_ERSVD);
	expect_fail(&pg, 0x8000000000ULL, X, X86_WALK_EPROT);	/* NX */
	expect_fail(&pg, 0x40000000, U, X86_WALK_EPROT);	/* supervisor */
	expect_fail(&pg, 0x4000, U | W, X86_WALK_EPROT);	/* RO user */
	expect_fail(&pg, 0x4000, W, X86_WALK_EPROT);		/* WP=1 */
	expect_fail(&pg, 0x5000, U, X86_WALK_EPROT);
	expect(&pg, 0x5000, W | X, 0xb000);
	expect(&pg, 0xffffffffffe00010ULL, 0, 0x01e00010);
	expect_fail(&pg, 0xffffffffffe00010ULL, U, X86_WALK_EPROT);

	pg.cr0 &= ~CR0_WP;
	expect(&pg, 0x4000, W, 0xa000);
	/* SMEP: supervisor fetch from a user page */
	expect(&pg, 0x1000, X, 0x8000);
	pg.cr4 |= CR4_SMEP;
	expect_fail(&pg, 0x1000, X, X86_WALK_EPROT);
	expect(&pg, 0x5000, X, 0xb000);
	/* without NXE, XD is a reserved bit */
	pg.efer &= ~EFER_NXE;
	expect_fail(&pg, 0x8000000000ULL, 0, X86_WALK_ERSVD);
	/* address bits at or above MAXPHYADDR are reserved */
	pg.efer |= EFER_NXE;
	pg.maxphyaddr = 24;
	expect_fail(&pg, 0x40123456, 0, X86_WALK_ERSVD);	/* 1 GiB page at 2^30 */
	expect(&pg, 0x201234, 0, 0xa01234);
	pg.maxphyaddr = 0;
	pg.cr4 |= CR4_LA57;
	expect_fail(&pg, 0x1000, 0, X86_WALK_EUNSUP);
	/* table read failure */
	pg.cr4 &= ~CR4_LA57;
	pg.cr3 = 0x100000;
	expect_fail(&pg, 0x1000, 0, X86_WALK_EREAD);
}

static void test_copy(void **state)
{
	struct x86_paging pg = { CR0_PG | CR0_WP, 0x1000, CR4_PAE,
				 EFER_LME | EFER_LMA | EFER_NXE, 0 };
	uint8_t buf[16];

	(void)state;
	build_long();
	for (unsigned i = 0; i < 4; i++) {
		mem[0x8ffc + i] = (uint8_t)(0x10 + i);
		mem[0x9000 + i] = (uint8_t)(0x20 + i);
	}
	memset(buf, 0, sizeof(buf));
	assert_int_equal(x86_copy_from_guest(&pg, 0x1ffc, buf, 8, rd, NULL), 0);
	assert_memory_equal(buf, ((uint8_t[]){ 0x10, 0x11, 0x12, 0x13,
					       0x20, 0x21, 0x22, 0x23 }), 8);
	/* second page unmapped */
	assert_int_equal(x86_copy_from_guest(&pg, 0x2ffc, buf, 8, rd, NULL),
			 X86_WALK_ENOTPRESENT);
	assert_int_equal(x86_copy_from_guest(&pg, 0x2ffc, buf, 0, rd, NULL), 0);
	/* explicit access kind: user fetch from a supervisor page */
	assert_int_equal(x86_copy_from_guest_access(&pg, 0x5000, buf, 4, U | X,
						    rd, NULL), X86_WALK_EPROT);
	/* data beyond guest memory */
	pg.cr0 = 0;
	assert_int_equal(x86_copy_from_guest(&pg, MEM_SIZE - 2, buf, 4, rd, NULL),
			 X86_WALK_EREAD);
	assert_int_equal(x86_copy_from_guest(&pg, 0x8ffe, buf, 4, rd, NULL), 0);
	assert_memory_equal(buf, ((uint8_t[]){ 0x12, 0x13, 0x20, 0x21 }), 4);
}

/* A buffer over the top of the linear address space is refused, not
 * continued at linear 0 (where the tables map something readable). */
static void test_copy_wrap(void **state)
{
	struct x86_paging pg = { CR0_PG | CR0_WP, 0x1000, CR4_PAE,
				 EFER_LME | EFER_LMA | EFER_NXE, 0 };
	uint8_t buf[32];

	(void)state;
	build_long();
	/* the top page -> 0xe000 (through a PT instead of the 2 MiB page), and
	 * linear 0 -> 0xc000 */
	e64(0x7000, 511, 0xd000 | P | RW);
	e64(0xd000, 511, 0xe000 | P | RW);
	e64(0x4000, 0, 0xc000 | P | RW);
	assert_int_equal(x86_copy_from_guest(&pg, 0xfffffffffffffff0ULL, buf, 16, rd, NULL), 0);
	assert_int_equal(x86_copy_from_guest(&pg, 0xfffffffffffffff0ULL, buf, 32, rd, NULL),
			 X86_WALK_EWRAP);
	assert_int_equal(x86_copy_from_guest(&pg, 0xffffffffffffffffULL, buf, 2, rd, NULL),
			 X86_WALK_EWRAP);
	assert_int_equal(x86_copy_from_guest(&pg, 0xffffffffffffffffULL, buf, 1, rd, NULL), 0);
	/* paging off: 32 bits of linear address space */
	pg = (struct x86_paging){ 0, 0, 0, 0, 0 };
	assert_int_equal(x86_copy_from_guest(&pg, 0xfffffff0ULL, buf, 32, rd, NULL),
			 X86_WALK_EWRAP);
	assert_int_equal(x86_copy_from_guest(&pg, 0x100000000ULL, buf, 1, rd, NULL),
			 X86_WALK_EWRAP);
	/* 32-bit paging: the same 4 GiB */
	pg = (struct x86_paging){ CR0_PG, 0x1000, 0, 0, 0 };
	assert_int_equal(x86_copy_from_guest(&pg, 0xfffffffcULL, buf, 8, rd, NULL),
			 X86_WALK_EWRAP);
	assert_int_equal(x86_copy_from_guest(&pg, 0, NULL, 4, rd, NULL), X86_WALK_EINVAL);
}

static void test_pf_error(void **state)
{
	(void)state;
	assert_int_equal(x86_walk_pf_error(X86_WALK_ENOTPRESENT, W | U), 0x6);
	assert_int_equal(x86_walk_pf_error(X86_WALK_EPROT, W), 0x3);
	assert_int_equal(x86_walk_pf_error(X86_WALK_ERSVD, X), 0x19);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_paging_off, setup),
		cmocka_unit_test_setup(test_32bit, setup),
		cmocka_unit_test_setup(test_pae, setup),
		cmocka_unit_test_setup(test_long, setup),
		cmocka_unit_test_setup(test_copy, setup),
		cmocka_unit_test_setup(test_copy_wrap, setup),
		cmocka_unit_test_setup(test_pf_error, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
