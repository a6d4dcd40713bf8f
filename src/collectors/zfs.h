/*
 * zfs: parsers for the OpenZFS kstat files under /proc/spl/kstat/zfs, exposed for the
 * unit tests and the fuzz target. The collector is in zfs.c.
 */
#ifndef PLUMB_COLLECTOR_ZFS_H
#define PLUMB_COLLECTOR_ZFS_H

#include <stddef.h>

#include "expo/sink.h"

/* Parse a named kstat file (arcstats, zil...: a header line "name type data", then
 * "<name> <type> <value>" lines; buf[0..len), need not be NUL-terminated) and emit one
 * untyped series node_<subsystem>_<name> per 64-bit integer statistic (subsystem such
 * as "zfs_arc"; file names it in the help text). Returns 0, -EINVAL for a file without
 * the header or an integer that does not parse, or -errno from the sink. */
int zfs_kstat_parse(const char *buf, size_t len, const char *file, const char *subsystem,
		    struct metric_sink *out);

/* Parse a pool's io kstat (a header line starting "nread", then a line of as many
 * values) and emit node_zfs_zpool_<field>{zpool="<pool>"} for each field. Returns 0,
 * -EINVAL for a value line shorter than the header or a value that does not parse, or
 * -errno from the sink. */
int zfs_pool_io_parse(const char *buf, size_t len, const char *pool, struct metric_sink *out);

/* Parse a pool's objset-<id> kstat (one dataset) and emit
 * node_zfs_zpool_dataset_<name>{zpool,dataset} per unsigned statistic. Returns 0, -EINVAL
 * for a file without the header or a value that does not parse, or -errno from the
 * sink. */
int zfs_objset_parse(const char *buf, size_t len, const char *pool, struct metric_sink *out);

/* Parse a pool's state file ("ONLINE") and emit node_zfs_zpool_state{zpool,state}: 1 for
 * the state named on the first line (any case), 0 for the six others. Returns 0 or
 * -errno from the sink. */
int zfs_pool_state_parse(const char *buf, size_t len, const char *pool,
			 struct metric_sink *out);

#endif
