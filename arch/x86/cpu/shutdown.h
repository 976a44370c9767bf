/* Ending the machine: used on normal exit, panic and host exceptions. */
#ifndef VIREO_ARCH_X86_CPU_SHUTDOWN_H
#define VIREO_ARCH_X86_CPU_SHUTDOWN_H

/* Exit status a panic or host exception reports. */
#define VIREO_EXIT_PANIC 125

/* Try, in order: QEMU isa-debug-exit (so QEMU's exit status carries 'code':
 * it exits with (code << 1) | 1), Bochs' shutdown port 0x8900, ACPI S5 soft
 * off; then print "vireo: halted" and halt forever with interrupts off. */
void machine_shutdown(int code) __attribute__((noreturn));

#endif
