#include "arch/x86/cpu/cpu.h"
#include "arch/x86/cpu/host_timer.h"
#include "core/arch.h"
#include "lib/printk.h"

#define MSR_IA32_APIC_BASE     0x1b
#define MSR_IA32_TSC_DEADLINE  0x6e0
#define APIC_BASE_ENABLE       (1ULL << 11)
#define APIC_BASE_X2APIC       (1ULL << 10)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define APIC_EOI               0x0b0
#define APIC_SVR               0x0f0
#define APIC_LVT_TIMER         0x320
#define APIC_SVR_ENABLE        0x100
#define APIC_LVT_TSC_DEADLINE  (2u << 17)
#define APIC_SPURIOUS_VECTOR   0xff

static volatile uint32_t *host_apic;  /* xAPIC MMIO (identity mapped) */
static bool have_deadline;

bool host_timer_init(void)
{
	uint32_t a, b, c, d;
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

	cpuid_count(1, 0, &a, &b, &c, &d);
	if (!(c & CPUID1_ECX_TSC_DEADLINE) || (base & APIC_BASE_X2APIC))
		return false;
	wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_ENABLE);
	host_apic = (volatile uint32_t *)(uintptr_t)(base & 0xfffff000u);
	host_apic[APIC_SVR / 4] = APIC_SVR_ENABLE | APIC_SPURIOUS_VECTOR;
	host_apic[APIC_LVT_TIMER / 4] = APIC_LVT_TSC_DEADLINE | HOST_TIMER_VECTOR;
	have_deadline = true;
	return true;
}

void host_timer_eoi(void)
{
	if (host_apic)
		host_apic[APIC_EOI / 4] = 0;
}

/* The host runs with IF=0; here alone it opens the window "sti; hlt"
 * (STI's shadow covers HLT, so the wake-up cannot slip in between) and
 * the timer interrupt ends the HLT. */
void arch_idle_until(uint64_t deadline)
{
	if (!have_deadline) {
		while (rdtsc() < deadline)
			cpu_relax();
		return;
	}
	wrmsr(MSR_IA32_TSC_DEADLINE, deadline);
	if (rdtsc() < deadline)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	wrmsr(MSR_IA32_TSC_DEADLINE, 0);
}
