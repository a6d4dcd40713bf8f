/*
 * hangfs: a FUSE filesystem that hangs on demand, for tests of plumb against a stuck
 * disk.
 *
 * By default (the filesystem collector's hung-mount test, tests/e2e/test_hung_mount.py)
 * the root is an empty directory; getattr answers for it so the mount comes up and
 * the kernel lists it in mountinfo. statfs blocks until the process gets SIGUSR1 (or is
 * killed, or the filesystem is unmounted), which is exactly what a dead NFS server or a
 * wedged FUSE daemon looks like to a caller of statfs(2). The test mounts it, checks
 * that a scrape still answers in time, then releases it with SIGUSR1 and unmounts it.
 *
 * With --files (the push queue's hung-disk test, tests/e2e/test_remote_write.py) the
 * root is a flat folder of regular files held in memory: create, read, write, truncate,
 * fsync, rename and unlink work, and statfs answers at once. After SIGUSR2 every write
 * and fsync blocks, printing "stalled <op> <path>" on stdout as it starts waiting,
 * until SIGUSR1: a disk whose writes hang, with reads and metadata still answering.
 * Data goes straight to this process (direct_io), so every write(2) reaches it.
 *
 * With --files --stall-reads (a textfile folder, a kernel log or a procfs root on a
 * dead server: tests/e2e/test_hung_files.py, and plumbtest.CollectionGate, which holds
 * a collection in flight this way) SIGUSR2 stalls open, read and readdir as well, until
 * SIGUSR1; getattr keeps answering, so the mount can still be looked up and unmounted.
 *
 * usage: hangfs [--files [--stall-reads]] MOUNTPOINT [fuse options]
 *        (foreground, multi-threaded)
 */
#define FUSE_USE_VERSION 31

#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Set from the SIGUSR1 handler; statfs callers poll it. */
static volatile sig_atomic_t released;
/* --files: set by SIGUSR2, cleared by SIGUSR1; writers and fsyncs poll it. */
static volatile sig_atomic_t stalled;
/* --stall-reads: opens, reads and readdirs poll `stalled` too. */
static bool stall_reads;

static void on_release(int sig)
{
	(void)sig;
	released = 1;
	stalled = 0;
}

static void on_stall(int sig)
{
	(void)sig;
	stalled = 1;
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


/* --files: the folder's files, a fixed table guarded by files_mu. */
#define MAX_FILES 64

struct mfile {
	bool used;
	char name[NAME_MAX + 1];
	char *data;
	size_t size, cap;
	mode_t mode;
};

static struct mfile files[MAX_FILES];
static pthread_mutex_t files_mu = PTHREAD_MUTEX_INITIALIZER;

/* The file at path ("/name"; nothing deeper exists), or NULL. Called with files_mu. */
static struct mfile *find(const char *path)
{
	if (path[0] != '/' || strchr(path + 1, '/'))
		return NULL;
	for (int i = 0; i < MAX_FILES; i++)
		if (files[i].used && strcmp(files[i].name, path + 1) == 0)
			return &files[i];
	return NULL;
}

/* Whether path names a file the folder can hold: "/name", name at most NAME_MAX. */
static bool name_ok(const char *path)
{
	return path[0] == '/' && !strchr(path + 1, '/') && strlen(path + 1) <= NAME_MAX;
}

/* Free f's data and its slot. Called with files_mu. */
static void drop(struct mfile *f)
{
	free(f->data);
	memset(f, 0, sizeof(*f));
}

/* Set f's size to size, zero-filling growth. Returns 0 or -ENOMEM. Called with files_mu. */
static int resize(struct mfile *f, size_t size)
{
	if (size > f->cap) {
		size_t cap = f->cap ? f->cap : 4096;
		while (cap < size)
			cap *= 2;
		char *d = realloc(f->data, cap);
		if (!d)
			return -ENOMEM;
		f->data = d;
		f->cap = cap;
	}
	if (size > f->size)
		memset(f->data + f->size, 0, size - f->size);
	f->size = size;
	return 0;
}

/* Block while stalled (after SIGUSR2, until SIGUSR1), saying so once on stdout.
 * Returns 0, or -EINTR when the kernel interrupts the request: it does so only when
 * the caller got a fatal signal (its process is being killed), which the kernel
 * otherwise cannot deliver until this answers. Like an NFS mount, whose waits a kill
 * ends, a stalled call holds its caller for good but never stops it from dying. */
static int stall_point(const char *op, const char *path)
{
	if (!stalled)
		return 0;
	printf("stalled %s %s\n", op, path);
	fflush(stdout);
	while (stalled) {
		if (fuse_interrupted())
			return -EINTR;
		usleep(20 * 1000);
	}
	return 0;
}

static void *files_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	cfg->entry_timeout = cfg->attr_timeout = cfg->negative_timeout = 0;
	cfg->direct_io = 1;
	cfg->hard_remove = 1;
	return NULL;
}

static int files_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	st->st_uid = getuid();
	st->st_gid = getgid();
	if (strcmp(path, "/") == 0) {
		st->st_mode = S_IFDIR | 0700;
		st->st_nlink = 2;
		return 0;
	}
	pthread_mutex_lock(&files_mu);
	struct mfile *f = find(path);
	if (f) {
		st->st_mode = S_IFREG | f->mode;
		st->st_nlink = 1;
		st->st_size = (off_t)f->size;
		st->st_blocks = (blkcnt_t)((f->size + 511) / 512);
	}
	pthread_mutex_unlock(&files_mu);
	return f ? 0 : -ENOENT;
}

static int files_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
			 struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	(void)off;
	(void)fi;
	(void)flags;
	if (strcmp(path, "/") != 0)
		return -ENOENT;
	if (stall_reads && stall_point("readdir", path) < 0)
		return -EINTR;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	pthread_mutex_lock(&files_mu);
	for (int i = 0; i < MAX_FILES; i++)
		if (files[i].used)
			fill(buf, files[i].name, NULL, 0, 0);
	pthread_mutex_unlock(&files_mu);
	return 0;
}

static const struct fuse_operations hang_ops = {
	.getattr = hang_getattr,
	.statfs = hang_statfs,
	.readdir = files_readdir, /* the table stays empty: "." and ".." */
};

static int files_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	int r = 0;
	if (!name_ok(path))
		return -EINVAL;
	pthread_mutex_lock(&files_mu);
	struct mfile *f = find(path);
	if (f && (fi->flags & O_EXCL)) {
		r = -EEXIST;
	} else if (f) {
		if (fi->flags & O_TRUNC)
			f->size = 0;
	} else {
		r = -ENOSPC;
		for (int i = 0; i < MAX_FILES && r; i++) {
			if (files[i].used)
				continue;
			f = &files[i];
			memset(f, 0, sizeof(*f));
			f->used = true;
			snprintf(f->name, sizeof(f->name), "%s", path + 1);
			f->mode = mode & 07777;
			r = 0;
		}
	}
	pthread_mutex_unlock(&files_mu);
	return r;
}

static int files_open(const char *path, struct fuse_file_info *fi)
{
	if (stall_reads && stall_point("open", path) < 0)
		return -EINTR;
	pthread_mutex_lock(&files_mu);
	struct mfile *f = find(path);
	if (f && (fi->flags & O_TRUNC))
		f->size = 0;
	pthread_mutex_unlock(&files_mu);
	return f ? 0 : -ENOENT;
}

static int files_read(const char *path, char *buf, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	(void)fi;
	int r = -ENOENT;
	if (stall_reads && stall_point("read", path) < 0)
		return -EINTR;
	pthread_mutex_lock(&files_mu);
	struct mfile *f = find(path);
	if (f) {
		size_t o = (size_t)off, n = o < f->size ? f->size - o : 0;
		n = n < size ? n : size;
		if (n)
			memcpy(buf, f->data + o, n);
		r = (int)n;
	}
	pthread_mutex_unlock(&files_mu);
	return r;
}

static int files_write(const char *path, const char *buf, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	(void)fi;
	int r = -ENOENT;
	if (stall_point("write", path) < 0)
		return -EINTR;
	pthread_mutex_lock(&files_mu);
	struct mfile *f = find(path);
	size_t end = (size_t)off + size;
	if (f && (r = end > f->size ? resize(f, end) : 0) == 0) {
		memcpy(f->data + off, buf, size);
		r = (int)size;
	}
	pthread_mutex_unlock(&files_mu);
	return r;
}

static int files_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	(void)fi;
	int r = -ENOENT;
	pthread_mutex_lock(&files_mu);
	struct mfile *f = find(path);
	if (f)
		r = resize(f, (size_t)size);
	pthread_mutex_unlock(&files_mu);
	return r;
}

static int files_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)datasync;
	(void)fi;
	return stall_point("fsync", path);
}

static int files_unlink(const char *path)
{
	pthread_mutex_lock(&files_mu);
	struct mfile *f = find(path);
	if (f)
		drop(f);
	pthread_mutex_unlock(&files_mu);
	return f ? 0 : -ENOENT;
}

static int files_rename(const char *from, const char *to, unsigned int flags)
{
	int r = 0;
	if (flags)
		return -EINVAL;
	if (!name_ok(to))
		return -EINVAL;
	pthread_mutex_lock(&files_mu);
	struct mfile *f = find(from), *old = find(to);
	if (!f) {
		r = -ENOENT;
	} else if (old != f) {
		if (old)
			drop(old);
		snprintf(f->name, sizeof(f->name), "%s", to + 1);
	}
	pthread_mutex_unlock(&files_mu);
	return r;
}

/* Owners and modes are the daemon's: accepted, not kept. */
static int files_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	(void)uid;
	(void)gid;
	(void)fi;
	if (strcmp(path, "/") == 0)
		return 0;
	pthread_mutex_lock(&files_mu);
	bool found = find(path) != NULL;
	pthread_mutex_unlock(&files_mu);
	return found ? 0 : -ENOENT;
}

static int files_statfs(const char *path, struct statvfs *sv)
{
	(void)path;
	memset(sv, 0, sizeof(*sv));
	sv->f_bsize = sv->f_frsize = 4096;
	sv->f_blocks = 1 << 16;
	sv->f_bfree = sv->f_bavail = 1 << 15;
	sv->f_files = MAX_FILES;
	sv->f_ffree = MAX_FILES / 2;
	sv->f_namemax = NAME_MAX;
	return 0;
}

static const struct fuse_operations files_ops = {
	.init = files_init,
	.getattr = files_getattr,
	.readdir = files_readdir,
	.create = files_create,
	.open = files_open,
	.read = files_read,
	.write = files_write,
	.truncate = files_truncate,
	.fsync = files_fsync,
	.unlink = files_unlink,
	.rename = files_rename,
	.chown = files_chown,
	.statfs = files_statfs,
};

int main(int argc, char *argv[])
{
	struct sigaction sa;
	bool files_mode = argc > 1 && strcmp(argv[1], "--files") == 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_release;
	sigaction(SIGUSR1, &sa, NULL);
	if (!files_mode)
		return fuse_main(argc, argv, &hang_ops, NULL);
	sa.sa_handler = on_stall;
	sigaction(SIGUSR2, &sa, NULL);
	int skip = 1;
	if (argc > 2 && strcmp(argv[2], "--stall-reads") == 0) {
		stall_reads = true;
		skip = 2;
	}
	argv[skip] = argv[0]; /* fuse_main sees: hangfs MOUNTPOINT [fuse options] */
	return fuse_main(argc - skip, argv + skip, &files_ops, NULL);
}
