/*
 * deadline: a pool of abandonable worker threads for calls that may hang. See deadline.h.
 *
 * One mutex guards everything: the job queue, every job's state, and the thread
 * counts. Workers wait on `work`; the runner (dl_pool_wait, which dl_pool_run calls
 * after dl_pool_start) and dl_pool_destroy wait on `done`, which uses CLOCK_MONOTONIC
 * so a clock step cannot stretch a wait. A runner that starts a batch and waits only
 * after other work usually finds it done and does not wait at all. A run wakes
 * one worker, which takes job after job from the queue; every DL_SPREAD_MS that jobs
 * are still queued, the runner wakes one more (a call is slow or stuck), so a stuck call
 * holds the others back by at most that. The runner is woken only when its last job
 * finishes or by its own timer, so a batch of quick calls costs one wake-up there and
 * one back, not one per worker (waking every worker for a few statfs calls cost more
 * than the calls). The pool is freed by whoever is last: dl_pool_destroy when no thread is stuck, else the last stuck
 * worker when its call returns.
 */
#include "lib/deadline.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include "lib/log.h"

#define DL_STACK_SIZE (256u << 10) /* statfs and friends need little user stack */
#define DL_SPREAD_MS 5 /* jobs queued this long wake one more worker */

struct dl_pool {
	pthread_mutex_t mu;
	pthread_cond_t work; /* a job was queued, or the pool is shutting down */
	pthread_cond_t done; /* the run's last job finished, or a thread ended */
	struct dl_job *qhead, *qtail;
	unsigned target;      /* workers wanted, not counting stuck ones */
	unsigned max_threads; /* hard cap on threads alive */
	unsigned nthreads;    /* threads alive */
	unsigned nstuck;      /* threads blocked in an abandoned call */
	int64_t timeout_ms;   /* of the current run */
	struct timespec spread; /* when the current run next wakes one more worker */
	size_t pending;       /* its jobs still queued or running, not given up */
	bool shutdown;
	bool orphaned;        /* dl_pool_destroy left; the last stuck thread frees the pool */
};

/* Add ms (>= 0) milliseconds to *ts, keeping tv_nsec below one second. */
static void ts_add_ms(struct timespec *ts, int64_t ms)
{
	ts->tv_sec += (time_t)(ms / 1000);
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Whether *a is strictly earlier than *b. */
static bool ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Free the pool's own resources. Called with no thread left and the mutex unlocked. */
static void pool_free(struct dl_pool *p)
{
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

/* Take the first queued job, or NULL. Called locked. */
static struct dl_job *queue_pop(struct dl_pool *p)
{
	struct dl_job *j = p->qhead;
	if (!j)
		return NULL;
	p->qhead = j->qnext;
	if (!p->qhead)
		p->qtail = NULL;
	j->qnext = NULL;
	return j;
}

/* Unlink j from the queue (it must be queued). Called locked. */
static void queue_remove(struct dl_pool *p, struct dl_job *j)
{
	struct dl_job **pp = &p->qhead, *prev = NULL;
	while (*pp && *pp != j) {
		prev = *pp;
		pp = &(*pp)->qnext;
	}
	if (!*pp)
		return;
	*pp = j->qnext;
	if (p->qtail == j)
		p->qtail = prev;
	j->qnext = NULL;
}

/* Whether this worker should end: shutdown, or more healthy workers than wanted
 * (a stuck call came back after its replacement started). Called locked. */
static bool worker_surplus(const struct dl_pool *p)
{
	return p->shutdown || p->nthreads - p->nstuck > p->target;
}

/* Run one job outside the lock and settle its state. Called locked; returns locked. */
static void worker_run(struct dl_pool *p, struct dl_job *j)
{
	void (*release)(struct dl_job *) = NULL;
	j->state = DL_RUNNING;
	clock_gettime(CLOCK_MONOTONIC, &j->deadline);
	ts_add_ms(&j->deadline, p->timeout_ms);
	pthread_mutex_unlock(&p->mu);
	j->fn(j);
	pthread_mutex_lock(&p->mu);
	if (j->abandoned) {
		/* the runner gave up on us; the job is ours to settle */
		p->nstuck--;
		j->abandoned = false;
		release = j->release;
		j->release = NULL;
	} else {
		j->state = DL_DONE;
		if (--p->pending == 0)
			pthread_cond_broadcast(&p->done);
	}
	if (release) {
		pthread_mutex_unlock(&p->mu);
		release(j);
		pthread_mutex_lock(&p->mu);
	}
}

/* Worker thread: take jobs until told to end. The last thread out of a pool whose owner
 * is gone frees it. */
static void *worker_main(void *arg)
{
	struct dl_pool *p = arg;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->qhead && !worker_surplus(p))
			pthread_cond_wait(&p->work, &p->mu);
		if (worker_surplus(p))
			break;
		worker_run(p, queue_pop(p));
	}
	p->nthreads--;
	bool last = p->orphaned && p->nthreads == 0;
	pthread_cond_broadcast(&p->done);
	pthread_mutex_unlock(&p->mu);
	if (last)
		pool_free(p);
	return NULL;
}

/* Start one detached worker with every signal blocked. Called locked.
 * Returns 0 or -errno from pthread_create. */
static int spawn_worker(struct dl_pool *p)
{
	pthread_attr_t attr;
	sigset_t all, old;
	pthread_t t;
	int r = pthread_attr_init(&attr);
	if (r)
		return -r;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (DL_STACK_SIZE >= PTHREAD_STACK_MIN)
		pthread_attr_setstacksize(&attr, DL_STACK_SIZE);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&t, &attr, worker_main, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (r)
		return -r;
	p->nthreads++;
	return 0;
}

/* Bring the healthy workers back up to target, within the cap. Called locked. */
static void replenish(struct dl_pool *p)
{
	while (p->nthreads - p->nstuck < p->target && p->nthreads < p->max_threads) {
		int r = spawn_worker(p);
		if (r < 0) {
			plog(LOG_WARN, "could not start a replacement worker thread", "err",
			     r == -EAGAIN ? "EAGAIN" : "error", PLOG_END);
			return;
		}
	}
}

int dl_pool_create(unsigned workers, unsigned max_threads, struct dl_pool **out)
{
	pthread_condattr_t ca;
	int r;
	*out = NULL;
	if (workers < 1 || max_threads < workers)
		return -EINVAL;
	struct dl_pool *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->target = workers;
	p->max_threads = max_threads;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->done, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_lock(&p->mu);
	for (unsigned i = 0; i < workers; i++) {
		r = spawn_worker(p);
		if (r < 0)
			goto out_stop;
	}
	pthread_mutex_unlock(&p->mu);
	*out = p;
	return 0;
out_stop:
	pthread_mutex_unlock(&p->mu);
	dl_pool_destroy(p);
	return r;
}

/* One pass over the batch: time out overrunning jobs, skip jobs no thread can take.
 * Returns how many are still pending; *next gets the earliest time one of them can
 * overrun (a queued job's limit starts no earlier than now). Called locked. */
static size_t run_pass(struct dl_pool *p, struct dl_job *const *jobs, size_t n,
		       struct timespec *next)
{
	struct timespec now, earliest;
	size_t pending = 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	earliest = now;
	ts_add_ms(&earliest, p->timeout_ms);
	*next = now;
	ts_add_ms(next, (int64_t)3600 * 1000);
	for (size_t i = 0; i < n; i++) {
		struct dl_job *j = jobs[i];
		if (j->state == DL_QUEUED && p->nthreads == p->nstuck) {
			/* every thread is stuck and none can be added: give up */
			queue_remove(p, j);
			j->state = DL_SKIPPED;
			p->pending--;
		} else if (j->state == DL_RUNNING && !ts_before(&now, &j->deadline)) {
			j->state = DL_TIMEDOUT;
			j->abandoned = true;
			p->nstuck++;
			p->pending--;
			replenish(p);
		} else if (j->state == DL_QUEUED || j->state == DL_RUNNING) {
			pending++;
			const struct timespec *at = j->state == DL_RUNNING ? &j->deadline : &earliest;
			if (ts_before(at, next))
				*next = *at;
		}
	}
	return pending;
}

int dl_pool_start(struct dl_pool *p, struct dl_job *const *jobs, size_t n, int64_t timeout_ms)
{
	int r = 0;
	bool wake = false;
	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < n; i++) {
		if (jobs[i]->abandoned) {
			r = -EBUSY;
			goto out_unlock;
		}
	}
	p->timeout_ms = timeout_ms < 0 ? 0 : timeout_ms;
	for (size_t i = 0; i < n; i++) {
		struct dl_job *j = jobs[i];
		j->state = DL_QUEUED;
		j->qnext = NULL;
		if (p->qtail)
			p->qtail->qnext = j;
		else
			p->qhead = j;
		p->qtail = j;
	}
	p->pending = n;
	clock_gettime(CLOCK_MONOTONIC, &p->spread);
	ts_add_ms(&p->spread, DL_SPREAD_MS);
	wake = n > 0;
out_unlock:
	pthread_mutex_unlock(&p->mu);
	/* signalled after the unlock: a worker woken while the lock is still held would
	 * only block on it again (two more futex calls a run). A worker not yet waiting
	 * finds the queue under the lock, so the wake-up cannot be lost. */
	if (wake)
		pthread_cond_signal(&p->work);
	return r;
}

void dl_pool_wait(struct dl_pool *p, struct dl_job *const *jobs, size_t n)
{
	struct timespec next;
	pthread_mutex_lock(&p->mu);
	while (run_pass(p, jobs, n, &next) > 0) {
		if (p->qhead) {
			/* jobs still wait: the busy workers are slow or stuck */
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (!ts_before(&now, &p->spread)) {
				pthread_cond_signal(&p->work);
				p->spread = now;
				ts_add_ms(&p->spread, DL_SPREAD_MS);
			}
			if (ts_before(&p->spread, &next))
				next = p->spread;
		}
		pthread_cond_timedwait(&p->done, &p->mu, &next);
	}
	pthread_mutex_unlock(&p->mu);
}

int dl_pool_run(struct dl_pool *p, struct dl_job *const *jobs, size_t n, int64_t timeout_ms)
{
	int r = dl_pool_start(p, jobs, n, timeout_ms);
	if (r == 0)
		dl_pool_wait(p, jobs, n);
	return r;
}

bool dl_job_busy(struct dl_pool *p, const struct dl_job *j)
{
	pthread_mutex_lock(&p->mu);
	bool busy = j->abandoned;
	pthread_mutex_unlock(&p->mu);
	return busy;
}

void dl_job_release(struct dl_pool *p, struct dl_job *j, void (*release)(struct dl_job *j))
{
	pthread_mutex_lock(&p->mu);
	bool busy = j->abandoned;
	if (busy)
		j->release = release;
	pthread_mutex_unlock(&p->mu);
	if (!busy)
		release(j);
}

void dl_pool_counts(struct dl_pool *p, unsigned *threads, unsigned *stuck)
{
	pthread_mutex_lock(&p->mu);
	*threads = p->nthreads;
	*stuck = p->nstuck;
	pthread_mutex_unlock(&p->mu);
}

void dl_pool_destroy(struct dl_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->shutdown = true;
	pthread_cond_broadcast(&p->work);
	while (p->nthreads > p->nstuck)
		pthread_cond_wait(&p->done, &p->mu);
	bool free_now = p->nthreads == 0;
	p->orphaned = !free_now;
	pthread_mutex_unlock(&p->mu);
	if (free_now)
		pool_free(p);
}
