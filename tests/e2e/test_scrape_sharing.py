#!/usr/bin/env python3
"""test_scrape_sharing: scrapes that arrive while a collection is in flight share it,
and every response is fresh and complete.

plumb_scrape_collections_total counts collections; each response carries the number
of the collection it came from. Three checks:

  held:   the first collection is held in flight (plumbtest.CollectionGate) while 20
          scrapes in mixed formats arrive; once all 19 others are seen waiting, it is
          let go. All 20 must get that one collection (the counter grew by 1, fewer
          than 20), each a complete exposition with the gate's loadavg values.
  fresh:  loadavg comes from a file the test rewrites before each of 5 bursts of 20
          scrapes; every response must show that burst's value (collected after the
          scrape arrived) and a collection number above any seen before the burst.
  live:   the same burst against the default collectors on this machine.
  stalled: clients ask for a 3.4 MB body through a 4 KiB receive window and never
          read it. Two are answered, each from its own collection; HTTP responses may
          hold no more, so two more wait, while health checks go on collecting
          (lastHeartbeatTime in /api/v1/status keeps moving). Once the clients leave,
          scrapes are answered again.
"""
import gzip
import json
import os
import select
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plumbtest import (HANG, CollectionGate, Plumb, check, count_in, main, parse_exposition,  # noqa: E402
                       thread_wchans, wait_threads, gate_works)

BURST = 20
STALL_SERIES = 60000  # a 3.4 MB body: more than a stalled connection's socket buffers
COUNTER = "plumb_scrape_collections_total"
KINDS = [  # (Accept, Accept-Encoding, OpenMetrics?)
    ("text/plain", None, False),
    ("application/openmetrics-text;version=1.0.0", None, True),
    ("text/plain", "gzip", False),
    ("application/openmetrics-text;version=1.0.0", "gzip", True),
]


def burst(p, n=BURST):
    """n concurrent scrapes, cycling through KINDS; returns [(kind, status, hdr, body)]
    once all are answered (fails if one hangs)."""
    results = [None] * n

    def one(i):
        accept, enc, om = KINDS[i % len(KINDS)]
        headers = {"Accept": accept}
        if enc:
            headers["Accept-Encoding"] = enc
        try:
            results[i] = (KINDS[i % len(KINDS)],) + p.get(headers=headers)
        except Exception as e:  # reported below with the others
            results[i] = (KINDS[i % len(KINDS)], None, {}, repr(e).encode())

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    return threads, results


def join(threads, results):
    for t in threads:
        t.join(120)
    check(all(not t.is_alive() for t in threads), "a scrape hung")
    return results


def parse_all(results):
    """Check each response is a complete exposition of its kind; return their parses."""
    parsed = []
    for (accept, enc, om), status, hdr, body in results:
        check(status == 200, "scrape (%s, %s) failed: %r %r" % (accept, enc, status, body[:200]))
        if enc:
            check(hdr.get("content-encoding") == "gzip", "asked for gzip, got %r" % hdr)
            body = gzip.decompress(body)
        ex = parse_exposition(body, om=om)
        check(ex.value(COUNTER) is not None, "response without %s" % COUNTER)
        ex.om = om
        check(ex.series("node_scrape_collector_success"), "response without collector series")
        parsed.append(ex)
    return parsed


def test_held_collection_is_shared():
    if not gate_works():
        print("NOTE: held-collection sharing not checked")
        return
    with CollectionGate() as gate, Plumb(gate.args) as p:
        # threads already on a futex: the fewest over half a second, for a connection
        # thread of the readiness check may still be on its way out (slow under TSan)
        base = BURST
        for _ in range(25):
            base = min(base, count_in(list(thread_wchans(p.pid).values()), "futex"))
            time.sleep(0.02)
        threads, results = burst(p)
        try:
            seen = wait_threads(p.pid, lambda w: count_in(w, gate.HELD) == 1 and
                                count_in(w, "futex") >= base + BURST - 1,
                                "one collection held and %d scrapes waiting for it" % (BURST - 1))
            print("while held, threads wait in:", sorted(seen))
        finally:
            gate.release()
            join(threads, results)
        parsed = parse_all(results)
        same_collection_same_samples(parsed)
        counts = sorted({ex.value(COUNTER) for ex in parsed})
        print("collections serving the burst of %d: %s" % (BURST, counts))
        check(len(counts) < BURST, "every scrape ran its own collection: %s" % counts)
        check(counts == [1.0], "scrapes seen waiting did not share the held collection: %s" % counts)
        for ex in parsed:
            check(ex.value("node_load1") == 0.25 and ex.value("node_load15") == 0.75,
                  "loadavg values not from the gate's file: %r" % ex.series("node_load1"))
            check(ex.value("node_scrape_collector_success", collector="loadavg") == 1,
                  "loadavg failed in the shared collection")
        # the next scrape runs a new collection
        after = parse_exposition(p.get()[2])
        check(after.value(COUNTER) == 2, "scrape after the burst: %s = %r" %
              (COUNTER, after.value(COUNTER)))


def test_bursts_are_fresh():
    with tempfile.TemporaryDirectory(prefix="plumb-fresh-") as d:
        path = os.path.join(d, "loadavg")
        with open(path, "w") as f:
            f.write("0 0 0 1/1 1\n")
        with Plumb(["--collector.disable-defaults", "--collector.loadavg",
                    "--path.procfs=" + d]) as p:
            last = parse_exposition(p.get()[2]).value(COUNTER)
            for k in range(1, 6):
                # rewrite in place: plumb holds the file open and re-reads it from 0
                with open(path, "r+") as f:
                    f.write("%d.5 0 0 1/1 1\n" % k)
                parsed = parse_all(join(*burst(p)))
                counts = [ex.value(COUNTER) for ex in parsed]
                print("burst %d: collections %s" % (k, sorted(set(counts))))
                for ex in parsed:
                    check(ex.value("node_load1") == k + 0.5,
                          "burst %d got stale node_load1 %r" % (k, ex.value("node_load1")))
                check(min(counts) > last, "burst %d got collection %r, not after %r" %
                      (k, min(counts), last))
                check(max(counts) - last <= BURST, "burst %d: %d collections for %d scrapes" %
                      (k, max(counts) - last, BURST))
                last = max(counts)


def test_live_machine_burst():
    with Plumb() as p:
        before = parse_exposition(p.get()[2]).value(COUNTER)
        parsed = parse_all(join(*burst(p)))
        counts = [ex.value(COUNTER) for ex in parsed]
        print("live burst: %d scrapes served by collections %s" % (BURST, sorted(set(counts))))
        check(min(counts) > before, "stale response: collection %r after %r" % (min(counts), before))
        after = parse_exposition(p.get()[2]).value(COUNTER)
        check(after - before - 1 <= BURST and max(counts) < after,
              "counter went from %r to %r around a burst of %d" % (before, after, BURST))
        same_collection_same_samples(parsed)


def heartbeat(p):
    """The Ready condition's lastHeartbeatTime from /api/v1/status, in seconds."""
    status, _, body = p.get("/api/v1/status")
    check(status == 200, "/api/v1/status answered %d" % status)
    ready = [c for c in json.loads(body)["conditions"] if c["type"] == "Ready"][0]
    return time.mktime(time.strptime(ready["lastHeartbeatTime"], "%Y-%m-%dT%H:%M:%SZ"))


def stalled_client(port):
    """A connection that asks for /metrics through a 4 KiB window and reads nothing."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: plumb\r\n\r\n")
    return s


def answered(s, timeout):
    """Whether the first bytes of s's response arrive within timeout seconds."""
    return bool(select.select([s], [], [], timeout)[0])


def test_stalled_readers_leave_room():
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "big.prom"), "w") as f:
            f.write("# TYPE stall_test gauge\n")
            for i in range(STALL_SERIES):
                f.write('stall_test{i="%06d",pad="%s"} %d\n' % (i, "x" * 20, i))
        args = ["--collector.disable-defaults", "--collector.textfile",
                "--collector.textfile.directory=" + d, "--health.check-interval=1s",
                "--web.connection-timeout=300s"]
        with Plumb(args) as p:
            clients = []
            try:
                # two responses, each from its own collection: the first is answered
                # before the second asks
                for _ in range(2):
                    clients.append(stalled_client(p.port))
                    check(answered(clients[-1], HANG), "a stalled client was never answered")
                # two more: they must wait for a held collection to be given back
                clients += [stalled_client(p.port), stalled_client(p.port)]
                before = heartbeat(p)
                time.sleep(4)  # a check a second, its time in whole seconds
                after = heartbeat(p)
                check(after > before, "health checks stopped while clients stalled: "
                      "lastHeartbeatTime %s, then %s 4 s later" % (before, after))
                waiting = [not answered(c, 0) for c in clients[2:]]
                check(all(waiting), "a third stalled client was answered: %s" % waiting)
            finally:
                for c in clients:
                    c.close()
            status, _, body = p.get()
            check(status == 200 and body.count(b"\nstall_test{") == STALL_SERIES,
                  "scrape after the stalled clients left: %d, %d bytes" % (status, len(body)))


def same_samples(a, b):
    """Whether two parses hold the same samples (NaN equal to NaN)."""
    return a.keys() == b.keys() and all(
        a[k] == b[k] or (a[k] != a[k] and b[k] != b[k]) for k in a)


def same_collection_same_samples(parsed):
    """Responses from one collection must carry the same samples: identical in one
    format, and across formats except that OpenMetrics names a counter's sample with
    _total where text may not."""
    first = {}
    for ex in parsed:
        key = (ex.value(COUNTER), ex.om)
        if key not in first:
            first[key] = ex
            continue
        check(same_samples(first[key].samples, ex.samples),
              "two responses from collection %r differ" % key[0])
    for (count, om), ex in first.items():
        other = first.get((count, not om))
        if om or other is None:
            continue
        renamed = {}
        for (name, labels), v in ex.samples.items():
            if ex.types.get(name) == "counter" and not name.endswith("_total"):
                name += "_total"
            renamed[(name, labels)] = v
        check(same_samples(renamed, other.samples),
              "text and OpenMetrics from collection %r differ: %s" %
              (count, sorted(set(renamed) ^ set(other.samples))[:5]))


if __name__ == "__main__":
    main([test_held_collection_is_shared, test_bursts_are_fresh, test_live_machine_burst,
          test_stalled_readers_leave_room])
