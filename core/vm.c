/* VM lifetime: memory, loading the guest image, devices, vCPUs, and the
 * record of how the VM ended. */
#include "core/arch.h"
#include "core/kalloc.h"
#include "core/vm.h"
#include "core/vm_create.h"
#include "lib/libc.h"
#include "lib/printk.h"
#include "loaders/linux.h"
#include "loaders/multiboot.h"
#include "loaders/pc_layout.h"

#define FW_CFG_PORT     FW_CFG_PORT_SEL

const char *vm_end_name(enum vm_end why)
{
	switch (why) {
	case VM_END_NONE: return "running";
	case VM_END_DEBUG_EXIT: return "debug-exit";
	case VM_END_HYPERCALL: return "exit hypercall";
	case VM_END_HALTED: return "halted";
	case VM_END_TRIPLE_FAULT: return "triple fault";
	case VM_END_FATAL: return "fatal error";
	case VM_END_POWER_OFF: return "powered off";
	case VM_END_RESET: return "reset";
	case VM_END_CONSOLE: return "console";
	}
	return "?";
}

bool vm_end_is_crash(enum vm_end why)
{
	return why == VM_END_TRIPLE_FAULT || why == VM_END_FATAL;
}

void vm_end(struct vm *vm, enum vm_end why, uint64_t status, const char *fmt, ...)
{
	va_list ap;

	if (vm->state == VM_ENDED)
		return;
	vm->state = VM_ENDED;
	vm->reset_why = NULL;        /* an ended VM does not restart */
	vm->end = why;
	vm->status = status;
	va_start(ap, fmt);
	vsnprintf(vm->end_msg, sizeof(vm->end_msg), fmt, ap);
	va_end(ap);
	for (unsigned i = 0; i < vm->nvcpus; i++)
		vm->vcpus[i]->state = VCPU_STOPPED;
	vm_console_flush(&vm->console);
	printk(vm_end_is_crash(why) ? LOG_ERR : LOG_INFO, "vireo: VM %s stopped: %s\n",
	       vm->name, vm->end_msg);
}

/* An access to guest-physical memory nothing answers, below 4 GiB: on a
 * PC the bus master-aborts (reads all-ones, writes vanish). Counted, and
 * logged once per page for the first few pages. */
void vm_unclaimed_mmio(struct vm *vm, uint64_t gpa, bool write)
{
	uint64_t page = gpa >> 12;

	vm->stats.unclaimed_mmio++;
	for (unsigned i = 0; i < vm->nmmio_logged && i < ARRAY_SIZE(vm->mmio_logged); i++)
		if (vm->mmio_logged[i] == page)
			return;
	if (vm->nmmio_logged < ARRAY_SIZE(vm->mmio_logged))
		printk(LOG_INFO, "vireo: VM %s: %s of unclaimed MMIO at 0x%llx: %s\n", vm->name,
		       write ? "write" : "read", (unsigned long long)gpa,
		       write ? "dropped" : "all-ones");
	else if (vm->nmmio_logged == ARRAY_SIZE(vm->mmio_logged))
		printk(LOG_INFO, "vireo: VM %s: more unclaimed MMIO pages, no longer logged\n",
		       vm->name);
	else
		return;
	if (vm->nmmio_logged < ARRAY_SIZE(vm->mmio_logged))
		vm->mmio_logged[vm->nmmio_logged] = page;
	vm->nmmio_logged++;
}

bool vm_read_phys(struct vm *vm, uint64_t gpa, void *buf, uint64_t len)
{
	const void *p = gmem_ptr(&vm->mem, gpa, len);

	if (p)
		memcpy(buf, p, len);
	return p != NULL;
}

bool vm_write_phys(struct vm *vm, uint64_t gpa, const void *buf, uint64_t len)
{
	void *p = gmem_ptr(&vm->mem, gpa, len);

	if (p)
		memcpy(p, buf, len);
	return p != NULL;
}

/* Device callbacks: they know only an opaque pointer, which is the VM. */
static void vm_console_tx(void *opaque, uint8_t c)
{
	struct vm *vm = opaque;

	vm_console_putc(&vm->console, c);
}

static void vm_debug_exit(void *opaque, uint32_t status)
{
	struct vm *vm = opaque;

	vm_end(vm, VM_END_DEBUG_EXIT, status, "debug-exit, status %u (0x%x)",
	       status, status);
}

/* The legacy windows below 1 MiB (loaders/pc_layout.h): the BIOS ROM's
 * bytes are the RAM block's at the same addresses, mapped read-only. */
static int vm_add_pc_windows(struct vm *vm)
{
	vm->bios_rom.data = vm->mem.base + PC_BIOS_BASE;
	vm->bios_rom.base = PC_BIOS_BASE;
	vm->bios_rom.size = PC_BIOS_SIZE;
	return bus_add_mmio(&vm->bus, PC_VGA_BASE, PC_VGA_SIZE, vga_window_mmio, NULL, "vga") ||
	       bus_add_mmio(&vm->bus, PC_BIOS_BASE, PC_BIOS_SIZE, pc_rom_mmio, &vm->bios_rom,
			    "bios-rom");
}

static int vm_add_devices(struct vm *vm, char *err, size_t errlen)
{
	bus_init(&vm->bus);
	debugcon_init(&vm->debugcon, vm_console_tx, vm);
	debug_exit_init(&vm->debugexit, vm_debug_exit, vm);
	fw_cfg_init(&vm->fwcfg, vm->mem.size, (uint16_t)vm->nvcpus);
	if (bus_add_pio(&vm->bus, DEBUGCON_PORT, 1, debugcon_pio, &vm->debugcon, "debugcon") ||
	    bus_add_pio(&vm->bus, DEBUG_EXIT_PORT, 4, debug_exit_pio, &vm->debugexit,
			"isa-debug-exit") ||
	    bus_add_pio(&vm->bus, FW_CFG_PORT, 2, fw_cfg_pio, &vm->fwcfg, "fw_cfg") ||
	    vm_add_pc_windows(vm)) {
		snprintf(err, errlen, "device bus full");
		return -1;
	}
	return arch_platform_init(vm, err, errlen);
}

/* The kernel's command line as GRUB and QEMU pass it: the image's path
 * (or, without one, the VM's name), then the arguments. Kernels that take
 * argv from it expect argv[0] there. */
static void full_cmdline(const struct vm_config *cfg, char *out, size_t len)
{
	const char *image = cfg->path[0] ? cfg->path : cfg->name;

	snprintf(out, len, "%s%s%s", image, cfg->cmdline[0] ? " " : "", cfg->cmdline);
}

/* The Linux x86 boot protocol (loaders/linux.c): the first module is the
 * initrd, the command line goes as it is (Linux has no argv[0] in it). */
static int vm_load_linux(struct vm *vm, const struct vm_image *img, char *err, size_t errlen)
{
	struct linux_layout layout;
	struct linux_boot lb;

	linux_layout_pc(&layout, vm->mem.size);
	if (linux_load(&vm->mem, img->data, img->len, img->nmods ? img->mods[0].data : NULL,
		       img->nmods ? img->mods[0].len : 0, vm->cfg.cmdline, &layout, &lb,
		       err, errlen))
		return -1;
	vm->boot.mode = lb.entry64 ? BOOT_LONG64 : BOOT_PROTECTED32;
	vm->boot.entry = lb.entry;
	vm->boot.rsi = lb.zero_page;
	vm->boot.cr3 = lb.page_tables;
	vm->boot.gdt = lb.gdt;
	vm->boot.gdt_limit = lb.gdt_limit;
	vm->boot.eax = vm->boot.ebx = 0;
	return 0;
}

static int vm_load_image(struct vm *vm, const struct vm_image *img, char *err, size_t errlen)
{
	static char cmdline[VM_PATH_MAX + VM_CMDLINE_MAX];  /* one VM at a time */
	struct mb_module_in mods[VM_MAX_MODULES];
	struct mb_boot mb;

	/* A module the guest would never see is refused, not dropped. */
	if (vm->cfg.type == VM_IMAGE_LINUX && img->nmods > 1) {
		snprintf(err, errlen, "%d modules: a Linux VM takes one, its initrd", img->nmods);
		return -1;
	}
	if (vm->cfg.type == VM_IMAGE_RAW && img->nmods > 0) {
		snprintf(err, errlen, "%d module%s: a raw image takes none", img->nmods,
			 img->nmods == 1 ? "" : "s");
		return -1;
	}
	if (vm->cfg.type == VM_IMAGE_LINUX)
		return vm_load_linux(vm, img, err, errlen);
	if (vm->cfg.type == VM_IMAGE_RAW) {
		if (raw_load(&vm->mem, img->data, img->len, vm->cfg.load, err, errlen))
			return -1;
		vm->boot.mode = BOOT_REAL16;
		vm->boot.entry = vm->cfg.entry;
		return 0;
	}
	for (int i = 0; i < img->nmods; i++) {
		mods[i].data = img->mods[i].data;
		mods[i].len = img->mods[i].len;
		mods[i].string = img->mods[i].string;
	}
	full_cmdline(&vm->cfg, cmdline, sizeof(cmdline));
	if (mb_prepare(&vm->mem, img->data, img->len, cmdline, mods, img->nmods,
		       &mb, err, errlen))
		return -1;
	vm->boot.mode = BOOT_PROTECTED32;
	vm->boot.entry = mb.entry;
	vm->boot.eax = 0x2BADB002; /* Multiboot 3.2: magic for the OS */
	vm->boot.ebx = mb.info_gpa;
	return 0;
}

static int vm_add_vcpus(struct vm *vm, char *err, size_t errlen)
{
	for (unsigned i = 0; i < vm->cfg.cpus; i++) {
		struct vcpu *v = kzalloc(sizeof(*v));

		if (!v) {
			snprintf(err, errlen, "out of host memory for vCPU %u", i);
			return -1;
		}
		v->vm = vm;
		v->id = i;
		v->state = i == 0 ? VCPU_RUNNABLE : VCPU_WAIT_SIPI;
		vm->vcpus[vm->nvcpus++] = v;
		if (arch_vcpu_init(v, err, errlen))
			return -1;
	}
	return 0;
}

void vm_destroy(struct vm *vm)
{
	arch_platform_destroy(vm);
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		arch_vcpu_destroy(vm->vcpus[i]);
		kfree(vm->vcpus[i], sizeof(struct vcpu));
	}
	vm->nvcpus = 0;
	arch_vm_destroy(vm);
	kfree(vm->mem.base, vm->mem.size);
	vm->mem.base = NULL;
	kfree(vm->image, sizeof(*vm->image));
	vm->image = NULL;
}

struct vm *vm_create(int id, const struct vm_config *cfg, const struct vm_image *img,
		     bool prefix_output, char *err, size_t errlen)
{
	struct vm *vm = kzalloc(sizeof(*vm));

	if (!vm) {
		snprintf(err, errlen, "out of host memory");
		return NULL;
	}
	vm->id = id;
	vm->cfg = *cfg;
	memcpy(vm->name, cfg->name, sizeof(vm->name));
	vm->name[sizeof(vm->name) - 1] = '\0';
	vm_console_init(&vm->console, prefix_output ? vm->name : NULL);
	/* 2 MiB alignment lets EPT map guest RAM with large pages. */
	vm->mem.size = cfg->mem;
	vm->mem.base = kalloc_pages(cfg->mem, MiB(2));
	if (!vm->mem.base) {
		/* Guest RAM is one 2 MiB-aligned block: free memory in pieces
		 * may add up to more and still not hold it. */
		snprintf(err, errlen, "not enough host memory for %llu MiB of guest RAM "
			 "(%llu MiB free)", (unsigned long long)(cfg->mem >> 20),
			 (unsigned long long)(kalloc_free_bytes() >> 20));
		kfree(vm, sizeof(*vm));
		return NULL;
	}
	vm->image = kzalloc(sizeof(*vm->image));
	if (!vm->image) {
		snprintf(err, errlen, "out of host memory");
		goto fail;
	}
	*vm->image = *img;      /* the data stays where the boot loader put it */
	if (vm_load_image(vm, img, err, errlen) || arch_vm_init(vm, err, errlen))
		goto fail;
	if (vm_add_vcpus(vm, err, errlen))
		goto fail;
	if (vm_add_devices(vm, err, errlen))
		goto fail;
	vm->state = VM_RUNNING;
	return vm;
fail:
	vm_destroy(vm);
	kfree(vm, sizeof(*vm));
	return NULL;
}

/* A PC that resets in a loop (a triple-faulting boot, a kernel that
 * cannot come up) is stopped after this many resets. */
#define VM_RESET_LIMIT 8

void vm_reset(struct vm *vm, const char *why)
{
	if (vm->state != VM_RUNNING)
		return;
	vm->reset_why = why;
	/* Every vCPU stops at once; the scheduler resets the VM before any
	 * of them runs again. */
	for (unsigned i = 0; i < vm->nvcpus; i++)
		vm->vcpus[i]->state = VCPU_STOPPED;
}

/* Power-on state again: RAM cleared and the image loaded anew, devices
 * re-created (the CMOS memory kept, as its battery keeps it on a PC), the
 * vCPUs at their reset state. */
void vm_do_reset(struct vm *vm)
{
	static uint8_t keep[256];
	char err[160];
	const char *why = vm->reset_why;

	vm->reset_why = NULL;
	if (vm->cfg.reset_stops) {
		vm_end(vm, VM_END_RESET, 0, "reset (%s), and the VM stops on reset", why);
		return;
	}
	if (++vm->resets > VM_RESET_LIMIT) {
		vm_end(vm, VM_END_FATAL, 0, "reset loop: stopped after %u resets (the last by %s)",
		       vm->resets - 1, why);
		return;
	}
	printk(LOG_INFO, "vireo: VM %s: reset by %s, restarting\n", vm->name, why);
	arch_platform_save(vm, keep, sizeof(keep));
	arch_platform_destroy(vm);
	memset(vm->mem.base, 0, vm->mem.size);
	if (vm_load_image(vm, vm->image, err, sizeof(err)) || vm_add_devices(vm, err, sizeof(err))) {
		vm_end(vm, VM_END_FATAL, 0, "cannot restart after a reset: %s", err);
		return;
	}
	arch_platform_restore(vm, keep, sizeof(keep));
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		vm->vcpus[i]->state = i == 0 ? VCPU_RUNNABLE : VCPU_WAIT_SIPI;
		arch_vcpu_reset(vm->vcpus[i]);
	}
}
