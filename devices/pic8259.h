/* The PC/AT pair of Intel 8259A programmable interrupt controllers (master
 * at 0x20/0x21, slave at 0xA0/0xA1 cascaded into master IR2) and the PIIX3
 * edge/level control registers (ELCR) at 0x4D0/0x4D1.
 *
 * References: Intel 8259A datasheet (order 231468), "Programming the
 * 8259A" (ICW1-ICW4, OCW1-OCW3) and "Interrupt Sequence"; Intel 82371SB
 * PIIX3 datasheet, 4.1.x "ELCR1/ELCR2".
 *
 * The model is pure logic. Interrupt sources call pic8259_set_irq() with
 * the level of ISA line 0..15; the master's INT output is reported through
 * ops->intr_changed (the integrator routes it to LINT0 of the boot CPU's
 * LAPIC, ExtINT) and the CPU's INTA cycle is pic8259_ack(). */
#ifndef VIREO_DEVICES_PIC8259_H
#define VIREO_DEVICES_PIC8259_H

#include <stdbool.h>
#include <stdint.h>

#define PIC_MASTER_CMD   0x20   /* A0 = 0: ICW1, OCW2, OCW3; IRR/ISR/poll */
#define PIC_MASTER_DATA  0x21   /* A0 = 1: ICW2-ICW4, OCW1 (IMR) */
#define PIC_SLAVE_CMD    0xA0
#define PIC_SLAVE_DATA   0xA1
#define PIC_ELCR1        0x4D0  /* PIIX3 ELCR, IRQ 0-7 */
#define PIC_ELCR2        0x4D1  /* PIIX3 ELCR, IRQ 8-15 */
#define PIC_NPORTS       2      /* each of the three ranges is 2 ports */

#define PIC_NR_IRQS      16
#define PIC_CASCADE_IR   2      /* master input the slave's INT drives */
#define PIC_SPURIOUS_IR  7      /* level reported when nothing is pending */

struct pic8259_ops {
	/* The master's INT output changed (true = an interrupt awaits INTA).
	 * May call back into the model (e.g. pic8259_ack). */
	void (*intr_changed)(void *opaque, bool level);
	/* Optional (may be NULL): the ISR bit of ISA 'irq' (0..15, never the
	 * cascade IR2) was cleared, by an EOI command or by auto-EOI at
	 * acknowledge. Lets a level source re-assert, or a timer count
	 * delivered ticks. */
	void (*eoi)(void *opaque, unsigned irq);
};

/* One 8259A. Levels (bits) are the chip's IR0-IR7. */
struct pic8259_chip {
	uint8_t irr;            /* interrupt request register */
	uint8_t isr;            /* in-service register */
	uint8_t imr;            /* interrupt mask register (OCW1) */
	uint8_t lines;          /* current level of the IR inputs */
	uint8_t elcr;           /* PIIX ELCR byte: 1 = level-triggered input */
	uint8_t icw1;           /* last ICW1: LTIM, SNGL, IC4 are used */
	uint8_t icw3;           /* master: inputs with a slave; slave: its ID */
	uint8_t vector_base;    /* ICW2 & 0xF8 */
	uint8_t lpr;            /* lowest-priority level; lpr + 1 is highest */
	uint8_t init_step;      /* 0 = operational, else the ICW expected next */
	bool initialized;       /* an ICW sequence has completed at least once */
	bool aeoi;              /* ICW4 AEOI: auto end of interrupt */
	bool sfnm;              /* ICW4 SFNM: special fully nested (master) */
	bool rotate_aeoi;       /* OCW2 "rotate in automatic EOI mode" */
	bool smm;               /* OCW3 special mask mode */
	bool poll;              /* OCW3 poll command: next read is a poll */
	bool read_isr;          /* OCW3 RIS: even-port reads give ISR, not IRR */
};

struct pic8259 {
	struct pic8259_chip chip[2];    /* [0] master (IRQ 0-7), [1] slave */
	bool int_out;                   /* master INT as last reported */
	const struct pic8259_ops *ops;
	void *opaque;
};

/* Power-up state. The 8259A has no reset input and the datasheet defines
 * no state before ICW1, so the model picks one that cannot interrupt:
 * both chips uninitialized (INT stays low until an ICW sequence
 * completes), IMR 0xFF, IRR = ISR = 0, ELCR 0 (all edge, the PIIX3 reset
 * value). ops may be NULL. intr_changed is not called. */
void pic8259_init(struct pic8259 *p, const struct pic8259_ops *ops,
		  void *opaque);
/* ISA line 'irq' (0..15) is now at 'level'. An edge-triggered input
 * latches a request on a low-to-high transition and keeps it until it is
 * acknowledged (so a 1-then-0 pulse is one interrupt); a level-triggered
 * one (ELCR bit or ICW1 LTIM) requests while high. IRQ 2 is the cascade
 * (on the AT the bus's IRQ2 pin is wired to IRQ 9): calls for it, and
 * for irq > 15, are ignored. */
void pic8259_set_irq(struct pic8259 *p, unsigned irq, bool level);
/* The master's INT output: an interrupt awaits acknowledge. */
bool pic8259_intr(const struct pic8259 *p);
/* The CPU's INTA cycle: returns the vector (0..255) and sets the ISR bit
 * of the chip(s) involved (master IR2 and the slave's level for IRQ 8-15;
 * none with auto-EOI). When no request is pending any more the spurious
 * vector base + 7 comes back without an ISR bit: the master's for IRQ7,
 * the slave's for IRQ15 (then the master's ISR bit 2 IS set, as on real
 * hardware: the guest EOIs the master). -1 only if the master has never
 * been initialized. */
int pic8259_ack(struct pic8259 *p);
/* bus_pio_fn for 0x20-0x21, 0xA0-0xA1 and 0x4D0-0x4D1 (register the three
 * ranges with the same struct). Byte accesses only: other widths read
 * all-ones, drop writes and return BUS_ERROR. */
int pic8259_pio(void *dev, uint16_t port, unsigned size, bool write,
		uint32_t *val);

#endif
