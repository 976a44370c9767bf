/* Memory isolation: fills 4 MiB of its RAM with the byte from cmdline
 * "pattern=0xNN", causes thousands of VM exits (CPUID, OUT) so that other
 * VMs get scheduled, and checks its memory still holds its own pattern. */
#include "guest.h"

#define REGION_START 0x400000u /* 4 MiB .. 8 MiB */
#define REGION_SIZE  0x400000u
#define ROUNDS       8
#define EXITS_PER_ROUND 500

static int verify(const volatile uint32_t *p, uint32_t want, unsigned round)
{
	for (uint32_t i = 0; i < REGION_SIZE / 4; i++)
		if (p[i] != want) {
			fail("pattern", "round %u: word at 0x%x is 0x%x, expected 0x%x", round,
			     (unsigned)(REGION_START + 4 * i), p[i], want);
			return 0;
		}
	return 1;
}

void test_main(void)
{
	uint64_t pat = cmdline_u64("pattern", 0x5A) & 0xFF;
	printf("pattern test: pattern 0x%02llX\n", (unsigned long long)pat);
	uint64_t end = mb_ram_end();
	if (end && end < REGION_START + REGION_SIZE) {
		fail("pattern", "needs at least 8 MiB of RAM, have 0x%llx", (unsigned long long)end);
		return;
	}
	uint32_t want = (uint32_t)pat * 0x01010101u;
	volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)REGION_START;
	for (uint32_t i = 0; i < REGION_SIZE / 4; i++)
		p[i] = want;
	unsigned exits = 0;
	int ok = 1;
	for (unsigned r = 0; r < ROUNDS && ok; r++) {
		for (unsigned i = 0; i < EXITS_PER_ROUND; i++) {
			uint32_t a, b, c, d;
			cpuid(0, 0, &a, &b, &c, &d);
			outb(0x2F0, (uint8_t)i);
			exits += 2;
		}
		ok = verify(p, want, r);
	}
	printf("%u exits done\n", exits);
	if (ok)
		printf("pattern 0x%02llX intact\n", (unsigned long long)pat);
	check(ok, "pattern-intact");
}
