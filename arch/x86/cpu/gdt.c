/* The host GDT and TSS. Long mode ignores segment bases and limits for
 * code/data (SDM Vol. 3 3.2.4); the TSS matters only for its IST stacks,
 * which give #DF, NMI and #MC a known-good stack even if RSP is corrupt. */
#include "arch/x86/cpu/gdt.h"
#include "lib/libc.h"

/* 64-bit TSS (SDM Vol. 3 8.7, figure 8-11). */
struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7]; /* ist[0] is IST1 */
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

_Static_assert(sizeof(struct tss) == 104, "64-bit TSS is 104 bytes");

#define IST_STACK_SIZE 16384

/* Descriptor bits (SDM Vol. 3 3.4.5). */
#define SEG_P       (1ULL << 47)
#define SEG_S       (1ULL << 44) /* code/data, not system */
#define SEG_L       (1ULL << 53) /* 64-bit code */
#define SEG_DB      (1ULL << 54)
#define SEG_G       (1ULL << 55)
#define SEG_TYPE(t) ((uint64_t)(t) << 40)
#define SEG_LIMIT_MAX (0xffffULL | (0xfULL << 48))
#define SEG_TYPE_CODE_XR 0xa /* execute/read */
#define SEG_TYPE_DATA_RW 0x2 /* read/write */
#define SEG_TYPE_TSS_AVAIL 0x9 /* 64-bit TSS, available (table 3-2) */

/* Machine-global CPU structures: one CPU, loaded once. */
static uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
static struct tss tss __attribute__((aligned(16)));
static uint8_t ist_stacks[2][IST_STACK_SIZE] __attribute__((aligned(16)));

static void set_tss_descriptor(void)
{
	uint64_t base = (uint64_t)&tss;
	uint64_t limit = sizeof(tss) - 1;

	gdt[GDT_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			   SEG_TYPE(SEG_TYPE_TSS_AVAIL) | SEG_P |
			   (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[GDT_TSS / 8 + 1] = base >> 32;
}

static void gdt_fill(void)
{
	gdt[GDT_NULL / 8] = 0;
	gdt[GDT_KERNEL_CS / 8] = SEG_LIMIT_MAX | SEG_TYPE(SEG_TYPE_CODE_XR) | SEG_S | SEG_P |
				 SEG_L | SEG_G;
	gdt[GDT_KERNEL_DS / 8] = SEG_LIMIT_MAX | SEG_TYPE(SEG_TYPE_DATA_RW) | SEG_S | SEG_P |
				 SEG_DB | SEG_G;

	memset(&tss, 0, sizeof(tss));
	/* Stacks grow down: IST entries point one past the top. */
	tss.ist[IST_DOUBLE_FAULT - 1] = (uint64_t)&ist_stacks[0][IST_STACK_SIZE];
	tss.ist[IST_NMI_MCE - 1] = (uint64_t)&ist_stacks[1][IST_STACK_SIZE];
	tss.iomap_base = sizeof(tss); /* no I/O permission bitmap */
	/* Rewritten as "available" every time: LTR faults on a busy TSS. */
	set_tss_descriptor();
}

void gdt_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr = { sizeof(gdt) - 1, (uint64_t)gdt };

	gdt_fill();
	__asm__ volatile("lgdt %0" : : "m"(gdtr) : "memory");
	/* Data segments first, then CS through a far return (there is no far
	 * jump to an immediate in 64-bit mode). */
	__asm__ volatile("movw %w0, %%ds\n\t"
			 "movw %w0, %%es\n\t"
			 "movw %w0, %%ss\n\t"
			 "movw %w1, %%fs\n\t"
			 "movw %w1, %%gs\n\t"
			 : : "r"(GDT_KERNEL_DS), "r"(0) : "memory");
	__asm__ volatile("pushq %0\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:"
			 : : "i"(GDT_KERNEL_CS) : "rax", "memory");
	__asm__ volatile("ltr %w0" : : "r"(GDT_TSS) : "memory");
}

uint64_t gdt_base(void)
{
	return (uint64_t)gdt;
}

uint16_t gdt_limit(void)
{
	return sizeof(gdt) - 1;
}

uint64_t tss_base(void)
{
	return (uint64_t)&tss;
}
