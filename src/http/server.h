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

/* The body of GET /api/v1/status (JSON), made by another part of plumb (health).
 * render() runs on a connection's thread, concurrently with others; it returns 0 and
 * a malloc'd body in *body (the server frees it) of *len bytes, or -errno (500). */
struct server_status {
	int (*render)(void *ctx, char **body, size_t *len);
	void *ctx;
};

struct server {
	struct scraper *scraper;
	struct server_status status; /* render NULL: /api/v1/status is 404 */
	const char *metrics_path;
	int64_t max_requests;      /* 0: no limit */
	atomic_int in_flight;
	struct listener {
		int fd;                  /* bound and listening */
		const char *addr;        /* as given, owned by the config */
		struct MHD_Daemon *daemon; /* NULL until server_start */
	} listeners[SERVER_MAX_LISTEN];
	size_t nlisteners;
};

/* Bind and listen on every --web.listen-address, without serving yet: main binds
 * while it still has the privileges a low port needs, then drops them and starts the
 * server. status may be NULL (no status API). Returns 0 or -errno (logged, naming the
 * address); on error nothing stays open. */
int server_bind(struct server *srv, const struct plumb_config *cfg, struct scraper *scraper,
		const struct server_status *status);
/* Start serving on the bound sockets (one libmicrohttpd daemon and its threads each).
 * Returns 0 or -EIO (logged); on error everything is closed. */
int server_start(struct server *srv);
/* Stop serving and close every socket. Accepts a zeroed or only bound server. */
void server_stop(struct server *srv);

/* Split "host:port" / "[v6]:port" / ":port" into host (empty for any) and port.
 * Returns 0 or -EINVAL. */
int split_listen_address(const char *addr, char *host, size_t hostcap, char *port,
			 size_t portcap);

#endif
