/* FPU/SSE/AVX state across VM exits (64-bit guest; the only guest file
 * compiled without -mgeneral-regs-only). Loads xmm0-15 (ymm0-15 with AVX),
 * the x87 stack and MXCSR with values derived from cmdline "seed=N", runs
 * N exits (CPUID + OUT to an unclaimed port, cmdline "exits=", default
 * 5000) inside one asm block, and verifies every register afterwards. Two
 * copies with different seeds run at once to test vCPU switches. */
#include "guest.h"

#ifndef __x86_64__
#error "fpu is a 64-bit guest"
#endif

static uint8_t vin[16 * 32] __attribute__((aligned(32)));
static uint8_t vout[16 * 32] __attribute__((aligned(32)));
static int64_t xin[8], xout[8];

#define V16(op, reg, n) op " " #n "*16(%%rsi), %%" #reg #n "\n"
#define LOADX(n) "movdqu " #n "*16(%%rsi), %%xmm" #n "\n"
#define STOREX(n) "movdqu %%xmm" #n ", " #n "*16(%%rdi)\n"
#define LOADY(n) "vmovdqu " #n "*32(%%rsi), %%ymm" #n "\n"
#define STOREY(n) "vmovdqu %%ymm" #n ", " #n "*32(%%rdi)\n"
#define ALL16(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11) M(12) M(13) M(14) M(15)

#define X87_LOAD \
	"fninit\n fildq 0(%%rbx)\n fildq 8(%%rbx)\n fildq 16(%%rbx)\n fildq 24(%%rbx)\n" \
	"fildq 32(%%rbx)\n fildq 40(%%rbx)\n fildq 48(%%rbx)\n fildq 56(%%rbx)\n"
#define X87_STORE \
	"fistpq 0(%%r9)\n fistpq 8(%%r9)\n fistpq 16(%%r9)\n fistpq 24(%%r9)\n" \
	"fistpq 32(%%r9)\n fistpq 40(%%r9)\n fistpq 48(%%r9)\n fistpq 56(%%r9)\n"
#define EXIT_LOOP \
	"1: xor %%eax, %%eax\n cpuid\n mov $0x2F0, %%edx\n out %%al, %%dx\n dec %%r8\n jnz 1b\n"
#define CLOBBERS "rax", "rbx", "rcx", "rdx", "r8", "r9", "memory", "cc", "st", "st(1)", "st(2)", \
	"st(3)", "st(4)", "st(5)", "st(6)", "st(7)", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", \
	"xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

static void run(int avx, unsigned long iters, uint32_t *mxcsr)
{
	uint32_t mx_in = *mxcsr, mx_out = 0;
	const void *in = vin, *xi = xin;
	void *out = vout, *xo = xout;
	if (avx)
		__asm__ volatile("mov %[xi], %%rbx\n mov %[xo], %%r9\n mov %[n], %%r8\n"
				 ALL16(LOADY) X87_LOAD "ldmxcsr %[mxi]\n"
				 "push %%r9\n push %%rbx\n" EXIT_LOOP "pop %%rbx\n pop %%r9\n"
				 "stmxcsr %[mxo]\n" X87_STORE ALL16(STOREY)
				 : [mxo] "=m"(mx_out), "+S"(in), "+D"(out)
				 : [xi] "m"(xi), [xo] "m"(xo), [n] "m"(iters), [mxi] "m"(mx_in)
				 : CLOBBERS);
	else
		__asm__ volatile("mov %[xi], %%rbx\n mov %[xo], %%r9\n mov %[n], %%r8\n"
				 ALL16(LOADX) X87_LOAD "ldmxcsr %[mxi]\n"
				 "push %%r9\n push %%rbx\n" EXIT_LOOP "pop %%rbx\n pop %%r9\n"
				 "stmxcsr %[mxo]\n" X87_STORE ALL16(STOREX)
				 : [mxo] "=m"(mx_out), "+S"(in), "+D"(out)
				 : [xi] "m"(xi), [xo] "m"(xo), [n] "m"(iters), [mxi] "m"(mx_in)
				 : CLOBBERS);
	*mxcsr = mx_out;
}

void test_main(void)
{
	uint64_t seed = cmdline_u64("seed", 1);
	uint64_t exits = cmdline_u64("exits", 5000);
	if (exits < 2)
		exits = 2;
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	int xsave = !!(c & (1u << 26)), avx = xsave && (c & (1u << 28));
	printf("fpu test: seed %llu, %llu exits, SSE%s\n", (unsigned long long)seed,
	       (unsigned long long)exits, avx ? " + AVX" : "");

	/* SSE on: CR0.EM off, CR0.MP on, CR4.OSFXSR | OSXMMEXCPT */
	write_cr0((read_cr0() & ~(1ul << 2)) | (1ul << 1));
	unsigned long cr4 = read_cr4() | (1ul << 9) | (1ul << 10);
	if (avx)
		cr4 |= 1ul << 18; /* OSXSAVE */
	write_cr4(cr4);
	if (avx) {
		__asm__ volatile("xsetbv" : : "c"(0), "a"(7), "d"(0));
		uint32_t lo, hi;
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		check_eq(((uint64_t)hi << 32) | lo, 7, "xcr0");
	}

	/* register contents: a per-seed pseudo-random stream */
	uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 0x1234567;
	for (unsigned i = 0; i < sizeof(vin); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		vin[i] = (uint8_t)(x >> 24);
	}
	for (int i = 0; i < 8; i++)
		xin[i] = (int64_t)(seed * 1000 + (uint64_t)i * 7 + 1);
	uint32_t mxcsr = 0x7F80; /* all exceptions masked, round toward zero */
	run(avx, exits / 2, &mxcsr);

	size_t vlen = avx ? 16 * 32 : 16 * 16;
	int ok = 1;
	for (size_t i = 0; i < vlen; i++)
		if (vin[i] != vout[i]) {
			fail("vector-regs", "byte %u of %s%u differs: 0x%x vs 0x%x", (unsigned)(i % (avx ? 32 : 16)),
			     avx ? "ymm" : "xmm", (unsigned)(i / (avx ? 32 : 16)), vout[i], vin[i]);
			ok = 0;
			break;
		}
	if (ok)
		printf("ok vector-regs (%s0-15)\n", avx ? "ymm" : "xmm");
	for (int i = 0; i < 8; i++)
		if (xout[i] != xin[7 - i]) {
			fail("x87-stack", "st(%d) = %lld, expected %lld", i, (long long)xout[i], (long long)xin[7 - i]);
			ok = 0;
			break;
		}
	if (ok)
		printf("ok x87-stack\n");
	ok &= check_eq(mxcsr, 0x7F80, "mxcsr");
	if (ok)
		printf("fpu state intact after %llu exits\n", (unsigned long long)(exits / 2 * 2));
}
