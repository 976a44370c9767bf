/* VM and module descriptions taken from GRUB module strings, and the
 * hypervisor's own command-line options.
 *
 * grub.cfg example:
 *   multiboot2 /boot/vireo.elf loglevel=debug quantum_ms=5
 *   module2 /boot/guest.elf name=web mem=64M cpus=2 cmdline="console=ttyS0 quiet"
 *   module2 /boot/initrd.img type=module vm=web cmdline=initrd
 *   module2 /boot/boot.bin name=dos type=raw mem=4M load=0x7c00
 */
#ifndef VIREO_CORE_VMCONFIG_H
#define VIREO_CORE_VMCONFIG_H

#include "lib/libc.h"

#define VM_NAME_MAX    32	/* including NUL: names are 1-31 characters */
#define VM_CMDLINE_MAX 4097	/* including NUL: 4 KiB command lines */
#define VM_PATH_MAX    128	/* including NUL */

#define VM_MEM_DEFAULT MiB(32)
#define VM_MEM_MIN     MiB(2)
#define VM_MEM_MAX     GiB(3)
#define VM_CPUS_MAX    8
#define VM_RAW_LOAD_DEFAULT 0x7c00	/* where a BIOS puts a boot sector */

enum vm_image_type {
	VM_IMAGE_MULTIBOOT,	/* Multiboot v1 kernel (ELF32/ELF64/a.out kludge) */
	VM_IMAGE_RAW,		/* flat binary started in real mode at load/entry */
	VM_IMAGE_MODULE,	/* not a VM: an extra module for another VM */
	VM_IMAGE_LINUX,		/* Linux bzImage (x86 boot protocol >= 2.06) */
};

struct vm_config {
	char name[VM_NAME_MAX];
	enum vm_image_type type;
	uint64_t mem;			/* guest RAM bytes, multiple of 4 KiB */
	unsigned cpus;
	char cmdline[VM_CMDLINE_MAX];	/* guest kernel command line */
	uint64_t load, entry;		/* type=raw only; 0 otherwise */
	char path[VM_PATH_MAX];		/* GRUB's first word, "" if none */
	bool strict_mmio;		/* unclaimed MMIO stops the VM (debugging) */
	bool reset_stops;		/* on-reset=stop: a reset ends the VM */
};

enum mod_kind { MOD_VM, MOD_EXTRA };

struct mod_spec {
	enum mod_kind kind;
	struct vm_config vm;		/* MOD_VM: the VM; MOD_EXTRA: name/path */
	char for_vm[VM_NAME_MAX];	/* MOD_EXTRA: the VM receiving it */
	char string[VM_CMDLINE_MAX];	/* MOD_EXTRA: string handed to the guest */
	char path[VM_PATH_MAX];
};

/* Parse one GRUB module string. Returns 0, or -1 with one line in err. */
int modspec_parse(const char *s, struct mod_spec *out, char *err, size_t errlen);

/* Where the boot loader put a module's bytes: [start, end) physical. */
struct mod_range {
	uint64_t start, end;
};

/* Index of the first range of r[0..n) other than r[i] that shares a byte
 * with it, or -1. The boot loader is not trusted to keep modules apart:
 * two VMs must not share (and write over) each other's image. An empty
 * range overlaps nothing. */
int mod_range_overlap(const struct mod_range *r, int n, int i);

/* True for 1-31 characters of [A-Za-z0-9_-]. */
bool vm_name_valid(const char *name);

struct hv_options {
	int loglevel;		/* syslog numbering: 3 error .. 7 debug */
	bool stats;
	unsigned quantum_ms;
	bool apicv;		/* use APIC virtualization when the CPU has it */
	uint32_t kalloc_fail;	/* testing: the Nth host allocation of the
				 * launch fails (0: none), core/kalloc.h */
};

#define HV_LOGLEVEL_DEFAULT 6	/* info */
#define HV_QUANTUM_DEFAULT  10

/* Parse the hypervisor's command line. *out always holds usable options:
 * defaults, overridden by every option parsed before any error.
 * Returns 0, 1 when some options were ignored (unknown key: err names the
 * first one), or -1 for a malformed line or a bad value (err says which). */
int hvopts_parse(const char *s, struct hv_options *out, char *err, size_t errlen);

#endif
