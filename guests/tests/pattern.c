/* Memory isolation: fills 4 MiB of its RAM with the byte from cmdline
 * "pattern=0xNN", causes thousands of VM exits (CPUID, OUT) so that other
 * VMs get scheduled, and checks its memory still holds its own pattern.
 * With whole=1 (the sibling of the chaos tests) the region is all RAM
 * from 4 MiB up, every word also depends on its address and the round
 * (a page mapped at the wrong place shows too), rounds=N rounds (default
 * 8), each refilled and verified, with a progress line per round. */
#include "guest.h"

#define REGION_START 0x400000u /* 4 MiB .. 8 MiB */
#define REGION_SIZE  0x400000u
#define ROUNDS       8
#define EXITS_PER_ROUND 500

static uint32_t word_at(uint32_t want, uint32_t addr, unsigned round, int whole)
{
	return whole ? want ^ (addr * 0x9E3779B1u) ^ round : want;
}

static int verify(const volatile uint32_t *p, uint32_t words, uint32_t want, unsigned round, int whole)
{
	for (uint32_t i = 0; i < words; i++) {
		uint32_t addr = REGION_START + 4 * i, w = word_at(want, addr, round, whole);
		if (p[i] != w) {
			fail("pattern", "round %u: word at 0x%x is 0x%x, expected 0x%x", round,
			     (unsigned)addr, p[i], w);
			return 0;
		}
	}
	return 1;
}

static void fill(volatile uint32_t *p, uint32_t words, uint32_t want, unsigned round, int whole)
{
	for (uint32_t i = 0; i < words; i++)
		p[i] = word_at(want, REGION_START + 4 * i, round, whole);
}

void test_main(void)
{
	uint64_t pat = cmdline_u64("pattern", 0x5A) & 0xFF;
	int whole = (int)cmdline_u64("whole", 0);
	unsigned rounds = (unsigned)cmdline_u64("rounds", ROUNDS);
	printf("pattern test: pattern 0x%02llX\n", (unsigned long long)pat);
	uint64_t end = mb_ram_end();
	if (end && end < REGION_START + REGION_SIZE) {
		fail("pattern", "needs at least 8 MiB of RAM, have 0x%llx", (unsigned long long)end);
		return;
	}
	uint32_t size = whole && end ? (uint32_t)(end - REGION_START) : REGION_SIZE;
	uint32_t want = (uint32_t)pat * 0x01010101u, words = size / 4;
	volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)REGION_START;
	fill(p, words, want, 0, whole);
	unsigned exits = 0;
	int ok = 1;
	for (unsigned r = 0; r < rounds && ok; r++) {
		for (unsigned i = 0; i < EXITS_PER_ROUND; i++) {
			uint32_t a, b, c, d;
			cpuid(0, 0, &a, &b, &c, &d);
			outb(0x2F0, (uint8_t)i);
			exits += 2;
		}
		ok = verify(p, words, want, r, whole);
		if (whole && ok) {
			printf("pattern: round %u of %u ok (%u KiB)\n", r + 1, rounds, size / 1024);
			fill(p, words, want, r + 1, whole);
		}
	}
	printf("%u exits done\n", exits);
	if (ok)
		printf("pattern 0x%02llX intact\n", (unsigned long long)pat);
	check(ok, "pattern-intact");
}
