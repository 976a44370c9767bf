/* Console input: bytes typed on the machine's console go to the VM that
 * has the console focus (or to the monitor while it is open). Ctrl-A is
 * the escape key, with one VM as with several:
 *   Ctrl-A n      focus moves to the next VM
 *   Ctrl-A 1..9   focus moves to VM 1..9 (in the order they were created)
 *   Ctrl-A c      opens or closes the monitor (core/monitor.h)
 *   Ctrl-A x      quit: every VM ends, Vireo prints its summary
 *   Ctrl-A Ctrl-A a Ctrl-A byte for the VM
 *   Ctrl-A h, ?   help on the console
 * Each VM keeps its own input queue: what was typed for a VM waits there
 * (until its UART can take it) whatever the focus does, so no input is
 * lost when focus moves. Pure logic. */
#ifndef VIREO_CORE_CONSOLE_IN_H
#define VIREO_CORE_CONSOLE_IN_H

#include <stdbool.h>
#include <stdint.h>

#define CONSOLE_ESCAPE     0x01     /* Ctrl-A */
#define CONSOLE_QUEUE_SIZE 4096

enum console_in_action {
	CIN_NONE,        /* swallowed (the escape key) */
	CIN_BYTE,        /* *out is a byte for the focused VM */
	CIN_FOCUS,       /* *out is the VM index focus should move to */
	CIN_NEXT,        /* focus moves to the next VM */
	CIN_HELP,        /* show the key help */
	CIN_MONITOR,     /* open or close the monitor */
	CIN_QUIT,        /* end every VM and the run */
};

struct console_in {
	bool escape;     /* Ctrl-A seen, waiting for its command */
};

/* One byte from the console. */
enum console_in_action console_in_feed(struct console_in *c, uint8_t byte, uint8_t *out);

/* A VM's queue of typed bytes (a ring). */
struct input_queue {
	uint8_t buf[CONSOLE_QUEUE_SIZE];
	uint32_t head, count;
	uint64_t dropped;        /* bytes refused because the queue was full */
	bool held_noted;         /* said once that the guest holds input back */
};

/* false when the queue is full (the byte is counted as dropped). */
bool input_queue_put(struct input_queue *q, uint8_t byte);
/* -1 when empty. */
int input_queue_peek(const struct input_queue *q);
void input_queue_pop(struct input_queue *q);

#endif
