/*
 * cpufreq: the per-CPU part of the cpufreq collector, exposed for tests and fuzzing.
 */
#ifndef PLUMB_COLLECTOR_CPUFREQ_H
#define PLUMB_COLLECTOR_CPUFREQ_H

#include <stdbool.h>
#include <stddef.h>

#include "expo/sink.h"
#include "lib/strparse.h"

/* The numeric attributes of cpuN/cpufreq that are reported, in kHz. */
enum cpufreq_attr {
	CPUFREQ_CUR = 0, /* cpuinfo_cur_freq */
	CPUFREQ_AVG,     /* cpuinfo_avg_freq */
	CPUFREQ_MIN,     /* cpuinfo_min_freq */
	CPUFREQ_MAX,     /* cpuinfo_max_freq */
	CPUFREQ_SCALING_CUR,
	CPUFREQ_SCALING_MIN,
	CPUFREQ_SCALING_MAX,
	CPUFREQ_NATTR
};

/* The text of one CPU's attributes as read; spans are the caller's. */
struct cpufreq_text {
	struct span attr[CPUFREQ_NATTR];
	bool have[CPUFREQ_NATTR];   /* false: missing or unreadable, so not reported */
	struct span governor;       /* scaling_governor */
	struct span available;      /* scaling_available_governors */
};

/* Add one CPU's series (labelled cpu) to out: node_cpu_frequency{,_avg,_min,_max}_hertz
 * and node_cpu_scaling_frequency{,_min,_max}_hertz for the attributes present (the
 * current frequency left out when skip_cur), and node_cpu_scaling_governor{governor}
 * for each available governor when a governor is set. Numbers must be plain decimal
 * (whitespace around them is ignored). Returns 0, -EINVAL on a malformed number
 * (nothing is added then), or a sink error. */
int cpufreq_emit(const char *cpu, const struct cpufreq_text *t, bool skip_cur,
		 struct metric_sink *out);

#endif
