/* SPDX-License-Identifier: MIT */
/* create.h — guests from boot modules: create one, or attach a for= module to one (create.c). */
#ifndef HVMM_CREATE_H
#define HVMM_CREATE_H
#include <stdint.h>

struct guest;

/* Create a guest from boot module number index (image[0..len), its command line, cut short if cmdline_truncated).
 * Its name is name= or "guest<index>". On failure print "hvmm: guest <name> rejected: <reason>", free what was
 * allocated and return NULL. */
struct guest *guest_create(const void *image, uint64_t len, const char *cmdline, int cmdline_truncated,
			   unsigned index);

/* Does the module command line name a guest with for=<name> (a module of that guest, not a guest itself)? */
int guest_is_module(const char *cmdline);
/* Attach boot module number index (data[0..len), command line cmdline with for=<name>) to the guest it names, as
 * that guest's module with cmdline minus the for= word. Prints "hvmm: module <index> attached to guest <name>: ..."
 * or "hvmm: module <index> for guest <name> rejected: <reason>". Returns 0, or -1 if rejected. */
int guest_attach_module(const void *data, uint64_t len, const char *cmdline, unsigned index);

#endif
