/*
 * main: start-up and shutdown of the plumb agent.
 *
 * Parses the command line (exit 2 on a usage error), sets up logging, forks the
 * privilege broker while plumb is still small (it waits for its configuration until
 * runtime_enter, so it shares few pages that plumb writes later), has every part
 * declare what it needs (core/resources.h) and plans the descriptors, starts the
 * enabled collectors, the HTTP endpoint, health and remote write (push), then waits
 * for SIGINT or SIGTERM and shuts down in reverse order. Between the privileged
 * start-up steps (ports bound, kernel log and queue opened) and starting any thread,
 * it drops its privileges and enters the sandbox (src/runtime). Signals are blocked
 * before any thread starts, so only this thread ever receives them (sigwait), and no
 * handler runs in an awkward place. Until then they keep their default action: a
 * start-up step stuck on a hung mount cannot hold off SIGTERM, and there is nothing to
 * shut down in order yet. Shutdown itself runs under a watchdog (lib/watchdog.h): a
 * thread stuck in the kernel ends with the process SHUTDOWN_LIMIT_MS after the signal.
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/agent.h"
#include "core/config.h"
#include "core/scrape.h"
#include "core/selfmetrics.h"
#include "health/health.h"
#include "http/server.h"
#include "lib/log.h"
#include "lib/memtrim.h"
#include "lib/watchdog.h"
#include "push/push.h"
#include "runtime/broker.h"
#include "runtime/runtime.h"
#include "version.h"

/* What every part needs beyond the roots, declared before anything starts, and the
 * descriptor plan made from it. Returns 0 or -errno (logged by the part). */
static int declare_all(const struct plumb_config *cfg, struct agent *agent,
		       struct resources *res, int *http_claim)
{
	int r;
	res_init(res);
	if ((r = agent_declare(agent, cfg, res)) < 0 || (r = health_declare(cfg, res)) < 0 ||
	    (r = push_declare(cfg, res)) < 0 || (r = selfmetrics_declare(cfg, res)) < 0 ||
	    (r = *http_claim = server_declare(cfg, res)) < 0)
		return r;
	return res_plan(res);
}

/* How long an orderly shutdown may take before the watchdog ends the process (exit
 * status 1). Stopping the threads takes milliseconds, but one may first have to wait
 * out a call it runs under a deadline (5 s by default: the textfile and filesystem
 * collectors' timeouts, the kernel log's); only a call stuck outside one comes here. */
#define SHUTDOWN_LIMIT_MS 8000

/* Give back the library and start-up code pages no scrape needs (lib/memtrim.h), while
 * /proc is still in view; logs what it did at debug, and why not at warn. */
static void trim_start_up_pages(void)
{
	size_t bytes = 0;
	char kib[24];
	int r = memtrim_file_pages("/proc/self/smaps", &bytes);
	snprintf(kib, sizeof(kib), "%zu", bytes >> 10);
	if (r < 0)
		plog(LOG_WARN, "cannot give back start-up pages", "err", strerror(-r), PLOG_END);
	else
		plog(LOG_DEBUG, "gave back start-up pages of read-only file mappings", "kib", kib,
		     PLOG_END);
}

/* runtime_handover: the push queue's folder, made as root, goes to the runtime user. */
static int hand_queue(void *ctx, uid_t uid, gid_t gid)
{
	return push_chown(ctx, uid, gid);
}

int main(int argc, char **argv)
{
	struct plumb_config *cfg = NULL;
	struct agent agent = { 0 };
	/* The large parts (49, 7 and 4 KiB) are static, not on the stack: main's frame is
	 * written at entry, before the broker forks, and every page of it plumb writes
	 * again would become a private copy of the broker's; bss pages plumb first touches
	 * after the fork are its own alone. main runs once, so they start zeroed as ever. */
	static struct scraper scraper;
	static struct server srv;
	static struct health health;
	struct push push = { 0 };
	struct runtime rt;
	struct broker *early = NULL; /* forked early; runtime_enter takes it */
	struct selfmetrics *self = NULL;
	static struct resources res; /* 40 KiB: not on the stack */
	int http_claim = -1;
	struct watchdog dog = { 0 };
	int status = 1;

	/* One malloc arena for every thread, with no padding kept at its top: plumb's
	 * threads allocate at start-up and when a collection outgrows its buffers, never
	 * in steady state, so a per-thread arena would buy no speed and costs resident
	 * memory (about 0.25 MiB with plumb's threads). Before any thread exists. */
	mallopt(M_ARENA_MAX, 1);
	mallopt(M_TOP_PAD, 0);

	int r = cfg_parse(argc, argv, &cfg);
	if (r == 1)
		return 0;
	if (r < 0)
		return 2;
	if (log_setup(cfg_str(cfg, "log.level"), cfg_str(cfg, "log.format")) < 0) {
		fprintf(stderr, "plumb: error: invalid value for --log.level or --log.format "
				"(levels: debug, info, warn, error; formats: logfmt, json)\n");
		status = 2;
		goto out_cfg;
	}
	signal(SIGPIPE, SIG_IGN);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);

	plog(LOG_INFO, "starting plumb", "version", PLUMB_VERSION, PLOG_END);
	/* before any part declares or initialises anything, and before any thread */
	runtime_fork_broker(cfg, &early);
	if ((r = declare_all(cfg, &agent, &res, &http_claim)) < 0) {
		plog(LOG_ERROR, "cannot plan what plumb needs", "err", strerror(-r), PLOG_END);
		goto out_agent;
	}
	agent_start(&agent, &res);
	/* process_* and the build information: plumb's own process, read through /proc
	 * whatever --path.procfs says, as the client libraries read it */
	if ((r = selfmetrics_new(cfg, "/proc/self", &self)) < 0 ||
	    (r = agent_add_source(&agent, &(struct agent_source){ "self", selfmetrics_collect,
								  self })) < 0) {
		plog(LOG_ERROR, "cannot set up plumb's own metrics", "err", strerror(-r), PLOG_END);
		goto out_agent;
	}
	scraper_init(&scraper, &agent);
	if ((r = server_bind(&srv, cfg, &scraper, health_status_hook(&health, cfg),
			     res_granted(&res, http_claim))) < 0) {
		if (r == -EINVAL) /* a bad --web.* value or web config: a usage error */
			status = 2;
		goto out_scraper;
	}
	/* health opens the kernel log and push its queue while plumb still has its
	 * privileges; a bad --health.* or --push.* value is a usage error */
	if ((r = health_open(&health, cfg, &agent, &scraper)) < 0 ||
	    (r = push_init(&push, cfg, &scraper)) < 0) {
		status = r == -EINVAL ? 2 : 1;
		goto out_stop;
	}
	/* Everything privileged is done and no other thread exists yet: what runtime_enter
	 * applies to this thread, every thread started from here on inherits, the signal
	 * mask included. */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	trim_start_up_pages();
	if ((r = runtime_enter(cfg, &res, &(struct runtime_handover){ hand_queue, &push }, &early,
				   &rt)) < 0 ||
	    (r = agent_add_source(&agent, &(struct agent_source){ "runtime", runtime_collect,
								  &rt })) < 0)
		goto out_stop;
	if ((r = server_start(&srv)) < 0 || (r = health_start(&health)) < 0 ||
	    (r = push_start(&push)) < 0)
		goto out_stop;

	int sig = 0;
	sigwait(&set, &sig);
	plog(LOG_INFO, "shutting down", "signal", strsignal(sig), PLOG_END);
	status = 0;
out_stop:
	/* also after a failed start, which may have started threads already */
	if ((r = watchdog_start(&dog, SHUTDOWN_LIMIT_MS, "shutdown", 1)) < 0)
		plog(LOG_WARN, "shutting down without a time limit", "err", strerror(-r), PLOG_END);
	push_stop(&push);
	health_stop(&health);
	server_stop(&srv);
	push_fini(&push);
	health_fini(&health);
out_scraper:
	scraper_fini(&scraper);
out_agent:
	agent_fini(&agent);
	selfmetrics_free(self);
	broker_discard(early); /* start-up failed before runtime_enter took it */
	watchdog_stop(&dog);
out_cfg:
	cfg_free(cfg);
	return status;
}
