#include "core/monitor.h"
#include "lib/libc.h"

#define BACKSPACE 0x08
#define DELETE    0x7f

bool monitor_line_feed(struct monitor_line *l, uint8_t byte, const char **echo)
{
	bool lf_after_cr = byte == '\n' && l->last_cr;

	*echo = NULL;
	l->last_cr = byte == '\r';
	if (byte == '\r' || byte == '\n') {
		if (lf_after_cr)
			return false;            /* CR LF is one Enter */
		l->buf[l->len] = 0;
		*echo = "\n";
		return true;
	}
	if (byte == BACKSPACE || byte == DELETE) {
		if (l->len) {
			l->len--;
			*echo = "\b \b";         /* erase it on the terminal too */
		}
		return false;
	}
	if (byte < 0x20 || byte > 0x7e || l->len + 1 >= MONITOR_LINE)
		return false;
	l->buf[l->len++] = (char)byte;
	l->echo[0] = (char)byte;
	l->echo[1] = 0;
	*echo = l->echo;
	return false;
}

void monitor_line_clear(struct monitor_line *l)
{
	l->len = 0;
	l->buf[0] = 0;
}

/* What each command takes after its name. */
enum monitor_args { ARGS_NONE, ARGS_VM, ARGS_VM_VCPU };

static const struct {
	const char *name;
	enum monitor_op op;
	enum monitor_args args;
} commands[] = {
	{ "help", MON_HELP, ARGS_NONE },
	{ "?", MON_HELP, ARGS_NONE },
	{ "list", MON_LIST, ARGS_NONE },
	{ "stats", MON_STATS, ARGS_VM },
	{ "regs", MON_REGS, ARGS_VM_VCPU },
	{ "end", MON_END, ARGS_VM },
	{ "reset", MON_RESET, ARGS_VM },
	{ "focus", MON_FOCUS, ARGS_VM },
	{ "quit", MON_QUIT, ARGS_NONE },
	{ "c", MON_CONTINUE, ARGS_NONE },
	{ "continue", MON_CONTINUE, ARGS_NONE },
};

const char *const monitor_help_lines[] = {
	"help                this list",
	"list                VMs: number, name, state, vCPUs, exits (* has the console)",
	"stats VM            exit statistics of VM by reason",
	"regs VM [VCPU]      registers and state of a vCPU (default 0)",
	"end VM              end VM",
	"reset VM            reset VM (it restarts from its boot image)",
	"focus VM            console input goes to VM",
	"quit                end every VM and the run (as Ctrl-A x)",
	"c, continue         leave the monitor (as Ctrl-A c)",
	"VM is a name or a number 1..N as in Ctrl-A 1..9",
	NULL,
};

#define MAX_WORDS 4

/* Splits line into at most MAX_WORDS words (in buf); the word count, or
 * MAX_WORDS + 1 when there are more. */
static int split(const char *line, char *buf, size_t buflen, const char **words)
{
	int n = 0;
	size_t i = 0;

	while (*line) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line)
			break;
		if (n == MAX_WORDS)
			return MAX_WORDS + 1;
		words[n++] = &buf[i];
		while (*line && *line != ' ' && *line != '\t' && i + 1 < buflen)
			buf[i++] = *line++;
		buf[i++] = 0;
		if (i >= buflen)
			break;
	}
	return n;
}

static int bad(char *err, size_t errlen, const char *fmt, const char *a)
{
	snprintf(err, errlen, fmt, a);
	return -1;
}

static int parse_args(const char *name, enum monitor_args args, const char **w, int n,
		      struct monitor_cmd *cmd, char *err, size_t errlen)
{
	int most = args == ARGS_NONE ? 1 : args == ARGS_VM ? 2 : 3;
	uint64_t v;

	if (n > most)
		return bad(err, errlen, "%s: too many arguments (help: the commands)", name);
	if (args == ARGS_NONE)
		return 0;
	if (n < 2)
		return bad(err, errlen, "%s: which VM? (a name or a number, see list)", name);
	if (strlen(w[1]) >= sizeof(cmd->vm))
		return bad(err, errlen, "%s: no VM has so long a name", name);
	memcpy(cmd->vm, w[1], strlen(w[1]) + 1);
	if (n == 3) {
		if (parse_u64(w[2], strlen(w[2]), false, &v) || v > 255)
			return bad(err, errlen, "bad vCPU number '%s'", w[2]);
		cmd->has_vcpu = true;
		cmd->vcpu = (unsigned)v;
	}
	return 0;
}

int monitor_parse(const char *line, struct monitor_cmd *cmd, char *err, size_t errlen)
{
	char buf[MONITOR_LINE + MAX_WORDS];
	const char *w[MAX_WORDS];
	int n = split(line, buf, sizeof(buf), w);

	memset(cmd, 0, sizeof(*cmd));
	if (n == 0) {
		cmd->op = MON_EMPTY;
		return 0;
	}
	if (n > MAX_WORDS)
		return bad(err, errlen, "%s", "too many arguments (help: the commands)");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(w[0], commands[i].name) != 0)
			continue;
		cmd->op = commands[i].op;
		return parse_args(commands[i].name, commands[i].args, w, n, cmd, err, errlen);
	}
	return bad(err, errlen, "unknown command '%s' (help: the commands)", w[0]);
}

int monitor_find_vm(const char *arg, const char *const *names, int n)
{
	uint64_t v;

	for (int i = 0; i < n; i++)
		if (strcmp(names[i], arg) == 0)
			return i;
	if (parse_u64(arg, strlen(arg), false, &v) || v < 1 || v > (uint64_t)n)
		return -1;
	return (int)(v - 1);
}
