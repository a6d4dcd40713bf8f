/*
 * bcachefs: parsers for the files a mounted bcachefs filesystem has under
 * /sys/fs/bcachefs/<uuid>/, exposed for the unit tests and the fuzz target. The
 * collector is in bcachefs.c.
 *
 * Each parser follows prometheus/procfs's rules, including what fails the collection,
 * and reports every key once: where a file names a key twice, the last line wins, as in
 * procfs's maps. The ones that emit may have emitted some series when they fail; the
 * core drops a failed collection's series.
 */
#ifndef PLUMB_COLLECTOR_BCACHEFS_H
#define PLUMB_COLLECTOR_BCACHEFS_H

#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"
#include "lib/strparse.h"

/* A size as bcachefs prints it ("2.05G", "100k", "512"): trimmed, then an optional last
 * k/m/g/t/p/e (either case, powers of 1024) after a Go float, made an integer with Go's
 * conversion (lib/gofloat.h). Returns 0 or -EINVAL (also for empty text). */
int bcachefs_human_bytes(struct span s, uint64_t *out);

/* compression_stats: a header line, then "<algorithm>[:] <compressed> <uncompressed>
 * [<average extent>]" (sizes as bcachefs_human_bytes; lines of fewer than three words
 * skipped). Emits node_bcachefs_compression_{compressed,uncompressed}_bytes
 * {uuid,algorithm}. Returns 0, -EINVAL, or -errno from the sink. */
int bcachefs_compression_parse(const char *buf, size_t len, const char *uuid,
			       struct metric_sink *out);

/* errors: "<type> <count> [<time>]" (decimal; lines of fewer than two words skipped).
 * Emits node_bcachefs_errors_total{uuid,error_type}. Returns 0, -EINVAL or -errno. */
int bcachefs_errors_parse(const char *buf, size_t len, const char *uuid,
			  struct metric_sink *out);

/* One file of counters/: lines "since mount: <n>" and "since filesystem creation: <n>"
 * (sizes as bcachefs_human_bytes). *since_creation gets the second (0 without it).
 * Returns 0, or -EINVAL for a bad value or a file with neither line. */
int bcachefs_counter_parse(const char *buf, size_t len, uint64_t *since_creation);

/* The family name of counter file `name`: "node_bcachefs_<name>_total", each run of
 * bytes outside [0-9A-Za-z_] with the underscores around it made one '_' (as
 * node_exporter's SanitizeMetricName). Writes out[cap]; returns 0 or -ENAMETOOLONG. */
int bcachefs_counter_name(const char *name, char *out, size_t cap);

/* btree_write_stats: a header line, then "<type>[:] <count> <size>" (lines of fewer
 * than three words skipped). Emits node_bcachefs_btree_writes_total and
 * node_bcachefs_btree_write_average_size_bytes {uuid,type}. Returns 0, -EINVAL or
 * -errno. */
int bcachefs_btree_writes_parse(const char *buf, size_t len, const char *uuid,
				struct metric_sink *out);

/* A device's io_done: "read:" and "write:" lines open a section of "<data type> :
 * <bytes>" lines (decimal; lines before the first section or without ':' skipped).
 * Emits node_bcachefs_device_io_done_bytes_total{uuid,device,operation,data_type}.
 * Returns 0, -EINVAL or -errno. */
int bcachefs_io_done_parse(const char *buf, size_t len, const char *uuid, const char *device,
			   struct metric_sink *out);

/* A device's io_errors: the "<type>: <count>" lines of its "IO errors since filesystem
 * creation" section (it ends at the next "IO errors since ..." line). Emits
 * node_bcachefs_device_io_errors_total{uuid,device,type}. Returns 0, -EINVAL or -errno. */
int bcachefs_io_errors_parse(const char *buf, size_t len, const char *uuid,
			     const char *device, struct metric_sink *out);

#endif
