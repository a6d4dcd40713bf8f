/*
 * watchdog: end the process when a step that must finish does not.
 *
 * main arms one when SIGTERM or SIGINT comes: shutdown stops the threads in order,
 * and a thread blocked in the kernel on a file that will never answer (a FUSE daemon
 * that hangs, an NFS server that is gone) would hold that up for good. If the step is
 * not over within the limit, the watchdog logs what it was waiting for and calls
 * _exit(), which the kernel carries out whatever the other threads are blocked in. A
 * step that finishes in time disarms it with watchdog_stop, before anything the
 * process does on its way out (sanitizers' leak checks included).
 */
#ifndef PLUMB_WATCHDOG_H
#define PLUMB_WATCHDOG_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct watchdog {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;  /* CLOCK_MONOTONIC; signalled by watchdog_stop */
	bool disarmed;      /* guarded by mu */
	int64_t limit_ms;
	const char *what;   /* static text for the log line */
	int status;         /* for _exit */
	bool started;
};

/* Start a thread that, unless watchdog_stop comes first, logs "what did not finish
 * within limit_ms" and _exit(status)s once limit_ms have passed. what must stay valid
 * until watchdog_stop. Returns 0 or -errno (then w is not armed and needs no stop). */
int watchdog_start(struct watchdog *w, int64_t limit_ms, const char *what, int status);

/* Disarm w and join its thread. Accepts a w that failed to start or never did
 * (zeroed). */
void watchdog_stop(struct watchdog *w);

#endif
