#!/usr/bin/env python3
"""test_genhost: plumb reads bench/genhost.py's large generated host as a large host.

Generates the tree of a machine with 128 CPUs, 64 NVMe disks and 64 Ethernet interfaces
(no containers, to stay quick) in a temporary folder, starts plumb on it with its
defaults through --path.* (and netdev reading /proc/net/dev), and checks what one scrape says: 128 CPUs in node_cpu_seconds_total,
cpufreq, softirqs and softnet, 64 disks in node_disk_*, the 64 interfaces (and lo) in
node_network_* from both /proc/net/dev and sysfs, the coretemp sensors in hwmon, and
every collector whose files the tree holds reporting success. The benchmark
(bench/bench.py --host generated) relies on exactly this. As root, a small tree with its
cgroup tree on a tmpfs of its own (--own-cgroupfs, what the benchmark uses) is read by
the container collector and removed without leaving the mount behind.
"""
import os, shutil, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
from plumbtest import Plumb, check, main, parse_exposition  # noqa: E402
import genhost  # noqa: E402

CPUS, DISKS, IFACES = 128, 64, 64
# Collectors whose files genhost writes: each must report success on the tree.
MUST_SUCCEED = ("arp conntrack cpu cpufreq diskstats dmi edac entropy filefd filesystem hwmon "
                "loadavg mdadm meminfo netclass netdev netstat os pressure schedstat sockstat "
                "softnet stat thermal_zone time timex udp_queues uname vmstat watchdog").split()


def labels_of(expo, family, label):
    return {s[0].get(label) for s in expo.series(family)}


def test_large_host():
    tmp = tempfile.mkdtemp(prefix="plumb-genhost-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    try:
        root = genhost.generate(os.path.join(tmp, "host"), CPUS, DISKS, IFACES, containers=0, seed=7)
        with Plumb(genhost.genhost_args(root)) as p:
            status, _, body = p.get()
            check(status == 200, "scrape answered %d" % status)
            e = parse_exposition(body.decode())
        failed = [c for c in MUST_SUCCEED
                  if e.value("node_scrape_collector_success", collector=c) != 1]
        check(not failed, "collectors that failed on the generated host: %s" % failed)
        cpus = labels_of(e, "node_cpu_seconds_total", "cpu")
        check(cpus == {str(i) for i in range(CPUS)}, "node_cpu_seconds_total has %d CPUs" % len(cpus))
        for fam in ("node_cpu_scaling_frequency_hertz", "node_softnet_processed_total"):
            n = len(labels_of(e, fam, "cpu"))
            check(n == CPUS, "%s has %d CPUs, not %d" % (fam, n, CPUS))
        disks = labels_of(e, "node_disk_reads_completed_total", "device")
        check(disks == {"nvme%dn1" % i for i in range(DISKS)}, "node_disk_* has %d disks: %s"
              % (len(disks), sorted(disks)[:5]))
        info = labels_of(e, "node_disk_info", "serial")
        check(len(info) == DISKS, "node_disk_info has %d serials from udev" % len(info))
        want_if = {"eth%d" % i for i in range(IFACES)}
        for fam in ("node_network_receive_bytes_total", "node_network_mtu_bytes",
                    "node_network_speed_bytes"):
            devs = labels_of(e, fam, "device") - {"lo"}
            check(devs == want_if, "%s has %d interfaces, not %d" % (fam, len(devs), IFACES))
        temps = [s for s in e.series("node_hwmon_temp_celsius") if s[0]["chip"].startswith("platform_coretemp")]
        check(len(temps) == 2 * (1 + CPUS // 4), "hwmon has %d coretemp sensors" % len(temps))
        zones = labels_of(e, "node_thermal_zone_temp", "zone")
        check(len(zones) == 4, "thermal zones: %s" % sorted(zones))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_same_seed_same_tree():
    tmp = tempfile.mkdtemp(prefix="plumb-genhost-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    try:
        a = genhost.generate(os.path.join(tmp, "a"), 8, 2, 2, containers=0, seed=3)
        b = genhost.generate(os.path.join(tmp, "b"), 8, 2, 2, containers=0, seed=3)
        for rel in ("proc/stat", "proc/diskstats", "proc/net/dev", "proc/interrupts"):
            with open(os.path.join(a, rel)) as fa, open(os.path.join(b, rel)) as fb:
                check(fa.read() == fb.read(), "%s differs between two trees of one seed" % rel)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_own_cgroupfs():
    """--own-cgroupfs: the cgroup tree is a tmpfs of its own that plumb's container
    collector reads, and remove() leaves no mount behind."""
    if os.geteuid() != 0:
        print("test_own_cgroupfs: not root, nothing to mount: left out")
        return
    tmp = tempfile.mkdtemp(prefix="plumb-genhost-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    os.chmod(tmp, 0o755)  # plumb started as root reads the tree as nobody
    try:
        root = genhost.generate(os.path.join(tmp, "host"), 8, 2, 2, containers=3, seed=5,
                                own_cgroupfs=True)
        cg = os.path.join(root, "sys/fs/cgroup")
        check(genhost.mounts_under(tmp) == [os.path.realpath(cg)],
              "mounts under the tree: %r" % genhost.mounts_under(tmp))
        with Plumb(genhost.genhost_args(root)) as p:
            status, _, body = p.get()
            check(status == 200, "scrape answered %d" % status)
            e = parse_exposition(body.decode())
        check(e.value("node_scrape_collector_success", collector="container") == 1,
              "the container collector failed on the tree's own cgroupfs")
        names = labels_of(e, "container_cpu_usage_seconds_total", "container") - {None, "", "POD"}
        check(len(names) == 3, "containers read from the own cgroupfs: %s" % sorted(names))
    finally:
        genhost.remove(tmp)
    check(not genhost.mounts_under(tmp) and not os.path.exists(tmp),
          "remove() left %r" % genhost.mounts_under(tmp))


def test_remove_finds_escaped_mounts():
    """remove() unmounts a mount point whose name mountinfo escapes (a space) or that is
    not ASCII, before it deletes the tree: neither may be left mounted."""
    if os.geteuid() != 0:
        print("test_remove_finds_escaped_mounts: not root, nothing to mount: left out")
        return
    tmp = tempfile.mkdtemp(prefix="plumb-genhost-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    want = [os.path.join(tmp, "a b"), os.path.join(tmp, "caf\u00e9")]
    try:
        for mp in want:
            os.mkdir(mp)
            subprocess.run(["mount", "-t", "tmpfs", "genhost-test", mp], check=True)
        found = genhost.mounts_under(tmp)
        check(sorted(found) == sorted(want), "mounts under %s: %r" % (tmp, found))
        genhost.remove(tmp)
        check(not os.path.exists(tmp), "remove() left %s" % tmp)
    finally:
        for mp in want:  # never leave a test's mount behind, whatever remove() did
            subprocess.run(["umount", mp], stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main([test_large_host, test_same_seed_same_tree, test_own_cgroupfs,
          test_remove_finds_escaped_mounts])
