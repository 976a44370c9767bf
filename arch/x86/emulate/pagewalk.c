/* Guest page-table walker (SDM Vol. 3 4.3 32-bit, 4.4 PAE, 4.5 4-level). */
#include "arch/x86/emulate/pagewalk.h"

/* Control bits (SDM Vol. 3 2.5, 2.2.1). */
#define CR0_WP    BIT(16)
#define CR0_PG    BIT(31)
#define CR4_PSE   BIT(4)
#define CR4_PAE   BIT(5)
#define CR4_LA57  BIT(12)
#define CR4_SMEP  BIT(20)
#define EFER_LMA  BIT(10)
#define EFER_NXE  BIT(11)

/* Paging-structure entry bits (SDM Vol. 3 tables 4-4 .. 4-20). */
#define PTE_P     BIT(0)
#define PTE_RW    BIT(1)
#define PTE_US    BIT(2)
#define PTE_PS    BIT(7)
#define PTE_XD    BIT(63)
#define PTE_ADDR  0x000ffffffffff000ULL	/* bits 51:12 */
#define PDPTE_PAE_RSVD  (0x6ULL | 0x1e0ULL | PTE_XD)	/* bits 2:1, 8:5, 63 */

#define PAGE_SIZE 4096u

/* Rights accumulated down the walk: the most restrictive level wins. */
struct rights {
	bool write, user, nx;
};

/* Entries are little-endian, as is every host Vireo runs on (x86-64,
 * and the RISC-V/Arm hosts a second backend would bring): read them
 * straight into the low bytes of an integer. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "little-endian host");

static int read_entry(x86_read_phys_fn rd, void *ctx, uint64_t gpa,
		      unsigned size, uint64_t *e)
{
	*e = 0;
	if (rd(ctx, gpa, e, size) != 0)
		return X86_WALK_EREAD;
	return 0;
}

static void accumulate(struct rights *r, uint64_t e, bool nxe)
{
	r->write = r->write && (e & PTE_RW);
	r->user = r->user && (e & PTE_US);
	r->nx = r->nx || (nxe && (e & PTE_XD));
}

/* SDM Vol. 3 4.6: access rights. */
static int check_rights(const struct x86_paging *pg, const struct rights *r,
			unsigned access)
{
	bool write = access & X86_ACC_WRITE, fetch = access & X86_ACC_FETCH;

	if (access & X86_ACC_USER) {
		if (!r->user || (write && !r->write))
			return X86_WALK_EPROT;
	} else {
		if (write && !r->write && (pg->cr0 & CR0_WP))
			return X86_WALK_EPROT;
		if (fetch && r->user && (pg->cr4 & CR4_SMEP))
			return X86_WALK_EPROT;
	}
	if (fetch && r->nx)
		return X86_WALK_EPROT;
	return 0;
}

/* Reserved bits of a 4 MiB PDE: 21:(M-19), where bits (M-20):13 hold
 * address bits (M-1):32 and M is MAXPHYADDR capped at 40, the most PSE-36
 * reaches (SDM Vol. 3 table 4-4); bit 21 alone when it is not checked. */
static uint64_t pde4m_rsvd(const struct x86_paging *pg)
{
	unsigned m = pg->maxphyaddr ? pg->maxphyaddr : 40;

	m = m < 32 ? 32 : m > 40 ? 40 : m;
	return (BIT(22) - 1) & ~(BIT(m - 19) - 1);
}

/* 32-bit paging: 10/10/12 split, 4-byte entries, optional 4 MiB pages. */
static int walk32(const struct x86_paging *pg, uint32_t la,
		  x86_read_phys_fn rd, void *ctx, struct rights *r,
		  uint64_t *gpa)
{
	uint64_t pde, pte;
	int rc;

	rc = read_entry(rd, ctx, (pg->cr3 & 0xfffff000u) + ((la >> 22) * 4),
			4, &pde);
	if (rc)
		return rc;
	if (!(pde & PTE_P))
		return X86_WALK_ENOTPRESENT;
	accumulate(r, pde, false);
	if ((pde & PTE_PS) && (pg->cr4 & CR4_PSE)) {
		if (pde & pde4m_rsvd(pg))
			return X86_WALK_ERSVD;
		/* PSE-36: PDE bits 20:13 are physical-address bits 39:32. */
		*gpa = (pde & 0xffc00000u) | (((pde >> 13) & 0xff) << 32) |
		       (la & 0x3fffffu);
		return 0;
	}
	rc = read_entry(rd, ctx, (pde & 0xfffff000u) +
			(((la >> 12) & 0x3ff) * 4), 4, &pte);
	if (rc)
		return rc;
	if (!(pte & PTE_P))
		return X86_WALK_ENOTPRESENT;
	accumulate(r, pte, false);
	*gpa = (pte & 0xfffff000u) | (la & 0xfffu);
	return 0;
}

/* Reserved bits of a large-page entry at 'level' (2: 2 MiB, 3: 1 GiB):
 * the bits between PAT (12) and the page frame must be zero. */
static uint64_t large_rsvd(unsigned level)
{
	return level == 2 ? 0x1fe000ULL : 0x3fffe000ULL;
}

/* Address bits from MAXPHYADDR up to 51 (SDM Vol. 3 4.4.1, 4.5.1). */
static uint64_t addr_rsvd(const struct x86_paging *pg)
{
	if (pg->maxphyaddr == 0 || pg->maxphyaddr >= 52)
		return 0;
	return ((1ULL << 52) - 1) & ~((1ULL << pg->maxphyaddr) - 1);
}

/* 9-bit-per-level walk with 8-byte entries from 'table' at level 'top'
 * down to 1 (PAE uses top=2, 4-level uses top=4). */
static int walk64(const struct x86_paging *pg, uint64_t la, uint64_t table,
		  unsigned top, x86_read_phys_fn rd, void *ctx,
		  struct rights *r, uint64_t *gpa)
{
	bool nxe = pg->efer & EFER_NXE;
	uint64_t e;
	int rc;

	for (unsigned level = top; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		uint64_t idx = (la >> shift) & 0x1ff;

		if ((rc = read_entry(rd, ctx, table + idx * 8, 8, &e)))
			return rc;
		if (!(e & PTE_P))
			return X86_WALK_ENOTPRESENT;
		if (((e & PTE_XD) && !nxe) || (e & addr_rsvd(pg)))
			return X86_WALK_ERSVD;
		if ((e & PTE_PS) && level == 4)
			return X86_WALK_ERSVD;
		accumulate(r, e, nxe);
		if ((e & PTE_PS) && (level == 2 || level == 3)) {
			uint64_t mask = (1ULL << shift) - 1;

			if (e & large_rsvd(level))
				return X86_WALK_ERSVD;
			*gpa = (e & PTE_ADDR & ~mask) | (la & mask);
			return 0;
		}
		table = e & PTE_ADDR;
	}
	*gpa = table | (la & 0xfff);
	return 0;
}

/* PAE: CR3 points at four PDPTEs (32-byte aligned); they carry no rights. */
static int walk_pae(const struct x86_paging *pg, uint32_t la,
		    x86_read_phys_fn rd, void *ctx, struct rights *r,
		    uint64_t *gpa)
{
	uint64_t pdpte;
	int rc;

	rc = read_entry(rd, ctx, (pg->cr3 & 0xffffffe0u) + (la >> 30) * 8, 8,
			&pdpte);
	if (rc)
		return rc;
	if (!(pdpte & PTE_P))
		return X86_WALK_ENOTPRESENT;
	if ((pdpte & PDPTE_PAE_RSVD) || (pdpte & addr_rsvd(pg)))
		return X86_WALK_ERSVD;
	return walk64(pg, la, pdpte & PTE_ADDR, 2, rd, ctx, r, gpa);
}

/* Bits 63:47 must all equal bit 47 (SDM Vol. 1 3.3.7.1). */
static bool canonical48(uint64_t la)
{
	uint64_t top = la >> 47;

	return top == 0 || top == 0x1ffff;
}

int x86_walk(const struct x86_paging *pg, uint64_t la, unsigned access,
	     x86_read_phys_fn rd, void *ctx, uint64_t *gpa)
{
	struct rights r = { true, true, false };
	int rc;

	if (!pg || !rd || !gpa)
		return X86_WALK_EINVAL;
	if (!(pg->cr0 & CR0_PG)) {
		*gpa = la & 0xffffffffULL;	/* linear = physical, 32 bits */
		return 0;
	}
	if (pg->efer & EFER_LMA) {
		if (pg->cr4 & CR4_LA57)
			return X86_WALK_EUNSUP;
		if (!canonical48(la))
			return X86_WALK_ENONCANON;
		rc = walk64(pg, la, pg->cr3 & PTE_ADDR, 4, rd, ctx, &r, gpa);
	} else if (pg->cr4 & CR4_PAE) {
		rc = walk_pae(pg, (uint32_t)la, rd, ctx, &r, gpa);
	} else {
		rc = walk32(pg, (uint32_t)la, rd, ctx, &r, gpa);
	}
	if (rc)
		return rc;
	return check_rights(pg, &r, access);
}

uint32_t x86_walk_pf_error(int rc, unsigned access)
{
	uint32_t err = access & (X86_ACC_WRITE | X86_ACC_USER | X86_ACC_FETCH);

	if (rc == X86_WALK_EPROT || rc == X86_WALK_ERSVD)
		err |= 1u << 0;		/* P: page was present */
	if (rc == X86_WALK_ERSVD)
		err |= 1u << 3;		/* RSVD */
	return err;
}

/* True if [la, la + len) runs past the top of the linear address space:
 * 2^64 in IA-32e mode, 2^32 otherwise. A copy would go on at linear 0
 * (x86_walk truncates to 32 bits outside IA-32e mode), which is not where
 * a buffer that ends at the top continues. */
static bool range_wraps(const struct x86_paging *pg, uint64_t la, size_t len)
{
	uint64_t top = (pg->efer & EFER_LMA) && (pg->cr0 & CR0_PG) ? ~0ULL : 0xffffffffULL;

	return len && (la > top || (uint64_t)len - 1 > top - la);
}

int x86_copy_from_guest_access(const struct x86_paging *pg, uint64_t la,
			       void *dst, size_t len, unsigned access,
			       x86_read_phys_fn rd, void *ctx)
{
	uint8_t *out = dst;
	uint64_t gpa;
	int rc;

	if (!pg || !rd || (len && !dst))
		return X86_WALK_EINVAL;
	if (range_wraps(pg, la, len))
		return X86_WALK_EWRAP;
	while (len) {
		size_t chunk = PAGE_SIZE - (la & (PAGE_SIZE - 1));

		if (chunk > len)
			chunk = len;
		if ((rc = x86_walk(pg, la, access, rd, ctx, &gpa)))
			return rc;
		if (rd(ctx, gpa, out, (unsigned)chunk) != 0)
			return X86_WALK_EREAD;
		out += chunk;
		la += chunk;
		len -= chunk;
	}
	return 0;
}

int x86_copy_from_guest(const struct x86_paging *pg, uint64_t la, void *dst,
			size_t len, x86_read_phys_fn rd, void *ctx)
{
	return x86_copy_from_guest_access(pg, la, dst, len, 0, rd, ctx);
}
