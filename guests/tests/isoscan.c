/* Isolation scan (issue 9): a 64-bit guest reads and writes the
 * guest-physical address space around and outside its RAM and checks that
 * nothing of the hypervisor or of a sibling VM shows through.
 *
 * role=scan (default): wait=TICKS first (the sibling fills its RAM), then
 *   1. every 16 bytes of RAM and of the BIOS ROM window: no marker
 *      (isoscan.h) of the hypervisor image or of the sibling;
 *   2. its free RAM filled with a canary;
 *   3. every page of the VGA window and of [from, to) (default: RAM end
 *      and 1 GiB above it), one page per 2 MiB elsewhere from the end of
 *      RAM up to the I/O APIC, then
 *      every page of 0xFEC00000-4 GiB: reads of 1, 2, 4 and 8 bytes give
 *      all-ones and a write does not stick (the documented master abort);
 *      the device pages (I/O APIC, local APIC) are only read, and the BIOS
 *      ROM pages drop a write;
 *   4. accesses that straddle RAM and a window: the RAM part is RAM's;
 *   5. a page beyond MAXPHYADDR: #PF with RSVD, from the CPU;
 *   6. x2apic=1 (apicoff=1): in x2APIC mode (with the APIC off) the xAPIC
 *      page 0xFEE00000 is no device any more: no marker there, and a write
 *      does not stick;
 *   7. the canary intact.
 *   strict=1 (a VM with strict-mmio): stops at step 3, on the first
 *   unclaimed address (RAM end): the scenario checks the reason.
 * role=fill: the sibling. Fills its free RAM with the sibling marker (with
 *   x2apic=1 or apicoff=1 also the 0xFEE00000 page in that mode), stays
 *   alive hold=TICKS (TSC deadline, halted; not with apicoff=1), checks the
 *   marker is intact, passes.
 * role=probe addr=GPA [op=read|write|fetch]: one access at GPA through a
 *   1 GiB page (4 KiB without them); above 4 GiB the VM must be stopped.
 * role=dma op=NAME: string I/O and hypercall buffers (isoscan_dma.c).
 * role=fpu-secret|fpu-probe|cr2-fault|cr2-probe: register state across VMs
 *   (isoscan_fpu.c). */
#include "isoscan.h"

extern char __bss_end[];
volatile uint64_t iso_key = ISO_KEY;

#define PAGE      4096ULL
#define MiB2      (2ULL << 20)
#define GiB1      (1ULL << 30)
#define VGA_LO    0xA0000ULL
#define ROM_LO    0xC0000ULL
#define ROM_HI    0x100000ULL
#define IOAPIC    0xFEC00000ULL
#define LAPIC     0xFEE00000ULL
#define FOUR_G    (1ULL << 32)
#define LOW_CANARY_LO 0x1000ULL
#define LOW_CANARY_HI 0x9F000ULL   /* the ACPI tables follow at 0x9FC00 */

static uint64_t ram_end, free_lo;
static bool unclaimed_page_full(uint64_t pa);

void iso_scan_markers(uint64_t lo, uint64_t hi, struct iso_hits *h)
{
	uint64_t k = iso_key;

	for (uint64_t p = lo; p < hi; p += 16) {
		uint64_t a = *(volatile uint64_t *)p ^ k, b = *(volatile uint64_t *)(p + 8) ^ k;

		if (a == HV_ENC0 && b == HV_ENC1 && !h->hv++)
			h->first_hv = p;
		if (a == SIB_ENC0 && b == SIB_ENC1 && !h->sib++)
			h->first_sib = p;
	}
}

static void report_hits(const char *name, const struct iso_hits *h)
{
	char n[64];

	if (h->hv)
		printf("%s: %llu hypervisor markers, first at 0x%llx\n", name,
		       (unsigned long long)h->hv, (unsigned long long)h->first_hv);
	if (h->sib)
		printf("%s: %llu sibling markers, first at 0x%llx\n", name,
		       (unsigned long long)h->sib, (unsigned long long)h->first_sib);
	snprintf(n, sizeof(n), "%s-no-marker", name);
	check(!h->hv && !h->sib, n);
}

/* The detector finds both markers where they are (so that "none found"
 * means something): written into a page of its own, then wiped. */
static void positive_control(void)
{
	static uint64_t page[512] __attribute__((aligned(4096)));
	struct iso_hits h = { 0, 0, ~0ULL, ~0ULL };

	page[100] = HV_ENC0 ^ iso_key;
	page[101] = HV_ENC1 ^ iso_key;
	page[300] = SIB_ENC0 ^ iso_key;
	page[301] = SIB_ENC1 ^ iso_key;
	iso_scan_markers((uintptr_t)page, (uintptr_t)page + sizeof(page), &h);
	memset(page, 0, sizeof(page));
	check(h.hv == 1 && h.first_hv == (uintptr_t)&page[100], "detector-finds-hv-marker");
	check(h.sib == 1 && h.first_sib == (uintptr_t)&page[300], "detector-finds-sibling-marker");
}

static uint64_t canary(uint64_t p)
{
	return (p * 0x9E3779B97F4A7C15ULL) ^ 0xC0FFEE5EED5ULL;
}

static void canary_fill(uint64_t lo, uint64_t hi)
{
	for (uint64_t p = lo; p < hi; p += 8)
		*(volatile uint64_t *)p = canary(p);
}

static uint64_t canary_bad(uint64_t lo, uint64_t hi, uint64_t *first)
{
	uint64_t bad = 0;

	for (uint64_t p = lo; p < hi; p += 8)
		if (*(volatile uint64_t *)p != canary(p) && !bad++)
			*first = p;
	return bad;
}

/* ---- the documented outcome outside RAM ---- */
struct tally {
	uint64_t pages, bad, first_bad, last;
};

static void tally_page(struct tally *t, uint64_t pa, bool ok)
{
	t->pages++;
	t->last = pa;
	if (!ok && !t->bad++)
		t->first_bad = pa;
}

/* Master abort: reads of every size all-ones, a write vanishes. Each
 * access costs an exit (~2000 instructions): the full set on one page in
 * 16, one 8-byte read elsewhere, at an offset that walks the page. */
static bool unclaimed_page_ok(uint64_t pa)
{
	if ((pa >> 12) & 15)
		return *(volatile uint64_t *)(uintptr_t)(pa + ((pa >> 9) & 0xff8)) == ~0ULL;
	return unclaimed_page_full(pa);
}

static bool unclaimed_page_full(uint64_t pa)
{
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)pa;
	bool ok = *(volatile uint64_t *)p == ~0ULL;

	*(volatile uint64_t *)(p + 0x800) = 0x0123456789abcdefULL;
	ok = ok && *(volatile uint64_t *)(p + 0x800) == ~0ULL;
	ok = ok && *(volatile uint32_t *)(p + 0xffc) == 0xffffffffu;
	ok = ok && *(volatile uint16_t *)(p + 0x402) == 0xffff;
	return ok && p[0x7ff] == 0xff;
}

static void report_tally(const char *name, const struct tally *t, bool may_be_empty)
{
	char n[64];

	printf("%s: %llu pages, last 0x%llx\n", name, (unsigned long long)t->pages,
	       (unsigned long long)t->last);
	if (t->bad)
		printf("%s: %llu pages wrong, first 0x%llx\n", name, (unsigned long long)t->bad,
		       (unsigned long long)t->first_bad);
	snprintf(n, sizeof(n), "%s-all-ones-writes-dropped", name);
	check((t->pages || may_be_empty) && !t->bad, n);
}

/* [lo, hi) one page in 'step', skipping [skip_lo, skip_hi) */
static void scan_unclaimed(const char *name, uint64_t lo, uint64_t hi, uint64_t step,
			   uint64_t skip_lo, uint64_t skip_hi)
{
	struct tally t = { 0, 0, 0, 0 };
	uint64_t t0 = rdtsc();

	for (uint64_t pa = lo; pa < hi; pa += step)
		if (pa < skip_lo || pa >= skip_hi)
			tally_page(&t, pa, step == PAGE ? unclaimed_page_ok(pa) : unclaimed_page_full(pa));
	report_tally(name, &t, step != PAGE);   /* the sampled part may be empty */
	printf("%s: %llu TSC ticks\n", name, (unsigned long long)(rdtsc() - t0));
}

static void scan_rom(void)
{
	struct tally t = { 0, 0, 0, 0 };

	for (uint64_t pa = ROM_LO; pa < ROM_HI; pa += PAGE) {
		volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)(pa + 0x800);
		uint64_t before = *p;

		*p = ~before;
		tally_page(&t, pa, *p == before);
	}
	printf("rom: %llu pages\n", (unsigned long long)t.pages);
	check(t.pages == 64 && !t.bad, "rom-writes-dropped");
}

/* Device pages: only read (a write would program the device); whatever
 * the registers hold, it is no marker. */
static void scan_device_page(const char *name, uint64_t pa)
{
	uint64_t found = 0;
	uint64_t k = iso_key;
	char n[64];

	for (uint64_t off = 0; off < PAGE; off += 16) {
		uint32_t v = *(volatile uint32_t *)(uintptr_t)(pa + off);

		/* a marker would show as one of its 4-byte pieces */
		found += (v ^ (uint32_t)k) == (uint32_t)HV_ENC0 || (v ^ (uint32_t)k) == (uint32_t)SIB_ENC0 ||
			 (v ^ (uint32_t)(k >> 32)) == (uint32_t)(HV_ENC0 >> 32) ||
			 (v ^ (uint32_t)(k >> 32)) == (uint32_t)(SIB_ENC0 >> 32);
	}
	snprintf(n, sizeof(n), "%s-page-no-marker", name);
	check(!found, n);
}

/* 4 GiB - 0xFEC00000: every page; the two device pages only read. */
static void scan_top(void)
{
	struct tally t = { 0, 0, 0, 0 };

	for (uint64_t pa = IOAPIC; pa < FOUR_G; pa += PAGE)
		if (pa != IOAPIC && pa != LAPIC)
			tally_page(&t, pa, unclaimed_page_full(pa));
	report_tally("top-20m", &t, false);
	scan_device_page("ioapic", IOAPIC);
	scan_device_page("lapic", LAPIC);
}

/* An 8-byte access over a boundary: the RAM bytes are RAM's, the others
 * the window's (all-ones from an unclaimed range or VGA, ROM bytes). */
static void straddle(const char *name, uint64_t edge, bool ram_below, uint64_t other)
{
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)(edge - 4);
	volatile uint32_t *ram = (volatile uint32_t *)(uintptr_t)(ram_below ? edge - 4 : edge);
	char n[80];
	uint64_t got, want;

	*ram = 0x5eed1234u;
	got = *p;
	want = ram_below ? (other << 32 | 0x5eed1234u) : ((uint64_t)0x5eed1234u << 32 | other);
	snprintf(n, sizeof(n), "straddle-%s-read", name);
	check_eq(got, want, n);
	*p = 0xa1b2c3d4e5f60718ULL;
	snprintf(n, sizeof(n), "straddle-%s-write-ram-part", name);
	check_eq(*ram, ram_below ? 0xe5f60718u : 0xa1b2c3d4u, n);
	got = *p;
	want = ram_below ? (other << 32 | 0xe5f60718u) : (0xa1b2c3d4ULL << 32 | other);
	snprintf(n, sizeof(n), "straddle-%s-write-other-part-dropped", name);
	check_eq(got, want, n);
}

static void straddles(void)
{
	uint32_t rom_first = *(volatile uint32_t *)(uintptr_t)(ROM_HI - 4);

	straddle("ram-end", ram_end, true, 0xffffffffu);
	straddle("low-ram-vga", VGA_LO, true, 0xffffffffu);
	straddle("rom-ram", ROM_HI, false, rom_first);
}

/* Beyond MAXPHYADDR the address bits are reserved in the guest's own
 * page tables: the CPU raises #PF with RSVD before any EPT is involved. */
static void beyond_maxphyaddr(unsigned maxphy)
{
	uint64_t la = 0x8000000000ULL + 0x7000;   /* PML4 entry 1 */
	unsigned long before = exc_count;
	uint64_t v = 0;

	if (maxphy >= 52) {
		skip("beyond-maxphyaddr-pf-rsvd", "MAXPHYADDR is 52");
		return;
	}
	if (iso_map(la, 1ULL << maxphy, PAGE)) {
		fail("beyond-maxphyaddr-pf-rsvd", "cannot map");
		return;
	}
	__asm__ volatile("1: mov (%1), %0\n2:\n" EXTABLE(1b, 2b) : "+r"(v) : "r"(la) : "memory");
	check(exc_count == before + 1 && exc_last.vector == 14 && (exc_last.error & 9) == 9,
	      "beyond-maxphyaddr-pf-rsvd");
}

/* Leave xAPIC mode: to x2APIC mode (mode 1), or turn the APIC off in
 * IA32_APIC_BASE (mode 2). 0 if the CPU cannot. */
static int leave_xapic(unsigned mode)
{
	if (mode == 1)
		return x2apic_enable();
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) & ~(1ULL << 11));    /* EN */
	return 1;
}

/* Out of xAPIC mode (x2APIC, SDM 11.12.2, or the APIC off, 11.4.3) the MMIO
 * interface is gone: 0xFEE00000 must not become memory that stays written
 * or that shows another VM's data. */
static void apic_page_gone(unsigned mode)
{
	const char *name = mode == 1 ? "x2apic-page" : "apic-off-page";
	struct iso_hits h = { 0, 0, ~0ULL, ~0ULL };
	char n[64];

	if (!leave_xapic(mode)) {
		skip(name, "no x2APIC");
		return;
	}
	iso_scan_markers(LAPIC, LAPIC + PAGE, &h);
	report_hits(name, &h);
	*(volatile uint64_t *)(uintptr_t)(LAPIC + 0x800) = 0x0123456789abcdefULL;
	snprintf(n, sizeof(n), "%s-write-does-not-stick", name);
	check(*(volatile uint64_t *)(uintptr_t)(LAPIC + 0x800) != 0x0123456789abcdefULL, n);
}

static void scan_ram(uint64_t hvmark)
{
	struct iso_hits h = { 0, 0, ~0ULL, ~0ULL };

	iso_scan_markers(0, VGA_LO, &h);
	iso_scan_markers(ROM_LO, ram_end, &h);
	printf("ram+rom: %llu pages read\n", (unsigned long long)((ram_end - (ROM_LO - VGA_LO)) / PAGE));
	report_hits("ram", &h);
	if (hvmark && hvmark + 16 <= ram_end) {
		/* the hypervisor's own host-physical address, named as a GPA:
		 * guest RAM there, not the hypervisor (EPT is no identity map) */
		h = (struct iso_hits){ 0, 0, ~0ULL, ~0ULL };
		iso_scan_markers(hvmark & ~15ULL, (hvmark & ~15ULL) + 16, &h);
		check(!h.hv, "hv-marker-hpa-as-gpa-is-own-ram");
	}
}

static void role_scan(void)
{
	uint64_t dense = cmdline_u64("dense", GiB1);
	uint64_t hvmark = cmdline_u64("hvmark", 0);
	uint64_t wait = cmdline_u64("wait", 0);
	bool strict = cmdline_u64("strict", 0);
	unsigned apic_gone = cmdline_u64("x2apic", 0) ? 1 : cmdline_u64("apicoff", 0) ? 2 : 0;
	uint64_t dense_lo = cmdline_u64("from", ram_end);
	uint64_t dense_hi = cmdline_u64("to", ram_end + dense < IOAPIC ? ram_end + dense : IOAPIC);
	uint64_t first = 0;
	unsigned maxphy = iso_maxphyaddr();

	printf("isoscan: RAM 0x%llx, MAXPHYADDR %u, 1 GiB pages %d, hypervisor marker at HPA 0x%llx\n",
	       (unsigned long long)ram_end, maxphy, iso_has_1g_pages(), (unsigned long long)hvmark);
	positive_control();
	if (wait)
		delay_tsc(wait);
	printf("isoscan: scanning\n");
	scan_ram(hvmark);
	canary_fill(LOW_CANARY_LO, LOW_CANARY_HI);
	canary_fill(free_lo, ram_end);
	scan_unclaimed("vga", VGA_LO, ROM_LO, PAGE, 0, 0);
	scan_rom();
	printf("isoscan: above RAM from 0x%llx\n", (unsigned long long)ram_end);
	scan_unclaimed("above-ram-dense", dense_lo, dense_hi, PAGE, 0, 0);
	if (strict)
		printf("RESULT: FAIL still alive after an unclaimed access with strict-mmio\n");
	scan_unclaimed("below-4g-per-2m", ram_end, IOAPIC, MiB2, dense_lo, dense_hi);
	scan_top();
	beyond_maxphyaddr(maxphy);
	if (apic_gone)
		apic_page_gone(apic_gone);
	uint64_t bad = canary_bad(LOW_CANARY_LO, LOW_CANARY_HI, &first) + canary_bad(free_lo, ram_end, &first);
	if (bad)
		printf("canary: %llu words changed, first at 0x%llx\n", (unsigned long long)bad,
		       (unsigned long long)first);
	check(!bad, "own-ram-intact");
	straddles();            /* they write RAM next to the windows */
}

/* ---- the sibling ---- */
static volatile uint32_t deadline_fired;

static void deadline_handler(struct exc_frame *f)
{
	(void)f;
	deadline_fired = 1;
	lapic_eoi();
}

static void sib_fill(uint64_t lo, uint64_t hi)
{
	uint64_t a = SIB_ENC0 ^ iso_key, b = SIB_ENC1 ^ iso_key;

	for (uint64_t p = lo; p < hi; p += 16) {
		*(volatile uint64_t *)p = a;
		*(volatile uint64_t *)(p + 8) = b;
	}
}

static void role_fill(void)
{
	uint64_t hold = cmdline_u64("hold", 0);
	/* read before the fill covers the command line */
	unsigned apic_gone = cmdline_u64("x2apic", 0) ? 1 : cmdline_u64("apicoff", 0) ? 2 : 0;
	struct iso_hits h = { 0, 0, ~0ULL, ~0ULL };
	uint64_t want;

	sib_fill(LOW_CANARY_LO, LOW_CANARY_HI);
	sib_fill(free_lo, ram_end);
	if (apic_gone && leave_xapic(apic_gone))
		sib_fill(LAPIC, LAPIC + PAGE);
	want = (LOW_CANARY_HI - LOW_CANARY_LO + ram_end - free_lo) / 16;
	printf("sibling: RAM filled with the marker (%llu copies)\n", (unsigned long long)want);
	if (hold) {
		irq_set_handler(0x40, deadline_handler);
		if (!lapic_is_x2apic())
			lapic_enable(0xff);
		lapic_write(APIC_LVT_TIMER, LVT_TSC_DEADLINE | 0x40);
		wrmsr(MSR_TSC_DEADLINE, rdtsc() + hold);
		while (!deadline_fired)
			safe_halt();
		cli();
	}
	iso_scan_markers(LOW_CANARY_LO, LOW_CANARY_HI, &h);
	iso_scan_markers(free_lo, ram_end, &h);
	check_eq(h.sib, want, "sibling-marker-intact");
}

/* ---- one access far away ---- */
static void role_probe(void)
{
	uint64_t gpa = cmdline_u64("addr", FOUR_G);
	char op[16] = "read", where[8] = "";
	uint64_t la, size = iso_has_1g_pages() ? GiB1 : PAGE;

	cmdline_get("op", op, sizeof(op));
	cmdline_get("addr", where, sizeof(where));
	/* the top of the physical address space, and its middle */
	if (!strcmp(where, "top"))
		gpa = (1ULL << iso_maxphyaddr()) - 8;
	else if (!strcmp(where, "half"))
		gpa = 1ULL << (iso_maxphyaddr() - 1);
	la = gpa;
	if (gpa >= FOUR_G) {
		la = 0x8000000000ULL + (gpa & (size - 1));
		if (iso_map(0x8000000000ULL, gpa & ~(size - 1), size)) {
			fail("probe", "cannot map 0x%llx", (unsigned long long)gpa);
			return;
		}
	}
	printf("probe: %s at GPA 0x%llx (linear 0x%llx, %s)\n", op, (unsigned long long)gpa,
	       (unsigned long long)la, gpa < FOUR_G ? "identity map" : size == GiB1 ? "1 GiB page" : "4 KiB page");
	if (!strcmp(op, "write"))
		*(volatile uint64_t *)la = 0x0123456789abcdefULL;
	else if (!strcmp(op, "fetch"))
		((void (*)(void))la)();
	else
		printf("probe: read 0x%llx\n", (unsigned long long)*(volatile uint64_t *)la);
	printf("probe: still alive after the %s\n", op);
}

void test_main(void)
{
	char role[16] = "scan", op[32] = "";

	cmdline_get("role", role, sizeof(role));
	cmdline_get("op", op, sizeof(op));
	ram_end = mb_ram_end();
	free_lo = ((uintptr_t)__bss_end + PAGE - 1) & ~(PAGE - 1);
	if (!ram_end || ram_end < (8ULL << 20)) {
		fail("isoscan", "needs multiboot memory info and 8 MiB of RAM");
		return;
	}
	if (!strcmp(role, "fill"))
		role_fill();
	else if (!strcmp(role, "probe"))
		role_probe();
	else if (!strcmp(role, "dma"))
		iso_dma(op, ram_end);
	else if (!strncmp(role, "fpu-", 4) || !strncmp(role, "cr2-", 4))
		iso_fpu(role, (unsigned)cmdline_u64("rounds", 20));
	else
		role_scan();
}
