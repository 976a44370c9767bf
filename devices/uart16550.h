/* 16550A UART (National Semiconductor PC16550D datasheet), wired as a PC
 * COM port: its INTR output reaches the ISA IRQ line only while MCR.OUT2
 * is set.
 *
 * Reception is modelled: a 16-byte RX FIFO (1-byte RBR in 16450 mode)
 * with the FCR trigger levels, the overrun rule and the FIFO character-
 * timeout indication, timed in guest TSC ticks through the host's clock
 * and timer. Transmission is instantaneous: each THR byte reaches ops->tx
 * (in loopback, the receiver) at once, so the TX FIFO is always empty,
 * LSR.THRE|TEMT always read 1, and the THRE interrupt follows the
 * datasheet's set/clear rules as if each character drained at once.
 * Pure logic: no hardware access, no globals. */
#ifndef VIREO_DEVICES_UART16550_H
#define VIREO_DEVICES_UART16550_H

#include <stdbool.h>
#include <stdint.h>

#define UART16550_NPORTS   8
#define UART16550_FIFO_LEN 16
#define UART16550_COM1_IRQ 4           /* ISA IRQ of COM1 (0x3F8) */

/* Services the host provides; any member may be NULL. Times are guest TSC
 * ticks. */
struct uart16550_ops {
	/* A character left the transmitter (never called in loopback). */
	void (*tx)(void *opaque, uint8_t c);
	/* The interrupt line 'line' changed level. Called only on a change;
	 * the line is low after init and no call reports that. */
	void (*set_irq)(void *opaque, unsigned line, bool level);
	/* Guest TSC now. NULL (or tsc_khz 0): no clock, see
	 * uart16550_init. */
	uint64_t (*now)(void *opaque);
	/* Call uart16550_timer_expired() at guest TSC 'deadline'; 0 =
	 * disarm. A new deadline replaces the previous one. */
	void (*timer_arm)(void *opaque, uint64_t deadline);
	/* The guest reads LSR with nothing received: the host may feed input
	 * (uart16550_rx) from here. May be NULL. */
	void (*rx_poll)(void *opaque);
};

struct uart16550 {
	uint16_t base;                 /* first port, e.g. 0x3F8 (COM1) */
	unsigned irq;                  /* line given to set_irq, 4 for COM1 */
	uint8_t ier;                   /* interrupt enable */
	uint8_t lcr;                   /* line control (bit 7 = DLAB) */
	uint8_t mcr;                   /* modem control */
	uint8_t lsr_err;               /* latched LSR1-4 (only OE occurs) */
	uint8_t msr_delta;             /* MSR bits 3:0, cleared on MSR read */
	uint8_t scr;                   /* scratch */
	uint8_t dll, dlm;              /* divisor latch */
	uint8_t fcr;                   /* FCR0 and RCVR trigger (bits 7:6) */
	bool thre_ipending;            /* THRE interrupt latched */
	bool timeout_ipending;         /* character timeout latched */
	bool irq_level;                /* level last given to set_irq */
	uint8_t rx_fifo[UART16550_FIFO_LEN];
	uint8_t rx_head, rx_count;
	uint64_t tsc_khz;              /* guest TSC rate */
	uint64_t rx_deadline;          /* character timeout (TSC); 0 = off */
	const struct uart16550_ops *ops;
	void *opaque;
};

/* Power-up state (datasheet table III "UART Reset Configuration"): IER,
 * LCR, MCR, FCR 0, line low. 'irq' is the ISA line set_irq reports
 * (UART16550_COM1_IRQ for COM1). 'ops' may be NULL and must outlive the
 * UART. Without a clock (ops->now NULL or tsc_khz 0) the character-
 * timeout indication is raised at once whenever the RX FIFO holds data
 * below its trigger level, instead of 4 character times later. */
void uart16550_init(struct uart16550 *u, uint16_t base, unsigned irq,
		    const struct uart16550_ops *ops, void *opaque,
		    uint64_t tsc_khz);
/* bus_pio_fn for [base, base+8). Only 1-byte accesses are defined; other
 * widths read all-ones, drop writes and return BUS_ERROR. */
int uart16550_pio(void *dev, uint16_t port, unsigned size, bool write,
		  uint32_t *val);
/* Feed one received character (console input). In loopback mode the
 * serial input is disconnected and the character is dropped; when the RX
 * FIFO (or the 1-byte RBR without FIFO) is full, LSR.OE is latched. */
void uart16550_rx(struct uart16550 *u, uint8_t c);
/* Received data would raise the interrupt line (IER.ERBFI, OUT2, no
 * loopback): typed input can wake the guest. */
bool uart16550_rx_irq_enabled(const struct uart16550 *u);
/* True when uart16550_rx would not overrun (lets input be held back). */
bool uart16550_rx_ready(const struct uart16550 *u);
/* The guest asks for data: its RTS output (MCR bit 1) is on and the
 * modem outputs are not looped back. The host end honours it as RTS/CTS
 * flow control, so input typed while a driver resets its FIFOs is kept. */
bool uart16550_rts(const struct uart16550 *u);
/* The host's timer reached the deadline given to ops->timer_arm. */
void uart16550_timer_expired(struct uart16550 *u);
/* True when the chip asserts INTR (IIR bit 0 clear), OUT2 or not. */
bool uart16550_irq_pending(const struct uart16550 *u);
/* The level of the ISA line: INTR gated by OUT2, low in loopback. It is
 * the last level given to set_irq. */
bool uart16550_irq_level(const struct uart16550 *u);

#endif
