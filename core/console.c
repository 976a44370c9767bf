#include "core/console.h"
#include "lib/libc.h"
#include "lib/printk.h"

void vm_console_init(struct vm_console *c, const char *prefix)
{
	c->prefix = prefix;
	c->len = 0;
	c->bytes = 0;
}

void vm_console_flush(struct vm_console *c)
{
	char out[VM_CONSOLE_LINE + 48];
	int n;

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
