/* Host page tables: an identity map of physical memory (SDM Vol. 3 4.5). */
#ifndef VIREO_ARCH_X86_CPU_PAGING_H
#define VIREO_ARCH_X86_CPU_PAGING_H

#include "lib/libc.h"

/* Page-table entry bits (SDM Vol. 3 4.5, tables 4-15 .. 4-20). */
#define PTE_P   (1ULL << 0)  /* present */
#define PTE_W   (1ULL << 1)  /* writable */
#define PTE_U   (1ULL << 2)  /* user */
#define PTE_PWT (1ULL << 3)  /* write-through */
#define PTE_PCD (1ULL << 4)  /* cache disable */
#define PTE_A   (1ULL << 5)
#define PTE_D   (1ULL << 6)
#define PTE_PS  (1ULL << 7)  /* large page (in PDPTE/PDE) */
#define PTE_G   (1ULL << 8)
#define PTE_NX  (1ULL << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ULL

/* Most memory paging_init can map with 2 MiB pages (the .bss table pool);
 * with 1 GiB pages the limit is one PDPT, 512 GiB. */
#define PAGING_MAX_2M_MAP GiB(64)

/* Identity-map [0, max(4 GiB, max_phys rounded up to 1 GiB)) with 1 GiB
 * pages if the CPU has them, else 2 MiB pages; [3 GiB, 4 GiB) (LAPIC,
 * IOAPIC, PCI MMIO) uncached. Enables EFER.NXE (if supported) and CR0.WP,
 * then loads CR3. Returns 0, or -1 if max_phys exceeded what could be mapped
 * (the map then stops at the limit: reserve the rest out of the pmm). */
int paging_init(uint64_t max_phys);
/* Top of the identity map built by paging_init (0 before it ran). */
uint64_t paging_mapped_end(void);

#endif
