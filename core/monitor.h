/* The hypervisor console (monitor), Ctrl-A c: while it is open, typed
 * bytes are read as command lines instead of going to a VM. This half is
 * pure: line editing and parsing, unit-tested on the host; the commands
 * run in core/monitor_exec.c.
 *
 *   help                 the commands
 *   list                 VMs: number, name, state, vCPUs, exits, focus
 *   stats VM             exit statistics by reason (as --stats prints)
 *   regs VM [VCPU]       a vCPU's registers and state (default vCPU 0)
 *   end VM               ends the VM ("ended from the console")
 *   reset VM             resets the VM (it restarts from its boot image)
 *   focus VM             console input goes to VM
 *   quit                 as Ctrl-A x: every VM ends, the run ends
 *   c, continue          leaves the monitor (as Ctrl-A c)
 *
 * VM is a name or a number 1..N (the order of Ctrl-A 1..9); a name that
 * matches wins over a number. */
#ifndef VIREO_CORE_MONITOR_H
#define VIREO_CORE_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MONITOR_LINE 80
#define MONITOR_PROMPT "vireo> "

/* The line being typed. */
struct monitor_line {
	char buf[MONITOR_LINE];
	unsigned len;
	bool last_cr;            /* a CR ended the last line: its LF is not a new one */
	char echo[2];            /* the typed character, for *echo */
};

/* One typed byte: returns true when a line is complete (l->buf, ended by
 * NUL; monitor_line_clear() before the next byte). *echo is what to print
 * back for this byte, or NULL: the character, "\b \b" for a backspace,
 * "\n" for Enter. Control characters and bytes past a full line are
 * ignored. */
bool monitor_line_feed(struct monitor_line *l, uint8_t byte, const char **echo);
void monitor_line_clear(struct monitor_line *l);

enum monitor_op {
	MON_EMPTY,               /* a blank line */
	MON_HELP,
	MON_LIST,
	MON_STATS,
	MON_REGS,
	MON_END,
	MON_RESET,
	MON_FOCUS,
	MON_QUIT,
	MON_CONTINUE,
};

struct monitor_cmd {
	enum monitor_op op;
	char vm[32];             /* the VM argument as typed */
	bool has_vcpu;
	unsigned vcpu;
};

/* Parse one line; -1 with a one-line message in err when it is not a
 * command or its arguments are wrong. */
int monitor_parse(const char *line, struct monitor_cmd *cmd, char *err, size_t errlen);

/* The VM a VM argument names among names[0..n-1]: its index, or -1. */
int monitor_find_vm(const char *arg, const char *const *names, int n);

/* One line per command, for help (NULL after the last). */
extern const char *const monitor_help_lines[];

#endif
