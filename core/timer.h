/* Virtual timers: one queue per physical CPU, ordered by deadline in host
 * TSC ticks. Every emulated timer (a local APIC timer today; the PIT and
 * RTC later) is one entry; the run loop sleeps or programs its wake-up
 * (VMX-preemption timer, or the host's own APIC timer when idle) for the
 * head of the queue, and runs the callbacks of entries that are due.
 * Pure logic: no hardware access, unit-tested on the host. */
#ifndef VIREO_CORE_TIMER_H
#define VIREO_CORE_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct vtimer;
typedef void (*vtimer_fn)(struct vtimer *t, uint64_t now);

struct vtimer {
	uint64_t deadline;       /* host TSC; valid while armed */
	bool armed;
	vtimer_fn fire;          /* runs once per expiry, after disarming */
	void *opaque;            /* the callback's object (a vCPU) */
	const void *owner;       /* whose timer (a VM): see timerq_owner_armed */
	bool background;         /* runs when timers run anyway or the CPU idles,
				  * never interrupts a running guest for itself */
	struct vtimer *next;
};

struct timer_queue {
	struct vtimer *head;     /* earliest deadline first */
	uint64_t next_fg;        /* deadline of the first foreground timer, 0 none */
	bool changed;            /* the head moved: re-program the wake-up */
};

void vtimer_init(struct vtimer *t, vtimer_fn fire, void *opaque, const void *owner);
/* (Re)arm at 'deadline', replacing an earlier arming. */
void timerq_arm(struct timer_queue *q, struct vtimer *t, uint64_t deadline);
void timerq_disarm(struct timer_queue *q, struct vtimer *t);
/* Deadline of the head, or 0 when nothing is armed. */
static inline uint64_t timerq_next(const struct timer_queue *q)
{
	return q->head ? q->head->deadline : 0;
}
/* Deadline of the first timer that is not background, or 0 (kept up to
 * date by every change: the VM-entry path reads it at each exit). */
static inline uint64_t timerq_next_foreground(const struct timer_queue *q)
{
	return q->next_fg;
}
/* Fire every timer whose deadline is <= now, in deadline order (a
 * callback may re-arm its timer). Returns how many fired. */
unsigned timerq_run(struct timer_queue *q, uint64_t now);
/* Does any armed timer belong to 'owner'? */
bool timerq_owner_armed(const struct timer_queue *q, const void *owner);

#endif
