#include "devices/irq_router.h"
#include "lib/libc.h"

void irq_router_init(struct irq_router *r, const struct irq_router_ops *ops, void *opaque)
{
	memset(r, 0, sizeof(*r));
	r->ops = ops;
	r->opaque = opaque;
}

unsigned irq_isa_to_gsi(unsigned irq)
{
	return irq == 0 ? 2 : irq;
}

static void drive_ioapic(struct irq_router *r, unsigned gsi, bool asserted)
{
	bool low = (r->active_low >> gsi) & 1;

	if (r->ops && r->ops->ioapic_set)
		r->ops->ioapic_set(r->opaque, gsi, asserted != low);
}

void irq_router_set_active_low(struct irq_router *r, unsigned gsi)
{
	if (gsi >= IRQ_GSIS)
		return;
	r->active_low |= 1u << gsi;
	drive_ioapic(r, gsi, false);
}

void irq_set_isa(struct irq_router *r, unsigned irq, bool asserted)
{
	if (irq >= IRQ_ISA_LINES)
		return;
	if (asserted)
		r->asserted |= 1u << irq;
	else
		r->asserted &= ~(1u << irq);
	if (r->ops && r->ops->pic_set)
		r->ops->pic_set(r->opaque, irq, asserted);
	drive_ioapic(r, irq_isa_to_gsi(irq), asserted);
}
