/* The guest page walker over random page tables in a fake guest memory,
 * in every paging mode (off, 32-bit with PSE, PAE, 4-level, 5-level).
 * Checks: the result (error kind and address) equals a reference walker
 * written here from the SDM, for every access kind and MAXPHYADDR; a
 * success keeps the page offset; x86_copy_from_guest_access() returns exactly the bytes the
 * per-byte walks name, within its buffer, and refuses a buffer that runs
 * past the top of the linear address space; the #PF error code follows rc.
 * FUZZ-DEPS: arch/x86/emulate/pagewalk.c */
#include "tests/fuzz/fuzz.h"
#include "arch/x86/emulate/pagewalk.h"

#define MEM_SIZE 0x8000u	/* eight pages of guest memory at GPA 0 */

static uint8_t mem[MEM_SIZE];

static int rd(void *ctx, uint64_t gpa, void *buf, unsigned size)
{
	(void)ctx;
	if (gpa >= MEM_SIZE || size > MEM_SIZE - gpa)
		return -1;
	memcpy(buf, &mem[gpa], size);
	return 0;
}

/* ---- reference walker: one table level at a time, as in SDM 4.3-4.6 ---- */

#define P  (1ULL << 0)
#define RW (1ULL << 1)
#define US (1ULL << 2)
#define PS (1ULL << 7)
#define XD (1ULL << 63)

struct ref {
	struct x86_paging pg;
	uint64_t la;
	bool w, u, nx;		/* accumulated rights */
};

/* PAE and 4-level entries: bits MAXPHYADDR..51 are reserved (SDM Vol. 3
 * 4.4.2, 4.5.4); maxphyaddr 0 means "not checked" (pagewalk.h). */
static uint64_t above_maxphyaddr(const struct x86_paging *pg)
{
	uint64_t r = 0;

	for (unsigned b = pg->maxphyaddr; pg->maxphyaddr && b < 52; b++)
		r |= 1ULL << b;
	return r;
}

static int entry(uint64_t gpa, unsigned size, uint64_t *e)
{
	*e = 0;
	return rd(NULL, gpa, e, size) ? X86_WALK_EREAD : 0;
}

static void acc(struct ref *r, uint64_t e, bool nxe)
{
	if (!(e & RW)) r->w = false;
	if (!(e & US)) r->u = false;
	if (nxe && (e & XD)) r->nx = true;
}

static int ref32(struct ref *r, uint64_t *gpa)
{
	uint32_t la = (uint32_t)r->la;
	uint64_t pde, pte;

	if (entry((r->pg.cr3 & ~0xfffULL & 0xffffffffULL) + (la >> 22) * 4, 4, &pde))
		return X86_WALK_EREAD;
	if (!(pde & P))
		return X86_WALK_ENOTPRESENT;
	acc(r, pde, false);
	if ((pde & PS) && (r->pg.cr4 & (1u << 4))) {
		/* PSE-36: bits (M-20):13 give address bits (M-1):32 and bits
		 * 21:(M-19) are reserved, M = MAXPHYADDR capped at 40 (SDM Vol. 3
		 * table 4-4); bit 21 alone when it is not checked. */
		unsigned m = !r->pg.maxphyaddr || r->pg.maxphyaddr > 40 ? 40 :
			     r->pg.maxphyaddr < 32 ? 32 : r->pg.maxphyaddr;
		uint64_t rsvd = 0;

		for (unsigned b = m - 19; b <= 21; b++)
			rsvd |= 1ULL << b;
		if (pde & rsvd)
			return X86_WALK_ERSVD;
		*gpa = ((uint64_t)(pde >> 22) << 22) | ((uint64_t)((pde >> 13) & 0xff) << 32) |
		       (la & 0x3fffff);
		return 0;
	}
	if (entry((pde & 0xfffff000) + ((la >> 12) & 0x3ff) * 4, 4, &pte))
		return X86_WALK_EREAD;
	if (!(pte & P))
		return X86_WALK_ENOTPRESENT;
	acc(r, pte, false);
	*gpa = (pte & 0xfffff000) | (la & 0xfff);
	return 0;
}

/* levels: 2 (PAE below the PDPTE) or 4; 8-byte entries, 9 bits a level */
static int ref64(struct ref *r, uint64_t table, int levels, uint64_t *gpa)
{
	bool nxe = r->pg.efer & (1u << 11);
	uint64_t e;

	for (int lvl = levels; lvl >= 1; lvl--) {
		int shift = 3 + 9 * lvl;

		if (entry(table + ((r->la >> shift) & 511) * 8, 8, &e))
			return X86_WALK_EREAD;
		if (!(e & P))
			return X86_WALK_ENOTPRESENT;
		if ((!nxe && (e & XD)) || (e & above_maxphyaddr(&r->pg)))
			return X86_WALK_ERSVD;
		if (lvl == 4 && (e & PS))
			return X86_WALK_ERSVD;
		acc(r, e, nxe);
		if ((lvl == 3 || lvl == 2) && (e & PS)) {
			uint64_t page = 1ULL << shift;
			/* PAT is bit 12; bits from 13 up to the frame must be 0 */
			uint64_t rsvd = (page - 1) & ~0x1fffULL;

			if (e & rsvd)
				return X86_WALK_ERSVD;
			*gpa = (e & 0x000fffffffffffffULL & ~(page - 1)) | (r->la & (page - 1));
			return 0;
		}
		table = e & 0x000ffffffffff000ULL;
	}
	*gpa = table | (r->la & 0xfff);
	return 0;
}

static int ref_rights(const struct ref *r, unsigned access)
{
	bool write = access & X86_ACC_WRITE, user = access & X86_ACC_USER;
	bool fetch = access & X86_ACC_FETCH;

	if (user && !r->u)
		return X86_WALK_EPROT;
	if (write && !r->w && (user || (r->pg.cr0 & (1u << 16))))
		return X86_WALK_EPROT;
	if (fetch && !user && r->u && (r->pg.cr4 & (1u << 20)))
		return X86_WALK_EPROT;
	if (fetch && r->nx)
		return X86_WALK_EPROT;
	return 0;
}

static int ref_walk(const struct x86_paging *pg, uint64_t la, unsigned access,
		    uint64_t *gpa)
{
	struct ref r = { *pg, la, true, true, false };
	int64_t top;
	int rc;

	if (!(pg->cr0 & (1u << 31))) {
		*gpa = la & 0xffffffff;
		return 0;
	}
	if (pg->efer & (1u << 10)) {
		if (pg->cr4 & (1u << 12))
			return X86_WALK_EUNSUP;
		top = (int64_t)la >> 47;
		if (top != 0 && top != -1)
			return X86_WALK_ENONCANON;
		rc = ref64(&r, pg->cr3 & 0x000ffffffffff000ULL, 4, gpa);
	} else if (pg->cr4 & (1u << 5)) {
		uint64_t pdpte;

		r.la = (uint32_t)la;
		if (entry((pg->cr3 & 0xffffffe0) + (r.la >> 30) * 8, 8, &pdpte))
			return X86_WALK_EREAD;
		if (!(pdpte & P))
			return X86_WALK_ENOTPRESENT;
		if (pdpte & (0x6ULL | 0x1e0ULL | XD | above_maxphyaddr(pg)))
			return X86_WALK_ERSVD;
		rc = ref64(&r, pdpte & 0x000ffffffffff000ULL, 2, gpa);
	} else {
		rc = ref32(&r, gpa);
	}
	return rc ? rc : ref_rights(&r, access);
}

/* ---- the target ---- */

static void check_copy(const struct x86_paging *pg, uint64_t la, size_t len,
		       unsigned access)
{
	uint8_t *buf = malloc(len ? len : 1);
	int rc, want = 0;
	size_t i;

	if (!buf)
		abort();
	rc = x86_copy_from_guest_access(pg, la, buf, len, access, rd, NULL);
	/* a buffer past the top of the linear address space is refused */
	uint64_t top = (pg->efer & (1u << 10)) && (pg->cr0 & (1u << 31)) ? ~0ULL : 0xffffffffULL;
	if (len && (la > top || len - 1 > top - la))
		want = X86_WALK_EWRAP;
	for (i = 0; i < len && want == 0; i++) {
		uint64_t g;

		want = ref_walk(pg, la + i, access, &g);
		if (want == 0 && g >= MEM_SIZE)
			want = X86_WALK_EREAD;
		if (want == 0 && rc == 0)
			FUZZ_CHECK(buf[i] == mem[g], "copied byte %zu", i);
	}
	/* the copy stops at the first failing page: the same first failure */
	FUZZ_CHECK(rc == want, "copy rc %d, per-byte walks %d", rc, want);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in_init(data, size);
	struct x86_paging pg;
	uint8_t modes = fuzz_u8(&in);
	uint64_t la, gpa, want_gpa;
	size_t n, got;
	unsigned copy_access;
	const uint8_t *m;

	/* control bits from one byte, the rest of the registers raw */
	pg.cr0 = ((modes & 1) ? 1ULL << 31 : 0) | ((modes & 2) ? 1ULL << 16 : 0);
	pg.cr4 = ((modes & 4) ? 1ULL << 4 : 0) | ((modes & 8) ? 1ULL << 5 : 0) |
		 ((modes & 16) ? 1ULL << 20 : 0) | ((modes & 0x80) && (modes & 0x40) ? 1ULL << 12 : 0);
	pg.efer = ((modes & 32) ? 1ULL << 10 : 0) | ((modes & 64) ? 1ULL << 11 : 0);
	pg.cr3 = fuzz_u16(&in) & (MEM_SIZE - 1);
	la = fuzz_u64(&in);
	n = fuzz_u8(&in);
	copy_access = fuzz_u8(&in) & (X86_ACC_WRITE | X86_ACC_USER | X86_ACC_FETCH);
	pg.maxphyaddr = fuzz_u8(&in) % 22;	/* 0 (not checked) or 32..52 */
	pg.maxphyaddr = pg.maxphyaddr ? pg.maxphyaddr + 31 : 0;
	memset(mem, 0, sizeof(mem));
	m = fuzz_bytes(&in, MEM_SIZE, &got);
	memcpy(mem, m, got);

	for (unsigned access = 0; access < 32; access++) {
		int rc, want;

		if (access & ~(X86_ACC_WRITE | X86_ACC_USER | X86_ACC_FETCH))
			continue;
		gpa = want_gpa = 0x5a5a;
		rc = x86_walk(&pg, la, access, rd, NULL, &gpa);
		want = ref_walk(&pg, la, access, &want_gpa);
		FUZZ_CHECK(rc == want, "walk rc %d, reference %d (access %#x)", rc, want, access);
		if (rc == 0) {
			FUZZ_CHECK(gpa == want_gpa, "gpa %#llx, reference %#llx",
				   (unsigned long long)gpa, (unsigned long long)want_gpa);
			FUZZ_CHECK((gpa & 0xfff) == (la & 0xfff), "page offset");
		}
		uint32_t err = x86_walk_pf_error(rc, access);
		FUZZ_CHECK((err & 0x16) == access, "error code access bits");
		FUZZ_CHECK(!!(err & 1) == (rc == X86_WALK_EPROT || rc == X86_WALK_ERSVD), "P bit");
		FUZZ_CHECK(!!(err & 8) == (rc == X86_WALK_ERSVD), "RSVD bit");
	}
	check_copy(&pg, la, n * 37, copy_access);
	FUZZ_CHECK(x86_walk(NULL, la, 0, rd, NULL, &gpa) == X86_WALK_EINVAL, "NULL pg");
	return 0;
}
