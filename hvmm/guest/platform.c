/*
 * platform.c — the guest side of a guest's virtual devices (hvmm/vdev/): the services a device may use (guest
 * memory, the guest's line console, stopping the guest), lent through struct vdev_host so vdev/ never includes guest/.
 */
#include "hvmm/guest/platform.h"

#include "hvmm/core/console.h"
#include "hvmm/guest/guest.h"
#include "hvmm/guest/guest_console.h"
#include "hvmm/x86/tsc.h"

static void *host_mem(void *guest, uint64_t gpa, uint64_t len) { return guest_ptr(guest, gpa, len); }

static void host_putc(void *guest, char ch) { guest_console_putc(guest, ch); }

static void host_stop(void *guest, int64_t status)
{
	struct guest *g = guest;
	guest_console_flush(g);
	g->state = GUEST_EXITED;
	g->exit_status = status;
	hlog("guest %s exited status=%ld", g->name, g->exit_status);
}

static const struct vdev_host host_ops = {
	.mem = host_mem,
	.putc = host_putc,
	.stop = host_stop,
};

void platform_attach(struct guest *g)
{
	g->vctx = (struct vdev_ctx){ .host = &host_ops, .guest = g, .pc = NULL, .tsc_khz = tsc_khz };
}
