/* What touching guest-physical memory outside RAM does.
 *
 * Default (run with strict-mmio): reads memory 16 MiB above the end of
 * guest RAM; Vireo must stop the VM with a diagnostic, so surviving it is
 * a failure.
 *
 * pc=1 (a VM without strict-mmio): the address space behaves like a PC's:
 * the VGA window 0xA0000-0xBFFFF reads all-ones and drops writes, the BIOS
 * ROM 0xC0000-0xFFFFF is readable and drops writes, and memory nothing
 * claims below 4 GiB reads all-ones and drops writes (a master abort). */
#include "guest.h"

static void check_all_ones(uintptr_t addr, const char *what)
{
	char name[64];

	snprintf(name, sizeof(name), "%s-byte-all-ones", what);
	check_eq(*(volatile uint8_t *)addr, 0xff, name);
	snprintf(name, sizeof(name), "%s-word-all-ones", what);
	check_eq(*(volatile uint16_t *)addr, 0xffff, name);
	snprintf(name, sizeof(name), "%s-dword-all-ones", what);
	check_eq(*(volatile uint32_t *)addr, 0xffffffffu, name);
	*(volatile uint32_t *)addr = 0x12345678;
	snprintf(name, sizeof(name), "%s-write-dropped", what);
	check_eq(*(volatile uint32_t *)addr, 0xffffffffu, name);
}

static void pc_address_space(uint64_t ram_end)
{
	check_all_ones(0xB8000, "vga");
	check_all_ones((uintptr_t)(ram_end + 16 * 1024 * 1024), "unclaimed");
	check_all_ones(0xFEBFF000u, "below-ioapic");

	volatile uint8_t *rom = (volatile uint8_t *)0xF0000;
	uint8_t before = *rom;
	*rom = (uint8_t)~before;
	check_eq(*rom, before, "rom-write-dropped");
	/* A string copy out of the ROM (emulated when the target is not RAM)
	 * and into RAM (natively) agree. */
	uint8_t copy[16];
	memcpy(copy, (const void *)0xF0000, sizeof(copy));
	check(!memcmp(copy, (const void *)0xF0000, sizeof(copy)), "rom-readable");
}

void test_main(void)
{
	uint64_t end = mb_ram_end();
	if (!end) {
		fail("overrun", "no multiboot memory info");
		return;
	}
	printf("RAM ends at 0x%llx\n", (unsigned long long)end);
	if (cmdline_u64("pc", 0)) {
		pc_address_space(end);
		return;
	}
	uint64_t addr = end + 16 * 1024 * 1024;
	printf("touching memory above RAM at 0x%llx\n", (unsigned long long)addr);
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)addr;
	uint8_t v = *p;
	printf("read 0x%x\n", v);
	printf("RESULT: FAIL still alive\n");
	guest_exit(1);
}
