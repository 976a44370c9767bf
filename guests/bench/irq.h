/* Interrupt round-trip benchmarks (irq.c, irq_entry.S): vectors and APIC
 * constants, usable from C and assembly. */
#ifndef VIREO_BENCH_IRQ_H
#define VIREO_BENCH_IRQ_H

#define BENCH_V_TIMER    0x40 /* LAPIC timer (TSC-deadline, periodic) */
#define BENCH_V_SELF     0x50 /* self-IPIs */
#define BENCH_V_PING     0x60 /* vCPU 0 -> vCPU 1 */
#define BENCH_V_PONG     0x61 /* vCPU 1 -> vCPU 0, the reply */
#define BENCH_V_SPURIOUS 0xFF

#define BENCH_XAPIC_EOI  0xFEE000B0
#define BENCH_XAPIC_ICR  0xFEE00300
#define BENCH_ICR_ASSERT 0x4000    /* level assert; fixed, physical */
#define BENCH_ICR_SELF   0x40000   /* destination shorthand "self" */

#define BENCH_AP_TRAMP   0x8000    /* STARTUP vector 8 */
#define BENCH_AP_MAX     4
#define BENCH_AP_STACK   8192

#endif
