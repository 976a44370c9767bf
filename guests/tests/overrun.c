/* Reads memory 16 MiB above the end of guest RAM. Under Vireo this must
 * stop the VM with a diagnostic; surviving it is a failure. */
#include "guest.h"

void test_main(void)
{
	uint64_t end = mb_ram_end();
	if (!end) {
		fail("overrun", "no multiboot memory info");
		return;
	}
	uint64_t addr = end + 16 * 1024 * 1024;
	printf("RAM ends at 0x%llx\n", (unsigned long long)end);
	printf("touching memory above RAM at 0x%llx\n", (unsigned long long)addr);
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)addr;
	uint8_t v = *p;
	printf("read 0x%x\n", v);
	printf("RESULT: FAIL still alive\n");
	guest_exit(1);
}
