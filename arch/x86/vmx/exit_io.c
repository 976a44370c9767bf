/* I/O instruction exits (SDM Vol. 3C 27.2.1 Table 27-5): IN/OUT of 1, 2
 * or 4 bytes go to the VM's port bus; INS/OUTS (with REP) move data
 * between the bus and guest memory reached through the guest's paging. */
#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/guest.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_asm.h"
#include "lib/libc.h"
#include "lib/printk.h"
#include "loaders/guest_mem.h"

/* A REP string instruction is done in slices so that one exit never
 * holds the CPU for long; RIP stays put until the count reaches zero, so
 * the guest re-executes it and exits again for the rest (SDM 27.2.5). */
#define STRING_IO_SLICE 4096

static void port_access(struct vcpu *v, uint16_t port, unsigned size, bool in, uint32_t *val)
{
	bool first = false;
	int rc = bus_pio(&v->vm->bus, port, size, !in, val, &first);

	if (rc == BUS_UNCLAIMED && first)
		pr_debug("vm %s: unclaimed port 0x%x (%s, %u bytes)\n", v->vm->name, port,
			 in ? "in" : "out", size);
}

static enum exit_action plain_io(struct vcpu *v, uint16_t port, unsigned size, bool in)
{
	uint64_t *rax = &to_vmx(v)->regs.gpr[GPR_RAX];
	uint32_t val = (uint32_t)*rax;

	port_access(v, port, size, in, &val);
	if (in) {
		/* IN to AL/AX merges; IN to EAX zero-extends into RAX. */
		if (size == 4)
			*rax = val;
		else if (size == 2)
			*rax = (*rax & ~0xffffULL) | (val & 0xffff);
		else
			*rax = (*rax & ~0xffULL) | (val & 0xff);
	}
	guest_skip_insn();
	return v->vm->state == VM_RUNNING ? EXIT_CONTINUE : EXIT_YIELD;
}

struct string_io {
	uint16_t port;
	unsigned size;
	bool in;
	enum x86_seg seg;       /* ES:rDI for INS, seg:rSI for OUTS */
	uint64_t amask;         /* address-size mask for rSI/rDI/rCX */
	int step;               /* +size or -size (RFLAGS.DF) */
};

/* Where one element lies in guest RAM: one piece, or two when it crosses
 * a linear page boundary (each page translated on its own, as the CPU
 * does; the two frames need not be adjacent). */
struct elem_loc {
	uint64_t gpa[2];
	unsigned len[2];
};

/* False when the guest address faulted (a #PF is then pending) or lies
 * outside RAM (the VM is stopped): checked for the whole element before
 * the port is touched, so a refused element has no side effect. */
static bool locate(struct vcpu *v, const struct string_io *s, uint64_t ptr, struct elem_loc *e)
{
	unsigned acc = s->in ? X86_ACC_WRITE : 0;
	unsigned done = 0;
	uint64_t la;

	e->len[1] = 0;
	for (unsigned i = 0; done < s->size; i++) {
		int rc = guest_translate(v, s->seg, (ptr + done) & s->amask, acc, &e->gpa[i], &la);
		unsigned left = 4096 - (unsigned)(la & 4095);

		if (rc) {
			guest_inject_pf(v, la, x86_walk_pf_error(rc, acc | (guest_cpl() == 3 ? X86_ACC_USER : 0)));
			return false;
		}
		e->len[i] = s->size - done < left ? s->size - done : left;
		done += e->len[i];
	}
	for (unsigned i = 0; i < 2 && e->len[i]; i++)
		if (!gmem_is_ram(&v->vm->mem, e->gpa[i], e->len[i])) {
			vmexit_fatal(v, "vCPU %u: %s buffer at GPA 0x%llx is not guest RAM", v->id,
				     s->in ? "INS" : "OUTS", (unsigned long long)e->gpa[i]);
			return false;
		}
	return true;
}

/* One element: false when it could not be done (see locate). */
static bool string_io_one(struct vcpu *v, const struct string_io *s, uint64_t *ptr)
{
	struct elem_loc e;
	uint32_t val = 0;

	if (!locate(v, s, *ptr, &e))
		return false;
	if (s->in) {
		port_access(v, s->port, s->size, true, &val);
		vm_write_phys(v->vm, e.gpa[0], &val, e.len[0]);
		if (e.len[1])
			vm_write_phys(v->vm, e.gpa[1], (uint8_t *)&val + e.len[0], e.len[1]);
	} else {
		vm_read_phys(v->vm, e.gpa[0], &val, e.len[0]);
		if (e.len[1])
			vm_read_phys(v->vm, e.gpa[1], (uint8_t *)&val + e.len[0], e.len[1]);
		port_access(v, s->port, s->size, false, &val);
	}
	*ptr = (*ptr & ~s->amask) | ((*ptr + s->step) & s->amask);
	return true;
}

static enum exit_action string_io(struct vcpu *v, uint64_t qual, uint16_t port, unsigned size,
				  bool in)
{
	struct x86_regs *r = &to_vmx(v)->regs;
	uint64_t info = vmread(VMCS_EXIT_INSTRUCTION_INFO);
	bool rep = qual & EXIT_QUAL_IO_REP;
	struct string_io s = { port, size, in, X86_SEG_ES, 0, (int)size };
	uint64_t *ptr = in ? &r->gpr[GPR_RDI] : &r->gpr[GPR_RSI];
	uint64_t count;

	/* Instruction-information field for INS/OUTS (SDM 27.2.5 Table 27-8),
	 * present when IA32_VMX_BASIC[54] is set (checked at start-up). */
	switch ((info >> 7) & 7) {
	case 0: s.amask = 0xffff; break;
	case 1: s.amask = 0xffffffffULL; break;
	default: s.amask = ~0ULL; break;
	}
	if (!in)
		s.seg = (enum x86_seg)((info >> 15) & 7);
	if (vmread(VMCS_GUEST_RFLAGS) & X86_RFLAGS_DF)
		s.step = -(int)size;
	count = rep ? r->gpr[GPR_RCX] & s.amask : 1;
	for (unsigned n = 0; count && n < STRING_IO_SLICE; n++) {
		if (!string_io_one(v, &s, ptr))
			return v->vm->state == VM_RUNNING ? EXIT_CONTINUE : EXIT_YIELD;
		count--;
		if (rep)
			r->gpr[GPR_RCX] = (r->gpr[GPR_RCX] & ~s.amask) | (count & s.amask);
		if (v->vm->state != VM_RUNNING)
			return EXIT_YIELD;
	}
	if (count == 0)
		guest_skip_insn();
	return EXIT_CONTINUE;
}

enum exit_action vmexit_io(struct vcpu *v)
{
	uint64_t qual = vmread(VMCS_EXIT_QUALIFICATION);
	unsigned size = (unsigned)(qual & EXIT_QUAL_IO_SIZE_MASK) + 1;
	uint16_t port = (uint16_t)(qual >> EXIT_QUAL_IO_PORT_SHIFT);
	bool in = qual & EXIT_QUAL_IO_IN;

	if (qual & EXIT_QUAL_IO_STRING)
		return string_io(v, qual, port, size, in);
	return plain_io(v, port, size, in);
}
