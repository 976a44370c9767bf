/* Chaos guest: instructions that trap to the hypervisor. CPUID, RDMSR and
 * WRMSR of random and sensitive MSRs, VMCALL with bad numbers, pointers
 * and lengths, CR0/CR3/CR4/CR8/XCR0 and debug-register writes with
 * reserved bits, VMX instructions, cache and TLB instructions, odd
 * traps (ICEBP, single-step across an exit), and the 16-bit segment.
 * Whatever an op changes that the guest itself needs (CR0, CR4, EFER,
 * XCR0, DR7, the APIC base) it puts back before returning. */
#include "chaos.h"

#define MSR_EFER       0xC0000080u
#define APIC_BASE_EN   (1ULL << 11)
#define APIC_BASE_EXTD (1ULL << 10)
#define CR4_OSXSAVE    (1UL << 18)
#ifdef __x86_64__
#define ONE_REG "r"
#else
#define ONE_REG "e"
#endif

static uint64_t apic_base0;
static unsigned long cr0_0, cr4_0;
static int has_xsave;
static uint64_t xcr0_0;

/* ---- single instructions that may fault, skipped if they do ---- */
static int wcr(int n, unsigned long v)
{
	unsigned long before = exc_count;
	switch (n) {
	case 0: __asm__ volatile("1: mov %0, %%cr0\n2:\n" EXTABLE(1b, 2b) : : "r"(v) : "memory"); break;
	case 2: __asm__ volatile("1: mov %0, %%cr2\n2:\n" EXTABLE(1b, 2b) : : "r"(v) : "memory"); break;
	case 3: __asm__ volatile("1: mov %0, %%cr3\n2:\n" EXTABLE(1b, 2b) : : "r"(v) : "memory"); break;
	case 4: __asm__ volatile("1: mov %0, %%cr4\n2:\n" EXTABLE(1b, 2b) : : "r"(v) : "memory"); break;
#ifdef __x86_64__
	case 8: __asm__ volatile("1: mov %0, %%cr8\n2:\n" EXTABLE(1b, 2b) : : "r"(v) : "memory"); break;
#endif
	}
	return exc_count != before;
}

static int xsetbv_safe(uint32_t idx, uint64_t v)
{
	unsigned long before = exc_count;
	__asm__ volatile("1: xsetbv\n2:\n" EXTABLE(1b, 2b)
			 : : "c"(idx), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
	return exc_count != before;
}

static int wdr7(unsigned long v)
{
	unsigned long before = exc_count;
	__asm__ volatile("1: mov %0, %%dr7\n2:\n" EXTABLE(1b, 2b) : : "r"(v) : "memory");
	return exc_count != before;
}

void apic_base_restore(void)
{
	uint64_t v;
	if (rdmsr_safe(MSR_APIC_BASE, &v) < 0 && v == apic_base0)
		return;
	/* x2APIC -> xAPIC must pass through disabled (SDM 11.12.5) */
	wrmsr_safe(MSR_APIC_BASE, apic_base0 & ~(APIC_BASE_EN | APIC_BASE_EXTD));
	wrmsr_safe(MSR_APIC_BASE, apic_base0);
	lapic_enable(SPURIOUS_VEC);
	irq_set_handler(SPURIOUS_VEC, chaos_irq);
}

/* ---- CPUID ---- */
void op_cpuid(void)
{
	static const uint32_t bases[] = { 0, 0x80000000u, 0x40000000u, 0xC0000000u, 0x8FFFFFFFu };
	uint32_t leaf, sub = ONE_IN(2) ? rnd_below(64) : (uint32_t)rnd();
	if (ONE_IN(4))
		leaf = (uint32_t)rnd();
	else
		leaf = bases[rnd_below(5)] + rnd_below(0x24);
	note("leaf/sub", leaf, sub);
	cpuid(leaf, sub, 0, 0, 0, 0);
	EXITS(1);
}

/* ---- MSRs ---- */
static const uint32_t msr_list[] = {
	0x10, 0x1B, 0x3A, 0x3B, 0x48, 0x49, 0x8B, 0x9B, 0xC1, 0xE7, 0xE8, 0xFE, 0x10A, 0x10B,
	0x174, 0x175, 0x176, 0x179, 0x17A, 0x186, 0x187, 0x1A0, 0x1D9, 0x1DB, 0x1DC, 0x1DD, 0x1DE,
	0x200, 0x201, 0x20E, 0x20F, 0x250, 0x258, 0x259, 0x268, 0x26F, 0x277, 0x2FF, 0x38D, 0x38F,
	0x390, 0x480, 0x481, 0x482, 0x483, 0x484, 0x485, 0x486, 0x487, 0x488, 0x489, 0x48A, 0x48B,
	0x48C, 0x48D, 0x48E, 0x48F, 0x490, 0x491, 0x492, 0x4D0, 0x560, 0x570, 0x6E0, 0x800, 0x802,
	0x803, 0x808, 0x80B, 0x80F, 0x830, 0x838, 0x83E, 0x83F, 0xD90, 0xDA0, 0xC0000080,
	0xC0000081, 0xC0000082, 0xC0000083, 0xC0000084, 0xC0000100, 0xC0000101, 0xC0000102,
	0xC0000103, 0xC0000104, 0xC0010000, 0xC0010114, 0x40000000, 0x40000001, 0x40000070,
	0x4B564D00, 0x4B564D01, 0x4B564D02, 0x4B564D03, 0x4B564D04,
};
#define NMSR (sizeof(msr_list) / sizeof(msr_list[0]))

static uint32_t pick_msr(void)
{
	switch (rnd_below(8)) {
	case 0: return (uint32_t)rnd();
	case 1: return rnd_below(0x2000);
	case 2: return 0xC0000000u + rnd_below(0x200);
	case 3: return 0x800 + rnd_below(0x100);
	default: return msr_list[rnd_below(NMSR)];
	}
}

void op_rdmsr(void)
{
	uint64_t v;
	uint32_t msr = pick_msr();
	note("msr", msr, 0);
	rdmsr_safe(msr, &v);
	EXITS(1);
}

/* A value for MSR msr whose current value is cur: the current one with a
 * bit flipped, reserved or non-canonical bits, or noise. */
static uint64_t msr_value(uint64_t cur)
{
	switch (rnd_below(6)) {
	case 0: return cur ^ (1ULL << rnd_below(64));
	case 1: return cur | (1ULL << (32 + rnd_below(32)));
	case 2: return cur ^ (rnd() & 0xFFF);
	default: return rnd_value();
	}
}

void op_wrmsr(void)
{
	uint32_t msr = pick_msr();
	uint64_t cur = 0;
	int readable = rdmsr_safe(msr, &cur) < 0;
	/* the TSC and its deadline: the guest's own timing survives any value,
	 * but the APIC base and EFER are put back below like the others */
	uint64_t v = msr_value(cur);
	if (msr == MSR_EFER) /* LME/LMA/NXE/SCE toggles and reserved bits */
		v = ONE_IN(2) ? cur ^ (1ULL << rnd_below(16)) : cur | (1ULL << (16 + rnd_below(48)));
	note("msr/value", msr, v);
	int wrote = wrmsr_safe(msr, v) < 0;
	EXITS(2);
	if (wrote && readable && msr != 0x10 && msr != 0x6E0 && msr != 0x49 && msr != 0x10B) {
		wrmsr_safe(msr, cur);
		EXITS(1);
	}
}

/* ---- VMCALL ---- */
static char hc_text[256];

static unsigned long hc_ptr(void)
{
	char *text = hc_text;
	if (!text[0]) {
		memset(text, '.', sizeof(hc_text));
		for (unsigned i = 63; i < sizeof(hc_text); i += 64)
			text[i] = '\n';
	}
	switch (rnd_below(11)) {
	case 0: return 0;
	case 1: return ~0UL;
	case 2: return 0xFEE00000UL + rnd_below(0x1000);          /* the APIC page */
	case 3: return (unsigned long)cfg.ram_end - rnd_below(64); /* crossing RAM's end */
	case 4: return 0xA0000UL + rnd_below(0x20000);            /* VGA hole */
	case 5: return 0xFFFFF000UL + rnd_below(0x1000);
	case 9: return 0x100000UL + rnd_below(0x100000); /* where Vireo sits in host memory */
#ifdef __x86_64__
	case 6: return 0x0000800000000000UL - rnd_below(64);      /* canonical edge */
	case 7:                                                    /* before a missing page */
		memset((void *)0x401FFFF0UL, '.', 16);
		return 0x401FFFF0UL;
	case 8: return 0x100000000UL + rnd_below(0x100000);       /* above 4 GiB */
#endif
	default: return (unsigned long)text + rnd_below(sizeof(hc_text) - 64);
	}
}

static unsigned long hc_len(void)
{
	switch (rnd_below(8)) {
	case 0: return 0;
	case 1: return ~0UL;
	case 2: return ~0UL - rnd_below(0x1000);
	case 3: return 4096 + rnd_below(2);
	case 4: return (unsigned long)rnd();
	default: return rnd_below(64);
	}
}

void op_hcall(void)
{
	unsigned long nr;
	switch (rnd_below(6)) {
	case 0: nr = VIREO_HC_VERSION; break;
	case 1: nr = VIREO_HC_VCPU_ID; break;
	case 2: nr = 4 + rnd_below(60); break;
	case 3: nr = (unsigned long)rnd(); break;
	default: nr = VIREO_HC_CONSOLE_WRITE; break;
	}
	if (nr == VIREO_HC_EXIT)
		nr = VIREO_HC_VCPU_ID;
	unsigned long a = hc_ptr(), b = hc_len();
	/* a console write with a good pointer prints: keep those short */
	if (nr == VIREO_HC_CONSOLE_WRITE && b <= 4096 && b > 64)
		b &= 63;
	/* guest RAM that is not text (the IVT at 0, our image at 1 MiB, which
	 * is where Vireo sits in host memory): only with a refused length */
	if (nr == VIREO_HC_CONSOLE_WRITE && (a < 0x1000 || (a >= 0x100000 && a < 0x200000 &&
	    (a < (unsigned long)hc_text || a >= (unsigned long)hc_text + sizeof(hc_text)))))
		b = ~0UL - rnd_below(2);
	note("nr/ptr", nr, a);
	hypercall(nr, a, b, (unsigned long)rnd_value(), (unsigned long)rnd_value());
	EXITS(1);
}

/* ---- control registers ---- */
void op_cr(void)
{
	unsigned long cr0 = read_cr0(), cr4 = read_cr4(), v;
	switch (rnd_below(9)) {
	case 0: /* CR0: caching, WP, AM, MP, EM, TS, NE, ET, reserved bits, PE/PG combinations */
	case 1: {
		static const unsigned long bits[] = { 1UL << 30, 1UL << 29, 3UL << 29, 1UL << 16,
			1UL << 18, 1UL << 1, 1UL << 2, 1UL << 3, 1UL << 5, 1UL << 4, 1UL << 31,
			1UL << 0, (1UL << 31) | 1UL, 1UL << 7, 1UL << 20 };
		v = cr0 ^ bits[rnd_below(sizeof(bits) / sizeof(bits[0]))];
#ifdef __x86_64__
		if (ONE_IN(3))
			v |= 1UL << (32 + rnd_below(32));
#else
		/* no paging here: PG with PE is a #GP test only (PE cleared) */
		if ((v & (1UL << 31)) && !(cr0 & (1UL << 31)))
			v = ONE_IN(2) ? v & ~1UL : v & ~(1UL << 31);
		else if ((cr0 & 1) && !(v & 1)) /* leaving protected mode: op_mode16 does it */
			v |= 1;
#endif
		note("cr0", v, cr0);
		wcr(0, v);
		wcr(0, cr0);
		EXITS(2);
		break;
	}
	case 2: { /* CR3: reserved bits above MAXPHYADDR, PCD/PWT, bit 63 */
		unsigned long cr3 = read_cr3();
#ifdef __x86_64__
		v = cr3 | (ONE_IN(2) ? 1UL << (40 + rnd_below(24)) : (rnd() & 0x18));
#else
		v = (cr0 & (1UL << 31)) ? cr3 | (rnd() & 0x18) : (unsigned long)rnd();
#endif
		note("cr3", v, cr3);
		wcr(3, v);
		wcr(3, cr3);
		EXITS(2);
		break;
	}
	case 3: case 4: case 5: { /* CR4: every bit, reserved ones too */
		v = cr4 ^ (1UL << rnd_below(ONE_IN(4) ? (unsigned)sizeof(long) * 8 : 25));
		note("cr4", v, cr4);
		wcr(4, v);
		wcr(4, cr4);
		EXITS(2);
		break;
	}
	case 6: /* LMSW, CLTS, SMSW */
		v = (unsigned long)rnd() & 0xFFFF;
		note("lmsw", v, cr0);
		__asm__ volatile("lmsw %w0; clts; smsw %w0" : "+r"(v) : : "memory");
		wcr(0, cr0);
		EXITS(3);
		break;
	case 7: /* CR2: anything goes */
		v = (unsigned long)rnd();
		note("cr2", v, 0);
		wcr(2, v);
		EXITS(1);
		break;
	default:
#ifdef __x86_64__
		v = ONE_IN(3) ? (unsigned long)rnd_value() : rnd_below(16);
		note("cr8", v, 0);
		wcr(8, v);
		wcr(8, 0);
		EXITS(2);
#else
		note("read", cr0, cr4);
#endif
		break;
	}
	if (read_cr0() != cr0)
		wcr(0, cr0);
	if (read_cr4() != cr4)
		wcr(4, cr4);
}

/* ---- debug registers ---- */
void op_dr(void)
{
	unsigned long v = ONE_IN(2) ? (unsigned long)rnd_value() : (unsigned long)(rnd() & 0xFFFFFFFFu);
	unsigned long addr = (unsigned long)pick_mmio_addr();
	switch (rnd_below(5)) {
	case 0: __asm__ volatile("mov %0, %%dr0; mov %1, %%dr1" : : "r"(addr), "r"(v)); break;
	case 1: __asm__ volatile("mov %0, %%dr2; mov %0, %%dr3" : : "r"(v)); break;
	case 2: __asm__ volatile("mov %0, %%dr6" : : "r"(v)); break;
	case 3: __asm__ volatile("mov %%dr4, %0; mov %%dr5, %0" : "=r"(v)); break; /* #UD with CR4.DE */
	default:
		note("dr7", v, addr);
		wdr7(v);
		EXITS(1);
		/* GD makes this one raise #DB (and clears GD): then once more */
		if (wdr7(0))
			wdr7(0);
		EXITS(1);
		return;
	}
	note("dr", v, addr);
	EXITS(2);
}

/* ---- XCR0 ---- */
void op_xcr0(void)
{
	static const uint64_t vals[] = { 0, 1, 2, 3, 5, 7, 0x1F, 0xE7, 0xFF, 0x207, 0x8000000000000001ULL };
	if (!has_xsave) {
		__asm__ volatile("xsetbv" : : "c"(0), "a"(1), "d"(0)); /* #UD */
		return;
	}
	unsigned long cr4 = read_cr4();
	int drop = ONE_IN(4);
	if (drop)
		wcr(4, cr4 & ~CR4_OSXSAVE);
	uint32_t idx = ONE_IN(4) ? (uint32_t)rnd_below(4) : 0;
	uint64_t v = ONE_IN(3) ? rnd_value() : vals[rnd_below(sizeof(vals) / sizeof(vals[0]))];
	note("xcr/value", idx, v);
	xsetbv_safe(idx, v);
	uint32_t lo, hi;
	__asm__ volatile("1: xgetbv\n2:\n" EXTABLE(1b, 2b) : "=a"(lo), "=d"(hi) : "c"(rnd_below(2)));
	if (drop)
		wcr(4, cr4);
	xsetbv_safe(0, xcr0_0);
	EXITS(3);
}

/* ---- VMX instructions (all #UD for a guest without VMX) ---- */
void op_vmx(void)
{
	unsigned long f = (unsigned long)rnd(), out = 0, ptr = (unsigned long)scratch;
	unsigned k = rnd_below(13);
	note("vmx", k, f);
	EXITS(1);
	switch (k) {
	case 0: __asm__ volatile("vmxon (%0)" : : "r"(ptr) : "memory"); break;
	case 1: __asm__ volatile("vmxoff" ::: "memory"); break;
	case 2: __asm__ volatile("vmptrld (%0)" : : "r"(ptr) : "memory"); break;
	case 3: __asm__ volatile("vmptrst (%0)" : : "r"(ptr) : "memory"); break;
	case 4: __asm__ volatile("vmclear (%0)" : : "r"(ptr) : "memory"); break;
	case 5: __asm__ volatile("vmread %1, %0" : "=r"(out) : "r"(f)); break;
	case 6: __asm__ volatile("vmwrite %0, %1" : : "r"(out), "r"(f)); break;
	case 7: __asm__ volatile("vmlaunch" ::: "memory"); break;
	case 8: __asm__ volatile("vmresume" ::: "memory"); break;
	case 9: __asm__ volatile("invept (%0), %1" : : "r"(ptr), "r"(f & 3) : "memory"); break;
	case 10: __asm__ volatile("invvpid (%0), %1" : : "r"(ptr), "r"(f & 3) : "memory"); break;
	case 11: __asm__ volatile(".byte 0x0f, 0x01, 0xd4" : : "a"(f & 1), "c"(f >> 8 & 3)); break; /* VMFUNC */
	default: __asm__ volatile("getsec" : : "a"(f & 7) : "ebx", "ecx", "edx", "memory"); break;
	}
}

/* ---- caches and TLBs ---- */
void op_cache(void)
{
	unsigned long a = (unsigned long)pick_mmio_addr();
	unsigned k = rnd_below(6);
	note("cache", k, a);
	EXITS(1);
	switch (k) {
	case 0: __asm__ volatile("invd" ::: "memory"); break;
	case 1: __asm__ volatile("wbinvd" ::: "memory"); break;
	case 2: __asm__ volatile("invlpg (%0)" : : "r"(ONE_IN(2) ? a : (unsigned long)rnd()) : "memory"); break;
	case 3: { /* INVPCID: every type, PCIDs above 4095, non-canonical addresses */
		uint64_t *d = (uint64_t *)scratch;
		d[0] = ONE_IN(2) ? rnd_below(4096) : rnd();
		d[1] = rnd_value();
		__asm__ volatile("invpcid (%0), %1" : : "r"(d), "r"((unsigned long)rnd_below(6)) : "memory");
		break;
	}
	case 4: /* CLFLUSH of MMIO: Vireo cannot emulate it (mmio_rare) */
		__asm__ volatile("clflush (%0)" : : "r"(cfg.mmio_rare ? a : (unsigned long)scratch) : "memory");
		break;
	default: __asm__ volatile(".byte 0xf3, 0x0f, 0x09" ::: "memory"); break; /* WBNOINVD */
	}
}

/* ---- odd instructions and traps ---- */
static void single_step_exit(void)
{
	/* TF set across an exit, in an STI or MOV-SS shadow (SDM 26.3.1.5:
	 * a hypervisor that resumes such a guest must get the pending
	 * debug exceptions right or VM entry fails) */
	unsigned long ss;
	unsigned k = rnd_below(5);
	__asm__ volatile("mov %%ss, %0" : "=r"(ss));
	/* the cases with STI: a periodic timer an op left at count 1 would
	 * livelock the guest in its own handler (seed 8 safe=0 did) */
	if (k == 0 || k == 3)
		storm_prepare();
	switch (k) {
	case 3: /* HLT in a MOV-SS shadow, a self-IPI pending to end it */
		*(volatile uint32_t *)(uintptr_t)0xFEE000F0u = APIC_SVR_ENABLE | SPURIOUS_VEC;
		*(volatile uint32_t *)(uintptr_t)0xFEE00080u = 0;
		*(volatile uint32_t *)(uintptr_t)0xFEE00300u = ICR_SELF | ICR_ASSERT | STORM_VECTOR;
		__asm__ volatile("sti; mov %0, %%ss; hlt; cli" : : "r"(ss) : "memory");
		break;
	case 4: /* an I/O exit in a MOV-SS shadow, single-stepping */
		__asm__ volatile("pushf; orl $0x100, (%%" ONE_REG "sp); popf; mov %0, %%ss; outb %%al, $0x80"
				 : : "r"(ss), "a"(0) : "memory");
		break;
	case 0:
		__asm__ volatile("pushf; orl $0x100, (%%" ONE_REG "sp); popf; sti; cpuid; cli"
				 : : "a"(0) : "ebx", "ecx", "edx", "memory");
		break;
	case 1:
		__asm__ volatile("pushf; orl $0x100, (%%" ONE_REG "sp); popf; mov %0, %%ss; cpuid"
				 : : "r"(ss), "a"(0) : "ebx", "ecx", "edx", "memory");
		break;
	default:
		__asm__ volatile("pushf; orl $0x100, (%%" ONE_REG "sp); popf; mov %0, %%ss; vmcall"
				 : : "r"(ss), "a"(VIREO_HC_VERSION) : "memory");
		break;
	}
}

void op_misc(void)
{
	unsigned long v = (unsigned long)rnd(), out;
	uint32_t lo, hi;
	unsigned k = rnd_below(14);
	note("misc", k, v);
	EXITS(1);
	switch (k) {
	case 0: __asm__ volatile("rdpmc" : "=a"(lo), "=d"(hi) : "c"(ONE_IN(2) ? (uint32_t)v : (uint32_t)v & 0x40000003u)); break;
	case 1: __asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(out)); break;
	case 2: __asm__ volatile("rdrand %0; rdseed %0" : "=r"(out)); break;
	case 3: __asm__ volatile("monitor; mwait" : : "a"(scratch), "c"(1), "d"(0) : "memory"); break;
	case 4: __asm__ volatile("int3" ::: "memory"); break;
	case 5: __asm__ volatile(".byte 0xf1" ::: "memory"); break; /* ICEBP / INT1 */
	case 6: __asm__ volatile("int $0x41" ::: "memory"); break;
	case 7: __asm__ volatile("sgdt (%0); sidt 16(%0); sldt 32(%0); str 40(%0)" : : "r"(scratch) : "memory"); break;
	case 8: __asm__ volatile("lar %1, %0; lsl %1, %0; verr %w1; verw %w1" : "=r"(out) : "r"(v & 0xFFFF)); break;
	case 9: __asm__ volatile("ud2"); break;
	case 10: __asm__ volatile("xor %%ecx, %%ecx; rdpkru; wrpkru" : : : "eax", "ecx", "edx"); break;
	case 11: __asm__ volatile("sysenter" ::: "memory"); break;
	case 12: single_step_exit(); break;
	default: __asm__ volatile("pause; rdtsc; rdpid %0" : "=r"(out) : : "eax", "edx"); break;
	}
}

/* ---- 16-bit code segment ---- */
extern char chaos16_start[], c16_cpuid[], c16_inb[], c16_outb[], c16_inw[], c16_outl[],
	c16_rdmsr[], c16_wrmsr[], c16_vmcall[], c16_insb[], c16_outsw[], c16_ud2[], c16_int3[],
	c16_mmio_rd[], c16_mmio_wr[], c16_crs[], c16_segrd[];
extern uint64_t gdt[];
static uint64_t chaos_gdt[10] __attribute__((aligned(16)));

static uint64_t seg_desc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	return (limit & 0xFFFFULL) | ((uint64_t)(base & 0xFFFFFF) << 16) | ((uint64_t)access << 40) |
	       ((uint64_t)((limit >> 16) & 0xF) << 48) | ((uint64_t)flags << 52) |
	       ((uint64_t)(base >> 24) << 56);
}

static void gdt_init(void)
{
	struct { uint16_t limit; uintptr_t base; } __attribute__((packed)) d;
	for (int i = 0; i < 6; i++)
		chaos_gdt[i] = gdt[i];
	chaos_gdt[CHAOS_CS16 / 8] = seg_desc((uint32_t)(uintptr_t)chaos16_start, 0xFFFF, 0x9A, 0);
	chaos_gdt[CHAOS_DS_HOLE / 8] = seg_desc(HOLE_BASE, 0xFFFF, 0x92, 0x4);   /* 32-bit, 64 KiB */
	chaos_gdt[CHAOS_DS16_VGA / 8] = seg_desc(0xA0000, 0xFFFF, 0x92, 0);       /* 16-bit */
	d.limit = sizeof(chaos_gdt) - 1;
	d.base = (uintptr_t)chaos_gdt;
	__asm__ volatile("lgdt %0" : : "m"(d));
}

static void call16(const char *entry, unsigned long *a, unsigned long *b, unsigned long *c,
		   unsigned long *d, unsigned long si, unsigned long di)
{
	struct { uint32_t off; uint16_t sel; } __attribute__((packed)) fp = {
		(uint32_t)(entry - chaos16_start), CHAOS_CS16 };
	__asm__ volatile("lcall *%[fp]"
			 : "+a"(*a), "+b"(*b), "+c"(*c), "+d"(*d), "+S"(si), "+D"(di)
			 : [fp] "m"(fp) : "memory");
}

#ifndef __x86_64__
/* Real mode for two instructions: CR0.PE off and on again (the CS cache
 * stays 32-bit until a far jump, so the code goes on unchanged). */
static void realmode_trip(void)
{
	unsigned long cr0 = read_cr0();
	note("realmode", cr0 & ~1UL, cr0);
	__asm__ volatile("cli; mov %0, %%cr0; mov %1, %%cr0" : : "r"(cr0 & ~1UL), "r"(cr0) : "memory");
	EXITS(2);
}
#endif

void op_mode16(void)
{
	unsigned long a = (unsigned long)rnd(), b = (unsigned long)pick_mmio_addr(),
		      c = rnd_below(8), d = rnd_below(0x10000);
	unsigned long buf = (unsigned long)scratch;
	static const char *const entries[] = { c16_cpuid, c16_inb, c16_outb, c16_inw, c16_outl,
		c16_rdmsr, c16_wrmsr, c16_vmcall, c16_insb, c16_outsw, c16_ud2, c16_int3,
		c16_mmio_rd, c16_mmio_wr, c16_crs };
	unsigned k = rnd_below(sizeof(entries) / sizeof(entries[0]) + 1);
#ifndef __x86_64__
	if (k == sizeof(entries) / sizeof(entries[0])) {
		realmode_trip();
		return;
	}
#endif
	k %= sizeof(entries) / sizeof(entries[0]);
	/* keep the ports and MSRs of the 16-bit ops on the harmless side */
	if (entries[k] == c16_outb || entries[k] == c16_outl || entries[k] == c16_outsw)
		d = 0x80 + rnd_below(0x10);
	if (entries[k] == c16_wrmsr)
		c = 0x12345 + rnd_below(16);
	if (entries[k] == c16_rdmsr)
		c = (unsigned long)rnd_below(ONE_IN(2) ? 0x2000 : 0xFFFFFFFFu);
	if (entries[k] == c16_vmcall && a == VIREO_HC_EXIT)
		a = VIREO_HC_VERSION;
	if (entries[k] == c16_crs || entries[k] == c16_cpuid)
		a &= 0xFF;
	note("mode16", k, b);
	call16(entries[k], &a, &b, &c, &d, buf, buf + 64);
	EXITS(1);
}

/* ---- segments: MMIO through a segment base, odd segments across exits ----
 * A read of unclaimed MMIO gives all-ones; through a segment whose base
 * points there, Vireo's emulator must add the base (32-bit DS/FS/GS, FS in
 * 64-bit mode, DS in the 16-bit segment, addressed with 16 bits). A
 * mismatch is a real emulation bug: counted, and a FAIL at the end. */
uint32_t seg_mismatch;

static void seg_expect(uint32_t got, uint32_t want, const char *how, unsigned long off)
{
	if (got != want && !seg_mismatch++)
		printf("chaos: %s at offset 0x%lx read 0x%x, expected 0x%x\n", how, off, got, want);
}

void op_seg(void)
{
	unsigned long off = rnd_below(0x1000) & ~3UL;
	uint32_t v = 0;
	unsigned k = rnd_below(3);
	note("seg", k, off);
	EXITS(2);
	if (k == 0) {
		unsigned long bx = rnd_below(0xFFFE), a = 0, c = CHAOS_DS16_VGA, d = 0;
		call16(c16_segrd, &a, &bx, &c, &d, 0, 0);
		seg_expect((uint32_t)a & 0xFFFF, 0xFFFF, "16-bit DS:BX in the VGA hole", bx);
		return;
	}
#ifdef __x86_64__
	wrmsr(0xC0000100, HOLE_BASE); /* FS base */
	if (k == 1)
		__asm__ volatile("movl %%fs:(%1), %0" : "=r"(v) : "r"(off) : "memory");
	else
		__asm__ volatile("movl %1, %%fs:(%2); movl %%fs:(%2), %0" : "=&r"(v) : "r"(0x1234u), "r"(off) : "memory");
	wrmsr(0xC0000100, 0);
	seg_expect(v, 0xFFFFFFFFu, "FS-based MMIO", off);
#else
	/* GS based in the hole, ES a 16-bit segment, FS null, across a CPUID
	 * exit; then the read through GS */
	unsigned short gs = CHAOS_DS_HOLE, es = CHAOS_DS16_VGA, fs = 0, g2, e2, f2;
	__asm__ volatile("mov %0, %%gs; mov %1, %%es; mov %2, %%fs" : : "r"(gs), "r"(es), "r"(fs) : "memory");
	cpuid(0, 0, 0, 0, 0, 0);
	__asm__ volatile("movl %%gs:(%3), %0; mov %%gs, %1; mov %%es, %2"
			 : "=&r"(v), "=&r"(g2), "=&r"(e2) : "r"(off) : "memory");
	__asm__ volatile("mov %%fs, %0" : "=r"(f2));
	__asm__ volatile("mov %0, %%es; mov %0, %%fs; mov %0, %%gs" : : "r"(0x10) : "memory");
	seg_expect(v, 0xFFFFFFFFu, "GS-based MMIO", off);
	seg_expect(g2 | (uint32_t)e2 << 16, gs | (uint32_t)es << 16, "selectors after an exit", 0);
	seg_expect(f2, 0, "null FS after an exit", 0);
	(void)k;
#endif
}

/* ---- setup ---- */
#ifdef __x86_64__
static uint64_t pd_hi[512] __attribute__((aligned(4096)));
static uint64_t pd_low1g[512] __attribute__((aligned(4096)));

/* Linear 1 GiB..+2 MiB maps physical 0..2 MiB (RAM), the next 2 MiB are
 * not present, and the 2 MiB after map physical 2..4 MiB (RAM nobody
 * uses): 0x401FFFFF ends RAM right below a hole, 0x40400000 starts RAM
 * right above it, for strings that run into it either way.
 * 4 GiB..5 GiB maps the same guest-physical addresses (nothing there). */
static void paging_init(void)
{
	uint64_t *pml4 = (uint64_t *)(read_cr3() & ~0xFFFUL);
	uint64_t *pdpt = (uint64_t *)(uintptr_t)(pml4[0] & 0x000FFFFFFFFFF000ULL);
	for (int i = 0; i < 512; i++) {
		pd_hi[i] = (0x100000000ULL + ((uint64_t)i << 21)) | 0x83;
		pd_low1g[i] = (0x40000000ULL + ((uint64_t)i << 21)) | 0x83;
	}
	pd_low1g[0] = 0x83;      /* 1 GiB -> physical 0 */
	pd_low1g[1] = 0;         /* 1 GiB + 2 MiB: not present */
	pd_low1g[2] = 0x200000 | 0x83;
	pdpt[1] = (uintptr_t)pd_low1g | 3;
	pdpt[4] = (uintptr_t)pd_hi | 3;
	write_cr3(read_cr3());
}
#endif

void chaos_cpu_init(void)
{
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	has_xsave = (c >> 26) & 1;
	if (has_xsave) {
		write_cr4(read_cr4() | CR4_OSXSAVE);
		uint32_t lo, hi;
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		xcr0_0 = ((uint64_t)hi << 32) | lo;
	}
	rdmsr_safe(MSR_APIC_BASE, &apic_base0);
	cr0_0 = read_cr0();
	cr4_0 = read_cr4();
	gdt_init();
#ifdef __x86_64__
	paging_init();
#endif
	printf("chaos: CR0 0x%lx CR4 0x%lx APIC base 0x%llx XCR0 0x%llx\n", cr0_0, cr4_0,
	       (unsigned long long)apic_base0, (unsigned long long)xcr0_0);
}
