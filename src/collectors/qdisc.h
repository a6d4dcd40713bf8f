/*
 * qdisc: the parsers of the qdisc collector, exposed for tests and the fuzz target: one
 * RTM_NEWQDISC message, node_exporter's JSON fixture, and the emission of one queueing
 * discipline's series.
 */
#ifndef PLUMB_COLLECTOR_QDISC_H
#define PLUMB_COLLECTOR_QDISC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"
#include "lib/regex.h"

#define QDISC_NAME_MAX 256 /* an interface name from a fixture, with its NUL */
#define QDISC_KIND_MAX 64  /* TCA_KIND (IFNAMSIZ in the kernel), with its NUL */

/* One queueing discipline, as github.com/ema/qdisc's QdiscInfo has it. */
struct qdisc_info {
	uint32_t ifindex;   /* from netlink; 0 from a fixture */
	uint32_t handle;
	uint32_t parent;    /* 0 for a root qdisc (the kernel's TC_H_ROOT is read as 0) */
	char iface[QDISC_NAME_MAX]; /* from a fixture; netlink gives only ifindex */
	char kind[QDISC_KIND_MAX];
	uint64_t bytes;
	uint32_t packets, drops, requeues, overlimits, qlen, backlog;
};

/* Parse one RTM_NEWQDISC message's payload (struct tcmsg, then attributes) into *q
 * (zeroed first): TCA_KIND, and the counters of TCA_STATS2 (its TCA_STATS_BASIC and
 * TCA_STATS_QUEUE) and of the older TCA_STATS, the later attribute winning for the
 * counters both carry, as ema/qdisc reads them. Returns 0 or -EINVAL (short message,
 * attribute or counter block). */
int qdisc_parse_msg(const unsigned char *p, size_t len, struct qdisc_info *q);

/* Called for each entry of a fixture. Returns 0 or -errno to stop. */
typedef int (*qdisc_fn)(void *ctx, const struct qdisc_info *q);

/* Parse node_exporter's qdisc fixture (results.json: a JSON array of QdiscInfo objects,
 * or null), calling fn for each entry as Go's encoding/json would fill it: member names
 * matched without regard to case, unknown members and nulls skipped, a value of the
 * wrong type or out of its field's range an error. Returns 0, -EINVAL, or fn's error. */
int qdisc_parse_json(const char *buf, size_t len, qdisc_fn fn, void *ctx);

/* Emit q's seven series under device name dev when it is a root qdisc (parent 0) and f
 * (may be NULL) lets dev pass. Returns 0 or -errno from the sink. */
int qdisc_emit(const struct qdisc_info *q, const char *dev, const struct filter *f,
	       struct metric_sink *out);

#endif
