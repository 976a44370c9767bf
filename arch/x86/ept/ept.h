/* Extended page tables: build and edit the guest-physical to host-physical
 * translation (SDM Vol. 3C 28.3). Four levels (PML4, PDPT, PD, PT); leaves
 * at 1 GiB (PDPTE with bit 7), 2 MiB (PDE with bit 7) or 4 KiB (PTE).
 * Table pages come from callbacks, so this is pure and host-testable.
 * After changing live tables the caller issues INVEPT (28.3.3.4). */
#ifndef VIREO_ARCH_X86_EPT_EPT_H
#define VIREO_ARCH_X86_EPT_EPT_H

#include <stdbool.h>
#include <stdint.h>

/* Permission bits, the same in 'perms' and in entries (28.3.2, Table 28-1..6). */
#define EPT_READ   (1u << 0)
#define EPT_WRITE  (1u << 1)
#define EPT_EXEC   (1u << 2)
#define EPT_RWX    (EPT_READ | EPT_WRITE | EPT_EXEC)

/* 'memtype' argument: EPT memory type (28.3.7, leaf bits 5:3), optionally
 * OR-ed with EPT_MT_IGNORE_PAT (leaf bit 6: ignore the guest PAT). */
#define EPT_MT_UC          0u
#define EPT_MT_WC          1u
#define EPT_MT_WT          4u
#define EPT_MT_WP          5u
#define EPT_MT_WB          6u
#define EPT_MT_IGNORE_PAT  (1u << 3)

/* Entry bits (28.3.2). */
#define EPT_E_MEMTYPE_SHIFT 3
#define EPT_E_MEMTYPE_MASK  (7ull << 3)
#define EPT_E_IGNORE_PAT    (1ull << 6)
#define EPT_E_LARGE         (1ull << 7)
#define EPT_E_ACCESSED      (1ull << 8)
#define EPT_E_DIRTY         (1ull << 9)
#define EPT_E_ADDR_MASK     0x000ffffffffff000ull

/* Page levels as reported by ept_lookup(). */
#define EPT_LEVEL_4K 1
#define EPT_LEVEL_2M 2
#define EPT_LEVEL_1G 3

/* Error codes (Linux errno numbers, negated). */
#define EPT_EINVAL (-22)  /* bad alignment, range, perms or memory type */
#define EPT_ENOMEM (-12)  /* alloc_page returned 0 */
#define EPT_EEXIST (-17)  /* ept_map over an existing mapping */
#define EPT_ENOENT (-2)   /* ept_protect over an unmapped page */

/* Guest-physical addresses covered by a 4-level walk (28.3.2). */
#define EPT_GPA_LIMIT (1ull << 48)
/* Host-physical addresses an entry can hold (bits 51:12). */
#define EPT_HPA_LIMIT (1ull << 52)

struct ept_ops {
	void *ctx;
	uint64_t (*alloc_page)(void *ctx);  /* zeroed 4 KiB page, phys addr, 0 = out of memory */
	void (*free_page)(void *ctx, uint64_t pa);
	void *(*phys_to_virt)(void *ctx, uint64_t pa);
};

struct ept {
	uint64_t pml4_pa;
	struct ept_ops ops;
	bool allow_1g, allow_2m;
};

/* Allocate an empty PML4. 1 GiB pages need 2 MiB pages too (a split 1 GiB
 * page becomes 2 MiB pages), so allow_1g is ignored without allow_2m.
 * Returns 0, EPT_ENOMEM. */
int ept_init(struct ept *ept, const struct ept_ops *ops, bool allow_2m, bool allow_1g);

/* Map [gpa, gpa+size) to [hpa, hpa+size) with the largest pages alignment
 * allows. All three must be 4 KiB aligned, size > 0, perms non-zero and not
 * write-without-read (a misconfiguration, 28.3.3.1), memtype one of
 * EPT_MT_*. The range must be unmapped (EPT_EEXIST otherwise, nothing
 * changed). On EPT_ENOMEM nothing stays mapped. */
int ept_map(struct ept *ept, uint64_t gpa, uint64_t hpa, uint64_t size,
	    unsigned perms, unsigned memtype);

/* Remove [gpa, gpa+size); unmapped parts are skipped. A large page only
 * partly inside is split first, keeping the rest of it mapped. Table pages
 * left empty are freed through free_page: the CPU may still cache them, so
 * the caller must not reuse them before its INVEPT. Returns 0, EPT_EINVAL,
 * EPT_ENOMEM (some of the range may already be unmapped). */
int ept_unmap(struct ept *ept, uint64_t gpa, uint64_t size);

/* Set the permissions of every page in [gpa, gpa+size), splitting large
 * pages at the edges. The whole range must be mapped (EPT_ENOENT, nothing
 * changed). Returns 0, EPT_EINVAL, EPT_ENOENT, EPT_ENOMEM (some pages may
 * already carry the new permissions). */
int ept_protect(struct ept *ept, uint64_t gpa, uint64_t size, unsigned perms);

/* Translate one guest-physical address. Returns 0 and fills the non-NULL
 * outputs (perms as EPT_READ|..., page_level EPT_LEVEL_*), or -1 if not
 * mapped. */
int ept_lookup(const struct ept *ept, uint64_t gpa, uint64_t *hpa, unsigned *perms,
	       unsigned *page_level);

/* EPT pointer for the VMCS: WB paging structures, page-walk length 4,
 * optional accessed/dirty flags (24.6.11). */
uint64_t ept_eptp(const struct ept *ept, bool enable_ad);

/* Free every table page (not the mapped memory). The ept is then empty and
 * must be re-initialised before use. */
void ept_destroy(struct ept *ept);

#endif
