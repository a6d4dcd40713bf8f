/*
 * conditions: the node's health conditions as a pure state machine.
 *
 * Conditions follow Kubernetes' NodeCondition: each has a type, a status (True, False,
 * Unknown), a machine-readable reason, a human message, the time its status last
 * changed and the time it was last checked. The pressure conditions (MemoryPressure,
 * DiskPressure, PIDPressure) come from kubelet's eviction signals compared with the
 * eviction-hard thresholds: a condition turns True as soon as one of its signals is
 * below its threshold, and back to False only when none has been for the whole
 * transition period (kubelet's --eviction-pressure-transition-period), so it does not
 * flap. The kernel conditions (KernelDeadlock, ReadonlyFilesystem) turn True when the
 * kernel log shows the problem and stay True for the life of the process, as
 * node-problem-detector's permanent conditions do (the kernel does not recover from
 * them); while the kernel log cannot be read, those not True are Unknown, since a
 * problem would go unseen. Ready summarises the others: False when any is True, else
 * Unknown when any is Unknown, else True.
 *
 * Nothing here reads a clock or a file: callers pass the inputs and the time, so tests
 * drive minutes of simulated time in microseconds. Callers serialise calls on a state.
 */
#ifndef PLUMB_HEALTH_CONDITIONS_H
#define PLUMB_HEALTH_CONDITIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "health/eviction.h"

enum health_cond {
	COND_READY = 0,
	COND_MEMORY_PRESSURE,
	COND_DISK_PRESSURE,
	COND_PID_PRESSURE,
	COND_KERNEL_DEADLOCK,
	COND_READONLY_FS,
	COND_COUNT
};

enum cond_status { STATUS_UNKNOWN = 0, STATUS_FALSE, STATUS_TRUE };

/* A moment on both clocks: monotonic for periods, wall (Unix ms) for reported times. */
struct health_time {
	int64_t mono_ms;
	int64_t wall_ms;
};

struct health_condition {
	enum cond_status status;
	char reason[48];
	char message[320];
	int64_t transition_wall_ms; /* lastTransitionTime */
	int64_t heartbeat_wall_ms;  /* lastHeartbeatTime */
	int64_t last_met_mono_ms;   /* pressure: when a threshold was last seen met */
	bool met_seen;              /* pressure: last_met_mono_ms is valid */
};

/* What one check observed: per eviction signal, whether it was measured, how much is
 * available and of what capacity (bytes, inodes or pids). */
struct health_inputs {
	bool have[EVICT_SIGNALS];
	double available[EVICT_SIGNALS];
	double capacity[EVICT_SIGNALS];
};

struct health_state {
	struct eviction eviction;
	int64_t transition_ms;      /* eviction pressure transition period */
	bool kernel_log;            /* a kernel log is being read */
	struct health_condition c[COND_COUNT];
};

/* Set st up with thresholds ev and the transition period, at time now: the pressure
 * conditions and Ready start Unknown until the first evaluation; the kernel conditions
 * start False when kernel_log (a log is read), else Unknown. */
void health_state_init(struct health_state *st, const struct eviction *ev,
		       int64_t transition_ms, bool kernel_log, struct health_time now);

/* Evaluate the pressure conditions and Ready from in at time now (which must not go
 * back in time). Returns a bit mask (1 << enum health_cond) of the conditions whose
 * status or reason changed. */
unsigned health_evaluate(struct health_state *st, const struct health_inputs *in,
			 struct health_time now);

/* Record that the kernel log showed condition c's problem (c is COND_KERNEL_DEADLOCK
 * or COND_READONLY_FS): it turns True with reason and the log line as its message, and
 * Ready follows. Returns the changed-conditions mask as health_evaluate does. */
unsigned health_kernel_problem(struct health_state *st, enum health_cond c,
			       const char *reason, const char *message, struct health_time now);

/* Record whether the kernel log is being read (reading) or not (why says why, in a few
 * words): while it is not, the kernel conditions that are not True turn Unknown with
 * reason KernelLogUnreadable; when it is again, they turn False. Ready follows.
 * Returns the changed-conditions mask as health_evaluate does. */
unsigned health_kernel_log(struct health_state *st, bool reading, const char *why,
			   struct health_time now);

/* Kubernetes' names: "MemoryPressure", and "True"/"False"/"Unknown". */
const char *health_cond_name(enum health_cond c);
const char *health_status_name(enum cond_status s);

#endif
