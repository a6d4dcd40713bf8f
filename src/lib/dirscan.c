/*
 * dirscan: a directory opened by path, held open, and listed with fdscan. See dirscan.h.
 */
#include "lib/dirscan.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "lib/privop.h"
#include "lib/procfile.h"

int dirscan_init(struct dirscan *ds, const char *root, const char *rel)
{
	ds->fd = -1;
	ds->scan.fd = -1;
	ds->scan.eof = true;
	ds->scan.len = ds->scan.pos = 0;
	return path_join(ds->path, sizeof(ds->path), root, rel);
}

/* Whether fd lies on a filesystem of the kernel's whose readdir fills until the end. */
static bool kernel_fs(int fd)
{
	struct statfs sf;
	if (fstatfs(fd, &sf) < 0)
		return false;
	return sf.f_type == SYSFS_MAGIC || sf.f_type == PROC_SUPER_MAGIC ||
	       sf.f_type == CGROUP_SUPER_MAGIC || sf.f_type == CGROUP2_SUPER_MAGIC;
}

/* fdscan_start on ds's open directory, telling it what kind of directory it is. */
static int start(struct dirscan *ds)
{
	int r = fdscan_start(&ds->scan, ds->fd);
	if (r == 0 && ds->kernel)
		fdscan_fill_ends(&ds->scan);
	return r;
}

int dirscan_rewind(struct dirscan *ds)
{
	if (ds->fd >= 0 && start(ds) == 0)
		return 0;
	if (ds->fd >= 0)
		close(ds->fd);
	ds->fd = open(ds->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ds->fd < 0 && privop_refused(-errno)) {
		/* a folder only root may list: the broker may (lib/privop.h) */
		ds->fd = privop_open(AT_FDCWD, ds->path, true);
		errno = ds->fd < 0 ? EACCES : 0;
	}
	if (ds->fd < 0) {
		ds->scan.fd = -1;
		ds->scan.eof = true;
		return -errno;
	}
	ds->kernel = kernel_fs(ds->fd); /* once per open: a filesystem stays what it is */
	return start(ds);
}

int dirscan_next(struct dirscan *ds, const char **name, unsigned char *type)
{
	return fdscan_next(&ds->scan, name, type);
}

void dirscan_fini(struct dirscan *ds)
{
	/* a zeroed, never-initialised ds has fd 0 but no path: do not close stdin */
	if (ds->fd >= 0 && ds->path[0])
		close(ds->fd);
	ds->fd = -1;
	ds->scan.fd = -1;
}
