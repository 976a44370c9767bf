/* Turning GRUB modules into VMs: parse every module's string, attach extra
 * modules to their VM, create the VMs (a bad one is refused with a reason,
 * the others go on), run them, and report how each ended. */
#include "arch/x86/boot/bootinfo.h"
#include "core/arch.h"
#include "core/kalloc.h"
#include "core/launch.h"
#include "core/sched.h"
#include "core/vm_create.h"
#include "lib/libc.h"
#include "lib/printk.h"

#define MAX_VMS 16

struct launch {
	struct mod_spec specs[BOOT_MAX_MODS];
	const struct boot_module *mods[BOOT_MAX_MODS];
	int nspecs;
	struct vm *vms[MAX_VMS];
	int nvms;
	int refused;
};

static const char *mod_label(const struct boot_module *m, const struct mod_spec *s)
{
	if (s && s->kind == MOD_VM && s->vm.name[0])
		return s->vm.name;
	return m->string[0] ? m->string : "(no string)";
}

static const char *image_kind(enum vm_image_type t)
{
	switch (t) {
	case VM_IMAGE_RAW:   return "raw image (real mode)";
	case VM_IMAGE_LINUX: return "Linux bzImage";
	default:             return "multiboot";
	}
}

/* A module whose bytes overlap another's is refused (so is the other):
 * the loader cannot be trusted, and a VM must not load another's image. */
static bool overlaps(const struct mod_range *r, int n, const struct mod_spec *s, int i)
{
	int j = mod_range_overlap(r, n, i);

	if (j < 0)
		return false;
	printk(LOG_ERR, "vireo: module %d refused: %s '%s': its bytes 0x%llx-0x%llx overlap "
	       "module %d's 0x%llx-0x%llx\n", i, s->kind == MOD_VM ? "VM" : "module",
	       s->kind == MOD_VM ? s->vm.name : s->path, (unsigned long long)r[i].start,
	       (unsigned long long)r[i].end, j, (unsigned long long)r[j].start,
	       (unsigned long long)r[j].end);
	return true;
}

static void parse_modules(struct launch *l, const struct boot_info *bi)
{
	struct mod_range r[BOOT_MAX_MODS];
	char err[160];

	for (int j = 0; j < bi->nmods; j++)
		r[j] = (struct mod_range){ bi->mods[j].start, bi->mods[j].end };

	for (int i = 0; i < bi->nmods && l->nspecs < (int)ARRAY_SIZE(l->specs); i++) {
		struct mod_spec *s = &l->specs[l->nspecs];

		if (bi->mods[i].refused[0]) {
			printk(LOG_ERR, "vireo: module %d refused: %s\n", i, bi->mods[i].refused);
			l->refused++;
			continue;
		}
		if (modspec_parse(bi->mods[i].string, s, err, sizeof(err))) {
			printk(LOG_ERR, "vireo: module %d refused: %s\n", i, err);
			l->refused++;
			continue;
		}
		if (overlaps(r, bi->nmods, s, i)) {
			l->refused++;
			continue;
		}
		l->mods[l->nspecs++] = &bi->mods[i];
	}
}

static bool name_taken(struct launch *l, const char *name)
{
	for (int i = 0; i < l->nvms; i++)
		if (strcmp(l->vms[i]->name, name) == 0)
			return true;
	return false;
}

/* Gathers the kernel and the extra modules addressed to this VM. */
static int build_image(struct launch *l, int idx, struct vm_image *img, char *err,
		       size_t errlen)
{
	const struct boot_module *m = l->mods[idx];
	const char *name = l->specs[idx].vm.name;

	img->data = (const uint8_t *)(uintptr_t)m->start;
	img->len = m->end - m->start;
	img->nmods = 0;
	for (int i = 0; i < l->nspecs; i++) {
		struct mod_spec *s = &l->specs[i];

		if (s->kind != MOD_EXTRA || strcmp(s->for_vm, name) != 0)
			continue;
		if (img->nmods == VM_MAX_MODULES) {
			snprintf(err, errlen, "more than %d modules", VM_MAX_MODULES);
			return -1;
		}
		img->mods[img->nmods].data = (const uint8_t *)(uintptr_t)l->mods[i]->start;
		img->mods[img->nmods].len = l->mods[i]->end - l->mods[i]->start;
		img->mods[img->nmods].string = s->string;
		img->nmods++;
	}
	return 0;
}

static int count_vm_specs(struct launch *l)
{
	int n = 0;

	for (int i = 0; i < l->nspecs; i++)
		n += l->specs[i].kind == MOD_VM;
	return n;
}

static void check_orphans(struct launch *l)
{
	for (int i = 0; i < l->nspecs; i++) {
		struct mod_spec *s = &l->specs[i];
		bool found = false;

		if (s->kind != MOD_EXTRA)
			continue;
		for (int j = 0; j < l->nspecs; j++)
			found |= l->specs[j].kind == MOD_VM &&
				 strcmp(l->specs[j].vm.name, s->for_vm) == 0;
		if (!found)
			printk(LOG_ERR, "vireo: module '%s' refused: no VM named '%s'\n",
			       s->path, s->for_vm);
	}
}

/* A VM refused half-way, or every VM at the end, must have given back all
 * the host memory it took: anything else is a leak in Vireo, said loudly. */
static bool check_returned(const char *who, uint64_t free_before, const char *after)
{
	uint64_t now = kalloc_free_bytes();

	if (now == free_before)
		return true;
	printk(LOG_ERR, "vireo: BUG: %s: host memory not returned after %s: %lld KiB\n", who, after,
	       (long long)(free_before - now) / 1024);
	return false;
}

static void create_vms(struct launch *l, bool stats)
{
	bool prefix = count_vm_specs(l) > 1;
	char err[200];
	struct vm_image img;
	uint64_t free_before, allocs_before;

	for (int i = 0; i < l->nspecs; i++) {
		struct mod_spec *s = &l->specs[i];
		struct vm *vm;

		if (s->kind != MOD_VM)
			continue;
		if (l->nvms == MAX_VMS) {
			printk(LOG_ERR, "vireo: VM '%s' refused: at most %d VMs\n", s->vm.name, MAX_VMS);
			l->refused++;
			continue;
		}
		if (name_taken(l, s->vm.name)) {
			printk(LOG_ERR, "vireo: VM '%s' refused: duplicate name\n", s->vm.name);
			l->refused++;
			continue;
		}
		free_before = kalloc_free_bytes();
		allocs_before = kalloc_count();
		if (build_image(l, i, &img, err, sizeof(err)) ||
		    !(vm = vm_create(l->nvms, &s->vm, &img, prefix, err, sizeof(err)))) {
			printk(LOG_ERR, "vireo: VM '%s' refused: %s\n", mod_label(l->mods[i], s), err);
			l->refused++;
			check_returned(s->vm.name, free_before, "its refusal");
			continue;
		}
		printk(LOG_INFO, "vireo: VM %s: %s, %llu MiB, %u vCPU%s, entry 0x%llx\n",
		       vm->name, image_kind(s->vm.type),
		       (unsigned long long)(vm->mem.size >> 20), vm->nvcpus,
		       vm->nvcpus > 1 ? "s" : "", (unsigned long long)vm->boot.entry);
		/* Tests count these to make a VM's creation fail at a chosen
		 * step (kalloc_fail=). */
		printk(LOG_DEBUG, "vireo: VM %s: %llu host allocations\n", vm->name,
		       (unsigned long long)(kalloc_count() - allocs_before));
		vm->stats.timing = stats;
		l->vms[l->nvms++] = vm;
	}
}

/* Single VM: its own status, QEMU's isa-debug-exit convention included.
 * Several VMs: 0 when none crashed nor was refused. */
static int result_code(struct launch *l)
{
	bool bad = l->refused > 0;

	for (int i = 0; i < l->nvms; i++)
		bad |= vm_end_is_crash(l->vms[i]->end);
	if (l->nvms == 1 && !l->refused) {
		struct vm *vm = l->vms[0];

		if (vm->end == VM_END_DEBUG_EXIT || vm->end == VM_END_HYPERCALL)
			return (int)(vm->status & 0xff);
		return bad ? VIREO_RESULT_CRASH : 0;
	}
	if (l->nvms == 0)
		return VIREO_RESULT_CRASH;
	return bad ? VIREO_RESULT_CRASH : 0;
}

static void print_summary(struct launch *l, const struct hv_options *opts)
{
	struct vm_stats total;

	memset(&total, 0, sizeof(total));
	printk(LOG_ERR, "vireo: summary: %d VM%s ran, %d refused\n", l->nvms,
	       l->nvms == 1 ? "" : "s", l->refused);
	for (int i = 0; i < l->nvms; i++) {
		struct vm *vm = l->vms[i];

		vm->stats.unclaimed_pio = vm->bus.unclaimed_pio;
		printk(LOG_ERR, "vireo:   %-12s %-14s status %-4llu %10llu exits  %s\n", vm->name,
		       vm_end_name(vm->end), (unsigned long long)vm->status,
		       (unsigned long long)vm->stats.exits, vm->end_msg);
		if (opts->stats)
			stats_print(vm->name, &vm->stats, 4);
		stats_add(&total, &vm->stats);
	}
	if (opts->stats && l->nvms > 1)
		stats_print("machine total", &total, 4);
}

int vireo_launch(const struct boot_info *bi, const struct hv_options *opts)
{
	static struct launch l; /* large; lives for the whole run */
	uint64_t free_at_start = kalloc_free_bytes();
	int code;

	printk(LOG_DEBUG, "vireo: host memory: %llu KiB free before the VMs\n",
	       (unsigned long long)(free_at_start >> 10));
	if (opts->kalloc_fail) {
		printk(LOG_WARN, "vireo: testing: host allocation %u of the launch will fail\n",
		       (unsigned)opts->kalloc_fail);
		kalloc_fail_nth(opts->kalloc_fail);
	}
	parse_modules(&l, bi);
	check_orphans(&l);
	create_vms(&l, opts->stats);
	if (l.nvms == 0)
		printk(LOG_ERR, "vireo: no VM to run\n");
	else
		sched_run(l.vms, l.nvms, (uint64_t)opts->quantum_ms * arch_tsc_khz());
	print_summary(&l, opts);
	code = result_code(&l);
	for (int i = 0; i < l.nvms; i++) {
		vm_destroy(l.vms[i]);
		kfree(l.vms[i], sizeof(*l.vms[i]));
	}
	if (check_returned("VMs", free_at_start, "the run"))
		printk(LOG_DEBUG, "vireo: host memory: all %llu KiB free again after the VMs\n",
		       (unsigned long long)(free_at_start >> 10));
	printk(LOG_ERR, "vireo: result %d\n", code);
	return code;
}
