/* panic: report a fatal hypervisor error and stop the machine. */
#include "lib/printk.h"
#include "arch/x86/cpu/shutdown.h"
#include "arch/x86/cpu/traps.h"

/* Set on first entry so a panic while panicking (e.g. a fault in the stack
 * walk or in the shutdown path) halts instead of recursing. Machine-global:
 * there is one CPU and one panic. */
static int panicking;

void panic(const char *fmt, ...)
{
	va_list ap;

	__asm__ volatile("cli" ::: "memory");
	if (panicking++) {
		console_write("vireo: PANIC: recursive panic\n", 30);
		machine_shutdown(VIREO_EXIT_PANIC);
	}
	console_write("vireo: PANIC: ", 14);
	va_start(ap, fmt);
	console_vprintf(fmt, ap);
	va_end(ap);
	if (fmt[0] == '\0' || fmt[strlen(fmt) - 1] != '\n')
		console_write("\n", 1);
	stacktrace_print((uint64_t)__builtin_frame_address(0));
	machine_shutdown(VIREO_EXIT_PANIC);
}
