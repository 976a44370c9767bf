/* machine_shutdown: leave the emulator (or power off real hardware) with an
 * exit code, falling back to a halt loop if nothing answers. */
#include "arch/x86/cpu/shutdown.h"
#include "arch/x86/cpu/acpi.h"
#include "arch/x86/cpu/cpu.h"
#include "lib/printk.h"

/* QEMU "-device isa-debug-exit,iobase=0xf4,iosize=0x04": a write of v makes
 * QEMU exit with status (v << 1) | 1. Unused port on PCs and Bochs. */
#define QEMU_DEBUG_EXIT_PORT 0xf4
/* Bochs: writing the string "Shutdown" to this port ends the simulation. */
#define BOCHS_SHUTDOWN_PORT 0x8900

static void bochs_shutdown(void)
{
	static const char msg[] = "Shutdown";

	for (unsigned i = 0; i < sizeof(msg) - 1; i++)
		outb(BOCHS_SHUTDOWN_PORT, (uint8_t)msg[i]);
}

void machine_shutdown(int code)
{
	cli();
	/* isa-debug-exit goes first: an ACPI power-off would end QEMU with
	 * status 0 and lose 'code'. Where no such device exists the write is
	 * ignored. */
	outb(QEMU_DEBUG_EXIT_PORT, (uint8_t)code);
	bochs_shutdown();
	acpi_poweroff();
	console_write("vireo: halted\n", 14);
	for (;;) {
		cli();
		hlt();
	}
}
