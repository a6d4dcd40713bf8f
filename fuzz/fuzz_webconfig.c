/*
 * fuzz_webconfig: the --web.config.file parser (src/http/webconfig.c) on arbitrary
 * bytes.
 *
 * Besides not crashing or leaking, it asserts what the parser promises: a failure
 * leaves a one-line, non-empty message; a success holds a consistent config (TLS only
 * with both a certificate and a key, client CAs only with a client policy that uses
 * them, 60-character bcrypt hashes, allowed headers, versions in order), and its GnuTLS
 * priority string fits.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/webconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct web_config c;
	char err[WEB_ERR_MAX];
	char prio[128];
	err[0] = '\0';
	int r = web_config_parse((const char *)data, size, &c, err, sizeof(err));
	if (r < 0) {
		if (r == -EINVAL && (!err[0] || strchr(err, '\n')))
			abort();
		goto out;
	}
	if (c.tls != (c.cert_file && c.key_file))
		abort();
	if ((c.cert_file || c.key_file || c.client_ca_file) && !c.tls)
		abort();
	if (c.client_ca_file && c.client_auth == WEB_NO_CLIENT_CERT)
		abort();
	if (c.min_version > c.max_version || c.min_version < WEB_TLS10 || c.max_version > WEB_TLS13)
		abort();
	if (c.nheaders > WEB_MAX_HEADERS || c.nusers > WEB_MAX_USERS)
		abort();
	for (size_t i = 0; i < c.nusers; i++)
		if (strlen(c.users[i].hash) != 60 || c.users[i].hash[0] != '$' ||
		    strchr(c.users[i].name, ':'))
			abort();
	for (size_t i = 0; i < c.nheaders; i++)
		if (strncmp(c.headers[i].name, "X-", 2) &&
		    strcmp(c.headers[i].name, "Strict-Transport-Security") &&
		    strcmp(c.headers[i].name, "Content-Security-Policy"))
			abort();
	if (web_tls_priorities(&c, prio, sizeof(prio)) < 0)
		abort();
out:
	web_config_free(&c);
	return 0;
}
