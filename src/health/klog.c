/*
 * klog: kernel log follower. See klog.h.
 */
#include "health/klog.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"

int klog_open(struct klog *k, const char *path, int poll_ms, klog_line_fn fn, void *ctx)
{
	struct stat st;
	int r;
	memset(k, 0, sizeof(*k));
	k->fd = k->wake_fd = -1;
	k->poll_ms = poll_ms;
	k->fn = fn;
	k->ctx = ctx;
	if (snprintf(k->path, sizeof(k->path), "%s", path) >= (int)sizeof(k->path))
		return -ENAMETOOLONG;
	k->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd < 0)
		return -errno;
	if (fstat(k->fd, &st) < 0) {
		r = -errno;
		goto out_close;
	}
	k->is_kmsg = S_ISCHR(st.st_mode);
	k->dev = st.st_dev;
	k->ino = st.st_ino;
	/* no replay: /dev/kmsg starts after the last record, a file at its current end */
	off_t end = lseek(k->fd, 0, SEEK_END);
	if (end < 0) {
		r = -errno;
		goto out_close;
	}
	k->off = k->is_kmsg ? 0 : end;
	k->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (k->wake_fd < 0) {
		r = -errno;
		goto out_close;
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

/* Read k->fd from k->off to its end, handing over lines. Returns 0 or -errno. */
static int read_to_end(struct klog *k)
{
	for (;;) {
		ssize_t n = pread(k->fd, k->buf + k->blen, sizeof(k->buf) - k->blen, k->off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		k->off += n;
		k->blen += (size_t)n;
		emit_lines(k);
	}
}

/* If the path now names another file (rotated), finish the old one and switch to the
 * new one from its start. Returns 0 or -errno. */
static int follow_rotation(struct klog *k)
{
	struct stat st;
	if (stat(k->path, &st) < 0 || (st.st_dev == k->dev && st.st_ino == k->ino))
		return 0; /* gone for now (mid-rotation) or the same file */
	int fd = open(k->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (!k->reopen_failed)
			plog(LOG_WARN, "cannot open the rotated kernel log; still reading the old one",
			     "path", k->path, "err", strerror(e), PLOG_END);
		k->reopen_failed = true;
		return 0;
	}
	int r = read_to_end(k);
	if (k->blen) /* the old file's last line had no newline */
		k->fn(k->ctx, k->buf, k->blen);
	close(k->fd);
	k->fd = fd;
	k->off = 0;
	k->blen = 0;
	k->reopen_failed = false;
	if (fstat(fd, &st) == 0) {
		k->dev = st.st_dev;
		k->ino = st.st_ino;
	}
	return r < 0 ? r : read_to_end(k);
}

int klog_poll_file(struct klog *k)
{
	struct stat st;
	if (fstat(k->fd, &st) < 0)
		return -errno;
	if (st.st_size < k->off) {
		/* truncated (copytruncate rotation): start over */
		k->off = 0;
		k->blen = 0;
	}
	int r = read_to_end(k);
	if (r < 0)
		return r;
	return follow_rotation(k);
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
		int r = k->is_kmsg ? klog_drain_kmsg(k) : klog_poll_file(k);
		if (r < 0 && !failed)
			plog(LOG_WARN, "reading the kernel log failed", "path", k->path, "err",
			     strerror(-r), PLOG_END);
		else if (r == 0 && failed)
			plog(LOG_INFO, "reading the kernel log works again", "path", k->path,
			     PLOG_END);
		failed = r < 0;
		if (r < 0 && k->is_kmsg) {
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
		close(k->fd);
	if (k->wake_fd >= 0)
		close(k->wake_fd);
	k->fd = k->wake_fd = -1;
}
