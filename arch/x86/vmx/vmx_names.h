/* Human-readable VMX exit information for logs and panics (SDM Vol. 3C
 * Appendix C, 31.4, 27.2.1). The describe functions behave like snprintf:
 * they return the length of the text written (truncated to fit 'len', always
 * NUL-terminated when len > 0), or -1 if buf is NULL with len > 0. */
#ifndef VIREO_ARCH_X86_VMX_VMX_NAMES_H
#define VIREO_ARCH_X86_VMX_VMX_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* Name of basic exit reason 0-69 ("CPUID", "EPT violation"); "reserved"
 * for 35, 38, 42; "unknown" above 69. */
const char *vmx_exit_reason_name(uint32_t basic_reason);

/* VM-instruction error 1-28 (31.4, Table 31-1); "unknown" otherwise. */
const char *vmx_insn_error_name(uint32_t err);

/* "write, page readable|not writable|executable, linear address valid
 * (access to translated address)" (Table 27-7). */
int vmx_describe_ept_violation(uint64_t qual, char *buf, size_t len);

/* "OUT port 0x3f8 size 1 string rep" (Table 27-5). */
int vmx_describe_io_qual(uint64_t qual, char *buf, size_t len);

/* "mov to cr3 from rax", "mov from cr8 to rbx", "clts",
 * "lmsw 0x1 from register" (Table 27-3). */
int vmx_describe_cr_qual(uint64_t qual, char *buf, size_t len);

/* "hardware exception 14 (#PF), error code" or "not valid" (24.8.3). */
int vmx_describe_intr_info(uint32_t info, char *buf, size_t len);

#endif
