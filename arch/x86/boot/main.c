/* The hypervisor's C entry: set up the host (console, descriptor tables,
 * paging, memory), turn VT-x on, and hand the boot modules to core/ to run
 * as VMs. Whatever happens, the machine is shut down at the end with the
 * result code that the `vireo` command reports. */
#include "arch/x86/boot/bootinfo.h"
#include "arch/x86/cpu/acpi.h"
#include "arch/x86/cpu/cpu.h"
#include "arch/x86/cpu/gdt.h"
#include "arch/x86/cpu/idt.h"
#include "arch/x86/cpu/paging.h"
#include "arch/x86/cpu/serial.h"
#include "arch/x86/cpu/shutdown.h"
#include "core/arch.h"
#include "core/kalloc.h"
#include "core/launch.h"
#include "core/vmconfig.h"
#include "lib/libc.h"
#include "lib/pmm.h"
#include "lib/printk.h"

extern char __image_start[], __image_end[], __bss_start[], __bss_end[];

/* Boot-time singletons: the machine has one of each. */
static struct boot_info boot_info;
static struct pmm pmm;

static const void *map_identity(void *ctx, uint64_t phys, size_t len)
{
	(void)ctx;
	if (phys + len < phys || phys + len > (1ULL << 32))
		return NULL; /* boot information lies below 4 GiB */
	return (const void *)(uintptr_t)phys;
}

static uint64_t highest_ram(const struct boot_info *bi)
{
	uint64_t top = 0;

	for (int i = 0; i < bi->nmem; i++)
		if (bi->mem[i].type == BOOT_MEM_AVAILABLE && bi->mem[i].base + bi->mem[i].len > top)
			top = bi->mem[i].base + bi->mem[i].len;
	return top;
}

static bool in_available_ram(const struct boot_info *bi, uint64_t start, uint64_t end)
{
	for (int i = 0; i < bi->nmem; i++)
		if (bi->mem[i].type == BOOT_MEM_AVAILABLE && start >= bi->mem[i].base &&
		    end <= bi->mem[i].base + bi->mem[i].len)
			return true;
	return false;
}

/* A module whose bytes are Vireo's own, firmware's, or not RAM Vireo maps
 * is refused by name (launch prints why) instead of read: GRUB never
 * places one so, a hand-made loader might. */
static void check_modules(struct boot_info *bi)
{
	uint64_t lo = (uint64_t)(uintptr_t)__image_start, hi = (uint64_t)(uintptr_t)__image_end;

	for (int i = 0; i < bi->nmods; i++) {
		struct boot_module *m = &bi->mods[i];
		const char *why = NULL;

		if (m->refused[0])
			continue;
		if (m->start < hi && m->end > lo)
			why = "overlap Vireo's own image";
		else if (m->start < MiB(1))
			why = "lie in the first MiB (firmware)";
		else if (!in_available_ram(bi, m->start, m->end) || m->end > paging_mapped_end())
			why = "are not in RAM the memory map offers";
		if (why)
			snprintf(m->refused, sizeof(m->refused), "its bytes 0x%llx-0x%llx %s",
				 (unsigned long long)m->start, (unsigned long long)m->end, why);
	}
}

static void setup_memory(struct boot_info *bi)
{
	uint64_t top = highest_ram(bi);

	if (paging_init(top))
		printk(LOG_WARN, "vireo: RAM above 0x%llx is not mapped and not used\n",
		       (unsigned long long)paging_mapped_end());
	check_modules(bi);
	pmm_init(&pmm);
	for (int i = 0; i < bi->nmem; i++)
		if (bi->mem[i].type == BOOT_MEM_AVAILABLE)
			pmm_add(&pmm, bi->mem[i].base, bi->mem[i].len);
	/* The first MiB holds firmware tables (ACPI, EBDA) we still read. */
	pmm_reserve(&pmm, 0, MiB(1));
	pmm_reserve(&pmm, (uint64_t)(uintptr_t)__image_start,
		    (uint64_t)(uintptr_t)(__image_end - __image_start));
	for (int i = 0; i < bi->nmods; i++)
		pmm_reserve(&pmm, bi->mods[i].start, bi->mods[i].end - bi->mods[i].start);
	if (paging_mapped_end() < top)
		pmm_reserve(&pmm, paging_mapped_end(), top - paging_mapped_end());
	kalloc_init(&pmm);
	printk(LOG_INFO, "vireo: %llu MiB of RAM, %llu MiB free for guests\n",
	       (unsigned long long)(top >> 20), (unsigned long long)(kalloc_free_bytes() >> 20));
}

/* The host runs with interrupts off and polls; the firmware may have left
 * the legacy 8259 PICs with the timer unmasked, which would only cost VM
 * exits (external-interrupt exiting). Mask every line on both. */
#define PIC1_DATA 0x21
#define PIC2_DATA 0xa1

static void mask_legacy_pic(void)
{
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}

void kmain(uint32_t magic, uint32_t info)
{
	struct hv_options opts;
	char err[200] = "";
	int code;

	/* Neither qemu -kernel nor every loader promises a zeroed .bss. */
	memset(__bss_start, 0, (size_t)(__bss_end - __bss_start));
	serial_init();
	mask_legacy_pic();
	gdt_init();
	idt_init();
	printk(LOG_ERR, "Vireo hypervisor\n");
	if (bootinfo_parse(magic, info, map_identity, NULL, &boot_info, err, sizeof(err)) &&
	    boot_info.nmem > 0) {
		/* Too many modules, an over-long string: run what was read. */
		printk(LOG_ERR, "vireo: boot information: %s; continuing with the %d module%s "
		       "read before it\n", err, boot_info.nmods, boot_info.nmods == 1 ? "" : "s");
	} else if (boot_info.nmem == 0) {
		printk(LOG_ERR, "vireo: bad boot information: %s\n",
		       err[0] ? err : "no memory map");
		printk(LOG_ERR, "vireo: result %d\n", VIREO_RESULT_FAILED);
		machine_shutdown(VIREO_RESULT_FAILED);
	}
	if (boot_info.has_rsdp)
		acpi_set_rsdp(boot_info.rsdp);
	if (boot_info.cmdline_refused[0])
		printk(LOG_ERR, "vireo: command line refused: %s; running with the default "
		       "options\n", boot_info.cmdline_refused);
	if (hvopts_parse(boot_info.cmdline, &opts, err, sizeof(err)))
		printk(LOG_WARN, "vireo: command line: %s\n", err);
	console_set_loglevel(opts.loglevel);
	printk(LOG_INFO, "vireo: loaded by %s, %d module%s, command line '%s'\n",
	       boot_info.loader[0] ? boot_info.loader : "an unnamed loader", boot_info.nmods,
	       boot_info.nmods == 1 ? "" : "s", boot_info.cmdline);
	setup_memory(&boot_info);
	if (arch_virt_init(&opts, err, sizeof(err))) {
		printk(LOG_ERR, "vireo: cannot run guests: %s\n", err);
		printk(LOG_ERR, "vireo: result %d\n", VIREO_RESULT_FAILED);
		machine_shutdown(VIREO_RESULT_FAILED);
	}
	code = vireo_launch(&boot_info, &opts);
	machine_shutdown(code);
}
