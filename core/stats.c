#include "core/arch.h"
#include "core/stats.h"
#include "lib/printk.h"

void stats_add(struct vm_stats *dst, const struct vm_stats *src)
{
	for (unsigned i = 0; i < STATS_MAX_REASONS; i++) {
		dst->count[i] += src->count[i];
		dst->ticks[i] += src->ticks[i];
		dst->reads[i] += src->reads[i];
		dst->writes[i] += src->writes[i];
	}
	dst->exits += src->exits;
	dst->unclaimed_pio += src->unclaimed_pio;
	dst->unclaimed_mmio += src->unclaimed_mmio;
}

/* x / n with one decimal, as two printf arguments. */
#define PER_EXIT_TENTHS(x, n) (unsigned long long)((x) / (n)), \
	(unsigned long long)(((x) * 10 / (n)) % 10)

/* One line per reason that occurred: count, total and mean ticks. */
void stats_print(const char *title, const struct vm_stats *s, int indent)
{
	printk(LOG_ERR, "%*s%s: %llu exits\n", indent, "", title,
	       (unsigned long long)s->exits);
	for (unsigned i = 0; i < STATS_MAX_REASONS; i++) {
		if (s->count[i] == 0)
			continue;
		if (s->timing)
			printk(LOG_ERR, "%*s  %-28s %10llu exits %12llu ticks %8llu/exit  "
			       "%s %llu.%llu %s %llu.%llu /exit\n", indent, "", arch_exit_name(i),
			       (unsigned long long)s->count[i], (unsigned long long)s->ticks[i],
			       (unsigned long long)(s->ticks[i] / s->count[i]),
			       arch_state_access_name(false), PER_EXIT_TENTHS(s->reads[i], s->count[i]),
			       arch_state_access_name(true), PER_EXIT_TENTHS(s->writes[i], s->count[i]));
		else
			printk(LOG_ERR, "%*s  %-28s %10llu exits\n", indent, "", arch_exit_name(i),
			       (unsigned long long)s->count[i]);
	}
	if (s->unclaimed_pio)
		printk(LOG_ERR, "%*s  unclaimed port accesses: %llu\n", indent, "",
		       (unsigned long long)s->unclaimed_pio);
	if (s->unclaimed_mmio)
		printk(LOG_ERR, "%*s  unclaimed MMIO accesses: %llu\n", indent, "",
		       (unsigned long long)s->unclaimed_mmio);
}
