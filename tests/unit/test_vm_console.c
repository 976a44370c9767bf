/* UNIT-DEPS: core/console.c lib/printf.c */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/console.h"
#include "lib/libc.h"
#include "lib/printk.h"

/* What reached the host console (lib/printk.c would add CR before LF). */
static char host[1024];
static size_t nhost;

void console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n && nhost < sizeof(host) - 1; i++)
		host[nhost++] = s[i];
	host[nhost] = 0;
}

static void put(struct vm_console *c, const char *s)
{
	while (*s)
		vm_console_putc(c, (uint8_t)*s++);
}

static int setup(void **state)
{
	(void)state;
	nhost = 0;
	host[0] = 0;
	return 0;
}

/* A lone VM: bytes go out at once, prompts and escape sequences too;
 * CR LF becomes the host's LF, a lone CR stays. */
static void test_raw(void **state)
{
	struct vm_console c;

	(void)state;
	vm_console_init(&c, NULL);
	put(&c, "login\r\n# ");
	assert_string_equal(host, "login\n# ");
	put(&c, "ab\b \b\x1b[K\rx");
	assert_string_equal(host, "login\n# ab\b \b\x1b[K\rx");
	vm_console_flush(&c);                  /* the VM ends mid-line */
	assert_string_equal(host, "login\n# ab\b \b\x1b[K\rx\n");
	vm_console_flush(&c);
	assert_string_equal(host, "login\n# ab\b \b\x1b[K\rx\n");
	assert_int_equal(c.bytes, 19);
}

/* Several VMs: whole lines with the VM's name, control bytes as '?'. */
static void test_lines(void **state)
{
	struct vm_console c;

	(void)state;
	vm_console_init(&c, "web");
	put(&c, "# ");
	assert_int_equal(nhost, 0);
	put(&c, "ls\x1b\r\n");
	assert_string_equal(host, "[web] # ls?\n");
	put(&c, "tail");
	vm_console_flush(&c);
	assert_string_equal(host, "[web] # ls?\n[web] tail\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_raw, setup),
		cmocka_unit_test_setup(test_lines, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
