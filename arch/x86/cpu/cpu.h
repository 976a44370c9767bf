/* Thin inline wrappers for x86 instructions the host uses (SDM Vol. 2).
 * Host-only: never included by pure code. */
#ifndef VIREO_ARCH_X86_CPU_CPU_H
#define VIREO_ARCH_X86_CPU_CPU_H

#include <stdint.h>

/* Control register bits (SDM Vol. 3 2.5). */
#define X86_CR0_PE  (1ULL << 0)
#define X86_CR0_MP  (1ULL << 1)
#define X86_CR0_EM  (1ULL << 2)
#define X86_CR0_TS  (1ULL << 3)
#define X86_CR0_ET  (1ULL << 4)
#define X86_CR0_NE  (1ULL << 5)
#define X86_CR0_WP  (1ULL << 16)
#define X86_CR0_AM  (1ULL << 18)
#define X86_CR0_NW  (1ULL << 29)
#define X86_CR0_CD  (1ULL << 30)
#define X86_CR0_PG  (1ULL << 31)

#define X86_CR4_VME        (1ULL << 0)
#define X86_CR4_PVI        (1ULL << 1)
#define X86_CR4_TSD        (1ULL << 2)
#define X86_CR4_DE         (1ULL << 3)
#define X86_CR4_PSE        (1ULL << 4)
#define X86_CR4_PAE        (1ULL << 5)
#define X86_CR4_MCE        (1ULL << 6)
#define X86_CR4_PGE        (1ULL << 7)
#define X86_CR4_PCE        (1ULL << 8)
#define X86_CR4_OSFXSR     (1ULL << 9)
#define X86_CR4_OSXMMEXCPT (1ULL << 10)
#define X86_CR4_UMIP       (1ULL << 11)
#define X86_CR4_LA57       (1ULL << 12)
#define X86_CR4_VMXE       (1ULL << 13)
#define X86_CR4_SMXE       (1ULL << 14)
#define X86_CR4_FSGSBASE   (1ULL << 16)
#define X86_CR4_PCIDE      (1ULL << 17)
#define X86_CR4_OSXSAVE    (1ULL << 18)
#define X86_CR4_SMEP       (1ULL << 20)
#define X86_CR4_SMAP       (1ULL << 21)
#define X86_CR4_PKE        (1ULL << 22)

/* MSRs (SDM Vol. 4 2.1). */
#define MSR_IA32_TSC               0x10
#define MSR_IA32_TSC_ADJUST        0x3b
#define MSR_IA32_SPEC_CTRL         0x48
#define MSR_IA32_BIOS_SIGN_ID      0x8b
#define MSR_IA32_MTRRCAP           0xfe
#define MSR_IA32_SYSENTER_CS       0x174
#define MSR_IA32_SYSENTER_ESP      0x175
#define MSR_IA32_SYSENTER_EIP      0x176
#define MSR_IA32_MCG_CAP           0x179
#define MSR_IA32_MCG_STATUS        0x17a
#define MSR_IA32_MISC_ENABLE       0x1a0
#define MSR_IA32_PAT               0x277
#define MSR_IA32_MTRR_DEF_TYPE     0x2ff
#define MSR_IA32_DEBUGCTL          0x1d9
#define MSR_IA32_XSS               0xda0
#define MSR_IA32_EFER              0xc0000080
#define MSR_IA32_STAR              0xc0000081
#define MSR_IA32_LSTAR             0xc0000082
#define MSR_IA32_CSTAR             0xc0000083
#define MSR_IA32_FMASK             0xc0000084
#define MSR_IA32_FS_BASE           0xc0000100
#define MSR_IA32_GS_BASE           0xc0000101
#define MSR_IA32_KERNEL_GS_BASE    0xc0000102
#define MSR_IA32_TSC_AUX           0xc0000103

#define X86_EFER_SCE (1ULL << 0)
#define X86_EFER_LME (1ULL << 8)
#define X86_EFER_LMA (1ULL << 10)
#define X86_EFER_NXE (1ULL << 11)

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline void cpuid_count(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b,
			       uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#define DEFINE_CR_ACCESSORS(n)                                              \
	static inline uint64_t read_cr##n(void)                             \
	{                                                                   \
		uint64_t v;                                                 \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));           \
		return v;                                                   \
	}                                                                   \
	static inline void write_cr##n(uint64_t v)                          \
	{                                                                   \
		__asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory");  \
	}
DEFINE_CR_ACCESSORS(0)
DEFINE_CR_ACCESSORS(2)
DEFINE_CR_ACCESSORS(3)
DEFINE_CR_ACCESSORS(4)
#undef DEFINE_CR_ACCESSORS

static inline uint64_t xgetbv(uint32_t idx)
{
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(idx));
	return ((uint64_t)hi << 32) | lo;
}
static inline void xsetbv(uint32_t idx, uint64_t v)
{
	__asm__ volatile("xsetbv" : : "c"(idx), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t read_rflags(void)
{
	uint64_t f;
	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	return f;
}

/* DR0-DR3 and DR6 (n = 0..3, 6). */
static inline uint64_t read_dr(int n)
{
	uint64_t v = 0;

	switch (n) {
	case 0: __asm__ volatile("mov %%dr0, %0" : "=r"(v)); break;
	case 1: __asm__ volatile("mov %%dr1, %0" : "=r"(v)); break;
	case 2: __asm__ volatile("mov %%dr2, %0" : "=r"(v)); break;
	case 3: __asm__ volatile("mov %%dr3, %0" : "=r"(v)); break;
	case 6: __asm__ volatile("mov %%dr6, %0" : "=r"(v)); break;
	}
	return v;
}

static inline void write_dr(int n, uint64_t v)
{
	switch (n) {
	case 0: __asm__ volatile("mov %0, %%dr0" : : "r"(v)); break;
	case 1: __asm__ volatile("mov %0, %%dr1" : : "r"(v)); break;
	case 2: __asm__ volatile("mov %0, %%dr2" : : "r"(v)); break;
	case 3: __asm__ volatile("mov %0, %%dr3" : : "r"(v)); break;
	case 6: __asm__ volatile("mov %0, %%dr6" : : "r"(v)); break;
	}
}

static inline void cpu_relax(void) { __asm__ volatile("pause"); }
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void hlt(void) { __asm__ volatile("hlt"); }

#endif
