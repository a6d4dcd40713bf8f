#!/usr/bin/env python3
"""bench_auth: how long plumb takes to refuse basic-auth credentials, by who they name.

A refusal must not tell an attacker which user names exist. This starts plumb with a
web config of users whose bcrypt hashes have different costs (by default 4 and 10), then
sends, in turn, wrong passwords for each known user, credentials for an unknown user,
and no credentials at all, each on a new connection, and prints the median and spread
of the time to the 401 for each kind side by side, with the bcrypt runs plumb reports
per refusal (plumb_http_bcrypt_runs_total). The rows should agree within the noise.

It reports; it does not judge. Python 3 standard library only (bcrypt hashes come from
the system's libcrypt through ctypes); plumb listens on a free port of 127.0.0.1 and is
stopped before exit. See bench/README.md.
"""
import argparse
import base64
import ctypes
import http.client
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def bcrypt(password, cost):
    """A $2y$ bcrypt hash of password at cost, made with the system's libcrypt."""
    lib = ctypes.CDLL("libcrypt.so.1")
    lib.crypt_gensalt.restype = ctypes.c_char_p
    lib.crypt_gensalt.argtypes = [ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p, ctypes.c_int]
    lib.crypt.restype = ctypes.c_char_p
    lib.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    return lib.crypt(password.encode(), lib.crypt_gensalt(b"$2y$", cost, None, 0)).decode()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, headers, path="/-/healthy"):
    """(status, body) of one GET on a new connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def basic(user, password):
    token = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    return {"Authorization": "Basic " + token}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--plumb", default="build/plumb", help="the plumb binary")
    ap.add_argument("--costs", default="4,10",
                    help="bcrypt costs of the configured users, one user each (default 4,10)")
    ap.add_argument("--rounds", type=int, default=20,
                    help="refusals of each kind (default 20)")
    args = ap.parse_args()
    costs = [int(c) for c in args.costs.split(",")]
    users = {"user%d" % c: ("right-%d" % c, c) for c in costs}
    work = tempfile.mkdtemp(prefix="bench-auth-")
    config = os.path.join(work, "web.yml")
    with open(config, "w") as f:
        f.write("basic_auth_users:\n")
        for name, (password, cost) in users.items():
            f.write("  %s: '%s'\n" % (name, bcrypt(password, cost)))
    port = free_port()
    argv = [args.plumb, "--web.listen-address=127.0.0.1:%d" % port,
            "--web.config.file=" + config, "--collector.disable-defaults",
            "--collector.loadavg", "--no-health.enabled", "--web.max-requests=0"]
    if os.geteuid() == 0:
        argv.append("--runtime.user=root")  # keeps reading the config in a 0700 folder
    log = open(os.path.join(work, "plumb.log"), "w")
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    try:
        good_name, (good_pw, _) = next(iter(users.items()))
        good = basic(good_name, good_pw)
        deadline = time.monotonic() + 120
        while True:
            try:
                if get(port, good)[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                sys.exit("plumb did not start; see " + log.name)
            time.sleep(0.1)
        kinds = {}
        for name, (_, cost) in users.items():
            kinds["known user, cost %d, wrong password" % cost] = basic(name, "wrong")
        kinds["unknown user"] = basic("nobody-here", "wrong")
        kinds["no credentials"] = {}
        times = {k: [] for k in kinds}

        def bcrypt_runs():
            body = get(port, good, "/metrics")[1].decode()
            return float(re.search(r"^plumb_http_bcrypt_runs_total (\S+)$", body, re.M).group(1))

        runs0 = bcrypt_runs()
        for _ in range(args.rounds):
            for kind, headers in kinds.items():  # in turn, so drift hits every kind alike
                t0 = time.perf_counter()
                status, _ = get(port, headers)
                times[kind].append(time.perf_counter() - t0)
                if status != 401:
                    sys.exit("%s: status %d, want 401" % (kind, status))
        runs = (bcrypt_runs() - runs0) / (args.rounds * len(kinds))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
        shutil.rmtree(work, ignore_errors=True)
    print("machine: %s, %d CPUs, %s" % (platform.node(), os.cpu_count(), platform.platform()))
    print("plumb: %s; users' bcrypt costs: %s; %d refusals of each kind, one connection each"
          % (args.plumb, ", ".join(map(str, costs)), args.rounds))
    print("bcrypt runs per refusal: %.2f" % runs)
    width = max(len(k) for k in kinds)
    print("%-*s  %9s  %9s  %9s" % (width, "time to 401 (ms)", "median", "min", "max"))
    for kind, ts in times.items():
        print("%-*s  %9.1f  %9.1f  %9.1f" % (width, kind, statistics.median(ts) * 1e3,
                                            min(ts) * 1e3, max(ts) * 1e3))


if __name__ == "__main__":
    main()
