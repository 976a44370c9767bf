/* 16550 UART on COM1, polled: the machine's console. */
#ifndef VIREO_ARCH_X86_CPU_SERIAL_H
#define VIREO_ARCH_X86_CPU_SERIAL_H

#include <stddef.h>

/* Program COM1 (0x3F8) for 115200 baud 8N1 with FIFOs on. */
void serial_init(void);
/* Write n raw bytes, busy-waiting for the transmitter each time. */
void serial_write(const char *s, size_t n);
/* A received byte, or -1 when none is waiting. */
int serial_try_getc(void);

#endif
