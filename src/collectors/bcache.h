/*
 * bcache: parsers for the text bcache writes in sysfs (values printed by the kernel's
 * bch_hprint, writeback_rate_debug, priority_stats), exposed for the unit tests and the
 * fuzz target. The collector is in bcache.c.
 */
#ifndef PLUMB_COLLECTOR_BCACHE_H
#define PLUMB_COLLECTOR_BCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/strparse.h"

/* Read a number the kernel printed with bch_hprint ("512", "20.4G", "1.1M") as
 * prometheus/procfs does: a last byte above '9' is a binary multiplier (k, M, G, T, P,
 * E, Z, Y; any other such byte multiplies by 0) and the rest "<int>[.<frac>]", where
 * the fraction counts 1024ths written in hundredths (".1" means 10/1024, so ".1" and
 * ".10" are the same); without a multiplier the whole is a Go float. The product is
 * made an integer with Go's conversion (lib/gofloat.h). Returns 0 or -EINVAL. */
int bcache_dehumanize(struct span s, uint64_t *out);

/* The same with an optional leading '-' (proportional, integral, change). */
int bcache_dehumanize_signed(struct span s, int64_t *out);

/* A value attribute's whole content buf[0..len): its last byte (the newline) dropped,
 * the rest as bcache_dehumanize. Returns 0, or -EINVAL (also for an empty file). */
int bcache_value_parse(const char *buf, size_t len, uint64_t *out);

/* What writeback_rate_debug says about a backing device. */
struct bcache_writeback {
	uint64_t rate, dirty, target; /* bytes (per second for rate) */
	int64_t proportional, integral, change;
	int64_t next_io; /* milliseconds */
};

/* Parse writeback_rate_debug (buf[0..len)): lines "rate: 1.1M/sec", "dirty: 20.4G",
 * "target:", "proportional:", "integral:", "change: 321.5k/sec", "next io: 17ms"; each
 * value is the line's last word. Lines not starting with one of those are ignored; a
 * value that does not parse, or a line longer than 64 KiB, fails with -EINVAL. *out is
 * zeroed first. */
int bcache_writeback_parse(const char *buf, size_t len, struct bcache_writeback *out);

/* Percentages from a cache device's priority_stats. */
struct bcache_priority {
	uint64_t unused, metadata;
};

/* Parse priority_stats (buf[0..len)): the last word of the lines starting "Unused:"
 * and "Metadata:", a decimal number with an optional '%'. Other lines are ignored.
 * Returns 0 or -EINVAL; *out is zeroed first. */
int bcache_priority_parse(const char *buf, size_t len, struct bcache_priority *out);

#endif
