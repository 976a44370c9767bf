/* Triple fault on purpose: a null IDT and an int3. */
#include "guest.h"

void test_main(void)
{
	printf("going to triple fault\n");
	struct {
		uint16_t limit;
		uintptr_t base;
	} __attribute__((packed)) null_idt = { 0, 0 };
	__asm__ volatile("lidt %0\n int3\n ud2" : : "m"(null_idt) : "memory");
	printf("RESULT: FAIL still alive\n");
	guest_exit(1);
}
