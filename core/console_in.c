#include "core/console_in.h"

enum console_in_action console_in_feed(struct console_in *c, uint8_t byte, uint8_t *out)
{
	if (!c->escape) {
		if (byte == CONSOLE_ESCAPE) {
			c->escape = true;
			return CIN_NONE;
		}
		*out = byte;
		return CIN_BYTE;
	}
	c->escape = false;
	switch (byte) {
	case CONSOLE_ESCAPE:
		*out = byte;
		return CIN_BYTE;
	case 'n':
		return CIN_NEXT;
	case 'h': case '?':
		return CIN_HELP;
	case 'c':
		return CIN_MONITOR;
	case 'x':
		return CIN_QUIT;
	default:
		if (byte >= '1' && byte <= '9') {
			*out = (uint8_t)(byte - '1');
			return CIN_FOCUS;
		}
		return CIN_NONE;        /* an unknown command does nothing */
	}
}

bool input_queue_put(struct input_queue *q, uint8_t byte)
{
	if (q->count == CONSOLE_QUEUE_SIZE) {
		q->dropped++;
		return false;
	}
	q->buf[(q->head + q->count) % CONSOLE_QUEUE_SIZE] = byte;
	q->count++;
	return true;
}

int input_queue_peek(const struct input_queue *q)
{
	return q->count ? q->buf[q->head] : -1;
}

void input_queue_pop(struct input_queue *q)
{
	if (!q->count)
		return;
	q->head = (q->head + 1) % CONSOLE_QUEUE_SIZE;
	q->count--;
}
