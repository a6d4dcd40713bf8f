/*
 * deadline: run calls that may block forever in the kernel (statfs on a dead NFS server,
 * a stuck FUSE daemon) on worker threads that the caller can abandon.
 *
 * A dl_pool is a small set of worker threads made once, at start-up. The caller hands it
 * a batch of jobs with dl_pool_run(); each job's fn runs on some worker, and each gets
 * its own time limit counted from the moment a worker starts it (node_exporter's
 * filesystem collector times each mount the same way). dl_pool_run() returns as soon as
 * every job has either finished or overrun its limit, so the caller is never held longer
 * than the slowest job's start plus the limit. One worker starts on a batch; each 5 ms
 * that jobs still wait for a worker, another joins, so quick calls cost one thread's
 * wake-up and a stuck call delays the jobs behind it by 5 ms, not by its limit.
 *
 * A job that overran is abandoned: its worker stays blocked in the kernel, the job
 * belongs to the pool until that call returns (dl_job_busy() says so), and a replacement
 * worker is started so the pool never runs dry. The number of threads is capped
 * (max_threads); when every thread is stuck and the cap is reached, jobs that could not
 * start are given up as DL_SKIPPED instead of waiting. When a stuck call finally
 * returns, its thread goes back to work or, if the pool already has enough workers,
 * ends.
 *
 * Workers block every signal, so signals keep going to the main thread. Starting the
 * pool and replacing a stuck worker create threads; a run in steady state allocates
 * nothing.
 */
#ifndef PLUMB_DEADLINE_H
#define PLUMB_DEADLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum dl_state {
	DL_IDLE = 0, /* never run */
	DL_QUEUED,   /* waiting for a worker (between start and the end of the wait only) */
	DL_RUNNING,  /* fn is running (between start and the end of the wait only) */
	DL_DONE,     /* fn returned within its limit: its results are the caller's */
	DL_TIMEDOUT, /* fn overran and was abandoned: see dl_job_busy() */
	DL_SKIPPED,  /* fn never started: every worker was stuck and no thread could be added */
};

/* A unit of work. Embed it first in a struct of your own that carries the call's
 * arguments and results; fn gets the dl_job back and must touch nothing but that
 * struct (the caller may be gone by the time a stuck call returns). */
struct dl_job {
	void (*fn)(struct dl_job *j);
	enum dl_state state;     /* read after dl_pool_run returns */
	/* private to the pool */
	struct dl_job *qnext;
	struct timespec deadline;
	bool abandoned;          /* overran; the pool owns it until fn returns */
	void (*release)(struct dl_job *j); /* set by dl_job_release on a busy job */
};

struct dl_pool;

/* Start a pool of `workers` threads (>= 1) that may grow to max_threads (>= workers)
 * while calls are stuck. The caller owns *out and ends it with dl_pool_destroy.
 * Returns 0, -EINVAL, -ENOMEM, or -EAGAIN when no thread could be created. */
int dl_pool_create(unsigned workers, unsigned max_threads, struct dl_pool **out);

/* Run jobs[0..n) (each idle, done, skipped, or timed out and no longer busy), each with
 * timeout_ms counted from its start. Returns when none is queued or running; each job's
 * state is then DL_DONE, DL_TIMEDOUT or DL_SKIPPED. Calls must not overlap. Returns 0,
 * or -EBUSY (nothing run) if one of the jobs is still busy from an earlier overrun. */
int dl_pool_run(struct dl_pool *p, struct dl_job *const *jobs, size_t n, int64_t timeout_ms);

/* dl_pool_run in two halves, so the caller can do other work while the jobs run:
 * dl_pool_start queues jobs[0..n) and wakes a worker (0, or -EBUSY with nothing
 * queued, as above); dl_pool_wait, given the same jobs, returns once none is queued or
 * running, as dl_pool_run does. Limits count from each job's start either way. Every
 * successful start must be followed by its wait before the next start. */
int dl_pool_start(struct dl_pool *p, struct dl_job *const *jobs, size_t n, int64_t timeout_ms);
void dl_pool_wait(struct dl_pool *p, struct dl_job *const *jobs, size_t n);

/* Whether job j's abandoned call is still running: while true the caller must not
 * reuse, change or free j. */
bool dl_job_busy(struct dl_pool *p, const struct dl_job *j);

/* Give up job j: calls release(j) now if j is not busy, or lets the stuck worker call
 * it when the call returns. Use this, not free(), for jobs that may have timed out. */
void dl_job_release(struct dl_pool *p, struct dl_job *j, void (*release)(struct dl_job *j));

/* Stop the pool: idle workers end now (this waits for them); stuck ones end when their
 * calls return, and the last one frees the pool. Release busy jobs first. Accepts NULL. */
void dl_pool_destroy(struct dl_pool *p);

/* Threads alive and threads stuck in an abandoned call, for tests and logs. */
void dl_pool_counts(struct dl_pool *p, unsigned *threads, unsigned *stuck);

#endif
