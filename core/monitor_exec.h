/* The monitor's commands carried out on the running VMs (the parsing is
 * core/monitor.c). Console input goes here while the monitor is open. */
#ifndef VIREO_CORE_MONITOR_EXEC_H
#define VIREO_CORE_MONITOR_EXEC_H

#include <stdint.h>

struct console_route;

void monitor_open(struct console_route *r);
void monitor_close(struct console_route *r);
/* A byte typed while the monitor is open. */
void monitor_input(struct console_route *r, uint8_t byte);

#endif
