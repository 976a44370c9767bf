#include "core/console.h"
#include "lib/libc.h"
#include "lib/printk.h"

void vm_console_init(struct vm_console *c, const char *prefix)
{
	c->prefix = prefix;
	c->len = 0;
	c->bytes = 0;
	c->raw_cr = 0;
	c->raw_last = '\n';
}

static void raw_write(struct vm_console *c, char ch)
{
	console_write(&ch, 1);
	c->raw_last = ch;
}

/* The host console turns LF into CR LF itself: a guest's CR LF goes out
 * as one LF, a lone CR (a line redrawn) as it is. */
static void raw_putc(struct vm_console *c, uint8_t ch)
{
	if (c->raw_cr && ch != '\n')
		raw_write(c, '\r');
	c->raw_cr = ch == '\r';
	if (!c->raw_cr)
		raw_write(c, (char)ch);
}

void vm_console_flush(struct vm_console *c)
{
	char out[VM_CONSOLE_LINE + 48];
	int n;

	if (!c->prefix) {
		/* The VM ends: what Vireo prints next starts on a new line. */
		c->raw_cr = 0;
		if (c->raw_last != '\n')
			raw_write(c, '\n');
		return;
	}
	if (c->len == 0)
		return;
	if (c->prefix)
		n = snprintf(out, sizeof(out), "[%s] %.*s\n", c->prefix, (int)c->len, c->line);
	else
		n = snprintf(out, sizeof(out), "%.*s\n", (int)c->len, c->line);
	if (n > (int)sizeof(out) - 1)
		n = sizeof(out) - 1;
	console_write(out, n);
	c->len = 0;
}

/* Carriage returns are dropped (the host console adds its own), other
 * control bytes except tab are shown as '?' so a guest cannot drive the
 * user's terminal. A full line is flushed as is. */
void vm_console_putc(struct vm_console *c, uint8_t ch)
{
	c->bytes++;
	if (!c->prefix) {
		raw_putc(c, ch);
		return;
	}
	if (ch == '\n') {
		if (c->len == 0) {
			c->line[c->len++] = ' ';
		}
		vm_console_flush(c);
		return;
	}
	if (ch == '\r')
		return;
	if ((ch < 0x20 && ch != '\t') || ch >= 0x7f)
		ch = '?';
	c->line[c->len++] = (char)ch;
	if (c->len == VM_CONSOLE_LINE)
		vm_console_flush(c);
}
