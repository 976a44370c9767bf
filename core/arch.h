/* What core/ needs from a virtualization backend (today: Intel VT-x in
 * arch/x86/vmx). A second backend (AMD SVM, RISC-V H) implements these. */
#ifndef VIREO_CORE_ARCH_H
#define VIREO_CORE_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct vcpu;
struct hv_options;

/* Bring the CPU into virtualization mode; err says why not. */
int arch_virt_init(const struct hv_options *opts, char *err, size_t errlen);

/* Second-level address translation for the VM's RAM. */
int arch_vm_init(struct vm *vm, char *err, size_t errlen);
void arch_vm_destroy(struct vm *vm);

int arch_vcpu_init(struct vcpu *v, char *err, size_t errlen);
void arch_vcpu_destroy(struct vcpu *v);
/* Back to the power-on state (the VM is being reset): the BSP at the
 * VM's boot entry, APs waiting for SIPI. */
void arch_vcpu_reset(struct vcpu *v);
/* Start an application processor in real mode at vector << 12 (SIPI). */
void arch_vcpu_start_at_sipi(struct vcpu *v, uint8_t vector);

/* Run the vCPU until its quantum (in TSC ticks, 0 = no limit) ends, it
 * halts, or its VM ends. */
void arch_vcpu_run(struct vcpu *v, uint64_t quantum);

/* The monitor's `regs`: print the vCPU's registers (program counter,
 * stack pointer, flags, general, control and segment registers) with
 * printk, lines starting "vireo:     ". The caller makes sure v is not in
 * guest mode on another CPU (vcpu_running_elsewhere); v may be the vCPU
 * whose exit this CPU is handling. */
void arch_vcpu_print_regs(struct vcpu *v);

/* Copy to or from the vCPU's guest-linear address space (hypercalls). */
int arch_copy_from_guest(struct vcpu *v, uint64_t gla, void *buf, size_t len);

/* Exit-reason names for statistics, and the names of the backend's state
 * accesses counted per exit ("VMREAD"/"VMWRITE" on VT-x). */
const char *arch_exit_name(unsigned reason);
const char *arch_state_access_name(bool write);

uint64_t arch_tsc(void);
/* A byte typed on the machine's console, or -1. */
int arch_console_getc(void);
/* The VM's virtual time (its TSC) now, and a VM time as host TSC. */
uint64_t arch_vm_time(const struct vm *vm);
uint64_t arch_vm_time_to_host(const struct vm *vm, uint64_t t);
/* The machine a VM is (PC chipset on x86): its devices on vm->bus. */
int arch_platform_init(struct vm *vm, char *err, size_t errlen);
void arch_platform_destroy(struct vm *vm);
/* Device state that survives a reset (the PC's battery-backed CMOS). */
void arch_platform_save(struct vm *vm, void *buf, size_t len);
void arch_platform_restore(struct vm *vm, const void *buf, size_t len);
/* Nothing is runnable: sleep until the host TSC reaches 'deadline' (or an
 * earlier host interrupt). */
void arch_idle_until(uint64_t deadline);
/* TSC ticks per millisecond, for quanta. */
uint64_t arch_tsc_khz(void);

#endif
