/*
 * server: the HTTP endpoint, on libmicrohttpd.
 *
 * Serves GET <telemetry path> (metrics, negotiated text or OpenMetrics, gzip on
 * request), GET /metrics/resource (the resource view, see sink.h), GET / (a small page
 * linking to them), and /-/healthy and /-/ready. One
 * libmicrohttpd daemon per --web.listen-address, each on a socket plumb binds itself so
 * a bad address is a clear start-up error.
 */
#ifndef PLUMB_SERVER_H
#define PLUMB_SERVER_H

#include <stdatomic.h>
#include <stddef.h>

#include "core/config.h"
#include "core/scrape.h"

#define SERVER_MAX_LISTEN 16

struct server {
	struct scraper *scraper;
	const char *metrics_path;
	int64_t max_requests;      /* 0: no limit */
	atomic_int in_flight;
	struct MHD_Daemon *daemons[SERVER_MAX_LISTEN];
	size_t ndaemons;
};

/* Bind every --web.listen-address and start serving. Returns 0 or -errno (logged,
 * naming the address). */
int server_start(struct server *srv, const struct plumb_config *cfg, struct scraper *scraper);
void server_stop(struct server *srv); /* accepts a zeroed server */

/* Split "host:port" / "[v6]:port" / ":port" into host (empty for any) and port.
 * Returns 0 or -EINVAL. */
int split_listen_address(const char *addr, char *host, size_t hostcap, char *port,
			 size_t portcap);

#endif
