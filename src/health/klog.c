/*
 * klog: kernel log follower. See klog.h.
 *
 * Following a file is a loop of blocking calls (stat the path, open it, fstat and
 * pread the file), each handed to a one-thread lib/deadline.h pool as the job in
 * struct klog_io, so a hung mount costs a timeout, never the klog thread. The job's
 * inputs and results live in struct klog_io, not in struct klog: a call that overran
 * may return after klog_close, and then writes only into the job, which the pool frees
 * (io_release_late). While such a call is still stuck, polls return -ETIMEDOUT at once.
 */
#include "health/klog.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "lib/deadline.h"
#include "lib/log.h"
#include "lib/regfile.h"

#define KMSG_MAJOR 1
#define KMSG_MINOR 11

enum klog_op { IO_READ, IO_STAT, IO_OPEN };

/* One blocking call for the pool. Inputs first, then results; the pool owns the job
 * while a call that overran is stuck. */
struct klog_io {
	struct dl_job dl; /* first: the pool hands this back */
	enum klog_op op;
	int fd;           /* IO_READ: the file (k->fd; the job's to close if close_fd) */
	bool close_fd;    /* klog let go of fd while the call was stuck (see close_file) */
	off_t off;        /* IO_READ: where to read */
	size_t want;      /* IO_READ: at most this many bytes (<= sizeof(data)) */
	char path[PATH_MAX]; /* IO_STAT, IO_OPEN */
	int r;            /* bytes read, 0, the opened fd (IO_OPEN), or -errno */
	struct stat st;   /* fstat of fd (IO_READ) or of the path (IO_STAT, IO_OPEN) */
	char data[KLOG_LINE_MAX];
};

/* The job: run io's call. Touches nothing but io. */
static void io_call(struct dl_job *j)
{
	struct klog_io *io = (struct klog_io *)j;
	ssize_t n;
	switch (io->op) {
	case IO_READ:
		if (fstat(io->fd, &io->st) < 0) {
			io->r = -errno;
			break;
		}
		do {
			n = pread(io->fd, io->data, io->want, io->off);
		} while (n < 0 && errno == EINTR);
		io->r = n < 0 ? -errno : (int)n;
		break;
	case IO_STAT:
		io->r = stat(io->path, &io->st) < 0 ? -errno : 0;
		break;
	case IO_OPEN: /* only after IO_STAT found a regular file: no device is opened */
		io->r = regfile_open(AT_FDCWD, io->path, &io->st);
		break;
	}
}

/* Drop what a call that overran left behind once it returned: an fd it opened,
 * which nobody took, and the file it read if klog let go of it meanwhile. Call only
 * after the call has returned. */
static void io_settle(struct klog_io *io)
{
	if (io->op == IO_OPEN && io->r >= 0)
		close(io->r);
	if (io->close_fd)
		close(io->fd);
	io->close_fd = false;
	io->op = IO_STAT;
	io->r = -ECANCELED;
}

/* dl_job_release callback for a job whose call overran: settle and free it, now or
 * when the call returns. */
static void io_release_late(struct dl_job *j)
{
	struct klog_io *io = (struct klog_io *)j;
	io_settle(io);
	free(io);
}

/* Run k->io's call on the pool (made on first use) within k->io_timeout_ms.
 * Returns 0 when it finished (its result is in k->io->r), -ETIMEDOUT when it overran
 * or an earlier call is still stuck, or -errno when the pool cannot be made. */
static int io_run(struct klog *k)
{
	struct dl_job *j = &k->io->dl;
	int r;
	if (!k->pool && (r = dl_pool_create(1, 1, &k->pool)) < 0)
		return r;
	if ((r = dl_pool_run(k->pool, &j, 1, k->io_timeout_ms)) < 0)
		return r == -EBUSY ? -ETIMEDOUT : r;
	if (j->state == DL_DONE)
		return 0;
	/* overran: the call's late result belongs to nobody (io_settle) */
	k->io_late = j->state == DL_TIMEDOUT;
	return -ETIMEDOUT;
}

/* The text for why a file is not followed. Static. */
static const char *why_text(int err)
{
	if (err == -ETIMEDOUT)
		return "a call on the file did not return in time (a hung mount?)";
	return regfile_strerror(-err);
}

/* Record whether the file is followed (err 0) or why not; on a change, log it and
 * tell state_fn. Returns err. */
static int set_state(struct klog *k, int err)
{
	if (err == k->err)
		return err;
	if (err)
		plog(LOG_WARN, "cannot follow the kernel log; kernel conditions are Unknown until "
			       "a regular file can be read there",
		     "path", k->path, "err", why_text(err), PLOG_END);
	else
		plog(LOG_INFO, "following the kernel log again", "path", k->path, PLOG_END);
	k->err = err;
	if (k->state_fn)
		k->state_fn(k->ctx, err == 0, err ? why_text(err) : NULL);
	return err;
}

/* Whether st is the kernel's /dev/kmsg. */
static bool is_kmsg(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && major(st->st_rdev) == KMSG_MAJOR &&
	       minor(st->st_rdev) == KMSG_MINOR;
}

/* Open /dev/kmsg (or what path names, which must be it) at its end into k.
 * Returns 0 or -errno (-REGFILE_ENOTREG for another device). */
static int open_kmsg(struct klog *k)
{
	struct stat st;
	int fd = open(k->path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = fstat(fd, &st) < 0 ? -errno : is_kmsg(&st) ? 0 : -REGFILE_ENOTREG;
	/* no replay: start after the last record */
	if (r == 0 && lseek(fd, 0, SEEK_END) < 0)
		r = -errno;
	if (r < 0) {
		close(fd);
		return r;
	}
	k->fd = fd;
	k->is_kmsg = true;
	return 0;
}

int klog_open(struct klog *k, const char *path, int poll_ms, klog_line_fn fn,
	      klog_state_fn state_fn, void *ctx)
{
	struct stat st;
	int r;
	memset(k, 0, sizeof(*k));
	k->fd = k->wake_fd = -1;
	k->poll_ms = poll_ms;
	k->io_timeout_ms = KLOG_IO_TIMEOUT_MS;
	k->fn = fn;
	k->state_fn = state_fn;
	k->ctx = ctx;
	if (snprintf(k->path, sizeof(k->path), "%s", path) >= (int)sizeof(k->path))
		return -ENAMETOOLONG;
	k->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (k->wake_fd < 0)
		return -errno;
	/* a character device is tried as /dev/kmsg; anything else is a log file, opened
	 * only if it is a regular one (start-up runs before any pool thread may exist,
	 * so these calls are made here, not on one) */
	if (stat(path, &st) == 0 && S_ISCHR(st.st_mode))
		r = is_kmsg(&st) ? open_kmsg(k) : -REGFILE_ENOTREG; /* no other driver is woken */
	else if ((r = regfile_open_shared(AT_FDCWD, path, &st)) >= 0)
		k->fd = r;
	if (r == -REGFILE_ENOTREG || r == -EISDIR) {
		k->err = r; /* not a log file now: wait for one (the caller reports it) */
		r = 0;
	}
	if (r < 0)
		goto out_close;
	if (!(k->io = calloc(1, sizeof(*k->io)))) {
		r = -ENOMEM;
		goto out_close;
	}
	k->io->dl.fn = io_call;
	if (k->fd >= 0 && !k->is_kmsg) {
		/* no replay: a file is read from its current end */
		k->dev = st.st_dev;
		k->ino = st.st_ino;
		k->off = st.st_size;
	}
	return 0;
out_close:
	klog_close(k);
	return r;
}

int klog_drain_kmsg(struct klog *k)
{
	for (;;) {
		/* each read returns one whole record */
		ssize_t n = read(k->fd, k->buf, sizeof(k->buf));
		if (n > 0) {
			k->fn(k->ctx, k->buf, (size_t)n);
			continue;
		}
		if (n == 0 || errno == EAGAIN)
			return 0;
		if (errno == EPIPE) {
			/* the ring overwrote records we had not read; carry on from the next */
			k->overruns++;
			continue;
		}
		if (errno == EINTR)
			continue;
		return -errno;
	}
}

/* Hand the complete lines in buf[0..blen) to fn and keep the unfinished tail at the
 * start of buf; a tail filling the whole buffer is handed over cut. */
static void emit_lines(struct klog *k)
{
	size_t start = 0;
	for (;;) {
		char *nl = memchr(k->buf + start, '\n', k->blen - start);
		if (!nl)
			break;
		size_t len = (size_t)(nl - (k->buf + start));
		if (len)
			k->fn(k->ctx, k->buf + start, len);
		start += len + 1;
	}
	if (start == 0 && k->blen == sizeof(k->buf)) {
		k->fn(k->ctx, k->buf, k->blen); /* too long for a line: cut */
		start = k->blen;
	}
	memmove(k->buf, k->buf + start, k->blen - start);
	k->blen -= start;
}

/* Read k->fd from k->off to its end (from its start again when it was truncated, as
 * copytruncate rotation does), handing over lines. Returns 0 or -errno. */
static int read_to_end(struct klog *k)
{
	struct klog_io *io = k->io;
	for (;;) {
		io->op = IO_READ;
		io->fd = k->fd;
		io->off = k->off;
		io->want = sizeof(k->buf) - k->blen; /* emit_lines leaves room */
		int r = io_run(k);
		if (r == 0)
			r = io->r;
		if (r < 0)
			return r;
		if (io->st.st_size < k->off) {
			/* truncated: start over */
			k->off = 0;
			k->blen = 0;
			continue;
		}
		if (r == 0)
			return 0;
		memcpy(k->buf + k->blen, io->data, (size_t)r);
		k->off += r;
		k->blen += (size_t)r;
		emit_lines(k);
	}
}

/* Let go of k->fd. A call still stuck on it keeps it open until it returns: closed
 * now, its number could go to another file before the call gets to use it. */
static void close_file(struct klog *k)
{
	if (k->io_late && k->io && k->io->op == IO_READ && k->io->fd == k->fd)
		k->io->close_fd = true; /* io_settle closes it */
	else
		close(k->fd);
	k->fd = -1;
}

/* Stop reading the current file: read what it still has (its writer may have added
 * lines before the rotation), hand over an unfinished last line, and close it. */
static void finish_file(struct klog *k)
{
	if (k->fd < 0)
		return;
	(void)read_to_end(k); /* what cannot be read now is lost with the file */
	if (k->blen) /* the old file's last line had no newline */
		k->fn(k->ctx, k->buf, k->blen);
	close_file(k);
	k->off = 0;
	k->blen = 0;
}

/* Look at what the path names now: the file being read (nothing to do), nothing
 * while a file is open (mid-rotation: go on with it), another regular file (finish
 * the old one and follow the new one from its start), or something that cannot be
 * followed (finish the old file and wait). Returns 0 when a file is followed, else
 * the -errno why not. */
static int follow_path(struct klog *k)
{
	struct klog_io *io = k->io;
	int r;
	io->op = IO_STAT;
	snprintf(io->path, sizeof(io->path), "%s", k->path);
	if ((r = io_run(k)) < 0)
		return r;
	r = io->r;
	if (r == -ENOENT && k->fd >= 0)
		return 0;
	if (r == 0 && k->fd >= 0 && io->st.st_dev == k->dev && io->st.st_ino == k->ino)
		return 0;
	if (r == 0 && !S_ISREG(io->st.st_mode))
		r = S_ISDIR(io->st.st_mode) ? -EISDIR : -REGFILE_ENOTREG;
	if (r == 0) {
		io->op = IO_OPEN;
		if ((r = io_run(k)) < 0)
			return r;
		r = io->r;
	}
	if (r < 0) {
		/* A file that is there but cannot be opened: it may be mid-rotation (its
		 * mode not set yet) while the old one is still open; otherwise nothing is
		 * followed until the path names a regular file again. */
		if (r != -EACCES && r != -EPERM)
			finish_file(k);
		return r;
	}
	struct stat st = io->st; /* finish_file's reads reuse io */
	finish_file(k);
	k->fd = r;
	k->dev = st.st_dev;
	k->ino = st.st_ino;
	k->off = 0;
	k->blen = 0;
	return read_to_end(k);
}

int klog_poll_file(struct klog *k)
{
	if (k->io_late && dl_job_busy(k->pool, &k->io->dl))
		return set_state(k, -ETIMEDOUT); /* an earlier call is still stuck */
	if (k->io_late)
		io_settle(k->io); /* it returned since: drop what it left */
	k->io_late = false;
	int r = k->fd >= 0 ? read_to_end(k) : 0;
	/* the path is looked at whatever the read gave: a read error on the old file
	 * must not keep a new one from being followed */
	int pr = r == -ETIMEDOUT ? r : follow_path(k);
	return set_state(k, pr < 0 ? pr : r);
}

/* The reader thread: waits for kernel records or the next file poll, until stopped. */
static void *klog_thread(void *arg)
{
	struct klog *k = arg;
	bool failed = false;
	while (!atomic_load(&k->stop)) {
		struct pollfd p[2] = { { k->wake_fd, POLLIN, 0 }, { k->fd, POLLIN, 0 } };
		int n = poll(p, k->is_kmsg ? 2 : 1, k->is_kmsg ? -1 : k->poll_ms);
		if (n < 0 && errno != EINTR)
			break;
		if (atomic_load(&k->stop))
			break;
		if (!k->is_kmsg) {
			(void)klog_poll_file(k); /* it logs and reports its own changes */
			continue;
		}
		int r = klog_drain_kmsg(k);
		if (r < 0 && !failed)
			plog(LOG_WARN, "reading the kernel log failed", "path", k->path, "err",
			     strerror(-r), PLOG_END);
		else if (r == 0 && failed)
			plog(LOG_INFO, "reading the kernel log works again", "path", k->path,
			     PLOG_END);
		failed = r < 0;
		if (r < 0) {
			/* a broken device would spin poll(); fall back to a slow retry */
			struct pollfd w = { k->wake_fd, POLLIN, 0 };
			poll(&w, 1, 1000);
		}
	}
	return NULL;
}

int klog_start(struct klog *k)
{
	int r = pthread_create(&k->thread, NULL, klog_thread, k);
	if (r)
		return -r;
	k->started = true;
	return 0;
}

void klog_close(struct klog *k)
{
	if (k->started) {
		uint64_t one = 1;
		atomic_store(&k->stop, true);
		if (write(k->wake_fd, &one, sizeof(one)) < 0)
			plog(LOG_WARN, "cannot wake the kernel log reader", "err", strerror(errno),
			     PLOG_END);
		pthread_join(k->thread, NULL);
		k->started = false;
	}
	if (k->fd >= 0)
		close_file(k); /* before the job may be freed */
	if (k->io && k->io_late)
		dl_job_release(k->pool, &k->io->dl, io_release_late); /* later, if still stuck */
	else
		free(k->io);
	k->io = NULL;
	k->io_late = false;
	dl_pool_destroy(k->pool);
	k->pool = NULL;
	if (k->wake_fd >= 0)
		close(k->wake_fd);
	k->fd = k->wake_fd = -1;
}
