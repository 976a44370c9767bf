#include "core/arch.h"
#include "core/stats.h"
#include "lib/printk.h"

void stats_add(struct vm_stats *dst, const struct vm_stats *src)
{
	for (unsigned i = 0; i < STATS_MAX_REASONS; i++) {
		dst->count[i] += src->count[i];
		dst->ticks[i] += src->ticks[i];
	}
	dst->exits += src->exits;
	dst->unclaimed_pio += src->unclaimed_pio;
}

/* One line per reason that occurred: count, total and mean ticks. */
void stats_print(const char *title, const struct vm_stats *s, int indent)
{
	printk(LOG_ERR, "%*s%s: %llu exits\n", indent, "", title,
	       (unsigned long long)s->exits);
	for (unsigned i = 0; i < STATS_MAX_REASONS; i++) {
		if (s->count[i] == 0)
			continue;
		if (s->timing)
			printk(LOG_ERR, "%*s  %-28s %10llu exits %12llu ticks %8llu/exit\n", indent,
			       "", arch_exit_name(i), (unsigned long long)s->count[i],
			       (unsigned long long)s->ticks[i],
			       (unsigned long long)(s->ticks[i] / s->count[i]));
		else
			printk(LOG_ERR, "%*s  %-28s %10llu exits\n", indent, "", arch_exit_name(i),
			       (unsigned long long)s->count[i]);
	}
	if (s->unclaimed_pio)
		printk(LOG_ERR, "%*s  unclaimed port accesses: %llu\n", indent, "",
		       (unsigned long long)s->unclaimed_pio);
}
