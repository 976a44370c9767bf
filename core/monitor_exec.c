/* Monitor commands. Replies go out at LOG_ERR, as the summary does: they
 * answer the person at the console and must show whatever the log level.
 * A command may run in the middle of an exit (the console is polled from
 * the exit path too), so it only records what should happen (vm_end,
 * vm_reset) and the scheduler does it, as for a guest's own request. */
#include "core/arch.h"
#include "core/console_route.h"
#include "core/monitor.h"
#include "core/monitor_exec.h"
#include "core/pcpu.h"
#include "core/stats.h"
#include "core/vm.h"
#include "lib/printk.h"

#define MAX_NAMES 16

static void prompt(void)
{
	printk(LOG_ERR, "%s", MONITOR_PROMPT);
}

void monitor_open(struct console_route *r)
{
	r->monitor = true;
	monitor_line_clear(&r->line);
	printk(LOG_ERR, "\nvireo: monitor: typed lines go to Vireo, not to a VM "
	       "('help': commands, 'c' or Ctrl-A c: leave)\n");
	prompt();
}

void monitor_close(struct console_route *r)
{
	r->monitor = false;
	printk(LOG_ERR, "\nvireo: monitor closed; console input goes to VM %s\n",
	       r->vms[r->focus]->name);
}

/* The VM a command names, or NULL (said so). */
static struct vm *find_vm(struct console_route *r, const char *arg)
{
	const char *names[MAX_NAMES];
	int n = r->nvms < MAX_NAMES ? r->nvms : MAX_NAMES;
	int i;

	for (i = 0; i < n; i++)
		names[i] = r->vms[i]->name;
	i = monitor_find_vm(arg, names, n);
	if (i < 0) {
		printk(LOG_ERR, "vireo: no VM '%s' (list: the VMs)\n", arg);
		return NULL;
	}
	return r->vms[i];
}

static const char *vm_state_name(const struct vm *vm)
{
	if (vm->state == VM_ENDED)
		return vm_end_name(vm->end);
	return vm->reset_why ? "resetting" : "running";
}

static void cmd_list(struct console_route *r)
{
	printk(LOG_ERR, "vireo:    #  %-16s %-14s %5s %12s\n", "name", "state", "vCPUs", "exits");
	for (int i = 0; i < r->nvms; i++) {
		struct vm *vm = r->vms[i];

		printk(LOG_ERR, "vireo:  %c %2d  %-16s %-14s %5u %12llu\n",
		       i == r->focus ? '*' : ' ', i + 1, vm->name, vm_state_name(vm), vm->nvcpus,
		       (unsigned long long)vm->stats.exits);
	}
	printk(LOG_ERR, "vireo:  (* has the console)\n");
}

/* The same lines as --stats prints in the summary. */
static void cmd_stats(struct vm *vm)
{
	vm->stats.unclaimed_pio = vm->bus.unclaimed_pio;
	stats_print(vm->name, &vm->stats, 2);
}

static const char *vcpu_state_name(const struct vcpu *v)
{
	switch (v->state) {
	case VCPU_WAIT_SIPI: return "waiting for SIPI";
	case VCPU_RUNNABLE:
		return this_pcpu()->current == v ? "running (in an exit now)" : "running";
	case VCPU_HALTED:
		return v->halted_irq_off ? "halted, interrupts off" : "halted";
	case VCPU_STOPPED: return "stopped";
	}
	return "?";
}

static void cmd_regs(struct vm *vm, const struct monitor_cmd *c)
{
	unsigned id = c->has_vcpu ? c->vcpu : 0;
	struct vcpu *v;

	if (id >= vm->nvcpus) {
		printk(LOG_ERR, "vireo: VM %s has no vCPU %u (it has %u)\n", vm->name, id,
		       vm->nvcpus);
		return;
	}
	v = vm->vcpus[id];
	printk(LOG_ERR, "vireo:   VM %s vCPU %u: %s\n", vm->name, id, vcpu_state_name(v));
	/* Its state there changes as we read: nothing trustworthy to show. */
	if (vcpu_running_elsewhere(v)) {
		printk(LOG_ERR, "vireo:     running on another CPU now: registers not read\n");
		return;
	}
	arch_vcpu_print_regs(v);
}

static void cmd_help(void)
{
	for (int i = 0; monitor_help_lines[i]; i++)
		printk(LOG_ERR, "vireo:   %s\n", monitor_help_lines[i]);
}

/* The commands that name a VM. */
static void run_on_vm(struct console_route *r, const struct monitor_cmd *c)
{
	struct vm *vm = find_vm(r, c->vm);

	if (!vm)
		return;
	switch (c->op) {
	case MON_STATS:
		cmd_stats(vm);
		break;
	case MON_REGS:
		cmd_regs(vm, c);
		break;
	case MON_END:
		if (vm->state != VM_RUNNING)
			printk(LOG_ERR, "vireo: VM %s has ended already\n", vm->name);
		vm_end(vm, VM_END_CONSOLE, 0, "ended from the console");
		break;
	case MON_RESET:
		if (vm->state != VM_RUNNING)
			printk(LOG_ERR, "vireo: VM %s has ended: no reset\n", vm->name);
		else
			printk(LOG_ERR, "vireo: VM %s resets\n", vm->name);
		vm_reset(vm, "the console");
		break;
	case MON_FOCUS:
		for (int i = 0; i < r->nvms; i++)
			if (r->vms[i] == vm)
				console_route_focus(r, i);
		break;
	default:
		break;
	}
}

/* false when the monitor is left (or the run ends). */
static bool run(struct console_route *r, const struct monitor_cmd *c)
{
	switch (c->op) {
	case MON_EMPTY:
		break;
	case MON_HELP:
		cmd_help();
		break;
	case MON_LIST:
		cmd_list(r);
		break;
	case MON_QUIT:
		console_route_quit(r);
		return false;
	case MON_CONTINUE:
		monitor_close(r);
		return false;
	default:
		run_on_vm(r, c);
		break;
	}
	return true;
}

void monitor_input(struct console_route *r, uint8_t byte)
{
	struct monitor_cmd cmd;
	const char *echo;
	char err[120];
	bool done = monitor_line_feed(&r->line, byte, &echo);

	if (echo)
		printk(LOG_ERR, "%s", echo);
	if (!done)
		return;
	if (monitor_parse(r->line.buf, &cmd, err, sizeof(err)))
		printk(LOG_ERR, "vireo: %s\n", err);
	else if (!run(r, &cmd))
		return;
	monitor_line_clear(&r->line);
	prompt();
}
