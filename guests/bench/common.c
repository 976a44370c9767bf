/* Vireo benchmark guests: buffered output and the way out (see bench.h). */
#include "bench.h"

#define BENCH_BUF_SIZE VIREO_HC_CONSOLE_MAX /* one hypercall's worth */
#define COM1_LSR       0x3FD
#define LSR_TEMT       0x40 /* transmitter empty: the last byte has left */
#define BOCHS_SHUTDOWN 0x8900

static char buf[BENCH_BUF_SIZE];
static size_t buf_len;
static int on_vireo = -1;

static int vireo(void)
{
	if (on_vireo < 0)
		on_vireo = running_on_vireo();
	return on_vireo;
}

void bench_printf(const char *fmt, ...)
{
	va_list ap;
	size_t room = sizeof(buf) - buf_len;

	va_start(ap, fmt);
	int n = vsnprintf(buf + buf_len, room, fmt, ap);
	va_end(ap);
	/* On overflow keep what fit: the harness notices the missing lines. */
	buf_len += (size_t)n < room ? (size_t)n : room - 1;
}

void bench_flush(void)
{
	if (!buf_len)
		return;
	if (vireo())
		hc_console_write(buf, buf_len);
	else
		console_write(buf, buf_len);
	buf_len = 0;
}

/* Bochs powers off on the bytes "Shutdown" at port 0x8900; wait for the
 * UART first so the result line is not cut off. */
static void bochs_poweroff(void)
{
	for (unsigned i = 0; i < 1000000; i++)
		if (inb(COM1_LSR) & LSR_TEMT)
			break;
	for (const char *s = "Shutdown"; *s; s++)
		outb(BOCHS_SHUTDOWN, (uint8_t)*s);
}

void bench_end(uint32_t status)
{
	bench_flush();
	if (vireo())
		guest_exit(status);
	printf("vireo: result %u\n", status);
	bochs_poweroff();
	for (;;)
		__asm__ volatile("cli; hlt");
}
