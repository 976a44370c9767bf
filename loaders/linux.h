/* Linux bzImage loader (the x86 boot protocol, Documentation/arch/x86/
 * boot.rst; boot_params as arch/x86/include/uapi/asm/bootparam.h). Pure
 * logic: it writes the kernel, the initrd, the zero page, the command line,
 * a GDT and identity page tables into guest RAM and says how the BSP must
 * start. The guest enters the kernel through the 64-bit entry point
 * (XLF_KERNEL_64) or the 32-bit one, never through the real-mode setup
 * code, so no BIOS is needed.
 *
 * Guest-physical placement (all below 640 KiB and clear of the ACPI tables
 * at 0x9FC00, loaders/pc_layout.h):
 *
 *   0x1000 - 0x1FFF  PML4           (64-bit entry only)
 *   0x2000 - 0x2FFF  PDPT           (64-bit entry only)
 *   0x3000 - 0x6FFF  4 page directories: 0-4 GiB identity, 2 MiB pages
 *   0x7000 - 0x7FFF  boot_params (the "zero page")
 *   0x8000 - 0x801F  GDT: null, null, __BOOT_CS 0x10, __BOOT_DS 0x18
 *   0x20000 -        command line, at most cmdline_size + 1 bytes
 *   0x100000 -       protected-mode kernel (code32_start)
 *   top of RAM       initrd, page-aligned, below initrd_addr_max and above
 *                    everything the kernel claims (init_size)
 */
#ifndef VIREO_LOADERS_LINUX_H
#define VIREO_LOADERS_LINUX_H

#include "loaders/guest_mem.h"

/* Where the loader puts its structures. */
#define LINUX_PML4_GPA       0x1000ULL
#define LINUX_PDPT_GPA       0x2000ULL
#define LINUX_PD_GPA         0x3000ULL	/* four pages */
#define LINUX_ZERO_PAGE_GPA  0x7000ULL
#define LINUX_GDT_GPA        0x8000ULL
#define LINUX_CMDLINE_GPA    0x20000ULL
#define LINUX_KERNEL_GPA     0x100000ULL

/* Segment selectors the protocol requires at both entries. */
#define LINUX_BOOT_CS        0x10
#define LINUX_BOOT_DS        0x18
#define LINUX_GDT_ENTRIES    4
#define LINUX_GDT_LIMIT      (LINUX_GDT_ENTRIES * 8 - 1)

/* GDT descriptors: flat 4 GiB, base 0, granularity 4 KiB. */
#define LINUX_GDT_CODE64     0x00AF9B000000FFFFULL	/* L=1, execute/read */
#define LINUX_GDT_CODE32     0x00CF9B000000FFFFULL	/* D=1, execute/read */
#define LINUX_GDT_DATA       0x00CF93000000FFFFULL	/* read/write */

/* Setup header (offsets in the image and in boot_params alike). */
#define LINUX_HDR_SETUP_SECTS     0x1F1
#define LINUX_HDR_SYSSIZE         0x1F4
#define LINUX_HDR_VID_MODE        0x1FA
#define LINUX_HDR_BOOT_FLAG       0x1FE
#define LINUX_HDR_JUMP            0x200
#define LINUX_HDR_HEADER          0x202
#define LINUX_HDR_VERSION         0x206
#define LINUX_HDR_TYPE_OF_LOADER  0x210
#define LINUX_HDR_LOADFLAGS       0x211
#define LINUX_HDR_CODE32_START    0x214
#define LINUX_HDR_RAMDISK_IMAGE   0x218
#define LINUX_HDR_RAMDISK_SIZE    0x21C
#define LINUX_HDR_HEAP_END_PTR    0x224
#define LINUX_HDR_CMD_LINE_PTR    0x228
#define LINUX_HDR_INITRD_ADDR_MAX 0x22C
#define LINUX_HDR_KERNEL_ALIGN    0x230
#define LINUX_HDR_RELOCATABLE     0x234
#define LINUX_HDR_XLOADFLAGS      0x236
#define LINUX_HDR_CMDLINE_SIZE    0x238
#define LINUX_HDR_PREF_ADDRESS    0x258
#define LINUX_HDR_INIT_SIZE       0x260

/* boot_params fields outside the setup header. */
#define LINUX_BP_ACPI_RSDP_ADDR   0x070
#define LINUX_BP_EXT_RAMDISK_IMAGE 0x0C0
#define LINUX_BP_EXT_RAMDISK_SIZE 0x0C4
#define LINUX_BP_EXT_CMD_LINE_PTR 0x0C8
#define LINUX_BP_E820_ENTRIES     0x1E8
#define LINUX_BP_HDR_LIMIT        0x290	/* the setup header ends before this */
#define LINUX_BP_E820_TABLE       0x2D0
#define LINUX_BP_SIZE             0x1000
#define LINUX_E820_ENTRY_SIZE     20	/* packed: addr, size, type */

#define LINUX_BOOT_FLAG      0xAA55
#define LINUX_HDRS_MAGIC     0x53726448u	/* "HdrS" */
#define LINUX_MIN_PROTOCOL   0x0206
#define LINUX_LOADED_HIGH    0x01
#define LINUX_CAN_USE_HEAP   0x80
#define LINUX_XLF_KERNEL_64  0x0001
#define LINUX_LOADER_TYPE    0xFF	/* "undefined" boot loader id */
#define LINUX_HEAP_END_PTR   0xDE00	/* boot.rst sample: heap_end 0xE000 - 0x200 */

/* e820 types (the ACPI address range types). */
#define LINUX_E820_RAM       1
#define LINUX_E820_RESERVED  2
#define LINUX_E820_ACPI      3
#define LINUX_E820_NVS       4

#define LINUX_LAYOUT_MAX_E820 16

struct linux_e820 {
	uint64_t addr, size;
	uint32_t type;
};

/* What the VM's layout tells the kernel: the memory map, published as is
 * in boot_params.e820_table, and the ACPI RSDP (0: none). The RAM size is
 * the guest_mem's. */
struct linux_layout {
	struct linux_e820 e820[LINUX_LAYOUT_MAX_E820];
	unsigned int n_e820;
	uint64_t rsdp;
};

/* How the BSP enters the kernel. Both entries: paging as below, GDTR =
 * gdt/gdt_limit, CS = 0x10, DS = ES = SS = 0x18 (flat 4 GiB), interrupts
 * off, RSI/ESI = zero_page, RBP = RDI = RBX = 0. 64-bit entry (entry64):
 * long mode, CR3 = page_tables (identity 0-4 GiB), CR4.PAE, EFER.LME|LMA,
 * CS a 64-bit code segment. 32-bit entry: protected mode, paging off,
 * page_tables 0. */
struct linux_boot {
	uint64_t entry;		/* code32_start + 0x200 (64-bit) or code32_start */
	bool entry64;
	uint64_t zero_page;
	uint64_t page_tables;	/* CR3 for the 64-bit entry, else 0 */
	uint64_t gdt;
	uint16_t gdt_limit;
	uint16_t protocol;	/* header version, e.g. 0x020f */
	uint64_t kernel_start, kernel_end;	/* [1 MiB, end): image + init_size */
	uint64_t initrd, initrd_size;	/* 0, 0 without an initrd */
	uint64_t cmdline;		/* GPA of the command line */
};

/* 1 if the image has the "HdrS" setup-header signature at 0x202 (what tells
 * a Linux kernel from a Multiboot one); linux_load checks the rest. */
int linux_is_bzimage(const uint8_t *img, size_t len);

/* The memory map of a Vireo VM with 'ram_size' bytes of RAM
 * (loaders/pc_layout.h, the same ranges as the Multiboot map) and the RSDP
 * at 0xF0000. */
void linux_layout_pc(struct linux_layout *l, uint64_t ram_size);

/* Load a bzImage (protocol 2.06 or later) at 1 MiB, the initrd (may be
 * NULL / 0) as high as it may go, and build boot_params, the command line
 * (NULL means empty), the GDT and, for a 64-bit kernel, the page tables.
 * Every check is made before anything is written: on -1 (err set) guest
 * RAM is untouched. */
int linux_load(struct guest_mem *mem, const uint8_t *img, size_t len,
	       const uint8_t *initrd, size_t initrd_len, const char *cmdline,
	       const struct linux_layout *layout, struct linux_boot *out,
	       char *err, size_t errlen);

#endif
