/*
 * eviction: kubelet's --eviction-hard thresholds, parsed and checked.
 *
 * The text is a comma-separated list of "signal<quantity" entries, as kubelet takes it:
 * memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%. A quantity is
 * either a percentage of the signal's capacity (0 < p <= 100) or an absolute amount in
 * Kubernetes quantity syntax (a decimal number with an optional suffix Ki Mi Gi Ti Pi Ei
 * or k M G T P E). Only "<" exists: kubelet evicts when a signal drops below a
 * threshold. The signals plumb knows are the ones its health conditions use:
 * memory.available (MemoryPressure), nodefs.available, nodefs.inodesFree,
 * imagefs.available, imagefs.inodesFree (DiskPressure) and pid.available (PIDPressure).
 * Nothing here allocates.
 */
#ifndef PLUMB_HEALTH_EVICTION_H
#define PLUMB_HEALTH_EVICTION_H

#include <stdbool.h>
#include <stddef.h>

enum evict_signal {
	EVICT_MEMORY_AVAILABLE = 0,
	EVICT_NODEFS_AVAILABLE,
	EVICT_NODEFS_INODES_FREE,
	EVICT_IMAGEFS_AVAILABLE,
	EVICT_IMAGEFS_INODES_FREE,
	EVICT_PID_AVAILABLE,
	EVICT_SIGNALS
};

/* plumb's default: kubelet's Linux defaults plus pid.available<10% (kubelet sets no
 * default for pids, which would leave PIDPressure never true). */
#define EVICTION_DEFAULT                                                                   \
	"memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%,"                \
	"imagefs.available<15%,imagefs.inodesFree<5%,pid.available<10%"

struct evict_threshold {
	bool set;
	bool percent;  /* value is a fraction of capacity (0 < value <= 1) */
	double value;  /* bytes or counts, or the fraction */
};

struct eviction {
	struct evict_threshold t[EVICT_SIGNALS];
};

/* Parse text into *out (zeroed first; "" sets no threshold). On error returns -EINVAL
 * and a one-line reason in err[errcap] naming the entry. */
int eviction_parse(const char *text, size_t len, struct eviction *out, char *err,
		   size_t errcap);

/* Kubelet's name of signal s ("memory.available"). */
const char *eviction_signal_name(enum evict_signal s);

/* The threshold t as an absolute amount for a signal whose capacity is capacity. */
double eviction_limit(const struct evict_threshold *t, double capacity);

/* Whether t is met: available is below its limit. An unset threshold is never met. */
bool eviction_met(const struct evict_threshold *t, double available, double capacity);

/* Format an amount for a message: bytes as "100Mi" style binary units (bytes true),
 * counts as a plain integer. Writes at most cap bytes, NUL-terminated. */
void eviction_format(double v, bool bytes, char *out, size_t cap);

#endif
