/* SPDX-License-Identifier: MIT */
/*
 * conkeys.h — the key sequence of hvmm's console input (docs/running.md "Console input"): Ctrl-A (byte 01h) typed
 * three times in a row moves the input focus; every other byte goes to whoever has the focus. One or two Ctrl-A
 * followed by another byte are not lost: they go to the focus just before that byte.
 */
#ifndef HVMM_LIB_CONKEYS_H
#define HVMM_LIB_CONKEYS_H
#include <stdint.h>

#define CONKEYS_ESCAPE 0x01 /* Ctrl-A */
#define CONKEYS_REPEAT 3 /* Ctrl-A this many times in a row: the focus moves */
#define CONKEYS_SWITCH (-1) /* conkeys_feed: the sequence is complete */

struct conkeys {
	uint8_t held; /* Ctrl-A bytes received in a row and not yet passed on (0 .. CONKEYS_REPEAT - 1) */
};

/* Take one received byte. Returns CONKEYS_SWITCH when it completes the sequence (the held Ctrl-A bytes are used up),
 * else the number of bytes (0 .. CONKEYS_REPEAT) stored in out, to pass on in order. */
int conkeys_feed(struct conkeys *k, uint8_t ch, uint8_t out[CONKEYS_REPEAT]);

#endif
