/* SPDX-License-Identifier: MIT */
/* conkeys.c — recognise Ctrl-A three times in a row in hvmm's console input (conkeys.h). */
#include "conkeys.h"

int conkeys_feed(struct conkeys *k, uint8_t ch, uint8_t out[CONKEYS_REPEAT])
{
	if (ch == CONKEYS_ESCAPE) {
		if (++k->held < CONKEYS_REPEAT)
			return 0;
		k->held = 0;
		return CONKEYS_SWITCH;
	}
	int n = 0;
	while (k->held) {
		k->held--;
		out[n++] = CONKEYS_ESCAPE;
	}
	out[n++] = ch;
	return n;
}
