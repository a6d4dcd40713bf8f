#!/usr/bin/env python3
"""test_container_fixture: the container collector on a generated Kubernetes node.

bench/cgroup-fixture.py writes a small node (7 containers in 4 pods: every QoS class, one
pod with a single container, systemd driver, containerd) in the cgroup v2, v1 and hybrid
layouts, with fixture.json saying what is there. plumb runs on each with only the
container collector, and:

- /metrics parses (strict text and OpenMetrics parsers, promtool check metrics) and the
  collector reports success;
- every generated container appears exactly once in container_cpu_usage_seconds_total
  (cpu="total"), with the right id, name (the container ID), pod, namespace and container
  labels, and its CPU, memory usage, working set and per-device read bytes have the values
  the fixture's files hold; system.slice services appear with no pod;
- /metrics/resource parses too, holds container_, pod_ and node_ families with kubelet's
  label names (container/namespace/pod, namespace/pod, none), each container once and each
  pod once;
- --collector.container.exclude drops the cgroups it matches, and only those;
- a node large enough (300 containers, over 10,000 series) is sent as a chunked stream,
  plain and gzipped, in both formats, and what arrives parses strictly and names every
  container, as the small node's whole bodies do;
- under a low descriptor limit (prlimit), where plumb can hold only some cgroups'
  directories and files open, or none, the container series are exactly those it
  reports with room to hold everything;
- --collector.container.max-held-files holds exactly that many cgroup files open (5, or
  none), with the same series, while the default holds them all on this small node.
"""
import gzip
import importlib.util
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plumbtest import (ROOT, Plumb, check, collectors_in_help, main, parse_exposition,  # noqa: E402
                       skip)
from test_promtool import OM, promtool_check  # noqa: E402

N = 7


def load_fixture_module():
    path = os.path.join(ROOT, "bench", "cgroup-fixture.py")
    spec = importlib.util.spec_from_file_location("cgroup_fixture", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


fixture = load_fixture_module()


def plumb_args(d, *extra):
    return ["--collector.disable-defaults", "--collector.container",
            "--path.sysfs=" + os.path.join(d, "sys"), "--path.rootfs=" + d] + list(extra)


def scrape(p, path, om=False):
    status, hdr, body = p.get(path, headers={"Accept": OM if om else "text/plain"})
    check(status == 200, "%s answered %d: %r" % (path, status, body[:300]))
    if not om:
        promtool_check(body)
    try:
        return parse_exposition(body, om=om)
    except ValueError as e:
        raise AssertionError("%s (%s) does not parse: %s" % (path, "OpenMetrics" if om else "text", e))


def close(a, b, what):
    check(a is not None and abs(a - b) <= 1e-6 * max(1.0, abs(b)), "%s: got %r, want %r" % (what, a, b))


def one(ex, name, cid):
    """The single sample of family `name` for cgroup id cid (cpu="total" when labelled)."""
    got = [(l, v) for l, v in ex.series(name) if l.get("id") == cid and l.get("cpu", "total") == "total"]
    check(len(got) == 1, "%s{id=%r}: %d samples, want 1" % (name, cid, len(got)))
    return got[0]


def check_metrics(ex, m):
    ok = ex.value("node_scrape_collector_success", collector="container")
    check(ok == 1, "node_scrape_collector_success{collector=\"container\"} is %r" % ok)
    for c in m["containers"]:
        cid, want = c["id"], m["stats"][c["id"]]
        labels, v = one(ex, "container_cpu_usage_seconds_total", cid)
        for k in ("pod", "namespace", "container"):
            check(labels.get(k) == c[k], "%s: label %s=%r, want %r" % (cid, k, labels.get(k), c[k]))
        check(labels.get("name") == c["container_id"], "%s: name=%r, want the container ID"
              % (cid, labels.get("name")))
        close(v, want["cpu_usage_seconds"], cid + " cpu usage")
        close(one(ex, "container_memory_usage_bytes", cid)[1], want["memory_usage_bytes"],
              cid + " memory usage")
        close(one(ex, "container_memory_working_set_bytes", cid)[1], want["memory_working_set_bytes"],
              cid + " working set")
        for majmin, name in m["devices"].items():
            rd = [v for l, v in ex.series("container_fs_reads_bytes_total")
                  if l.get("id") == cid and l.get("device") == "/dev/" + name]
            if want["io_read_bytes"][majmin]:
                check(len(rd) == 1, "%s: %d container_fs_reads_bytes_total{device=/dev/%s}"
                      % (cid, len(rd), name))
                close(rd[0], want["io_read_bytes"][majmin], cid + " reads on " + name)
    # every container appears once, and no other cgroup claims one of its names
    named = {}
    for l, _ in ex.series("container_cpu_usage_seconds_total"):
        if l.get("container") and l.get("cpu", "total") == "total":
            named.setdefault((l.get("namespace"), l.get("pod"), l["container"]), []).append(l["id"])
    want = {(c["namespace"], c["pod"], c["container"]): [c["id"]] for c in m["containers"]}
    check(named == want, "containers named: %r\nwant: %r" % (sorted(named.items()), sorted(want.items())))
    svc = [l for l, _ in ex.series("container_cpu_usage_seconds_total")
           if l.get("id") == "/system.slice/kubelet.service"]
    check(len(svc) == 1 and not svc[0].get("pod"), "/system.slice/kubelet.service: %r" % svc)


def check_resource(ex, m):
    fams = {"container": set(), "pod": set(), "node": set()}
    for (name, labels), _ in ex.samples.items():
        kind = name.split("_", 1)[0]
        names = {k for k, _ in labels}
        if kind == "container":
            check(names == {"container", "namespace", "pod"}, "%s has labels %r" % (name, sorted(names)))
        elif kind == "pod":
            check(names == {"namespace", "pod"}, "%s has labels %r" % (name, sorted(names)))
        elif kind == "node":
            check(names == set(), "%s has labels %r" % (name, sorted(names)))
        else:
            continue
        fams[kind].add(name)
    for kind, got in fams.items():
        check(got, "/metrics/resource has no %s_ family; families: %r" % (kind, sorted(ex.types)))
    for need in ("container_cpu_usage_seconds_total", "container_memory_working_set_bytes",
                 "pod_cpu_usage_seconds_total", "pod_memory_working_set_bytes",
                 "node_cpu_usage_seconds_total", "node_memory_working_set_bytes"):
        check(ex.series(need), "/metrics/resource lacks " + need)
    got = sorted((l["namespace"], l["pod"], l["container"]) for l, _ in
                 ex.series("container_cpu_usage_seconds_total"))
    want = sorted((c["namespace"], c["pod"], c["container"]) for c in m["containers"])
    check(got == want, "/metrics/resource containers: %r\nwant %r" % (got, want))
    for c in m["containers"]:
        close(ex.value("container_cpu_usage_seconds_total", container=c["container"], namespace=c["namespace"],
                       pod=c["pod"]), m["stats"][c["id"]]["cpu_usage_seconds"], "resource cpu of " + c["id"])
    got = sorted((l["namespace"], l["pod"]) for l, _ in ex.series("pod_cpu_usage_seconds_total"))
    want = sorted((p["namespace"], p["pod"]) for p in m["pods"])
    check(got == want, "/metrics/resource pods: %r\nwant %r" % (got, want))


def run_layout(layout):
    d = tempfile.mkdtemp(prefix="plumb-cgfix-%s-" % layout)
    try:
        m = fixture.generate(os.path.join(d, "node"), N, seed=7, layout=layout)
        node = os.path.join(d, "node")
        check(len(m["containers"]) == N and len({p["qos"] for p in m["pods"]}) == 3,
              "the fixture does not have %d containers over all QoS classes" % N)
        with Plumb(plumb_args(node)) as p:
            for _ in range(2):  # the second scrape runs on warmed-up state
                ex = scrape(p, "/metrics")
                check_metrics(ex, m)
            scrape(p, "/metrics", om=True)
            check_resource(scrape(p, "/metrics/resource"), m)
            scrape(p, "/metrics/resource", om=True)
        # exclude one container by its cgroup path: it goes, the others stay
        gone = m["containers"][0]
        with Plumb(plumb_args(node, "--collector.container.exclude=.*cri-containerd-%s\\.scope"
                              % gone["container_id"])) as p:
            ex = scrape(p, "/metrics")
            ids = {l.get("id") for l, _ in ex.series("container_cpu_usage_seconds_total")}
            check(gone["id"] not in ids, "excluded %s is still there" % gone["id"])
            for c in m["containers"][1:]:
                check(c["id"] in ids, "%s vanished with the exclude of another" % c["id"])
        print("ok: %s layout, %d containers, %d pods" % (layout, N, len(m["pods"])))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_v2():
    run_layout("v2")


def test_v1():
    run_layout("v1")


def test_hybrid():
    run_layout("hybrid")


def container_series(p):
    """{(name, labels): value} of every container_* sample of one scrape of p."""
    ex = scrape(p, "/metrics")
    return {k: v for k, v in ex.samples.items() if k[0].startswith("container_")}


def held_fixture_fds(pid, root):
    """(files, directories) of root's tree that pid holds open."""
    files = dirs = 0
    fd_dir = "/proc/%d/fd" % pid
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue  # closed meanwhile
        if not target.startswith(root + "/"):
            continue
        if os.path.isdir(target):
            dirs += 1
        else:
            files += 1
    return files, dirs


def test_fd_budget():
    # at or under 1024 descriptors plumb holds at most a quarter of the limit: 40 leaves
    # room for only some cgroups' directories, 100 for every v2 directory (not every v1
    # one) and a few files, 600 for every directory and many files
    for layout in ("v2", "v1"):
        d = tempfile.mkdtemp(prefix="plumb-cgfix-fd-%s-" % layout)
        try:
            node = os.path.join(d, "node")
            fixture.generate(node, N, seed=5, layout=layout)
            with Plumb(plumb_args(node)) as p:
                want = container_series(p)
            check(len(want) > 100, "%s: only %d container series" % (layout, len(want)))
            for limit in (40, 100, 600):
                with Plumb(plumb_args(node), wrapper=["prlimit", "--nofile=%d" % limit]) as p:
                    for _ in range(2):  # the second scrape reads through what the first held
                        got = container_series(p)
                        missing = sorted(set(want) - set(got))[:3]
                        extra = sorted(set(got) - set(want))[:3]
                        check(not missing and not extra, "%s, %d descriptors: missing %r, extra %r"
                              % (layout, limit, missing, extra))
                        # the root's memory comes from this machine's /proc/meminfo
                        wrong = [k for k in want if got[k] != want[k]
                                 and dict(k[1]).get("id") != "/"][:3]
                        check(not wrong, "%s, %d descriptors: other values for %r"
                              % (layout, limit, wrong))
            print("ok: %s layout, %d series alike at 40, 100 and 600 descriptors"
                  % (layout, len(want)))
            # --collector.container.max-held-files bounds the files held however high
            # the descriptor limit: the default holds every file of this small node
            for cap in (None, 5, 0):
                args = plumb_args(node) if cap is None else plumb_args(
                    node, "--collector.container.max-held-files=%d" % cap)
                with Plumb(args) as p:
                    for _ in range(2):
                        got = container_series(p)
                        check(set(got) == set(want), "%s, max-held-files=%s: other series"
                              % (layout, cap))
                    files, dirs = held_fixture_fds(p.pid, node)
                check(dirs > N, "%s, max-held-files=%s: only %d directories held"
                      % (layout, cap, dirs))
                if cap is None:
                    check(files > 5 * N, "%s: only %d files held by default" % (layout, files))
                else:
                    check(files == cap, "%s: %d files held under max-held-files=%d"
                          % (layout, files, cap))
                print("ok: %s layout, max-held-files=%s: %d files and %d directories held"
                      % (layout, cap, files, dirs))
        finally:
            shutil.rmtree(d, ignore_errors=True)


def test_streamed_body():
    d = tempfile.mkdtemp(prefix="plumb-cgfix-stream-")
    try:
        node = os.path.join(d, "node")
        m = fixture.generate(node, 300, seed=9, layout="v2")
        ids = {c["id"] for c in m["containers"]}
        with Plumb(plumb_args(node)) as p:
            for om in (False, True):
                for gz in (False, True):
                    headers = {"Accept": OM if om else "text/plain"}
                    if gz:
                        headers["Accept-Encoding"] = "gzip"
                    status, hdr, body = p.get("/metrics", headers=headers)
                    what = "%s%s" % ("OpenMetrics" if om else "text", ", gzip" if gz else "")
                    check(status == 200, "%s: status %d" % (what, status))
                    check(hdr.get("transfer-encoding") == "chunked" and "content-length" not in hdr,
                          "%s: not streamed: %r" % (what, hdr))
                    check((hdr.get("content-encoding") == "gzip") == gz, "%s: %r" % (what, hdr))
                    if gz:
                        body = gzip.decompress(body)
                    ex = parse_exposition(body, om=om)
                    series = ex.series("container_cpu_usage_seconds_total")
                    got = {l["id"] for l, _ in series}
                    check(ids <= got, "%s: %d of %d containers" % (what, len(ids & got), len(ids)))
                    check(sum(1 for _ in ex.samples) > 10000, "%s: only %d series"
                          % (what, len(ex.samples)))
            check_resource(scrape(p, "/metrics/resource"), m)
        print("ok: 300 containers streamed")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_delegated_copy_is_not_a_pod():
    """A copy of a real pod's cgroups, with its UID and container ID, made where a user
    may make cgroups (their systemd session's delegated subtree), must not be named
    after the pod: /metrics and /metrics/resource still show the real pod alone."""
    d = tempfile.mkdtemp(prefix="plumb-cgfix-spoof-")
    try:
        node = os.path.join(d, "node")
        m = fixture.generate(node, N, seed=7, layout="v2")
        root = os.path.join(node, "sys", "fs", "cgroup")
        real = os.path.join(root, m["containers"][0]["id"].lstrip("/"))
        pod_dir = os.path.dirname(real)
        fake_pod = os.path.join(root, "user.slice", "user-1000.slice", "user@1000.service",
                                "kubepods.slice", os.path.basename(pod_dir))
        shutil.copytree(pod_dir, fake_pod)
        fake = os.path.join(fake_pod, os.path.basename(real))
        with open(os.path.join(fake, "cpu.stat"), "w") as f:  # the copy claims 999 s
            f.write("usage_usec 999000000\nuser_usec 0\nsystem_usec 999000000\n")
        with Plumb(plumb_args(node)) as p:
            check_metrics(scrape(p, "/metrics"), m)
            check_resource(scrape(p, "/metrics/resource"), m)
        print("ok: the copy at %s is not named after the pod" % os.path.relpath(fake, root))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_unreadable_log_folders():
    """Names are optional: when kubelet's pod-log folder cannot be read (here a link
    loop), every cgroup is still reported, unnamed, the collector succeeds, and the
    error is logged once, not every scrape."""
    d = tempfile.mkdtemp(prefix="plumb-cgfix-logs-")
    try:
        node = os.path.join(d, "node")
        m = fixture.generate(node, N, seed=7, layout="v2")
        pods = os.path.join(node, "var", "log", "pods")
        shutil.rmtree(pods)
        os.symlink("pods", pods)  # ELOOP
        with Plumb(plumb_args(node)) as p:
            for _ in range(3):
                ex = scrape(p, "/metrics")
            ok = ex.value("node_scrape_collector_success", collector="container")
            check(ok == 1, "node_scrape_collector_success{collector=\"container\"} is %r" % ok)
            ids = {l.get("id") for l, _ in ex.series("container_cpu_usage_seconds_total")}
            missing = [c["id"] for c in m["containers"] if c["id"] not in ids]
            check(not missing, "containers missing while the log folder is unreadable: %r" % missing)
            named = [l for l, _ in ex.series("container_cpu_usage_seconds_total") if l.get("pod")]
            check(not named, "named without the pods folder: %r" % named[:2])
            warned = p.log().count("cannot read kubelet's log folders")
            check(warned == 1, "the unreadable folder was logged %d times, want once" % warned)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_v1_memory_only():
    """A v1 host that mounts the memory controller but no CPU one still reports every
    cgroup, with its memory figures."""
    d = tempfile.mkdtemp(prefix="plumb-cgfix-mem-")
    try:
        node = os.path.join(d, "node")
        m = fixture.generate(node, N, seed=7, layout="v1")
        root = os.path.join(node, "sys", "fs", "cgroup")
        for name in ("cpu", "cpuacct"):
            os.unlink(os.path.join(root, name))
        shutil.rmtree(os.path.join(root, "cpu,cpuacct"))
        with Plumb(plumb_args(node)) as p:
            ex = scrape(p, "/metrics")
            ok = ex.value("node_scrape_collector_success", collector="container")
            check(ok == 1, "node_scrape_collector_success{collector=\"container\"} is %r" % ok)
            for c in m["containers"]:
                close(one(ex, "container_memory_usage_bytes", c["id"])[1],
                      m["stats"][c["id"]]["memory_usage_bytes"], c["id"] + " memory usage")
            check(not ex.series("container_cpu_usage_seconds_total"), "CPU figures with no CPU controller")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_fixture_is_deterministic():
    d = tempfile.mkdtemp(prefix="plumb-cgfix-det-")
    try:
        trees = []
        for k in ("a", "b"):
            fixture.generate(os.path.join(d, k), 5, seed=3, layout="v1")
            files = {}
            for top, dirs, names in os.walk(os.path.join(d, k)):
                for n in names + [x for x in dirs if os.path.islink(os.path.join(top, x))]:
                    path = os.path.join(top, n)
                    rel = os.path.relpath(path, os.path.join(d, k))
                    files[rel] = os.readlink(path) if os.path.islink(path) else open(path, "rb").read()
            trees.append(files)
        check(trees[0] == trees[1], "the same N and seed made two different trees")
        fixture.generate(os.path.join(d, "c"), 5, seed=4, layout="v1")
        check(sorted(os.listdir(os.path.join(d, "c", "var", "log", "pods"))) !=
              sorted(os.listdir(os.path.join(d, "a", "var", "log", "pods"))), "the seed changes nothing")
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    if "container" not in collectors_in_help():
        skip("plumb has no container collector")
    main([test_fixture_is_deterministic, test_v2, test_v1, test_hybrid, test_fd_budget,
          test_streamed_body, test_delegated_copy_is_not_a_pod, test_unreadable_log_folders,
          test_v1_memory_only])
