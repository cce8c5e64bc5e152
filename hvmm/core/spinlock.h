/* SPDX-License-Identifier: MIT */
/*
 * spinlock.h — a ticket lock for state shared between CPUs (page allocator, console): FIFO-fair, one `lock xadd` to
 * take a ticket, then PAUSE until the owner counter reaches it (AMD APM Vol. 3, PAUSE and LOCK prefix).
 *
 * A holder must not take another lock of a higher rank (docs/hardware.md, "Locks"): the console lock is innermost.
 * Interrupts are left as they are: no interrupt handler of hvmm takes a lock (a panic takes the console over instead,
 * core/panic.c).
 */
#ifndef HVMM_SPINLOCK_H
#define HVMM_SPINLOCK_H
#include <stdint.h>

struct ticket_lock {
	volatile uint32_t next; /* the next ticket to hand out */
	volatile uint32_t owner; /* the ticket that holds the lock */
};

#define TICKET_LOCK_INIT { 0, 0 }

static inline void ticket_lock(struct ticket_lock *l)
{
	uint32_t t = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED); /* lock xadd */
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != t)
		__asm__ volatile("pause");
}

static inline void ticket_unlock(struct ticket_lock *l)
{
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

/* Make the lock free whoever holds it: only for a panic, after every other CPU was stopped. */
static inline void ticket_lock_break(struct ticket_lock *l)
{
	__atomic_store_n(&l->owner, l->next, __ATOMIC_RELEASE);
}

#endif
