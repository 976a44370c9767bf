/* Demo guest: counts the primes below cmdline "limit=N" (default 200000),
 * printing progress, and exits through isa-debug-exit (status 1). */
#include "guest.h"

void test_main(void)
{
	uint32_t limit = (uint32_t)cmdline_u64("limit", 200000);
	uint32_t step = limit / 10 ? limit / 10 : 1;
	printf("counting primes below %u\n", limit);
	uint32_t count = 0, last = 0;
	for (uint32_t n = 2; n < limit; n++) {
		int prime = 1;
		for (uint32_t d = 2; d * d <= n; d++)
			if (n % d == 0) {
				prime = 0;
				break;
			}
		if (prime) {
			count++;
			last = n;
		}
		if (n % step == 0)
			printf("  %u: %u primes so far (largest %u)\n", n, count, last);
	}
	printf("%u primes below %u, the largest is %u\n", count, limit, last);
	guest_exit(0);
}
