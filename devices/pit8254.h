/* Intel 8254 programmable interval timer (ports 0x40-0x43) and the PC/AT
 * system control port B (0x61) that gates channel 2 and shows OUT2.
 *
 * The counters run on virtual time: the 1.193182 MHz PIT clock is derived
 * from the guest TSC (ops->now, tsc_khz). Counts and OUT levels are
 * computed on demand from that clock; only channel 0, whose OUT drives
 * ISA IRQ0, asks the host for timer deadlines.
 *
 * IRQ0 (ops->set_irq, line 0) follows OUT0 as an 8259 with edge-triggered
 * inputs sees it:
 *  - mode 0: the line is OUT0 itself: low after the control word or a new
 *    count, high from terminal count on;
 *  - modes 1-5: OUT0 rests high and shows short low pulses (mode 2: one
 *    clock per period; mode 3: the low half of the square wave). The line
 *    rests low and each rising edge of OUT0 is reported as a pulse,
 *    set_irq(0, true) then set_irq(0, false): one per period in modes 2
 *    and 3, one at the end of the strobe in modes 4 and 5, one at terminal
 *    count in mode 1. A control word that raises OUT0 from a mode-0
 *    count still short of terminal count is a rising edge too, as on the
 *    chip (not from power-on or from a bare mode-0 control word).
 * Periods shorter than PIT_MIN_IRQ_TICKS (modes 2 and 3) deliver only the
 * edges at least that far apart, still on the period grid, so a guest that
 * programs a count of 1 cannot keep the host busy with expiries (an edge-
 * triggered 8259 coalesces the others anyway).
 *
 * Pure logic: no hardware access, no globals. */
#ifndef VIREO_DEVICES_PIT8254_H
#define VIREO_DEVICES_PIT8254_H

#include <stdbool.h>
#include <stdint.h>

#define PIT_HZ              1193182u   /* PIT input clock, Hz */
#define PIT_PORT_BASE       0x40       /* counters 0-2 at 0x40-0x42 */
#define PIT_PORT_CONTROL    0x43       /* control word register */
#define PIT_NPORTS          4
#define PIT_PORT_SYSCTL_B   0x61       /* system control port B */
#define PIT_NCHANNELS       3
#define PIT_IRQ             0          /* ISA line of OUT0 */
/* Closest rising edges of OUT0 reported in modes 2/3: 239 clocks, 200 us
 * (KVM's min_timer_period_us default). */
#define PIT_MIN_IRQ_TICKS   239u
/* Port 0x61 bit 4 toggles every 18 PIT clocks (15.085 us), the DRAM
 * refresh request rate the PC BIOS programs into counter 1. */
#define PIT_REFRESH_TICKS   18u

/* Services the host provides. Times are guest TSC ticks. */
struct pit8254_ops {
	uint64_t (*now)(void *opaque);
	/* Call pit8254_timer_expired() when the guest TSC reaches 'deadline';
	 * 0 = disarm. A new deadline replaces the previous one. */
	void (*timer_arm)(void *opaque, uint64_t deadline);
	/* ISA interrupt line 'line' (only PIT_IRQ) changes to 'level'. */
	void (*set_irq)(void *opaque, unsigned line, bool level);
};

/* One counter. Its counting element (CE) is a function of the PIT clock
 * tick t: a segment that started at tick 'anchor' and runs or holds. */
struct pit_channel {
	uint8_t ctrl;          /* control word bits 5:0 (RW, mode, BCD) */
	uint8_t mode;          /* 0-5 (6 and 7 folded to 2 and 3) */
	uint16_t cr;           /* count register as written (BCD digits in BCD) */
	uint8_t cr_lsb;        /* first byte of a lobyte/hibyte write */
	bool wr_msb;           /* write flip-flop: next byte is the MSB */
	bool rd_msb;           /* read flip-flop: next byte is the MSB */
	bool count_latched;
	uint16_t latch;        /* latched count (raw, BCD in BCD mode) */
	bool status_latched;
	uint8_t status;
	bool gate;
	bool cr_valid;         /* a count was written since the control word */
	bool null_count;       /* CR written, not yet moved into the CE */
	bool wr_hold;          /* mode 0: first byte written, counting off */
	bool load_pending;     /* the CE takes the CR at tick load_at */
	bool load_low;         /* mode 3: that load starts a low half */
	uint64_t load_at;      /* UINT64_MAX: at the next gate trigger */
	/* CE segment */
	bool loaded;           /* the CE holds a count since the control word */
	bool counting;
	bool tc;               /* one-shot: terminal count reached at anchor */
	uint64_t anchor;       /* tick at which the segment started */
	uint32_t n;            /* periodic: the count; one-shot: clocks to TC */
	uint32_t phase0;       /* periodic: clocks into the period at anchor */
	uint32_t hold_ce;      /* while not counting: CE (one-shot: as n) */
	bool hold_out;         /* while not counting: OUT */
};

struct pit8254 {
	struct pit_channel ch[PIT_NCHANNELS];
	uint8_t port_b;        /* port 0x61 bits 3:0 as written */
	uint64_t tsc_hz;       /* guest TSC rate */
	uint64_t irq_checked;  /* OUT0 edges up to this tick were reported */
	uint64_t irq_last;     /* tick of the last periodic edge reported */
	uint64_t deadline;     /* TSC deadline given to timer_arm, 0 = none */
	bool irq_level;        /* level last given to set_irq */
	const struct pit8254_ops *ops;
	void *opaque;
};

/* Power-on state: every channel as after control word "mode 0, lobyte/
 * hibyte, binary" with no count (nothing counts, OUT low, no interrupt),
 * channel 2's gate low, no deadline, IRQ0 low (not reported). 'ops' must
 * not be NULL and must outlive the PIT; tsc_khz is the guest TSC rate. */
void pit8254_init(struct pit8254 *p, uint64_t tsc_khz,
		  const struct pit8254_ops *ops, void *opaque);
/* bus_pio_fn for 0x40-0x43 and 0x61. Byte accesses only: other widths,
 * and ports outside those, read all-ones, drop writes, return BUS_ERROR. */
int pit8254_pio(void *dev, uint16_t port, unsigned size, bool write,
		uint32_t *val);
/* The guest TSC reached the deadline given to ops->timer_arm (calls that
 * come early or late are harmless: late edges are coalesced into one). */
void pit8254_timer_expired(struct pit8254 *p);

#endif
