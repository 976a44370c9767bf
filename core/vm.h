/* A virtual machine: its memory, devices, vCPUs, and how it ended. */
#ifndef VIREO_CORE_VM_H
#define VIREO_CORE_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "core/console.h"
#include "core/console_in.h"
#include "core/stats.h"
#include "core/vcpu.h"
#include "core/vmconfig.h"
#include "devices/bus.h"
#include "devices/debugdev.h"
#include "devices/fw_cfg.h"
#include "devices/pc_windows.h"
#include "devices/uart16550.h"
#include "loaders/guest_mem.h"

struct vm_image;

#define VM_MAX_VCPUS 8
#define VM_MAX_MODULES 8

enum vm_state { VM_RUNNING, VM_ENDED };

enum vm_end {
	VM_END_NONE,
	VM_END_DEBUG_EXIT,   /* isa-debug-exit write */
	VM_END_HYPERCALL,    /* VIREO_HC_EXIT */
	VM_END_HALTED,       /* every vCPU halted for good */
	VM_END_TRIPLE_FAULT,
	VM_END_FATAL,        /* the guest did something Vireo cannot continue */
	VM_END_POWER_OFF,    /* ACPI S5 */
	VM_END_RESET,        /* a reset, with on-reset=stop or in a reset loop */
	VM_END_CONSOLE,      /* ended from the machine's console (monitor, Ctrl-A x) */
};

/* How the bootstrap processor starts (set by the loader). */
enum vm_boot_mode {
	BOOT_PROTECTED32,        /* flat 32-bit, paging off (multiboot, Linux 32-bit entry) */
	BOOT_REAL16,
	BOOT_LONG64,             /* 64-bit, identity paging (Linux 64-bit entry) */
};

struct vm_boot {
	enum vm_boot_mode mode;
	uint64_t entry;          /* EIP/RIP, or CS:IP linear for real mode */
	uint32_t eax, ebx;       /* multiboot magic and info pointer */
	uint64_t rsi;            /* Linux: the zero page */
	uint64_t cr3;            /* BOOT_LONG64: identity page tables */
	uint64_t gdt;            /* Linux: GDT with __BOOT_CS 0x10, __BOOT_DS 0x18 */
	uint16_t gdt_limit;
};

struct vm {
	int id;
	char name[32];
	struct vm_config cfg;
	struct guest_mem mem;    /* guest RAM: host pointer and size */
	struct vm_boot boot;

	struct bus bus;
	struct uart16550 uart;
	struct fw_cfg fwcfg;
	struct debugcon debugcon;
	struct debug_exit debugexit;
	struct vm_console console;
	struct input_queue input;   /* typed for this VM, not yet in its UART */
	struct pc_rom bios_rom;
	uint64_t mmio_logged[16];  /* pages whose unclaimed access was logged */
	unsigned nmmio_logged;

	struct vcpu *vcpus[VM_MAX_VCPUS];
	unsigned nvcpus;

	enum vm_state state;
	enum vm_end end;
	uint64_t status;         /* guest-chosen status for DEBUG_EXIT/HYPERCALL */
	char end_msg[256];       /* one line: why it ended */

	struct vm_stats stats;
	void *arch;              /* backend state (EPT) */
	void *platform;          /* the machine's devices (arch_platform_init) */
	struct vm_image *image;  /* what vm_reset loads again */
	const char *reset_why;   /* a reset is pending: why */
	unsigned resets;         /* resets so far */
};

/* Ends the VM (idempotent: the first reason wins) and stops its vCPUs. */
void vm_end(struct vm *vm, enum vm_end why, uint64_t status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
const char *vm_end_name(enum vm_end why);
bool vm_end_is_crash(enum vm_end why);

/* The machine reset (reset register, 0xCF9, keyboard controller): the VM
 * restarts from its boot state at the scheduler's next pass, or ends if
 * its on-reset option says so or it resets in a loop. */
void vm_reset(struct vm *vm, const char *why);
/* Carry out a pending reset (sched.c, between runs). */
void vm_do_reset(struct vm *vm);

/* Count and log (once per page) an access nothing claimed. */
void vm_unclaimed_mmio(struct vm *vm, uint64_t gpa, bool write);

/* Guest-physical RAM access; false if [gpa, gpa+len) is not all RAM. */
bool vm_read_phys(struct vm *vm, uint64_t gpa, void *buf, uint64_t len);
bool vm_write_phys(struct vm *vm, uint64_t gpa, const void *buf, uint64_t len);

#endif
