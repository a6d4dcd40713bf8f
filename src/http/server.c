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
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/agent.h"
#include "http/sdlisten.h"
#include "http/tls.h"
#include "lib/log.h"
#include "lib/strparse.h"

/* Stack of a connection thread: the deepest path (a GnuTLS handshake, rendering into
 * the snapshot, zlib) uses well under this; sanitizers need more. */
#if defined(__SANITIZE_ADDRESS__)
#define SERVER_STACK (2u << 20)
#else
#define SERVER_STACK (256u << 10)
#endif
/* A connection's memory pool (libmicrohttpd 0.9.75) holds, from its start, the receive
 * buffer, where the request head is parsed in place, and from its end a 64-byte record
 * (struct MHD_HTTP_Header, aligned) for each header, query argument and cookie and a copy
 * of the Cookie header, which it parses; what is left must hold the head of our answer,
 * or libmicrohttpd closes the connection without one. The receive buffer starts at half
 * the pool and may fill up with what follows the head (a body, pipelined requests). So a
 * request may carry one field per SERVER_FIELD_BYTES of --web.max-header-bytes (records
 * of half the limit), the pool is three times the limit (a receive buffer of 1.5 limits,
 * records and cookie copy of 1.5) plus SERVER_POOL_SLACK and the configured response
 * headers, and every request within both limits gets its answer; head_too_large()
 * refuses the others with 431 (libmicrohttpd does itself when they do not fit). */
#define SERVER_FIELD_BYTES 128
#define SERVER_POOL_SLACK 1024
#define SERVER_BACKLOG 1024
/* Descriptors kept for the rest of plumb when the open-file limit bounds connections
 * (at most half of those free at start-up). */

const struct flag_def web_flags[] = {
	{ "web.config.file", FLAG_STRING, NULL,
	  "Web config file (YAML, as Prometheus exporters use): TLS, client certificates, "
	  "basic auth users and response headers. See docs/web.md.", false },
	{ "web.connection-timeout", FLAG_DURATION, "30s",
	  "Close a connection that sends or accepts nothing for this long (whole seconds; "
	  "0 never closes idle connections).", false },
	{ "web.max-connections", FLAG_INT, "2048",
	  "Most connections open at once on each listen address (fewer when the open-file "
	  "limit is too low for them); more are closed at once.", false },
	{ "web.max-connections-per-ip", FLAG_INT, "256",
	  "Most connections open at once from one client address; 0 means no limit.", false },
	{ "web.max-header-bytes", FLAG_INT, "16384",
	  "Largest request head (request line and headers, as sent) accepted; larger ones get "
	  "431, as do requests with more than one header, query argument or cookie per 128 "
	  "bytes of it.", false },
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
	if (strcmp(url, "/metrics/cadvisor") == 0)
		return serve_metrics(srv, conn, VIEW_CADVISOR);
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
 * users are configured). The header is decoded here rather than by libmicrohttpd, whose
 * 0.9.75 API hands the password back as a C string: "pw\0anything" would read as "pw". */
static bool authorized(struct server *srv, struct MHD_Connection *conn)
{
	if (!srv->web.nusers)
		return true;
	char buf[AUTH_CRED_MAX];
	const char *value;
	size_t len;
	struct web_cred cred;
	bool given = MHD_lookup_connection_value_n(conn, MHD_HEADER_KIND,
						   MHD_HTTP_HEADER_AUTHORIZATION,
						   strlen(MHD_HTTP_HEADER_AUTHORIZATION), &value,
						   &len) == MHD_YES &&
		     web_auth_decode(value, len, buf, sizeof(buf), &cred) == 0;
	bool ok = web_auth_check(&srv->auth, given ? &cred : NULL);
	explicit_bzero(buf, sizeof(buf));
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
		      strcmp(url, "/metrics/resource") == 0 || strcmp(url, "/metrics/cadvisor") == 0;
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

/* What a request's *req_cls points to: note_uri sets req_fresh or req_over before the
 * request's headers are read, handle() replaces it with req_seen at its first call. */
static char req_fresh, req_over, req_seen;

/* Number of query arguments libmicrohttpd makes of query (after the '?'): one per
 * '&'-separated piece, empty pieces included, but none after a final '&'. */
static size_t count_args(const char *query)
{
	size_t n = 0;
	for (const char *p = query; *p; p++)
		n += *p == '&';
	size_t len = strlen(query);
	return n + (len && query[len - 1] != '&');
}

/* libmicrohttpd's URI callback (MHD_OPTION_URI_LOG_CALLBACK): called with the raw URI
 * (NULL when the request line has none) after the request line is read and before its
 * query is parsed; returns the request's first *req_cls. A URI over
 * --web.max-header-bytes, or with more query arguments than a request may carry, gets
 * its query cut off here: 0.9.75 closes the connection with no answer when query
 * arguments overflow the pool (it replaces the 431 it queued), so they must never be
 * parsed. uri lies in the connection's receive buffer, which libmicrohttpd itself
 * writes NULs into while parsing; handle() then answers 431. */
static void *note_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	const struct server *srv = cls;
	(void)conn;
	if (!uri)
		return &req_fresh;
	char *query = strchr(uri, '?');
	if (strlen(uri) <= srv->max_header_bytes &&
	    (!query || count_args(query + 1) <= srv->max_fields))
		return &req_fresh;
	if (query)
		query[1] = '\0';
	return &req_over;
}

/* Whether the request head (request line and headers as sent, up to the empty line that
 * ends them) is over --web.max-header-bytes, or the request has more headers, query
 * arguments and cookies than max_fields. */
static bool head_too_large(const struct server *srv, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	int fields = MHD_get_connection_values(
		conn, MHD_HEADER_KIND | MHD_GET_ARGUMENT_KIND | MHD_COOKIE_KIND, NULL, NULL);
	return !ci || ci->header_size > srv->max_header_bytes || fields < 0 ||
	       (size_t)fields > srv->max_fields;
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
	(void)version;
	/* first call per request: headers only; answer on the second */
	if (*req_cls != &req_seen) {
		bool over = *req_cls == &req_over || head_too_large(srv, conn);
		*req_cls = &req_seen;
		if (over)
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

/* libmicrohttpd's connection notification, for the daemon of listener cls: counts
 * open connections (the listener's, for hand_over, and the server's), and sets a new
 * TLS session's client certificate policy before its handshake. Runs on the daemon's
 * thread (started) or the connection's (closed). */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
			  enum MHD_ConnectionNotificationCode code)
{
	struct listener *l = cls;
	struct server *srv = l->srv;
	(void)socket_ctx;
	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		atomic_fetch_sub(&l->live, 1);
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
	if (hlen >= hostcap || plen == 0)
		return -EINVAL;
	for (size_t i = 0; i < plen; i++)
		if (!ascii_digit(colon[1 + i]))
			return -EINVAL;
	/* getaddrinfo takes any number and keeps its low 16 bits (99999 is 34463) */
	uint64_t num;
	if (span_u64((struct span){ colon + 1, plen }, &num) < 0 || num > 65535)
		return -ERANGE;
	if (plen >= portcap)
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	memcpy(port, colon + 1, plen + 1);
	return 0;
}

/* Bind and listen on addr, already checked by split_listen_address. Returns the socket
 * or -errno. */
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
	srv->max_fields = srv->max_header_bytes / SERVER_FIELD_BYTES;
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

int server_declare(const struct plumb_config *cfg, struct resources *res)
{
	const char *const *addrs;
	size_t n = cfg_all(cfg, "web.listen-address", &addrs);
	int64_t per = 0;
	if (cfg_int(cfg, "web.max-connections", &per) < 0 || per < 1)
		per = 1; /* server_bind reports the bad value */
	res_small(res); /* the listen sockets, libmicrohttpd's own */
	return res_claim(res, "http connections", (uint64_t)per * (n ? n : 1));
}

/* Lower max_connections to what the descriptor plan granted the connections, split
 * between the listen addresses (server_declare claimed max_connections for each): a
 * connection over it is then closed as it arrives, instead of taking the descriptor a
 * collector needs. A shortfall is a warning. */
static void fit_connections(struct server *srv, uint64_t granted)
{
	unsigned nl = srv->nlisteners ? (unsigned)srv->nlisteners : 1;
	uint64_t each = granted / nl;
	if (each >= srv->max_connections)
		return;
	srv->max_connections = each ? (unsigned)each : 1;
	char allowed[24];
	snprintf(allowed, sizeof(allowed), "%u", srv->max_connections);
	plog(LOG_WARN, "the open-file limit is below what --web.max-connections needs; fewer "
		       "connections are accepted on each listen address",
	     "max_connections", allowed, PLOG_END);
}

int server_bind(struct server *srv, const struct plumb_config *cfg, struct scraper *scraper,
		const struct server_status *status, uint64_t conn_fds)
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
							     .addr = "systemd socket",
							     .srv = srv };
		n = 0;
	}
	for (size_t i = 0; i < n; i++) {
		char host[256], port[16];
		r = split_listen_address(addrs[i], host, sizeof(host), port, sizeof(port));
		if (r < 0) { /* a usage error (exit 2), reported before anything is bound */
			plog(LOG_ERROR, "cannot listen", "address", addrs[i], "err",
			     r == -ERANGE ? "the port must be from 0 to 65535"
					  : "not [host]:port (an IPv6 host goes in brackets)",
			     PLOG_END);
			r = -EINVAL;
			goto out_close;
		}
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
		srv->listeners[srv->nlisteners].srv = srv;
		srv->nlisteners++;
	}
	fit_connections(srv, conn_fds);
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

/* Start one libmicrohttpd daemon with srv's limits and TLS setup, for the connections
 * listener l's acceptor hands over. Returns it, or NULL. */
static struct MHD_Daemon *start_daemon(struct server *srv, struct listener *l)
{
	struct MHD_OptionItem opts[16];
	size_t n = 0;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_POLL | MHD_USE_ITC | MHD_USE_NO_LISTEN_SOCKET;
	/* MHD_USE_ITC: a finished connection thread wakes the daemon's thread to join it
	 * and close its socket now, not at the next accept or timeout; a connection
	 * handed over by the acceptor (acceptor.h) wakes it too */
#define OPT(o, v, p) (opts[n++] = (struct MHD_OptionItem){ (o), (intptr_t)(v), (p) })
	/* hand_over enforces --web.max-connections; libmicrohttpd's own limit must never be
	 * met: 0.9.75 keeps a mutex locked when a connection added from another thread
	 * finds it reached, and every one of its threads then waits forever */
	OPT(MHD_OPTION_CONNECTION_LIMIT, INT_MAX, NULL);
	OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, srv->max_per_ip, NULL);
	OPT(MHD_OPTION_CONNECTION_TIMEOUT, srv->timeout_s, NULL);
	size_t pool = 3 * srv->max_header_bytes + SERVER_POOL_SLACK;
	for (size_t i = 0; i < srv->web.nheaders; i++)
		pool += strlen(srv->web.headers[i].name) + strlen(srv->web.headers[i].value) + 4;
	OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool, NULL);
	OPT(MHD_OPTION_THREAD_STACK_SIZE, SERVER_STACK, NULL);
	OPT(MHD_OPTION_NOTIFY_CONNECTION, on_connection, l);
	OPT(MHD_OPTION_URI_LOG_CALLBACK, note_uri, srv);
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

/* acceptor_take_fn: give a new connection to listener ctx's daemon, which owns (and on
 * failure closes) it from then on, or close it at once when the listener already has
 * --web.max-connections (libmicrohttpd applies --web.max-connections-per-ip). l->live
 * counts a connection from here until libmicrohttpd reports it closed; one whose
 * memory pool libmicrohttpd then fails to allocate is never reported, and keeps its
 * count. Returns 0 or -EBUSY. */
static int hand_over(void *ctx, int fd, const struct sockaddr *sa, socklen_t len)
{
	struct listener *l = ctx;
	if (atomic_fetch_add(&l->live, 1) >= l->srv->max_connections) {
		atomic_fetch_sub(&l->live, 1);
		close(fd);
		return -EBUSY;
	}
	if (MHD_add_connection(l->daemon, fd, sa, len) != MHD_YES) {
		atomic_fetch_sub(&l->live, 1); /* refused and closed before it started */
		return -EBUSY;
	}
	return 0;
}

int server_start(struct server *srv)
{
	for (size_t i = 0; i < srv->nlisteners; i++) {
		struct listener *l = &srv->listeners[i];
		l->daemon = start_daemon(srv, l);
		int r = l->daemon ? acceptor_start(&l->acc, l->fd, hand_over, l, l->addr) : -EIO;
		if (r < 0) {
			plog(LOG_ERROR, "cannot start HTTP server", "address", l->addr, "err",
			     strerror(-r), PLOG_END);
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
		acceptor_stop(&l->acc); /* first: it hands connections to the daemon */
		if (l->daemon)
			MHD_stop_daemon(l->daemon);
		if (l->fd >= 0)
			close(l->fd); /* ours: libmicrohttpd never sees the listening socket */
		l->fd = -1;
		l->daemon = NULL;
	}
	srv->nlisteners = 0;
	web_auth_fini(&srv->auth);
	web_config_free(&srv->web);
}
