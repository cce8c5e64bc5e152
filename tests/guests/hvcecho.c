/* SPDX-License-Identifier: MIT */
/*
 * hvcecho (test guest, platform=pc hvc=on, docs/guest-abi.md "virtio devices"): a native driver of the virtio console
 * at 00:02.0 (VIRTIO 1.2 §5.3) that polls its receiveq — eight buffers of 4 bytes, so a typed line spans chains —
 * and answers each line typed into it (hvmm's console input while it has the focus) through its transmitq:
 * "hvcecho: got '<line>'" (bytes outside 20h-7Eh as \xNN); "quit" ends it with "hvcecho: bye". Its first line through
 * the transmitq is "hvcecho: ready".
 */
#include <string.h>

#include "hvmm.h"


#define DEVFN (2 << 3)
#define VIO_QS 8
#define RXLEN 4

#include "vio_guest.h"

static struct vio_queue rxq, txq;
static uint8_t rxbuf[VIO_QS][RXLEN];
static char out[256];

/* One line through the transmitq (served during the notification's exit). */
static void say(const char *s)
{
	txq.d[0] = (struct vio_desc){ (uint64_t)(uintptr_t)s, (uint32_t)strlen(s), 0, 0 };
	vio_offer(&txq, 1, 0);
}

int guest_main(const struct hvmm_bootinfo *bi)
{
	(void)bi;
	uint32_t id = vio_find(DEVFN);
	if (id != 0x10431af4) {
		gprintf("hvcecho: 00:02.0 is %08x, not virtio-console\n", id);
		return 1;
	}
	VR8(0x14) = 0;
	VR8(0x14) = 1 | 2;
	VR32(0x08) = 1;
	VR32(0x0c) = 1; /* VIRTIO_F_VERSION_1 */
	VR8(0x14) = 1 | 2 | 8;
	vio_queue_setup(0, &rxq);
	vio_queue_setup(1, &txq);
	VR8(0x14) = 1 | 2 | 8 | 4;
	for (unsigned i = 0; i < VIO_QS; i++) {
		rxq.d[i] = (struct vio_desc){ (uint64_t)(uintptr_t)rxbuf[i], RXLEN, VIO_F_WRITE, 0 };
		rxq.avail.ring[i] = (uint16_t)i;
	}
	vio_barrier();
	rxq.avail.idx = VIO_QS;
	vio_notify(0);
	say("hvcecho: ready\n");
	char line[64];
	unsigned n = 0;
	for (uint16_t seen = 0;; seen++) {
		while (rxq.used.idx == seen) {
			hc_yield();
			vio_barrier();
		}
		unsigned b = rxq.used.ring[seen % VIO_QS].id, len = rxq.used.ring[seen % VIO_QS].len;
		for (unsigned i = 0; i < len && i < RXLEN; i++) {
			uint8_t ch = rxbuf[b][i];
			if (ch != '\r' && ch != '\n') {
				if (n < sizeof(line) - 1)
					line[n++] = (char)ch;
				continue;
			}
			line[n] = 0;
			n = 0;
			if (!strcmp(line, "quit")) {
				say("hvcecho: bye\n");
				return 0;
			}
			unsigned k = 0;
			for (const char *p = "hvcecho: got '"; *p; p++)
				out[k++] = *p;
			for (unsigned j = 0; line[j] && k < sizeof(out) - 8; j++) {
				uint8_t c = (uint8_t)line[j];
				if (c >= 0x20 && c < 0x7f) {
					out[k++] = (char)c;
				} else {
					static const char hex[] = "0123456789abcdef";
					out[k++] = '\\', out[k++] = 'x', out[k++] = hex[c >> 4], out[k++] = hex[c & 15];
				}
			}
			out[k++] = '\'', out[k++] = '\n', out[k] = 0;
			say(out);
		}
		vio_offer(&rxq, 0, (uint16_t)b);
	}
}
