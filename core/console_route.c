#include "core/arch.h"
#include "core/console_route.h"
#include "core/monitor_exec.h"
#include "core/pcpu.h"
#include "core/vm.h"
#include "lib/printk.h"

static bool can_take_input(const struct vm *vm)
{
	return vm->state == VM_RUNNING;
}

static void announce_focus(struct console_route *r)
{
	printk(LOG_INFO, "vireo: console input goes to VM %s (Ctrl-A h: help)\n",
	       r->vms[r->focus]->name);
}

/* The next VM after the focused one that takes input; -1 if none. */
static int next_running(const struct console_route *r)
{
	for (int i = 1; i <= r->nvms; i++) {
		int n = (r->focus + i) % r->nvms;

		if (can_take_input(r->vms[n]))
			return n;
	}
	return -1;
}

static void focus_next(struct console_route *r)
{
	int n = next_running(r);

	if (n >= 0)
		r->focus = n;
	announce_focus(r);
}

void console_route_focus(struct console_route *r, int idx)
{
	if (idx < 0 || idx >= r->nvms)
		return;
	r->focus = idx;
	announce_focus(r);
}

static void help(struct console_route *r)
{
	printk(LOG_INFO, "vireo: console keys: Ctrl-A n next VM, Ctrl-A 1-9 VM by number, "
	       "Ctrl-A c monitor, Ctrl-A x quit, Ctrl-A Ctrl-A sends Ctrl-A; %d VM%s, "
	       "input goes to %s\n", r->nvms, r->nvms == 1 ? "" : "s", r->vms[r->focus]->name);
}

void console_route_quit(struct console_route *r)
{
	printk(LOG_ERR, "\nvireo: quit from the console: every VM ends\n");
	r->monitor = false;
	for (int i = 0; i < r->nvms; i++)
		vm_end(r->vms[i], VM_END_CONSOLE, 0, "quit from the console (Ctrl-A x)");
}

static void to_focused_vm(struct console_route *r, uint8_t byte)
{
	if (r->monitor)
		monitor_input(r, byte);
	else if (can_take_input(r->vms[r->focus]))
		input_queue_put(&r->vms[r->focus]->input, byte);
}

static void feed(struct console_route *r, uint8_t byte)
{
	uint8_t out = 0;

	switch (console_in_feed(&r->in, byte, &out)) {
	case CIN_BYTE:
		to_focused_vm(r, out);
		break;
	case CIN_NEXT:
		focus_next(r);
		break;
	case CIN_FOCUS:
		console_route_focus(r, out);
		break;
	case CIN_HELP:
		help(r);
		break;
	case CIN_MONITOR:
		if (r->monitor)
			monitor_close(r);
		else
			monitor_open(r);
		break;
	case CIN_QUIT:
		console_route_quit(r);
		break;
	case CIN_NONE:
		break;
	}
}

/* The guest's UART takes bytes while it raises RTS (flow control, as a
 * terminal on a real serial line would honour) and its receiver has
 * room; the rest waits in the VM's queue. A driver that resets its FIFOs
 * before it opens the port therefore loses nothing typed ahead. */
static void drain(struct vm *vm)
{
	int c;

	if (input_queue_peek(&vm->input) >= 0 && !uart16550_rts(&vm->uart)) {
		if (!vm->input.held_noted)
			printk(LOG_INFO, "vireo: %s: console input waits until the guest raises "
			       "RTS on COM1 (MCR bit 1)\n", vm->name);
		vm->input.held_noted = true;
		return;
	}
	while (vm->state == VM_RUNNING && (c = input_queue_peek(&vm->input)) >= 0 &&
	       uart16550_rx_ready(&vm->uart)) {
		uart16550_rx(&vm->uart, (uint8_t)c);
		input_queue_pop(&vm->input);
	}
}

/* The focused VM ended: the keyboard moves on to the next running VM, and
 * what was typed for the ended one but never read goes along with it. */
static void refocus_if_ended(struct console_route *r)
{
	struct vm *gone = r->vms[r->focus];
	int c, n;

	if (can_take_input(gone) || (n = next_running(r)) < 0)
		return;
	r->focus = n;
	announce_focus(r);
	while ((c = input_queue_peek(&gone->input)) >= 0) {
		input_queue_put(&r->vms[r->focus]->input, (uint8_t)c);
		input_queue_pop(&gone->input);
	}
}

void console_route_poll(struct console_route *r)
{
	int c;

	if (!r)
		return;
	refocus_if_ended(r);
	while ((c = arch_console_getc()) >= 0)
		feed(r, (uint8_t)c);
	for (int i = 0; i < r->nvms; i++)
		drain(r->vms[i]);
}

/* A guest spinning on its LSR would otherwise read the host's UART on
 * every exit; 100 us between looks is far below typing speed. */
void console_route_poll_soon(struct console_route *r)
{
	uint64_t now;

	if (!r)
		return;
	now = arch_tsc();
	if (now - r->last_poll < r->min_gap)
		return;
	r->last_poll = now;
	console_route_poll(r);
}

static void poll(struct vtimer *t, uint64_t now)
{
	struct console_route *r = t->opaque;

	console_route_poll(r);
	timerq_arm(&this_pcpu()->timers, t, now + r->period);
}

/* The background poll runs only when the CPU idles or timers run anyway;
 * a lone vCPU that never exits would never let it. This one interrupts
 * the guest, ten times a second at most: the price of a working Ctrl-A. */
static void watch(struct vtimer *t, uint64_t now)
{
	struct console_route *r = t->opaque;

	console_route_poll(r);
	timerq_arm(&this_pcpu()->timers, t, now + CONSOLE_WATCH_MS * arch_tsc_khz());
}

void console_route_start(struct console_route *r, struct vm **vms, int nvms)
{
	r->vms = vms;
	r->nvms = nvms;
	r->focus = 0;
	r->in.escape = false;
	r->monitor = false;
	monitor_line_clear(&r->line);
	r->period = (uint64_t)CONSOLE_POLL_MS * arch_tsc_khz();
	r->min_gap = arch_tsc_khz() / 10;
	r->last_poll = 0;
	if (nvms <= 0)
		return;
	vtimer_init(&r->poll, poll, r, NULL);
	r->poll.background = true;      /* no exits of its own: idle and between slices */
	timerq_arm(&this_pcpu()->timers, &r->poll, arch_tsc() + r->period);
	vtimer_init(&r->watch, watch, r, NULL);
	timerq_arm(&this_pcpu()->timers, &r->watch,
		   arch_tsc() + CONSOLE_WATCH_MS * arch_tsc_khz());
	this_pcpu()->console = r;
	if (nvms > 1)
		announce_focus(r);
}

void console_route_stop(struct console_route *r)
{
	if (r->nvms > 0) {
		timerq_disarm(&this_pcpu()->timers, &r->poll);
		timerq_disarm(&this_pcpu()->timers, &r->watch);
	}
	this_pcpu()->console = NULL;
}
