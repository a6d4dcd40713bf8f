/*
 * webconfig: the exporter-toolkit web config file, read with libyaml. See webconfig.h.
 *
 * The parser walks libyaml's event stream against the one schema it knows: each known
 * key has a handler that reads exactly the value shape it expects, so hostile input
 * never recurses further than the schema does (three levels), and anything else (an
 * unknown key, a sequence where a string belongs, an alias, a second document) stops
 * parsing with a message that names the key and its line.
 */
#include "http/webconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "lib/regfile.h"

#define MAX_SCALAR 4096 /* longest string value or key */

struct parser {
	yaml_parser_t y;
	yaml_event_t ev;
	bool have_ev;
	char *err;
	size_t errcap;
};

/* Write a one-line message into p->err (the line of the current event first; control
 * characters become '?'). Returns
 * -EINVAL for the caller to pass up. */
static int fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct parser *p, const char *fmt, ...)
{
	char msg[WEB_ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (char *c = msg; *c; c++) /* values quoted from the file stay on one line */
		if ((unsigned char)*c < 0x20)
			*c = '?';
	if (p->have_ev)
		snprintf(p->err, p->errcap, "line %zu: %s", p->ev.start_mark.line + 1, msg);
	else
		snprintf(p->err, p->errcap, "%s", msg);
	return -EINVAL;
}

/* Move to the next event (freeing the current one). Syntax errors and aliases are
 * errors. Returns 0 or -EINVAL. */
static int next(struct parser *p)
{
	if (p->have_ev)
		yaml_event_delete(&p->ev);
	p->have_ev = false;
	if (!yaml_parser_parse(&p->y, &p->ev)) {
		snprintf(p->err, p->errcap, "line %zu: YAML syntax error: %s",
			 p->y.problem_mark.line + 1, p->y.problem ? p->y.problem : "unknown");
		return -EINVAL;
	}
	p->have_ev = true;
	if (p->ev.type == YAML_ALIAS_EVENT)
		return fail(p, "YAML aliases are not supported in the web config");
	return 0;
}

/* Whether the current event is a plain null scalar ("", "~", "null"). */
static bool is_null(const struct parser *p)
{
	if (p->ev.type != YAML_SCALAR_EVENT || p->ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	const char *v = (const char *)p->ev.data.scalar.value;
	return !*v || !strcmp(v, "~") || !strcasecmp(v, "null");
}

/* Read the value of key `where` as a string: *out gets a malloc'd copy (NULL for a
 * null or empty value). Returns 0, -EINVAL or -ENOMEM. */
static int read_string(struct parser *p, const char *where, char **out)
{
	int r = next(p);
	if (r < 0)
		return r;
	if (p->ev.type != YAML_SCALAR_EVENT)
		return fail(p, "%s must be a string", where);
	if (p->ev.data.scalar.length > MAX_SCALAR)
		return fail(p, "%s is longer than %d bytes", where, MAX_SCALAR);
	if (memchr(p->ev.data.scalar.value, '\0', p->ev.data.scalar.length))
		return fail(p, "%s contains a NUL byte", where);
	free(*out);
	*out = NULL;
	if (is_null(p))
		return 0;
	*out = strdup((const char *)p->ev.data.scalar.value);
	return *out ? 0 : -ENOMEM;
}

/* Read the value of key `where` as a YAML 1.1 boolean into *out. 0 or -EINVAL. */
static int read_bool(struct parser *p, const char *where, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", "y"};
	static const char *const no[] = {"false", "no", "off", "n"};
	int r = next(p);
	if (r < 0)
		return r;
	if (p->ev.type != YAML_SCALAR_EVENT)
		return fail(p, "%s must be true or false", where);
	const char *v = (const char *)p->ev.data.scalar.value;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return fail(p, "%s must be true or false, not \"%.64s\"", where, v);
}

/* Read a TLS version name (TLS10 ... TLS13) for key `where`. 0 or -EINVAL. */
static int read_version(struct parser *p, const char *where, enum web_tls_version *out)
{
	static const char *const names[] = {"TLS10", "TLS11", "TLS12", "TLS13"};
	char *v = NULL;
	int r = read_string(p, where, &v);
	if (r < 0)
		goto out;
	r = fail(p, "%s must be one of TLS10, TLS11, TLS12, TLS13, not \"%.64s\"", where,
		 v ? v : "");
	for (size_t i = 0; v && i < 4; i++)
		if (!strcmp(v, names[i])) {
			*out = (enum web_tls_version)(WEB_TLS10 + i);
			r = 0;
		}
out:
	free(v);
	return r;
}

/* Read tls_server_config.client_auth_type. 0 or -EINVAL. */
static int read_client_auth(struct parser *p, enum web_client_auth *out)
{
	static const char *const names[] = {"NoClientCert", "RequestClientCert",
					    "RequireAnyClientCert", "VerifyClientCertIfGiven",
					    "RequireAndVerifyClientCert"};
	char *v = NULL;
	int r = read_string(p, "tls_server_config.client_auth_type", &v);
	if (r < 0)
		goto out;
	if (!v) { /* empty: Go's default */
		*out = WEB_NO_CLIENT_CERT;
		goto out;
	}
	r = fail(p,
		 "tls_server_config.client_auth_type \"%.64s\" is not one of NoClientCert, "
		 "RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, "
		 "RequireAndVerifyClientCert",
		 v);
	for (size_t i = 0; i < 5; i++)
		if (!strcmp(v, names[i])) {
			*out = (enum web_client_auth)i;
			r = 0;
		}
out:
	free(v);
	return r;
}

/* A mapping's keys are handled by a function that reads the key's value. */
typedef int (*key_fn)(struct parser *p, const char *key, struct web_config *c);

/* Read the start of the mapping that is the next value (named `where` in messages).
 * Returns 1 when a mapping starts, 0 for a null value (an empty mapping), or -EINVAL. */
static int begin_mapping(struct parser *p, const char *where)
{
	int r = next(p);
	if (r < 0)
		return r;
	if (is_null(p))
		return 0;
	if (p->ev.type != YAML_MAPPING_START_EVENT)
		return fail(p, "%s must be a mapping", where);
	return 1;
}

/* Read the next key of the mapping `where`. Returns 1 with the key as the current
 * (scalar) event, 0 at the mapping's end, or -EINVAL. */
static int next_key(struct parser *p, const char *where)
{
	int r = next(p);
	if (r < 0)
		return r;
	if (p->ev.type == YAML_MAPPING_END_EVENT)
		return 0;
	if (p->ev.type != YAML_SCALAR_EVENT)
		return fail(p, "a key in %s is not a string", where);
	return 1;
}

/* Walk the mapping whose value comes next (a null value is an empty mapping), calling
 * fn for each key. A key repeated is an error; `where` names the mapping in messages.
 * Returns 0 or -errno. */
static int walk_mapping(struct parser *p, const char *where, key_fn fn, struct web_config *c)
{
	char seen[16][40];
	size_t nseen = 0;
	int r = begin_mapping(p, where);
	while (r > 0 && (r = next_key(p, where)) > 0) {
		char key[40];
		if (p->ev.data.scalar.length >= sizeof(key))
			return fail(p, "unknown key \"%.64s\" in %s", p->ev.data.scalar.value,
				    where);
		memcpy(key, p->ev.data.scalar.value, p->ev.data.scalar.length + 1);
		for (size_t i = 0; i < nseen; i++)
			if (!strcmp(seen[i], key))
				return fail(p, "key %s appears twice in %s", key, where);
		if (nseen < sizeof(seen) / sizeof(seen[0]))
			memcpy(seen[nseen++], key, sizeof(key));
		if ((r = fn(p, key, c)) < 0)
			return r;
		r = 1; /* on to the next key */
	}
	return r;
}

/* Keys of tls_server_config plumb does not implement: rejected by name. */
static const char *const tls_unsupported[] = {
    "cipher_suites", "curve_preferences", "client_allowed_sans", "cert", "key", "client_ca", NULL,
};

/* A key of tls_server_config: its value goes into c (strings malloc'd, owned by c).
 * Unsupported and unknown keys are errors. Returns 0 or -errno. */
static int tls_key(struct parser *p, const char *key, struct web_config *c)
{
	if (!strcmp(key, "cert_file"))
		return read_string(p, "tls_server_config.cert_file", &c->cert_file);
	if (!strcmp(key, "key_file"))
		return read_string(p, "tls_server_config.key_file", &c->key_file);
	if (!strcmp(key, "client_ca_file"))
		return read_string(p, "tls_server_config.client_ca_file", &c->client_ca_file);
	if (!strcmp(key, "client_auth_type"))
		return read_client_auth(p, &c->client_auth);
	if (!strcmp(key, "min_version"))
		return read_version(p, "tls_server_config.min_version", &c->min_version);
	if (!strcmp(key, "max_version"))
		return read_version(p, "tls_server_config.max_version", &c->max_version);
	if (!strcmp(key, "prefer_server_cipher_suites"))
		return read_bool(p, "tls_server_config.prefer_server_cipher_suites",
				 &c->prefer_server_cipher_suites);
	for (size_t i = 0; tls_unsupported[i]; i++)
		if (!strcmp(key, tls_unsupported[i]))
			return fail(p, "tls_server_config.%s is not supported by plumb", key);
	return fail(p, "unknown key tls_server_config.%s", key);
}

/* The response headers exporter-toolkit lets a config set, and the values it allows
 * (NULL: any). */
static const struct {
	const char *name;
	const char *values[3];
} allowed_headers[WEB_MAX_HEADERS] = {
    {"Strict-Transport-Security", {NULL}},
    {"X-Content-Type-Options", {"nosniff", NULL}},
    {"X-Frame-Options", {"deny", "sameorigin", NULL}},
    {"X-XSS-Protection", {NULL}},
    {"Content-Security-Policy", {NULL}},
};

/* Check header h's name and value against allowed_headers. 0 or -EINVAL. */
static int check_header(struct parser *p, const struct web_header *h)
{
	for (const char *s = h->value; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return fail(p, "http_server_config.headers.%s has a control character",
				    h->name);
	for (size_t i = 0; i < WEB_MAX_HEADERS; i++) {
		if (strcmp(h->name, allowed_headers[i].name) != 0)
			continue;
		if (!allowed_headers[i].values[0])
			return 0;
		for (size_t j = 0; allowed_headers[i].values[j]; j++)
			if (!strcasecmp(h->value, allowed_headers[i].values[j]))
				return 0;
		return fail(p, "http_server_config.headers.%s: value \"%.64s\" is not allowed",
			    h->name, h->value);
	}
	return fail(p,
		    "http_server_config.headers.%s cannot be set (allowed: "
		    "Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, "
		    "X-XSS-Protection, Content-Security-Policy)",
		    h->name);
}

/* A key of http_server_config.headers: the header joins c->headers (name and value
 * malloc'd, owned by c; a null value becomes "") once checked against allowed_headers.
 * Returns 0 or -errno. */
static int header_key(struct parser *p, const char *key, struct web_config *c)
{
	if (c->nheaders >= WEB_MAX_HEADERS)
		return fail(p, "http_server_config.headers.%s cannot be set", key);
	struct web_header *h = &c->headers[c->nheaders];
	if (!(h->name = strdup(key)))
		return -ENOMEM;
	c->nheaders++;
	char where[80];
	snprintf(where, sizeof(where), "http_server_config.headers.%s", key);
	int r = read_string(p, where, &h->value);
	if (r < 0)
		return r;
	if (!h->value && !(h->value = strdup("")))
		return -ENOMEM;
	return check_header(p, h);
}

/* A key of http_server_config: headers, or http2, which must be false. Returns 0 or
 * -errno. */
static int http_key(struct parser *p, const char *key, struct web_config *c)
{
	if (!strcmp(key, "headers"))
		return walk_mapping(p, "http_server_config.headers", header_key, c);
	if (!strcmp(key, "http2")) {
		bool on = false;
		int r = read_bool(p, "http_server_config.http2", &on);
		if (r == 0 && on)
			return fail(p, "http_server_config.http2: plumb serves HTTP/1.1 only; "
				       "remove the key or set it to false");
		return r;
	}
	return fail(p, "unknown key http_server_config.%s", key);
}

/* Whether h is a bcrypt hash as Go's bcrypt writes it: $2a$, $2b$ or $2y$, a two-digit
 * cost from 4 to 31, then 53 characters of bcrypt's base64. */
static bool is_bcrypt(const char *h)
{
	if (strlen(h) != 60 || h[0] != '$' || h[1] != '2' || !strchr("aby", h[2]) || h[3] != '$' ||
	    h[6] != '$')
		return false;
	if (h[4] < '0' || h[4] > '3' || h[5] < '0' || h[5] > '9')
		return false;
	int cost = (h[4] - '0') * 10 + (h[5] - '0');
	if (cost < 4 || cost > 31)
		return false;
	for (size_t i = 7; i < 60; i++)
		if (!strchr("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
			    h[i]))
			return false;
	return true;
}

/* basic_auth_users is walked by hand: its keys are user names, not a fixed schema. */
static int read_users(struct parser *p, struct web_config *c)
{
	const char *where = "basic_auth_users";
	int r = begin_mapping(p, where);
	while (r > 0 && (r = next_key(p, where)) > 0) {
		const char *name = (const char *)p->ev.data.scalar.value;
		size_t nlen = p->ev.data.scalar.length;
		if (nlen > 256 || memchr(name, ':', nlen) || strlen(name) != nlen)
			return fail(p,
				    "basic_auth_users: user name \"%.64s\" is longer than 256 "
				    "bytes or holds ':' or NUL",
				    name);
		for (size_t i = 0; i < c->nusers; i++)
			if (!strcmp(c->users[i].name, name))
				return fail(p, "basic_auth_users: user %.64s appears twice", name);
		if (c->nusers >= WEB_MAX_USERS)
			return fail(p, "basic_auth_users: more than %d users", WEB_MAX_USERS);
		struct web_user *u = realloc(c->users, (c->nusers + 1) * sizeof(*u));
		if (!u)
			return -ENOMEM;
		c->users = u;
		u = &c->users[c->nusers];
		*u = (struct web_user){strdup(name), NULL};
		if (!u->name)
			return -ENOMEM;
		c->nusers++;
		if ((r = read_string(p, "a basic_auth_users hash", &u->hash)) < 0)
			return r;
		if (!u->hash || !is_bcrypt(u->hash))
			return fail(p,
				    "basic_auth_users: the hash of user %.64s is not a bcrypt "
				    "hash ($2a$, $2b$ or $2y$, 60 characters)",
				    u->name);
		r = 1; /* on to the next user */
	}
	return r;
}

/* A top-level key: tls_server_config, http_server_config or basic_auth_users.
 * Returns 0 or -errno. */
static int top_key(struct parser *p, const char *key, struct web_config *c)
{
	if (!strcmp(key, "tls_server_config"))
		return walk_mapping(p, "tls_server_config", tls_key, c);
	if (!strcmp(key, "http_server_config"))
		return walk_mapping(p, "http_server_config", http_key, c);
	if (!strcmp(key, "basic_auth_users"))
		return read_users(p, c);
	return fail(p,
		    "unknown key %s (known: tls_server_config, http_server_config, "
		    "basic_auth_users)",
		    key);
}

/* The rules between keys, checked once the whole file is read. 0 or -EINVAL. */
static int check_config(struct parser *p, struct web_config *c)
{
	p->have_ev = false; /* no line for these messages */
	c->tls = c->cert_file || c->key_file;
	if (c->tls && !c->cert_file)
		return fail(p, "tls_server_config.cert_file is missing (key_file is set)");
	if (c->tls && !c->key_file)
		return fail(p, "tls_server_config.key_file is missing (cert_file is set)");
	if (!c->tls && (c->client_ca_file || c->client_auth != WEB_NO_CLIENT_CERT))
		return fail(p, "tls_server_config needs cert_file and key_file for client "
			       "certificates");
	if (c->client_ca_file && c->client_auth == WEB_NO_CLIENT_CERT)
		return fail(p, "tls_server_config.client_ca_file is set but client_auth_type is "
			       "NoClientCert");
	if (!c->client_ca_file && (c->client_auth == WEB_VERIFY_CLIENT_CERT_IF_GIVEN ||
				   c->client_auth == WEB_REQUIRE_AND_VERIFY_CLIENT_CERT))
		return fail(p, "tls_server_config.client_auth_type verifies client certificates "
			       "but client_ca_file is missing");
	if (c->min_version > c->max_version)
		return fail(p, "tls_server_config.min_version is above max_version");
	return 0;
}

int web_config_parse(const char *text, size_t len, struct web_config *out, char *err, size_t errcap)
{
	struct parser p = {.err = err, .errcap = errcap};
	int r;
	memset(out, 0, sizeof(*out));
	out->min_version = WEB_TLS12;
	out->max_version = WEB_TLS13;
	out->prefer_server_cipher_suites = true;
	if (!yaml_parser_initialize(&p.y))
		return -ENOMEM;
	yaml_parser_set_input_string(&p.y, (const unsigned char *)text, len);
	if ((r = next(&p)) < 0) /* stream start */
		goto out_parser;
	if ((r = next(&p)) < 0)
		goto out_parser;
	if (p.ev.type == YAML_DOCUMENT_START_EVENT) {
		/* the document's root: a mapping, or nothing */
		yaml_event_delete(&p.ev);
		p.have_ev = false;
		if ((r = walk_mapping(&p, "the web config", top_key, out)) < 0)
			goto out_parser;
		if ((r = next(&p)) < 0) /* document end */
			goto out_parser;
		if ((r = next(&p)) < 0)
			goto out_parser;
	}
	if (p.ev.type != YAML_STREAM_END_EVENT) {
		r = fail(&p, "the web config holds more than one YAML document");
		goto out_parser;
	}
	r = check_config(&p, out);
out_parser:
	if (p.have_ev)
		yaml_event_delete(&p.ev);
	yaml_parser_delete(&p.y);
	return r;
}

/* Read the whole of path (at most WEB_MAX_FILE_BYTES) into a malloc'd, NUL-terminated
 * buffer *out of *len bytes. Returns 0 or -errno (-EFBIG when too large). */
static int read_file(const char *path, char **out, size_t *len)
{
	int r = 0;
	char *buf = NULL;
	size_t n = 0;
	int fd = regfile_open(AT_FDCWD, path, NULL);
	if (fd < 0)
		return fd;
	if (!(buf = malloc(WEB_MAX_FILE_BYTES + 1))) {
		r = -ENOMEM;
		goto out_close;
	}
	for (;;) {
		ssize_t got = read(fd, buf + n, WEB_MAX_FILE_BYTES + 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = -errno;
			goto out_free;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > WEB_MAX_FILE_BYTES) {
			r = -EFBIG;
			goto out_free;
		}
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
out_free:
	free(buf);
out_close:
	close(fd);
	return r;
}

/* Read the file a config key names (relative to dir) into *out. On error writes a
 * message naming key and path to err. Returns 0, -EINVAL or -ENOMEM. */
static int load_named(const char *dir, const char *key, const char *name, char **out, size_t *len,
		      char *err, size_t errcap)
{
	char path[8192];
	int n = name[0] == '/' ? snprintf(path, sizeof(path), "%s", name)
			       : snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		snprintf(err, errcap, "tls_server_config.%s: path too long", key);
		return -EINVAL;
	}
	int r = read_file(path, out, len);
	if (r == -ENOMEM)
		return r;
	if (r == 0 && *len == 0)
		r = -ENODATA;
	if (r < 0) {
		snprintf(err, errcap, "tls_server_config.%s: cannot read %.300s: %s", key, path,
			 r == -EFBIG	 ? "larger than 1 MiB"
			 : r == -ENODATA ? "empty file"
					 : regfile_strerror(-r));
		return -EINVAL;
	}
	return 0;
}

int web_config_load(const char *path, struct web_config *out, char *err, size_t errcap)
{
	char *text = NULL, *dir = NULL;
	size_t len = 0;
	char msg[WEB_ERR_MAX];
	int r = read_file(path, &text, &len);
	memset(out, 0, sizeof(*out));
	if (r < 0) {
		snprintf(err, errcap, "cannot read %.300s: %s", path,
			 r == -EFBIG ? "larger than 1 MiB" : regfile_strerror(-r));
		return r == -ENOMEM ? r : -EINVAL;
	}
	r = web_config_parse(text, len, out, msg, sizeof(msg));
	if (r < 0) {
		if (r == -EINVAL)
			snprintf(err, errcap, "%.200s: %s", path, msg);
		goto out_text;
	}
	const char *slash = strrchr(path, '/');
	dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
	if (!dir) {
		r = -ENOMEM;
		goto out_text;
	}
	if (!dir[0]) { /* a file in / */
		free(dir);
		if (!(dir = strdup("/"))) {
			r = -ENOMEM;
			goto out_text;
		}
	}
	msg[0] = '\0';
	if (out->tls)
		r = load_named(dir, "cert_file", out->cert_file, &out->cert_pem, &out->cert_len,
			       msg, sizeof(msg));
	if (r == 0 && out->tls)
		r = load_named(dir, "key_file", out->key_file, &out->key_pem, &out->key_len, msg,
			       sizeof(msg));
	if (r == 0 && out->client_ca_file)
		r = load_named(dir, "client_ca_file", out->client_ca_file, &out->ca_pem,
			       &out->ca_len, msg, sizeof(msg));
	if (r == -EINVAL)
		snprintf(err, errcap, "%.200s: %s", path, msg);
	free(dir);
out_text:
	free(text);
	return r;
}

void web_config_free(struct web_config *c)
{
	free(c->cert_file);
	free(c->key_file);
	free(c->client_ca_file);
	for (size_t i = 0; i < c->nheaders; i++) {
		free(c->headers[i].name);
		free(c->headers[i].value);
	}
	for (size_t i = 0; i < c->nusers; i++) {
		free(c->users[i].name);
		free(c->users[i].hash);
	}
	free(c->users);
	if (c->key_pem) /* a private key: do not leave it in freed memory */
		explicit_bzero(c->key_pem, c->key_len);
	free(c->key_pem);
	free(c->cert_pem);
	free(c->ca_pem);
	memset(c, 0, sizeof(*c));
}

int web_tls_priorities(const struct web_config *c, char *buf, size_t cap)
{
	static const char *const vers[] = {"", "+VERS-TLS1.0", "+VERS-TLS1.1", "+VERS-TLS1.2",
					   "+VERS-TLS1.3"};
	size_t n = 0;
	int w = snprintf(buf, cap, "NORMAL:-VERS-ALL");
	if (w < 0 || (size_t)w >= cap)
		return -ENOSPC;
	n = (size_t)w;
	for (int v = (int)c->max_version; v >= (int)c->min_version; v--) {
		w = snprintf(buf + n, cap - n, ":%s", vers[v]);
		if (w < 0 || (size_t)w >= cap - n)
			return -ENOSPC;
		n += (size_t)w;
	}
	if (c->prefer_server_cipher_suites) {
		w = snprintf(buf + n, cap - n, ":%%SERVER_PRECEDENCE");
		if (w < 0 || (size_t)w >= cap - n)
			return -ENOSPC;
	}
	return 0;
}
