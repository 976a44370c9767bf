/* Console input routing for one run of the scheduler: polls the machine's
 * console every CONSOLE_POLL_MS (a timer in the CPU's queue), interprets
 * the escape key (core/console_in.h), queues bytes for the focused VM and
 * hands each VM's queue to its UART as fast as the guest reads it. */
#ifndef VIREO_CORE_CONSOLE_ROUTE_H
#define VIREO_CORE_CONSOLE_ROUTE_H

#include "core/console_in.h"
#include "core/timer.h"

#define CONSOLE_POLL_MS 10

struct vm;

struct console_route {
	struct vm **vms;
	int nvms;
	int focus;
	struct console_in in;
	struct vtimer poll;
	uint64_t period;         /* host TSC ticks between polls */
	uint64_t min_gap;        /* guest-driven looks: at most one per this */
	uint64_t last_poll;
};

void console_route_start(struct console_route *r, struct vm **vms, int nvms);
void console_route_stop(struct console_route *r);
/* Read the console now and feed the VMs' UARTs. */
void console_route_poll(struct console_route *r);
/* The same when a guest polls its UART, at most every 100 us. */
void console_route_poll_soon(struct console_route *r);

#endif
