/* Vireo benchmark guests: helpers shared by exits.c and work.c.
 *
 * Time is read with lfence; rdtsc. Under Bochs with `clock: sync=none` the
 * TSC advances by exactly one per executed instruction (hypervisor code
 * included), so every delta is an instruction count and needs no stronger
 * serialization; lfence keeps the read ordered on real hardware too. */
#ifndef VIREO_BENCH_H
#define VIREO_BENCH_H

#include "guest.h"

static inline uint64_t tsc_now(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* Output collected in memory and written in one piece by bench_flush():
 * under Vireo that is a single console hypercall whatever the text, so
 * exit counts of runs that print different text stay comparable. */
void bench_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bench_flush(void);

/* End the run: under Vireo through isa-debug-exit (result (status<<1)|1);
 * on bare Bochs print the `vireo: result N` line boot-iso looks for and
 * power off through Bochs' shutdown port. */
void bench_end(uint32_t status) __attribute__((noreturn));

#endif
