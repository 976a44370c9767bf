/* printk: format into a stack buffer and write it to the console. */
#include "lib/printk.h"
#include "arch/x86/cpu/serial.h"

/* The one console's verbosity: inherently machine-global. */
int console_loglevel = LOG_INFO;

void console_set_loglevel(int level)
{
	console_loglevel = level;
}

void console_write(const char *s, size_t n)
{
	size_t start = 0;

	/* Serial terminals need CR before LF; send runs between newlines. */
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\n')
			continue;
		serial_write(s + start, i - start);
		serial_write("\r\n", 2);
		start = i + 1;
	}
	serial_write(s + start, n - start);
}

#define PRINTK_BUF 512

void console_vprintf(const char *fmt, va_list ap)
{
	char buf[PRINTK_BUF];
	int n = kvsnprintf(buf, sizeof(buf), fmt, ap);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf)) {
		/* Truncated: still show what fits, and say so. */
		console_write(buf, sizeof(buf) - 1);
		console_write("...\n", 4);
		return;
	}
	console_write(buf, (size_t)n);
}

void console_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	console_vprintf(fmt, ap);
	va_end(ap);
}

void printk(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > console_loglevel)
		return;
	va_start(ap, fmt);
	console_vprintf(fmt, ap);
	va_end(ap);
}
