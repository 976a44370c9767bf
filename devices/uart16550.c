/* 16550A UART register model.
 *
 * Reference: National Semiconductor PC16550D datasheet, "Registers" (table
 * II). The model keeps no timing: characters are transmitted as they are
 * written, so THRE/TEMT are always set and the THRE interrupt re-arms right
 * after each THR write, exactly when real hardware would once the shift
 * register drains. Receiver character-timeout (IIR 0x0C) is not modelled:
 * any received data raises "received data available" (0x04), which drivers
 * handle identically. */
#include "devices/uart16550.h"
#include "devices/bus.h"
#include "lib/libc.h"

/* Register offsets from base (DLAB = LCR bit 7 selects DLL/DLM at 0/1). */
#define UART_RBR 0      /* read: receiver buffer */
#define UART_THR 0      /* write: transmitter holding */
#define UART_DLL 0      /* DLAB=1: divisor latch LSB */
#define UART_IER 1
#define UART_DLM 1      /* DLAB=1: divisor latch MSB */
#define UART_IIR 2      /* read: interrupt identification */
#define UART_FCR 2      /* write: FIFO control */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define UART_IER_ERBFI  0x01    /* received data available */
#define UART_IER_ETBEI  0x02    /* THR empty */
#define UART_IER_ELSI   0x04    /* receiver line status */
#define UART_IER_EDSSI  0x08    /* modem status */
#define UART_IER_MASK   0x0F    /* bits 7:4 are always 0 on a 16550A */

#define UART_IIR_NO_INT 0x01
#define UART_IIR_MSI    0x00    /* modem status */
#define UART_IIR_THRI   0x02    /* THR empty */
#define UART_IIR_RDI    0x04    /* received data available */
#define UART_IIR_RLSI   0x06    /* receiver line status */
#define UART_IIR_FIFO   0xC0    /* FIFOs enabled */

#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLR_RX 0x02
#define UART_FCR_CLR_TX 0x04
#define UART_FCR_TRIG   0xC0    /* RX trigger level; stored, unused */

#define UART_LCR_DLAB   0x80

#define UART_MCR_DTR    0x01
#define UART_MCR_RTS    0x02
#define UART_MCR_OUT1   0x04
#define UART_MCR_OUT2   0x08
#define UART_MCR_LOOP   0x10
#define UART_MCR_MASK   0x1F

#define UART_LSR_DR     0x01
#define UART_LSR_OE     0x02
#define UART_LSR_THRE   0x20
#define UART_LSR_TEMT   0x40

#define UART_MSR_DCTS   0x01
#define UART_MSR_DDSR   0x02
#define UART_MSR_TERI   0x04
#define UART_MSR_DDCD   0x08
#define UART_MSR_CTS    0x10
#define UART_MSR_DSR    0x20
#define UART_MSR_RI     0x40
#define UART_MSR_DCD    0x80

static bool uart_fifo_enabled(const struct uart16550 *u)
{
	return (u->fcr & UART_FCR_ENABLE) != 0;
}

static unsigned uart_rx_capacity(const struct uart16550 *u)
{
	/* Without FIFOs the receiver has only the 1-byte RBR. */
	return uart_fifo_enabled(u) ? UART16550_FIFO_LEN : 1;
}

static void uart_rx_clear(struct uart16550 *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

/* Modem status inputs. In loopback they are wired to the MCR outputs
 * (RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD); otherwise we present a
 * connected null-modem peer (CTS, DSR, DCD asserted), as QEMU does. */
static uint8_t uart_msr_lines(const struct uart16550 *u)
{
	uint8_t m = 0;

	if (!(u->mcr & UART_MCR_LOOP))
		return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
	if (u->mcr & UART_MCR_RTS)
		m |= UART_MSR_CTS;
	if (u->mcr & UART_MCR_DTR)
		m |= UART_MSR_DSR;
	if (u->mcr & UART_MCR_OUT1)
		m |= UART_MSR_RI;
	if (u->mcr & UART_MCR_OUT2)
		m |= UART_MSR_DCD;
	return m;
}

static uint8_t uart_lsr(const struct uart16550 *u)
{
	uint8_t lsr = UART_LSR_THRE | UART_LSR_TEMT | u->lsr_err;

	if (u->rx_count > 0)
		lsr |= UART_LSR_DR;
	return lsr;
}

/* Highest-priority pending interrupt, datasheet table IV order. */
static uint8_t uart_iir_id(const struct uart16550 *u)
{
	if ((u->ier & UART_IER_ELSI) && (u->lsr_err & UART_LSR_OE))
		return UART_IIR_RLSI;
	if ((u->ier & UART_IER_ERBFI) && u->rx_count > 0)
		return UART_IIR_RDI;
	if ((u->ier & UART_IER_ETBEI) && u->thr_ipending)
		return UART_IIR_THRI;
	if ((u->ier & UART_IER_EDSSI) && u->msr_delta != 0)
		return UART_IIR_MSI;
	return UART_IIR_NO_INT;
}

bool uart16550_irq_pending(const struct uart16550 *u)
{
	/* The PC gates the IRQ line with MCR.OUT2; like QEMU we do not, so
	 * guests that never set OUT2 still get interrupts. */
	return uart_iir_id(u) != UART_IIR_NO_INT;
}

static void uart_rx_push(struct uart16550 *u, uint8_t c)
{
	unsigned cap = uart_rx_capacity(u);

	if (u->rx_count >= cap) {
		u->lsr_err |= UART_LSR_OE;
		/* Without FIFO the new character overwrites RBR; with FIFO the
		 * character in the shift register is lost (datasheet LSR1). */
		if (!uart_fifo_enabled(u))
			u->rx_fifo[u->rx_head] = c;
		return;
	}
	u->rx_fifo[(u->rx_head + u->rx_count) % UART16550_FIFO_LEN] = c;
	u->rx_count++;
}

static uint8_t uart_rx_pop(struct uart16550 *u)
{
	uint8_t c;

	if (u->rx_count == 0)
		return 0;
	c = u->rx_fifo[u->rx_head];
	u->rx_head = (uint8_t)((u->rx_head + 1) % UART16550_FIFO_LEN);
	u->rx_count--;
	return c;
}

void uart16550_rx(struct uart16550 *u, uint8_t c)
{
	if (u->mcr & UART_MCR_LOOP)
		return;
	uart_rx_push(u, c);
}

bool uart16550_rx_ready(const struct uart16550 *u)
{
	return !(u->mcr & UART_MCR_LOOP) && u->rx_count < uart_rx_capacity(u);
}

void uart16550_init(struct uart16550 *u, uint16_t base,
		    void (*tx)(void *opaque, uint8_t c), void *opaque)
{
	memset(u, 0, sizeof(*u));
	u->base = base;
	u->tx = tx;
	u->opaque = opaque;
	/* Divisor for 9600 baud from the 1.8432 MHz clock; the real reset
	 * value is undefined and the model does not use it. */
	u->dll = 0x0C;
}

static void uart_write_thr(struct uart16550 *u, uint8_t c)
{
	if (u->mcr & UART_MCR_LOOP)
		uart_rx_push(u, c);     /* TX wired to RX, output stays idle */
	else if (u->tx != NULL)
		u->tx(u->opaque, c);
	/* Writing THR clears the THRE interrupt; the character is gone at
	 * once, so THR is empty again and the interrupt re-arms. */
	u->thr_ipending = true;
}

static void uart_write_ier(struct uart16550 *u, uint8_t v)
{
	uint8_t old = u->ier;

	u->ier = v & UART_IER_MASK;
	/* Enabling ETBEI while THR is empty raises THRE at once (Linux's
	 * UART_BUG_THRE probe and TX start rely on this). */
	if (!(old & UART_IER_ETBEI) && (u->ier & UART_IER_ETBEI))
		u->thr_ipending = true;
}

static void uart_write_fcr(struct uart16550 *u, uint8_t v)
{
	/* Changing the enable bit resets both FIFOs (datasheet FCR0). */
	if ((v ^ u->fcr) & UART_FCR_ENABLE)
		uart_rx_clear(u);
	if (v & UART_FCR_CLR_RX)
		uart_rx_clear(u);
	/* CLR_TX: the TX FIFO is always empty here. */
	u->fcr = v & (UART_FCR_ENABLE | UART_FCR_TRIG);
}

static void uart_write_mcr(struct uart16550 *u, uint8_t v)
{
	uint8_t before = uart_msr_lines(u), after, changed;

	u->mcr = v & UART_MCR_MASK;
	after = uart_msr_lines(u);
	changed = before ^ after;
	if (changed & UART_MSR_CTS)
		u->msr_delta |= UART_MSR_DCTS;
	if (changed & UART_MSR_DSR)
		u->msr_delta |= UART_MSR_DDSR;
	if (changed & UART_MSR_DCD)
		u->msr_delta |= UART_MSR_DDCD;
	/* TERI flags only the trailing edge of RI. */
	if ((before & UART_MSR_RI) && !(after & UART_MSR_RI))
		u->msr_delta |= UART_MSR_TERI;
}

static uint8_t uart_read_iir(struct uart16550 *u)
{
	uint8_t id = uart_iir_id(u);

	/* Reading IIR when it reports THRE clears that source. */
	if (id == UART_IIR_THRI)
		u->thr_ipending = false;
	return id | (uart_fifo_enabled(u) ? UART_IIR_FIFO : 0);
}

static uint8_t uart_read(struct uart16550 *u, unsigned off)
{
	bool dlab = (u->lcr & UART_LCR_DLAB) != 0;
	uint8_t v;

	switch (off) {
	case UART_RBR:
		return dlab ? u->dll : uart_rx_pop(u);
	case UART_IER:
		return dlab ? u->dlm : u->ier;
	case UART_IIR:
		return uart_read_iir(u);
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		v = uart_lsr(u);
		u->lsr_err = 0;         /* error bits clear on LSR read */
		return v;
	case UART_MSR:
		v = uart_msr_lines(u) | u->msr_delta;
		u->msr_delta = 0;       /* delta bits clear on MSR read */
		return v;
	case UART_SCR:
		return u->scr;
	default:
		return 0xFF;
	}
}

static void uart_write(struct uart16550 *u, unsigned off, uint8_t v)
{
	bool dlab = (u->lcr & UART_LCR_DLAB) != 0;

	switch (off) {
	case UART_THR:
		if (dlab)
			u->dll = v;
		else
			uart_write_thr(u, v);
		break;
	case UART_IER:
		if (dlab)
			u->dlm = v;
		else
			uart_write_ier(u, v);
		break;
	case UART_FCR:
		uart_write_fcr(u, v);
		break;
	case UART_LCR:
		u->lcr = v;
		break;
	case UART_MCR:
		uart_write_mcr(u, v);
		break;
	case UART_LSR:
	case UART_MSR:
		break;                  /* read-only (factory test only) */
	case UART_SCR:
		u->scr = v;
		break;
	default:
		break;
	}
}

int uart16550_pio(void *dev, uint16_t port, unsigned size, bool write,
		  uint32_t *val)
{
	struct uart16550 *u = dev;
	unsigned off = (unsigned)(uint16_t)(port - u->base);

	if (off >= UART16550_NPORTS)
		return BUS_UNCLAIMED;
	if (size != 1) {
		/* The 16550 has an 8-bit data bus; wider accesses are not
		 * decoded. Refuse them without side effects. */
		if (!write)
			*val = size == 2 ? 0xFFFFu : 0xFFFFFFFFu;
		return BUS_ERROR;
	}
	if (write)
		uart_write(u, off, (uint8_t)*val);
	else
		*val = uart_read(u, off);
	return BUS_OK;
}
