/* 16550A UART model.
 *
 * Reference: National Semiconductor PC16550D datasheet (June 1995),
 * section 8 "Registers", table II (register summary), table III (reset)
 * and table IV (interrupt control functions).
 *
 * What is modelled and why it may differ from the chip:
 * - Transmission is instantaneous: a THR write reaches ops->tx at once, so
 *   THR, the TX FIFO and the shift register are always empty (LSR.THRE and
 *   TEMT read 1). The THRE interrupt keeps the datasheet's rules (8.6): a
 *   THR write clears it, and since the byte has left it is set again at
 *   once; with THRE as the only source the line drops and rises again, the
 *   edge an edge-triggered 8259 needs to see the next interrupt. The FIFO-
 *   mode delay of the THRE indication (8.10) has no meaning here.
 * - Reception: RBR (16450 mode) or a 16-byte FIFO, trigger levels 1/4/8/14
 *   and the character timeout of 8.10, counted in guest TSC ticks.
 * - Only OE occurs among the line errors: host input has no parity,
 *   framing or break errors, so LSR2-4 and LSR7 stay 0.
 * - The PC wiring: INTR drives ISA IRQ 4 (COM1) through a buffer enabled
 *   by the OUT2 pin. In loopback the datasheet (8.8, MCR4) forces the
 *   output pins, OUT2 included, inactive and feeds OUT2 to DCD instead, so
 *   the bus line is low in loopback whatever MCR3 says, while IIR still
 *   reports the internal interrupts. QEMU and bhyve raise their IRQ from
 *   IIR alone (no OUT2 gate, loopback or not); we follow the hardware. */
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

#define UART_IER_ERBFI  0x01    /* received data available + timeout */
#define UART_IER_ETBEI  0x02    /* THR empty */
#define UART_IER_ELSI   0x04    /* receiver line status */
#define UART_IER_EDSSI  0x08    /* modem status */
#define UART_IER_MASK   0x0F    /* bits 7:4 are always 0 on a 16550A */

#define UART_IIR_NO_INT 0x01
#define UART_IIR_MSI    0x00    /* modem status */
#define UART_IIR_THRI   0x02    /* THR empty */
#define UART_IIR_RDI    0x04    /* received data available */
#define UART_IIR_RLSI   0x06    /* receiver line status */
#define UART_IIR_CTI    0x0C    /* character timeout (FIFO mode) */
#define UART_IIR_FIFO   0xC0    /* FIFOs enabled */

#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLR_RX 0x02
#define UART_FCR_CLR_TX 0x04
#define UART_FCR_TRIG   0xC0    /* RCVR trigger level */

#define UART_LCR_WLS    0x03    /* word length - 5 */
#define UART_LCR_STB    0x04    /* 2 stop bits (1.5 with 5-bit words) */
#define UART_LCR_PEN    0x08    /* parity bit present */
#define UART_LCR_DLAB   0x80

#define UART_MCR_DTR    0x01
#define UART_MCR_RTS    0x02
#define UART_MCR_OUT1   0x04
#define UART_MCR_OUT2   0x08
#define UART_MCR_LOOP   0x10
#define UART_MCR_MASK   0x1F

#define UART_LSR_DR     0x01
#define UART_LSR_OE     0x02
#define UART_LSR_PE     0x04
#define UART_LSR_FE     0x08
#define UART_LSR_BI     0x10
#define UART_LSR_THRE   0x20
#define UART_LSR_TEMT   0x40
#define UART_LSR_ERRORS (UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)

#define UART_MSR_DCTS   0x01
#define UART_MSR_DDSR   0x02
#define UART_MSR_TERI   0x04
#define UART_MSR_DDCD   0x08
#define UART_MSR_CTS    0x10
#define UART_MSR_DSR    0x20
#define UART_MSR_RI     0x40
#define UART_MSR_DCD    0x80

/* ---- FIFO state ---------------------------------------------------- */

static bool uart_fifo_enabled(const struct uart16550 *u)
{
	return (u->fcr & UART_FCR_ENABLE) != 0;
}

static unsigned uart_rx_capacity(const struct uart16550 *u)
{
	/* Without FIFOs the receiver has only the 1-byte RBR. */
	return uart_fifo_enabled(u) ? UART16550_FIFO_LEN : 1;
}

/* Bytes that raise "received data available" (8.5, FCR7:6). */
static unsigned uart_rx_trigger(const struct uart16550 *u)
{
	static const uint8_t level[4] = { 1, 4, 8, 14 };

	if (!uart_fifo_enabled(u))
		return 1;
	return level[(u->fcr & UART_FCR_TRIG) >> 6];
}

/* ---- Time: the 4-character timeout (8.10) ------------------------- */

static bool uart_has_clock(const struct uart16550 *u)
{
	return u->ops != NULL && u->ops->now != NULL && u->tsc_khz != 0;
}

static uint32_t uart_divisor(const struct uart16550 *u)
{
	uint32_t d = (uint32_t)u->dlm << 8 | u->dll;

	/* 0 is not a valid divisor (8.3); take it as the slowest, 65536,
	 * rather than divide the timeout down to nothing. */
	return d ? d : 0x10000;
}

/* Length of one character in half bits (1.5 stop bits exist): start,
 * 5-8 data bits, optional parity, 1/1.5/2 stop bits (8.1, LCR0-3). */
static unsigned uart_char_half_bits(const struct uart16550 *u)
{
	unsigned data = 5 + (u->lcr & UART_LCR_WLS);
	unsigned half = 2 * (1 + data);

	if (u->lcr & UART_LCR_PEN)
		half += 2;
	if (!(u->lcr & UART_LCR_STB))
		half += 2;
	else
		half += data == 5 ? 3 : 4;
	return half;
}

/* Four character times in guest TSC ticks, rounded up:
 *   4 * (half / 2) bits * 16 * divisor / 1843200 Hz * tsc_khz * 1000
 * (a bit is 16 cycles of the baud generator's output, which divides the
 * PC's 1.8432 MHz crystal by the divisor latch; 8.3, table I)
 * = half * divisor * tsc_khz * 32000 / 1843200
 * = half * divisor * tsc_khz * 5 / 288.
 * The product fits: half <= 24, divisor <= 2^16, tsc_khz < 2^32. */
static uint64_t uart_timeout_ticks(const struct uart16550 *u)
{
	uint64_t num = (uint64_t)uart_char_half_bits(u) * uart_divisor(u) *
		       u->tsc_khz * 5u;

	return (num + 287u) / 288u;
}

static void uart_timer_set(struct uart16550 *u, uint64_t deadline)
{
	if (u->rx_deadline == deadline)
		return;
	u->rx_deadline = deadline;
	if (u->ops != NULL && u->ops->timer_arm != NULL)
		u->ops->timer_arm(u->opaque, deadline);
}

/* A character was received or read: the timeout counts again from now
 * (8.10). Once latched, only an RBR read clears it and restarts. */
static void uart_timeout_restart(struct uart16550 *u)
{
	uint64_t deadline;

	if (!uart_has_clock(u) || u->timeout_ipending)
		return;
	if (!uart_fifo_enabled(u) || u->rx_count == 0) {
		uart_timer_set(u, 0);
		return;
	}
	deadline = u->ops->now(u->opaque) + uart_timeout_ticks(u);
	uart_timer_set(u, deadline ? deadline : 1);  /* 0 means disarmed */
}

static void uart_timeout_latch(struct uart16550 *u)
{
	u->timeout_ipending = uart_fifo_enabled(u) && u->rx_count > 0;
}

/* The deadline may pass before the host's timer runs (an exit handled
 * first): a guest that looks must see the indication all the same. */
static void uart_timeout_poll(struct uart16550 *u)
{
	if (u->rx_deadline == 0 || !uart_has_clock(u))
		return;
	if (u->ops->now(u->opaque) < u->rx_deadline)
		return;
	uart_timer_set(u, 0);
	uart_timeout_latch(u);
}

/* ---- Interrupts (8.6, table IV) ------------------------------------ */

static bool uart_rx_data_avail(const struct uart16550 *u)
{
	return u->rx_count >= uart_rx_trigger(u);
}

/* Without a clock there is no "4 character times later": data below the
 * trigger level is reported as timed out at once, so a guest that waits
 * for the timeout still gets its bytes. */
static bool uart_rx_timeout(const struct uart16550 *u)
{
	if (!uart_fifo_enabled(u) || u->rx_count == 0)
		return false;
	if (u->timeout_ipending)
		return true;
	return !uart_has_clock(u) && u->rx_count < uart_rx_trigger(u);
}

/* Highest-priority pending interrupt. Table IV gives "received data" and
 * "character timeout" the same priority 2; received data is checked
 * first, so IIR says 0x04 as long as the trigger level is reached. IER0
 * enables both (8.7). */
static uint8_t uart_iir_id(const struct uart16550 *u)
{
	if ((u->ier & UART_IER_ELSI) && (u->lsr_err & UART_LSR_ERRORS))
		return UART_IIR_RLSI;
	if ((u->ier & UART_IER_ERBFI) && uart_rx_data_avail(u))
		return UART_IIR_RDI;
	if ((u->ier & UART_IER_ERBFI) && uart_rx_timeout(u))
		return UART_IIR_CTI;
	if ((u->ier & UART_IER_ETBEI) && u->thre_ipending)
		return UART_IIR_THRI;
	if ((u->ier & UART_IER_EDSSI) && u->msr_delta != 0)
		return UART_IIR_MSI;
	return UART_IIR_NO_INT;
}

bool uart16550_irq_pending(const struct uart16550 *u)
{
	return uart_iir_id(u) != UART_IIR_NO_INT;
}

bool uart16550_irq_level(const struct uart16550 *u)
{
	return u->irq_level;
}

/* Drive the ISA line: INTR through the OUT2-enabled buffer, which is off
 * in loopback (see the top of this file). */
static void uart_update_irq(struct uart16550 *u)
{
	bool level = uart16550_irq_pending(u) &&
		     (u->mcr & (UART_MCR_OUT2 | UART_MCR_LOOP)) == UART_MCR_OUT2;

	if (level == u->irq_level)
		return;
	u->irq_level = level;
	if (u->ops != NULL && u->ops->set_irq != NULL)
		u->ops->set_irq(u->opaque, u->irq, level);
}

/* ---- Receiver ------------------------------------------------------ */

static void uart_rx_clear(struct uart16550 *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
	u->timeout_ipending = false;
	uart_timer_set(u, 0);
}

static void uart_rx_push(struct uart16550 *u, uint8_t c)
{
	if (u->rx_count >= uart_rx_capacity(u)) {
		u->lsr_err |= UART_LSR_OE;
		/* Without FIFO the new character overwrites RBR; with FIFO the
		 * character in the shift register is lost (8.4, LSR1). */
		if (!uart_fifo_enabled(u))
			u->rx_fifo[u->rx_head] = c;
	} else {
		u->rx_fifo[(u->rx_head + u->rx_count) % UART16550_FIFO_LEN] = c;
		u->rx_count++;
	}
	uart_timeout_restart(u);
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

/* An RBR read clears a latched timeout and restarts the timer (8.10). */
static uint8_t uart_read_rbr(struct uart16550 *u)
{
	uint8_t c = uart_rx_pop(u);

	u->timeout_ipending = false;
	uart_timeout_restart(u);
	return c;
}

void uart16550_rx(struct uart16550 *u, uint8_t c)
{
	/* Loopback disconnects SIN (8.8, MCR4). */
	if (u->mcr & UART_MCR_LOOP)
		return;
	uart_rx_push(u, c);
	uart_update_irq(u);
}

bool uart16550_rx_ready(const struct uart16550 *u)
{
	return !(u->mcr & UART_MCR_LOOP) && u->rx_count < uart_rx_capacity(u);
}

bool uart16550_rts(const struct uart16550 *u)
{
	return (u->mcr & (UART_MCR_RTS | UART_MCR_LOOP)) == UART_MCR_RTS;
}

void uart16550_timer_expired(struct uart16550 *u)
{
	/* A late call for a deadline already moved or disarmed is stale. */
	if (u->rx_deadline == 0)
		return;
	if (uart_has_clock(u) && u->ops->now(u->opaque) < u->rx_deadline)
		return;
	u->rx_deadline = 0;     /* the host's timer has fired: no disarm */
	uart_timeout_latch(u);
	uart_update_irq(u);
}

/* ---- Modem control and status (8.8, 8.9) --------------------------- */

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
	/* TERI flags only the trailing edge of RI (8.9, MSR2). */
	if ((before & UART_MSR_RI) && !(after & UART_MSR_RI))
		u->msr_delta |= UART_MSR_TERI;
}

/* ---- Register access ---------------------------------------------- */

void uart16550_init(struct uart16550 *u, uint16_t base, unsigned irq,
		    const struct uart16550_ops *ops, void *opaque,
		    uint64_t tsc_khz)
{
	memset(u, 0, sizeof(*u));
	u->base = base;
	u->irq = irq;
	u->ops = ops;
	u->opaque = opaque;
	u->tsc_khz = tsc_khz;
	/* Divisor for 9600 baud from the 1.8432 MHz clock; the real reset
	 * value is undefined (table III), and the timeout needs one. */
	u->dll = 0x0C;
}

static void uart_write_thr(struct uart16550 *u, uint8_t c)
{
	/* The write clears the THRE interrupt (8.6)... */
	u->thre_ipending = false;
	uart_update_irq(u);
	if (u->mcr & UART_MCR_LOOP)
		uart_rx_push(u, c);     /* TX wired to RX, SOUT stays idle */
	else if (u->ops != NULL && u->ops->tx != NULL)
		u->ops->tx(u->opaque, c);
	/* ...and the byte is gone at once: THR is empty again. */
	u->thre_ipending = true;
}

static void uart_write_ier(struct uart16550 *u, uint8_t v)
{
	uint8_t old = u->ier;

	u->ier = v & UART_IER_MASK;
	/* Enabling ETBEI while THR is empty raises THRE at once (Linux's
	 * UART_BUG_THRE probe and TX start rely on this). */
	if (!(old & UART_IER_ETBEI) && (u->ier & UART_IER_ETBEI))
		u->thre_ipending = true;
}

/* FCR (8.5): bits other than FCR0 are programmed only with FCR0 = 1;
 * switching FCR0 either way empties both FIFOs. The TX FIFO is always
 * empty here, so FCR2 and the DMA mode bit have nothing to act on. */
static void uart_write_fcr(struct uart16550 *u, uint8_t v)
{
	if ((v ^ u->fcr) & UART_FCR_ENABLE)
		uart_rx_clear(u);
	if (!(v & UART_FCR_ENABLE)) {
		u->fcr = 0;
		return;
	}
	u->fcr = v & (UART_FCR_ENABLE | UART_FCR_TRIG);
	if (v & UART_FCR_CLR_RX)
		uart_rx_clear(u);
}

static uint8_t uart_read_iir(struct uart16550 *u)
{
	uint8_t id = uart_iir_id(u);

	/* Reading IIR when it reports THRE clears that source (8.6). */
	if (id == UART_IIR_THRI)
		u->thre_ipending = false;
	return id | (uart_fifo_enabled(u) ? UART_IIR_FIFO : 0);
}

bool uart16550_rx_irq_enabled(const struct uart16550 *u)
{
	return (u->ier & UART_IER_ERBFI) &&
	       (u->mcr & (UART_MCR_OUT2 | UART_MCR_LOOP)) == UART_MCR_OUT2;
}

static uint8_t uart_read_lsr(struct uart16550 *u)
{
	uint8_t lsr;

	/* A guest that polls for input asks the host to look now (not in
	 * loopback, where the serial input is disconnected). */
	if (u->rx_count == 0 && !(u->mcr & UART_MCR_LOOP) && u->ops && u->ops->rx_poll)
		u->ops->rx_poll(u->opaque);
	lsr = UART_LSR_THRE | UART_LSR_TEMT | u->lsr_err;

	if (u->rx_count > 0)
		lsr |= UART_LSR_DR;
	u->lsr_err = 0;         /* LSR1-4 clear on read (8.4) */
	return lsr;
}

static uint8_t uart_read_msr(struct uart16550 *u)
{
	uint8_t v = uart_msr_lines(u) | u->msr_delta;

	u->msr_delta = 0;       /* delta bits clear on read (8.9) */
	return v;
}

static uint8_t uart_read(struct uart16550 *u, unsigned off)
{
	bool dlab = (u->lcr & UART_LCR_DLAB) != 0;

	switch (off) {
	case UART_RBR:
		return dlab ? u->dll : uart_read_rbr(u);
	case UART_IER:
		return dlab ? u->dlm : u->ier;
	case UART_IIR:
		return uart_read_iir(u);
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		return uart_read_lsr(u);
	case UART_MSR:
		return uart_read_msr(u);
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
		/* A running timeout keeps its deadline; the next restart
		 * uses the new character length and divisor. */
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
	uart_timeout_poll(u);
	if (write)
		uart_write(u, off, (uint8_t)*val);
	else
		*val = uart_read(u, off);
	uart_update_irq(u);
	return BUS_OK;
}
