/* Chaos guest: devices. IN/OUT and INS/OUTS over the whole port space,
 * MMIO of every width and many instruction forms (misaligned, page
 * crossing, RAM/MMIO straddling) on the APIC, I/O APIC, PCI and ACPI
 * windows and the holes, execution from MMIO, IPIs (INIT/SIPI/NMI at the
 * parked AP), timers at 0 and at their maximum, interrupt storms, and
 * x2APIC mode. With safe=1 (the default) the random writes stay off what
 * would end this VM by design (reset and power-off ports, the debug-exit
 * port, COM1 which carries our output) and off INIT/SMI/ExtINT delivery
 * that would stop our own BSP: those endings are end= actions. */
#include "chaos.h"

#define XAPIC     0xFEE00000u
#define IOAPIC    0xFEC00000u

static volatile uint32_t *apic_reg(uint32_t off) { return (volatile uint32_t *)(uintptr_t)(XAPIC + off); }

/* ---------------------------------------------------------------- ports */
/* Would a write of width w at port p hit a port whose write ends the VM
 * or garbles our console? */
static int port_write_excluded(uint32_t p, unsigned w)
{
	for (uint32_t q = p; q < p + w; q++) {
		q &= 0xFFFF;
		if ((q >= 0x3F8 && q <= 0x3FF) || q == 0xE9 || (q >= 0xF4 && q <= 0xF7) ||
		    q == 0x604 || q == 0x605 || q == 0x60C || q == 0xCF9 || q == 0x64 || q == 0x92 ||
		    q == 0x8900)
			return 1;
	}
	return 0;
}

static uint16_t pick_port(void)
{
	static const uint16_t bases[] = { 0x00, 0x20, 0x40, 0x60, 0x70, 0x80, 0xA0, 0xC0, 0xE9,
		0xF0, 0x1F0, 0x2F8, 0x3B0, 0x3D0, 0x3F0, 0x3F8, 0x4D0, 0x510, 0x600, 0xCF8, 0xFFF8,
		0x8900, 0xB000 };
	switch (rnd_below(3)) {
	case 0: return (uint16_t)rnd();
	default: return (uint16_t)(bases[rnd_below(sizeof(bases) / sizeof(bases[0]))] + rnd_below(16));
	}
}

static void pio_one(uint16_t port, unsigned w, int out, uint32_t v)
{
	if (out && port_write_excluded(port, w))
		out = 0;
	note(out ? "out" : "in", port | (uint32_t)w << 16, v);
	if (out) {
		if (w == 1) outb(port, (uint8_t)v);
		else if (w == 2) outw(port, (uint16_t)v);
		else outl(port, v);
	} else {
		if (w == 1) (void)inb(port);
		else if (w == 2) (void)inw(port);
		else (void)inl(port);
	}
	EXITS(1);
}

static void pci_config(void)
{
	uint32_t addr = (ONE_IN(4) ? (uint32_t)rnd() : 0x80000000u | (rnd_below(2) << 16) |
			 (rnd_below(32) << 11) | (rnd_below(8) << 8) | (rnd_below(64) << 2));
	note("pci", addr, 0);
	outl(0xCF8, addr);
	unsigned w = 1u << rnd_below(3);
	pio_one((uint16_t)(0xCFC + rnd_below(4)), w, (int)rnd_below(2), (uint32_t)rnd_value());
	EXITS(1);
}

void op_pio(void)
{
	switch (rnd_below(6)) {
	case 0:
		pci_config();
		return;
	case 1: /* RTC: any index (NMI-mask bit too), any data */
		pio_one(0x70, 1, 1, (uint32_t)rnd());
		pio_one(0x71, 1, (int)rnd_below(2), (uint32_t)rnd());
		return;
	default:
		pio_one(pick_port(), 1u << rnd_below(3), (int)rnd_below(2), (uint32_t)rnd_value());
	}
}

/* A buffer for count elements of width w, forwards or backwards (DF):
 * RAM scratch, a page before a hole (64-bit), or a device window. */
static unsigned long str_buffer(unsigned long *count, unsigned w, int df, int to_mem)
{
	unsigned long n = *count * w;
	switch (rnd_below(6)) {
#ifdef __x86_64__
	case 0: /* RAM next to a not-present page, the string running into it:
		 * #PF part way, whatever the count (chaos_cpu.c paging_init) */
		*count = ONE_IN(2) ? *count : (unsigned long)rnd_value();
		return df ? 0x40400000UL + rnd_below(64) : 0x401FFFFFUL - rnd_below(64);
#endif
	case 1: /* device windows: Vireo stops the VM ("not guest RAM") */
		if (cfg.strio_mmio)
			return (unsigned long)(to_mem && cfg.safe ? 0xA0000u + rnd_below(0x20000)
								   : pick_mmio_addr());
		/* fall through */
	default:
		return (unsigned long)scratch + (df ? n + rnd_below(SCRATCH_SIZE / 2 - (unsigned)n)
						 : rnd_below(SCRATCH_SIZE / 2));
	}
}

void op_pio_str(void)
{
	unsigned w = 1u << rnd_below(3);
	int out = (int)rnd_below(2), df = ONE_IN(3);
	unsigned long count = ONE_IN(8) ? 0 : 1 + rnd_below(64);
	uint16_t port = pick_port();
	if (out && port_write_excluded(port, w))
		port = 0x80;
	unsigned long buf = str_buffer(&count, w, df, !out);
	note(out ? "outs" : "ins", port | (uint32_t)w << 16 | (uint32_t)df << 20, buf);
	EXITS(count < 64 ? count : 64);
	if (df)
		__asm__ volatile("std");
	if (out) {
		if (w == 1) __asm__ volatile("rep outsb" : "+S"(buf), "+c"(count) : "d"(port) : "memory");
		else if (w == 2) __asm__ volatile("rep outsw" : "+S"(buf), "+c"(count) : "d"(port) : "memory");
		else __asm__ volatile("rep outsl" : "+S"(buf), "+c"(count) : "d"(port) : "memory");
	} else {
		if (w == 1) __asm__ volatile("rep insb" : "+D"(buf), "+c"(count) : "d"(port) : "memory");
		else if (w == 2) __asm__ volatile("rep insw" : "+D"(buf), "+c"(count) : "d"(port) : "memory");
		else __asm__ volatile("rep insl" : "+D"(buf), "+c"(count) : "d"(port) : "memory");
	}
	__asm__ volatile("cld");
}

/* ---------------------------------------------------------------- MMIO */
uint64_t pick_mmio_addr(void)
{
	uint64_t end = cfg.ram_end ? cfg.ram_end : 0x2000000;
	switch (rnd_below(12)) {
	case 0: case 1: return XAPIC + (ONE_IN(2) ? rnd_below(0x1000) : rnd_below(0x40) * 0x10);
	case 2: return XAPIC + 0xFF8 + rnd_below(8);                 /* crossing the APIC page */
	case 3: return IOAPIC + (ONE_IN(2) ? rnd_below(0x20) : rnd_below(0x1000));
	case 4: return 0xFED00000u + rnd_below(0x1000);              /* HPET's place: a hole */
	case 5: return 0xC0000000u + rnd_below(0x3E000000);          /* PCI hole */
	case 6: return 0x9FFF8u + rnd_below(16);                     /* ACPI RAM -> VGA hole */
	case 7: return 0x9FC00u + rnd_below(0x400);                  /* ACPI tables */
	case 8: return 0xA0000u + rnd_below(0x40000);                /* VGA, BIOS ROM */
	case 9: return end - rnd_below(8);                           /* crossing RAM's end */
	case 10: return end + rnd_below(0x1000000);                  /* above RAM */
#ifdef __x86_64__
	default: return 0xFFFFFFF0u + rnd_below(8);  /* the top of 4 GiB (beyond: the VM ends) */
#else
	default: return 0xFFFFFFF0u + rnd_below(16); /* the top of 4 GiB, wrapping to 0 */
#endif
	}
}

/* Writes we keep away from with safe=1: the ICR (op_ipi sends IPIs with
 * care), LINT0/LINT1 (INIT/ExtINT on our own pins), the I/O APIC window
 * (INIT/SMI/ExtINT redirections). */
static int mmio_write_unsafe(uint64_t a, unsigned w)
{
	if (!cfg.safe)
		return 0;
	if (a + w > XAPIC + 0x300 && a < XAPIC + 0x304)
		return 1;
	if (a + w > XAPIC + 0x350 && a < XAPIC + 0x370)
		return 1;
	return a + w > IOAPIC + 0x10 && a < IOAPIC + 0x14;
}

#ifdef __x86_64__
#define MOVQ_FORMS 1
#else
#define MOVQ_FORMS 0
#endif

/* Forms 0..9 are what Vireo's MMIO emulator implements (MOV, MOVZX/SX,
 * XCHG, ALU, TEST, MOVS/STOS/LODS); 10..13 (CMPXCHG, BTS, PUSH/POP m,
 * NOT/NEG/INC, CMPS) it does not: those end the VM ("cannot emulate"),
 * so they come only with mmio_rare=1. */
void op_mmio(void)
{
	uint64_t a64 = pick_mmio_addr();
	unsigned long a = (unsigned long)a64, v = (unsigned long)rnd_value(), n = 0;
	unsigned w = 1u << rnd_below(MOVQ_FORMS ? 4 : 3);
	unsigned form = rnd_below(cfg.mmio_rare ? 14 : 10);
	int writes = form != 0 && form != 4 && form != 5 && form != 9;
	if (writes && mmio_write_unsafe(a64, form >= 6 && form <= 7 ? 64 : w))
		form = 0;
	if (form >= 5 && form <= 7 && a > 0xFFFFFF00u) /* strings: not across 4 GiB */
		a -= 0x100;
	note("mmio", a, form | (unsigned long)w << 8);
	EXITS(1);
	volatile uint8_t *p8 = (volatile uint8_t *)a;
	volatile uint16_t *p16 = (volatile uint16_t *)a;
	volatile uint32_t *p32 = (volatile uint32_t *)a;
	switch (form) {
	case 0: /* plain read of each width */
		if (w == 1) (void)*p8;
		else if (w == 2) (void)*p16;
		else if (w == 4) (void)*p32;
#ifdef __x86_64__
		else (void)*(volatile uint64_t *)a;
#endif
		break;
	case 1:
		if (w == 1) *p8 = (uint8_t)v;
		else if (w == 2) *p16 = (uint16_t)v;
		else if (w == 4) *p32 = (uint32_t)v;
#ifdef __x86_64__
		else *(volatile uint64_t *)a = v;
#endif
		break;
	case 2: __asm__ volatile("addl %1, (%0)" : : "r"(a), "r"((uint32_t)v) : "memory", "cc"); break;
	case 3: __asm__ volatile("xchgl %1, (%0)" : : "r"(a), "r"((uint32_t)v) : "memory"); break;
	case 4: __asm__ volatile("movzbl (%1), %k0; movswl (%1), %k0" : "=&r"(n) : "r"(a) : "memory"); break;
	case 5: /* MMIO -> RAM */
		n = 1 + rnd_below(16);
		__asm__ volatile("rep movsb" : "+S"(a), "+c"(n) : "D"(scratch) : "memory");
		break;
	case 6: /* RAM -> MMIO */
		n = 1 + rnd_below(16);
		__asm__ volatile("rep movsl" : "+D"(a), "+c"(n) : "S"(scratch) : "memory");
		break;
	case 7: n = 1 + rnd_below(16); __asm__ volatile("rep stosw" : "+D"(a), "+c"(n) : "a"(v) : "memory"); break;
	case 8: __asm__ volatile("lock orl %1, (%0)" : : "r"(a), "r"((uint32_t)v) : "memory", "cc"); break;
	case 9: __asm__ volatile("testl $0x5a5a, (%0); lodsw" : "+S"(a) : : "eax", "memory", "cc"); break;
	case 10: __asm__ volatile("lock cmpxchgl %1, (%2)" : "+a"(n) : "r"((uint32_t)v), "r"(a) : "memory", "cc"); break;
	case 11: __asm__ volatile("btsl %1, (%0)" : : "r"(a), "r"((uint32_t)v & 31) : "memory", "cc"); break;
	case 12: __asm__ volatile("push (%0); pop (%0)" : : "r"(a) : "memory"); break;
	default: __asm__ volatile("notl (%0); negw (%0); incb 1(%0); cmpsb" : "+S"(a) : "D"(scratch) : "memory", "cc"); break;
	}
}

void op_exec_mmio(void)
{
	static const uint32_t where[] = { XAPIC, XAPIC + 0x300, IOAPIC, 0xE0000000u, 0xA0000u,
		0xFED00000u, 0xFFFFFF00u };
	unsigned long t = where[rnd_below(sizeof(where) / sizeof(where[0]))];
	if (ONE_IN(3))
		t = (unsigned long)(cfg.ram_end + rnd_below(0x100000));
	note("call", t, 0);
	EXITS(1);
	__asm__ volatile("call *%0" : : "r"(t) : "memory");
}

/* ---------------------------------------------------------------- APIC */
static uint32_t ap_id(void) { return cfg.ncpus > 1 ? 1 + rnd_below(cfg.ncpus - 1) : 0xFF; }

/* One IPI: a random mode, vector and destination, kept off our own CPU
 * for INIT/SIPI/SMI; vectors 16..31 are legal and arrive at exception
 * gates (chaos.c takes them). */
static void ipi_one(int x2)
{
	static const uint32_t modes[] = { ICR_FIXED, ICR_FIXED, ICR_LOWEST, ICR_NMI, ICR_INIT,
		ICR_STARTUP, 2u << 8 /* SMI */, 7u << 8 /* ExtINT */, 3u << 8 /* reserved */ };
	uint32_t mode = modes[rnd_below(sizeof(modes) / sizeof(modes[0]))];
	uint32_t vec = ONE_IN(4) ? rnd_below(256) : STORM_VECTOR + rnd_below(8);
	uint32_t sh = rnd_below(4) << 18, dest;
	switch (rnd_below(4)) {
	case 0: dest = 0; break;
	case 1: dest = 0xFF; break;
	case 2: dest = rnd_below(x2 ? 0xFFFFFFFFu : 256); break;
	default: dest = ap_id(); break;
	}
	uint32_t icr = mode | vec | sh | (rnd_below(4) << 14) | (ONE_IN(8) ? ICR_LOGICAL : 0);
	int hits_self = sh == ICR_SELF || sh == ICR_ALL || (sh == 0 && (dest == 0 || dest == 0xFF || ((icr & ICR_LOGICAL) && (dest & 1))));
	if (cfg.safe && hits_self && mode != ICR_FIXED && mode != ICR_LOWEST && mode != ICR_NMI)
		icr = (icr & ~(7u << 8)) | ICR_FIXED;
	if (cfg.safe && mode == ICR_STARTUP)
		icr = (icr & ~0xFFu) | (AP_PARK_PAGE >> 12);
	note(x2 ? "x2ipi" : "ipi", icr, dest);
	EXITS(2);
	if (x2)
		wrmsr(0x830, (uint64_t)dest << 32 | icr);
	else {
		*apic_reg(APIC_ICR_HI) = dest << 24;
		*apic_reg(APIC_ICR) = icr;
	}
}

void op_ipi(void)
{
	unsigned n = ONE_IN(4) ? 1 + rnd_below(32) : 1;
	for (unsigned i = 0; i < n; i++)
		ipi_one(0);
	if (cfg.ncpus > 1 && ONE_IN(4)) { /* INIT then SIPI: the AP back to its parking page */
		lapic_send_ipi(ap_id(), ICR_INIT | ICR_ASSERT);
		lapic_send_ipi(ap_id(), ICR_STARTUP | ICR_ASSERT | (AP_PARK_PAGE >> 12));
		EXITS(4);
	}
}

void op_x2apic(void)
{
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	EXITS(1);
	if (!(c & (1u << 21)))
		return;
	uint64_t base = rdmsr(MSR_APIC_BASE);
	wrmsr(MSR_APIC_BASE, base | (1u << 10));
	EXITS(2);
	unsigned n = 1 + rnd_below(8);
	for (unsigned i = 0; i < n; i++) {
		uint64_t v;
		uint32_t msr = 0x800 + rnd_below(0x40);
		switch (rnd_below(4)) {
		case 0: rdmsr_safe(msr, &v); note("x2rd", msr, 0); break;
		case 1:
			if (msr == 0x830 || msr == 0x835 || msr == 0x836) /* ICR, LINT0/1: below */
				msr = 0x808;
			v = rnd_value();
			note("x2wr", msr, v);
			wrmsr_safe(msr, v);
			break;
		case 2: ipi_one(1); break;
		default: wrmsr_safe(0x83F, rnd_below(256)); note("selfipi", 0, 0); break; /* SELF IPI */
		}
		EXITS(1);
	}
	/* the xAPIC page while in x2APIC mode */
	(void)*(volatile uint32_t *)(uintptr_t)(XAPIC + 0x20);
	EXITS(1);
	/* chaos.c's apic_base_restore() goes back to xAPIC */
}

/* ---------------------------------------------------------------- timers */
static void pit_program(unsigned ch, uint16_t count, unsigned mode)
{
	outb(0x43, (uint8_t)(ch << 6 | 0x30 | mode << 1));
	outb((uint16_t)(0x40 + ch), (uint8_t)count);
	outb((uint16_t)(0x40 + ch), (uint8_t)(count >> 8));
	EXITS(3);
}

void op_timer(void)
{
	static const uint32_t counts[] = { 0, 1, 2, 0xFFFFFFFFu, 0x7FFFFFFFu, 100, 10000 };
	switch (rnd_below(5)) {
	case 0: case 1: { /* local APIC timer: any mode (the reserved one too), divider, count */
		uint32_t lvt = STORM_VECTOR | (rnd_below(4) << 17) | (ONE_IN(2) ? LVT_MASKED : 0);
		uint32_t cnt = ONE_IN(3) ? (uint32_t)rnd() : counts[rnd_below(7)];
		note("apic-timer", lvt, cnt);
		*apic_reg(APIC_LVT_TIMER) = lvt;
		*apic_reg(APIC_TIMER_DCR) = rnd_below(16);
		*apic_reg(APIC_TIMER_ICR) = cnt;
		(void)*apic_reg(APIC_TIMER_CCR);
		EXITS(4);
		break;
	}
	case 2: { /* TSC deadline: 0, past, now, the far future */
		uint64_t t = ONE_IN(2) ? rnd_value() : rdtsc() + rnd_below(1000);
		note("deadline", t, 0);
		*apic_reg(APIC_LVT_TIMER) = STORM_VECTOR | LVT_TSC_DEADLINE;
		wrmsr_safe(MSR_TSC_DEADLINE, t);
		EXITS(2);
		break;
	}
	case 3: { /* PIT: count 0 (65536), 1, 2, any; every channel and mode */
		uint16_t cnt = (uint16_t)(ONE_IN(2) ? rnd_below(3) : rnd());
		unsigned ch = rnd_below(3), mode = rnd_below(8);
		note("pit", ch << 8 | mode, cnt);
		pit_program(ch, cnt, mode);
		if (ch == 2)
			outb(0x61, (uint8_t)rnd_below(4)); /* gate, speaker */
		break;
	}
	default: { /* RTC: periodic rate (0 = off, 1/2 = the odd fast ones), PIE/AIE/UIE */
		uint8_t rate = (uint8_t)rnd_below(16);
		note("rtc", rate, 0);
		outb(0x70, 0x0A);
		outb(0x71, 0x20 | rate);
		outb(0x70, 0x0B);
		outb(0x71, (uint8_t)(rnd() & 0x7E));
		outb(0x70, 0x0C);
		(void)inb(0x71);
		EXITS(6);
		break;
	}
	}
}

void timers_stop(void)
{
	*apic_reg(APIC_LVT_TIMER) = LVT_MASKED;
	*apic_reg(APIC_TIMER_ICR) = 0;
	wrmsr_safe(MSR_TSC_DEADLINE, 0);
	pit_program(0, 0, 0);
	outb(0x70, 0x0B);
	outb(0x71, 0x02);
}

/* ---------------------------------------------------------------- storms */
static void pic_quiet(void)
{
	static const uint8_t seq[] = { 0x11, 0xE0, 0x04, 0x01, 0xFF };
	static const uint8_t seq2[] = { 0x11, 0xE8, 0x02, 0x01, 0xFF };
	outb(0x20, seq[0]);
	outb(0xA0, seq2[0]);
	for (int i = 1; i < 5; i++) {
		outb(0x21, seq[i]);
		outb(0xA1, seq2[i]);
	}
}

static void ioapic_mask_all(void)
{
	volatile uint32_t *sel = (volatile uint32_t *)(uintptr_t)IOAPIC;
	volatile uint32_t *win = (volatile uint32_t *)(uintptr_t)(IOAPIC + 0x10);
	for (uint32_t i = 0; i < 24; i++) {
		*sel = 0x10 + 2 * i;
		*win = LVT_MASKED;
	}
}

static void ioapic_route(unsigned pin, uint32_t vec)
{
	volatile uint32_t *sel = (volatile uint32_t *)(uintptr_t)IOAPIC;
	volatile uint32_t *win = (volatile uint32_t *)(uintptr_t)(IOAPIC + 0x10);
	*sel = 0x11 + 2 * pin;
	*win = 0;
	*sel = 0x10 + 2 * pin;
	*win = vec;
}

/* Everything that could deliver an interrupt at a vector we do not
 * expect is quiet: the PIC, the I/O APIC, every LVT. */
void storm_prepare(void)
{
	pic_quiet();
	ioapic_mask_all();
	*apic_reg(APIC_SVR) = APIC_SVR_ENABLE | SPURIOUS_VEC;
	*apic_reg(APIC_TPR) = 0;
	static const uint32_t lvts[] = { APIC_LVT_TIMER, 0x330, 0x340, APIC_LVT_LINT0, APIC_LVT_LINT1,
		APIC_LVT_ERROR };
	for (unsigned i = 0; i < sizeof(lvts) / sizeof(lvts[0]); i++)
		*apic_reg(lvts[i]) = LVT_MASKED;
	EXITS(80);
}

static void spin(unsigned n, int halt)
{
	for (unsigned i = 0; i < n; i++) {
		if (halt)
			__asm__ volatile("sti; hlt; cli" ::: "memory");
		else
			__asm__ volatile("sti; pause; pause; cli" ::: "memory");
	}
}

void op_storm(void)
{
	unsigned kind = rnd_below(5), n = 1 + rnd_below(64);
	uint32_t before = irq_count + nmi_count;
	storm_prepare();
	note("storm", kind, n);
	switch (kind) {
	case 0: /* self-IPIs, taken as they come */
		for (unsigned i = 0; i < n; i++) {
			*apic_reg(APIC_ICR) = ICR_SELF | ICR_ASSERT | (STORM_VECTOR + rnd_below(16));
			spin(1, 0);
		}
		EXITS(2 * n);
		break;
	case 1: /* a fast periodic APIC timer, halted on between ticks; not
		 * faster than an interrupt costs (a few thousand TSC ticks per
		 * exit under Bochs), or the guest livelocks in its own handler,
		 * as it would on hardware (op_timer leaves faster ones pending) */
		*apic_reg(APIC_TIMER_DCR) = 0xB; /* divide by 1 */
		*apic_reg(APIC_LVT_TIMER) = STORM_VECTOR | LVT_PERIODIC;
		*apic_reg(APIC_TIMER_ICR) = 20000 + rnd_below(100000);
		spin(n, 1);
		*apic_reg(APIC_TIMER_ICR) = 0;
		*apic_reg(APIC_LVT_TIMER) = LVT_MASKED;
		EXITS(2 * n + 5);
		break;
	case 2: /* NMIs at ourselves */
		for (unsigned i = 0; i < n; i++) {
			*apic_reg(APIC_ICR_HI) = 0;
			*apic_reg(APIC_ICR) = ICR_NMI | ICR_ASSERT;
		}
		EXITS(2 * n);
		break;
	case 3: /* the PIT through the I/O APIC, fast */
		ioapic_route(2, STORM_VECTOR + 1);
		pit_program(0, (uint16_t)(200 + rnd_below(2000)), 2); /* 1.19 MHz: 170 us .. 1.8 ms */
		spin(n, 1);
		pit_program(0, 0, 0);
		ioapic_mask_all();
		EXITS(2 * n + 60);
		break;
	default: /* IPIs, NMIs, INIT/SIPI pairs at the AP (or at nobody) */
		for (unsigned i = 0; i < n; i++) {
			uint32_t mode = (uint32_t[]){ ICR_FIXED | STORM_VECTOR, ICR_NMI, ICR_INIT,
				ICR_STARTUP | (AP_PARK_PAGE >> 12) }[rnd_below(4)];
			lapic_send_ipi(ap_id(), mode | ICR_ASSERT);
		}
		EXITS(2 * n);
		break;
	}
	spin(4, 0);
	note("storm-irqs", kind, irq_count + nmi_count - before);
}

/* ---------------------------------------------------------------- setup */
/* The AP parks in real mode at AP_PARK_PAGE: cli; hlt; jmp back to hlt;
 * its NMI vector (IVT entry 2) points at an IRET there, so NMI storms
 * wake it and it halts again; INIT/SIPI pairs restart it there. */
void ap_park(void)
{
	static const uint8_t code[] = { 0xFA, 0xF4, 0xEB, 0xFD, 0xCF };
	memcpy((void *)(uintptr_t)AP_PARK_PAGE, code, sizeof(code));
	uintptr_t ivt2 = 8; /* IVT entry 2: offset, segment (hidden from the compiler's
			     * idea that address 8 points at nothing) */
	__asm__("" : "+r"(ivt2));
	((volatile uint16_t *)ivt2)[0] = 4;
	((volatile uint16_t *)ivt2)[1] = AP_PARK_PAGE >> 4;
	for (uint32_t id = 1; id < cfg.ncpus; id++) {
		lapic_send_ipi(id, ICR_INIT | ICR_ASSERT);
		lapic_send_ipi(id, ICR_STARTUP | ICR_ASSERT | (AP_PARK_PAGE >> 12));
	}
	cfg.ap_parked = 1;
	printf("chaos: %u AP(s) parked at 0x%x\n", cfg.ncpus - 1, AP_PARK_PAGE);
}

/* Gates 17, 21, 29 and 30 expect an error code that an interrupt at that
 * vector (legal from 16 up) does not push: point them at the library's
 * stub for vector 0xF1, which pushes none (chaos.c's handler EOIs it). */
extern const char irq_stubs[];
static void idt_patch(void)
{
	struct { uint16_t limit; uintptr_t base; } __attribute__((packed)) d;
	__asm__ volatile("sidt %0" : "=m"(d));
	uintptr_t h = (uintptr_t)irq_stubs + (0xF1 - 32) * 16;
	static const int vecs[] = { 17, 21, 29, 30 };
	for (unsigned i = 0; i < 4; i++) {
		uint64_t lo = (h & 0xFFFF) | ((uint64_t)CHAOS_CS << 16) | (0x8EULL << 40) |
			      (((uint64_t)h & 0xFFFF0000ULL) << 32);
#ifdef __x86_64__
		((uint64_t *)d.base)[2 * vecs[i]] = lo;
		((uint64_t *)d.base)[2 * vecs[i] + 1] = (uint64_t)h >> 32;
#else
		((uint64_t *)d.base)[vecs[i]] = lo;
#endif
	}
}

void chaos_dev_init(void)
{
	idt_patch();
	/* the last bytes of RAM: printable, for hypercall buffers that cross its end */
	if (cfg.ram_end)
		memset((void *)(uintptr_t)(cfg.ram_end - 64), '.', 64);
}
