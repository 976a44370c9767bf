/* COM1 16550 UART driver: polled, transmit only (the hypervisor runs with
 * interrupts off). Register layout: PC16550D datasheet, table 2. */
#include "arch/x86/cpu/serial.h"
#include "core/arch.h"
#include "arch/x86/cpu/cpu.h"

#define COM1 0x3f8

/* Register offsets from the base port. */
#define UART_THR 0 /* transmit holding (DLAB=0) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1 /* interrupt enable (DLAB=0) */
#define UART_DLM 1 /* divisor latch high (DLAB=1) */
#define UART_FCR 2 /* FIFO control (write) */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */

#define UART_LCR_8N1  0x03 /* 8 data bits, no parity, 1 stop bit */
#define UART_LCR_DLAB 0x80 /* divisor latch access */
#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLEAR  0x06 /* reset RX and TX FIFOs */
#define UART_FCR_TRIG14 0xc0
#define UART_MCR_DTR  0x01
#define UART_MCR_RTS  0x02
#define UART_MCR_OUT2 0x08
#define UART_LSR_THRE 0x20 /* transmit holding register empty */

/* 1.8432 MHz / 16 = 115200: divisor 1 gives 115200 baud. */
#define UART_DIVISOR_115200 1

/* Bound the wait so a missing UART cannot hang the machine. */
#define UART_TX_SPINS 100000

void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00); /* polled: no interrupts */
	outb(COM1 + UART_LCR, UART_LCR_DLAB);
	outb(COM1 + UART_DLL, UART_DIVISOR_115200 & 0xff);
	outb(COM1 + UART_DLM, UART_DIVISOR_115200 >> 8);
	outb(COM1 + UART_LCR, UART_LCR_8N1);
	outb(COM1 + UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR | UART_FCR_TRIG14);
	outb(COM1 + UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
}

static void serial_putc(char c)
{
	for (int i = 0; i < UART_TX_SPINS; i++) {
		if (inb(COM1 + UART_LSR) & UART_LSR_THRE)
			break;
		cpu_relax();
	}
	outb(COM1 + UART_THR, (uint8_t)c);
}

#define UART_LSR_DR   0x01 /* receiver data ready */

int serial_try_getc(void)
{
	if (!(inb(COM1 + UART_LSR) & UART_LSR_DR))
		return -1;
	return inb(COM1 + UART_THR);   /* RBR shares the THR's offset */
}

/* core/arch.h: the machine's console is COM1. */
int arch_console_getc(void)
{
	return serial_try_getc();
}

void serial_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		serial_putc(s[i]);
}
