/*
 * conditions: NodeCondition state machine. See conditions.h.
 */
#include "health/conditions.h"

#include <stdio.h>
#include <string.h>

static const char *const cond_names[COND_COUNT] = {
	[COND_READY] = "Ready",
	[COND_MEMORY_PRESSURE] = "MemoryPressure",
	[COND_DISK_PRESSURE] = "DiskPressure",
	[COND_PID_PRESSURE] = "PIDPressure",
	[COND_KERNEL_DEADLOCK] = "KernelDeadlock",
	[COND_READONLY_FS] = "ReadonlyFilesystem",
};

const char *health_cond_name(enum health_cond c)
{
	return (unsigned)c < COND_COUNT ? cond_names[c] : "?";
}

const char *health_status_name(enum cond_status s)
{
	return s == STATUS_TRUE ? "True" : s == STATUS_FALSE ? "False" : "Unknown";
}

/* How each pressure condition is made: its signals, and the reasons and messages it
 * reports (kubelet's reasons without the "Kubelet" prefix). */
struct pressure_def {
	enum health_cond cond;
	enum evict_signal signals[4];
	int nsignals;
	const char *ok_reason, *bad_reason, *ok_message, *missing;
};

static const struct pressure_def pressures[] = {
	{ COND_MEMORY_PRESSURE, { EVICT_MEMORY_AVAILABLE }, 1, "HasSufficientMemory",
	  "HasInsufficientMemory", "node has sufficient memory available",
	  "memory figures not collected (needs the meminfo or container collector)" },
	{ COND_DISK_PRESSURE,
	  { EVICT_NODEFS_AVAILABLE, EVICT_NODEFS_INODES_FREE, EVICT_IMAGEFS_AVAILABLE,
	    EVICT_IMAGEFS_INODES_FREE },
	  4, "HasNoDiskPressure", "HasDiskPressure", "node has no disk pressure",
	  "filesystem figures not collected (needs the filesystem collector)" },
	{ COND_PID_PRESSURE, { EVICT_PID_AVAILABLE }, 1, "HasSufficientPID", "HasInsufficientPID",
	  "node has sufficient PID available",
	  "pid figures not readable (kernel/pid_max, kernel/threads-max, loadavg)" },
};

/* Set condition c to status/reason/message at now. Returns its bit when the status or
 * reason changed, else 0. */
static unsigned set_cond(struct health_condition *c, enum health_cond which,
			 enum cond_status status, const char *reason, const char *message,
			 struct health_time now)
{
	unsigned changed = 0;
	if (c->status != status || strcmp(c->reason, reason) != 0)
		changed = 1u << which;
	if (c->status != status)
		c->transition_wall_ms = now.wall_ms;
	c->status = status;
	snprintf(c->reason, sizeof(c->reason), "%s", reason);
	if (c->message != message)
		snprintf(c->message, sizeof(c->message), "%s", message);
	c->heartbeat_wall_ms = now.wall_ms;
	return changed;
}

/* Set the kernel conditions that are not True as the kernel log is read (reading) or
 * not (why). Ready is left as it is. Returns the changed mask. */
static unsigned kernel_conds(struct health_state *st, bool reading, const char *why,
			     struct health_time now)
{
	static const struct {
		enum health_cond c;
		const char *ok_reason, *ok_message;
	} kc[] = {
		{ COND_KERNEL_DEADLOCK, "KernelHasNoDeadlock", "kernel has no deadlock" },
		{ COND_READONLY_FS, "FilesystemIsNotReadOnly", "filesystem is not read-only" },
	};
	char msg[sizeof(st->c[0].message)];
	unsigned changed = 0;
	snprintf(msg, sizeof(msg), "the kernel log cannot be read: %s", why ? why : "unknown");
	for (size_t i = 0; i < sizeof(kc) / sizeof(kc[0]); i++) {
		struct health_condition *c = &st->c[kc[i].c];
		if (c->status == STATUS_TRUE)
			continue; /* a problem seen stays seen */
		if (reading)
			changed |= set_cond(c, kc[i].c, STATUS_FALSE, kc[i].ok_reason,
					    kc[i].ok_message, now);
		else
			changed |= set_cond(c, kc[i].c, STATUS_UNKNOWN, "KernelLogUnreadable", msg,
					    now);
	}
	return changed;
}

void health_state_init(struct health_state *st, const struct eviction *ev,
		       int64_t transition_ms, bool kernel_log, struct health_time now)
{
	memset(st, 0, sizeof(*st));
	st->eviction = *ev;
	st->transition_ms = transition_ms;
	st->kernel_log = kernel_log;
	for (int i = 0; i < COND_COUNT; i++)
		set_cond(&st->c[i], (enum health_cond)i, STATUS_UNKNOWN, "NotYetChecked",
			 "not checked yet", now);
	if (kernel_log) {
		kernel_conds(st, true, NULL, now);
	} else {
		for (int i = COND_KERNEL_DEADLOCK; i <= COND_READONLY_FS; i++)
			set_cond(&st->c[i], (enum health_cond)i, STATUS_UNKNOWN, "NoKernelLog",
				 "no kernel log is read (see --health.kernel-log)", now);
	}
}

/* Message for signal s being below its threshold. */
static void met_message(const struct health_state *st, const struct health_inputs *in,
			enum evict_signal s, char *out, size_t cap)
{
	char have[32], limit[32];
	const struct evict_threshold *t = &st->eviction.t[s];
	bool bytes = s == EVICT_MEMORY_AVAILABLE || s == EVICT_NODEFS_AVAILABLE ||
		     s == EVICT_IMAGEFS_AVAILABLE;
	eviction_format(in->available[s], bytes, have, sizeof(have));
	eviction_format(eviction_limit(t, in->capacity[s]), bytes, limit, sizeof(limit));
	if (t->percent)
		snprintf(out, cap, "%s is %s, below the threshold %s (%g%% of %s)",
			 eviction_signal_name(s), have, limit, t->value * 100,
			 bytes ? "capacity" : "the limit");
	else
		snprintf(out, cap, "%s is %s, below the threshold %s", eviction_signal_name(s),
			 have, limit);
}

/* Evaluate one pressure condition. Returns the changed mask. */
static unsigned eval_pressure(struct health_state *st, const struct pressure_def *d,
			      const struct health_inputs *in, struct health_time now)
{
	struct health_condition *c = &st->c[d->cond];
	char msg[sizeof(c->message)];
	bool any_threshold = false, any_data = false;
	int met = -1;
	for (int i = 0; i < d->nsignals; i++) {
		enum evict_signal s = d->signals[i];
		if (!st->eviction.t[s].set)
			continue;
		any_threshold = true;
		if (!in->have[s])
			continue;
		any_data = true;
		if (met < 0 && eviction_met(&st->eviction.t[s], in->available[s], in->capacity[s]))
			met = (int)s;
	}
	if (met >= 0) {
		c->last_met_mono_ms = now.mono_ms;
		c->met_seen = true;
		met_message(st, in, (enum evict_signal)met, msg, sizeof(msg));
		return set_cond(c, d->cond, STATUS_TRUE, d->bad_reason, msg, now);
	}
	if (c->status == STATUS_TRUE && c->met_seen &&
	    now.mono_ms - c->last_met_mono_ms < st->transition_ms) {
		/* held through the transition period; the message says so once */
		const char *note = "; no longer observed, held for the transition period";
		if (!strstr(c->message, note) && strlen(c->message) + strlen(note) < sizeof(msg)) {
			snprintf(msg, sizeof(msg), "%s%s", c->message, note);
			return set_cond(c, d->cond, STATUS_TRUE, d->bad_reason, msg, now);
		}
		return set_cond(c, d->cond, STATUS_TRUE, d->bad_reason, c->message, now);
	}
	if (!any_threshold)
		return set_cond(c, d->cond, STATUS_FALSE, d->ok_reason,
				"no eviction threshold is set for this condition", now);
	if (!any_data)
		return set_cond(c, d->cond, STATUS_UNKNOWN, "NoData", d->missing, now);
	return set_cond(c, d->cond, STATUS_FALSE, d->ok_reason, d->ok_message, now);
}

/* Recompute Ready from the other conditions. Returns the changed mask. */
static unsigned eval_ready(struct health_state *st, struct health_time now)
{
	char msg[sizeof(st->c[0].message)];
	size_t at = 0;
	bool any_true = false, any_unknown = false;
	for (int i = 0; i < COND_COUNT; i++) {
		if (i == COND_READY)
			continue;
		if (st->c[i].status == STATUS_UNKNOWN)
			any_unknown = true;
		if (st->c[i].status != STATUS_TRUE)
			continue;
		int n = snprintf(msg + at, sizeof(msg) - at, "%s%s", any_true ? ", " : "",
				 health_cond_name((enum health_cond)i));
		if (n > 0 && (size_t)n < sizeof(msg) - at)
			at += (size_t)n;
		any_true = true;
	}
	if (any_true) {
		char full[sizeof(msg) + 32];
		snprintf(full, sizeof(full), "node has problems: %s", msg);
		return set_cond(&st->c[COND_READY], COND_READY, STATUS_FALSE, "NodeHasProblems",
				full, now);
	}
	if (any_unknown)
		return set_cond(&st->c[COND_READY], COND_READY, STATUS_UNKNOWN, "NodeStatusUnknown",
				"some conditions are unknown, none is true", now);
	return set_cond(&st->c[COND_READY], COND_READY, STATUS_TRUE, "NodeIsHealthy",
			"no condition reports a problem", now);
}

unsigned health_evaluate(struct health_state *st, const struct health_inputs *in,
			 struct health_time now)
{
	unsigned changed = 0;
	for (size_t i = 0; i < sizeof(pressures) / sizeof(pressures[0]); i++)
		changed |= eval_pressure(st, &pressures[i], in, now);
	for (int i = COND_KERNEL_DEADLOCK; i <= COND_READONLY_FS; i++)
		st->c[i].heartbeat_wall_ms = now.wall_ms;
	return changed | eval_ready(st, now);
}

unsigned health_kernel_problem(struct health_state *st, enum health_cond c,
			       const char *reason, const char *message, struct health_time now)
{
	if (c != COND_KERNEL_DEADLOCK && c != COND_READONLY_FS)
		return 0;
	unsigned changed = set_cond(&st->c[c], c, STATUS_TRUE, reason, message, now);
	return changed | eval_ready(st, now);
}

unsigned health_kernel_log(struct health_state *st, bool reading, const char *why,
			   struct health_time now)
{
	return kernel_conds(st, reading, why, now) | eval_ready(st, now);
}
