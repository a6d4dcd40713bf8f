/*
 * btrfsdev: the devices of mounted btrfs filesystems and their error counters, asked of
 * the kernel by ioctl, the way node_exporter's btrfs collector asks (through
 * github.com/dennwc/btrfs).
 *
 * A survey walks a list of btrfs mounts in mount-table order. It opens each mount point
 * (it must be a subvolume root: a directory with inode 256 on a btrfs filesystem), asks
 * BTRFS_IOC_FS_INFO for the filesystem id and device count, then BTRFS_IOC_DEV_INFO and
 * BTRFS_IOC_GET_DEV_STATS for every device id up to the highest (ids without a device
 * are skipped). A filesystem already surveyed through another mount, or a mount whose
 * source device was already surveyed, is skipped; a mount that fails is skipped too and
 * leaves its filesystem to a later mount. None of these ioctls needs a capability.
 *
 * The calls may block in the kernel (opening a path beneath a dead mount, a filesystem
 * stuck in a transaction): run a survey under lib/deadline.h. A survey's memory is
 * grow-only, so surveys of an unchanged host allocate nothing.
 */
#ifndef PLUMB_BTRFSDEV_H
#define PLUMB_BTRFSDEV_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

enum { BTRFSDEV_NERRS = 5 }; /* write, read, flush, corruption, generation */

struct btrfsdev_dev {
	uint64_t bytes_used, total_bytes;
	uint64_t errs[BTRFSDEV_NERRS];
	uint8_t uuid[16];
	uint32_t path_off; /* the kernel's device path ("/dev/sda"), in the survey's names */
};

struct btrfsdev_fs {
	uint8_t fsid[16];
	uint32_t source_off; /* the mount source it was reached through, in names */
	uint32_t first, n;   /* its devices: dev[first .. first + n) */
};

struct btrfsdev_survey {
	struct btrfsdev_fs *fs;
	uint32_t nfs, fs_cap;
	struct btrfsdev_dev *dev;
	uint32_t ndev, dev_cap;
	struct buf names; /* NUL-terminated device paths and mount sources */
};

/* Survey the mounts listed in mounts[0..len): records "<source>\0<mount point path>\0"
 * (the path as plumb opens it, beneath --path.rootfs). s is emptied first and owns what
 * it finds. Returns 0 (mounts that could not be asked are left out), or -ENOMEM/-E2BIG
 * when the results did not fit (s then holds the filesystems done so far). */
int btrfsdev_survey_run(struct btrfsdev_survey *s, const char *mounts, size_t len);

/* Free a survey's memory; accepts a zeroed one. */
void btrfsdev_survey_fini(struct btrfsdev_survey *s);

/* Open path for the ioctls: read-only, without updating its access time when allowed.
 * Returns the descriptor (the caller closes it), -EINVAL when path is not the root of a
 * btrfs subvolume, or -errno. */
int btrfsdev_open(const char *path);

/* The 36-character text of a uuid, 8-4-4-4-12 lowercase hex digits, or "<zero>" for an
 * all-zero one (as dennwc/btrfs prints it), into out[37]. */
void btrfsdev_uuid_text(const uint8_t uuid[16], char out[37]);

#endif
