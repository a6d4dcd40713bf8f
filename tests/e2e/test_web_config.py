#!/usr/bin/env python3
"""test_web_config: --web.config.file as a client and an operator see it.

Certificates are made at test time with openssl: a CA, a server certificate, a client
certificate the CA signed, and a "wrong" client certificate from another CA. The tests
cover TLS serving, each client_auth_type against no certificate / the right one / the
wrong one, min_version and max_version, basic auth (200, and 401 for a wrong password,
an unknown user, missing or malformed credentials), that wrong-user and wrong-password
answers both pay for bcrypt (counted through plumb_http_bcrypt_runs_total, plus a loose
timing comparison), the configured response headers, and bad configs (exit status 2
and an error line naming the problem). Paths in the configs are relative to the
config's folder, while plumb runs from another one.
"""
import base64
import ctypes
import http.client
import os
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plumbtest import HANG, Plumb, check, main, parse_exposition, run  # noqa: E402

WORK = tempfile.mkdtemp(prefix="plumb-webcfg-")


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, capture_output=True, cwd=WORK)


def make_certs():
    """CA, server (127.0.0.1), client and a client from another CA, in WORK."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    for ca in ("ca", "otherca"):
        openssl("req", "-x509", *ec, "-keyout", ca + ".key", "-out", ca + ".crt", "-days", "2",
                "-subj", "/CN=plumb test " + ca)
    exts = {"server": "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
            "client": "extendedKeyUsage=clientAuth\n", "wrong": "extendedKeyUsage=clientAuth\n"}
    for name, ext in exts.items():
        with open(os.path.join(WORK, name + ".ext"), "w") as f:
            f.write(ext)
        ca = "otherca" if name == "wrong" else "ca"
        openssl("req", *ec, "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
                "-CAcreateserial", "-out", name + ".crt", "-days", "2", "-extfile", name + ".ext")


def bcrypt(password, cost):
    """A $2y$ bcrypt hash of password, made with the system's libcrypt."""
    lib = ctypes.CDLL("libcrypt.so.1")
    lib.crypt_gensalt.restype = ctypes.c_char_p
    lib.crypt_gensalt.argtypes = [ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p, ctypes.c_int]
    lib.crypt.restype = ctypes.c_char_p
    lib.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    salt = lib.crypt_gensalt(b"$2y$", cost, None, 0)
    return lib.crypt(password.encode(), salt).decode()


def write_config(text, name="web.yml"):
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def tls_config(extra="", auth=None, ca=False):
    text = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
    if auth:
        text += "  client_auth_type: %s\n" % auth
    if ca:
        text += "  client_ca_file: ca.crt\n"
    return write_config(text + extra)


def context(cert=None, min_v=None, max_v=None):
    """A client TLS context trusting the test CA, with an optional client cert."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(os.path.join(WORK, "ca.crt"))
    if cert:
        ctx.load_cert_chain(os.path.join(WORK, cert + ".crt"), os.path.join(WORK, cert + ".key"))
    if min_v:
        ctx.minimum_version = min_v
    if max_v:
        ctx.maximum_version = max_v
    return ctx


def tls_request(port, path="/metrics", ctx=None, headers=None):
    """(status, {header: value}, body) over HTTPS; raises when TLS or the connection fails."""
    return http_get(port, path, headers, ctx or context())


def http_get(port, path="/metrics", headers=None, ctx=None):
    """(status, {header: value}, body) of one GET, over TLS when ctx is given."""
    if ctx:
        conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=HANG)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HANG)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def outcome(port, cert):
    """'ok' when a scrape with client cert `cert` (None: no cert) is answered 200,
    'refused' when TLS or the connection fails, else the status."""
    try:
        status, _, _ = tls_request(port, ctx=context(cert))
        return "ok" if status == 200 else status
    except (ssl.SSLError, ConnectionError, http.client.HTTPException, OSError):
        return "refused"


def wait_serving(p, probe):
    """Wait until probe() returns without raising (plumb serves); fail if plumb exits."""
    deadline = time.monotonic() + HANG
    last = None
    while time.monotonic() < deadline:
        if p.proc.poll() is not None:
            raise AssertionError("plumb exited %d; log:\n%s" % (p.proc.returncode, p.log()))
        try:
            return probe()
        except (ssl.SSLError, ConnectionError, http.client.HTTPException, OSError) as e:
            last = e
            time.sleep(0.05)
    raise AssertionError("plumb never served over TLS (%r); log:\n%s" % (last, p.log()))


def start(config, extra_args=()):
    """Start plumb with config (from another folder than the config's)."""
    return Plumb(["--web.config.file=" + config, "--collector.disable-defaults",
                  "--collector.loadavg"] + list(extra_args), wait=False)


def test_tls_serves_metrics():
    with start(tls_config()) as p:
        status, hdr, body = wait_serving(p, lambda: tls_request(p.port))
        check(status == 200, "HTTPS scrape status %d" % status)
        ex = parse_exposition(body)
        check(ex.series("node_load1"), "no node_load1 in the HTTPS scrape")
        # plain HTTP on the TLS port gets no HTTP answer
        try:
            with socket.create_connection(("127.0.0.1", p.port), timeout=10) as s:
                s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                data = s.recv(100)
            check(not data.startswith(b"HTTP/1.1 200"), "plain HTTP served on the TLS port")
        except (ConnectionError, socket.timeout):
            pass


# what each client_auth_type does with: no certificate, the CA's client, another CA's
EXPECTED = {
    "NoClientCert": ("ok", "ok", "ok"),
    "RequestClientCert": ("ok", "ok", "ok"),
    "RequireAnyClientCert": ("refused", "ok", "ok"),
    "VerifyClientCertIfGiven": ("ok", "ok", "refused"),
    "RequireAndVerifyClientCert": ("refused", "ok", "refused"),
}


def test_client_auth_types():
    for auth, want in EXPECTED.items():
        ca = auth in ("VerifyClientCertIfGiven", "RequireAndVerifyClientCert")
        with start(tls_config(auth=auth, ca=ca)) as p:
            wait_serving(p, lambda: tls_request(p.port, ctx=context("client")))
            got = tuple(outcome(p.port, cert) for cert in (None, "client", "wrong"))
            check(got == want, "%s: (no cert, client, wrong client) gave %s, want %s"
                  % (auth, got, want))


def handshake_version(port, ctx):
    with socket.create_connection(("127.0.0.1", port), timeout=HANG) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            s.sendall(b"GET /-/healthy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = s.recv(100)
            check(data.startswith(b"HTTP/1.1 200"), "healthy over TLS: %r" % data)
            return s.version()


def test_min_and_max_version():
    with start(tls_config("  min_version: TLS13\n")) as p:
        wait_serving(p, lambda: tls_request(p.port))
        check(handshake_version(p.port, context()) == "TLSv1.3", "default client not on TLS 1.3")
        try:
            v = handshake_version(p.port, context(max_v=ssl.TLSVersion.TLSv1_2))
            raise AssertionError("a TLS 1.2 client was served (%s) with min_version TLS13" % v)
        except (ssl.SSLError, ConnectionError):
            pass
    with start(tls_config("  max_version: TLS12\n")) as p:
        wait_serving(p, lambda: tls_request(p.port))
        check(handshake_version(p.port, context()) == "TLSv1.2", "max_version TLS12 not kept")
        try:
            handshake_version(p.port, context(min_v=ssl.TLSVersion.TLSv1_3))
            raise AssertionError("a TLS 1.3-only client was served with max_version TLS12")
        except (ssl.SSLError, ConnectionError):
            pass


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(
        ("%s:%s" % (user, password)).encode()).decode()}


def counter(body, name):
    v = parse_exposition(body).value(name)
    check(v is not None, "no %s in the scrape" % name)
    return v


def test_basic_auth():
    config = write_config("basic_auth_users:\n  alice: '%s'\n  bob: %s\n"
                          % (bcrypt("wonderland", 5), bcrypt("builder", 5)))
    with start(config) as p:
        wait_serving(p, lambda: http_get(p.port, "/-/healthy"))
        good = basic("alice", "wonderland")
        status, _, body = http_get(p.port, headers=good)
        check(status == 200, "right credentials: %d" % status)
        status, _, _ = http_get(p.port, headers=basic("bob", "builder"))
        check(status == 200, "second user's credentials: %d" % status)
        fails0 = counter(body, "plumb_http_auth_failures_total")
        bad = {"wrong password": basic("alice", "Wonderland"), "unknown user": basic("carol", "x"),
               "other user's password": basic("bob", "wonderland"), "missing": {},
               "malformed": {"Authorization": "Basic !!!not base64"},
               "not basic": {"Authorization": "Bearer abc"}, "empty": basic("", ""),
               # bcrypt reads up to a NUL: these must not pass for alice's credentials
               "password, NUL, more": basic("alice", "wonderland\0anything"),
               "password, NUL": basic("alice", "wonderland\0"),
               "name, NUL, more": basic("alice\0bob", "wonderland")}
        for what, headers in bad.items():
            for path in ("/metrics", "/", "/-/healthy", "/nope"):
                status, hdr, _ = http_get(p.port, path, headers)
                check(status == 401, "%s on %s: %d, want 401" % (what, path, status))
                check(hdr.get("www-authenticate") == 'Basic realm="plumb"',
                      "%s: WWW-Authenticate %r" % (what, hdr.get("www-authenticate")))
        # without credentials, other methods get 401 too; with them, 405
        for headers, want in (({}, 401), (good, 405)):
            conn = http.client.HTTPConnection("127.0.0.1", p.port, timeout=HANG)
            conn.request("POST", "/metrics", body=b"x=1", headers=headers)
            status = conn.getresponse().status
            conn.close()
            check(status == want, "POST with %s: %d, want %d" % (headers or "no credentials",
                                                                status, want))
        status, _, body = http_get(p.port, headers=good)
        check(status == 200, "right credentials after failures: %d" % status)
        fails = counter(body, "plumb_http_auth_failures_total") - fails0
        check(fails == len(bad) * 4 + 1, "plumb_http_auth_failures_total rose by %d, want %d"
              % (fails, len(bad) * 4 + 1))


def test_wrong_user_costs_like_wrong_password():
    """Every refusal pays one bcrypt run (an unknown user against the dummy hash), so
    the answer time does not tell which users exist. Counted exactly through
    plumb_http_bcrypt_runs_total; timed loosely (medians within a factor of 3)."""
    config = write_config("basic_auth_users:\n  alice: %s\n" % bcrypt("wonderland", 10))
    with start(config) as p:
        good = basic("alice", "wonderland")
        wait_serving(p, lambda: http_get(p.port, "/-/healthy", good))
        runs0 = counter(http_get(p.port, headers=good)[2], "plumb_http_bcrypt_runs_total")
        times = {"wrong password": [], "unknown user": []}
        creds = {"wrong password": basic("alice", "nope"), "unknown user": basic("mallory", "nope")}
        for _ in range(5):
            for what in times:
                t0 = time.monotonic()
                status, _, _ = http_get(p.port, "/-/healthy", creds[what])
                times[what].append(time.monotonic() - t0)
                check(status == 401, "%s: %d" % (what, status))
        status, _, body = http_get(p.port, headers=good)  # cached: no bcrypt run
        runs = counter(body, "plumb_http_bcrypt_runs_total") - runs0
        check(runs == 10, "10 refusals made %d bcrypt runs, want 10" % runs)
        med = {k: statistics.median(v) for k, v in times.items()}
        ratio = med["unknown user"] / med["wrong password"]
        print("median 401 time: wrong password %.1f ms, unknown user %.1f ms"
              % (med["wrong password"] * 1e3, med["unknown user"] * 1e3))
        check(1 / 3 < ratio < 3, "unknown user vs wrong password time ratio %.2f" % ratio)


HEADERS = {"Strict-Transport-Security": "max-age=31536000", "X-Content-Type-Options": "nosniff",
           "X-Frame-Options": "deny", "X-XSS-Protection": "1; mode=block",
           "Content-Security-Policy": "default-src 'none'"}


def test_headers_on_every_response():
    lines = "".join("    %s: \"%s\"\n" % kv for kv in HEADERS.items())
    config = tls_config("http_server_config:\n  headers:\n" + lines +
                        "basic_auth_users:\n  alice: %s\n" % bcrypt("pw", 4))
    with start(config) as p:
        good = basic("alice", "pw")
        wait_serving(p, lambda: tls_request(p.port, "/-/healthy", headers=good))
        for path, headers, want in (("/metrics", good, 200), ("/", good, 200),
                                    ("/nope", good, 404), ("/metrics", {}, 401)):
            status, hdr, _ = tls_request(p.port, path, headers=headers)
            check(status == want, "%s: %d, want %d" % (path, status, want))
            for name, value in HEADERS.items():
                check(hdr.get(name.lower()) == value, "%s %d: %s is %r, want %r"
                      % (path, status, name, hdr.get(name.lower()), value))


def expect_exit2(config_text, needle, name="bad.yml"):
    path = write_config(config_text, name) if config_text is not None else os.path.join(WORK, name)
    r = run(["--web.listen-address=127.0.0.1:0", "--web.config.file=" + path])
    check(r.returncode == 2, "config %r: exit %d, want 2; log:\n%s" % (config_text, r.returncode,
                                                                       r.stderr))
    lines = [l for l in r.stderr.splitlines() if "level=error" in l and needle in l]
    check(len(lines) == 1, "config %r: no single error line naming %r:\n%s"
          % (config_text, needle, r.stderr))


def test_bad_configs_exit_2():
    tls = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
    for text, needle in (
            ("tls_server_config:\n  cert_file: server.crt\n  keyfile: server.key\n",
             "unknown key tls_server_config.keyfile"),
            (tls + "  cipher_suites: [TLS_AES_128_GCM_SHA256]\n", "cipher_suites is not supported"),
            (tls + "  client_auth_type: Sometimes\n", "client_auth_type"),
            (tls + "  client_auth_type: RequireAndVerifyClientCert\n", "client_ca_file is missing"),
            (tls + "  min_version: TLS9\n", "min_version"),
            ("tls_server_config:\n  cert_file: server.crt\n", "key_file is missing"),
            ("tls_server_config:\n  cert_file: nothere.crt\n  key_file: server.key\n",
             "cert_file: cannot read"),
            ("tls_server_config:\n  cert_file: server.crt\n  key_file: client.key\n",
             "do not match"),
            ("tls_server_config:\n  cert_file: server.ext\n  key_file: server.key\n",
             "cannot use cert_file"),
            (tls + "  client_auth_type: RequestClientCert\n  client_ca_file: server.key\n",
             "holds no PEM certificate"),
            ("http_server_config:\n  headers:\n    Server: x\n", "headers.Server cannot be set"),
            ("basic_auth_users:\n  alice: secret\n", "not a bcrypt hash"),
            ("basic_auth_users: &u {}\nhttp_server_config: *u\n", "aliases"),
            ("tls_server_config: {cert_file: a\n", "YAML syntax error"),
            ("unexpected: 1\n", "unknown key unexpected")):
        expect_exit2(text, needle)
    expect_exit2(None, "missing.yml: No such file", name="missing.yml")
    # a bad limit is a usage error too
    r = run(["--web.listen-address=127.0.0.1:0", "--web.max-header-bytes=10"])
    check(r.returncode == 2 and "web.max-header-bytes" in r.stderr,
          "--web.max-header-bytes=10: exit %d:\n%s" % (r.returncode, r.stderr))


def cleanup():
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    make_certs()
    try:
        main([test_tls_serves_metrics, test_client_auth_types, test_min_and_max_version,
              test_basic_auth, test_wrong_user_costs_like_wrong_password,
              test_headers_on_every_response, test_bad_configs_exit_2])
    finally:
        cleanup()
