/* The isolation scan (guests/tests/isoscan*.c): shared declarations.
 *
 * Markers. Two 16-byte strings must never be visible to the scanning
 * guest: the one the hypervisor image carries (arch/x86/boot/marker.c,
 * "VIREO:HV:IMAGE:!") and the one a sibling VM fills its RAM with
 * ("VIREO:SIBLING:VM", written by this guest with role=fill). The scanner's
 * own image must not hold them either, or it would find itself: the words
 * are kept XOR-ed with a key that is read from a volatile at run time, so
 * the compiler cannot fold the plain words back into the code. */
#ifndef VIREO_GUESTS_ISOSCAN_H
#define VIREO_GUESTS_ISOSCAN_H

#include <stdbool.h>

#include "guest.h"

#define W8(a, b, c, d, e, f, g, h)                                                   \
	((uint64_t)(a) | (uint64_t)(b) << 8 | (uint64_t)(c) << 16 | (uint64_t)(d) << 24 | \
	 (uint64_t)(e) << 32 | (uint64_t)(f) << 40 | (uint64_t)(g) << 48 | (uint64_t)(h) << 56)
#define ISO_KEY 0x3c96a55a0ff0c33cULL
/* "VIREO:HV:IMAGE:!" and "VIREO:SIBLING:VM", little-endian words, XOR key */
#define HV_ENC0  (W8('V', 'I', 'R', 'E', 'O', ':', 'H', 'V') ^ ISO_KEY)
#define HV_ENC1  (W8(':', 'I', 'M', 'A', 'G', 'E', ':', '!') ^ ISO_KEY)
#define SIB_ENC0 (W8('V', 'I', 'R', 'E', 'O', ':', 'S', 'I') ^ ISO_KEY)
#define SIB_ENC1 (W8('B', 'L', 'I', 'N', 'G', ':', 'V', 'M') ^ ISO_KEY)

extern volatile uint64_t iso_key;   /* ISO_KEY, read at run time */

struct iso_hits {
	uint64_t hv, sib;        /* markers found */
	uint64_t first_hv, first_sib; /* address of the first of each, or ~0 */
};
/* Counts the 16-byte-aligned markers in [lo, hi) (identity-mapped). */
void iso_scan_markers(uint64_t lo, uint64_t hi, struct iso_hits *h);

/* ---- own page tables (isoscan_pt.c) ---- */
#define PTE_P   (1ULL << 0)
#define PTE_W   (1ULL << 1)
#define PTE_PS  (1ULL << 7)
/* Maps linear 'la' to guest-physical 'pa' with a page of 'size' (4 KiB,
 * 2 MiB or 1 GiB; la and pa aligned to it) in the current CR3's tables,
 * creating tables from a static pool. Never touches the identity map of
 * 0-4 GiB (PML4 entry 0). Returns 0, or -1 when out of pool or the slot is
 * taken by a larger page. */
int iso_map(uint64_t la, uint64_t pa, uint64_t size);
/* Physical-address width (CPUID 0x80000008 EAX[7:0]) and 1 GiB pages. */
unsigned iso_maxphyaddr(void);
int iso_has_1g_pages(void);

/* ---- DMA-like paths (isoscan_dma.c): role=dma op=NAME ---- */
void iso_dma(const char *op, uint64_t ram_end);

/* ---- register state across VMs (isoscan_fpu.c): role=fpu-secret|fpu-probe ---- */
void iso_fpu(const char *role, unsigned rounds);

#endif
