/* A VM's console: bytes from its UART, port 0xE9 and the console
 * hypercall. With several VMs they are gathered into lines so that the
 * VMs' output interleaves line by line, each prefixed with the VM's name
 * (control bytes shown as '?'). A lone VM owns the terminal: its bytes
 * pass as they come, escape sequences, backspaces and prompts without a
 * newline included, as QEMU's -serial stdio does, so line editing works. */
#ifndef VIREO_CORE_CONSOLE_H
#define VIREO_CORE_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#define VM_CONSOLE_LINE 240

struct vm_console {
	const char *prefix;      /* VM name, or NULL for no prefix */
	char line[VM_CONSOLE_LINE];
	size_t len;
	uint64_t bytes;          /* total output, for the summary */
	char raw_cr;             /* raw mode: a CR waiting to see if LF follows */
	char raw_last;           /* raw mode: the last byte written */
};

void vm_console_init(struct vm_console *c, const char *prefix);
void vm_console_putc(struct vm_console *c, uint8_t ch);
void vm_console_flush(struct vm_console *c);

#endif
