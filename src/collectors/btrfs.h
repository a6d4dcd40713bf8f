/*
 * btrfs: the parts of the btrfs collector that turn text and ioctl answers into values,
 * exposed for the unit tests and the fuzz target. The collector is in btrfs.c.
 */
#ifndef PLUMB_COLLECTOR_BTRFS_H
#define PLUMB_COLLECTOR_BTRFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"
#include "lib/btrfsdev.h"
#include "lib/strparse.h"

/* A sysfs value as procfs's btrfs reader takes it: a decimal number after trimming, and
 * 0 for anything else (it ignores the parse error). */
uint64_t btrfs_value(struct span text);

/* The commit counters of commit_stats (kernel 6.0 and later). */
struct btrfs_commit {
	uint64_t commits, last_ms, max_ms, total_ms;
};

/* Parse commit_stats (buf[0..len)): lines of exactly two words "<name> <decimal>";
 * names other than commits, last_commit_ms, max_commit_ms and total_commit_ms are
 * ignored. A line of any other shape (a blank one too), a bad number, or a line of
 * 64 KiB or more fails with -EINVAL. *out is zeroed first. */
int btrfs_commit_parse(const char *buf, size_t len, struct btrfs_commit *out);

/* How many bytes of disk one byte of data takes under block group profile `mode`, for
 * a filesystem of ndev devices (node_exporter's allocation_ratio): single and raid0 1,
 * dup, raid1 and raid10 2, raid1c3 3, raid1c4 4, raid5 ndev/(ndev-1), raid6
 * ndev/(ndev-2), anything else 0. */
double btrfs_ratio(struct span mode, uint64_t ndev);

/* One entry of a listed directory (a device, a block group profile) and the values read
 * beneath it, for btrfs_settle. */
struct btrfs_ent {
	uint32_t name_off, name_len; /* in the caller's names */
	uint64_t v[2];
	int fail; /* 0, or 1 + the index of the value whose read failed */
	int err;  /* that failure, -errno */
};

/* procfs reads a listing in name order and, once one read has failed, gives 0 for every
 * later value. Given ents[0..n) read in any order (names in names), zero what procfs
 * would have zeroed: everything when *err is set already (an earlier failure), else
 * everything after the first failure in name order. Sets *err to that failure. */
void btrfs_settle(struct btrfs_ent *ents, size_t n, const char *names, int *err);

/* Whether sysfs uuid text (8-4-4-4-12 hex digits) and an ioctl fsid name the same
 * filesystem, as node_exporter matches them: the text without its '-' against the fsid
 * in lowercase hex. */
bool btrfs_fsid_matches(struct span uuid, const uint8_t fsid[16]);

/* Emit the ioctl view of filesystem f of survey s, labelled uuid:
 * node_btrfs_device_size_bytes, node_btrfs_device_unused_bytes and
 * node_btrfs_device_errors_total{type} per device, with labels device (the last part of
 * the device path) and btrfs_dev_uuid. Returns 0 or -errno from the sink. */
int btrfs_emit_ioctl(const struct btrfsdev_survey *s, const struct btrfsdev_fs *f,
		     const char *uuid, struct metric_sink *out);

#endif
