/* EPT builder (SDM Vol. 3C 28.3). See ept.h.
 *
 * Levels are numbered as in ept_lookup(): 4 = PML4, 3 = PDPT (1 GiB
 * entries), 2 = PD (2 MiB entries), 1 = PT (4 KiB entries). Every walk
 * below handles the part of a range that one entry covers ("chunk"), then
 * moves to the next entry. */
#include "lib/libc.h"
#include "arch/x86/ept/ept.h"

#define EPT_ENTRIES   512
#define EPT_TOP_LEVEL 4
#define PAGE_4K       0x1000ull

static unsigned level_shift(int level)
{
	return 12u + 9u * (unsigned)(level - 1);
}

static uint64_t level_size(int level)
{
	return 1ull << level_shift(level);
}

static uint64_t *table_of(const struct ept *ept, uint64_t pa)
{
	return ept->ops.phys_to_virt(ept->ops.ctx, pa);
}

static uint64_t *entry_of(const struct ept *ept, uint64_t table_pa, int level, uint64_t gpa)
{
	return &table_of(ept, table_pa)[(gpa >> level_shift(level)) & (EPT_ENTRIES - 1)];
}

/* An entry is present if any of R/W/X is set (28.3.2). */
static bool present(uint64_t e)
{
	return (e & EPT_RWX) != 0;
}

static bool is_leaf(uint64_t e, int level)
{
	return level == 1 || (e & EPT_E_LARGE);
}

/* The CPU walks these tables concurrently: store each entry in one 64-bit
 * write so it never sees a torn entry. */
static void set_entry(uint64_t *p, uint64_t v)
{
	*(volatile uint64_t *)p = v;
}

/* Bytes of [gpa, gpa+size) inside the level-'level' entry holding gpa. */
static uint64_t chunk_of(uint64_t gpa, uint64_t size, int level)
{
	uint64_t lsz = level_size(level);
	uint64_t left = lsz - (gpa & (lsz - 1));

	return size < left ? size : left;
}

static bool leaf_allowed(const struct ept *ept, int level)
{
	return level == 1 || (level == 2 && ept->allow_2m) || (level == 3 && ept->allow_1g);
}

/* Non-leaf entries grant everything: access rights are the AND of all
 * levels (28.3.3.2), so the leaf alone decides. */
static uint64_t table_entry(uint64_t pa)
{
	return pa | EPT_RWX;
}

static uint64_t alloc_table(struct ept *ept)
{
	return ept->ops.alloc_page(ept->ops.ctx);
}

static void free_table(struct ept *ept, uint64_t pa)
{
	ept->ops.free_page(ept->ops.ctx, pa);
}

/* Replace a large leaf by a table of 512 smaller leaves with the same
 * attributes and a contiguous translation, so nothing changes for the
 * guest until the caller edits part of it. The new table is complete
 * before it is linked in. */
static int split_leaf(struct ept *ept, uint64_t *pe, int level)
{
	uint64_t e = *pe;
	uint64_t base = e & EPT_E_ADDR_MASK;
	uint64_t attrs = e & ~(EPT_E_ADDR_MASK | EPT_E_LARGE);
	uint64_t csz = level_size(level - 1);
	uint64_t pa = alloc_table(ept);
	uint64_t *t;

	if (!pa)
		return EPT_ENOMEM;
	if (level - 1 > 1)
		attrs |= EPT_E_LARGE;
	t = table_of(ept, pa);
	for (unsigned i = 0; i < EPT_ENTRIES; i++)
		t[i] = (base + i * csz) | attrs;
	set_entry(pe, table_entry(pa));
	return 0;
}

static bool table_empty(const struct ept *ept, uint64_t pa)
{
	const uint64_t *t = table_of(ept, pa);

	for (unsigned i = 0; i < EPT_ENTRIES; i++)
		if (t[i])
			return false;
	return true;
}

/* True if any 4 KiB page of the range is mapped. */
static bool any_mapped(const struct ept *ept, uint64_t tpa, int level, uint64_t gpa,
		       uint64_t size)
{
	while (size) {
		uint64_t chunk = chunk_of(gpa, size, level);
		uint64_t e = *entry_of(ept, tpa, level, gpa);

		if (present(e) && (is_leaf(e, level) ||
				   any_mapped(ept, e & EPT_E_ADDR_MASK, level - 1, gpa, chunk)))
			return true;
		gpa += chunk;
		size -= chunk;
	}
	return false;
}

/* True if every 4 KiB page of the range is mapped. */
static bool all_mapped(const struct ept *ept, uint64_t tpa, int level, uint64_t gpa,
		       uint64_t size)
{
	while (size) {
		uint64_t chunk = chunk_of(gpa, size, level);
		uint64_t e = *entry_of(ept, tpa, level, gpa);

		if (!present(e))
			return false;
		if (!is_leaf(e, level) &&
		    !all_mapped(ept, e & EPT_E_ADDR_MASK, level - 1, gpa, chunk))
			return false;
		gpa += chunk;
		size -= chunk;
	}
	return true;
}

/* Map into an empty range. 'leaf' holds the attribute bits of a leaf. */
static int map_level(struct ept *ept, uint64_t tpa, int level, uint64_t gpa, uint64_t hpa,
		     uint64_t size, uint64_t leaf)
{
	while (size) {
		uint64_t chunk = chunk_of(gpa, size, level);
		uint64_t *pe = entry_of(ept, tpa, level, gpa);
		int r;

		/* A whole, aligned entry becomes one leaf when the level allows
		 * it (chunk == entry size implies gpa is aligned). */
		if (chunk == level_size(level) && !(hpa & (chunk - 1)) &&
		    leaf_allowed(ept, level)) {
			set_entry(pe, hpa | leaf | (level > 1 ? EPT_E_LARGE : 0));
		} else {
			if (!present(*pe)) {
				uint64_t pa = alloc_table(ept);

				if (!pa)
					return EPT_ENOMEM;
				set_entry(pe, table_entry(pa));
			} else if (is_leaf(*pe, level)) {
				return EPT_EEXIST; /* excluded by ept_map's check */
			}
			r = map_level(ept, *pe & EPT_E_ADDR_MASK, level - 1, gpa, hpa, chunk, leaf);
			if (r)
				return r;
		}
		gpa += chunk;
		hpa += chunk;
		size -= chunk;
	}
	return 0;
}

static int unmap_level(struct ept *ept, uint64_t tpa, int level, uint64_t gpa, uint64_t size)
{
	while (size) {
		uint64_t chunk = chunk_of(gpa, size, level);
		uint64_t *pe = entry_of(ept, tpa, level, gpa);
		uint64_t child;
		int r;

		if (!present(*pe))
			goto next;
		if (is_leaf(*pe, level)) {
			if (chunk == level_size(level)) {
				set_entry(pe, 0);
				goto next;
			}
			r = split_leaf(ept, pe, level);
			if (r)
				return r;
		}
		child = *pe & EPT_E_ADDR_MASK;
		r = unmap_level(ept, child, level - 1, gpa, chunk);
		if (r)
			return r;
		/* Free tables nothing points through any more, so a long-lived
		 * VM that maps and unmaps does not leak table pages. */
		if (table_empty(ept, child)) {
			set_entry(pe, 0);
			free_table(ept, child);
		}
next:
		gpa += chunk;
		size -= chunk;
	}
	return 0;
}

static int protect_level(struct ept *ept, uint64_t tpa, int level, uint64_t gpa,
			 uint64_t size, unsigned perms)
{
	while (size) {
		uint64_t chunk = chunk_of(gpa, size, level);
		uint64_t *pe = entry_of(ept, tpa, level, gpa);
		int r;

		if (is_leaf(*pe, level)) {
			if (chunk == level_size(level)) {
				set_entry(pe, (*pe & ~(uint64_t)EPT_RWX) | perms);
				goto next;
			}
			r = split_leaf(ept, pe, level);
			if (r)
				return r;
		}
		r = protect_level(ept, *pe & EPT_E_ADDR_MASK, level - 1, gpa, chunk, perms);
		if (r)
			return r;
next:
		gpa += chunk;
		size -= chunk;
	}
	return 0;
}

static void destroy_level(struct ept *ept, uint64_t tpa, int level)
{
	const uint64_t *t = table_of(ept, tpa);

	for (unsigned i = 0; i < EPT_ENTRIES && level > 1; i++)
		if (present(t[i]) && !is_leaf(t[i], level))
			destroy_level(ept, t[i] & EPT_E_ADDR_MASK, level - 1);
	free_table(ept, tpa);
}

/* 4 KiB aligned, non-empty, inside [0, limit). */
static bool range_ok(uint64_t addr, uint64_t size, uint64_t limit)
{
	if (!size || (addr | size) & (PAGE_4K - 1))
		return false;
	return size <= limit && addr <= limit - size;
}

/* Write without read is a misconfiguration (28.3.3.1); no permission at
 * all is not a mapping (use ept_unmap). */
static bool perms_ok(unsigned perms)
{
	if (!perms || (perms & ~EPT_RWX))
		return false;
	return !((perms & EPT_WRITE) && !(perms & EPT_READ));
}

/* Memory types 2, 3 and 7 are reserved in EPT leaves (28.3.7). */
static bool memtype_ok(unsigned memtype)
{
	unsigned t = memtype & 7u;

	if (memtype & ~(7u | EPT_MT_IGNORE_PAT))
		return false;
	return t == EPT_MT_UC || t == EPT_MT_WC || t == EPT_MT_WT || t == EPT_MT_WP ||
	       t == EPT_MT_WB;
}

int ept_init(struct ept *ept, const struct ept_ops *ops, bool allow_2m, bool allow_1g)
{
	memset(ept, 0, sizeof(*ept));
	ept->ops = *ops;
	ept->allow_2m = allow_2m;
	ept->allow_1g = allow_1g && allow_2m;
	ept->pml4_pa = alloc_table(ept);
	return ept->pml4_pa ? 0 : EPT_ENOMEM;
}

int ept_map(struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t size,
	    unsigned perms, unsigned memtype)
{
	uint64_t leaf;
	int r;

	if (!ept->pml4_pa || !range_ok(gpa, size, EPT_GPA_LIMIT) ||
	    !range_ok(hpa, size, EPT_HPA_LIMIT) || !perms_ok(perms) || !memtype_ok(memtype))
		return EPT_EINVAL;
	if (any_mapped(ept, ept->pml4_pa, EPT_TOP_LEVEL, gpa, size))
		return EPT_EEXIST;
	leaf = perms | ((uint64_t)(memtype & 7u) << EPT_E_MEMTYPE_SHIFT);
	if (memtype & EPT_MT_IGNORE_PAT)
		leaf |= EPT_E_IGNORE_PAT;
	r = map_level(ept, ept->pml4_pa, EPT_TOP_LEVEL, gpa, hpa, size, leaf);
	if (r) {
		/* Roll back: the leaves installed lie wholly inside the range,
		 * so this unmap never needs to split (cannot fail). */
		unmap_level(ept, ept->pml4_pa, EPT_TOP_LEVEL, gpa, size);
	}
	return r;
}

int ept_unmap(struct ept *ept, uint64_t gpa, uint64_t size)
{
	if (!ept->pml4_pa || !range_ok(gpa, size, EPT_GPA_LIMIT))
		return EPT_EINVAL;
	return unmap_level(ept, ept->pml4_pa, EPT_TOP_LEVEL, gpa, size);
}

int ept_protect(struct ept *ept, uint64_t gpa, uint64_t size, unsigned perms)
{
	if (!ept->pml4_pa || !range_ok(gpa, size, EPT_GPA_LIMIT) || !perms_ok(perms))
		return EPT_EINVAL;
	if (!all_mapped(ept, ept->pml4_pa, EPT_TOP_LEVEL, gpa, size))
		return EPT_ENOENT;
	return protect_level(ept, ept->pml4_pa, EPT_TOP_LEVEL, gpa, size, perms);
}

int ept_lookup(const struct ept *ept, uint64_t gpa, uint64_t *hpa, unsigned *perms,
	       unsigned *page_level)
{
	uint64_t tpa = ept->pml4_pa;

	if (!tpa || gpa >= EPT_GPA_LIMIT)
		return -1;
	for (int level = EPT_TOP_LEVEL; level >= 1; level--) {
		uint64_t e = *entry_of(ept, tpa, level, gpa);

		if (!present(e))
			return -1;
		if (is_leaf(e, level)) {
			uint64_t off = gpa & (level_size(level) - 1);

			if (hpa)
				*hpa = (e & EPT_E_ADDR_MASK) + off;
			if (perms)
				*perms = (unsigned)(e & EPT_RWX);
			if (page_level)
				*page_level = (unsigned)level;
			return 0;
		}
		tpa = e & EPT_E_ADDR_MASK;
	}
	return -1; /* not reached: level 1 entries are leaves */
}

uint64_t ept_eptp(const struct ept *ept, bool enable_ad)
{
	/* 24.6.11: bits 2:0 memory type of the paging structures (6 = WB),
	 * bits 5:3 page-walk length - 1, bit 6 enables A/D flags. */
	uint64_t eptp = ept->pml4_pa | 6ull | (3ull << 3);

	if (enable_ad)
		eptp |= 1ull << 6;
	return eptp;
}

void ept_destroy(struct ept *ept)
{
	if (ept->pml4_pa)
		destroy_level(ept, ept->pml4_pa, EPT_TOP_LEVEL);
	ept->pml4_pa = 0;
}
