/*
 * dirscan: a directory opened by path, held open, and listed with fdscan. See dirscan.h.
 */
#include "lib/dirscan.h"

#include <errno.h>
#include <fcntl.h>
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

int dirscan_rewind(struct dirscan *ds)
{
	if (ds->fd >= 0 && fdscan_start(&ds->scan, ds->fd) == 0)
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
	return fdscan_start(&ds->scan, ds->fd);
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
