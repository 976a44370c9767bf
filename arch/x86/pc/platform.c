/* A VM's PC chipset: creation of the devices, their registration on the
 * VM's bus, and the wires between them (platform.h has the picture). */
#include "arch/x86/cpu/host_rtc.h"
#include "arch/x86/pc/platform.h"
#include "arch/x86/vmx/vmx.h"
#include "core/arch.h"
#include "core/console_route.h"
#include "core/kalloc.h"
#include "core/pcpu.h"
#include "core/vm.h"
#include "lib/libc.h"
#include "lib/printk.h"
#include "loaders/acpi_tables.h"
#include "loaders/pc_layout.h"

#define COM1_PORT 0x3F8

static struct pc_platform *pc_of(struct vm *vm)
{
	return vm->platform;
}

/* ---- services every device gets: virtual time, a timer, a line ------ */

static uint64_t slot_now(void *opaque)
{
	struct pc_slot *s = opaque;

	return arch_vm_time(s->pc->vm);
}

static void slot_timer_arm(void *opaque, uint64_t deadline)
{
	struct pc_slot *s = opaque;
	struct timer_queue *q = &this_pcpu()->timers;

	if (!deadline)
		timerq_disarm(q, &s->timer);
	else
		timerq_arm(q, &s->timer, arch_vm_time_to_host(s->pc->vm, deadline));
}

static void slot_set_irq(void *opaque, unsigned line, bool level)
{
	struct pc_slot *s = opaque;

	irq_set_isa(&s->pc->irqs, line, level);
}

static void slot_fired(struct vtimer *t, uint64_t now)
{
	struct pc_slot *s = t->opaque;

	(void)now;
	if (s->pc->vm->state == VM_RUNNING)
		s->expired(s->dev);
}

static void slot_init(struct pc_slot *s, struct pc_platform *pc, void (*expired)(void *),
		      void *dev)
{
	s->pc = pc;
	s->expired = expired;
	s->dev = dev;
	vtimer_init(&s->timer, slot_fired, s, pc->vm);
}

/* ---- the wires ------------------------------------------------------ */

static void router_pic_set(void *opaque, unsigned irq, bool level)
{
	struct pc_platform *pc = opaque;

	pic8259_set_irq(&pc->pic, irq, level);
}

static void router_ioapic_set(void *opaque, unsigned gsi, bool level)
{
	struct pc_platform *pc = opaque;

	ioapic_set_irq(&pc->ioapic, gsi, level);
}

static const struct irq_router_ops router_ops = {
	.pic_set = router_pic_set,
	.ioapic_set = router_ioapic_set,
};

/* The 8259's INTR reaches every vCPU's LINT0; those that take ExtINT
 * look at it before their next entry (event.c). */
static void pic_intr_changed(void *opaque, bool level)
{
	struct pc_platform *pc = opaque;

	if (level)
		vmx_extint_raised(pc->vm);
}

static const struct pic8259_ops pic_ops = { .intr_changed = pic_intr_changed };

static void ioapic_deliver(void *opaque, uint32_t dest, bool logical, uint32_t delivery_mode,
			   uint8_t vector, bool level)
{
	struct pc_platform *pc = opaque;

	vmx_apic_message(pc->vm, dest, logical, delivery_mode, vector, level);
}

static const struct ioapic_ops ioapic_ops = { .deliver = ioapic_deliver };

static void rtc_expired(void *dev)
{
	rtc_timer_expired(dev);
}

static const struct rtc_ops rtc_ops = {
	.now = slot_now, .timer_arm = slot_timer_arm, .set_irq = slot_set_irq,
};

static void pm_expired(void *dev)
{
	acpi_pm_timer_expired(dev);
}

static void pm_power_off(void *opaque)
{
	struct pc_slot *s = opaque;

	vm_end(s->pc->vm, VM_END_POWER_OFF, 0, "powered off (ACPI S5)");
}

static void platform_reset(struct pc_platform *pc, const char *how)
{
	vm_reset(pc->vm, how);
}

static void pm_reset(void *opaque)
{
	platform_reset(((struct pc_slot *)opaque)->pc, "ACPI reset register");
}

static const struct acpi_pm_ops pm_ops = {
	.now = slot_now, .set_irq = slot_set_irq, .timer_arm = slot_timer_arm,
	.power_off = pm_power_off, .reset = pm_reset,
};

static void pci_reset(void *opaque)
{
	platform_reset(opaque, "reset control register 0xCF9");
}

static const struct pci_ops pci_ops = { .reset = pci_reset };

static void kbc_reset(void *opaque)
{
	platform_reset(opaque, "keyboard controller (8042) reset line");
}

static const struct i8042_ops kbc_ops = { .reset = kbc_reset };

static void uart_tx(void *opaque, uint8_t c)
{
	struct pc_slot *s = opaque;

	vm_console_putc(&s->pc->vm->console, c);
}

static void uart_expired(void *dev)
{
	uart16550_timer_expired(dev);
}

static void pit_expired(void *dev)
{
	pit8254_timer_expired(dev);
}

static const struct pit8254_ops pit_ops = {
	.now = slot_now, .timer_arm = slot_timer_arm, .set_irq = slot_set_irq,
};

static void uart_rx_poll(void *opaque)
{
	(void)opaque;
	console_route_poll_soon(this_pcpu()->console);
}

static const struct uart16550_ops uart_ops = {
	.tx = uart_tx, .set_irq = slot_set_irq, .now = slot_now, .timer_arm = slot_timer_arm,
	.rx_poll = uart_rx_poll,
};

/* ---- creation -------------------------------------------------------- */

static void init_devices(struct pc_platform *pc)
{
	struct vm *vm = pc->vm;
	struct rtc_datetime now;

	irq_router_init(&pc->irqs, &router_ops, pc);
	pic8259_init(&pc->pic, &pic_ops, pc);
	/* The I/O APIC's ID follows the LAPIC IDs (0..n-1), as the MADT says. */
	ioapic_init(&pc->ioapic, (uint8_t)vm->nvcpus, &ioapic_ops, pc);
	slot_init(&pc->rtc_slot, pc, rtc_expired, &pc->rtc);
	if (!host_rtc_read(&now))
		printk(LOG_WARN, "vireo: VM %s: the host clock gave no valid date; the RTC "
		       "starts at 2000-01-01\n", vm->name);
	rtc_init(&pc->rtc, &now, arch_tsc_khz(), &rtc_ops, &pc->rtc_slot);
	rtc_cmos_set_memory(&pc->rtc, vm->mem.size);
	slot_init(&pc->pm_slot, pc, pm_expired, &pc->pm);
	acpi_pm_init(&pc->pm, arch_tsc_khz(), &pm_ops, &pc->pm_slot);
	pci_init(&pc->pci, &pci_ops, pc);
	i8042_init(&pc->kbc, &kbc_ops, pc);
	slot_init(&pc->pit_slot, pc, pit_expired, &pc->pit);
	pit8254_init(&pc->pit, arch_tsc_khz(), &pit_ops, &pc->pit_slot);
	slot_init(&pc->uart_slot, pc, uart_expired, &vm->uart);
	uart16550_init(&vm->uart, COM1_PORT, UART16550_COM1_IRQ, &uart_ops, &pc->uart_slot,
		       arch_tsc_khz());
}

static int register_devices(struct pc_platform *pc)
{
	struct bus *bus = &pc->vm->bus;

	return bus_add_pio(bus, COM1_PORT, UART16550_NPORTS, uart16550_pio, &pc->vm->uart,
			   "com1") ||
	       bus_add_pio(bus, PIC_MASTER_CMD, 2, pic8259_pio, &pc->pic, "pic-master") ||
	       bus_add_pio(bus, PIC_SLAVE_CMD, 2, pic8259_pio, &pc->pic, "pic-slave") ||
	       bus_add_pio(bus, PIC_ELCR1, 2, pic8259_pio, &pc->pic, "elcr") ||
	       bus_add_pio(bus, RTC_PORT_INDEX, RTC_NPORTS, rtc_pio, &pc->rtc, "rtc") ||
	       bus_add_pio(bus, PIT_PORT_BASE, PIT_NPORTS, pit8254_pio, &pc->pit, "pit") ||
	       bus_add_pio(bus, PIT_PORT_SYSCTL_B, 1, pit8254_pio, &pc->pit, "port-b") ||
	       bus_add_pio(bus, PCI_PORT_BASE, PCI_NPORTS, pci_pio, &pc->pci, "pci") ||
	       bus_add_pio(bus, I8042_DATA_PORT, 1, i8042_pio, &pc->kbc, "i8042-data") ||
	       bus_add_pio(bus, I8042_CMD_PORT, 1, i8042_pio, &pc->kbc, "i8042-cmd") ||
	       bus_add_pio(bus, ACPI_PM_BASE, ACPI_PM_NPORTS, acpi_pm_pio, &pc->pm, "acpi-pm") ||
	       bus_add_mmio(bus, PC_IOAPIC_BASE, IOAPIC_MMIO_SIZE, ioapic_mmio, &pc->ioapic,
			    "ioapic");
}

/* The ACPI tables describe exactly this platform (loaders/pc_layout.h):
 * the RSDP in the BIOS ROM, the rest in the 1 KiB the memory map reserves
 * below 640 KiB (where a BIOS keeps its EBDA). */
static int build_acpi(struct pc_platform *pc, char *err, size_t errlen)
{
	struct vm *vm = pc->vm;
	struct acpi_config c = {
		.ncpus = vm->nvcpus, .lapic_addr = PC_LAPIC_BASE,
		.ioapic_id = (uint8_t)vm->nvcpus, .ioapic_addr = PC_IOAPIC_BASE,
		.pm1a_evt_port = ACPI_PM1A_EVT_BLK, .pm1a_cnt_port = ACPI_PM1A_CNT_BLK,
		.pm_tmr_port = ACPI_PM_TMR_BLK, .smi_cmd_port = ACPI_SMI_CMD,
		.sci_irq = ACPI_SCI_IRQ, .reset_port = ACPI_RESET_REG,
		.reset_value = ACPI_RESET_VALUE, .slp_typ_s5 = ACPI_SLP_TYP_S5,
		.rtc_century = 0x32, .pci_host_bridge = true,
		.rsdp_gpa = PC_RSDP, .tables_gpa = PC_ACPI_TABLES, .tables_size = PC_ACPI_TABLES_SIZE,
	};
	uint64_t used;

	memcpy(c.oem_id, "VIREO ", 7);
	return acpi_build(&vm->mem, &c, &used, err, errlen);
}

int pc_platform_init(struct vm *vm, char *err, size_t errlen)
{
	struct pc_platform *pc = kzalloc(sizeof(*pc));

	if (!pc) {
		snprintf(err, errlen, "out of host memory for the PC platform");
		return -1;
	}
	vm->platform = pc;
	pc->vm = vm;
	init_devices(pc);
	if (register_devices(pc)) {
		snprintf(err, errlen, "device bus full");
		return -1;
	}
	return build_acpi(pc, err, errlen);
}

void pc_platform_destroy(struct vm *vm)
{
	struct pc_platform *pc = pc_of(vm);
	struct timer_queue *q = &this_pcpu()->timers;

	if (!pc)
		return;
	timerq_disarm(q, &pc->rtc_slot.timer);
	timerq_disarm(q, &pc->pm_slot.timer);
	timerq_disarm(q, &pc->uart_slot.timer);
	timerq_disarm(q, &pc->pit_slot.timer);
	kfree(pc, sizeof(*pc));
	vm->platform = NULL;
}

bool pc_extint_pending(struct vm *vm)
{
	struct pc_platform *pc = pc_of(vm);

	return pc && pic8259_intr(&pc->pic);
}

int pc_extint_ack(struct vm *vm)
{
	return pic8259_ack(&pc_of(vm)->pic);
}

void pc_eoi_level(struct vm *vm, uint8_t vector)
{
	struct pc_platform *pc = pc_of(vm);

	if (pc)
		ioapic_eoi(&pc->ioapic, vector);
}

/* core/arch.h: the machine of an x86 VM is this PC. */
int arch_platform_init(struct vm *vm, char *err, size_t errlen)
{
	return pc_platform_init(vm, err, errlen);
}

void arch_platform_destroy(struct vm *vm)
{
	pc_platform_destroy(vm);
}

/* The CMOS memory survives a reset: its battery keeps it on a PC. */
void arch_platform_save(struct vm *vm, void *buf, size_t len)
{
	struct pc_platform *pc = pc_of(vm);

	memset(buf, 0, len);
	if (pc)
		memcpy(buf, pc->rtc.cmos, len < RTC_CMOS_SIZE ? len : RTC_CMOS_SIZE);
}

void arch_platform_restore(struct vm *vm, const void *buf, size_t len)
{
	struct pc_platform *pc = pc_of(vm);
	const uint8_t *b = buf;

	/* Byte by byte through the model: the clock registers stay the
	 * clock's, the checksum follows. */
	for (unsigned i = 0x0E; pc && i < RTC_CMOS_SIZE && i < len; i++)
		rtc_cmos_set(&pc->rtc, i, b[i]);
}
