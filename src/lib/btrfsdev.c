/*
 * btrfsdev: btrfs device information and error counters by ioctl. See btrfsdev.h.
 */
#include "lib/btrfsdev.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

/* Hard limits on one survey: far above any host, low enough to bound a hostile one. */
#define SURVEY_MAX_DEVS 65536u
#define SURVEY_NAMES_MAX (8u << 20)

/* The inode of every btrfs subvolume's root directory (BTRFS_FIRST_FREE_OBJECTID). */
#define SUBVOL_ROOT_INO 256

int btrfsdev_open(const char *path)
{
	struct stat st;
	struct statfs sf;
	int r = 0, fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOATIME);
	if (fd < 0 && errno == EPERM) /* O_NOATIME needs the owner or CAP_FOWNER */
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || fstatfs(fd, &sf) < 0)
		r = -errno;
	else if (st.st_ino != SUBVOL_ROOT_INO || !S_ISDIR(st.st_mode) ||
		 (uint32_t)sf.f_type != (uint32_t)BTRFS_SUPER_MAGIC)
		r = -EINVAL;
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

void btrfsdev_uuid_text(const uint8_t uuid[16], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	bool zero = true;
	for (int i = 0; i < 16; i++)
		zero = zero && uuid[i] == 0;
	if (zero) {
		memcpy(out, "<zero>", 7);
		return;
	}
	size_t o = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[uuid[i] >> 4];
		out[o++] = hex[uuid[i] & 15];
	}
	out[o] = '\0';
}

/* An ioctl, retried on EINTR. Returns 0 or -errno. */
static int ioc(int fd, unsigned long req, void *arg)
{
	int r;
	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

/* Ask device devid of the filesystem open at fd into d, its path appended to names.
 * Returns 0, -ENODEV when there is no such device, or -errno. */
static int ask_device(int fd, uint64_t devid, struct btrfsdev_dev *d, struct buf *names)
{
	struct btrfs_ioctl_dev_info_args info;
	struct btrfs_ioctl_get_dev_stats stats;
	memset(&info, 0, sizeof(info));
	memset(&stats, 0, sizeof(stats));
	info.devid = devid;
	int r = ioc(fd, BTRFS_IOC_DEV_INFO, &info);
	if (r < 0)
		return r;
	stats.devid = devid;
	stats.nr_items = BTRFS_DEV_STAT_VALUES_MAX;
	if ((r = ioc(fd, BTRFS_IOC_GET_DEV_STATS, &stats)) < 0)
		return r;
	d->bytes_used = info.bytes_used;
	d->total_bytes = info.total_bytes;
	memcpy(d->uuid, info.uuid, sizeof(d->uuid));
	for (int i = 0; i < BTRFSDEV_NERRS; i++)
		d->errs[i] = stats.values[i];
	size_t plen = strnlen((const char *)info.path, sizeof(info.path));
	d->path_off = (uint32_t)names->len;
	r = buf_append(names, info.path, plen);
	if (r == 0)
		r = buf_putc(names, '\0');
	return r;
}

/* Survey the filesystem open at fd (fi: its FS_INFO), reached through a mount of
 * source, into a new entry of s (dropped again if a device fails). Returns 0, -errno
 * from an ioctl, -ENOMEM or -E2BIG. */
static int ask_fs(struct btrfsdev_survey *s, int fd, const struct btrfs_ioctl_fs_info_args *fi,
		  const char *source)
{
	uint32_t first = s->ndev;
	size_t names_len = s->names.len;
	int r = 0;
	for (uint64_t id = 0; id <= fi->max_id; id++) {
		if (s->ndev == s->dev_cap)
			r = s->ndev >= SURVEY_MAX_DEVS ? -E2BIG
						       : grow_array((void **)&s->dev, &s->dev_cap,
								    s->ndev + 1, sizeof(*s->dev));
		if (r == 0)
			r = ask_device(fd, id, &s->dev[s->ndev], &s->names);
		if (r == -ENODEV) {
			r = 0; /* ids need not be contiguous */
			continue;
		}
		if (r < 0)
			break;
		s->ndev++;
		if (s->ndev - first == fi->num_devices || id == UINT64_MAX)
			break;
	}
	if (r == 0 && s->nfs == s->fs_cap)
		r = grow_array((void **)&s->fs, &s->fs_cap, s->nfs + 1, sizeof(*s->fs));
	uint32_t source_off = (uint32_t)s->names.len;
	if (r == 0 && (r = buf_append(&s->names, source, strlen(source))) == 0)
		r = buf_putc(&s->names, '\0');
	if (r < 0) {
		s->ndev = first; /* this filesystem is left out */
		s->names.len = names_len;
		return r;
	}
	struct btrfsdev_fs *f = &s->fs[s->nfs++];
	memcpy(f->fsid, fi->fsid, sizeof(f->fsid));
	f->source_off = source_off;
	f->first = first;
	f->n = s->ndev - first;
	return 0;
}

/* Whether s has a filesystem with this fsid, or one reached through a mount of source. */
static bool surveyed(const struct btrfsdev_survey *s, const uint8_t *fsid, const char *source)
{
	for (uint32_t i = 0; i < s->nfs; i++) {
		if ((fsid && memcmp(s->fs[i].fsid, fsid, sizeof(s->fs[i].fsid)) == 0) ||
		    (source && strcmp(s->names.p + s->fs[i].source_off, source) == 0))
			return true;
	}
	return false;
}

int btrfsdev_survey_run(struct btrfsdev_survey *s, const char *mounts, size_t len)
{
	const char *end = mounts + len;
	int r = 0;
	s->nfs = s->ndev = 0;
	buf_reset(&s->names);
	s->names.max = SURVEY_NAMES_MAX;
	for (const char *m = mounts; m < end && r == 0;) {
		const char *source = m;
		const char *path = memchr(m, '\0', (size_t)(end - m));
		const char *next = path ? memchr(path + 1, '\0', (size_t)(end - path - 1)) : NULL;
		if (!next)
			break; /* a cut record */
		path++;
		m = next + 1;
		if (surveyed(s, NULL, source))
			continue; /* its device was surveyed through an earlier mount */
		struct btrfs_ioctl_fs_info_args fi;
		memset(&fi, 0, sizeof(fi));
		int fd = btrfsdev_open(path);
		if (fd < 0)
			continue; /* unreachable, or not a subvolume root: maybe a later mount */
		if (ioc(fd, BTRFS_IOC_FS_INFO, &fi) == 0 && !surveyed(s, fi.fsid, NULL)) {
			int e = ask_fs(s, fd, &fi, source);
			if (e == -ENOMEM || e == -E2BIG)
				r = e; /* other errors leave the filesystem to a later mount */
		}
		close(fd);
	}
	return r;
}

void btrfsdev_survey_fini(struct btrfsdev_survey *s)
{
	free(s->fs);
	free(s->dev);
	buf_fini(&s->names);
	memset(s, 0, sizeof(*s));
}
