/* Host paging: one static identity map, built once at boot. All tables come
 * from a page-aligned .bss pool so no allocator is needed this early. */
#include "arch/x86/cpu/paging.h"
#include "arch/x86/cpu/cpu.h"
#include "lib/printk.h"

#define PAGE_SIZE    4096
#define PT_ENTRIES   512
#define PD_POOL      (PAGING_MAX_2M_MAP / GiB(1)) /* one PD maps 1 GiB */

/* CPUID.80000001H:EDX (SDM Vol. 2A, CPUID). */
#define CPUID_EXT_NX     (1u << 20)
#define CPUID_EXT_PAGE1G (1u << 26)

/* [3 GiB, 4 GiB): the PCI hole, where firmware puts MMIO. */
#define MMIO_HOLE_START GiB(3)
#define MMIO_HOLE_END   GiB(4)

/* The host's page tables: machine-global by nature (one CR3). */
static uint64_t pml4[PT_ENTRIES] __attribute__((aligned(PAGE_SIZE)));
static uint64_t pdpt[PT_ENTRIES] __attribute__((aligned(PAGE_SIZE)));
static uint64_t pds[PD_POOL][PT_ENTRIES] __attribute__((aligned(PAGE_SIZE)));
static uint64_t mapped_end;

static uint32_t cpuid_ext_edx(void)
{
	uint32_t a, b, c, d;

	cpuid_count(0x80000000, 0, &a, &b, &c, &d);
	if (a < 0x80000001)
		return 0;
	cpuid_count(0x80000001, 0, &a, &b, &c, &d);
	return d;
}

/* Attributes of the page mapping physical address 'pa'. With the default
 * PAT, PCD|PWT selects UC (SDM Vol. 3 11.12.3, table 11-11). */
static uint64_t leaf_flags(uint64_t pa)
{
	uint64_t f = PTE_P | PTE_W | PTE_PS;

	if (pa >= MMIO_HOLE_START && pa < MMIO_HOLE_END)
		f |= PTE_PCD | PTE_PWT;
	return f;
}

static void map_1g(uint64_t gib)
{
	for (uint64_t i = 0; i < gib; i++)
		pdpt[i] = GiB(i) | leaf_flags(GiB(i));
}

static void map_2m(uint64_t gib)
{
	for (uint64_t i = 0; i < gib; i++) {
		for (uint64_t j = 0; j < PT_ENTRIES; j++) {
			uint64_t pa = GiB(i) + MiB(2) * j;
			pds[i][j] = pa | leaf_flags(pa);
		}
		pdpt[i] = (uint64_t)pds[i] | PTE_P | PTE_W;
	}
}

int paging_init(uint64_t max_phys)
{
	uint32_t ext = cpuid_ext_edx();
	bool huge = ext & CPUID_EXT_PAGE1G;
	uint64_t limit = huge ? GiB(PT_ENTRIES) : PAGING_MAX_2M_MAP;
	uint64_t end = max_phys > GiB(4) ? ALIGN_UP(max_phys, GiB(1)) : GiB(4);
	int rc = 0;

	if (end > limit || end < max_phys) {
		pr_warn("paging: RAM to %#llx exceeds the %#llx identity map\n",
			(unsigned long long)max_phys, (unsigned long long)limit);
		end = limit;
		rc = -1;
	}
	memset(pml4, 0, sizeof(pml4));
	memset(pdpt, 0, sizeof(pdpt));
	if (huge)
		map_1g(end / GiB(1));
	else
		map_2m(end / GiB(1));
	pml4[0] = (uint64_t)pdpt | PTE_P | PTE_W;

	if (ext & CPUID_EXT_NX)
		wrmsr(MSR_IA32_EFER, rdmsr(MSR_IA32_EFER) | X86_EFER_NXE);
	/* WP: catch the hypervisor writing through read-only mappings. */
	write_cr0(read_cr0() | X86_CR0_WP);
	write_cr3((uint64_t)pml4);
	mapped_end = end;
	pr_debug("paging: identity map [0, %#llx) with %s pages\n",
		 (unsigned long long)end, huge ? "1 GiB" : "2 MiB");
	return rc;
}

uint64_t paging_mapped_end(void)
{
	return mapped_end;
}
