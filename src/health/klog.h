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

/* Called on the klog thread with one line or record (not NUL-terminated, may end in
 * a newline and continuation lines for /dev/kmsg records). */
typedef void (*klog_line_fn)(void *ctx, const char *line, size_t len);

struct klog {
	int fd;            /* -1 when closed */
	int wake_fd;       /* eventfd: klog_stop wakes the thread; -1 when closed */
	bool is_kmsg;      /* a character device read record by record */
	char path[PATH_MAX];
	off_t off;         /* file: next byte to read */
	dev_t dev;         /* file: identity of the open file, to notice rotation */
	ino_t ino;
	char buf[KLOG_LINE_MAX];
	size_t blen;       /* file: bytes of an unfinished line at the start of buf */
	int poll_ms;
	klog_line_fn fn;
	void *ctx;
	uint64_t overruns; /* /dev/kmsg records lost to overwriting (EPIPE) */
	bool reopen_failed; /* logged once per rotation failure */
	pthread_t thread;
	bool started;
	atomic_bool stop;
};

/* Open path (a character device is read as /dev/kmsg, anything else as a text file)
 * positioned at its end, to report to fn(ctx, ...) once started; a file is checked
 * every poll_ms. Returns 0 or -errno (logged by the caller); on error nothing stays
 * open. */
int klog_open(struct klog *k, const char *path, int poll_ms, klog_line_fn fn, void *ctx);

/* Start the reader thread. Returns 0 or -errno. */
int klog_start(struct klog *k);

/* Read what a file source has gained since the last call and hand complete lines to
 * fn (the thread calls this every poll_ms; tests call it directly instead of
 * starting the thread). Handles truncation and rotation. Returns 0 or -errno. */
int klog_poll_file(struct klog *k);

/* Read every /dev/kmsg record available now (nonblocking). Returns 0 or -errno. */
int klog_drain_kmsg(struct klog *k);

/* Stop the thread (if started) and close everything. Accepts a zeroed struct whose fds
 * are -1, or one klog_open failed on; safe to call twice. */
void klog_close(struct klog *k);

#endif
