/* Vireo hypercalls: VERSION, CONSOLE_WRITE (plain, page-crossing, empty),
 * an unknown number, VCPU_ID, and finally EXIT with status 0. Natively
 * (no Vireo) every hypercall is skipped and the guest ends by debug-exit. */
#include "guest.h"

static char page_buf[8192] __attribute__((aligned(4096)));

void test_main(void)
{
	if (!running_on_vireo()) {
		printf("hypercall test: not on Vireo\n");
		skip("hc-version", "not on Vireo");
		skip("hc-console-write", "not on Vireo");
		skip("hc-console-crosspage", "not on Vireo");
		skip("hc-console-empty", "not on Vireo");
		skip("hc-unknown", "not on Vireo");
		skip("hc-vcpu-id", "not on Vireo");
		skip("hc-exit", "not on Vireo");
		test_finish();
	}
	printf("hypercall test (on Vireo)\n");
	check_eq((uint64_t)hc_version(), (VIREO_ABI_MAJOR << 16) | VIREO_ABI_MINOR, "hc-version");

	static const char msg[] = "hello via hypercall\n";
	long r = hc_console_write(msg, sizeof(msg) - 1);
	check_eq((uint64_t)r, sizeof(msg) - 1, "hc-console-write");

	static const char cross[] = "crosspage via hypercall\n";
	size_t n = sizeof(cross) - 1;
	char *p = page_buf + 4096 - 10; /* straddles the page boundary */
	memcpy(p, cross, n);
	r = hc_console_write(p, n);
	check_eq((uint64_t)r, n, "hc-console-crosspage");

	r = hc_console_write(msg, 0);
	check_eq((uint64_t)r, 0, "hc-console-empty");

	r = hypercall(0x7777, 1, 2, 3, 4);
	check_eq((uint64_t)r, (uint64_t)(long)VIREO_ENOSYS, "hc-unknown");
	r = hypercall(0xFFFF, 0, 0, 0, 0);
	check_eq((uint64_t)r, (uint64_t)(long)VIREO_ENOSYS, "hc-unknown-2");

	check_eq((uint64_t)hc_vcpu_id(), 0, "hc-vcpu-id");

	int failed = test_report();
	printf("exiting via hypercall EXIT(%d)\n", failed ? 1 : 0);
	hc_exit(failed ? 1 : 0);
}
