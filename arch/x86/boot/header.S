/* Boot headers: Multiboot2 for GRUB (`multiboot2`), Multiboot1 for
 * `qemu -kernel` and GRUB's `multiboot`. Both live in the first 8 KiB of
 * the image, as the two specs require (Multiboot 3.1.1, Multiboot2 3.1.1). */

#define MB1_MAGIC        0x1BADB002
#define MB1_FLAG_ALIGN   (1 << 0)   /* modules page aligned */
#define MB1_FLAG_MEMINFO (1 << 1)   /* mem_* and mmap wanted */
#define MB1_FLAGS        (MB1_FLAG_ALIGN | MB1_FLAG_MEMINFO)

#define MB2_MAGIC        0xE85250D6
#define MB2_ARCH_I386    0
#define MB2_TAG_END      0
#define MB2_TAG_MODALIGN 6

	.section .multiboot, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* module alignment tag: page-aligned modules */
	.balign 8
	.short MB2_TAG_MODALIGN
	.short 0
	.long 8
	.balign 8
	.short MB2_TAG_END
	.short 0
	.long 8
mb2_header_end:

	.balign 4
mb1_header:
	.long MB1_MAGIC
	.long MB1_FLAGS
	.long -(MB1_MAGIC + MB1_FLAGS)
