/* EPT violations: the first touch of a GiB of guest RAM (which maps it),
 * or guest accesses to guest-physical addresses with no RAM behind them.
 * If a device claims the address (the local APIC page, or an
 * MMIO region on the VM's bus), the faulting instruction is fetched,
 * decoded and emulated against the device (SDM 27.2.1 Table 27-7).
 * Anything else stops the VM with a precise diagnostic. */
#include "arch/x86/emulate/emulate.h"
#include "arch/x86/vmx/exit.h"
#include "arch/x86/vmx/guest.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_asm.h"
#include "arch/x86/vmx/vmx_names.h"
#include "lib/libc.h"
#include "lib/printk.h"
#include "loaders/pc_layout.h"

static bool is_lapic_page(struct vcpu *v, uint64_t gpa)
{
	struct vlapic *l = &to_vmx(v)->lapic;

	return vlapic_xapic_mmio_enabled(l) &&
	       (gpa & ~(uint64_t)(VLAPIC_MMIO_SIZE - 1)) == vlapic_mmio_base(l);
}

/* Nothing answers below 4 GiB: the PC bus master-aborts (all-ones, writes
 * dropped), unless the VM asked for strict-mmio. */
static bool master_aborts(const struct vm *vm, uint64_t gpa)
{
	return !vm->cfg.strict_mmio && gpa < PC_MMIO_LIMIT;
}

static int master_abort(struct vcpu *v, uint64_t gpa, unsigned size, bool write, uint64_t *val)
{
	if (!master_aborts(v->vm, gpa))
		return -1;
	vm_unclaimed_mmio(v->vm, gpa, write);
	if (!write)
		*val = size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
	return 0;
}

/* Emulator callbacks. An operand may straddle a page boundary (the end of
 * RAM, the edge of a window): each page's part goes to what that page is,
 * RAM or device, as the CPU splits the access. The part in the next page
 * is translated from its own linear address, so the context remembers
 * where each operand came from (the guest-physical address the emulator
 * will pass, and the segment:offset it was translated from). */
struct mmio_ctx {
	struct vcpu *v;
	unsigned n;
	struct {
		uint64_t gpa, off;
		enum x86_seg seg;
	} op[2];                /* MOVS has two operands, the others one */
};

static void remember_operand(struct mmio_ctx *c, uint64_t gpa, enum x86_seg seg, uint64_t off)
{
	unsigned i = c->n < 2 ? c->n++ : 1;

	c->op[i].gpa = gpa;
	c->op[i].seg = seg;
	c->op[i].off = off;
}

static int emu_translate(void *ctx, enum x86_seg seg, uint64_t off, bool write, uint64_t *gpa)
{
	struct mmio_ctx *c = ctx;
	uint64_t la;
	int rc = guest_translate(c->v, seg, off, write ? X86_ACC_WRITE : 0, gpa, &la);

	if (!rc)
		remember_operand(c, *gpa, seg, off);
	return rc;
}

/* Guest-physical address of the part of the operand at 'gpa' that lies
 * 'first' bytes on, in the next page. -1 if that page is not mapped. */
static int next_part(struct mmio_ctx *c, uint64_t gpa, unsigned first, bool write, uint64_t *out)
{
	uint64_t la;

	for (unsigned i = 0; i < c->n; i++)
		if (c->op[i].gpa == gpa)
			return guest_translate(c->v, c->op[i].seg, c->op[i].off + first,
					       write ? X86_ACC_WRITE : 0, out, &la) ? -1 : 0;
	*out = gpa + first;     /* not an operand start: physically next */
	return 0;
}

/* One page's part: device first (this is an MMIO exit), RAM for the other
 * side of a MOVS or of a straddling operand. */
static int phys_read_part(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t *val)
{
	*val = 0;
	if (is_lapic_page(v, gpa)) {
		vlapic_mmio_read(&to_vmx(v)->lapic, gpa & (VLAPIC_MMIO_SIZE - 1), size, val);
		return 0;
	}
	if (vm_read_phys(v->vm, gpa, val, size))
		return 0;
	switch (bus_mmio(&v->vm->bus, gpa, size, false, val)) {
	case BUS_OK:
		return 0;
	case BUS_UNCLAIMED:
		return master_abort(v, gpa, size, false, val);
	default:
		return -1;
	}
}

static int phys_write_part(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t val)
{
	if (is_lapic_page(v, gpa)) {
		vlapic_mmio_write(&to_vmx(v)->lapic, gpa & (VLAPIC_MMIO_SIZE - 1), size, val);
		vmx_irq_check(to_vmx(v));
		return 0;
	}
	if (vm_write_phys(v->vm, gpa, &val, size))
		return 0;
	switch (bus_mmio(&v->vm->bus, gpa, size, true, &val)) {
	case BUS_OK:
		return 0;
	case BUS_UNCLAIMED:
		return master_abort(v, gpa, size, true, &val);
	default:
		return -1;
	}
}

/* Bytes of [gpa, gpa + size) in gpa's page. */
static unsigned in_page(uint64_t gpa, unsigned size)
{
	unsigned left = 4096 - (unsigned)(gpa & 4095);

	return size < left ? size : left;
}

static int emu_phys_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	struct mmio_ctx *c = ctx;
	unsigned first = in_page(gpa, size);
	uint64_t lo, hi, gpa2;

	if (first == size)
		return phys_read_part(c->v, gpa, size, val);
	if (next_part(c, gpa, first, false, &gpa2) || phys_read_part(c->v, gpa, first, &lo) ||
	    phys_read_part(c->v, gpa2, size - first, &hi))
		return -1;
	*val = lo | hi << (8 * first);      /* little-endian; first < size <= 8 */
	return 0;
}

static int emu_phys_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	struct mmio_ctx *c = ctx;
	unsigned first = in_page(gpa, size);
	uint64_t gpa2;

	if (first == size)
		return phys_write_part(c->v, gpa, size, val);
	if (next_part(c, gpa, first, true, &gpa2) || phys_write_part(c->v, gpa, first, val) ||
	    phys_write_part(c->v, gpa2, size - first, val >> (8 * first)))
		return -1;
	return 0;
}

/* Where the operand of a one-operand instruction starts. The exit names
 * the faulting part of the access; when the operand began in the page
 * before (a RAM page, say, with the device in the next one) the CPU
 * reports the part at the page boundary, so an exit at a page's first
 * byte is checked against the operand's own address. */
static int operand_start(struct mmio_ctx *c, const struct x86_insn *insn, const struct x86_regs *r,
			 uint64_t gpa, uint64_t *start)
{
	uint64_t amask = insn->mem.addr_size == 8 ? ~0ULL : (1ULL << (8 * insn->mem.addr_size)) - 1;
	enum x86_seg seg = insn->mem.seg;
	uint64_t off, la, g;

	*start = gpa;
	if (insn->op == X86_OP_MOVS)
		return 0;                       /* translated per operand */
	if (insn->op == X86_OP_STOS)
		seg = X86_SEG_ES, off = r->gpr[GPR_RDI] & amask;
	else if (insn->op == X86_OP_LODS)
		off = r->gpr[GPR_RSI] & amask;
	else
		off = x86_insn_mem_offset(insn, r);
	if (gpa & 4095) {
		remember_operand(c, gpa, seg, off);
		return 0;
	}
	if (guest_translate(c->v, seg, off, 0, &g, &la))
		return -1;
	if ((g & ~4095ULL) != gpa)      /* began in another page */
		*start = g;
	remember_operand(c, *start, seg, off);
	return 0;
}

/* Only instructions that name RSP need the guest RSP from the VMCS. */
static bool uses_rsp(const struct x86_insn *insn)
{
	return insn->reg == GPR_RSP || insn->mem.base == GPR_RSP || insn->mem.index == GPR_RSP;
}

/* Decoding dominates an MMIO exit, and drivers touch a register from the
 * same instruction again and again: keep the last decode per vCPU and
 * reuse it when the mode and every byte of the instruction are the same. */
/* The first len (1..15) bytes of two 16-byte buffers are equal. */
static bool same_prefix(const uint8_t *a, const uint8_t *b, unsigned len)
{
	uint64_t a0, a1, b0, b1;
	uint64_t m0 = len >= 8 ? ~0ULL : (1ULL << (8 * len)) - 1;
	uint64_t m1 = len <= 8 ? 0 : (1ULL << (8 * (len - 8))) - 1;

	memcpy(&a0, a, 8);
	memcpy(&a1, a + 8, 8);
	memcpy(&b0, b, 8);
	memcpy(&b1, b + 8, 8);
	return !((a0 ^ b0) & m0) && !((a1 ^ b1) & m1);
}

static const struct x86_insn *decode_cached(struct vmx_vcpu *x, const uint8_t *bytes,
					    unsigned n, enum x86_cpu_mode mode)
{
	if (x->last_len && x->last_len <= n && x->last_mode == mode &&
	    same_prefix(x->last_bytes, bytes, x->last_len))
		return &x->last_insn;
	x->last_len = 0;
	if (x86_decode(bytes, n, mode, &x->last_insn))
		return NULL;
	memcpy(x->last_bytes, bytes, x->last_insn.length);
	x->last_len = x->last_insn.length;
	x->last_mode = (uint8_t)mode;
	return &x->last_insn;
}

enum exit_action vmx_emulate_mmio(struct vcpu *v, uint64_t gpa)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct x86_regs *r = &x->regs;
	struct mmio_ctx ctx = { v, 0, { { 0, 0, X86_SEG_DS }, { 0, 0, X86_SEG_DS } } };
	struct x86_emu_ops ops = { &ctx, emu_translate, emu_phys_read, emu_phys_write };
	struct x86_paging pg;
	enum x86_cpu_mode mode;
	const struct x86_insn *insn;
	uint8_t bytes[16] = { 0 };
	char hex[64];
	unsigned n;
	int rc;

	uint64_t rflags;
	bool rsp;

	guest_paging(&pg);          /* once: mode and fetch both need it */
	mode = guest_mode_of(&pg, vmread(VMCS_GUEST_CS_AR));
	r->rip = vmread(VMCS_GUEST_RIP);
	r->rflags = rflags = vmread(VMCS_GUEST_RFLAGS);
	n = guest_fetch_insn(v, &pg, mode, r->rip, bytes);
	insn = decode_cached(x, bytes, n, mode);
	if (!insn) {
		x86_insn_bytes_str(bytes, n, hex, sizeof(hex));
		return vmexit_fatal(v, "vCPU %u: cannot emulate MMIO access to GPA 0x%llx at RIP "
				    "0x%llx: unsupported instruction [%s]", v->id,
				    (unsigned long long)gpa, (unsigned long long)r->rip, hex);
	}
	rsp = uses_rsp(insn);
	if (rsp)
		r->gpr[GPR_RSP] = vmread(VMCS_GUEST_RSP);
	rc = operand_start(&ctx, insn, r, gpa, &gpa);
	if (!rc)
		rc = x86_emulate_mmio(insn, mode, r, gpa, &ops);
	if (rc) {
		x86_insn_bytes_str(bytes, insn->length, hex, sizeof(hex));
		return vmexit_fatal(v, "vCPU %u: emulation of %s [%s] at RIP 0x%llx on GPA 0x%llx "
				    "failed (%d)", v->id, x86_op_name(insn->op), hex,
				    (unsigned long long)r->rip, (unsigned long long)gpa, rc);
	}
	if (r->rflags != rflags)
		vmwrite(VMCS_GUEST_RFLAGS, r->rflags);
	guest_complete_insn(v, r->rip);
	if (rsp)
		vmwrite(VMCS_GUEST_RSP, r->gpr[GPR_RSP]);
	return v->vm->state == VM_RUNNING ? EXIT_CONTINUE : EXIT_YIELD;
}

static const char *where(struct vm *vm, uint64_t gpa)
{
	if (gpa >= vm->mem.size)
		return "above guest RAM";
	if (gpa >= GMEM_HOLE_START && gpa < GMEM_HOLE_END)
		return "in the legacy hole 0xA0000-0xFFFFF";
	return "not backed by RAM or a device";
}

/* The end message stays one short line (kind of access, where, and for a
 * page-table walk that the guest's tables point there); the whole
 * qualification goes with the register dump. */
static enum exit_action ept_violation_fatal(struct vcpu *v, uint64_t gpa, uint64_t qual)
{
	const char *kind = (qual & EPT_VIOL_FETCH) ? "fetch" : (qual & EPT_VIOL_WRITE) ? "write" : "read";
	const char *walk = ((qual & EPT_VIOL_GLA_VALID) && !(qual & EPT_VIOL_GLA_TRANSLATED))
			   ? " by a page-table walk" : "";
	char desc[160];

	vmx_describe_ept_violation(qual, desc, sizeof(desc));
	printk(LOG_INFO, "vireo: VM %s vCPU %u: EPT violation qualification: %s\n", v->vm->name,
	       v->id, desc);
	if (qual & EPT_VIOL_GLA_VALID)
		return vmexit_fatal(v, "vCPU %u: EPT violation: GPA 0x%llx %s (%llu MiB), %s%s, "
				    "linear 0x%llx, RIP 0x%llx", v->id, (unsigned long long)gpa,
				    where(v->vm, gpa), (unsigned long long)(v->vm->mem.size >> 20),
				    kind, walk, (unsigned long long)vmread(VMCS_GUEST_LINEAR_ADDR),
				    (unsigned long long)vmread(VMCS_GUEST_RIP));
	return vmexit_fatal(v, "vCPU %u: EPT violation: GPA 0x%llx %s (%llu MiB), %s, RIP 0x%llx",
			    v->id, (unsigned long long)gpa, where(v->vm, gpa),
			    (unsigned long long)(v->vm->mem.size >> 20), kind,
			    (unsigned long long)vmread(VMCS_GUEST_RIP));
}

enum exit_action vmexit_ept_violation(struct vcpu *v)
{
	uint64_t gpa = vmread(VMCS_GUEST_PHYSICAL_ADDR);
	uint64_t qual;

	/* First touch of a GiB of RAM: map it and let the access (or the
	 * event delivery it interrupted, see event.c) happen again. */
	if (vmx_populate_ram(v->vm, gpa) == 0)
		return EXIT_CONTINUE;
	qual = vmread(VMCS_EXIT_QUALIFICATION);
	/* Data accesses to device memory, or to nothing below 4 GiB (master
	 * abort), are emulated; code cannot run from there. */
	if (!(qual & EPT_VIOL_FETCH) && (is_lapic_page(v, gpa) || bus_find_mmio(&v->vm->bus, gpa) ||
					 master_aborts(v->vm, gpa))) {
		/* The CPU was delivering an event (pushing its frame, reading
		 * the IDT) into device memory, not running an instruction:
		 * nothing to emulate, and Vireo does not carry out event
		 * delivery in software. */
		if (to_vmx(v)->idt_info & INTR_INFO_VALID)
			return vmexit_fatal(v, "vCPU %u: delivery of event 0x%x touched device "
					    "memory at GPA 0x%llx (stack or IDT in MMIO): not "
					    "supported", v->id, to_vmx(v)->idt_info,
					    (unsigned long long)gpa);
		return vmx_emulate_mmio(v, gpa);
	}
	return ept_violation_fatal(v, gpa, qual);
}

/* Vireo builds every EPT entry itself: a misconfiguration is our bug, but
 * only this VM pays for it. */
enum exit_action vmexit_ept_misconfig(struct vcpu *v)
{
	return vmexit_fatal(v, "vCPU %u: EPT misconfiguration at GPA 0x%llx (hypervisor bug)",
			    v->id, (unsigned long long)vmread(VMCS_GUEST_PHYSICAL_ADDR));
}
