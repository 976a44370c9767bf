/* Kernel logging: printk with syslog-style levels, the console sink, and
 * panic. Output goes to COM1 (arch/x86/cpu/serial.c). */
#ifndef VIREO_LIB_PRINTK_H
#define VIREO_LIB_PRINTK_H

#include "lib/libc.h"

/* syslog(3) severities; lower is more important. */
enum { LOG_ERR = 3, LOG_WARN = 4, LOG_INFO = 6, LOG_DEBUG = 7 };

/* Messages with level > console_loglevel are dropped. Machine-global by
 * nature (there is one console); default LOG_INFO. */
extern int console_loglevel;

void console_set_loglevel(int level);
/* Raw console output, no formatting; "\n" becomes "\r\n". */
void console_write(const char *s, size_t n);

void printk(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Formatted console output that ignores console_loglevel: for panic and
 * exception reports, which must always reach the console. */
void console_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void console_vprintf(const char *fmt, va_list ap);

/* The level is tested before the arguments are evaluated, so disabled
 * logging costs one compare and a branch. */
#define pr_log_(lvl, ...)                                  \
	do {                                               \
		if (console_loglevel >= (lvl))             \
			printk((lvl), __VA_ARGS__);        \
	} while (0)
#define pr_err(...)   pr_log_(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)  pr_log_(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  pr_log_(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) pr_log_(LOG_DEBUG, __VA_ARGS__)

/* Print "vireo: PANIC: <msg>" and a stack trace, then machine_shutdown(125). */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* lib/printf.c: the formatter behind vsnprintf/snprintf, under names that
 * do not clash with the host libc in unit tests. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
