/* Per-VM exit accounting: how many exits of each reason, and how many TSC
 * ticks (instructions, under Bochs) the hypervisor spent handling them.
 * Reasons are the backend's numbers; names come from arch_exit_name(). */
#ifndef VIREO_CORE_STATS_H
#define VIREO_CORE_STATS_H

#include <stdbool.h>
#include <stdint.h>

#define STATS_MAX_REASONS 80

struct vm_stats {
	uint64_t count[STATS_MAX_REASONS];
	uint64_t ticks[STATS_MAX_REASONS];
	/* Backend state accesses per reason (VMREAD/VMWRITE on VT-x), with
	 * ticks: they cost far more on hardware than one instruction. */
	uint64_t reads[STATS_MAX_REASONS];
	uint64_t writes[STATS_MAX_REASONS];
	uint64_t exits;
	uint64_t unclaimed_pio;
	uint64_t unclaimed_mmio;   /* master-aborted MMIO accesses */
	bool timing;       /* measure ticks too (--stats): two RDTSC per exit */
};

/* Counting alone, when ticks are not measured. */
static inline void stats_count(struct vm_stats *s, unsigned reason)
{
	if (reason >= STATS_MAX_REASONS)
		reason = STATS_MAX_REASONS - 1;
	s->count[reason]++;
	s->exits++;
}

static inline void stats_account(struct vm_stats *s, unsigned reason, uint64_t ticks,
				 uint64_t reads, uint64_t writes)
{
	if (reason >= STATS_MAX_REASONS)
		reason = STATS_MAX_REASONS - 1;
	s->ticks[reason] += ticks;
	s->reads[reason] += reads;
	s->writes[reason] += writes;
	stats_count(s, reason);
}

void stats_add(struct vm_stats *dst, const struct vm_stats *src);
void stats_print(const char *title, const struct vm_stats *s, int indent);

#endif
