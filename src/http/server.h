/*
 * server: the HTTP endpoint, on libmicrohttpd.
 *
 * Serves GET <telemetry path> (metrics, negotiated text or OpenMetrics, gzip on
 * request), GET /metrics/resource (the resource view, see sink.h), GET / (a small page
 * linking to them), /-/healthy and /-/ready, and /api/v1/status when a status renderer
 * is hooked in; nothing else. One libmicrohttpd daemon per --web.listen-address, each
 * fed by an acceptor (acceptor.h) on a socket plumb binds itself, so a bad address is a
 * clear start-up error and running out of descriptors pauses accepting instead of
 * spinning.
 *
 * --web.config.file (webconfig.h) adds TLS through libmicrohttpd's GnuTLS support,
 * client certificates (tls.h), basic authentication (auth.h) and extra response
 * headers; the --web.* limit flags bound connections, their idle time, header size and
 * concurrent scrapes (429 beyond). docs/web.md describes both for operators.
 */
#ifndef PLUMB_SERVER_H
#define PLUMB_SERVER_H

#include <stdatomic.h>
#include <stddef.h>

#include "core/config.h"
#include "core/scrape.h"
#include "http/acceptor.h"
#include "http/auth.h"
#include "http/webconfig.h"

#define SERVER_MAX_LISTEN 16

/* The body of GET /api/v1/status (JSON), made by another part of plumb (health).
 * render() runs on a connection's thread, concurrently with others; it returns 0 and
 * a malloc'd body in *body (the server frees it) of *len bytes, or -errno (500). */
struct server_status {
	int (*render)(void *ctx, char **body, size_t *len);
	void *ctx;
};

/* The --web.* flags of the endpoint beyond the core's (listen address, telemetry path,
 * max requests), listed in src/core/modules.c. */
extern const struct flag_def web_flags[];

struct server {
	struct scraper *scraper;
	struct server_status status; /* render NULL: /api/v1/status is 404 */
	const char *metrics_path;
	int64_t max_requests;      /* 0: no limit */
	atomic_int in_flight;
	/* limits, from the flags */
	unsigned timeout_s;        /* idle connections are closed after this; 0: never */
	unsigned max_connections;  /* per listen address; lowered to fit RLIMIT_NOFILE */
	unsigned max_per_ip;       /* 0: no limit */
	size_t max_header_bytes;   /* request line and headers, as sent */
	size_t max_fields;         /* headers, query arguments and cookies */
	/* --web.config.file, read in server_bind */
	struct web_config web;
	struct web_auth auth;
	char tls_priorities[128];
	/* self-metrics (plumb_http_*), see server.c; read by collections at any time */
	atomic_ullong throttled, auth_failures, cert_refusals;
	atomic_int open_connections;
	bool report_bcrypt;        /* basic auth is on: report plumb_http_bcrypt_runs_total */
	struct listener {
		int fd;                  /* bound and listening, owned */
		const char *addr;        /* as given, owned by the config */
		struct MHD_Daemon *daemon; /* NULL until server_start */
		struct acceptor acc;     /* accepts on fd for daemon, from server_start */
		struct server *srv;
		atomic_uint live;        /* connections handed to daemon and not closed */
	} listeners[SERVER_MAX_LISTEN];
	size_t nlisteners;
};

/* Claim the descriptors the connections need (--web.max-connections for each
 * --web.listen-address) in res (core/resources.h). Returns the claim's id, whose grant
 * server_bind takes, or -E2BIG. */
int server_declare(const struct plumb_config *cfg, struct resources *res);

/* Read --web.config.file and every file it names, check the --web.* limits, then bind
 * and listen on every --web.listen-address, without serving yet: main binds while it
 * still has the privileges a low port needs and can still read any file, then drops
 * them and starts the server. Registers the plumb_http_* self-metrics with the
 * scraper's agent. status may be NULL (no status API). conn_fds is the descriptors the
 * plan granted the connections: fewer than --web.max-connections per address lowers
 * it (logged). Returns 0, -EINVAL for a bad
 * web config or flag value (a usage error: main exits 2), or -errno (logged, naming the
 * address or file); on error nothing stays open or allocated. */
int server_bind(struct server *srv, const struct plumb_config *cfg, struct scraper *scraper,
		const struct server_status *status, uint64_t conn_fds);
/* Start serving on the bound sockets (one libmicrohttpd daemon and its threads each).
 * Returns 0 or -EIO (logged); on error everything is closed. */
int server_start(struct server *srv);
/* Stop serving and close every socket. Accepts a zeroed or only bound server. */
void server_stop(struct server *srv);

/* Split "host:port" / "[v6]:port" / ":port" into host (empty for any) and port, a
 * decimal from 0 (the kernel picks a free port, as Go does) to 65535. Returns 0,
 * -EINVAL for bad syntax, or -ERANGE for a port over 65535. */
int split_listen_address(const char *addr, char *host, size_t hostcap, char *port,
			 size_t portcap);

#endif
