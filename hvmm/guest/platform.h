/* platform.h — a guest's virtual devices: the services guest/ lends them (vdev.h) and interrupt injection. */
#ifndef HVMM_PLATFORM_H
#define HVMM_PLATFORM_H

struct guest;

/* Give g its device context and an empty port table (every guest has one; unclaimed ports read all ones). */
void platform_attach(struct guest *g);

#endif
