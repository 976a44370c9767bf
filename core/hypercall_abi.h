/* Vireo hypercall ABI (docs/hypercalls.md), shared by the hypervisor and by
 * guests. A guest executes VMCALL with the call number in RAX and arguments
 * in RBX, RCX, RDX, RSI (EAX.. in 32-bit guests); the result is in RAX.
 * Negative results are errors, numbered like Linux errno values. */
#ifndef VIREO_CORE_HYPERCALL_ABI_H
#define VIREO_CORE_HYPERCALL_ABI_H

#define VIREO_HC_VERSION       0  /* -> (major << 16) | minor */
#define VIREO_HC_CONSOLE_WRITE 1  /* RBX = guest-linear buffer, RCX = length -> bytes written */
#define VIREO_HC_EXIT          2  /* RBX = status; ends the VM, does not return */
#define VIREO_HC_VCPU_ID       3  /* -> index of the calling vCPU in its VM */

#define VIREO_ABI_MAJOR 1
#define VIREO_ABI_MINOR 0

#define VIREO_EFAULT  (-14)  /* buffer not mapped in the guest */
#define VIREO_EINVAL  (-22)  /* argument out of range */
#define VIREO_ENOSYS  (-38)  /* unknown hypercall number */
#define VIREO_EPERM   (-1)   /* called from guest user mode (CPL > 0) */

#define VIREO_HC_CONSOLE_MAX 4096 /* longest single console write */

/* CPUID leaf 0x40000000: EAX = highest hypervisor leaf, EBX:ECX:EDX = signature. */
#define VIREO_CPUID_SIGNATURE "VireoVireoHV"
#define VIREO_CPUID_MAX_LEAF  0x40000010u
/* CPUID leaf 0x40000001: EAX = (VIREO_ABI_MAJOR << 16) | VIREO_ABI_MINOR.
 * CPUID leaf 0x40000010: EAX = TSC kHz, EBX = local APIC timer kHz. */

#endif
