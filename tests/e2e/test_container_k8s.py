#!/usr/bin/env python3
"""test_container_k8s: the container collector on Kubernetes nodes as each runtime lays them out.

bench/cgroup-fixture.py --pause writes a node with every pod's sandbox (pause) container,
each container's record where its runtime keeps it (containerd's OCI bundle config.json,
CRI-O's config.json, docker's config.v2.json) and the processes' /proc/<pid>/net/dev (a
pod's containers share the sandbox's; pods[1] uses the host's network). plumb runs on
each of containerd, CRI-O and docker, systemd and cgroupfs drivers, cgroup v2 and v1, and:

- identity: every container has the image, pod, namespace and container its record
  gives, the sandbox has the pause image and its pod (container "" for containerd,
  "POD" for CRI-O and docker, as their labels say), and all of it still holds with
  kubelet's log folders gone (the records come first); the values match on the second
  scrape (kept, not re-read: a record changed after the first scrape changes nothing);
- /metrics/cadvisor serves exactly /metrics' container_* series and the machine_*
  facts; container_fs_reads_total / container_fs_writes_total match the fixture's
  io.stat rios/wios (v2) and blkio.throttle.io_serviced_recursive (v1);
- network: each pod's interfaces once, on its sandbox container, with the fixture's
  figures (summed by pod, its real traffic), the host's on / and on the host-network
  pod's sandbox, lo and veth* never, nothing on other containers, pods or services;
  with the records gone, the log folders still tell the sandbox;
- hostile records (huge, truncated, not JSON, a FIFO, control characters and invalid
  UTF-8 in annotations) never stop a scrape: the collector succeeds, the text passes
  promtool, those containers are still reported, named from the log folders.
"""
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plumbtest import check, collectors_in_help, main, skip, Plumb  # noqa: E402
from test_container_fixture import fixture, scrape  # noqa: E402

N = 6
CASES = [(rt, drv, layout) for rt in ("containerd", "crio", "docker")
         for drv in ("systemd", "cgroupfs") for layout in ("v2", "v1")]


def args_for(node, *extra):
    return ["--collector.disable-defaults", "--collector.container",
            "--path.sysfs=" + os.path.join(node, "sys"), "--path.rootfs=" + node,
            "--path.procfs=" + os.path.join(node, "proc")] + list(extra)


def make(d, runtime, driver, layout, n=N, seed=11):
    node = os.path.join(d, "node")
    m = fixture.generate(node, n, seed=seed, layout=layout, runtime=runtime, driver=driver, pause=True)
    return node, m


def cpu_labels(ex):
    """{id: labels} of container_cpu_usage_seconds_total (cpu="total")."""
    out = {}
    for labels, _ in ex.series("container_cpu_usage_seconds_total"):
        if labels.get("cpu", "total") == "total":
            check(labels["id"] not in out, "%s twice" % labels["id"])
            out[labels["id"]] = labels
    return out


def check_identity(ex, m, what):
    got = cpu_labels(ex)
    for c in m["containers"]:
        l = got.get(c["id"])
        check(l is not None, "%s: %s not reported" % (what, c["id"]))
        want = {"image": c["image"], "pod": c["pod"], "namespace": c["namespace"],
                "container": c["container"]}
        for k, v in want.items():
            check(l.get(k) == v, "%s: %s %s=%r, want %r" % (what, c["id"], k, l.get(k), v))
    pause_ctr = "" if m["runtime"] == "containerd" else "POD"
    for p in m["pods"]:
        sb = p["sandbox"]
        l = got.get(sb["id"])
        check(l is not None, "%s: sandbox %s not reported" % (what, sb["id"]))
        want = {"image": sb["image"], "pod": p["pod"], "namespace": p["namespace"],
                "container": pause_ctr}
        for k, v in want.items():
            check(l.get(k) == v, "%s: sandbox %s %s=%r, want %r" % (what, sb["id"], k, l.get(k), v))
        check(not got[p["id"]].get("image"), "%s: pod cgroup %s has an image" % (what, p["id"]))
    for l in got.values():
        if l["id"].startswith("/system.slice"):
            check(not l.get("image") and not l.get("pod"), "%s: %r" % (what, l))


def test_identity():
    for rt, drv, layout in CASES:
        d = tempfile.mkdtemp(prefix="plumb-k8s-id-")
        try:
            node, m = make(d, rt, drv, layout)
            what = "%s/%s/%s" % (rt, drv, layout)
            with Plumb(args_for(node)) as p:
                check_identity(scrape(p, "/metrics"), m, what)
                # kept from the first sight: a record rewritten now changes nothing
                c = m["containers"][0]
                rec = record_path(node, m, c["container_id"])
                text = open(rec).read().replace(c["image"], "evil.example/changed:1")
                open(rec, "w").write(text)
                check_identity(scrape(p, "/metrics"), m, what + " (second scrape)")
            # without kubelet's log folders, the records alone name everything
            shutil.rmtree(os.path.join(node, "var", "log"))
            open(rec, "w").write(text.replace("evil.example/changed:1", c["image"]))
            with Plumb(args_for(node)) as p:
                check_identity(scrape(p, "/metrics"), m, what + " (no logs)")
            print("ok: %s: images and names from the records" % what)
        finally:
            shutil.rmtree(d, ignore_errors=True)


def record_path(node, m, cid):
    rt = m["runtime"]
    if rt == "containerd":
        return os.path.join(node, "run/containerd/io.containerd.runtime.v2.task/k8s.io", cid, "config.json")
    if rt == "crio":
        return os.path.join(node, "run/containers/storage/overlay-containers", cid, "userdata/config.json")
    return os.path.join(node, "var/lib/docker/containers", cid, "config.v2.json")


def test_hostile_records():
    d = tempfile.mkdtemp(prefix="plumb-k8s-hostile-")
    try:
        node, m = make(d, "containerd", "systemd", "v2", n=8)
        cs = m["containers"]
        paths = [record_path(node, m, c["container_id"]) for c in cs]
        with open(paths[0], "w") as f:  # huge: over the bound
            f.write('{"annotations":{"pad":"' + "x" * (2 << 20) + '"}}')
        with open(paths[1], "w") as f:  # truncated
            f.write(open(paths[2]).read()[:100])
        with open(paths[2], "w") as f:  # not JSON
            f.write("\x00\x01\x02 not json at all")
        os.unlink(paths[3])  # a FIFO that no one writes
        os.mkfifo(paths[3])
        rec = json.load(open(paths[4]))  # control characters, quotes, a C1 control
        a = rec["annotations"]
        a["io.kubernetes.cri.image-name"] = 'img"\n# TYPE x counter\nx 1'
        a["io.kubernetes.cri.container-name"] = "c\u0085"
        json.dump(rec, open(paths[4], "w"))
        with open(paths[5], "wb") as f:  # invalid UTF-8
            f.write(open(paths[6], "rb").read().replace(b'"io.kubernetes.cri.image-name": "',
                                                        b'"io.kubernetes.cri.image-name": "\xff\xfe'))
        # another pod's UID: the record may not move a container into another pod
        rec = json.load(open(paths[7]))
        other = [p for p in m["pods"] if p["uid"] != cs[7]["pod_uid"]][0]
        rec["annotations"]["io.kubernetes.cri.sandbox-uid"] = other["uid"]
        rec["annotations"]["io.kubernetes.cri.sandbox-name"] = other["pod"]
        json.dump(rec, open(paths[7], "w"))
        with Plumb(args_for(node)) as p:
            for _ in range(2):
                ex = scrape(p, "/metrics")  # promtool check included
                ok = ex.value("node_scrape_collector_success", collector="container")
                check(ok == 1, "collector success %r with hostile records" % ok)
                got = cpu_labels(ex)
                for k, c in enumerate(cs):
                    l = got.get(c["id"])
                    check(l is not None, "%s gone with a hostile record" % c["id"])
                    # names from the log folders, the fallback
                    check(l["pod"] == c["pod"] and l["namespace"] == c["namespace"] and
                          l["container"] == c["container"], "%d: %r" % (k, l))
                    if k != 6:
                        check(l["image"] == "", "%d: image %r from a hostile record" % (k, l["image"]))
                check(got[cs[6]["id"]]["image"] == cs[6]["image"], "a sound record's image is lost")
            warned = p.log().count("cannot read a container's record")
            check(1 <= warned <= 4, "hostile records logged %d times" % warned)
        print("ok: hostile records: every container reported, named from the logs")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def samples(ex, prefix):
    return {k: v for k, v in ex.samples.items() if k[0].startswith(prefix)}


def test_cadvisor_endpoint():
    """/metrics/cadvisor serves the container_* series of /metrics, the same ones with
    the same values, and cAdvisor's machine_* families, and nothing else; /metrics has
    no machine_*."""
    for rt, drv, layout in (("containerd", "systemd", "v2"), ("crio", "cgroupfs", "v1")):
        d = tempfile.mkdtemp(prefix="plumb-k8s-cadv-")
        try:
            node, m = make(d, rt, drv, layout)
            with Plumb(args_for(node)) as p:
                for om in (False, True):
                    cad = scrape(p, "/metrics/cadvisor", om=om)
                    met = scrape(p, "/metrics", om=om)
                    other = sorted({k[0] for k in cad.samples if not k[0].startswith(("container_", "machine_"))})
                    check(not other, "/metrics/cadvisor serves %r" % other[:5])
                    a, b = samples(cad, "container_"), samples(met, "container_")
                    check(len(a) > 100 and set(a) == set(b),
                          "%d container_ series on /metrics/cadvisor, %d on /metrics" % (len(a), len(b)))
                    check(not samples(met, "machine_"), "/metrics has machine_* families")
                    mi = m["machine"]
                    want = {"machine_cpu_cores": mi["cores"], "machine_cpu_physical_cores": mi["physical_cores"],
                            "machine_cpu_sockets": mi["sockets"], "machine_memory_bytes": mi["memory_bytes"],
                            "machine_swap_bytes": mi["swap_bytes"], "machine_cpu_books": 0,
                            "machine_cpu_drawers": 0}
                    for name, v in want.items():
                        got = cad.series(name)
                        check(len(got) == 1 and got[0][1] == v, "%s: %r, want %r" % (name, got, v))
                        l = got[0][0]
                        check(l.get("boot_id") == mi["boot_id"] and l.get("machine_id") == mi["machine_id"]
                              and l.get("system_uuid") == "", "%s labels %r" % (name, l))
            print("ok: %s/%s/%s: /metrics/cadvisor" % (rt, drv, layout))
        finally:
            shutil.rmtree(d, ignore_errors=True)


def test_io_operations():
    """container_fs_reads_total and container_fs_writes_total per device: io.stat's
    rios and wios on v2, blkio.throttle.io_serviced_recursive on v1, for every
    container; on both endpoints."""
    for layout in ("v2", "v1", "hybrid"):
        d = tempfile.mkdtemp(prefix="plumb-k8s-io-")
        try:
            node, m = make(d, "containerd", "systemd", layout)
            with Plumb(args_for(node)) as p:
                for path in ("/metrics", "/metrics/cadvisor"):
                    ex = scrape(p, path)
                    for c in m["containers"]:
                        st = m["stats"][c["id"]]
                        for fam, key in (("container_fs_reads_total", "io_reads"),
                                         ("container_fs_writes_total", "io_writes")):
                            for majmin, dev in m["devices"].items():
                                got = [v for l, v in ex.series(fam)
                                       if l.get("id") == c["id"] and l.get("device") == "/dev/" + dev]
                                want = st[key][majmin]
                                check(got == ([want] if any((st["io_reads"][majmin], st["io_writes"][majmin]))
                                              else []), "%s %s %s %s: %r, want %r"
                                      % (layout, path, fam, dev, got, want))
            print("ok: %s: I/O requests per device" % layout)
        finally:
            shutil.rmtree(d, ignore_errors=True)


NET_FAMS = ("receive_bytes", "receive_packets", "receive_errors", "receive_packets_dropped",
            "transmit_bytes", "transmit_packets", "transmit_errors", "transmit_packets_dropped")


def check_network(ex, m, what):
    """Each pod's interfaces once, on its sandbox, with the fixture's figures; the
    host's on / and on a host-network pod's sandbox; nothing on other cgroups."""
    by_id = {}
    for f in NET_FAMS:
        for l, v in ex.series("container_network_%s_total" % f):
            by_id.setdefault(l["id"], {}).setdefault(l["interface"], {})[f] = v
            check(l["interface"] != "lo" and not l["interface"].startswith("veth"),
                  "%s: interface %s reported" % (what, l["interface"]))
    host = {i: dict(zip(NET_FAMS, v)) for i, v in m["host_net"].items() if not i.startswith("veth")}
    want = {"/": host}
    for p in m["pods"]:
        want[p["sandbox"]["id"]] = host if p["host_network"] else \
            {i: dict(zip(NET_FAMS, v)) for i, v in p["net"].items()}
    check(set(by_id) == set(want), "%s: network series on %r\nwant %r" % (what, sorted(by_id), sorted(want)))
    for cid, ifs in want.items():
        check(by_id[cid] == ifs, "%s: %s: %r, want %r" % (what, cid, by_id[cid], ifs))
    # summed by pod, as kubernetes-mixin sums, each pod's traffic once
    for p in m["pods"]:
        got = sum(v for l, v in ex.series("container_network_receive_bytes_total")
                  if l.get("pod") == p["pod"] and l.get("namespace") == p["namespace"])
        src = m["host_net"] if p["host_network"] else p["net"]
        real = sum(v[0] for i, v in src.items() if not i.startswith("veth"))
        check(got == real, "%s: pod %s receives %r, really %r" % (what, p["pod"], got, real))


def test_network():
    cases = [(rt, "systemd", "v2") for rt in ("containerd", "crio", "docker")] + \
        [("containerd", "cgroupfs", "v1"), ("crio", "systemd", "hybrid")]
    for rt, drv, layout in cases:
        d = tempfile.mkdtemp(prefix="plumb-k8s-net-")
        try:
            node, m = make(d, rt, drv, layout)
            what = "%s/%s/%s" % (rt, drv, layout)
            with Plumb(args_for(node)) as p:
                for path in ("/metrics", "/metrics/cadvisor"):
                    check_network(scrape(p, path), m, what + " " + path)
            if rt == "containerd":
                # no records: a container of a logged pod with no log of its own is the sandbox
                shutil.rmtree(os.path.join(node, "run"))
                with Plumb(args_for(node)) as p:
                    check_network(scrape(p, "/metrics"), m, what + " (logs only)")
            print("ok: %s: each pod's network once, on its sandbox" % what)
        finally:
            shutil.rmtree(d, ignore_errors=True)


def test_network_follows_its_process():
    """plumb keeps a sandbox's /proc/<pid>/net/dev open between scrapes: the figures it
    reads must still move as the file does, and a sandbox whose first process is another
    one (another pid, another namespace file) must be read from that one, not the file
    kept open for the first."""
    d = tempfile.mkdtemp(prefix="plumb-k8s-netpid-")
    try:
        node, m = make(d, "containerd", "systemd", "v2")
        pod = next(p for p in m["pods"] if not p["host_network"])
        sb = pod["sandbox"]["id"]
        procs = os.path.join(node, "sys", "fs", "cgroup", sb.lstrip("/"), "cgroup.procs")
        with open(procs) as f:
            pid = int(f.read().split()[0])
        ifname = sorted(pod["net"])[0]

        def rx(ex):
            got = [v for l, v in ex.series("container_network_receive_bytes_total")
                   if l["id"] == sb and l["interface"] == ifname]
            check(len(got) == 1, "%s %s: %r" % (sb, ifname, got))
            return got[0]

        def no_net(ex, why):
            """No network series for the sandbox, and its other series still there."""
            check(not [l for l, _ in ex.series("container_network_receive_bytes_total")
                       if l["id"] == sb], why + ": still reported")
            check(sb in cpu_labels(ex), why + ": the sandbox's other series went with it")

        dev = os.path.join(node, "proc", str(pid), "net", "dev")
        with Plumb(args_for(node)) as p:
            check(rx(scrape(p, "/metrics")) == pod["net"][ifname][0], "first scrape")
            # the same file, written in place: the kept descriptor sees it
            figs = dict(pod["net"])
            figs[ifname] = [v + 1000 for v in figs[ifname]]
            with open(dev, "w") as f:
                f.write(fixture.netdev_text(figs))
            check(rx(scrape(p, "/metrics")) == figs[ifname][0], "in place: not re-read")
            # garbage in the kept file: the sandbox's network is left out, the scrape stands,
            # and once the file is good again it is read again
            with open(dev, "w") as f:
                f.write("Inter-|\n eth0: 1 2 x\n")
            no_net(scrape(p, "/metrics"), "a malformed net/dev")
            with open(dev, "w") as f:
                f.write(fixture.netdev_text(figs))
            check(rx(scrape(p, "/metrics")) == figs[ifname][0], "not read again after garbage")
            # another process in the sandbox, in a namespace of its own
            new = 987654
            os.makedirs(os.path.join(node, "proc", str(new), "net"))
            other = {ifname: [7, 6, 5, 4, 3, 2, 1, 0]}
            with open(os.path.join(node, "proc", str(new), "net", "dev"), "w") as f:
                f.write(fixture.netdev_text(other))
            with open(procs, "w") as f:
                f.write("%d\n" % new)
            check(rx(scrape(p, "/metrics")) == 7, "another process: still the old file's figures")
            # that process gone (the cgroup empty): no network series for the sandbox, and
            # the rest of the scrape stands
            shutil.rmtree(os.path.join(node, "proc", str(new)))
            with open(procs, "w") as f:
                f.write("")
            no_net(scrape(p, "/metrics"), "a process that ended")
        print("ok: a kept namespace file follows its content and its process")
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    if "container" not in collectors_in_help():
        skip("plumb has no container collector")
    main([test_identity, test_hostile_records, test_cadvisor_endpoint, test_io_operations,
          test_network, test_network_follows_its_process])
