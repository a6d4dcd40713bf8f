/*
 * test_webconfig: the --web.config.file parser (src/http/webconfig.c) and the GnuTLS
 * priority strings it leads to, on the configs of fuzz/corpus/fuzz_webconfig and on
 * inline ones: the values it reads, the defaults it fills in, and that each kind of
 * bad config fails with a message naming the key and line.
 */
#include <errno.h>
#include <unistd.h>

#include "http/webconfig.h"
#include "t.h"

/* Parse text; returns the result and leaves the message in err. */
static int parse(const char *text, struct web_config *c, char *err)
{
	err[0] = '\0';
	return web_config_parse(text, strlen(text), c, err, WEB_ERR_MAX);
}

static void test_full_config(void)
{
	struct web_config c;
	char err[WEB_ERR_MAX];
	char *text = NULL;
	size_t len = 0;
	FILE *f = fopen("fuzz/corpus/fuzz_webconfig/full.yml", "r");
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK(getdelim(&text, &len, '\0', f) > 0);
	fclose(f);
	CHECK_INT(parse(text, &c, err), 0);
	CHECK(c.tls);
	CHECK_STR(c.cert_file, "server.crt");
	CHECK_STR(c.key_file, "/etc/plumb/server.key");
	CHECK_STR(c.client_ca_file, "ca.crt");
	CHECK_INT(c.client_auth, WEB_REQUIRE_AND_VERIFY_CLIENT_CERT);
	CHECK_INT(c.min_version, WEB_TLS12);
	CHECK_INT(c.max_version, WEB_TLS13);
	CHECK(!c.prefer_server_cipher_suites);
	CHECK_INT(c.nheaders, 5);
	CHECK_STR(c.headers[0].name, "Strict-Transport-Security");
	CHECK_STR(c.headers[0].value, "max-age=31536000; includeSubDomains");
	CHECK_STR(c.headers[4].value, "default-src 'self'");
	CHECK_INT(c.nusers, 2);
	CHECK_STR(c.users[0].name, "alice");
	CHECK(c.users[0].hash && strncmp(c.users[0].hash, "$2y$10$", 7) == 0);
	CHECK_STR(c.users[1].name, "bob the scraper");
	char prio[128];
	CHECK_INT(web_tls_priorities(&c, prio, sizeof(prio)), 0);
	CHECK_STR(prio, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2");
	web_config_free(&c);
	free(text);
}

static void test_defaults_and_empty(void)
{
	static const char *const empties[] = {"", "---\n", "# nothing\n", "tls_server_config:\n",
					      "basic_auth_users: {}\nhttp_server_config: {}\n"};
	struct web_config c;
	char err[WEB_ERR_MAX];
	for (size_t i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
		CHECK_INT(parse(empties[i], &c, err), 0);
		CHECK(!c.tls);
		CHECK_INT(c.nusers, 0);
		CHECK_INT(c.nheaders, 0);
		CHECK_INT(c.min_version, WEB_TLS12);
		web_config_free(&c);
	}
	CHECK_INT(
	    parse("tls_server_config: {cert_file: a, key_file: b, min_version: TLS13}\n", &c, err),
	    0);
	char prio[128];
	CHECK_INT(web_tls_priorities(&c, prio, sizeof(prio)), 0);
	CHECK_STR(prio, "NORMAL:-VERS-ALL:+VERS-TLS1.3:%SERVER_PRECEDENCE");
	CHECK_INT(c.client_auth, WEB_NO_CLIENT_CERT);
	web_config_free(&c);
	CHECK_INT(parse("tls_server_config: {cert_file: a, key_file: b, min_version: TLS10, "
			"max_version: TLS11, client_auth_type: RequireAnyClientCert}\n",
			&c, err),
		  0);
	CHECK_INT(web_tls_priorities(&c, prio, sizeof(prio)), 0);
	CHECK_STR(prio, "NORMAL:-VERS-ALL:+VERS-TLS1.1:+VERS-TLS1.0:%SERVER_PRECEDENCE");
	CHECK_INT(c.client_auth, WEB_REQUIRE_ANY_CLIENT_CERT);
	web_config_free(&c);
}

static void test_bad_configs(void)
{
	static const struct {
		const char *yaml;
		const char *needle; /* in the message */
	} bad[] = {
	    {"nope: 1\n", "line 1: unknown key nope"},
	    {"tls_server_config:\n  cert_file: a\n  keyfile: b\n",
	     "line 3: unknown key tls_server_config.keyfile"},
	    {"tls_server_config:\n  cipher_suites: [x]\n",
	     "tls_server_config.cipher_suites is not supported"},
	    {"tls_server_config:\n  curve_preferences: [x]\n",
	     "curve_preferences is not supported"},
	    {"tls_server_config:\n  client_allowed_sans: [x]\n", "client_allowed_sans"},
	    {"tls_server_config: {cert_file: a}\n", "key_file is missing"},
	    {"tls_server_config: {key_file: a}\n", "cert_file is missing"},
	    {"tls_server_config: {cert_file: a, key_file: b, client_auth_type: Maybe}\n",
	     "client_auth_type \"Maybe\""},
	    {"tls_server_config: {cert_file: a, key_file: b, client_ca_file: c}\n",
	     "client_ca_file is set but client_auth_type is NoClientCert"},
	    {"tls_server_config: {cert_file: a, key_file: b, client_auth_type: "
	     "RequireAndVerifyClientCert}\n",
	     "client_ca_file is missing"},
	    {"tls_server_config: {client_auth_type: RequestClientCert}\n",
	     "needs cert_file and key_file"},
	    {"tls_server_config: {cert_file: a, key_file: b, min_version: TLS14}\n",
	     "min_version must be one of"},
	    {"tls_server_config: {cert_file: a, key_file: b, min_version: TLS13, max_version: "
	     "TLS12}\n",
	     "min_version is above max_version"},
	    {"tls_server_config: {cert_file: [a], key_file: b}\n", "cert_file must be a string"},
	    {"tls_server_config: {prefer_server_cipher_suites: maybe}\n", "true or false"},
	    {"tls_server_config: [a]\n", "tls_server_config must be a mapping"},
	    {"http_server_config:\n  headers:\n    Server: plumb\n",
	     "http_server_config.headers.Server cannot be set"},
	    {"http_server_config:\n  headers:\n    X-Frame-Options: allow\n",
	     "X-Frame-Options: value \"allow\" is not allowed"},
	    {"http_server_config: {http2: true}\n", "HTTP/1.1 only"},
	    {"http_server_config: {http3: true}\n", "unknown key http_server_config.http3"},
	    {"basic_auth_users:\n  u: plain\n", "the hash of user u is not a bcrypt hash"},
	    {"basic_auth_users:\n  u: $1$abc$abcdefghabcdefghabcdef\n", "not a bcrypt hash"},
	    {"basic_auth_users:\n  \"a:b\": x\n", "holds ':'"},
	    {"basic_auth_users: [u]\n", "basic_auth_users must be a mapping"},
	    {"a: &x 1\nb: *x\n", "unknown key a"},
	    {"tls_server_config: &x {}\nhttp_server_config: *x\n", "aliases are not supported"},
	    {"tls_server_config: {}\ntls_server_config: {}\n", "appears twice"},
	    {"tls_server_config: {cert_file: a\n", "YAML syntax error"},
	    {"- a\n- b\n", "the web config must be a mapping"},
	    {"{}\n---\n{}\n", "more than one YAML document"},
	};
	struct web_config c;
	char err[WEB_ERR_MAX];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = parse(bad[i].yaml, &c, err);
		CHECK_INT(r, -EINVAL);
		if (!strstr(err, bad[i].needle) || strchr(err, '\n')) {
			fprintf(stderr, "config %zu: message \"%s\", want \"%s\"\n", i, err,
				bad[i].needle);
			CHECK(0);
		}
		web_config_free(&c);
	}
}

static void test_load_reads_files(void)
{
	struct web_config c;
	char err[WEB_ERR_MAX];
	char dir[] = "/tmp/plumb-webconfig-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char path[256];
	static const char *const files[][2] = {
	    {"web.yml", "tls_server_config:\n  cert_file: c.pem\n  key_file: k.pem\n"},
	    {"c.pem", "CERT"},
	    {"k.pem", "KEY"},
	    {"bad.yml", "tls_server_config:\n  cert_file: c.pem\n  key_file: missing.pem\n"},
	};
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i][0]);
		FILE *f = fopen(path, "w");
		CHECK(f != NULL);
		if (f) {
			fputs(files[i][1], f);
			fclose(f);
		}
	}
	snprintf(path, sizeof(path), "%s/web.yml", dir);
	CHECK_INT(web_config_load(path, &c, err, sizeof(err)), 0);
	CHECK_STR(c.cert_pem, "CERT");
	CHECK_STR(c.key_pem, "KEY");
	CHECK_INT(c.key_len, 3);
	web_config_free(&c);
	snprintf(path, sizeof(path), "%s/bad.yml", dir);
	CHECK_INT(web_config_load(path, &c, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "tls_server_config.key_file: cannot read") != NULL);
	CHECK(strstr(err, "missing.pem: No such file") != NULL);
	web_config_free(&c);
	snprintf(path, sizeof(path), "%s/none.yml", dir);
	CHECK_INT(web_config_load(path, &c, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "none.yml: No such file") != NULL);
	web_config_free(&c);
	static const char *const names[] = {"web.yml", "c.pem", "k.pem", "bad.yml"};
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

int main(void)
{
	RUN(test_full_config);
	RUN(test_defaults_and_empty);
	RUN(test_bad_configs);
	RUN(test_load_reads_files);
	return T_DONE("test_webconfig");
}
