/* Programming a VMCS: execution controls, host state, and the guest's
 * state at power-on (SDM Vol. 3C 24, 26.2-26.3). */
#include "arch/x86/cpu/cpu.h"
#include "arch/x86/cpu/gdt.h"
#include "arch/x86/cpu/idt.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_asm.h"
#include "lib/libc.h"
#include "lib/printk.h"

extern char vmx_exit[];

#define AR_CODE32 (VMX_AR_G | VMX_AR_DB | VMX_AR_P | VMX_AR_S | VMX_AR_TYPE_CODE_XR_ACCESSED)
#define AR_DATA32 (VMX_AR_G | VMX_AR_DB | VMX_AR_P | VMX_AR_S | VMX_AR_TYPE_DATA_RW_ACCESSED)
#define AR_CODE16 (VMX_AR_P | VMX_AR_S | VMX_AR_TYPE_CODE_XR_ACCESSED)
#define AR_DATA16 (VMX_AR_P | VMX_AR_S | VMX_AR_TYPE_DATA_RW_ACCESSED)
#define AR_TSS_BUSY (VMX_AR_P | VMX_AR_TYPE_TSS32_BUSY)

/* CR0 bits Vireo owns: NE must stay set in VMX operation, and PG changes
 * switch IA-32e mode on and off (SDM 10.8.5), which VM entry must learn. */
#define CR0_HOST_OWNED (X86_CR0_NE | X86_CR0_PG)

struct seg_init { uint16_t sel; uint64_t base; uint32_t limit, ar; };

static const uint32_t seg_fields[][4] = {
	/* selector, base, limit, access rights; ES CS SS DS FS GS order */
	{ VMCS_GUEST_ES_SELECTOR, VMCS_GUEST_ES_BASE, VMCS_GUEST_ES_LIMIT, VMCS_GUEST_ES_AR },
	{ VMCS_GUEST_CS_SELECTOR, VMCS_GUEST_CS_BASE, VMCS_GUEST_CS_LIMIT, VMCS_GUEST_CS_AR },
	{ VMCS_GUEST_SS_SELECTOR, VMCS_GUEST_SS_BASE, VMCS_GUEST_SS_LIMIT, VMCS_GUEST_SS_AR },
	{ VMCS_GUEST_DS_SELECTOR, VMCS_GUEST_DS_BASE, VMCS_GUEST_DS_LIMIT, VMCS_GUEST_DS_AR },
	{ VMCS_GUEST_FS_SELECTOR, VMCS_GUEST_FS_BASE, VMCS_GUEST_FS_LIMIT, VMCS_GUEST_FS_AR },
	{ VMCS_GUEST_GS_SELECTOR, VMCS_GUEST_GS_BASE, VMCS_GUEST_GS_LIMIT, VMCS_GUEST_GS_AR },
};

static void set_seg(int idx, const struct seg_init *s)
{
	vmwrite(seg_fields[idx][0], s->sel);
	vmwrite(seg_fields[idx][1], s->base);
	vmwrite(seg_fields[idx][2], s->limit);
	vmwrite(seg_fields[idx][3], s->ar);
}

/* CR4 bits the guest may not set are those outside CR4_FIXED1, plus VMXE
 * (VMX is hidden from the guest), which must stay set underneath. */
uint64_t vmx_cr4_host_owned(void)
{
	return ~vmx_cpu.caps.cr4_fixed1 | vmx_cpu.caps.cr4_fixed0 | X86_CR4_VMXE;
}

void vmx_set_guest_cr0(uint64_t val)
{
	/* Unrestricted guest lifts the PE and PG fixed-1 requirements (26.3.1.1). */
	uint64_t fixed0 = vmx_cpu.caps.cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG);

	vmwrite(VMCS_GUEST_CR0, (val | fixed0) & vmx_cpu.caps.cr0_fixed1);
	vmwrite(VMCS_CR0_READ_SHADOW, val);
}

void vmx_set_guest_cr4(uint64_t val)
{
	vmwrite(VMCS_GUEST_CR4, (val | vmx_cpu.caps.cr4_fixed0) & vmx_cpu.caps.cr4_fixed1);
	vmwrite(VMCS_CR4_READ_SHADOW, val);
}

static void setup_controls(struct vcpu *v)
{
	const struct vmx_controls *c = &vmx_cpu.ctls;
	struct vmx_vm *xvm = to_vmx_vm(v->vm);

	vmwrite(VMCS_PIN_BASED_CTLS, c->pin);
	vmwrite(VMCS_PROC_BASED_CTLS, c->proc);
	to_vmx(v)->proc_ctls = c->proc;
	vmwrite(VMCS_PROC_BASED_CTLS2, c->proc2);
	vmwrite(VMCS_EXIT_CTLS, c->exit);
	vmwrite(VMCS_ENTRY_CTLS, c->entry & ~VM_ENTRY_IA32E_MODE_GUEST);
	vmwrite(VMCS_EXCEPTION_BITMAP, 0);   /* guests handle their own exceptions */
	vmwrite(VMCS_PF_ERROR_CODE_MASK, 0);
	vmwrite(VMCS_PF_ERROR_CODE_MATCH, 0);
	vmwrite(VMCS_CR3_TARGET_COUNT, 0);
	vmwrite(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmwrite(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	vmwrite(VMCS_IO_BITMAP_A, (uint64_t)(uintptr_t)vmx_cpu.io_bitmap_a);
	vmwrite(VMCS_IO_BITMAP_B, (uint64_t)(uintptr_t)vmx_cpu.io_bitmap_b);
	vmwrite(VMCS_MSR_BITMAP, (uint64_t)(uintptr_t)to_vmx(v)->msr_bitmap);
	vmwrite(VMCS_EPT_POINTER, xvm->eptp);
	vmwrite(VMCS_TSC_OFFSET, (uint64_t)to_vmx(v)->tsc_offset);
	if (c->has_vpid)
		vmwrite(VMCS_VPID, to_vmx(v)->vpid);
	vmwrite(VMCS_LINK_POINTER, ~0ULL);
	vmwrite(VMCS_CR0_GUEST_HOST_MASK, CR0_HOST_OWNED);
	vmwrite(VMCS_CR4_GUEST_HOST_MASK, vmx_cr4_host_owned());
	if (vmx_cpu.apicv)
		vmx_apicv_setup(v);
}

static void setup_host_state(void)
{
	vmwrite(VMCS_HOST_CR0, read_cr0());
	vmwrite(VMCS_HOST_CR3, read_cr3());
	vmwrite(VMCS_HOST_CR4, read_cr4());
	vmwrite(VMCS_HOST_CS_SELECTOR, GDT_KERNEL_CS);
	vmwrite(VMCS_HOST_SS_SELECTOR, GDT_KERNEL_DS);
	vmwrite(VMCS_HOST_DS_SELECTOR, GDT_KERNEL_DS);
	vmwrite(VMCS_HOST_ES_SELECTOR, GDT_KERNEL_DS);
	vmwrite(VMCS_HOST_FS_SELECTOR, 0);
	vmwrite(VMCS_HOST_GS_SELECTOR, 0);
	vmwrite(VMCS_HOST_TR_SELECTOR, GDT_TSS);
	vmwrite(VMCS_HOST_FS_BASE, 0);
	vmwrite(VMCS_HOST_GS_BASE, 0);
	vmwrite(VMCS_HOST_TR_BASE, tss_base());
	vmwrite(VMCS_HOST_GDTR_BASE, gdt_base());
	vmwrite(VMCS_HOST_IDTR_BASE, idt_base());
	vmwrite(VMCS_HOST_SYSENTER_CS, 0);
	vmwrite(VMCS_HOST_SYSENTER_ESP, 0);
	vmwrite(VMCS_HOST_SYSENTER_EIP, 0);
	vmwrite(VMCS_HOST_IA32_EFER, rdmsr(MSR_IA32_EFER));
	if (vmx_cpu.ctls.exit & VM_EXIT_LOAD_IA32_PAT)
		vmwrite(VMCS_HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
	vmwrite(VMCS_HOST_RIP, (uint64_t)(uintptr_t)vmx_exit);
}

static void setup_guest_common(void)
{
	vmwrite(VMCS_GUEST_LDTR_SELECTOR, 0);
	vmwrite(VMCS_GUEST_LDTR_BASE, 0);
	vmwrite(VMCS_GUEST_LDTR_LIMIT, 0xffff);
	vmwrite(VMCS_GUEST_LDTR_AR, VMX_AR_UNUSABLE);
	/* VM entry wants a busy TSS in TR even for real mode (26.3.1.2). */
	vmwrite(VMCS_GUEST_TR_SELECTOR, 0);
	vmwrite(VMCS_GUEST_TR_BASE, 0);
	vmwrite(VMCS_GUEST_TR_LIMIT, 0xffff);
	vmwrite(VMCS_GUEST_TR_AR, AR_TSS_BUSY);
	vmwrite(VMCS_GUEST_GDTR_BASE, 0);
	vmwrite(VMCS_GUEST_GDTR_LIMIT, 0xffff);
	vmwrite(VMCS_GUEST_IDTR_BASE, 0);
	vmwrite(VMCS_GUEST_IDTR_LIMIT, 0xffff);
	vmwrite(VMCS_GUEST_CR3, 0);
	vmwrite(VMCS_GUEST_DR7, 0x400);
	vmwrite(VMCS_GUEST_RSP, 0);
	vmwrite(VMCS_GUEST_RFLAGS, X86_RFLAGS_FIXED);
	vmwrite(VMCS_GUEST_IA32_EFER, 0);
	vmwrite(VMCS_GUEST_IA32_DEBUGCTL, 0);
	if (vmx_cpu.ctls.entry & VM_ENTRY_LOAD_IA32_PAT)
		vmwrite(VMCS_GUEST_IA32_PAT, GUEST_PAT_RESET);
	vmwrite(VMCS_GUEST_SYSENTER_CS, 0);
	vmwrite(VMCS_GUEST_SYSENTER_ESP, 0);
	vmwrite(VMCS_GUEST_SYSENTER_EIP, 0);
	vmwrite(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmwrite(VMCS_GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmwrite(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmx_set_guest_cr4(0);
}

/* The state INIT leaves (SDM 10.1.1, Table 10-1), before SIPI sets CS:IP:
 * no IA-32e mode, no pending event. */
void vmcs_reset_guest_state(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	setup_guest_common();
	vmwrite(VMCS_ENTRY_CTLS, vmx_cpu.ctls.entry & ~VM_ENTRY_IA32E_MODE_GUEST);
	vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	vmx_set_proc_ctls(x, 0, CPU_BASED_INTR_WINDOW_EXITING | CPU_BASED_NMI_WINDOW_EXITING);
}

/* Real mode as after INIT (SDM 10.1.1) or SIPI: CS:IP as given. */
void vmcs_set_guest_real_mode(uint64_t cs_base, uint16_t cs_sel, uint64_t rip)
{
	struct seg_init data = { 0, 0, 0xffff, AR_DATA16 };
	struct seg_init code = { cs_sel, cs_base, 0xffff, AR_CODE16 };

	for (int i = 0; i < 6; i++)
		set_seg(i, i == 1 ? &code : &data);
	vmx_set_guest_cr0(X86_CR0_ET);
	vmwrite(VMCS_GUEST_RIP, rip);
}

/* Multiboot 3.2: flat 32-bit protected mode, paging off. */
static void set_guest_protected_flat(uint64_t eip)
{
	struct seg_init data = { 0x18, 0, 0xffffffff, AR_DATA32 };
	struct seg_init code = { 0x10, 0, 0xffffffff, AR_CODE32 };

	for (int i = 0; i < 6; i++)
		set_seg(i, i == 1 ? &code : &data);
	vmx_set_guest_cr0(X86_CR0_PE | X86_CR0_ET);
	vmwrite(VMCS_GUEST_RIP, eip);
}

#define AR_CODE64 (VMX_AR_G | VMX_AR_L | VMX_AR_P | VMX_AR_S | VMX_AR_TYPE_CODE_XR_ACCESSED)

/* The Linux boot protocol's 64-bit entry (boot.rst "64-bit Boot
 * Protocol"): long mode with the loader's identity page tables, CS =
 * __BOOT_CS (0x10) 64-bit, data segments __BOOT_DS (0x18), the loader's
 * GDT loaded, interrupts off, RSI = the zero page. */
static void set_guest_long64(const struct vm_boot *b)
{
	struct seg_init data = { 0x18, 0, 0xffffffff, AR_DATA32 };
	struct seg_init code = { 0x10, 0, 0xffffffff, AR_CODE64 };

	for (int i = 0; i < 6; i++)
		set_seg(i, i == 1 ? &code : &data);
	vmwrite(VMCS_GUEST_GDTR_BASE, b->gdt);
	vmwrite(VMCS_GUEST_GDTR_LIMIT, b->gdt_limit);
	vmwrite(VMCS_GUEST_CR3, b->cr3);
	vmx_set_guest_cr4(X86_CR4_PAE);
	vmwrite(VMCS_GUEST_IA32_EFER, X86_EFER_LME | X86_EFER_LMA);
	vmwrite(VMCS_ENTRY_CTLS, vmread(VMCS_ENTRY_CTLS) | VM_ENTRY_IA32E_MODE_GUEST);
	vmx_set_guest_cr0(X86_CR0_PE | X86_CR0_ET | X86_CR0_PG);
	vmwrite(VMCS_GUEST_RIP, b->entry);
}

/* The boot state of the BSP, as the VM's loader left it in vm->boot. */
static void set_guest_boot_state(struct vmx_vcpu *x, const struct vm_boot *b)
{
	switch (b->mode) {
	case BOOT_REAL16:
		/* CS:IP = (entry >> 4):(entry & 0xf), as a boot sector expects
		 * 0:7c00 when entry is 0x7c00: keep CS 0 below 64 KiB. */
		if (b->entry < 0x10000)
			vmcs_set_guest_real_mode(0, 0, b->entry);
		else
			vmcs_set_guest_real_mode(b->entry & ~0xfULL, (uint16_t)(b->entry >> 4),
						 b->entry & 0xf);
		break;
	case BOOT_LONG64:
		set_guest_long64(b);
		x->regs.gpr[GPR_RSI] = b->rsi;
		break;
	case BOOT_PROTECTED32:
		set_guest_protected_flat(b->entry);
		if (b->gdt) {           /* Linux's 32-bit entry: its GDT too */
			vmwrite(VMCS_GUEST_GDTR_BASE, b->gdt);
			vmwrite(VMCS_GUEST_GDTR_LIMIT, b->gdt_limit);
		}
		x->regs.gpr[GPR_RAX] = b->eax;
		x->regs.gpr[GPR_RBX] = b->ebx;
		x->regs.gpr[GPR_RSI] = b->rsi;
		break;
	}
}

void vmcs_setup(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct vm *vm = v->vm;

	setup_controls(v);
	setup_host_state();
	setup_guest_common();
	if (!vcpu_is_bsp(v)) {
		vmcs_set_guest_real_mode(0xf0000, 0xf000, 0xfff0); /* parked until SIPI */
		return;
	}
	set_guest_boot_state(x, &vm->boot);
}

void vmcs_dump_guest(struct vcpu *v)
{
	static const char *const seg_names[] = { "ES", "CS", "SS", "DS", "FS", "GS" };

	printk(LOG_ERR, "  guest RIP %016llx RSP %016llx RFLAGS %08llx\n",
	       (unsigned long long)vmread(VMCS_GUEST_RIP), (unsigned long long)vmread(VMCS_GUEST_RSP),
	       (unsigned long long)vmread(VMCS_GUEST_RFLAGS));
	printk(LOG_ERR, "  guest CR0 %08llx (shadow %08llx) CR3 %016llx CR4 %08llx (shadow %08llx) "
	       "EFER %llx\n", (unsigned long long)vmread(VMCS_GUEST_CR0),
	       (unsigned long long)vmread(VMCS_CR0_READ_SHADOW),
	       (unsigned long long)vmread(VMCS_GUEST_CR3), (unsigned long long)vmread(VMCS_GUEST_CR4),
	       (unsigned long long)vmread(VMCS_CR4_READ_SHADOW),
	       (unsigned long long)vmread(VMCS_GUEST_IA32_EFER));
	for (int i = 0; i < 6; i++)
		printk(LOG_ERR, "  guest %s sel %04llx base %016llx limit %08llx ar %05llx\n",
		       seg_names[i], (unsigned long long)vmread(seg_fields[i][0]),
		       (unsigned long long)vmread(seg_fields[i][1]),
		       (unsigned long long)vmread(seg_fields[i][2]),
		       (unsigned long long)vmread(seg_fields[i][3]));
	printk(LOG_ERR, "  controls pin %08llx proc %08llx proc2 %08llx exit %08llx entry %08llx"
	       " activity %llu interruptibility %llx\n",
	       (unsigned long long)vmread(VMCS_PIN_BASED_CTLS),
	       (unsigned long long)vmread(VMCS_PROC_BASED_CTLS),
	       (unsigned long long)vmread(VMCS_PROC_BASED_CTLS2),
	       (unsigned long long)vmread(VMCS_EXIT_CTLS), (unsigned long long)vmread(VMCS_ENTRY_CTLS),
	       (unsigned long long)vmread(VMCS_GUEST_ACTIVITY_STATE),
	       (unsigned long long)vmread(VMCS_GUEST_INTERRUPTIBILITY));
	(void)v;
}
