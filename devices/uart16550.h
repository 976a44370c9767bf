/* 16550A UART register model (National Semiconductor PC16550D datasheet).
 * Transmission is instantaneous: each THR write reaches the tx callback at
 * once, so the transmitter always reports empty (LSR.THRE|TEMT). */
#ifndef VIREO_DEVICES_UART16550_H
#define VIREO_DEVICES_UART16550_H

#include <stdbool.h>
#include <stdint.h>

#define UART16550_NPORTS   8
#define UART16550_FIFO_LEN 16

struct uart16550 {
	uint16_t base;                 /* first port, e.g. 0x3F8 (COM1) */
	uint8_t ier;                   /* interrupt enable */
	uint8_t lcr;                   /* line control (bit 7 = DLAB) */
	uint8_t mcr;                   /* modem control */
	uint8_t lsr_err;               /* latched LSR error bits (OE) */
	uint8_t msr_delta;             /* MSR bits 3:0, cleared on MSR read */
	uint8_t scr;                   /* scratch */
	uint8_t dll, dlm;              /* divisor latch */
	uint8_t fcr;                   /* FCR bits kept: enable, trigger */
	bool thr_ipending;             /* THRE interrupt latched */
	uint8_t rx_fifo[UART16550_FIFO_LEN];
	uint8_t rx_head, rx_count;
	void (*tx)(void *opaque, uint8_t c);
	void *opaque;
};

void uart16550_init(struct uart16550 *u, uint16_t base,
		    void (*tx)(void *opaque, uint8_t c), void *opaque);
/* bus_pio_fn for [base, base+8). Only 1-byte accesses are defined; other
 * widths read all-ones, drop writes and return BUS_ERROR. */
int uart16550_pio(void *dev, uint16_t port, unsigned size, bool write,
		  uint32_t *val);
/* Feed one received character (console input). In loopback mode the
 * serial input is disconnected and the character is dropped; when the RX
 * FIFO (or the 1-byte RBR without FIFO) is full, LSR.OE is latched. */
void uart16550_rx(struct uart16550 *u, uint8_t c);
/* True when uart16550_rx would not overrun (lets input be held back). */
bool uart16550_rx_ready(const struct uart16550 *u);
/* True when the UART asserts its interrupt (IIR bit 0 clear). */
bool uart16550_irq_pending(const struct uart16550 *u);

#endif
