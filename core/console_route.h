/* Console input routing for one run of the scheduler: polls the machine's
 * console every CONSOLE_POLL_MS (a timer in the CPU's queue), interprets
 * the escape key (core/console_in.h), queues bytes for the focused VM and
 * hands each VM's queue to its UART as fast as the guest reads it. */
#ifndef VIREO_CORE_CONSOLE_ROUTE_H
#define VIREO_CORE_CONSOLE_ROUTE_H

#include "core/console_in.h"
#include "core/monitor.h"
#include "core/timer.h"

#define CONSOLE_POLL_MS 10
/* A vCPU alone on the CPU runs without a quantum and may never exit: at
 * least this often the console is read anyway (Ctrl-A x must work). */
#define CONSOLE_WATCH_MS 100

struct vm;

struct console_route {
	struct vm **vms;
	int nvms;
	int focus;
	struct console_in in;
	bool monitor;            /* the monitor is open: input goes to it */
	struct monitor_line line;  /* the monitor's command line */
	struct vtimer poll;
	struct vtimer watch;     /* the foreground look every CONSOLE_WATCH_MS */
	uint64_t period;         /* host TSC ticks between polls */
	uint64_t min_gap;        /* guest-driven looks: at most one per this */
	uint64_t last_poll;
};

void console_route_start(struct console_route *r, struct vm **vms, int nvms);
void console_route_stop(struct console_route *r);
/* Read the console now and feed the VMs' UARTs. */
void console_route_poll(struct console_route *r);
/* Console focus to VM idx, announced. */
void console_route_focus(struct console_route *r, int idx);
/* Ctrl-A x: every VM ends ("quit from the console"), and so the run. */
void console_route_quit(struct console_route *r);
/* The same when a guest polls its UART, at most every 100 us. */
void console_route_poll_soon(struct console_route *r);

#endif
