/*
 * klog: follows the kernel log, from /dev/kmsg or from a text file, without replaying
 * its history.
 *
 * klog_open opens the source (main calls it while plumb still has the privileges
 * /dev/kmsg may need) and moves to its end: /dev/kmsg by seeking with SEEK_END, a file
 * by remembering its size, so messages logged before start-up are never reported as
 * new. klog_start runs a thread that hands every later line to a callback: for
 * /dev/kmsg it blocks in poll() on the device and an eventfd that klog_stop writes to;
 * a file is polled every poll_ms, and followed across truncation (read again from the
 * start) and rotation (the old file is read to its end, then the new one from its
 * start). A line longer than the buffer is cut, never a crash.
 *
 * A log file's path may name anything for a while: nothing (mid-rotation), a FIFO, a
 * directory, a file on a mount that stopped answering. The follower never waits on
 * one: files are opened through lib/regfile.h, and every call on the file or its path
 * (stat, open, fstat, pread) runs on a lib/deadline.h worker with io_timeout_ms. While
 * the path cannot be followed (it names no regular file we can open, or a call overran
 * or failed), the second callback hears so, once per change, with the reason; when a
 * regular file is there again, it is followed from its start and the callback hears
 * that too.
 */
#ifndef PLUMB_HEALTH_KLOG_H
#define PLUMB_HEALTH_KLOG_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define KLOG_LINE_MAX 8192
#define KLOG_IO_TIMEOUT_MS 5000 /* longest wait for one call on a log file or its path */

/* Called on the klog thread with one line or record (not NUL-terminated, may end in
 * a newline and continuation lines for /dev/kmsg records). */
typedef void (*klog_line_fn)(void *ctx, const char *line, size_t len);

/* Called on the klog thread when following a log file stops (following false; why
 * says why, a static string such as "not a regular file") or works again (following
 * true, why NULL). Each change is reported once. */
typedef void (*klog_state_fn)(void *ctx, bool following, const char *why);

struct klog_io;
struct dl_pool;

struct klog {
	int fd;            /* -1 when closed, and for a file while its path is not followed */
	int wake_fd;       /* eventfd: klog_stop wakes the thread; -1 when closed */
	bool is_kmsg;      /* the kernel's /dev/kmsg, read record by record */
	char path[PATH_MAX];
	off_t off;         /* file: next byte to read */
	dev_t dev;         /* file: identity of the open file, to notice rotation */
	ino_t ino;
	char buf[KLOG_LINE_MAX];
	size_t blen;       /* file: bytes of an unfinished line at the start of buf */
	int poll_ms;
	int64_t io_timeout_ms; /* file: KLOG_IO_TIMEOUT_MS; tests lower it */
	klog_line_fn fn;
	klog_state_fn state_fn; /* may be NULL */
	void *ctx;
	uint64_t overruns; /* /dev/kmsg records lost to overwriting (EPIPE) */
	int err;           /* file: 0 while followed, else the -errno why not (reported) */
	struct klog_io *io;   /* file: the job for blocking calls; owned (see klog.c) */
	bool io_late;         /* file: io's call overran; settle it once it has returned */
	struct dl_pool *pool; /* file: runs io; made by the first poll */
	pthread_t thread;
	bool started;
	atomic_bool stop;
};

/* Open path positioned at its end, to report lines to fn(ctx, ...) and changes in
 * following a file to state_fn(ctx, ...) (which may be NULL) once started. The
 * kernel's /dev/kmsg (the character device 1:11) is read record by record; anything
 * else is a text file checked every poll_ms. A path that names something other than a
 * regular file (a FIFO, a socket, another device, a directory) is not opened: klog
 * then waits for a regular file to appear there, and k->err says why it waits (the
 * caller reports that first state; state_fn hears only later changes). Returns 0 or
 * -errno (a path that cannot be opened at all, -ENOENT included; logged by the
 * caller); on error nothing stays open. */
int klog_open(struct klog *k, const char *path, int poll_ms, klog_line_fn fn,
	      klog_state_fn state_fn, void *ctx);

/* Start the reader thread. Returns 0 or -errno. */
int klog_start(struct klog *k);

/* Read what a file source has gained since the last call and hand complete lines to
 * fn (the thread calls this every poll_ms; tests call it directly instead of
 * starting the thread). Handles truncation, rotation, a path that names no regular
 * file for a while, and calls that overrun io_timeout_ms (-ETIMEDOUT; the next polls
 * return that too, at once, until the stuck call has returned). Returns 0 when the
 * file is followed, else the -errno why not, which k->err holds and state_fn heard. */
int klog_poll_file(struct klog *k);

/* Read every /dev/kmsg record available now (nonblocking). Returns 0 or -errno. */
int klog_drain_kmsg(struct klog *k);

/* Stop the thread (if started) and close everything. Accepts a zeroed struct whose fds
 * are -1, or one klog_open failed on; safe to call twice. */
void klog_close(struct klog *k);

#endif
