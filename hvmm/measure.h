/* measure.h — world-switch lag and exit statistics (design.md §6), kept per CPU and printed in the summary. */
#ifndef HVMM_MEASURE_H
#define HVMM_MEASURE_H
#include <stdint.h>

#include "stats.h"

struct cpu_measure {
	struct stats lag; /* guest A #VMEXIT -> guest B VMRUN, A != B (TSC cycles) */
	struct stats reentry; /* same guest #VMEXIT -> VMRUN (TSC cycles) */
	uint64_t switches; /* guest-to-guest switches */
	uint64_t exits; /* all #VMEXITs */
	uint64_t last_exit_tsc; /* TSC of the latest #VMEXIT on this CPU */
};

struct cpu;
struct guest;

void measure_init(struct cpu_measure *m);
/* Account one VMRUN of g on c that followed c's previous #VMEXIT (stamps in the guests' gpregs). */
void measure_entry(struct cpu *c, struct guest *g);
/* Print the summary lines of docs/serial-log.md for c and every guest. */
void measure_report(struct cpu *c);

#endif
