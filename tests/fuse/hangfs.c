/*
 * hangfs: a FUSE filesystem whose statfs never answers, for the filesystem collector's
 * hung-mount test (tests/e2e/test_hung_mount.py).
 *
 * The root is an empty directory; getattr answers for it so the mount comes up and
 * the kernel lists it in mountinfo. statfs blocks until the process gets SIGUSR1 (or is
 * killed, or the filesystem is unmounted), which is exactly what a dead NFS server or a
 * wedged FUSE daemon looks like to a caller of statfs(2). The test mounts it, checks
 * that a scrape still answers in time, then releases it with SIGUSR1 and unmounts it.
 *
 * usage: hangfs MOUNTPOINT [fuse options]   (runs in the foreground, multi-threaded)
 */
#define FUSE_USE_VERSION 31

#include <errno.h>
#include <fuse.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Set from the SIGUSR1 handler; statfs callers poll it. */
static volatile sig_atomic_t released;

static void on_release(int sig)
{
	(void)sig;
	released = 1;
}

/* Root directory only: everything else does not exist. */
static int hang_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	if (strcmp(path, "/") != 0)
		return -ENOENT;
	st->st_mode = S_IFDIR | 0755;
	st->st_nlink = 2;
	return 0;
}

/* The hang: wait until released, then answer with a tiny filesystem. */
static int hang_statfs(const char *path, struct statvfs *sv)
{
	(void)path;
	while (!released)
		usleep(50 * 1000);
	memset(sv, 0, sizeof(*sv));
	sv->f_bsize = sv->f_frsize = 4096;
	sv->f_blocks = 100;
	sv->f_bfree = sv->f_bavail = 50;
	sv->f_files = 10;
	sv->f_ffree = 5;
	sv->f_namemax = 255;
	return 0;
}

static int hang_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
			struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	(void)off;
	(void)fi;
	(void)flags;
	if (strcmp(path, "/") != 0)
		return -ENOENT;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	return 0;
}

static const struct fuse_operations hang_ops = {
	.getattr = hang_getattr,
	.statfs = hang_statfs,
	.readdir = hang_readdir,
};

int main(int argc, char *argv[])
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_release;
	sigaction(SIGUSR1, &sa, NULL);
	return fuse_main(argc, argv, &hang_ops, NULL);
}
