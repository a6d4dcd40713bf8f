/*
 * tls: start-up checks of the TLS material and client certificate policy. See tls.h.
 */
#include "http/tls.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>

/* The purpose a client certificate must allow (when it lists purposes at all). The
 * data is not const in GnuTLS's type, hence the static array. */
static char client_purpose[] = GNUTLS_KP_TLS_WWW_CLIENT;
static gnutls_typed_vdata_st client_vdata[] = {
    {GNUTLS_DT_KEY_PURPOSE_OID, (unsigned char *)client_purpose, 0},
};

int web_tls_check(const struct web_config *cfg, char *err, size_t errcap)
{
	gnutls_certificate_credentials_t cred;
	int r = 0;
	if (gnutls_certificate_allocate_credentials(&cred) < 0)
		return -ENOMEM;
	gnutls_datum_t cert = {(unsigned char *)cfg->cert_pem, (unsigned)cfg->cert_len};
	gnutls_datum_t key = {(unsigned char *)cfg->key_pem, (unsigned)cfg->key_len};
	int g =
	    gnutls_certificate_set_x509_key_mem2(cred, &cert, &key, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (g < 0) {
		snprintf(err, errcap,
			 "tls_server_config: cannot use cert_file %s with key_file "
			 "%s: %s",
			 cfg->cert_file, cfg->key_file, gnutls_strerror(g));
		r = -EINVAL;
		goto out_free;
	}
	if (cfg->ca_pem) {
		gnutls_datum_t ca = {(unsigned char *)cfg->ca_pem, (unsigned)cfg->ca_len};
		g = gnutls_certificate_set_x509_trust_mem(cred, &ca, GNUTLS_X509_FMT_PEM);
		if (g <= 0) {
			snprintf(err, errcap, "tls_server_config.client_ca_file %s: %s",
				 cfg->client_ca_file,
				 g == 0 ? "holds no PEM certificate" : gnutls_strerror(g));
			r = -EINVAL;
		}
	}
out_free:
	gnutls_certificate_free_credentials(cred);
	return r;
}

/* GnuTLS's per-session verification callback for VerifyClientCertIfGiven, run during
 * the handshake once the client's certificate message arrived: no certificate is fine,
 * a certificate must verify (chain to the CA, client purpose). Returns 0 to go on, or
 * -1 to fail the handshake. (gnutls_session_set_verify_cert would also fail it when
 * no certificate is given.) */
static int verify_if_given(gnutls_session_t s)
{
	return web_tls_client_ok(s, WEB_VERIFY_CLIENT_CERT_IF_GIVEN) ? 0 : -1;
}

void web_tls_session_setup(void *session, enum web_client_auth mode)
{
	gnutls_session_t s = session;
	switch (mode) {
	case WEB_NO_CLIENT_CERT:
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_IGNORE);
		break;
	case WEB_REQUEST_CLIENT_CERT:
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUEST);
		break;
	case WEB_REQUIRE_ANY_CLIENT_CERT:
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUIRE);
		break;
	case WEB_VERIFY_CLIENT_CERT_IF_GIVEN:
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUEST);
		gnutls_session_set_verify_function(s, verify_if_given);
		break;
	case WEB_REQUIRE_AND_VERIFY_CLIENT_CERT:
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUIRE);
		gnutls_session_set_verify_cert2(s, client_vdata, 1, 0);
		break;
	}
}

bool web_tls_client_ok(void *session, enum web_client_auth mode)
{
	gnutls_session_t s = session;
	unsigned n = 0;
	bool given = gnutls_certificate_get_peers(s, &n) != NULL && n > 0;
	unsigned status = 0;
	switch (mode) {
	case WEB_NO_CLIENT_CERT:
	case WEB_REQUEST_CLIENT_CERT:
		return true;
	case WEB_REQUIRE_ANY_CLIENT_CERT:
		return given;
	case WEB_VERIFY_CLIENT_CERT_IF_GIVEN:
		if (!given)
			return true;
		break;
	case WEB_REQUIRE_AND_VERIFY_CLIENT_CERT:
		if (!given)
			return false;
		break;
	}
	if (gnutls_certificate_verify_peers(s, client_vdata, 1, &status) < 0)
		return false;
	return status == 0;
}
