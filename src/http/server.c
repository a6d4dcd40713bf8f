/*
 * server: libmicrohttpd glue. See server.h.
 *
 * Each connection gets its own thread (MHD_USE_THREAD_PER_CONNECTION): a scrape may
 * wait for the collection in flight, and must not hold up other connections while it
 * does. Metrics responses point straight into the shared snapshot and release it when
 * libmicrohttpd is done sending.
 */
#include "http/server.h"

#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/log.h"

static const char root_page[] =
	"<!DOCTYPE html>\n<html><head><title>plumb</title></head>\n<body>\n<h1>plumb</h1>\n"
	"<p>A node agent: host metrics in node_exporter's names.</p>\n"
	"<ul><li><a href=\"%s\">Metrics</a></li>\n"
	"<li><a href=\"/-/healthy\">Health</a></li></ul>\n</body></html>\n";

/* Queue a response with a copy of text (the caller keeps text). Returns MHD_NO when
 * the response cannot be made, which closes the connection. */
static enum MHD_Result reply_static(struct MHD_Connection *conn, unsigned code,
				    const char *ctype, const char *text)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	enum MHD_Result ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* libmicrohttpd's free callback for a metrics body: drops the response's reference to
 * the snapshot the body points into. Runs on the connection's thread. */
static void release_snapshot(void *cls)
{
	struct snapshot *sn = cls;
	scraper_put(sn->owner, sn);
}

/* Answer a metrics request with one view of a shared snapshot (scrape.h): /metrics or
 * /metrics/resource. 503 beyond
 * --web.max-requests in flight. On success the response owns one snapshot reference,
 * given back by release_snapshot. Runs on the connection's thread, concurrently with
 * other scrapes; srv->in_flight is atomic. */
static enum MHD_Result serve_metrics(struct server *srv, struct MHD_Connection *conn,
				      enum metric_view view)
{
	enum MHD_Result ret;
	int now = atomic_fetch_add(&srv->in_flight, 1) + 1;
	if (srv->max_requests > 0 && now > srv->max_requests) {
		ret = reply_static(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
				   "too many scrapes at once; try again\n");
		goto out_dec;
	}
	const char *accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept");
	const char *enc = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Encoding");
	enum expo_format fmt = accept_format(accept, accept ? strlen(accept) : 0);
	bool gz = accept_gzip(enc, enc ? strlen(enc) : 0);
	struct snapshot *sn;
	const char *body;
	size_t len;
	int r = scraper_get_view(srv->scraper, view, fmt, gz, &sn, &body, &len);
	if (r < 0) {
		plog(LOG_ERROR, "scrape failed", "err", strerror(-r), PLOG_END);
		ret = reply_static(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain",
				   "collection failed; see plumb's log\n");
		goto out_dec;
	}
	struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback_cls(
		len, (void *)body, release_snapshot, sn);
	if (!resp) {
		scraper_put(srv->scraper, sn);
		ret = MHD_NO;
		goto out_dec;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				fmt == EXPO_OPENMETRICS ? EXPO_OPENMETRICS_CTYPE : EXPO_TEXT_CTYPE);
	if (gz)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
out_dec:
	atomic_fetch_sub(&srv->in_flight, 1);
	return ret;
}

/* Answer GET /api/v1/status with the JSON body srv->status renders (500 when it
 * cannot). The response takes the body and frees it. */
static enum MHD_Result serve_status(struct server *srv, struct MHD_Connection *conn)
{
	char *body = NULL;
	size_t len = 0;
	int r = srv->status.render(srv->status.ctx, &body, &len);
	if (r < 0) {
		plog(LOG_ERROR, "status rendering failed", "err", strerror(-r), PLOG_END);
		return reply_static(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain",
				    "status unavailable; see plumb's log\n");
	}
	struct MHD_Response *resp =
		MHD_create_response_from_buffer_with_free_callback(len, body, free);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* libmicrohttpd's access handler: routes by method and URL. Called once with the
 * headers (answered later), then again with the body, if any, which is discarded. */
static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_size, void **req_cls)
{
	struct server *srv = cls;
	(void)version;
	(void)upload_data;
	/* first call per request: headers only; answer on the second */
	if (*req_cls == NULL) {
		*req_cls = srv;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0; /* discard bodies; no endpoint takes one */
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply_static(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
				    "only GET and HEAD are served\n");
	if (strcmp(url, srv->metrics_path) == 0)
		return serve_metrics(srv, conn, VIEW_METRICS);
	if (strcmp(url, "/metrics/resource") == 0)
		return serve_metrics(srv, conn, VIEW_RESOURCE);
	if (strcmp(url, "/api/v1/status") == 0 && srv->status.render)
		return serve_status(srv, conn);
	if (strcmp(url, "/-/healthy") == 0 || strcmp(url, "/-/ready") == 0)
		return reply_static(conn, MHD_HTTP_OK, "text/plain", "OK\n");
	if (strcmp(url, "/") == 0) {
		char page[sizeof(root_page) + 512];
		snprintf(page, sizeof(page), root_page, srv->metrics_path);
		return reply_static(conn, MHD_HTTP_OK, "text/html; charset=utf-8", page);
	}
	return reply_static(conn, MHD_HTTP_NOT_FOUND, "text/plain", "not found\n");
}

int split_listen_address(const char *addr, char *host, size_t hostcap, char *port,
			 size_t portcap)
{
	const char *colon;
	const char *h = addr;
	size_t hlen;
	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');
		if (!close || close[1] != ':')
			return -EINVAL;
		h = addr + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon)
			return -EINVAL;
		hlen = (size_t)(colon - addr);
		if (memchr(addr, ':', hlen))
			return -EINVAL; /* bare IPv6 needs brackets */
	}
	size_t plen = strlen(colon + 1);
	if (hlen >= hostcap || plen == 0 || plen >= portcap)
		return -EINVAL;
	for (size_t i = 0; i < plen; i++)
		if (colon[1 + i] < '0' || colon[1 + i] > '9')
			return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	memcpy(port, colon + 1, plen + 1);
	return 0;
}

/* Bind and listen on addr. Returns the socket or -errno. */
static int bind_listen(const char *addr)
{
	char host[256], port[16];
	if (split_listen_address(addr, host, sizeof(host), port, sizeof(port)) < 0)
		return -EINVAL;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE,
				  .ai_family = host[0] ? AF_UNSPEC : AF_INET6 };
	struct addrinfo *res = NULL;
	int gr = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (gr != 0 && !host[0]) {
		hints.ai_family = AF_INET; /* no IPv6 on this host */
		gr = getaddrinfo(NULL, port, &hints, &res);
	}
	if (gr != 0)
		return -EADDRNOTAVAIL;
	int fd = -EADDRNOTAVAIL;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			fd = -errno;
			continue;
		}
		int one = 1, zero = 0;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ai->ai_family == AF_INET6 && !host[0])
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 128) == 0)
			break;
		int e = -errno;
		close(fd);
		fd = e;
	}
	freeaddrinfo(res);
	return fd;
}

int server_bind(struct server *srv, const struct plumb_config *cfg, struct scraper *scraper,
		const struct server_status *status)
{
	const char *const *addrs;
	size_t n = cfg_all(cfg, "web.listen-address", &addrs);
	int r = 0;
	memset(srv, 0, sizeof(*srv));
	srv->scraper = scraper;
	if (status)
		srv->status = *status;
	srv->metrics_path = cfg_str(cfg, "web.telemetry-path");
	if (cfg_int(cfg, "web.max-requests", &srv->max_requests) < 0)
		srv->max_requests = 40;
	if (n > SERVER_MAX_LISTEN) {
		plog(LOG_ERROR, "too many listen addresses", PLOG_END);
		return -E2BIG;
	}
	for (size_t i = 0; i < n; i++) {
		int fd = bind_listen(addrs[i]);
		if (fd < 0) {
			plog(LOG_ERROR, "cannot listen", "address", addrs[i], "err", strerror(-fd),
			     PLOG_END);
			r = fd;
			goto out_close;
		}
		srv->listeners[srv->nlisteners].fd = fd;
		srv->listeners[srv->nlisteners].addr = addrs[i];
		srv->nlisteners++;
	}
	return 0;
out_close:
	server_stop(srv);
	return r;
}

int server_start(struct server *srv)
{
	for (size_t i = 0; i < srv->nlisteners; i++) {
		struct listener *l = &srv->listeners[i];
		/* MHD_USE_ITC: a finished connection thread wakes the daemon's thread to
		 * join it and close its socket now, not at the next accept or timeout */
		l->daemon = MHD_start_daemon(
			MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
				MHD_USE_POLL | MHD_USE_ITC,
			0, NULL, NULL, handle, srv, MHD_OPTION_LISTEN_SOCKET, l->fd,
			MHD_OPTION_CONNECTION_LIMIT, (unsigned)256, MHD_OPTION_CONNECTION_TIMEOUT,
			(unsigned)60, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
			MHD_OPTION_END);
		if (!l->daemon) {
			plog(LOG_ERROR, "cannot start HTTP server", "address", l->addr, PLOG_END);
			server_stop(srv);
			return -EIO;
		}
		plog(LOG_INFO, "listening", "address", l->addr, PLOG_END);
	}
	return 0;
}

void server_stop(struct server *srv)
{
	for (size_t i = 0; i < srv->nlisteners; i++) {
		struct listener *l = &srv->listeners[i];
		if (l->daemon)
			MHD_stop_daemon(l->daemon); /* closes l->fd, which it owns */
		else
			close(l->fd);
	}
	srv->nlisteners = 0;
}
