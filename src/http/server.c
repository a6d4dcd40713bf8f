/*
 * server: libmicrohttpd glue. See server.h.
 *
 * Each connection gets its own thread (MHD_USE_THREAD_PER_CONNECTION): a scrape may
 * wait for the collection in flight, and must not hold up other connections while it
 * does; a bcrypt check or a TLS handshake costs milliseconds of one thread, not the
 * whole server. Threads get small stacks (SERVER_STACK), so a thousand idle or slow
 * connections cost a few tens of MB, and the connection limits bound how many there
 * are. Metrics responses point straight into the shared snapshot and release it when
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
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/agent.h"
#include "http/sdlisten.h"
#include "http/tls.h"
#include "lib/log.h"

/* Stack of a connection thread: the deepest path (a GnuTLS handshake, rendering into
 * the snapshot, zlib) uses well under this; sanitizers need more. */
#if defined(__SANITIZE_ADDRESS__)
#define SERVER_STACK (2u << 20)
#else
#define SERVER_STACK (256u << 10)
#endif
/* Room libmicrohttpd needs in a connection's memory pool besides the request head and
 * the configured response headers: the parsed headers' index and our own response
 * headers. A head larger than the pool is refused by libmicrohttpd itself (431);
 * head_too_large() enforces --web.max-header-bytes exactly below that. */
#define SERVER_POOL_SLACK 1024
#define SERVER_BACKLOG 1024

const struct flag_def web_flags[] = {
	{ "web.config.file", FLAG_STRING, NULL,
	  "Web config file (YAML, as Prometheus exporters use): TLS, client certificates, "
	  "basic auth users and response headers. See docs/web.md.", false },
	{ "web.connection-timeout", FLAG_DURATION, "30s",
	  "Close a connection that sends or accepts nothing for this long (whole seconds; "
	  "0 never closes idle connections).", false },
	{ "web.max-connections", FLAG_INT, "2048",
	  "Most connections open at once on each listen address; more are closed at once.",
	  false },
	{ "web.max-connections-per-ip", FLAG_INT, "256",
	  "Most connections open at once from one client address; 0 means no limit.", false },
	{ "web.max-header-bytes", FLAG_INT, "16384",
	  "Largest request line plus headers accepted; larger requests get 431.", false },
	{ NULL, 0, NULL, NULL, false },
};

static const char root_page[] =
	"<!DOCTYPE html>\n<html><head><title>plumb</title></head>\n<body>\n<h1>plumb</h1>\n"
	"<p>A node agent: host metrics in node_exporter's names.</p>\n"
	"<ul><li><a href=\"%s\">Metrics</a></li>\n"
	"<li><a href=\"/-/healthy\">Health</a></li></ul>\n</body></html>\n";

/* Add the configured http_server_config headers to resp and queue it with code, then
 * drop the caller's reference. Returns MHD_NO when it cannot be queued (libmicrohttpd
 * then closes the connection). */
static enum MHD_Result queue(struct server *srv, struct MHD_Connection *conn, unsigned code,
			     struct MHD_Response *resp)
{
	for (size_t i = 0; i < srv->web.nheaders; i++)
		MHD_add_response_header(resp, srv->web.headers[i].name, srv->web.headers[i].value);
	enum MHD_Result ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Queue a response with a copy of text (the caller keeps text), plus the header
 * hname: hval when hname is not NULL. Returns MHD_NO when the response cannot be made,
 * which closes the connection. */
static enum MHD_Result reply_static(struct server *srv, struct MHD_Connection *conn,
				    unsigned code, const char *ctype, const char *text,
				    const char *hname, const char *hval)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (hname)
		MHD_add_response_header(resp, hname, hval);
	return queue(srv, conn, code, resp);
}

/* libmicrohttpd's free callback for a metrics body: drops the response's reference to
 * the snapshot the body points into. Runs on the connection's thread. */
static void release_snapshot(void *cls)
{
	struct snapshot *sn = cls;
	scraper_put_view(sn->owner, sn);
}

/* libmicrohttpd's reader for a streamed metrics body (scrape.h): the next bytes of the
 * stream. A failure mid-body ends the response with an error, so libmicrohttpd closes
 * the connection without the final chunk and the client sees a cut-off body, never a
 * short one that looks complete. Runs on the connection's thread. */
static ssize_t read_stream(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	size_t got;
	int r = scrape_stream_read(cls, buf, max, &got);
	if (r < 0) {
		plog(LOG_ERROR, "scrape failed while streaming its body", "err", strerror(-r),
		     PLOG_END);
		return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	return got ? (ssize_t)got : MHD_CONTENT_READER_END_OF_STREAM;
}

/* libmicrohttpd's free callback for a streamed body: gives the stream back. */
static void close_stream(void *cls)
{
	scrape_stream_close(cls);
}

/* Answer a metrics request with one view of a shared snapshot (scrape.h): /metrics or
 * /metrics/resource, as a whole body or, for a large collection, a stream sent in
 * chunks. On success the response owns one snapshot reference (or the stream), given
 * back by release_snapshot (close_stream). Runs on the connection's thread,
 * concurrently with other scrapes. */
static enum MHD_Result serve_metrics(struct server *srv, struct MHD_Connection *conn,
				      enum metric_view view)
{
	const char *accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept");
	const char *enc = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Encoding");
	enum expo_format fmt = accept_format(accept, accept ? strlen(accept) : 0);
	bool gz = accept_gzip(enc, enc ? strlen(enc) : 0);
	struct snapshot *sn;
	struct scrape_stream *st;
	const char *body;
	size_t len;
	int r = scraper_open_view(srv->scraper, view, fmt, gz, &sn, &body, &len, &st);
	if (r < 0) {
		plog(LOG_ERROR, "scrape failed", "err", strerror(-r), PLOG_END);
		return reply_static(srv, conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain",
				    "collection failed; see plumb's log\n", NULL, NULL);
	}
	struct MHD_Response *resp =
		st ? MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, SCRAPE_PIECE, read_stream,
						       st, close_stream)
		   : MHD_create_response_from_buffer_with_free_callback_cls(
			     len, (void *)body, release_snapshot, sn);
	if (!resp) {
		if (st)
			scrape_stream_close(st);
		else
			scraper_put_view(srv->scraper, sn);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				fmt == EXPO_OPENMETRICS ? EXPO_OPENMETRICS_CTYPE : EXPO_TEXT_CTYPE);
	if (gz)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	return queue(srv, conn, MHD_HTTP_OK, resp);
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
		return reply_static(srv, conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain",
				    "status unavailable; see plumb's log\n", NULL, NULL);
	}
	struct MHD_Response *resp =
		MHD_create_response_from_buffer_with_free_callback(len, body, free);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	return queue(srv, conn, MHD_HTTP_OK, resp);
}

/* Route an admitted GET or HEAD request by URL. */
static enum MHD_Result route(struct server *srv, struct MHD_Connection *conn, const char *url)
{
	if (strcmp(url, srv->metrics_path) == 0)
		return serve_metrics(srv, conn, VIEW_METRICS);
	if (strcmp(url, "/metrics/resource") == 0)
		return serve_metrics(srv, conn, VIEW_RESOURCE);
	if (strcmp(url, "/api/v1/status") == 0 && srv->status.render)
		return serve_status(srv, conn);
	if (strcmp(url, "/-/healthy") == 0 || strcmp(url, "/-/ready") == 0)
		return reply_static(srv, conn, MHD_HTTP_OK, "text/plain", "OK\n", NULL, NULL);
	if (strcmp(url, "/") == 0) {
		char page[sizeof(root_page) + 512];
		snprintf(page, sizeof(page), root_page, srv->metrics_path);
		return reply_static(srv, conn, MHD_HTTP_OK, "text/html; charset=utf-8", page,
				    NULL, NULL);
	}
	return reply_static(srv, conn, MHD_HTTP_NOT_FOUND, "text/plain", "not found\n", NULL,
			    NULL);
}

/* Whether the request's basic-auth credentials match a configured user (true when no
 * users are configured). */
static bool authorized(struct server *srv, struct MHD_Connection *conn)
{
	if (!srv->web.nusers)
		return true;
	char *password = NULL;
	char *user = MHD_basic_auth_get_username_password(conn, &password);
	bool ok = web_auth_check(&srv->auth, user, password);
	if (password) {
		explicit_bzero(password, strlen(password));
		MHD_free(password);
	}
	if (user)
		MHD_free(user);
	return ok;
}

/* Handle a request: credentials, then the method (GET and HEAD only), then the route,
 * so a client without credentials learns nothing but 401. Takes one of the
 * --web.max-requests slots while it works when it scrapes or checks a password (both
 * cost CPU); beyond the limit the answer is 429. srv->in_flight is atomic. */
static enum MHD_Result admit(struct server *srv, struct MHD_Connection *conn, const char *url,
			     const char *method)
{
	enum MHD_Result ret;
	bool costly = srv->web.nusers || strcmp(url, srv->metrics_path) == 0 ||
		      strcmp(url, "/metrics/resource") == 0;
	int now = costly ? atomic_fetch_add(&srv->in_flight, 1) + 1 : 0;
	if (costly && srv->max_requests > 0 && now > srv->max_requests) {
		atomic_fetch_add(&srv->throttled, 1);
		ret = reply_static(srv, conn, MHD_HTTP_TOO_MANY_REQUESTS, "text/plain",
				   "too many scrapes at once; try again\n",
				   MHD_HTTP_HEADER_RETRY_AFTER, "1");
		goto out_dec;
	}
	if (!authorized(srv, conn)) {
		atomic_fetch_add(&srv->auth_failures, 1);
		ret = reply_static(srv, conn, MHD_HTTP_UNAUTHORIZED, "text/plain",
				   "Unauthorized\n", MHD_HTTP_HEADER_WWW_AUTHENTICATE,
				   "Basic realm=\"plumb\"");
		goto out_dec;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		ret = reply_static(srv, conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
				   "only GET and HEAD are served\n", NULL, NULL);
	else
		ret = route(srv, conn, url);
out_dec:
	if (costly)
		atomic_fetch_sub(&srv->in_flight, 1);
	return ret;
}

/* MHD_KeyValueIterator adding the size of one header or query argument, as sent
 * ("name: value\r\n", "name=value&"), to *(size_t *)cls. */
static enum MHD_Result add_field_size(void *cls, enum MHD_ValueKind kind, const char *key,
				      const char *value)
{
	size_t *sum = cls;
	(void)kind;
	*sum += strlen(key) + (value ? strlen(value) : 0) + 4;
	return MHD_YES;
}

/* Whether the request head (request line, query and headers) is over
 * --web.max-header-bytes. */
static bool head_too_large(const struct server *srv, struct MHD_Connection *conn,
			   const char *method, const char *url, const char *version)
{
	size_t sum = strlen(method) + strlen(url) + strlen(version) + 4 + 2;
	MHD_get_connection_values(conn, MHD_HEADER_KIND | MHD_GET_ARGUMENT_KIND, add_field_size,
				  &sum);
	return sum > srv->max_header_bytes;
}

/* libmicrohttpd's access handler. Called once with the headers (answered later), then
 * again with the body, if any, which is discarded. A TLS client that does not meet
 * client_auth_type gets no answer: the connection is closed. */
static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_size, void **req_cls)
{
	struct server *srv = cls;
	(void)upload_data;
	/* first call per request: headers only; answer on the second */
	if (*req_cls == NULL) {
		*req_cls = srv;
		if (head_too_large(srv, conn, method, url, version))
			return reply_static(srv, conn, MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE,
					    "text/plain", "request head too large\n", NULL, NULL);
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0; /* discard bodies; no endpoint takes one */
		return MHD_YES;
	}
	if (srv->web.tls && srv->web.client_auth != WEB_NO_CLIENT_CERT) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
		if (!ci || !ci->tls_session ||
		    !web_tls_client_ok(ci->tls_session, srv->web.client_auth)) {
			atomic_fetch_add(&srv->cert_refusals, 1);
			return MHD_NO;
		}
	}
	return admit(srv, conn, url, method);
}

/* libmicrohttpd's connection notification: counts open connections, and sets a new
 * TLS session's client certificate policy before its handshake. Runs on the listening
 * thread (started) or the connection's (closed). */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
			  enum MHD_ConnectionNotificationCode code)
{
	struct server *srv = cls;
	(void)socket_ctx;
	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		atomic_fetch_sub(&srv->open_connections, 1);
		return;
	}
	atomic_fetch_add(&srv->open_connections, 1);
	if (!srv->web.tls)
		return;
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci && ci->tls_session)
		web_tls_session_setup(ci->tls_session, srv->web.client_auth);
}

/* The plumb_http_* self-metrics, reported in every collection. */
static const struct metric_desc desc_throttled = {
	"plumb_http_requests_throttled_total",
	"Requests answered 429 because --web.max-requests were already being served.",
	METRIC_COUNTER,
};
static const struct metric_desc desc_auth_failures = {
	"plumb_http_auth_failures_total",
	"Requests answered 401: missing or wrong basic-auth credentials.", METRIC_COUNTER,
};
static const struct metric_desc desc_cert_refusals = {
	"plumb_http_client_cert_refusals_total",
	"Requests refused because the TLS client certificate did not meet client_auth_type.",
	METRIC_COUNTER,
};
static const struct metric_desc desc_bcrypt = {
	"plumb_http_bcrypt_runs_total",
	"bcrypt computations made to check basic-auth passwords (cache misses, unknown "
	"users included).", METRIC_COUNTER,
};
static const struct metric_desc desc_connections = {
	"plumb_http_connections", "HTTP connections open now, over all listen addresses.",
	METRIC_GAUGE,
};

/* agent_source callback: the counters above. Reads only atomics and a flag set before
 * serving, so it is safe while the server stops. Returns 0 or -errno from the sink. */
static int collect_http(void *ctx, struct metric_sink *out)
{
	struct server *srv = ctx;
	int r = sink_gauge(out, &desc_throttled, (double)atomic_load(&srv->throttled));
	if (r == 0)
		r = sink_gauge(out, &desc_auth_failures, (double)atomic_load(&srv->auth_failures));
	if (r == 0)
		r = sink_gauge(out, &desc_cert_refusals, (double)atomic_load(&srv->cert_refusals));
	if (r == 0 && srv->report_bcrypt)
		r = sink_gauge(out, &desc_bcrypt, (double)atomic_load(&srv->auth.bcrypt_runs));
	if (r == 0)
		r = sink_gauge(out, &desc_connections, (double)atomic_load(&srv->open_connections));
	return r;
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
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, SERVER_BACKLOG) == 0)
			break;
		int e = -errno;
		close(fd);
		fd = e;
	}
	freeaddrinfo(res);
	return fd;
}

/* Read an integer flag into *out, checking lo <= value <= hi. Returns 0 or -EINVAL
 * (logged, naming the flag). */
static int int_flag(const struct plumb_config *cfg, const char *name, int64_t lo, int64_t hi,
		    int64_t *out)
{
	if (cfg_int(cfg, name, out) < 0 || *out < lo || *out > hi) {
		char range[64];
		snprintf(range, sizeof(range), "%lld to %lld", (long long)lo, (long long)hi);
		plog(LOG_ERROR, "invalid flag value", "flag", name, "allowed", range, PLOG_END);
		return -EINVAL;
	}
	return 0;
}

/* Read the --web.* limit flags into srv. Returns 0 or -EINVAL (logged). */
static int read_limits(struct server *srv, const struct plumb_config *cfg)
{
	int64_t v, ms;
	if (int_flag(cfg, "web.max-requests", 0, 1000000, &srv->max_requests) < 0)
		return -EINVAL;
	if (int_flag(cfg, "web.max-connections", 1, 1000000, &v) < 0)
		return -EINVAL;
	srv->max_connections = (unsigned)v;
	if (int_flag(cfg, "web.max-connections-per-ip", 0, 1000000, &v) < 0)
		return -EINVAL;
	srv->max_per_ip = (unsigned)v;
	if (int_flag(cfg, "web.max-header-bytes", 1024, 1 << 20, &v) < 0)
		return -EINVAL;
	srv->max_header_bytes = (size_t)v;
	if (cfg_duration_ms(cfg, "web.connection-timeout", &ms) < 0 || ms < 0 ||
	    ms > 86400000) {
		plog(LOG_ERROR, "invalid flag value", "flag", "web.connection-timeout", "allowed",
		     "0s to 24h", PLOG_END);
		return -EINVAL;
	}
	srv->timeout_s = (unsigned)((ms + 999) / 1000);
	return 0;
}

/* Read --web.config.file (if given) and everything it names into srv->web, check the
 * TLS material, and set up basic auth. Returns 0, -EINVAL (logged) or -errno. */
static int load_web_config(struct server *srv, const struct plumb_config *cfg)
{
	char err[WEB_ERR_MAX];
	const char *path = cfg_str(cfg, "web.config.file");
	int r;
	if (path && path[0]) {
		r = web_config_load(path, &srv->web, err, sizeof(err));
		if (r == 0 && srv->web.tls)
			r = web_tls_check(&srv->web, err, sizeof(err));
		if (r == 0 && srv->web.tls &&
		    web_tls_priorities(&srv->web, srv->tls_priorities,
				       sizeof(srv->tls_priorities)) < 0) {
			snprintf(err, sizeof(err), "TLS priority string too long");
			r = -EINVAL;
		}
		if (r == -EINVAL)
			plog(LOG_ERROR, "bad --web.config.file", "err", err, PLOG_END);
		if (r < 0)
			return r;
	}
	return web_auth_init(&srv->auth, &srv->web);
}

/* Make room for max_connections sockets per listener: raise the soft limit on open
 * files towards the hard one (as Go programs do at start). A failure only warns. */
static void raise_nofile(const struct server *srv)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)srv->max_connections * (srv->nlisteners ? srv->nlisteners : 1) + 256;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < want)
		plog(LOG_WARN, "the open-file limit is below --web.max-connections; "
			       "connections beyond it will fail", PLOG_END);
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
	if ((r = read_limits(srv, cfg)) < 0)
		return r;
	if (n > SERVER_MAX_LISTEN) {
		plog(LOG_ERROR, "too many listen addresses", PLOG_END);
		return -E2BIG;
	}
	if ((r = load_web_config(srv, cfg)) < 0)
		goto out_close;
	if (sdlisten_enabled(cfg)) {
		/* systemd's sockets instead of --web.listen-address, as node_exporter */
		int fds[SERVER_MAX_LISTEN];
		if ((r = sdlisten_take(fds, SERVER_MAX_LISTEN, &srv->nlisteners)) < 0)
			goto out_close;
		for (size_t i = 0; i < srv->nlisteners; i++)
			srv->listeners[i] = (struct listener){ .fd = fds[i],
							     .addr = "systemd socket" };
		n = 0;
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
	raise_nofile(srv);
	srv->report_bcrypt = srv->web.nusers > 0;
	struct agent_source src = { "http", collect_http, srv };
	if ((r = agent_add_source(scraper->agent, &src)) < 0) {
		plog(LOG_ERROR, "cannot register the HTTP self-metrics", PLOG_END);
		goto out_close;
	}
	return 0;
out_close:
	server_stop(srv);
	return r;
}

/* Start one libmicrohttpd daemon on listener l with srv's limits and TLS setup.
 * Returns it, or NULL. */
static struct MHD_Daemon *start_daemon(struct server *srv, struct listener *l)
{
	struct MHD_OptionItem opts[16];
	size_t n = 0;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_POLL | MHD_USE_ITC;
	/* MHD_USE_ITC: a finished connection thread wakes the daemon's thread to join it
	 * and close its socket now, not at the next accept or timeout */
#define OPT(o, v, p) (opts[n++] = (struct MHD_OptionItem){ (o), (intptr_t)(v), (p) })
	OPT(MHD_OPTION_LISTEN_SOCKET, l->fd, NULL);
	OPT(MHD_OPTION_CONNECTION_LIMIT, srv->max_connections, NULL);
	OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, srv->max_per_ip, NULL);
	OPT(MHD_OPTION_CONNECTION_TIMEOUT, srv->timeout_s, NULL);
	size_t pool = srv->max_header_bytes + SERVER_POOL_SLACK;
	for (size_t i = 0; i < srv->web.nheaders; i++)
		pool += strlen(srv->web.headers[i].name) + strlen(srv->web.headers[i].value) + 4;
	OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool, NULL);
	OPT(MHD_OPTION_THREAD_STACK_SIZE, SERVER_STACK, NULL);
	OPT(MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv);
	if (srv->web.tls) {
		flags |= MHD_USE_TLS;
		OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, srv->web.cert_pem);
		OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, srv->web.key_pem);
		OPT(MHD_OPTION_HTTPS_PRIORITIES, 0, srv->tls_priorities);
		if (srv->web.ca_pem)
			OPT(MHD_OPTION_HTTPS_MEM_TRUST, 0, srv->web.ca_pem);
	}
	OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
	return MHD_start_daemon(flags, 0, NULL, NULL, handle, srv, MHD_OPTION_ARRAY, opts,
				MHD_OPTION_END);
}

int server_start(struct server *srv)
{
	for (size_t i = 0; i < srv->nlisteners; i++) {
		struct listener *l = &srv->listeners[i];
		l->daemon = start_daemon(srv, l);
		if (!l->daemon) {
			/* libmicrohttpd closes a listening socket it was given when it fails to
			 * start (0.9.75 does, checked with fcntl): the number is no longer ours
			 * to close, and may already name another file */
			l->fd = -1;
			plog(LOG_ERROR, "cannot start HTTP server", "address", l->addr, PLOG_END);
			server_stop(srv);
			return -EIO;
		}
		plog(LOG_INFO, "listening", "address", l->addr, "tls",
		     srv->web.tls ? "true" : "false", PLOG_END);
	}
	return 0;
}

void server_stop(struct server *srv)
{
	for (size_t i = 0; i < srv->nlisteners; i++) {
		struct listener *l = &srv->listeners[i];
		if (l->daemon)
			MHD_stop_daemon(l->daemon); /* closes l->fd, which it owns */
		else if (l->fd >= 0)
			close(l->fd);
		l->daemon = NULL;
	}
	srv->nlisteners = 0;
	web_auth_fini(&srv->auth);
	web_config_free(&srv->web);
}
