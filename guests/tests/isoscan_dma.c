/* DMA-like paths of the isolation scan: Vireo reads or writes guest memory
 * on the guest's behalf for VIREO_HC_CONSOLE_WRITE and for INS/OUTS. A
 * buffer that leaves guest RAM, or the guest's linear address space, must
 * be refused as a whole (the hypercall: -14, nothing written), or end as
 * the CPU would end it (string I/O: #PF for an unmapped page, elements
 * done up to there; the VM stopped for memory that is not RAM), never be
 * truncated silently or served from host memory.
 *
 * op=hc: every hypercall case in one VM (each returns). The buffers hold
 * "<dma-...>" texts that must not reach the console; the scenario forbids
 * them. op=ins-ram-end, outs-ram-end, ins-hole, outs-hole: REP INSB/OUTSB
 * over the end of RAM or into the VGA window: the VM must stop.
 * op=ins-pagecross: INSD over a linear page boundary whose two pages are
 * not physically adjacent: each byte lands in its own page's frame; then
 * REP INSB through a PTE beyond MAXPHYADDR: #PF with RSVD, as the CPU. */
#include "isoscan.h"

#define PAGE 4096ULL
#define WIN  0x8000000000ULL   /* PML4 entry 1: free for our own mappings */
#define UNCLAIMED_PORT 0x2F0   /* reads all-ones */

static void put_text(uint64_t addr, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		*(volatile char *)(uintptr_t)(addr + i) = s[i];
}

/* A 288-byte buffer whose first 256 bytes (the piece Vireo used to copy
 * and print before looking at the rest) are fine and whose last 32 are
 * not: the call must fail as a whole, the text at its start unprinted. */
#define HC_LEN  288
#define HC_GOOD 272

static void hc_refused(const char *name, uint64_t la, uint64_t pa_text, const char *text)
{
	long r;

	put_text(pa_text, text, 16);
	r = hypercall(VIREO_HC_CONSOLE_WRITE, la, HC_LEN, 0, 0);
	check_eq((uint64_t)r, (uint64_t)(long)VIREO_EFAULT, name);
}

static void hc_cases(uint64_t ram_end)
{
	/* Frames in RAM that are not adjacent, for our own mappings. */
	uint64_t f1 = 0x600000, f2 = 0x700000, f3 = 0x800000;

	/* positive control: a buffer over two mapped, non-adjacent pages */
	iso_map(WIN, f1, PAGE);
	iso_map(WIN + PAGE, f2, PAGE);
	put_text(f1 + PAGE - 8, "<dma-ok-", 8);
	put_text(f2, "crosspage>\n", 11);
	check_eq((uint64_t)hc_console_write((void *)(uintptr_t)(WIN + PAGE - 8), 19), 19,
		 "hc-crosspage-returns-length");

	/* over the end of RAM (identity map: linear = physical) */
	hc_refused("hc-over-ram-end-refused", ram_end - HC_GOOD, ram_end - HC_GOOD, "<dma-ram-end-01>");
	/* into the VGA window */
	hc_refused("hc-into-vga-window-refused", 0xA0000 - HC_GOOD, 0xA0000 - HC_GOOD, "<dma-vga-hole-1>");
	/* into a page that is not present in the guest's page tables */
	iso_map(WIN + 4 * PAGE, f3, PAGE);
	hc_refused("hc-into-unmapped-page-refused", WIN + 5 * PAGE - HC_GOOD, f3 + PAGE - HC_GOOD,
		   "<dma-unmapped-1>");
	/* over the top of the address space: it would wrap to linear 0 */
	if (!iso_map(0xFFFFFFFFFFFFF000ULL, f3 + PAGE, PAGE))
		hc_refused("hc-wrapping-2^64-refused", 0ULL - HC_GOOD, f3 + 2 * PAGE - HC_GOOD,
			   "<dma-wrap-2^64->");
	/* over the end of the lower canonical half */
	if (!iso_map(0x7FFFFFFFF000ULL, f3 + 2 * PAGE, PAGE))
		hc_refused("hc-into-noncanonical-refused", 0x800000000000ULL - HC_GOOD,
			   f3 + 3 * PAGE - HC_GOOD, "<dma-noncanon-1>");
	/* wholly outside RAM; a length past the limit */
	check_eq((uint64_t)hypercall(VIREO_HC_CONSOLE_WRITE, ram_end + PAGE, 16, 0, 0),
		 (uint64_t)(long)VIREO_EFAULT, "hc-above-ram-refused");
	check_eq((uint64_t)hypercall(VIREO_HC_CONSOLE_WRITE, ram_end - 16, ~0UL - 8, 0, 0),
		 (uint64_t)(long)VIREO_EINVAL, "hc-huge-length-refused");
}

static void rep_string(bool in, uint64_t addr, uint64_t count, uint16_t port)
{
	printf("dma: REP %s of %llu bytes at 0x%llx\n", in ? "INSB" : "OUTSB",
	       (unsigned long long)count, (unsigned long long)addr);
	if (in)
		__asm__ volatile("rep insb" : "+D"(addr), "+c"(count) : "d"(port) : "memory");
	else
		__asm__ volatile("rep outsb" : "+S"(addr), "+c"(count) : "d"(port) : "memory");
	printf("dma: still alive after REP %s over the edge\n", in ? "INSB" : "OUTSB");
}

/* INSD at the last two bytes of a linear page: the other two bytes belong
 * to the next linear page, which maps to an unrelated frame. */
static void ins_pagecross(void)
{
	uint64_t f1 = 0x600000, f2 = 0x700000, la = WIN + PAGE - 2;
	uint64_t cnt = 1;

	iso_map(WIN, f1, PAGE);
	iso_map(WIN + PAGE, f2, PAGE);
	*(volatile uint32_t *)(uintptr_t)(f1 + PAGE - 4) = 0;
	*(volatile uint32_t *)(uintptr_t)(f1 + PAGE) = 0;       /* adjacent frame */
	*(volatile uint32_t *)(uintptr_t)f2 = 0;
	__asm__ volatile("rep insl" : "+D"(la), "+c"(cnt) : "d"(UNCLAIMED_PORT) : "memory");
	check_eq(*(volatile uint32_t *)(uintptr_t)(f1 + PAGE - 4), 0xffff0000u, "insd-pagecross-first-page");
	check_eq(*(volatile uint32_t *)(uintptr_t)f2, 0x0000ffffu, "insd-pagecross-second-page");
	check_eq(*(volatile uint32_t *)(uintptr_t)(f1 + PAGE), 0, "insd-pagecross-adjacent-frame-untouched");
	check_eq(la, WIN + PAGE + 2, "insd-pagecross-rdi-advanced");
}

/* A PTE whose frame lies at MAXPHYADDR: its address bits are reserved,
 * so the CPU would raise #PF with RSVD; INS/OUTS exit before touching
 * memory, so Vireo's walk must raise the same fault (not stop the VM). */
static void string_io_beyond_maxphyaddr(void)
{
	uint64_t la = WIN + 8 * PAGE, cnt = 4, p = la;
	unsigned long before = exc_count;

	if (iso_maxphyaddr() >= 52 || iso_map(la, 1ULL << iso_maxphyaddr(), PAGE)) {
		skip("ins-beyond-maxphyaddr-pf-rsvd", "no such address");
		return;
	}
	__asm__ volatile("1: rep insb\n2:\n" EXTABLE(1b, 2b) : "+D"(p), "+c"(cnt) : "d"(UNCLAIMED_PORT) : "memory");
	check(exc_count == before + 1 && exc_last.vector == 14 && (exc_last.error & 0xb) == 0xb &&
	      exc_last.cr2 == la, "ins-beyond-maxphyaddr-pf-rsvd");
	check_eq(cnt, 4, "ins-beyond-maxphyaddr-nothing-done");
	check_eq((uint64_t)hypercall(VIREO_HC_CONSOLE_WRITE, la, 16, 0, 0), (uint64_t)(long)VIREO_EFAULT,
		 "hc-beyond-maxphyaddr-refused");
}

void iso_dma(const char *op, uint64_t ram_end)
{
	if (!strcmp(op, "hc"))
		hc_cases(ram_end);
	else if (!strcmp(op, "ins-ram-end"))
		rep_string(true, ram_end - 8, 16, 0xE9);
	else if (!strcmp(op, "outs-ram-end")) {
		put_text(ram_end - 8, "dma-out:", 8);
		rep_string(false, ram_end - 8, 16, 0xE9);
	} else if (!strcmp(op, "ins-hole"))
		rep_string(true, 0x9FFF8, 16, 0xE9);
	else if (!strcmp(op, "outs-hole"))
		rep_string(false, 0x9FFF8, 16, 0xE9);
	else if (!strcmp(op, "ins-pagecross")) {
		ins_pagecross();
		string_io_beyond_maxphyaddr();
	}
	else
		fail("dma", "unknown op '%s'", op);
}
