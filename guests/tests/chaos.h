/* Chaos guest (issue 9): shared declarations of chaos.c (driver, PRNG,
 * exception recovery, op log), chaos_cpu.c (instructions that trap to the
 * hypervisor) and chaos_dev.c (ports, MMIO, local APIC, timers, storms).
 *
 * Every operation runs through chaos_try(): any exception it raises (#GP,
 * #UD, #PF, ... whether the CPU or Vireo raised it) lands in chaos.c's
 * handler, which resumes at chaos_recover (chaos_seg.S), a longjmp back
 * to chaos_try's caller. So an operation may fault anywhere, in any mode
 * (16-bit code segment included), and the guest goes on. */
#ifndef CHAOS_H
#define CHAOS_H

#include "guest.h"

#ifdef __x86_64__
#define CHAOS_BITS 64
#define CHAOS_CS   0x18
#else
#define CHAOS_BITS 32
#define CHAOS_CS   0x08
#endif
#define CHAOS_CS16 0x30          /* 16-bit code segment (our own GDT) */
#define CHAOS_DS_HOLE 0x38       /* 32-bit data segment based in unclaimed MMIO */
#define CHAOS_DS16_VGA 0x40      /* 16-bit data segment based at the VGA hole */
#define HOLE_BASE  0xE0000000u

/* Operation classes: counted, logged and chosen with these weights. */
enum chaos_class {
	C_CPUID, C_RDMSR, C_WRMSR, C_PIO, C_PIO_STR, C_MMIO, C_HCALL, C_CR, C_DR,
	C_XCR0, C_VMX, C_CACHE, C_MISC, C_IPI, C_TIMER, C_STORM, C_EXEC_MMIO,
	C_MODE16, C_X2APIC, C_SEG, C_NCLASS
};

/* Random numbers: xorshift64*, one stream per run, seeded from seed=N.
 * Interrupt handlers never draw, so a seed replays the same sequence. */
uint64_t rnd(void);
uint32_t rnd_below(uint32_t n);            /* 0..n-1, n > 0 */
#define ONE_IN(n) (rnd_below(n) == 0)
uint64_t rnd_value(void);                  /* a "nasty" 64-bit value */

/* Records the current operation's arguments (ring of the last ops, and
 * printed at once with trace=N from op N on). */
void note(const char *what, uint64_t a, uint64_t b);
void chaos_irq(struct exc_frame *f); /* counts, EOIs */

/* Runs fn; returns 0 when it returned, else 1 + the exception vector
 * that cut it short (chaos_seg.S and chaos.c's handler). */
int chaos_try(void (*fn)(void));

/* Configuration and state shared by the op files. */
struct chaos_cfg {
	uint64_t ram_end;        /* first byte above RAM */
	unsigned ncpus;          /* vCPUs in this VM (cpus=N) */
	int safe;                /* keep INIT/SMI/ExtINT and resets off random writes */
	int ap_parked;           /* the AP sits in the real-mode halt loop */
	int strio_mmio;          /* INS/OUTS buffers in device windows (end the VM) */
	int mmio_rare;           /* MMIO forms Vireo's emulator refuses (end the VM) */
};
extern struct chaos_cfg cfg;
extern volatile uint32_t irq_count, nmi_count;
extern uint32_t exits_estimate; /* exit-causing operations issued */
#define EXITS(n) (exits_estimate += (n))

/* Scratch memory the ops may read and write freely (RAM, ours). */
#define SCRATCH_SIZE 8192
extern uint8_t scratch[SCRATCH_SIZE];

/* chaos_cpu.c */
void op_cpuid(void);
void op_rdmsr(void);
void op_wrmsr(void);
void op_hcall(void);
void op_cr(void);
void op_dr(void);
void op_xcr0(void);
void op_vmx(void);
void op_cache(void);
void op_misc(void);
void op_mode16(void);
void op_seg(void);
extern uint32_t seg_mismatch;
void chaos_cpu_init(void);
void apic_base_restore(void);

/* chaos_dev.c */
void op_pio(void);
void op_pio_str(void);
void op_mmio(void);
void op_ipi(void);
void op_timer(void);
void op_storm(void);
void op_exec_mmio(void);
void op_x2apic(void);
void chaos_dev_init(void);
void timers_stop(void);
void storm_prepare(void); /* every interrupt source quiet but the APIC itself */
void ap_park(void);
uint64_t pick_mmio_addr(void);

#define STORM_VECTOR  0x40  /* the vector our own timers and IPIs use */
#define SPURIOUS_VEC  0xFF
#define AP_PARK_PAGE  0x8000u /* STARTUP vector 8: cli; hlt; jmp */

#endif
