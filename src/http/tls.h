/*
 * tls: what plumb adds to libmicrohttpd's GnuTLS support: checking the configured
 * certificate, key and CA at start-up, and client certificates per client_auth_type.
 *
 * libmicrohttpd asks for client certificates only when given a trust list, and never
 * checks them. plumb sets each new session's request mode itself (before the
 * handshake, from libmicrohttpd's connection-start notification) and, for the verifying
 * modes, has GnuTLS verify the chain and the client-authentication purpose during the
 * handshake, as Go's crypto/tls does. The request handler checks again
 * (web_tls_client_ok) before answering, so a session that slipped past the handshake
 * still gets no data.
 */
#ifndef PLUMB_TLS_H
#define PLUMB_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "http/webconfig.h"

/* Check that cfg's certificate and key load and match, and that its CA file holds at
 * least one certificate. Returns 0, or -EINVAL with a one-line message in err. */
int web_tls_check(const struct web_config *cfg, char *err, size_t errcap);

/* Set a new GnuTLS session (a gnutls_session_t) up for mode before its handshake. */
void web_tls_session_setup(void *session, enum web_client_auth mode);

/* Whether the client of an established session (a gnutls_session_t) meets mode. */
bool web_tls_client_ok(void *session, enum web_client_auth mode);

#endif
