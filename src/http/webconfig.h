/*
 * webconfig: the --web.config.file of plumb, in the YAML schema Prometheus exporters share
 * (exporter-toolkit): tls_server_config, http_server_config and basic_auth_users.
 *
 * The file is untrusted input. It is parsed strictly: an unknown key, a duplicate key, a
 * value of the wrong shape, a YAML alias or a key plumb does not implement is an error
 * naming the key and its line, never silently ignored. web_config_parse() works on a
 * buffer (the fuzz target's entry point); web_config_load() reads the file, parses it,
 * resolves relative paths against the file's folder and reads every certificate, key and
 * CA file into memory, so nothing needs opening once plumb serves (the sandbox forbids
 * it then). See docs/web.md for the schema as plumb implements it.
 */
#ifndef PLUMB_WEBCONFIG_H
#define PLUMB_WEBCONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define WEB_MAX_HEADERS 5 /* the headers exporter-toolkit allows */
#define WEB_MAX_USERS 1024
#define WEB_MAX_FILE_BYTES (1 << 20) /* config, certificate, key and CA files */
#define WEB_ERR_MAX 512

/* tls_server_config.client_auth_type, as Go's crypto/tls names them. */
enum web_client_auth {
	WEB_NO_CLIENT_CERT = 0,
	WEB_REQUEST_CLIENT_CERT,
	WEB_REQUIRE_ANY_CLIENT_CERT,
	WEB_VERIFY_CLIENT_CERT_IF_GIVEN,
	WEB_REQUIRE_AND_VERIFY_CLIENT_CERT,
};

/* TLS protocol versions, ordered. */
enum web_tls_version { WEB_TLS10 = 1, WEB_TLS11, WEB_TLS12, WEB_TLS13 };

struct web_header {
	char *name;  /* one of the allowed names, as written; owned */
	char *value; /* owned */
};

struct web_user {
	char *name; /* owned */
	char *hash; /* a bcrypt hash ($2a$, $2b$ or $2y$), owned */
};

struct web_config {
	/* tls_server_config: TLS is on when cert_file or key_file is given */
	bool tls;
	char *cert_file, *key_file, *client_ca_file; /* paths as written; owned, may be NULL */
	enum web_client_auth client_auth;
	enum web_tls_version min_version; /* default TLS 1.2 */
	enum web_tls_version max_version; /* default TLS 1.3 */
	bool prefer_server_cipher_suites; /* default true */
	/* http_server_config */
	struct web_header headers[WEB_MAX_HEADERS];
	size_t nheaders;
	/* basic_auth_users: empty means no authentication */
	struct web_user *users; /* owned */
	size_t nusers;
	/* filled by web_config_load: the files' contents, NUL-terminated; owned */
	char *cert_pem, *key_pem, *ca_pem;
	size_t cert_len, key_len, ca_len;
};

/* Parse a web config from text[0..len) into *out (zeroed first; free it with
 * web_config_free, also on error). Checks everything that does not need the file
 * system. Returns 0, or -EINVAL with a one-line message naming the problem in
 * err[0..errcap), or -ENOMEM. */
int web_config_parse(const char *text, size_t len, struct web_config *out, char *err,
		     size_t errcap);

/* Read and parse the file at path, then read the certificate, key and CA files it names
 * (relative paths are relative to path's folder) into out's *_pem fields. Returns 0,
 * or -EINVAL with a one-line message in err (naming the file and the problem), or
 * -ENOMEM. The caller frees *out with web_config_free, also on error. */
int web_config_load(const char *path, struct web_config *out, char *err, size_t errcap);

/* Free what *c owns and zero it. Accepts a zeroed config. */
void web_config_free(struct web_config *c);

/* The GnuTLS priority string for c's versions and preference into buf[0..cap).
 * Returns 0 or -ENOSPC. */
int web_tls_priorities(const struct web_config *c, char *buf, size_t cap);

#endif
