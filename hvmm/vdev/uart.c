/* SPDX-License-Identifier: MIT */
/*
 * uart.c — a virtual 16550A (TI 16550A datasheet SLLS177): RBR/THR, IER, IIR/FCR with the 16-byte FIFOs, LCR (DLAB),
 * MCR (loopback), LSR, MSR, SCR, DLL/DLM. Transmission is instantaneous: a byte written to THR goes to the guest's
 * line console ("[<name>] ..." lines) and THR and the shift register are empty again at once, so LSR.THRE and TEMT
 * read as 1 and a THRE interrupt follows every write while IER enables it. In loopback mode (MCR bit 4) the byte goes
 * to the receive FIFO instead, and MSR reflects MCR's outputs. Interrupts (IIR priority: line status, received
 * data, THR empty, modem status) reach the interrupt line only while MCR.OUT2 is set and loopback is off: on a PC,
 * OUT2 gates the UART's interrupt onto the bus. Outside loopback the receiver gets hvmm's console input while the
 * guest has the input focus (guest/input.c): queued by uart_input_put, taken into the receive FIFO as it has room.
 */
#include "hvmm/vdev/uart.h"

#include "hvmm/core/pcregs.h"

#define IER_RDA 0x01
#define IER_THRE 0x02
#define IER_RLS 0x04
#define IER_MS 0x08
#define IIR_NONE 0x01
#define IIR_MS 0x00
#define IIR_THRE 0x02
#define IIR_RDA 0x04
#define IIR_RLS 0x06
#define IIR_TIMEOUT 0x0c
#define IIR_FIFO 0xc0
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define LCR_DLAB 0x80
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define LSR_OE 0x02
#define LSR_TEMT 0x40
#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80
#define MSR_IDLE (MSR_DCD | MSR_DSR | MSR_CTS) /* a terminal attached: carrier, data set ready, clear to send */

static const uint8_t trigger_levels[4] = { 1, 4, 8, 14 };

/* The pending interrupt with the highest priority (UART_IIR bits 3:0). */
static uint8_t iir(const struct vdev_uart *u)
{
	if ((u->ier & IER_RLS) && (u->lsr & LSR_OE))
		return IIR_RLS;
	if ((u->ier & IER_RDA) && u->rx_len) {
		if (!(u->fcr & FCR_ENABLE) || u->rx_len >= trigger_levels[u->fcr >> 6])
			return IIR_RDA;
		return IIR_TIMEOUT; /* fewer bytes than the trigger level: the character timeout (taken as expired) */
	}
	if ((u->ier & IER_THRE) && u->thre_pending)
		return IIR_THRE;
	if ((u->ier & IER_MS) && (u->msr & (MSR_DCTS | MSR_DDSR | MSR_TERI | MSR_DDCD)))
		return IIR_MS;
	return IIR_NONE;
}

static void update_irq(struct vdev_uart *u, struct vdev_ctx *ctx)
{
	uint8_t level = iir(u) != IIR_NONE && (u->mcr & (MCR_OUT2 | MCR_LOOP)) == MCR_OUT2;
	if (level != u->line) {
		u->line = level;
		vdev_irq_set(ctx, u->irq, level);
	}
}

/* UART_MSR's status bits in loopback mode come from UART_MCR; record which ones changed in the delta bits. */
static void set_msr(struct vdev_uart *u, uint8_t status)
{
	uint8_t old = u->msr;
	uint8_t delta = (uint8_t)((old ^ status) & (MSR_CTS | MSR_DSR | MSR_DCD));
	u->msr = (uint8_t)((old & 0x0f) | status);
	u->msr |= (delta & MSR_CTS ? MSR_DCTS : 0) | (delta & MSR_DSR ? MSR_DDSR : 0) |
		  (delta & MSR_DCD ? MSR_DDCD : 0) | ((old & MSR_RI) && !(status & MSR_RI) ? MSR_TERI : 0);
}

static void loopback_msr(struct vdev_uart *u)
{
	uint8_t m = u->mcr;
	if (m & MCR_LOOP)
		set_msr(u, (uint8_t)((m & MCR_RTS ? MSR_CTS : 0) | (m & MCR_DTR ? MSR_DSR : 0) |
				     (m & MCR_OUT1 ? MSR_RI : 0) | (m & MCR_OUT2 ? MSR_DCD : 0)));
	else
		set_msr(u, MSR_IDLE);
}

static void receive(struct vdev_uart *u, uint8_t ch)
{
	unsigned cap = (u->fcr & FCR_ENABLE) ? UART_FIFO : 1;
	if (u->rx_len == cap) {
		u->lsr |= LSR_OE; /* overrun: the new byte is lost */
		return;
	}
	u->rx[(u->rx_head + u->rx_len++) % UART_FIFO] = ch;
}

int uart_input_put(struct vdev_uart *u, uint8_t ch) { return inq_put(&u->in, ch); }

/* Queued console input into the receive FIFO while it has room (none in loopback mode). Returns nonzero when it took
 * a byte. */
static __attribute__((noinline)) int fill_from_queue(struct vdev_uart *u)
{
	if (u->mcr & MCR_LOOP)
		return 0;
	int took = 0;
	unsigned cap = (u->fcr & FCR_ENABLE) ? UART_FIFO : 1;
	for (int ch; u->rx_len < cap && (ch = inq_get(&u->in)) >= 0; took = 1)
		receive(u, (uint8_t)ch);
	return took;
}

/* fill_from_queue when something was typed: the common case, nothing, is one load and compare at every port access. */
static inline int fill(struct vdev_uart *u)
{
	return __builtin_expect(inq_waiting(&u->in), 0) ? fill_from_queue(u) : 0;
}

int uart_rx_irq_enabled(const struct vdev_uart *u)
{
	return (u->ier & IER_RDA) && (u->mcr & (MCR_OUT2 | MCR_LOOP)) == MCR_OUT2;
}

void uart_input_pull(struct vdev_uart *u, struct vdev_ctx *ctx)
{
	fill(u);
	update_irq(u, ctx);
}

static uint8_t uart_read(struct vdev_uart *u, unsigned reg)
{
	uint8_t v;
	switch (reg) {
	case UART_RBR:
		if (u->lcr & LCR_DLAB)
			return u->dll;
		if (!u->rx_len)
			return 0;
		v = u->rx[u->rx_head];
		u->rx_head = (uint8_t)((u->rx_head + 1) % UART_FIFO);
		u->rx_len--;
		return v;
	case UART_IER:
		return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case UART_IIR:
		v = iir(u);
		if (v == IIR_THRE)
			u->thre_pending = 0; /* reading UART_IIR while it reports THRE clears that interrupt */
		return (uint8_t)(v | ((u->fcr & FCR_ENABLE) ? IIR_FIFO : 0));
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		v = (uint8_t)(u->lsr | UART_LSR_THRE | LSR_TEMT | (u->rx_len ? UART_LSR_DR : 0));
		u->lsr &= ~LSR_OE; /* error bits clear on read */
		return v;
	case UART_MSR:
		v = u->msr;
		u->msr &= 0xf0; /* delta bits clear on read */
		return v;
	default:
		return u->scr;
	}
}

static void uart_write(struct vdev_uart *u, struct vdev_ctx *ctx, unsigned reg, uint8_t v)
{
	switch (reg) {
	case UART_RBR:
		if (u->lcr & LCR_DLAB) {
			u->dll = v;
			return;
		}
		if (u->mcr & MCR_LOOP)
			receive(u, v);
		else
			ctx->host->putc(ctx->guest, (char)v);
		/* THR empties at once: its interrupt falls with the write and rises again (a new edge). */
		u->thre_pending = 0;
		update_irq(u, ctx);
		u->thre_pending = 1;
		return;
	case UART_IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = v;
			return;
		}
		if ((v & IER_THRE) && !(u->ier & IER_THRE))
			u->thre_pending = 1; /* enabling it with THR empty raises it */
		u->ier = v & 0x0f;
		return;
	case UART_IIR: /* FCR */
		if ((v ^ u->fcr) & FCR_ENABLE || (v & FCR_CLEAR_RX))
			u->rx_len = u->rx_head = 0; /* changing the FIFO mode clears the FIFOs */
		u->fcr = v & (FCR_ENABLE | 0xc0);
		return;
	case UART_LCR:
		u->lcr = v;
		return;
	case UART_MCR:
		u->mcr = v & 0x1f;
		loopback_msr(u);
		return;
	case UART_LSR: /* read-only (factory test) */
	case UART_MSR:
		return;
	default:
		u->scr = v;
		return;
	}
}

static void uart_port(struct vdev_ctx *ctx, void *dev, enum vdev_dir dir, uint16_t port, unsigned size,
		      uint32_t *value)
{
	(void)size;
	struct vdev_uart *u = dev;
	unsigned reg = (unsigned)(port - u->base);
	if (dir == VDEV_IN) {
		int changed = fill(u);
		*value = uart_read(u, reg);
		changed |= fill(u); /* an RBR read made room */
		/* The line follows the state after every access (update_irq), so a read that changed nothing leaves it
		 * as it is: only RBR (the FIFO), IIR (THRE), LSR (overrun) and MSR (deltas) reads change state. */
		if (!changed && reg != UART_RBR && reg != UART_IIR && reg != UART_LSR && reg != UART_MSR)
			return;
	} else {
		uart_write(u, ctx, reg, (uint8_t)*value);
	}
	update_irq(u, ctx);
}

int uart_init(struct vdev_uart *u, struct vdev_bus *bus, uint16_t base, uint8_t irq)
{
	*u = (struct vdev_uart){ .base = base, .irq = irq, .dll = 1, .msr = MSR_IDLE, .thre_pending = 0 };
	return vdev_port_register(bus, base, 8, 0, uart_port, u);
}
