/* Exceptions raised by the guest's own code and handled by its own IDT:
 * #DE, #UD, #BP, #GP (bad selector) and #PF (paging, not-present page),
 * each resumed after the faulting instruction. Built 32- and 64-bit. */
#include "guest.h"

#define PF_ADDR 0x40000000UL /* 1 GiB: mapped out for the #PF test */

static int expect(unsigned long before, unsigned vec, const char *name)
{
	char n[48];
	snprintf(n, sizeof(n), "%s-raised", name);
	if (!check_eq(exc_count - before, 1, n))
		return 0;
	snprintf(n, sizeof(n), "%s-vector", name);
	return check_eq(exc_last.vector, vec, n);
}

#ifdef __x86_64__
static void set_pf_page(int present)
{
	uint64_t *pde = &guest_pd[PF_ADDR >> 30][(PF_ADDR >> 21) & 511];
	if (present)
		*pde |= 1;
	else
		*pde &= ~1ULL;
	invlpg(PF_ADDR);
}
static void paging_on(void) {}
static void paging_off(void) {}
#else
static uint32_t pd32[1024] __attribute__((aligned(4096)));
static void set_pf_page(int present)
{
	uint32_t *pde = &pd32[PF_ADDR >> 22];
	if (present)
		*pde |= 1;
	else
		*pde &= ~1u;
	invlpg(PF_ADDR);
}
static void paging_on(void)
{
	for (uint32_t i = 0; i < 1024; i++)
		pd32[i] = (i << 22) | 0x83; /* 4 MiB pages, P|RW|PS */
	write_cr4(read_cr4() | (1u << 4)); /* PSE */
	write_cr3((uintptr_t)pd32);
	write_cr0(read_cr0() | 0x80000000u);
}
static void paging_off(void)
{
	write_cr0(read_cr0() & ~0x80000000u);
}
#endif

static volatile int bp_handler_ran;
static int bp_handler(struct exc_frame *f)
{
	(void)f;
	bp_handler_ran = 1;
	return 1; /* trap: resume after int3 */
}

void test_main(void)
{
	printf("exceptions test (%d-bit)\n", (int)sizeof(void *) * 8);
	unsigned long before;

	/* #DE: divide by zero; the divide is skipped via the exception table */
	before = exc_count;
	unsigned long q = 12345, zero = 0, marker = 0;
	__asm__ volatile("xor %%edx, %%edx\n"
			 "1: div %[z]\n"
			 "2: mov $0x1234, %[m]\n"
			 EXTABLE(1b, 2b)
			 : "+a"(q), [m] "+r"(marker) : [z] "r"(zero) : "edx", "memory");
	if (expect(before, 0, "de"))
		check_eq(exc_last.error, 0, "de-error");
	check_eq(marker, 0x1234, "de-resumed");

	/* #UD */
	before = exc_count;
	marker = 0;
	__asm__ volatile("1: ud2\n2: mov $0x55, %[m]\n" EXTABLE(1b, 2b) : [m] "+r"(marker) : : "memory");
	expect(before, 6, "ud");
	check_eq(marker, 0x55, "ud-resumed");

	/* #BP: a trap; a registered handler resumes after int3 */
	before = exc_count;
	marker = 0;
	exc_set_handler(3, bp_handler);
	__asm__ volatile("int3\n mov $0x77, %[m]\n" : [m] "+r"(marker) : : "memory");
	exc_set_handler(3, 0);
	expect(before, 3, "bp");
	check(bp_handler_ran, "bp-handler-ran");
	check_eq(marker, 0x77, "bp-resumed");

	/* #BP through the exception table (entry keyed on the following address) */
	before = exc_count;
	__asm__ volatile("int3\n2:\n" EXTABLE(2b, 2b) : : : "memory");
	expect(before, 3, "bp-extable");

	/* #GP: load a selector beyond the GDT limit into FS */
	before = exc_count;
	unsigned short sel = 0x1230, oldfs;
	__asm__ volatile("mov %%fs, %0" : "=r"(oldfs));
	__asm__ volatile("1: mov %0, %%fs\n2:\n" EXTABLE(1b, 2b) : : "r"(sel) : "memory");
	if (expect(before, 13, "gp"))
		check_eq(exc_last.error, 0x1230, "gp-error-selector");
	__asm__ volatile("mov %0, %%fs" : : "r"(oldfs));

	/* #PF: not-present page, read then write; check CR2 and the error code */
	paging_on();
	check(read_cr0() & 0x80000000u, "paging-enabled");
	volatile uint32_t *p = (volatile uint32_t *)(PF_ADDR + 0x123);
	set_pf_page(0);
	before = exc_count;
	uint32_t val = 0xdead;
	__asm__ volatile("1: mov (%1), %0\n2:\n" EXTABLE(1b, 2b) : "+r"(val) : "r"(p) : "memory");
	if (expect(before, 14, "pf-read")) {
		check_eq(exc_last.cr2, (uintptr_t)p, "pf-read-cr2");
		check_eq(exc_last.error, 0, "pf-read-error"); /* not present, read, supervisor */
	}
	check_eq(val, 0xdead, "pf-read-skipped");
	before = exc_count;
	__asm__ volatile("1: movl $1, (%0)\n2:\n" EXTABLE(1b, 2b) : : "r"(p + 1) : "memory");
	if (expect(before, 14, "pf-write")) {
		check_eq(exc_last.cr2, (uintptr_t)(p + 1), "pf-write-cr2");
		check_eq(exc_last.error, 2, "pf-write-error"); /* not present, write */
	}
	set_pf_page(1);
	paging_off();

	/* everything still works afterwards */
	before = exc_count;
	__asm__ volatile("1: ud2\n2:\n" EXTABLE(1b, 2b) : : : "memory");
	expect(before, 6, "ud-again");
}
