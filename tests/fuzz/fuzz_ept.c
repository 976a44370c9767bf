/* The EPT builder under random map / unmap / protect sequences, with
 * 2 MiB and 1 GiB pages on or off and table allocations that may fail,
 * checked after every operation against a model: a list of mapped
 * ranges (gpa, size, hpa, permissions, memory type).
 * Checks: each result is the one the model predicts (EINVAL, EEXIST,
 * ENOENT, 0; ENOMEM only when an allocation failed, and then the pages
 * are as before or as asked, none elsewhere changed, as ept.h allows);
 * walking the built tables gives exactly the model's translations, with
 * leaves only at allowed levels and aligned, table entries that grant RWX
 * and nothing else, no empty table left linked, every allocated table
 * reachable once (no leak, no sharing, no bad free); ept_lookup() agrees
 * with the walk; ept_destroy() frees everything.
 * FUZZ-DEPS: arch/x86/ept/ept.c */
#include "tests/fuzz/fuzz.h"
#include "arch/x86/ept/ept.h"

#define POOL_PAGES 96
#define PHYS_BASE  0x40000000ull
#define MAX_SEGS   512
#define MAX_OPS    16
#define KB4        0x1000ull
#define MB2        0x200000ull
#define GB1        0x40000000ull
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- table pages ---- */

struct pool {
	uint64_t (*pages)[512];
	bool used[POOL_PAGES], seen[POOL_PAGES];
	int in_use, allocs, fail_at;	/* fail_at: allocation number that fails, -1 none */
	bool failed;
};

static struct pool pool;

static uint64_t pool_alloc(void *ctx)
{
	(void)ctx;
	if (pool.allocs++ == pool.fail_at) {
		pool.failed = true;
		return 0;
	}
	for (int i = 0; i < POOL_PAGES; i++) {
		if (!pool.used[i]) {
			pool.used[i] = true;
			memset(pool.pages[i], 0, 4096);
			pool.in_use++;
			return PHYS_BASE + (uint64_t)i * 4096;
		}
	}
	pool.failed = true;
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
	int i = pool_index(pa);

	(void)ctx;
	FUZZ_CHECK(i >= 0 && pool.used[i], "free of %#llx, not an allocated table",
		   (unsigned long long)pa);
	memset(pool.pages[i], 0xa5, 4096);	/* a later use shows */
	pool.used[i] = false;
	pool.in_use--;
}

static void *pool_virt(void *ctx, uint64_t pa)
{
	int i = pool_index(pa);

	(void)ctx;
	FUZZ_CHECK(i >= 0 && pool.used[i], "table %#llx is not allocated", (unsigned long long)pa);
	return pool.pages[i];
}

/* ---- the model: sorted, non-overlapping, merged ranges ---- */

struct seg {
	uint64_t gpa, size, hpa;
	unsigned perms, mt;	/* mt: memory type | EPT_MT_IGNORE_PAT */
};

struct map {
	struct seg s[MAX_SEGS * 4];
	unsigned n;
};

static bool joins(const struct seg *a, const struct seg *b)
{
	return a->gpa + a->size == b->gpa && a->hpa + a->size == b->hpa &&
	       a->perms == b->perms && a->mt == b->mt;
}

static void push(struct map *m, struct seg s)
{
	if (!s.size)
		return;
	if (m->n && joins(&m->s[m->n - 1], &s)) {
		m->s[m->n - 1].size += s.size;
		return;
	}
	FUZZ_CHECK(m->n < ARRAY_LEN(m->s), "model full");
	m->s[m->n++] = s;
}

/* The part of s inside [lo, hi). */
static struct seg clip(struct seg s, uint64_t lo, uint64_t hi)
{
	uint64_t a = s.gpa > lo ? s.gpa : lo, b = s.gpa + s.size < hi ? s.gpa + s.size : hi;

	if (b <= a)
		return (struct seg){ 0 };
	s.hpa += a - s.gpa;
	s.gpa = a;
	s.size = b - a;
	return s;
}

/* m with [lo, hi) removed, or with its permissions set to perms. */
static void edit(struct map *out, const struct map *m, uint64_t lo, uint64_t hi,
		 bool remove, unsigned perms)
{
	out->n = 0;
	for (unsigned i = 0; i < m->n; i++) {
		struct seg s = m->s[i], mid = clip(s, lo, hi);

		push(out, clip(s, 0, lo));
		if (!remove && mid.size) {
			mid.perms = perms;
			push(out, mid);
		}
		push(out, clip(s, hi, ~0ULL));
	}
}

static bool overlaps(const struct map *m, uint64_t lo, uint64_t hi)
{
	for (unsigned i = 0; i < m->n; i++)
		if (m->s[i].gpa < hi && lo < m->s[i].gpa + m->s[i].size)
			return true;
	return false;
}

static uint64_t covered(const struct map *m, uint64_t lo, uint64_t hi)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < m->n; i++)
		n += clip(m->s[i], lo, hi).size;
	return n;
}

static void insert(struct map *out, const struct map *m, struct seg s)
{
	bool done = false;

	out->n = 0;
	for (unsigned i = 0; i < m->n; i++) {
		if (!done && s.gpa < m->s[i].gpa) {
			push(out, s);
			done = true;
		}
		push(out, m->s[i]);
	}
	if (!done)
		push(out, s);
}

/* ---- the tables, walked here ---- */

static unsigned tables_seen;

static void walk(const struct ept *e, uint64_t tpa, int level, uint64_t base, struct map *out)
{
	int i = pool_index(tpa);
	const uint64_t *t;
	unsigned present = 0;

	FUZZ_CHECK(i >= 0 && pool.used[i], "level %d table %#llx not allocated", level,
		   (unsigned long long)tpa);
	FUZZ_CHECK(!pool.seen[i], "table %#llx linked twice", (unsigned long long)tpa);
	pool.seen[i] = true;
	tables_seen++;
	t = pool.pages[i];
	for (unsigned k = 0; k < 512; k++) {
		uint64_t v = t[k], gpa = base + ((uint64_t)k << (12 + 9 * (level - 1)));
		bool leaf = level == 1 || (v & EPT_E_LARGE);

		if (!(v & EPT_RWX)) {
			FUZZ_CHECK(v == 0, "non-present entry %#llx", (unsigned long long)v);
			continue;
		}
		present++;
		if (!leaf) {
			FUZZ_CHECK((v & ~EPT_E_ADDR_MASK) == EPT_RWX, "table entry %#llx",
				   (unsigned long long)v);
			walk(e, v & EPT_E_ADDR_MASK, level - 1, gpa, out);
			continue;
		}
		uint64_t size = 1ULL << (12 + 9 * (level - 1)), hpa = v & EPT_E_ADDR_MASK;

		FUZZ_CHECK(level == 1 || (level == 2 && e->allow_2m) || (level == 3 && e->allow_1g),
			   "leaf at level %d", level);
		FUZZ_CHECK(!(hpa & (size - 1)), "leaf hpa %#llx not aligned", (unsigned long long)hpa);
		FUZZ_CHECK(!(v & EPT_E_ACCESSED) && !(v & EPT_E_DIRTY) && !(v & 0xfff0000000000000ULL),
			   "leaf bits %#llx", (unsigned long long)v);
		unsigned mt = (unsigned)((v & EPT_E_MEMTYPE_MASK) >> EPT_E_MEMTYPE_SHIFT) |
			      ((v & EPT_E_IGNORE_PAT) ? EPT_MT_IGNORE_PAT : 0);
		push(out, (struct seg){ gpa, size, hpa, (unsigned)(v & EPT_RWX), mt });
	}
	FUZZ_CHECK(present || level == 4, "empty level-%d table left linked", level);
}

static void tables(const struct ept *e, struct map *out)
{
	out->n = 0;
	memset(pool.seen, 0, sizeof(pool.seen));
	tables_seen = 0;
	walk(e, e->pml4_pa, 4, 0, out);
	FUZZ_CHECK((int)tables_seen == pool.in_use, "%u tables reachable, %d allocated",
		   tables_seen, pool.in_use);
}

static bool same(const struct map *a, const struct map *b)
{
	if (a->n != b->n)
		return false;
	for (unsigned i = 0; i < a->n; i++)
		if (memcmp(&a->s[i], &b->s[i], sizeof(a->s[i])) != 0)
			return false;
	return true;
}

static const struct seg *find(const struct map *m, uint64_t gpa)
{
	for (unsigned i = 0; i < m->n; i++)
		if (gpa >= m->s[i].gpa && gpa - m->s[i].gpa < m->s[i].size)
			return &m->s[i];
	return NULL;
}

/* Same translation of gpa in both (or unmapped in both). */
static bool agree(const struct map *a, const struct map *b, uint64_t gpa)
{
	const struct seg *x = find(a, gpa), *y = find(b, gpa);

	if (!x || !y)
		return !x && !y;
	return x->hpa + (gpa - x->gpa) == y->hpa + (gpa - y->gpa) && x->perms == y->perms &&
	       x->mt == y->mt;
}

/* After ENOMEM: every piece of 'now' is as in 'old', or as in 'want'
 * inside [lo, hi). Checked at every boundary of the three maps. */
static void check_between(const struct map *now, const struct map *old, const struct map *want,
			  uint64_t lo, uint64_t hi)
{
	const struct map *ms[3] = { now, old, want };

	for (int k = 0; k < 3; k++)
		for (unsigned i = 0; i < ms[k]->n; i++)
			for (int end = 0; end < 2; end++) {
				uint64_t g = ms[k]->s[i].gpa + (end ? ms[k]->s[i].size - KB4 : 0);
				bool in = g >= lo && g < hi;

				FUZZ_CHECK(agree(now, old, g) || (in && agree(now, want, g)),
					   "after ENOMEM, gpa %#llx is neither as before nor as asked",
					   (unsigned long long)g);
			}
}

/* Where in each range to look up: a xorshift stream, so that the
 * operations' bytes in the input do not depend on the number of ranges. */
static uint64_t rnd;

static uint64_t next_rnd(void)
{
	rnd ^= rnd << 13;
	rnd ^= rnd >> 7;
	rnd ^= rnd << 17;
	return rnd;
}

static void check_lookups(const struct ept *e, const struct map *m)
{
	for (unsigned i = 0; i < m->n; i++) {
		const struct seg *s = &m->s[i];
		uint64_t r = next_rnd(), off = s->size > KB4 ? ((r >> 12) << 12) % s->size : 0;
		uint64_t g = s->gpa + off + (r & 0xfff), h;
		unsigned p, lvl;

		FUZZ_CHECK(ept_lookup(e, g, &h, &p, &lvl) == 0 && h == s->hpa + (g - s->gpa) &&
			   p == s->perms && lvl >= 1 && lvl <= 3, "lookup %#llx", (unsigned long long)g);
		FUZZ_CHECK(ept_lookup(e, s->gpa + s->size, NULL, NULL, NULL) == 0 ||
			   !find(m, s->gpa + s->size), "lookup past a range");
		if (s->gpa)
			FUZZ_CHECK((ept_lookup(e, s->gpa - 1, NULL, NULL, NULL) == 0) ==
				   (find(m, s->gpa - 1) != NULL), "lookup before a range");
	}
}

/* ---- operations ---- */

static uint64_t addr(struct fuzz_in *in, uint64_t top)
{
	/* mostly aligned, sometimes not: GiB + 2 MiB units + 4 KiB units (+ junk) */
	uint8_t k = fuzz_u8(in);
	uint64_t a = (uint64_t)(fuzz_u8(in) % top) * GB1;

	if (k & 1)
		a += (uint64_t)(fuzz_u16(in) % 512) * MB2;
	if (k & 2)
		a += (uint64_t)(fuzz_u16(in) % 512) * KB4;
	if ((k & 0xf0) == 0xf0)
		a += fuzz_u16(in);	/* misaligned: EINVAL */
	if ((k & 0xfc) == 0xec)
		a = fuzz_u64(in);	/* anything */
	return a;
}

static bool perms_ok(unsigned p)
{
	return p && !(p & ~7u) && !((p & EPT_WRITE) && !(p & EPT_READ));
}

static bool mt_ok(unsigned mt)
{
	unsigned t = mt & 7;

	return !(mt & ~15u) && (t == 0 || t == 1 || t == 4 || t == 5 || t == 6);
}

static bool range_ok(uint64_t a, uint64_t s, uint64_t limit)
{
	return s && !((a | s) & 0xfff) && s <= limit && a <= limit - s;
}

static struct map model, next, now;

static void one_op(struct ept *e, struct fuzz_in *in)
{
	uint8_t op = fuzz_u8(in) % 3;
	uint64_t gpa = addr(in, 8), size = addr(in, 3), hpa = 0;
	unsigned perms = fuzz_u8(in) & 7, mt = fuzz_u8(in) & 15;
	int rc, want;

	pool.fail_at = fuzz_u8(in) < 24 ? pool.allocs + fuzz_u8(in) % 8 : -1;
	pool.failed = false;
	if (op == 0) {
		hpa = gpa + (fuzz_bool(in) ? (uint64_t)(fuzz_u8(in) % 4) * GB1 : addr(in, 16));
		rc = ept_map(e, gpa, hpa, size, perms, mt);
		want = !range_ok(gpa, size, EPT_GPA_LIMIT) || !range_ok(hpa, size, EPT_HPA_LIMIT) ||
		       !perms_ok(perms) || !mt_ok(mt) ? EPT_EINVAL :
		       overlaps(&model, gpa, gpa + size) ? EPT_EEXIST : 0;
		if (want == 0)
			insert(&next, &model, (struct seg){ gpa, size, hpa, perms, mt });
	} else if (op == 1) {
		rc = ept_unmap(e, gpa, size);
		want = !range_ok(gpa, size, EPT_GPA_LIMIT) ? EPT_EINVAL : 0;
		if (want == 0)
			edit(&next, &model, gpa, gpa + size, true, 0);
	} else {
		rc = ept_protect(e, gpa, size, perms);
		want = !range_ok(gpa, size, EPT_GPA_LIMIT) || !perms_ok(perms) ? EPT_EINVAL :
		       covered(&model, gpa, gpa + size) != size ? EPT_ENOENT : 0;
		if (want == 0)
			edit(&next, &model, gpa, gpa + size, false, perms);
	}
	if (fuzz_verbose())
		fprintf(stderr, "ept: op %d gpa %#llx size %#llx hpa %#llx perms %u mt %u: rc %d, want %d\n",
			op, (unsigned long long)gpa, (unsigned long long)size,
			(unsigned long long)hpa, perms, mt, rc, want);
	pool.fail_at = -1;
	tables(e, &now);
	if (rc == EPT_ENOMEM && want == 0 && pool.failed) {
		if (op == 0)	/* a failed map leaves nothing mapped */
			FUZZ_CHECK(same(&now, &model), "a map that ran out of memory left changes");
		else
			check_between(&now, &model, &next, gpa, gpa + size);
		model = now;
		return;
	}
	FUZZ_CHECK(rc == want, "op %d gpa %#llx size %#llx: rc %d, model says %d", op,
		   (unsigned long long)gpa, (unsigned long long)size, rc, want);
	if (rc == 0)
		model = next;
	FUZZ_CHECK(same(&now, &model), "op %d gpa %#llx size %#llx: tables differ from the model "
		   "(%u ranges, model %u)", op, (unsigned long long)gpa,
		   (unsigned long long)size, now.n, model.n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in_init(data, size);
	struct ept_ops ops = { NULL, pool_alloc, pool_free, pool_virt };
	uint8_t cfg = fuzz_u8(&in);
	struct ept e;

	rnd = fuzz_u64(&in) | 1;
	if (!pool.pages && !(pool.pages = malloc(POOL_PAGES * 4096ull)))
		abort();
	memset(pool.used, 0, sizeof(pool.used));
	pool.in_use = pool.allocs = 0;
	pool.fail_at = -1;
	model.n = 0;
	if (ept_init(&e, &ops, cfg & 1, cfg & 2) != 0)
		abort();
	FUZZ_CHECK(e.allow_1g == ((cfg & 3) == 3), "1 GiB pages without 2 MiB ones");
	for (unsigned i = 0; i < MAX_OPS && fuzz_left(&in); i++) {
		one_op(&e, &in);
		check_lookups(&e, &model);
	}
	FUZZ_CHECK((ept_eptp(&e, cfg & 4) & ~0xfffULL) == e.pml4_pa, "EPTP");
	ept_destroy(&e);
	FUZZ_CHECK(pool.in_use == 0, "%d tables left after ept_destroy", pool.in_use);
	return 0;
}
