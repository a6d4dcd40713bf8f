/*
 * watchdog: a time limit on a step, enforced with _exit. See watchdog.h.
 */
#include "lib/watchdog.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"

/* The watchdog thread: wait for disarming until the limit, else log and end the
 * process. */
static void *watchdog_main(void *arg)
{
	struct watchdog *w = arg;
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += (time_t)(w->limit_ms / 1000);
	until.tv_nsec += (long)(w->limit_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->mu);
	int r = 0;
	while (!w->disarmed && r != ETIMEDOUT)
		r = pthread_cond_timedwait(&w->cv, &w->mu, &until);
	bool fire = !w->disarmed;
	pthread_mutex_unlock(&w->mu);
	if (fire) {
		char limit[32];
		/* should even the log line block (stderr a pipe nobody reads), SIGALRM, which
		 * no thread blocks and whose default action ends the process, does the job */
		alarm(2);
		snprintf(limit, sizeof(limit), "%lldms", (long long)w->limit_ms);
		plog(LOG_ERROR, "did not finish in time; exiting without waiting any longer",
		     "step", w->what, "limit", limit, PLOG_END);
		_exit(w->status);
	}
	return NULL;
}

int watchdog_start(struct watchdog *w, int64_t limit_ms, const char *what, int status)
{
	pthread_condattr_t ca;
	int r;
	w->disarmed = false;
	w->limit_ms = limit_ms < 0 ? 0 : limit_ms;
	w->what = what;
	w->status = status;
	w->started = false;
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	if ((r = pthread_create(&w->thread, NULL, watchdog_main, w)) != 0)
		goto out_sync;
	w->started = true;
	return 0;
out_sync:
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	return -r;
}

void watchdog_stop(struct watchdog *w)
{
	if (!w->started)
		return;
	pthread_mutex_lock(&w->mu);
	w->disarmed = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	w->started = false;
}
