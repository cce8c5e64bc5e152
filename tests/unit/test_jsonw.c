/* SPDX-License-Identifier: MIT */
/* Host unit tests of lib/jsonw.c: the JSON objects of hvmm's log=json, escaping and overflow. */
#define UNIT_MODULE "jsonw"
#include <stdint.h>
#include <string.h>

#include "jsonw.h"
#include "unit.h"

int main(void)
{
	char buf[256];
	struct jsonw w;

	jsonw_begin(&w, buf, sizeof(buf));
	CHECK(jsonw_end(&w) == 2 && !strcmp(buf, "{}"), "an empty object");

	jsonw_begin(&w, buf, sizeof(buf));
	jsonw_str(&w, "type", "guest");
	jsonw_u64(&w, "exits", 18446744073709551615ull);
	jsonw_i64(&w, "exit", -3);
	size_t n = jsonw_end(&w);
	CHECK(n == strlen(buf) && !strcmp(buf, "{\"type\":\"guest\",\"exits\":18446744073709551615,\"exit\":-3}"),
	      "members separated by commas, numbers in full: %s", buf);

	jsonw_begin(&w, buf, sizeof(buf));
	jsonw_str(&w, "s", "a\"b\\c\n\t\x01\x7f\xc3\xa9");
	jsonw_end(&w);
	CHECK(!strcmp(buf, "{\"s\":\"a\\\"b\\\\c\\u000a\\u0009\\u0001\\u007f\\u00c3\\u00a9\"}"),
	      "quote and backslash escaped, control and non-ASCII bytes as \\u00XX: %s", buf);
	int ascii = 1;
	for (const char *p = buf; *p; p++)
		ascii &= *p >= 0x20 && *p < 0x7f;
	CHECK(ascii, "the object is printable ASCII: one line");

	jsonw_begin(&w, buf, 12);
	jsonw_str(&w, "k", "value");
	CHECK(jsonw_end(&w) == 0 && buf[0] == 0, "an object that does not fit: 0 and an empty buffer");
	jsonw_begin(&w, buf, 14);
	jsonw_str(&w, "k", "value");
	CHECK(jsonw_end(&w) == 13 && !strcmp(buf, "{\"k\":\"value\"}"), "one that just fits (13 bytes and the NUL)");
	char canary[8] = "xxxxxxx";
	jsonw_begin(&w, canary, 4);
	jsonw_str(&w, "long", "long");
	jsonw_end(&w);
	CHECK(canary[4] == 'x' && canary[0] == 0, "nothing written past the buffer");
	return unit_done();
}
