/* The per-CPU timer queue: a sorted singly linked list. A VM has a handful
 * of timers (one per vCPU's APIC, a few platform devices), so insertion
 * in O(n) is simpler than a heap and as fast at these sizes. */
#include "core/timer.h"

void vtimer_init(struct vtimer *t, vtimer_fn fire, void *opaque, const void *owner)
{
	t->deadline = 0;
	t->armed = false;
	t->fire = fire;
	t->opaque = opaque;
	t->owner = owner;
	t->background = false;
	t->next = 0;
}

static void update_next_fg(struct timer_queue *q)
{
	q->next_fg = 0;
	for (const struct vtimer *t = q->head; t; t = t->next) {
		if (!t->background) {
			q->next_fg = t->deadline;
			break;
		}
	}
}

void timerq_disarm(struct timer_queue *q, struct vtimer *t)
{
	struct vtimer **pp;

	if (!t->armed)
		return;
	for (pp = &q->head; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			if (pp == &q->head)
				q->changed = true;
			*pp = t->next;
			break;
		}
	}
	t->armed = false;
	t->next = 0;
	update_next_fg(q);
}

void timerq_arm(struct timer_queue *q, struct vtimer *t, uint64_t deadline)
{
	struct vtimer **pp = &q->head;

	timerq_disarm(q, t);
	/* After every entry with an earlier or equal deadline: FIFO among equals. */
	while (*pp && (*pp)->deadline <= deadline)
		pp = &(*pp)->next;
	if (pp == &q->head)
		q->changed = true;
	t->deadline = deadline;
	t->armed = true;
	t->next = *pp;
	*pp = t;
	update_next_fg(q);
}

unsigned timerq_run(struct timer_queue *q, uint64_t now)
{
	unsigned n = 0;

	while (q->head && q->head->deadline <= now) {
		struct vtimer *t = q->head;

		q->head = t->next;
		q->changed = true;
		t->armed = false;
		t->next = 0;
		update_next_fg(q);
		t->fire(t, now);
		n++;
	}
	return n;
}

bool timerq_owner_armed(const struct timer_queue *q, const void *owner)
{
	for (const struct vtimer *t = q->head; t; t = t->next)
		if (t->owner == owner)
			return true;
	return false;
}
