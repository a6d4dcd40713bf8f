/*
 * test_regfile: opening files that should be regular so that nothing can make the open
 * wait. Real special files stand where a file is read: a FIFO with no writer, a
 * listening Unix socket, /dev/null, a directory, symlinks to them, a leased file. Each
 * must be refused at once with its own error, through regfile_open and through the
 * procfile readers every collector uses; regfile_open_shared must not even open them
 * (inotify sees every open); and a collector whose file is a FIFO must fail alone
 * while its neighbours report. Before regfile, opening the FIFO blocked for good:
 * an alarm turns such a hang into a failure here. On the host's cgroupfs,
 * regfile_open_cgroup opens without the type check and never across a mount.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/bundle.h"
#include "lib/procfile.h"
#include "lib/regfile.h"
#include "lib/sysfs.h"
#include "t.h"
#include "tmptree.h"

#define HANG_SECONDS 20 /* far more than any of these opens takes; a hang is a failure */

static struct tmptree tree;

/* SIGALRM: an open or read blocked. Say so and fail the whole program. */
static void on_alarm(int sig)
{
	static const char msg[] = "test_regfile: an open or read blocked (alarm fired)\n";
	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(2);
}

/* Make a FIFO, a bound Unix socket, a directory, a regular file and symlinks to the
 * FIFO and the file in tree. Returns the socket's fd (to close at the end) or -1. */
static int make_specials(void)
{
	char path[PATH_MAX];
	CHECK_INT(tmptree_put(&tree, "file", "0.5 0.25 0.125 1/2 3\n"), 0);
	CHECK_INT(tmptree_mkdir(&tree, "dir"), 0);
	CHECK_INT(mkfifo(tmptree_path(&tree, "fifo", path, sizeof(path)), 0644), 0);
	CHECK_INT(tmptree_link(&tree, "to-fifo", "fifo"), 0);
	CHECK_INT(tmptree_link(&tree, "to-file", "file"), 0);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	tmptree_path(&tree, "sock", sa.sun_path, sizeof(sa.sun_path));
	CHECK(s >= 0 && sa.sun_path[0]);
	CHECK_INT(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_INT(listen(s, 1), 0);
	return s;
}

/* regfile_open at the tree's fd: a regular file (directly or through a symlink) opens,
 * with its stat; everything else is refused with its error. */
static void test_open_kinds(void)
{
	struct stat st;
	int dirfd = open(tree.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(dirfd >= 0);
	int fd = regfile_open(dirfd, "file", &st);
	CHECK(fd >= 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK_INT(st.st_size, 21);
	int fl = fd >= 0 ? fcntl(fd, F_GETFL) : 0;
	CHECK(fl & O_NONBLOCK);
	CHECK_INT(fl & O_ACCMODE, O_RDONLY);
	CHECK(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC));
	if (fd >= 0)
		close(fd);
	fd = regfile_open(dirfd, "to-file", NULL);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK_INT(regfile_open(dirfd, "fifo", &st), -REGFILE_ENOTREG);
	CHECK_INT(regfile_open(dirfd, "to-fifo", NULL), -REGFILE_ENOTREG);
	CHECK_INT(regfile_open(dirfd, "sock", NULL), -REGFILE_ENOTREG);
	CHECK_INT(regfile_open(dirfd, "dir", NULL), -EISDIR);
	CHECK_INT(regfile_open(dirfd, "missing", NULL), -ENOENT);
	CHECK_INT(regfile_open(AT_FDCWD, "/dev/null", NULL), -REGFILE_ENOTREG);
	close(dirfd);
	CHECK_STR(regfile_strerror(REGFILE_ENOTREG), "not a regular file");
	CHECK_STR(regfile_strerror(ENOENT), strerror(ENOENT));
}

/* regfile_open_shared refuses the same things, but without opening them: inotify
 * reports an open of the FIFO by regfile_open and none by regfile_open_shared. */
static void test_open_shared_opens_nothing(void)
{
	char path[PATH_MAX], ev[4096];
	struct stat st;
	int dirfd = open(tree.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	CHECK(dirfd >= 0 && in >= 0);
	CHECK(inotify_add_watch(in, tmptree_path(&tree, "fifo", path, sizeof(path)), IN_OPEN) >= 0);
	CHECK_INT(regfile_open_shared(dirfd, "fifo", &st), -REGFILE_ENOTREG);
	CHECK_INT(regfile_open_shared(dirfd, "to-fifo", NULL), -REGFILE_ENOTREG);
	CHECK_INT(regfile_open_shared(dirfd, "sock", NULL), -REGFILE_ENOTREG);
	CHECK_INT(regfile_open_shared(dirfd, "dir", NULL), -EISDIR);
	CHECK_INT(regfile_open_shared(AT_FDCWD, "/dev/null", NULL), -REGFILE_ENOTREG);
	CHECK_INT(regfile_open_shared(dirfd, "missing", NULL), -ENOENT);
	CHECK(read(in, ev, sizeof(ev)) < 0 && errno == EAGAIN); /* nothing was opened */
	CHECK_INT(regfile_open(dirfd, "fifo", NULL), -REGFILE_ENOTREG);
	CHECK(read(in, ev, sizeof(ev)) > 0); /* this one was */
	int fd = regfile_open_shared(dirfd, "to-file", &st);
	CHECK(fd >= 0 && S_ISREG(st.st_mode) && st.st_size == 21);
	if (fd >= 0)
		close(fd);
	close(in);
	close(dirfd);
}

/* A file under a write lease: the open must not wait out the lease-break time. */
static void test_open_leased(void)
{
	char path[PATH_MAX];
	tmptree_path(&tree, "leased", path, sizeof(path));
	CHECK_INT(tmptree_put(&tree, "leased", "x\n"), 0);
	void (*old)(int) = signal(SIGIO, SIG_IGN); /* the break is signalled to the holder */
	int holder = open(path, O_RDONLY | O_CLOEXEC);
	if (holder < 0 || fcntl(holder, F_SETLEASE, F_WRLCK) < 0) {
		printf("skip test_open_leased: no write lease (%s)\n", strerror(errno));
	} else {
		CHECK_INT(regfile_open(AT_FDCWD, path, NULL), -EWOULDBLOCK);
		fcntl(holder, F_SETLEASE, F_UNLCK);
	}
	if (holder >= 0)
		close(holder);
	signal(SIGIO, old);
}

/* The readers in procfile.h, which every collector's kernel files go through. */
static void test_procfile_readers(void)
{
	struct procfile pf;
	char buf[64];
	size_t len = 99;
	int dirfd = open(tree.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK_INT(procfile_init(&pf, tree.root, "fifo", 0), 0);
	CHECK_INT(procfile_read(&pf), -REGFILE_ENOTREG);
	CHECK_INT(pf.len, 0);
	procfile_fini(&pf);
	CHECK_INT(procfile_init(&pf, tree.root, "file", 0), 0);
	CHECK_INT(procfile_read(&pf), 0);
	CHECK_INT(pf.len, 21);
	procfile_fini(&pf);
	CHECK_INT(read_file_at(tree.root, "fifo", buf, sizeof(buf), &len), -REGFILE_ENOTREG);
	CHECK_INT(len, 0);
	CHECK_INT(read_file_at(tree.root, "sock", buf, sizeof(buf), &len), -REGFILE_ENOTREG);
	CHECK_INT(read_file_at(NULL, "/dev/zero", buf, sizeof(buf), &len), -REGFILE_ENOTREG);
	CHECK_INT(read_attr(dirfd, "to-fifo", buf, sizeof(buf)), -REGFILE_ENOTREG);
	CHECK_INT(read_attr(dirfd, "file", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "0.5 0.25 0.125 1/2 3");
	/* the later readers go through regfile too: on a FIFO each refuses, not blocks */
	CHECK_INT(sysfs_read(dirfd, "fifo", buf, sizeof(buf), &len), -REGFILE_ENOTREG);
	CHECK_INT(read_file_dirfd(dirfd, "to-fifo", buf, sizeof(buf), &len), -REGFILE_ENOTREG);
	struct stat st;
	CHECK_INT(bundle_open(dirfd, "fifo", &st), -REGFILE_ENOTREG);
	int fd = bundle_open(dirfd, "file", &st);
	CHECK(fd >= 0 && st.st_size == 21);
	if (fd >= 0)
		close(fd);
	close(dirfd);
}

/* A collector run on a tree whose proc/loadavg is a FIFO: loadavg fails, alone, and
 * meminfo next to it reports. */
static void test_collector_on_fifo(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	char path[PATH_MAX];
	CHECK_INT(tmptree_make(&t), 0);
	CHECK_INT(tmptree_put(&t, "proc/meminfo", "MemTotal: 1000 kB\nMemFree: 500 kB\n"), 0);
	CHECK_INT(mkfifo(tmptree_path(&t, "proc/loadavg", path, sizeof(path)), 0644), 0);
	const char *flags[] = { "--collector.loadavg", "--collector.meminfo", NULL };
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	const char *text = out.p ? out.p : "";
	CHECK_DBL(collector_success(text, "loadavg"), 0);
	CHECK_DBL(collector_success(text, "meminfo"), 1);
	CHECK(!has_line(text, "node_load1 "));
	CHECK_DBL(series_value(text, "node_memory_MemTotal_bytes"), 1000 * 1024);
	buf_fini(&out);
	tmptree_rm(&t);
}

/* The mount point of a cgroup filesystem (v1 or v2) from /proc/self/mounts into mnt;
 * returns false when there is none. */
static bool find_cgroupfs(char *mnt, size_t cap)
{
	char line[1024];
	bool found = false;
	FILE *f = fopen("/proc/self/mounts", "re");
	while (f && !found && fgets(line, sizeof(line), f)) {
		char *dev = strtok(line, " "), *dir = dev ? strtok(NULL, " ") : NULL;
		char *type = dir ? strtok(NULL, " ") : NULL;
		if (type && (strcmp(type, "cgroup2") == 0 || strcmp(type, "cgroup") == 0) &&
		    strlen(dir) < cap && !strchr(dir, '\\')) {
			snprintf(mnt, cap, "%s", dir);
			found = true;
		}
	}
	if (f)
		fclose(f);
	return found;
}

/* regfile_open_cgroup on this host's cgroupfs: files open without the fstat, non-blocking
 * and close-on-exec, and read; a folder opens (O_PATH) and files open beneath it; a
 * folder opened to read fails its read with EISDIR. A tmp tree and procfs are no
 * cgroupfs. From the folder above the mount, a file across the mount still opens (the
 * checked way), a folder across it is refused with EXDEV. */
static void test_open_cgroupfs(void)
{
	char mnt[PATH_MAX], buf[256];
	int tfd = open(tree.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int pfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(tfd >= 0 && pfd >= 0);
	CHECK(!regfile_is_cgroupfs(tfd));
	CHECK(!regfile_is_cgroupfs(pfd));
	close(tfd);
	close(pfd);
	if (!find_cgroupfs(mnt, sizeof(mnt))) {
		printf("skip test_open_cgroupfs: no cgroup filesystem mounted\n");
		return;
	}
	int cg = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(cg >= 0);
	if (cg < 0)
		return;
	if (!regfile_is_cgroupfs(cg)) {
		printf("skip test_open_cgroupfs: no openat2 at %s\n", mnt);
		close(cg);
		return;
	}
	int fd = regfile_open_cgroup(cg, "cgroup.procs", O_RDONLY);
	CHECK(fd >= 0);
	CHECK(fd >= 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK));
	CHECK(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC));
	CHECK(fd >= 0 && pread(fd, buf, sizeof(buf), 0) >= 0);
	if (fd >= 0)
		close(fd);
	int dfd = regfile_open_cgroup(cg, ".", O_PATH | O_DIRECTORY);
	CHECK(dfd >= 0);
	fd = dfd >= 0 ? regfile_open_cgroup(dfd, "cgroup.procs", O_RDONLY) : -1;
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	CHECK_INT(regfile_open_cgroup(cg, "no-such-file", O_RDONLY), -ENOENT);
	fd = regfile_open_cgroup(cg, ".", O_RDONLY);
	CHECK(fd >= 0);
	CHECK(fd >= 0 && pread(fd, buf, sizeof(buf), 0) < 0 && errno == EISDIR);
	if (fd >= 0)
		close(fd);
	/* across the mount: from the folder above it */
	struct stat above, at;
	char *slash = strrchr(mnt, '/');
	if (slash && slash != mnt && stat(mnt, &at) == 0) {
		*slash = '\0';
		int up = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		char rel[PATH_MAX];
		snprintf(rel, sizeof(rel), "%s/cgroup.procs", slash + 1);
		if (up >= 0 && fstat(up, &above) == 0 && above.st_dev != at.st_dev) {
			fd = regfile_open_cgroup(up, rel, O_RDONLY);
			CHECK(fd >= 0);
			if (fd >= 0)
				close(fd);
			CHECK_INT(regfile_open_cgroup(up, slash + 1, O_PATH | O_DIRECTORY), -EXDEV);
		}
		if (up >= 0)
			close(up);
	}
	close(cg);
}

int main(void)
{
	signal(SIGALRM, on_alarm);
	alarm(HANG_SECONDS);
	if (tmptree_make(&tree) < 0) {
		fprintf(stderr, "cannot make a scratch tree\n");
		return 1;
	}
	int s = make_specials();
	RUN(test_open_kinds);
	RUN(test_open_shared_opens_nothing);
	RUN(test_open_leased);
	RUN(test_procfile_readers);
	RUN(test_collector_on_fifo);
	RUN(test_open_cgroupfs);
	if (s >= 0)
		close(s);
	tmptree_rm(&tree);
	return T_DONE("test_regfile");
}
