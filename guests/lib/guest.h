/* Vireo test-guest library: a freestanding runtime for small multiboot v1
 * guests, built as 32-bit (protected mode, no paging) or 64-bit (long mode,
 * identity-mapped 4 GiB with 2 MiB pages) code from the same sources.
 *
 * A guest defines `void test_main(void)`; the runtime sets up GDT/IDT/stack,
 * calls it and then ends with test_finish() ("RESULT: PASS" / "RESULT: FAIL
 * (n failures)" and a debug-exit with v = 0 / 1). */
#ifndef VIREO_GUEST_H
#define VIREO_GUEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "core/hypercall_abi.h"

/* ---- runtime entry ---- */
void test_main(void);

/* ---- port I/O ---- */
static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

/* ---- CPU helpers ---- */
/* CPUID leaf 0 vendor string and leaf 0x40000000 signature, 12 chars. */
void cpuid_vendor(char out[13], uint32_t *max_leaf);
void cpuid_hv_signature(char out[13], uint32_t *max_leaf);

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	uint32_t ra, rb, rc, rd;
	__asm__ volatile("cpuid" : "=a"(ra), "=b"(rb), "=c"(rc), "=d"(rd) : "a"(leaf), "c"(sub));
	if (a) *a = ra;
	if (b) *b = rb;
	if (c) *c = rc;
	if (d) *d = rd;
}
static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
static inline unsigned long read_cr0(void) { unsigned long v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline unsigned long read_cr2(void) { unsigned long v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline unsigned long read_cr3(void) { unsigned long v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline unsigned long read_cr4(void) { unsigned long v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr0(unsigned long v) { __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
static inline void write_cr3(unsigned long v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
static inline void write_cr4(unsigned long v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }
static inline void invlpg(unsigned long va) { __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory"); }

/* ---- exceptions ----
 * Every one of the 32 exception vectors goes to exc_dispatch() (an NMI only
 * when no interrupt handler is registered for vector 2, see below). It records
 * the exception in exc_last / exc_count, then tries, in order:
 *   1. a handler registered with exc_set_handler() (returns nonzero if it
 *      handled the exception; it may change frame->ip to resume elsewhere);
 *   2. the exception table: an entry whose `from` equals the faulting (for
 *      faults) or following (for traps such as int3) instruction address
 *      resumes at `to`. Write them with EXTABLE() inside inline asm:
 *          asm volatile("1: rdmsr\n2:\n" EXTABLE(1b, 2b) ...)
 *   3. otherwise: print the frame and fail the test (debug-exit 1). */
#ifdef __x86_64__
#define EXTABLE_PTR ".quad"
struct exc_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t bp, di, si, dx, cx, bx, ax;
	uint64_t vector, error;
	uint64_t ip, cs, flags, sp, ss;
};
#else
#define EXTABLE_PTR ".long"
struct exc_frame {
	uint32_t di, si, bp, sp_unused, bx, dx, cx, ax;
	uint32_t vector, error;
	uint32_t ip, cs, flags;
};
#endif
#define EXTABLE(from, to) \
	".pushsection .extable,\"a\"\n .balign 8\n " EXTABLE_PTR " " #from ", " #to "\n .popsection\n"

struct exc_record {
	unsigned long vector, error, ip, cr2;
};
extern volatile struct exc_record exc_last;
extern volatile unsigned long exc_count;
typedef int (*exc_handler_t)(struct exc_frame *f);
void exc_set_handler(int vector, exc_handler_t h);

/* ---- interrupts ----
 * Vectors 32..255 (and the NMI, vector 2, once a handler is registered for
 * it here) go to irq_dispatch(), which calls the handler registered with
 * irq_set_handler(). Handlers run with IF=0 (interrupt gates) and must send
 * their own EOI (lapic_eoi()) when the interrupt came from the local APIC:
 * a test may want to look at ISR/PPR first. An interrupt without a handler
 * prints "FAIL unexpected interrupt vector N", counts a failure and is
 * retired (EOI) if the local APIC has it in service. lapic_enable()
 * registers a handler for its spurious vector (counts lapic_spurious, no
 * EOI, as the SDM wants). */
typedef void (*irq_handler_t)(struct exc_frame *f);
void irq_set_handler(int vector, irq_handler_t h);
extern volatile uint32_t irq_unexpected;
/* The runtime moves the 8259 PICs to vectors 0xE0..0xEF and masks them;
 * anything that still arrives there is counted here, not failed. */
extern volatile uint32_t pic_stray_count;

static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void hlt(void) { __asm__ volatile("hlt" ::: "memory"); }
/* STI's one-instruction interrupt shadow covers HLT: an interrupt already
 * pending is taken once HLT has begun and ends it, instead of slipping in
 * between and leaving the CPU asleep. */
static inline void safe_halt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }
static inline void cpu_pause(void) { __asm__ volatile("pause" ::: "memory"); }
static inline unsigned long read_flags(void)
{
	unsigned long f;
	__asm__ volatile("pushf; pop %0" : "=r"(f) : : "memory");
	return f;
}
#define FLAGS_TF (1UL << 8)
#define FLAGS_IF (1UL << 9)
#define FLAGS_RF (1UL << 16)

#ifdef __x86_64__
/* IST stacks (64-bit only; SDM Vol. 3 6.14.5): idt_set_ist(vector, n) makes
 * the gate switch to IST stack n (1..IST_MAX, 0 = none); the first use loads
 * a TSS (selector 0x20). ist_stack_top(n) is that stack's initial RSP. */
#define IST_MAX 3
#define IST_STACK_SIZE 8192
void idt_set_ist(int vector, int ist);
uintptr_t ist_stack_top(int ist);
static inline unsigned long read_cr8(void) { unsigned long v; __asm__ volatile("mov %%cr8, %0" : "=r"(v)); return v; }
static inline void write_cr8(unsigned long v) { __asm__ volatile("mov %0, %%cr8" : : "r"(v) : "memory"); }
#endif

/* ---- local APIC (apic.c) ----
 * The same calls work in xAPIC mode (MMIO at 0xFEE00000) and, after
 * x2apic_enable(), in x2APIC mode (MSR 0x800 + offset / 16). The mode is
 * one global: all CPUs of a test must be in the same mode. */
#define APIC_ID      0x020
#define APIC_VER     0x030
#define APIC_TPR     0x080
#define APIC_PPR     0x0A0
#define APIC_EOI     0x0B0
#define APIC_LDR     0x0D0
#define APIC_DFR     0x0E0   /* xAPIC only */
#define APIC_SVR     0x0F0
#define APIC_ISR     0x100   /* 8 registers, 0x10 apart */
#define APIC_TMR     0x180
#define APIC_IRR     0x200
#define APIC_ESR     0x280
#define APIC_ICR     0x300   /* x2APIC: the whole 64-bit ICR */
#define APIC_ICR_HI  0x310   /* xAPIC only */
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define APIC_TIMER_ICR 0x380 /* initial count */
#define APIC_TIMER_CCR 0x390 /* current count */
#define APIC_TIMER_DCR 0x3E0 /* divide configuration */
#define APIC_SELF_IPI  0x3F0 /* x2APIC only */

#define MSR_APIC_BASE    0x1B
#define MSR_TSC_DEADLINE 0x6E0
#define MSR_X2APIC_BASE  0x800

#define APIC_SVR_ENABLE  (1u << 8)
#define LVT_MASKED       (1u << 16)
#define LVT_ONESHOT      (0u << 17)
#define LVT_PERIODIC     (1u << 17)
#define LVT_TSC_DEADLINE (2u << 17)

/* ICR low word (SDM Vol. 3 Figure 11-12) */
#define ICR_FIXED        (0u << 8)
#define ICR_LOWEST       (1u << 8)
#define ICR_NMI          (4u << 8)
#define ICR_INIT         (5u << 8)
#define ICR_STARTUP      (6u << 8)
#define ICR_LOGICAL      (1u << 11)
#define ICR_BUSY         (1u << 12) /* delivery status, xAPIC */
#define ICR_ASSERT       (1u << 14)
#define ICR_SELF         (1u << 18)
#define ICR_ALL          (2u << 18)
#define ICR_ALL_BUT_SELF (3u << 18)

uint32_t lapic_read(uint32_t off);
void lapic_write(uint32_t off, uint32_t v);
/* xAPIC: ICR high (dest << 24) then ICR low; x2APIC: one WRMSR of
 * dest << 32 | icr_low to MSR 0x830. Does not wait for delivery. */
void lapic_send_ipi(uint32_t dest, uint32_t icr_low);
/* Waits (bounded) until ICR delivery status reads idle; 1 when it does. */
int lapic_icr_idle(void);
void lapic_eoi(void);
/* Software-enables the local APIC with this spurious vector, TPR 0, and
 * masks LINT0 (the legacy PIC's ExtINT line on the BSP). */
void lapic_enable(uint8_t spurious_vector);
int lapic_enabled(void);
extern volatile uint32_t lapic_spurious;
/* x2APIC mode (CPUID.1:ECX[21]); 0 if the CPU has none. Call on every CPU. */
int x2apic_enable(void);
int lapic_is_x2apic(void);
uint32_t lapic_id(void);
int lapic_isr_test(unsigned vector);
int lapic_irr_test(unsigned vector);
/* Self-IPI, fixed delivery: ICR shorthand "self". */
static inline void lapic_self_ipi(uint8_t vector) { lapic_send_ipi(0, ICR_SELF | ICR_ASSERT | vector); }

/* Time. tsc_khz and apic_khz (local APIC timer input clock, divide 1):
 * on Vireo from CPUID 0x40000010 (EAX, EBX) when the hypervisor reports that
 * leaf; otherwise measured: the TSC against PIT channel 2, the APIC timer
 * against the TSC. Returns 1 if the values came from the hypervisor. */
int timer_freqs(uint32_t *tsc_khz, uint32_t *apic_khz);
/* The APIC timer's input clock in kHz, measured against the TSC by polling
 * the current count (masked one-shot, divide 1); leaves the timer stopped. */
uint32_t apic_timer_khz_measured(uint32_t tsc_khz);
/* Busy-waits until *p >= v or `ticks` TSC ticks passed; 1 if *p got there. */
int wait_ge(const volatile uint32_t *p, uint32_t v, uint64_t ticks);
void delay_tsc(uint64_t ticks);
/* 64-bit unsigned division that needs no libgcc in 32-bit builds. */
uint64_t div64(uint64_t n, uint64_t d);
/* |got - want| <= want * pct / 100 */
static inline int within_pct(uint64_t got, uint64_t want, unsigned pct)
{
	uint64_t diff = got > want ? got - want : want - got;
	return diff * 100 <= want * pct;
}

/* RDMSR/WRMSR that survive a #GP: return -1 if no exception, else the vector. */
static inline int rdmsr_safe(uint32_t msr, uint64_t *val)
{
	unsigned long before = exc_count;
	uint32_t lo = 0, hi = 0;
	__asm__ volatile("1: rdmsr\n2:\n" EXTABLE(1b, 2b) : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	*val = ((uint64_t)hi << 32) | lo;
	return exc_count == before ? -1 : (int)exc_last.vector;
}
static inline int wrmsr_safe(uint32_t msr, uint64_t v)
{
	unsigned long before = exc_count;
	__asm__ volatile("1: wrmsr\n2:\n" EXTABLE(1b, 2b)
			 : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
	return exc_count == before ? -1 : (int)exc_last.vector;
}

/* ---- console / formatting ---- */
void console_putc(char c);
void console_write(const char *s, size_t n);
void console_use_e9(int on); /* default: COM1 only */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- strings ---- */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
const char *strstr(const char *h, const char *n);

/* ---- results ---- */
extern int test_failures;
int check(int cond, const char *name);                          /* "ok name" / "FAIL name: condition false" */
int check_eq(uint64_t got, uint64_t expected, const char *name); /* "FAIL name: got 0x.. expected 0x.." */
/* |got - want| <= want * permille / 1000: "ok name (got, expected want)" */
int check_pm(uint64_t got, uint64_t want, unsigned permille, const char *name);
void skip(const char *name, const char *why);                    /* "skip name (why)" */
void fail(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int test_report(void);                  /* prints RESULT line, returns failures */
void test_finish(void) __attribute__((noreturn)); /* RESULT line + debug-exit 0/1 */
/* isa-debug-exit: status (v<<1)|1. Where nothing listens on that port
 * (Bochs without Vireo) it prints "vireo: result N" with the same N and
 * powers Bochs off, so `./vireo boot-iso` gives the same exit status. */
void guest_exit(uint32_t v) __attribute__((noreturn));

/* ---- hypercalls (VMCALL; #UD when not under Vireo) ---- */
static inline long hypercall(unsigned long nr, unsigned long a0, unsigned long a1,
			     unsigned long a2, unsigned long a3)
{
	long ret;
	__asm__ volatile("vmcall" : "=a"(ret) : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3) : "memory");
	return ret;
}
static inline long hc_version(void) { return hypercall(VIREO_HC_VERSION, 0, 0, 0, 0); }
static inline long hc_console_write(const void *buf, unsigned long len)
{
	return hypercall(VIREO_HC_CONSOLE_WRITE, (unsigned long)buf, len, 0, 0);
}
static inline long hc_vcpu_id(void) { return hypercall(VIREO_HC_VCPU_ID, 0, 0, 0, 0); }
static inline void hc_exit(unsigned long status)
{
	hypercall(VIREO_HC_EXIT, status, 0, 0, 0);
	for (;;)
		__asm__ volatile("cli; hlt");
}
int running_on_vireo(void); /* CPUID 0x40000000 signature "VireoVireoHV" */

/* ---- multiboot v1 ---- */
#define MB_MAGIC 0x2BADB002u
struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr, config_table, boot_loader_name;
} __attribute__((packed));
struct mb_module {
	uint32_t mod_start, mod_end, string, reserved;
} __attribute__((packed));
struct mb_mmap {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));
extern uint32_t mb_magic;     /* EAX at entry */
extern uint32_t mb_info_addr; /* EBX at entry */
static inline struct mb_info *mb_info(void) { return (struct mb_info *)(uintptr_t)mb_info_addr; }
static inline void *phys(uint32_t pa) { return (void *)(uintptr_t)pa; }
const char *mb_cmdline(void); /* "" when absent */
/* Looks up "key=value" among the space-separated cmdline words. */
int cmdline_get(const char *key, char *out, size_t outlen);
uint64_t cmdline_u64(const char *key, uint64_t def); /* decimal or 0x hex */
uint64_t parse_u64(const char *s, const char **end);
uint64_t mb_ram_end(void); /* 1 MiB + mem_upper KiB, 0 if unknown */

#ifdef __x86_64__
/* identity map built by start.S: 4 page directories of 2 MiB pages (0-4 GiB) */
extern uint64_t guest_pd[4][512];

/* 64-bit TSS (SDM Vol. 3 8.7): RSP0-2 for privilege changes, IST 1-7. */
struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3, iomap_base;
} __attribute__((packed));
#endif

#endif
