/*
 * main: start-up and shutdown of the plumb agent.
 *
 * Parses the command line (exit 2 on a usage error), sets up logging, starts the
 * enabled collectors and the HTTP endpoint, then waits for SIGINT or SIGTERM and shuts
 * down in reverse order. Between binding its ports and starting any thread, it drops
 * its privileges and enters the sandbox (src/runtime). Signals are blocked before any
 * thread starts, so only this thread ever receives them (sigwait), and no handler runs
 * in an awkward place.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/agent.h"
#include "core/config.h"
#include "core/scrape.h"
#include "http/server.h"
#include "lib/log.h"
#include "runtime/runtime.h"
#include "version.h"

int main(int argc, char **argv)
{
	struct plumb_config *cfg = NULL;
	struct agent agent = { 0 };
	struct scraper scraper;
	struct server srv = { 0 };
	struct runtime rt;
	int status = 1;

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
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	plog(LOG_INFO, "starting plumb", "version", PLUMB_VERSION, PLOG_END);
	if ((r = agent_init(&agent, cfg)) < 0)
		goto out_cfg;
	scraper_init(&scraper, &agent);
	if ((r = server_bind(&srv, cfg, &scraper, NULL)) < 0)
		goto out_scraper;
	/* Everything privileged is done and no other thread exists yet: what runtime_enter
	 * applies to this thread, every thread started from here on inherits. */
	if ((r = runtime_enter(cfg, &rt)) < 0)
		goto out_server;
	if ((r = agent_add_source(&agent, &(struct agent_source){ "runtime", runtime_collect,
								  &rt })) < 0)
		goto out_server;
	if ((r = server_start(&srv)) < 0)
		goto out_scraper;

	int sig = 0;
	sigwait(&set, &sig);
	plog(LOG_INFO, "shutting down", "signal", strsignal(sig), PLOG_END);
	status = 0;
out_server:
	server_stop(&srv);
out_scraper:
	scraper_fini(&scraper);
	agent_fini(&agent);
out_cfg:
	cfg_free(cfg);
	return status;
}
