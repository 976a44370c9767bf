/* Register state across VMs: the upper halves of the YMM registers (AVX
 * state, XSAVE component 2) of one VM must never show in another, nor
 * the address of its last page fault (CR2, which no VMCS field holds).
 *
 * role=fpu-secret: turns AVX on (CR4.OSXSAVE, XCR0 = x87|SSE|AVX), loads
 *   a pattern into every YMM register, and keeps it there while it makes
 *   exits (so the scheduler switches to the other VM) for rounds=N rounds.
 * role=fpu-probe: runs with XCR0 = x87|SSE (AVX off, as a kernel that
 *   has not turned it on yet), lets the other VM run, then turns AVX on
 *   and reads the YMM upper halves: they are its own (zero, AVX was never
 *   used here), not the other VM's pattern. Repeated rounds=N times.
 * role=cr2-fault: takes a #PF at CR2_SECRET again and again (resumed by
 *   its exception table), making exits in between, for rounds=N rounds.
 * role=cr2-probe: never faults; reads CR2 while the other VM runs: it
 *   must stay this VM's own (0), never the other VM's fault address. */
#include "isoscan.h"

#define CR4_OSXSAVE (1UL << 18)
#define XCR0_X87_SSE 3u
#define XCR0_AVX     7u
#define SECRET 0x5ec7e75ec7e75ec7ULL

static int avx_on_cpu(void)
{
	uint32_t c;

	cpuid(1, 0, NULL, NULL, &c, NULL);
	return (c >> 28) & (c >> 26) & 1;       /* AVX and XSAVE */
}

static void xsetbv0(uint32_t v)
{
	__asm__ volatile("xsetbv" : : "c"(0), "a"(v), "d"(0) : "memory");
}

static void load_secret(void)
{
	static const uint64_t pat[4] __attribute__((aligned(32))) = { SECRET, SECRET, SECRET, SECRET };

#define LOAD(n) __asm__ volatile("vmovdqu %0, %%ymm" #n : : "m"(pat))
	LOAD(0); LOAD(1); LOAD(2); LOAD(3); LOAD(4); LOAD(5); LOAD(6); LOAD(7);
	LOAD(8); LOAD(9); LOAD(10); LOAD(11); LOAD(12); LOAD(13); LOAD(14); LOAD(15);
#undef LOAD
}

/* Upper 128 bits of every YMM register that hold the pattern. */
static unsigned secret_uppers(void)
{
	uint64_t out[16][2] __attribute__((aligned(16)));
	unsigned n = 0;

#define STORE(r) __asm__ volatile("vextracti128 $1, %%ymm" #r ", %0" : "=m"(out[r]))
	STORE(0); STORE(1); STORE(2); STORE(3); STORE(4); STORE(5); STORE(6); STORE(7);
	STORE(8); STORE(9); STORE(10); STORE(11); STORE(12); STORE(13); STORE(14); STORE(15);
#undef STORE
	for (unsigned i = 0; i < 16; i++)
		n += out[i][0] == SECRET || out[i][1] == SECRET;
	return n;
}

#define CR2_SECRET 0x00007f5ec7e7d000ULL   /* not mapped: #PF */

static void cr2_fault(unsigned rounds)
{
	unsigned long before = exc_count;
	uint64_t v = 0;

	for (unsigned r = 0; r < rounds; r++) {
		__asm__ volatile("1: mov (%1), %0\n2:\n" EXTABLE(1b, 2b) : "+r"(v) : "r"(CR2_SECRET) : "memory");
		for (unsigned i = 0; i < 200; i++)
			cpuid(0, 0, NULL, NULL, NULL, NULL);   /* exits */
	}
	check_eq(exc_count - before, rounds, "cr2-faults-taken");
}

static void cr2_probe(unsigned rounds)
{
	unsigned seen = 0;

	for (unsigned r = 0; r < rounds; r++) {
		delay_tsc(2000000);     /* the other VM runs meanwhile */
		seen += read_cr2() == CR2_SECRET;
	}
	printf("cr2: %u of %u reads saw another VM's fault address\n", seen, rounds);
	check(!seen, "cr2-not-shared");
}

void iso_fpu(const char *role, unsigned rounds)
{
	unsigned seen = 0, leaked_rounds = 0;

	if (!strcmp(role, "cr2-fault")) {
		cr2_fault(rounds);
		return;
	}
	if (!strcmp(role, "cr2-probe")) {
		cr2_probe(rounds);
		return;
	}
	if (!avx_on_cpu()) {
		skip("fpu-ymm-not-shared", "no AVX");
		return;
	}
	write_cr4(read_cr4() | CR4_OSXSAVE);
	if (!strcmp(role, "fpu-secret")) {
		xsetbv0(XCR0_AVX);
		for (unsigned r = 0; r < rounds; r++) {
			load_secret();
			for (unsigned i = 0; i < 200; i++)
				cpuid(0, 0, NULL, NULL, NULL, NULL);   /* exits */
		}
		printf("fpu: secret held for %u rounds\n", rounds);
		return;
	}
	for (unsigned r = 0; r < rounds; r++) {
		xsetbv0(XCR0_X87_SSE);
		delay_tsc(2000000);     /* the other VM runs meanwhile */
		xsetbv0(XCR0_AVX);
		unsigned n = secret_uppers();

		seen += n;
		leaked_rounds += n != 0;
	}
	printf("fpu: %u of %u rounds saw another VM's YMM state (%u registers)\n", leaked_rounds,
	       rounds, seen);
	check(!seen, "fpu-ymm-not-shared");
}
