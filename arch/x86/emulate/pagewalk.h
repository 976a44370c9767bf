/* Guest page-table walker (SDM Vol. 3 chapter 4), used to reach
 * guest-linear buffers: string I/O, hypercall buffers, instruction fetch.
 *
 * Supported: paging off (identity), 32-bit paging with 4 MiB PSE pages
 * (PSE-36 high bits included), PAE with 2 MiB pages, 4-level IA-32e paging
 * with 2 MiB / 1 GiB pages. Honours R/W with CR0.WP, U/S, NX (EFER.NXE) and
 * SMEP. Not modelled: 5-level paging (CR4.LA57, rejected), SMAP, protection
 * keys, Accessed/Dirty bit updates, and the
 * PDPTE register cache (PAE PDPTEs are read from memory on every walk). */
#ifndef VIREO_ARCH_X86_EMULATE_PAGEWALK_H
#define VIREO_ARCH_X86_EMULATE_PAGEWALK_H

#include "lib/libc.h"

/* Guest control state; efer is the guest IA32_EFER (LMA selects 4-level).
 * maxphyaddr: the physical-address width; address bits at or above it in
 * a PAE or 4-level entry, or in a 32-bit 4 MiB one (PSE-36, which reaches
 * 40 bits), are reserved (#PF with RSVD). 0: not checked. */
struct x86_paging {
	uint64_t cr0, cr3, cr4, efer;
	unsigned maxphyaddr;
};

/* Access kinds, at the bit positions of the #PF error code (SDM Vol. 3
 * 4.7) so they can be OR'ed into one. 0 = supervisor data read. */
#define X86_ACC_WRITE (1u << 1)
#define X86_ACC_USER  (1u << 2)
#define X86_ACC_FETCH (1u << 4)

/* Negative results of x86_walk(). */
#define X86_WALK_ENOTPRESENT (-1)	/* P=0 at some level: #PF */
#define X86_WALK_ERSVD       (-2)	/* reserved bit set: #PF with RSVD */
#define X86_WALK_EPROT       (-3)	/* protection violation: #PF */
#define X86_WALK_EREAD       (-4)	/* read callback failed on a table */
#define X86_WALK_ENONCANON   (-5)	/* non-canonical address: #GP */
#define X86_WALK_EUNSUP      (-6)	/* 5-level paging */
#define X86_WALK_EINVAL      (-7)	/* NULL argument */
#define X86_WALK_EWRAP       (-8)	/* buffer runs past the top of the
					 * linear address space (copies) */

/* Reads 'size' bytes of guest-physical memory. Returns 0 on success. */
typedef int (*x86_read_phys_fn)(void *ctx, uint64_t gpa, void *buf,
				unsigned size);

/* Translate linear address 'la' for 'access'. Returns 0 and *gpa, or a
 * negative X86_WALK_* code. */
int x86_walk(const struct x86_paging *pg, uint64_t la, unsigned access,
	     x86_read_phys_fn rd, void *ctx, uint64_t *gpa);

/* #PF error code for a failed walk (SDM Vol. 3 4.7): P set when the fault
 * was not a missing page, RSVD for reserved bits, W/U/I from 'access'. */
uint32_t x86_walk_pf_error(int rc, unsigned access);

/* Copy 'len' bytes from guest-linear 'la', walking each page separately.
 * Supervisor data read. Returns 0 or the first failing x86_walk() code
 * (X86_WALK_EREAD if reading the data fails); 'dst' may then be partly
 * filled. A buffer that runs past 2^64 (IA-32e mode) or 2^32 (otherwise)
 * is refused with X86_WALK_EWRAP before anything is read. */
int x86_copy_from_guest(const struct x86_paging *pg, uint64_t la, void *dst,
			size_t len, x86_read_phys_fn rd, void *ctx);

/* The same with an explicit access kind (e.g. X86_ACC_FETCH|X86_ACC_USER
 * for a CPL-3 instruction fetch). */
int x86_copy_from_guest_access(const struct x86_paging *pg, uint64_t la,
			       void *dst, size_t len, unsigned access,
			       x86_read_phys_fn rd, void *ctx);

#endif
