#!/usr/bin/env python3
"""genhost: write the procfs and sysfs of a large machine under a directory.

    python3 bench/genhost.py DIR [--cpus 128] [--disks 64] [--ifaces 64] [--seed 1]
                                 [--own-cgroupfs]
    python3 bench/genhost.py --remove DIR

makes DIR/proc, DIR/sys, DIR/run/udev/data and DIR/etc, the files node_exporter's and
plumb's default collectors read, for a two-socket machine with --cpus logical CPUs (two
threads a core), --disks NVMe disks and --ifaces Ethernet interfaces (eth0, eth1, ...,
plus lo), a few hwmon chips (a coretemp sensor a core), thermal zones, cpufreq, and a
kubelet's cgroup tree from bench/cgroup-fixture.py (--containers). Both exporters read it
through --path.procfs=DIR/proc --path.sysfs=DIR/sys --path.rootfs=DIR
--path.udev.data=DIR/run/udev/data, plus --no-collector.netdev.netlink: both read the
interface counters over rtnetlink by default, which sees this machine's interfaces and
not the tree's /proc/net/dev (genhost_args() gives these flags).

The formats are those of a real kernel (this development VM's /proc and /sys, and
node_exporter's fixtures); the figures are plausible and come from a random generator
seeded with --seed, so the same arguments give the same tree byte for byte. Symbolic
links stand where sysfs has them (class/net, class/hwmon, block). Python 3 standard
library only.
"""
import argparse
import os
import random
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def genhost_args(root):
    """The flags that point node_exporter or plumb at the tree under ROOT: the --path.*
    roots, and netdev reading the tree's /proc/net/dev rather than rtnetlink."""
    return [f"--path.procfs={root}/proc", f"--path.sysfs={root}/sys", f"--path.rootfs={root}",
            f"--path.udev.data={root}/run/udev/data", "--no-collector.netdev.netlink"]


class Tree:
    def __init__(self, root, seed):
        self.root = root
        self.rnd = random.Random(seed)

    def write(self, rel, text):
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def link(self, rel, target):
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.symlink(target, path)

    def n(self, lo, hi):
        return self.rnd.randint(lo, hi)


def cpu_row(t, name):
    user, nice, system = t.n(10**5, 10**7), t.n(0, 10**5), t.n(10**5, 10**6)
    idle, iowait, irq, softirq = t.n(10**7, 10**8), t.n(0, 10**5), 0, t.n(0, 10**5)
    return f"{name} {user} {nice} {system} {idle} {iowait} {irq} {softirq} 0 0 0\n"


def gen_proc(t, a):
    ncpu = a.cpus
    rows = [cpu_row(t, f"cpu{i}") for i in range(ncpu)]
    total = [0] * 10
    for r in rows:
        for i, v in enumerate(r.split()[1:]):
            total[i] += int(v)
    stat = "cpu  " + " ".join(map(str, total)) + "\n" + "".join(rows)
    stat += "intr " + str(t.n(10**8, 10**9)) + " 0" * 64 + "\n"
    stat += (f"ctxt {t.n(10**8, 10**10)}\nbtime 1796401000\nprocesses {t.n(10**5, 10**7)}\n"
             f"procs_running {t.n(1, 40)}\nprocs_blocked {t.n(0, 3)}\n"
             "softirq " + " ".join(str(t.n(0, 10**8)) for _ in range(11)) + "\n")
    t.write("proc/stat", stat)

    cores = ncpu // 2
    per_pkg = max(1, cores // 2)
    ci = []
    for i in range(ncpu):
        core = i % cores
        pkg, core_id = core // per_pkg, core % per_pkg
        ci.append(
            f"processor\t: {i}\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 106\n"
            "model name\t: Intel(R) Xeon(R) Platinum 8358 CPU @ 2.60GHz\nstepping\t: 6\n"
            f"microcode\t: 0xd0003a5\ncpu MHz\t\t: {2600 + t.n(0, 800)}.{t.n(0, 999):03d}\n"
            f"cache size\t: 49152 KB\nphysical id\t: {pkg}\nsiblings\t: {ncpu // 2}\n"
            f"core id\t\t: {core_id}\ncpu cores\t: {per_pkg}\napicid\t\t: {i * 2}\n"
            f"initial apicid\t: {i * 2}\nfpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: 27\n"
            "wp\t\t: yes\nflags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov "
            "pat pse36 clflush mmx fxsr sse sse2 ss ht syscall nx pdpe1gb rdtscp lm constant_tsc "
            "rep_good nopl xtopology nonstop_tsc cpuid tsc_known_freq pni pclmulqdq ssse3 fma cx16 "
            "pcid sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx f16c rdrand hypervisor lahf_lm "
            "abm 3dnowprefetch avx2 smep bmi2 erms invpcid avx512f avx512dq rdseed adx smap "
            "clflushopt clwb avx512cd sha_ni avx512bw avx512vl xsaveopt xsavec xgetbv1 xsaves\n"
            "bugs\t\t: spectre_v1 spectre_v2 spec_store_bypass swapgs mmio_stale_data\n"
            "bogomips\t: 5200.00\nclflush size\t: 64\ncache_alignment\t: 64\n"
            "address sizes\t: 46 bits physical, 57 bits virtual\npower management:\n\n")
    t.write("proc/cpuinfo", "".join(ci))

    gib = 1024 * 1024
    total_kb = 512 * gib
    free = t.n(10 * gib, 100 * gib)
    mem = [("MemTotal", total_kb), ("MemFree", free), ("MemAvailable", free + 200 * gib),
           ("Buffers", t.n(gib, 4 * gib)), ("Cached", t.n(100 * gib, 200 * gib)),
           ("SwapCached", 0), ("Active", t.n(100 * gib, 200 * gib)),
           ("Inactive", t.n(50 * gib, 150 * gib)), ("Active(anon)", t.n(50 * gib, 100 * gib)),
           ("Inactive(anon)", t.n(gib, 4 * gib)), ("Active(file)", t.n(50 * gib, 100 * gib)),
           ("Inactive(file)", t.n(50 * gib, 100 * gib)), ("Unevictable", t.n(0, 1024)),
           ("Mlocked", t.n(0, 1024)), ("SwapTotal", 0), ("SwapFree", 0), ("Zswap", 0),
           ("Zswapped", 0), ("Dirty", t.n(0, 100000)), ("Writeback", 0),
           ("AnonPages", t.n(50 * gib, 100 * gib)), ("Mapped", t.n(gib, 8 * gib)),
           ("Shmem", t.n(gib, 2 * gib)), ("KReclaimable", t.n(gib, 8 * gib)),
           ("Slab", t.n(4 * gib, 16 * gib)), ("SReclaimable", t.n(gib, 8 * gib)),
           ("SUnreclaim", t.n(gib, 4 * gib)), ("KernelStack", t.n(100000, 200000)),
           ("PageTables", t.n(500000, 900000)), ("SecPageTables", 0), ("NFS_Unstable", 0),
           ("Bounce", 0), ("WritebackTmp", 0), ("CommitLimit", total_kb // 2),
           ("Committed_AS", t.n(100 * gib, 300 * gib)), ("VmallocTotal", 34359738367),
           ("VmallocUsed", t.n(100000, 400000)), ("VmallocChunk", 0), ("Percpu", 128 * 1024),
           ("HardwareCorrupted", 0), ("AnonHugePages", t.n(0, 10 * gib)), ("ShmemHugePages", 0),
           ("ShmemPmdMapped", 0), ("FileHugePages", 0), ("FilePmdMapped", 0),
           ("Unaccepted", 0), ("HugePages_Total", 0), ("HugePages_Free", 0),
           ("HugePages_Rsvd", 0), ("HugePages_Surp", 0), ("Hugepagesize", 2048),
           ("Hugetlb", 0), ("DirectMap4k", t.n(10**6, 10**7)), ("DirectMap2M", 100 * gib),
           ("DirectMap1G", 420 * gib)]
    t.write("proc/meminfo", "".join(
        f"{k + ':':<16}{v:>8}" + ("\n" if k.startswith("HugePages_") else " kB\n")
        for k, v in mem))

    disks = []
    for i in range(a.disks):
        rd, wr = t.n(10**5, 10**8), t.n(10**5, 10**8)
        disks.append(f" 259 {i:7d} nvme{i}n1 {rd} {t.n(0, 10**5)} {rd * 8} {t.n(10**5, 10**7)} "
                     f"{wr} {t.n(0, 10**5)} {wr * 8} {t.n(10**5, 10**7)} {t.n(0, 4)} "
                     f"{t.n(10**5, 10**7)} {t.n(10**5, 10**8)} {t.n(0, 10**4)} 0 {t.n(0, 10**6)} "
                     f"{t.n(0, 10**4)} {t.n(0, 10**6)} {t.n(0, 10**5)}\n")
    loops = "".join(f"   7 {i:7d} loop{i} 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n" for i in range(4))
    t.write("proc/diskstats", loops + "".join(disks))

    cols = "".join(f"CPU{i:<8d}" for i in range(ncpu))
    irq = ["           " + cols + "\n"]
    def irq_row(label, tail):
        return f"{label:>4}:" + "".join(f"{t.n(0, 10**7):11d}" for _ in range(ncpu)) + tail + "\n"
    irq.append(irq_row("0", "  IR-IO-APIC    2-edge      timer"))
    irq.append(irq_row("8", "  IR-IO-APIC    8-edge      rtc0"))
    irq.append(irq_row("9", "  IR-IO-APIC    9-fasteoi   acpi"))
    for i in range(a.ifaces):
        irq.append(irq_row(str(64 + i), f"  IR-PCI-MSI 5242{i:03d}-edge      eth{i}-TxRx-0"))
    for i in range(a.disks):
        irq.append(irq_row(str(64 + a.ifaces + i), f"  IR-PCI-MSI 3145{i:03d}-edge      nvme{i}q0"))
    for label, tail in (("NMI", "   Non-maskable interrupts"), ("LOC", "   Local timer interrupts"),
                        ("SPU", "   Spurious interrupts"), ("PMI", "   Performance monitoring interrupts"),
                        ("IWI", "   IRQ work interrupts"), ("RES", "   Rescheduling interrupts"),
                        ("CAL", "   Function call interrupts"), ("TLB", "   TLB shootdowns"),
                        ("TRM", "   Thermal event interrupts"), ("MCE", "   Machine check exceptions"),
                        ("MCP", "   Machine check polls")):
        irq.append(irq_row(label, tail))
    irq.append("ERR:          0\nMIS:          0\n")
    t.write("proc/interrupts", "".join(irq))

    si = ["                " + "".join(f"CPU{i:<8d}" for i in range(ncpu)) + "\n"]
    for name in ("HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET", "SCHED",
                 "HRTIMER", "RCU"):
        si.append(f"{name + ':':>12}" + "".join(f"{t.n(0, 10**8):11d}" for _ in range(ncpu)) + "\n")
    t.write("proc/softirqs", "".join(si))

    t.write("proc/loadavg", f"{t.n(0, 6400) / 100:.2f} {t.n(0, 6400) / 100:.2f} "
            f"{t.n(0, 6400) / 100:.2f} {t.n(1, 40)}/{t.n(1000, 5000)} {t.n(10**5, 10**6)}\n")

    vm = []
    for line in VMSTAT_KEYS.split():
        vm.append(f"{line} {t.n(0, 10**9)}\n")
    t.write("proc/vmstat", "".join(vm))

    dev = ["Inter-|   Receive                                                |  Transmit\n",
           " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
           "errs drop fifo colls carrier compressed\n"]
    for name in ["lo"] + [f"eth{i}" for i in range(a.ifaces)]:
        rb, rp, tb, tp = t.n(10**9, 10**13), t.n(10**6, 10**10), t.n(10**9, 10**13), t.n(10**6, 10**10)
        dev.append(f"{name:>6}: {rb} {rp} {t.n(0, 99)} {t.n(0, 999)} 0 0 0 {t.n(0, 10**5)} "
                   f"{tb} {tp} 0 {t.n(0, 99)} 0 0 0 0\n")
    t.write("proc/net/dev", "".join(dev))

    for name, body in (("snmp", SNMP), ("netstat", NETSTAT)):
        out = []
        for hdr in body.strip().splitlines():
            proto, keys = hdr.split(":", 1)
            vals = " ".join(("-1" if k == "MaxConn" else str(t.n(0, 10**7))) for k in keys.split())
            out.append(f"{hdr}\n{proto}: {vals}\n")
        t.write(f"proc/net/{name}", "".join(out))
    t.write("proc/net/snmp6", "".join(f"{k:<32}{t.n(0, 10**8)}\n" for k in SNMP6.split()))
    t.write("proc/net/sockstat", f"sockets: used {t.n(1000, 9000)}\n"
            f"TCP: inuse {t.n(100, 900)} orphan 0 tw {t.n(0, 900)} alloc {t.n(100, 999)} mem {t.n(100, 9999)}\n"
            f"UDP: inuse {t.n(1, 99)} mem {t.n(1, 99)}\nUDPLITE: inuse 0\nRAW: inuse 0\n"
            "FRAG: inuse 0 memory 0\n")
    t.write("proc/net/sockstat6", f"TCP6: inuse {t.n(10, 99)}\nUDP6: inuse {t.n(1, 20)}\n"
            "UDPLITE6: inuse 0\nRAW6: inuse 0\nFRAG6: inuse 0 memory 0\n")
    t.write("proc/net/softnet_stat", "".join(
        f"{t.n(0, 2**31):08x} {t.n(0, 99):08x} {t.n(0, 999):08x} 00000000 00000000 00000000 "
        f"00000000 00000000 00000000 {t.n(0, 999):08x} 00000000 {t.n(0, 99):08x} {i:08x} "
        "00000000 00000000\n" for i in range(ncpu)))
    arp = ["IP address       HW type     Flags       HW address            Mask     Device\n"]
    for i in range(min(a.ifaces, 16)):
        arp.append(f"{'10.%d.0.1' % i:<17}0x1         0x2         02:fc:00:00:{i:02x}:01     *        eth{i}\n")
    t.write("proc/net/arp", "".join(arp))
    udp_hdr = ("   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   "
               "uid  timeout inode ref pointer drops\n")
    t.write("proc/net/udp", udp_hdr + "".join(
        f"{i:4d}: 0100007F:{1000 + i:04X} 00000000:0000 07 00000000:00000000 00:00000000 "
        f"00000000     0        0 {t.n(10**4, 10**6)} 2 0000000000000000 0\n" for i in range(8)))
    t.write("proc/net/udp6", "  sl  local_address                         remote_address                        "
            "st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n")
    t.write("proc/net/stat/nf_conntrack",
            "entries  clashres found new invalid ignore delete chainlength insert insert_failed "
            "drop early_drop icmp_error  expect_new expect_create expect_delete search_restart\n" +
            "".join(f"{t.n(0, 99999):08x}  " + "  ".join("%08x" % t.n(0, 999) for _ in range(16)) + "\n"
                    for _ in range(ncpu)))
    t.write("proc/sys/net/netfilter/nf_conntrack_count", f"{t.n(100, 99999)}\n")
    t.write("proc/sys/net/netfilter/nf_conntrack_max", "262144\n")
    t.write("proc/sys/kernel/random/entropy_avail", "256\n")
    t.write("proc/sys/kernel/random/poolsize", "256\n")
    t.write("proc/sys/fs/file-nr", f"{t.n(10**4, 10**5)}\t0\t9223372036854775807\n")
    for res in ("cpu", "io", "memory"):
        some = (f"some avg10={t.n(0, 9999) / 100:.2f} avg60={t.n(0, 9999) / 100:.2f} "
                f"avg300={t.n(0, 9999) / 100:.2f} total={t.n(0, 10**11)}\n")
        full = (f"full avg10={t.n(0, 999) / 100:.2f} avg60={t.n(0, 999) / 100:.2f} "
                f"avg300={t.n(0, 999) / 100:.2f} total={t.n(0, 10**10)}\n")
        t.write(f"proc/pressure/{res}", some + full)
    sch = ["version 15\n", f"timestamp {t.n(10**9, 10**10)}\n"]
    for i in range(ncpu):
        sch.append(f"cpu{i} 0 0 0 0 0 0 {t.n(10**12, 10**14)} {t.n(10**11, 10**13)} {t.n(10**6, 10**9)}\n")
        sch.append(f"domain0 {'f' * (ncpu // 4)} " + " ".join(str(t.n(0, 10**4)) for _ in range(36)) + "\n")
    t.write("proc/schedstat", "".join(sch))
    t.write("proc/mdstat", "Personalities : \nunused devices: <none>\n")
    mounts = ["/dev/nvme0n1p1 / ext4 rw,relatime 0 0\n",
              "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n",
              "sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0\n",
              "tmpfs /run tmpfs rw,nosuid,nodev,size=52428800k,mode=755 0 0\n"]
    t.write("proc/1/mounts", "".join(mounts))
    # /proc/self is a link to the reader's PID; here to 1, which holds what is read there
    t.link("proc/self", "1")
    t.write("proc/1/stat", "1 (systemd) S 0 1 1 0 -1 4194560 %d 0 %d 0 %d %d 0 0 20 0 1 0 12 "
            "23068672 3215 18446744073709551615 1 1 0 0 0 0 671173123 4096 1260 0 0 0 17 3 0 0 0 "
            "0 0 0 0 0 0 0 0 0 0\n" % (t.n(10**4, 10**6), t.n(10, 999), t.n(100, 9999), t.n(100, 9999)))
    t.write("proc/1/status", "Name:\tsystemd\nState:\tS (sleeping)\nTgid:\t1\nPid:\t1\nPPid:\t0\n"
            "Threads:\t1\n")
    t.write("proc/1/mountinfo", "".join(
        f"{20 + i} 1 259:{i} / {m.split()[1]} rw,relatime shared:{i + 1} - {m.split()[2]} "
        f"{m.split()[0]} rw\n" for i, m in enumerate(mounts)))
    t.write("proc/sys/kernel/pid_max", "4194304\n")
    t.write("proc/sys/kernel/hung_task_detect_count", "0\n")
    t.write("proc/sys/kernel/threads-max", "4125234\n")


def gen_sys(t, a):
    ncpu = a.cpus
    cores = ncpu // 2
    per_pkg = max(1, cores // 2)
    allcpus = f"0-{ncpu - 1}\n"
    for f in ("online", "present", "possible"):
        t.write(f"sys/devices/system/cpu/{f}", allcpus)
    t.write("sys/devices/system/cpu/offline", "\n")
    for i in range(ncpu):
        base = f"sys/devices/system/cpu/cpu{i}"
        core = i % cores
        pkg, core_id = core // per_pkg, core % per_pkg
        sib = f"{core},{core + cores}\n"
        if i:
            t.write(base + "/online", "1\n")
        t.write(base + "/topology/core_id", f"{core_id}\n")
        t.write(base + "/topology/physical_package_id", f"{pkg}\n")
        t.write(base + "/topology/die_id", "0\n")
        t.write(base + "/topology/thread_siblings_list", sib)
        t.write(base + "/topology/core_cpus_list", sib)
        t.write(base + "/thermal_throttle/core_throttle_count", f"{t.n(0, 9)}\n")
        t.write(base + "/thermal_throttle/package_throttle_count", f"{t.n(0, 9)}\n")
        fq = base + "/cpufreq/"
        for k, v in (("cpuinfo_max_freq", "3400000"), ("cpuinfo_min_freq", "800000"),
                     ("cpuinfo_transition_latency", "0"), ("related_cpus", str(i)),
                     ("scaling_available_governors", "performance powersave"),
                     ("scaling_cur_freq", str(t.n(800000, 3400000))), ("scaling_driver", "intel_pstate"),
                     ("scaling_governor", "powersave"), ("scaling_max_freq", "3400000"),
                     ("scaling_min_freq", "800000"), ("scaling_setspeed", "<unsupported>")):
            t.write(fq + k, v + "\n")
    t.write("sys/devices/system/clocksource/clocksource0/available_clocksource", "tsc hpet acpi_pm \n")
    t.write("sys/devices/system/clocksource/clocksource0/current_clocksource", "tsc\n")
    t.write("sys/devices/system/node/online", "0-1\n")

    # Network interfaces: class/net/<if> links into the PCI device, as on a real host.
    netattrs = (("addr_assign_type", "0"), ("addr_len", "6"), ("broadcast", "ff:ff:ff:ff:ff:ff"),
                ("carrier", "1"), ("carrier_changes", None), ("carrier_down_count", None),
                ("carrier_up_count", None), ("dev_id", "0x0"), ("dev_port", "0"), ("dormant", "0"),
                ("duplex", "full"), ("flags", "0x1003"), ("ifalias", ""), ("link_mode", "0"),
                ("mtu", "9000"), ("name_assign_type", "4"), ("netdev_group", "0"),
                ("operstate", "up"), ("proto_down", "0"), ("speed", "25000"),
                ("tx_queue_len", "1000"), ("type", "1"))
    stats = ("collisions multicast rx_bytes rx_compressed rx_crc_errors rx_dropped rx_errors "
             "rx_fifo_errors rx_frame_errors rx_length_errors rx_missed_errors rx_nohandler "
             "rx_over_errors rx_packets tx_aborted_errors tx_bytes tx_carrier_errors tx_compressed "
             "tx_dropped tx_errors tx_fifo_errors tx_heartbeat_errors tx_packets tx_window_errors").split()
    for i in range(a.ifaces):
        name = f"eth{i}"
        dev = f"sys/devices/pci0000:{0x16 + i // 8:02x}/0000:{0x16 + i // 8:02x}:00.{i % 8}/net/{name}"
        for k, v in netattrs:
            t.write(f"{dev}/{k}", (v if v is not None else str(t.n(1, 20))) + "\n")
        t.write(f"{dev}/address", f"02:fc:00:00:{i // 256:02x}:{i % 256:02x}\n")
        t.write(f"{dev}/ifindex", f"{i + 2}\n")
        t.write(f"{dev}/iflink", f"{i + 2}\n")
        for s in stats:
            t.write(f"{dev}/statistics/{s}", f"{t.n(0, 10**9)}\n")
        t.link(f"sys/class/net/{name}", "../../" + dev[len("sys/"):])
    lo = "sys/devices/virtual/net/lo"
    for k, v in netattrs:
        t.write(f"{lo}/{k}", {"speed": "", "duplex": "", "type": "772", "flags": "0x9",
                              "mtu": "65536", "address": "00:00:00:00:00:00"}.get(k, v or "0") + "\n")
    t.write(f"{lo}/address", "00:00:00:00:00:00\n")
    t.write(f"{lo}/ifindex", "1\n")
    t.write(f"{lo}/iflink", "1\n")
    t.link("sys/class/net/lo", "../../devices/virtual/net/lo")

    # Block devices: block/<disk> links to the NVMe namespace; queue/ and stat as sysfs has them.
    queue = (("add_random", "0"), ("chunk_sectors", "0"), ("dax", "0"),
             ("discard_granularity", "512"), ("discard_max_bytes", "2199023255040"),
             ("discard_max_hw_bytes", "2199023255040"), ("discard_zeroes_data", "0"),
             ("fua", "0"), ("hw_sector_size", "512"), ("io_poll", "0"), ("io_poll_delay", "-1"),
             ("io_timeout", "30000"), ("iostats", "1"), ("logical_block_size", "512"),
             ("max_discard_segments", "256"), ("max_hw_sectors_kb", "128"),
             ("max_integrity_segments", "0"), ("max_sectors_kb", "128"),
             ("max_segment_size", "4294967295"), ("max_segments", "33"),
             ("minimum_io_size", "512"), ("nomerges", "0"), ("nr_requests", "1023"),
             ("nr_zones", "0"), ("optimal_io_size", "0"), ("physical_block_size", "512"),
             ("read_ahead_kb", "128"), ("rotational", "0"), ("rq_affinity", "1"),
             ("scheduler", "[none] mq-deadline"), ("stable_writes", "0"), ("wbt_lat_usec", "2000"),
             ("write_cache", "write back"), ("write_same_max_bytes", "0"),
             ("write_zeroes_max_bytes", "0"), ("zone_append_max_bytes", "0"),
             ("zone_write_granularity", "0"), ("zoned", "none"))
    udev = []
    for i in range(a.disks):
        name = f"nvme{i}n1"
        dev = f"sys/devices/pci0000:{0x80 + i // 8:02x}/0000:{0x80 + i // 8:02x}:00.{i % 8}/nvme/nvme{i}/{name}"
        for k, v in queue:
            t.write(f"{dev}/queue/{k}", v + "\n")
        t.write(f"{dev}/dev", f"259:{i}\n")
        t.write(f"{dev}/size", f"{7501476528}\n")
        t.write(f"{dev}/ro", "0\n")
        t.write(f"{dev}/removable", "0\n")
        t.write(f"{dev}/stat", " ".join(f"{t.n(0, 10**8):8d}" for _ in range(17)) + "\n")
        t.write(f"{dev}/inflight", "       0        0\n")
        t.link(f"sys/block/{name}", "../" + dev[len("sys/"):])
        t.link(f"sys/class/block/{name}", "../../" + dev[len("sys/"):])
        t.link(f"sys/dev/block/259:{i}", "../../" + dev[len("sys/"):])
        udev.append((f"run/udev/data/b259:{i}",
                     f"S:disk/by-id/nvme-SAMSUNG_MZQL27T6HBLA-00A07_S6CKNA0T{i:06d}\n"
                     f"W:{t.n(1, 99)}\nI:{t.n(10**6, 10**8)}\n"
                     "E:ID_SERIAL_SHORT=S6CKNA0T%06d\n" % i +
                     f"E:ID_WWN=eui.36434b3052{i:06x}0025384500000001\n"
                     "E:ID_MODEL=SAMSUNG MZQL27T6HBLA-00A07\nE:ID_REVISION=GDC5602Q\n"
                     f"E:ID_SERIAL=SAMSUNG_MZQL27T6HBLA-00A07_S6CKNA0T{i:06d}\n"
                     f"E:ID_PATH=pci-0000:{0x80 + i // 8:02x}:00.{i % 8}-nvme-1\n"
                     "E:ID_PART_TABLE_TYPE=gpt\nG:systemd\nQ:systemd\nV:1\n"))
    for rel, body in udev:
        t.write(rel, body)

    # hwmon: one coretemp chip a package (a sensor a core), plus a board chip with fans and volts.
    nh = 0
    for pkg in range(2):
        d = f"sys/devices/platform/coretemp.{pkg}/hwmon/hwmon{nh}"
        t.write(d + "/name", "coretemp\n")
        sensors = [("Package id %d" % pkg, 1)] + [(f"Core {c}", c + 2) for c in range(per_pkg)]
        for label, n in sensors:
            t.write(f"{d}/temp{n}_label", label + "\n")
            t.write(f"{d}/temp{n}_input", f"{t.n(30, 80) * 1000}\n")
            t.write(f"{d}/temp{n}_max", "95000\n")
            t.write(f"{d}/temp{n}_crit", "105000\n")
            t.write(f"{d}/temp{n}_crit_alarm", "0\n")
        t.link(f"{d}/device", "../../../coretemp.%d" % pkg)
        t.link(f"sys/class/hwmon/hwmon{nh}", f"../../devices/platform/coretemp.{pkg}/hwmon/hwmon{nh}")
        nh += 1
    d = f"sys/devices/platform/nct6775.656/hwmon/hwmon{nh}"
    t.write(d + "/name", "nct6798\n")
    for f in range(1, 7):
        t.write(f"{d}/fan{f}_input", f"{t.n(800, 3000)}\n")
        t.write(f"{d}/fan{f}_min", "0\n")
        t.write(f"{d}/fan{f}_alarm", "0\n")
        t.write(f"{d}/pwm{f}", f"{t.n(50, 255)}\n")
        t.write(f"{d}/pwm{f}_enable", "5\n")
    for v in range(0, 15):
        t.write(f"{d}/in{v}_input", f"{t.n(900, 12500)}\n")
        t.write(f"{d}/in{v}_min", "0\n")
        t.write(f"{d}/in{v}_max", "13000\n")
        t.write(f"{d}/in{v}_alarm", "0\n")
    t.link(f"{d}/device", "../../../nct6775.656")
    t.link(f"sys/class/hwmon/hwmon{nh}", f"../../devices/platform/nct6775.656/hwmon/hwmon{nh}")

    # The board's watchdog (iTCO), as the watchdog class shows it.
    d = "sys/devices/platform/iTCO_wdt/watchdog/watchdog0"
    for k, v in (("bootstatus", "0"), ("identity", "iTCO_wdt"), ("nowayout", "0"),
                 ("state", "inactive"), ("status", "0x0"), ("timeleft", "0"), ("timeout", "30"),
                 ("min_timeout", "2"), ("max_timeout", "613"), ("pretimeout", "0"),
                 ("options", "0x8180"), ("fw_version", "0"), ("access_cs0", "0")):
        t.write(f"{d}/{k}", v + "\n")
    t.link("sys/class/watchdog/watchdog0", "../../devices/platform/iTCO_wdt/watchdog/watchdog0")

    # Thermal zones and cooling devices.
    for z, kind in enumerate(["acpitz", "x86_pkg_temp", "x86_pkg_temp", "pch_cannonlake"]):
        d = f"sys/devices/virtual/thermal/thermal_zone{z}"
        t.write(d + "/type", kind + "\n")
        t.write(d + "/temp", f"{t.n(30000, 80000)}\n")
        t.write(d + "/policy", "step_wise\n")
        t.write(d + "/mode", "enabled\n")
        t.write(d + "/passive", "0\n")
        t.link(f"sys/class/thermal/thermal_zone{z}", f"../../devices/virtual/thermal/thermal_zone{z}")
    for c in range(ncpu // 8):
        d = f"sys/devices/virtual/thermal/cooling_device{c}"
        t.write(d + "/type", "Processor\n")
        t.write(d + "/max_state", "3\n")
        t.write(d + "/cur_state", "0\n")
        t.link(f"sys/class/thermal/cooling_device{c}", f"../../devices/virtual/thermal/cooling_device{c}")

    # DMI, as a server board reports it.
    for k, v in (("bios_date", "03/15/2024"), ("bios_release", "5.22"), ("bios_vendor", "American Megatrends International, LLC."),
                 ("bios_version", "2.1a"), ("board_asset_tag", "Default string"), ("board_name", "X12DPi-NT6"),
                 ("board_vendor", "Supermicro"), ("board_version", "1.01A"), ("chassis_asset_tag", "Default string"),
                 ("chassis_type", "17"), ("chassis_vendor", "Supermicro"), ("chassis_version", "0123456789"),
                 ("product_family", "Family"), ("product_name", "SYS-220U-TNR"), ("product_sku", "Default string"),
                 ("product_version", "0123456789"), ("sys_vendor", "Supermicro")):
        t.write(f"sys/devices/virtual/dmi/id/{k}", v + "\n")
    t.link("sys/class/dmi/id", "../../devices/virtual/dmi/id")


def gen_etc(t):
    t.write("etc/os-release", 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n'
            'VERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n'
            'HOME_URL="https://www.debian.org/"\n')


def mounts_under(path):
    """Mount points at or beneath PATH, deepest first (from /proc/self/mountinfo)."""
    path = os.path.realpath(path)
    found = []
    with open("/proc/self/mountinfo", "rb") as f:
        for line in f:
            # field 5 is the mount point's bytes, with space, tab, newline and backslash
            # written as \ooo
            raw = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), line.split()[4])
            mp = os.fsdecode(raw)
            if mp == path or mp.startswith(path + "/"):
                found.append(mp)
    return sorted(found, key=len, reverse=True)


def remove(root):
    """Remove a tree written here: unmount its own cgroupfs tmpfs, if any, then delete it."""
    if os.path.isdir(root):
        for mp in mounts_under(root):
            subprocess.run(["umount", mp], check=True)
    shutil.rmtree(root, ignore_errors=True)


def gen_cgroups(root, a):
    """A kubelet's cgroup tree (bench/cgroup-fixture.py), its sys/fs/cgroup and var/log only.
    With a.own_cgroupfs, sys/fs/cgroup is a tmpfs of its own, as cgroupfs is a filesystem
    of its own on a real host. That matters to an agent that watches cgroup folders with
    inotify (plumb's container collector): a watch makes every read on its filesystem
    pass through fsnotify, which on a real host taxes cgroup reads and not sysfs ones."""
    tmp = root + ".cg"
    shutil.rmtree(tmp, ignore_errors=True)
    subprocess.run([sys.executable, os.path.join(HERE, "cgroup-fixture.py"), tmp,
                    "-n", str(a.containers), "--seed", str(a.seed)], check=True,
                   stdout=subprocess.DEVNULL)
    os.makedirs(os.path.join(root, "sys/fs"), exist_ok=True)
    cg = os.path.join(root, "sys/fs/cgroup")
    if a.own_cgroupfs:
        os.makedirs(cg)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=755", "genhost-cgroup", cg],
                       check=True)
        shutil.copytree(os.path.join(tmp, "sys/fs/cgroup"), cg, symlinks=True,
                        dirs_exist_ok=True)
    else:
        os.rename(os.path.join(tmp, "sys/fs/cgroup"), cg)
    os.makedirs(os.path.join(root, "var"), exist_ok=True)
    os.rename(os.path.join(tmp, "var/log"), os.path.join(root, "var/log"))
    shutil.rmtree(tmp, ignore_errors=True)


def generate(root, cpus=128, disks=64, ifaces=64, containers=20, seed=1, own_cgroupfs=False):
    """Write the tree under ROOT (made if absent; must be empty or absent). With
    own_cgroupfs (root only) the cgroup tree is a tmpfs of its own: remove() the tree."""
    a = argparse.Namespace(cpus=cpus, disks=disks, ifaces=ifaces, containers=containers, seed=seed,
                           own_cgroupfs=own_cgroupfs)
    if os.path.exists(root) and os.listdir(root):
        raise FileExistsError(f"{root} is not empty")
    os.makedirs(root, exist_ok=True)
    t = Tree(root, seed)
    gen_proc(t, a)
    gen_sys(t, a)
    gen_etc(t)
    if containers > 0:
        gen_cgroups(root, a)
    return root


VMSTAT_KEYS = """nr_free_pages nr_zone_inactive_anon nr_zone_active_anon nr_zone_inactive_file
nr_zone_active_file nr_zone_unevictable nr_zone_write_pending nr_mlock nr_bounce nr_zspages
nr_free_cma numa_hit numa_miss numa_foreign numa_interleave numa_local numa_other
nr_inactive_anon nr_active_anon nr_inactive_file nr_active_file nr_unevictable
nr_slab_reclaimable nr_slab_unreclaimable nr_isolated_anon nr_isolated_file workingset_nodes
workingset_refault_anon workingset_refault_file workingset_activate_anon
workingset_activate_file workingset_restore_anon workingset_restore_file
workingset_nodereclaim nr_anon_pages nr_mapped nr_file_pages nr_dirty nr_writeback
nr_writeback_temp nr_shmem nr_shmem_hugepages nr_shmem_pmdmapped nr_file_hugepages
nr_file_pmdmapped nr_anon_transparent_hugepages nr_vmscan_write nr_vmscan_immediate_reclaim
nr_dirtied nr_written nr_kernel_misc_reclaimable nr_foll_pin_acquired nr_foll_pin_released
nr_kernel_stack nr_page_table_pages nr_swapcached nr_dirty_threshold
nr_dirty_background_threshold pgpgin pgpgout pswpin pswpout pgalloc_dma pgalloc_dma32
pgalloc_normal pgalloc_movable allocstall_dma allocstall_dma32 allocstall_normal
allocstall_movable pgskip_dma pgskip_dma32 pgskip_normal pgskip_movable pgfree pgactivate
pgdeactivate pglazyfree pgfault pgmajfault pglazyfreed pgrefill pgreuse pgsteal_kswapd
pgsteal_direct pgdemote_kswapd pgdemote_direct pgscan_kswapd pgscan_direct
pgscan_direct_throttle pgscan_anon pgscan_file pgsteal_anon pgsteal_file zone_reclaim_failed
pginodesteal slabs_scanned kswapd_inodesteal kswapd_low_wmark_hit_quickly
kswapd_high_wmark_hit_quickly pageoutrun pgrotated drop_pagecache drop_slab oom_kill
numa_pte_updates numa_huge_pte_updates numa_hint_faults numa_hint_faults_local
numa_pages_migrated pgmigrate_success pgmigrate_fail thp_migration_success
thp_migration_fail thp_migration_split compact_migrate_scanned compact_free_scanned
compact_isolated compact_stall compact_fail compact_success compact_daemon_wake
compact_daemon_migrate_scanned compact_daemon_free_scanned htlb_buddy_alloc_success
htlb_buddy_alloc_fail unevictable_pgs_culled unevictable_pgs_scanned unevictable_pgs_rescued
unevictable_pgs_mlocked unevictable_pgs_munlocked unevictable_pgs_cleared
unevictable_pgs_stranded thp_fault_alloc thp_fault_fallback thp_fault_fallback_charge
thp_collapse_alloc thp_collapse_alloc_failed thp_file_alloc thp_file_fallback
thp_file_fallback_charge thp_file_mapped thp_split_page thp_split_page_failed
thp_deferred_split_page thp_split_pmd thp_split_pud thp_zero_page_alloc
thp_zero_page_alloc_failed thp_swpout thp_swpout_fallback balloon_inflate balloon_deflate
balloon_migrate swap_ra swap_ra_hit direct_map_level2_splits direct_map_level3_splits
nr_unstable"""

SNMP = """
Ip: Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams InUnknownProtos InDiscards InDelivers OutRequests OutDiscards OutNoRoutes ReasmTimeout ReasmReqds ReasmOKs ReasmFails FragOKs FragFails FragCreates
Icmp: InMsgs InErrors InCsumErrors InDestUnreachs InTimeExcds InParmProbs InSrcQuenchs InRedirects InEchos InEchoReps InTimestamps InTimestampReps InAddrMasks InAddrMaskReps OutMsgs OutErrors OutDestUnreachs OutTimeExcds OutParmProbs OutSrcQuenchs OutRedirects OutEchos OutEchoReps OutTimestamps OutTimestampReps OutAddrMasks OutAddrMaskReps
IcmpMsg: InType3 InType8 OutType0 OutType3
Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors
Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors
UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors
"""

NETSTAT = """
TcpExt: SyncookiesSent SyncookiesRecv SyncookiesFailed EmbryonicRsts PruneCalled RcvPruned OfoPruned OutOfWindowIcmps LockDroppedIcmps ArpFilter TW TWRecycled TWKilled PAWSActive PAWSEstab DelayedACKs DelayedACKLocked DelayedACKLost ListenOverflows ListenDrops TCPHPHits TCPPureAcks TCPHPAcks TCPRenoRecovery TCPSackRecovery TCPSACKReneging TCPSACKReorder TCPRenoReorder TCPTSReorder TCPFullUndo TCPPartialUndo TCPDSACKUndo TCPLossUndo TCPLostRetransmit TCPRenoFailures TCPSackFailures TCPLossFailures TCPFastRetrans TCPSlowStartRetrans TCPTimeouts TCPLossProbes TCPLossProbeRecovery TCPRenoRecoveryFail TCPSackRecoveryFail TCPRcvCollapsed TCPDSACKOldSent TCPDSACKOfoSent TCPDSACKRecv TCPDSACKOfoRecv TCPAbortOnData TCPAbortOnClose TCPAbortOnMemory TCPAbortOnTimeout TCPAbortOnLinger TCPAbortFailed TCPMemoryPressures TCPMemoryPressuresChrono TCPSACKDiscard TCPDSACKIgnoredOld TCPDSACKIgnoredNoUndo TCPSpuriousRTOs TCPMD5NotFound TCPMD5Unexpected TCPMD5Failure TCPSackShifted TCPSackMerged TCPSackShiftFallback TCPBacklogCoalesce TCPBacklogDrop PFMemallocDrop TCPMinTTLDrop TCPDeferAcceptDrop IPReversePathFilter TCPTimeWaitOverflow TCPReqQFullDoCookies TCPReqQFullDrop TCPRetransFail TCPRcvCoalesce TCPOFOQueue TCPOFODrop TCPOFOMerge TCPChallengeACK TCPSYNChallenge TCPFastOpenActive TCPFastOpenActiveFail TCPFastOpenPassive TCPFastOpenPassiveFail TCPFastOpenListenOverflow TCPFastOpenCookieReqd TCPFastOpenBlackhole TCPSpuriousRtxHostQueues BusyPollRxPackets TCPAutoCorking TCPFromZeroWindowAdv TCPToZeroWindowAdv TCPWantZeroWindowAdv TCPSynRetrans TCPOrigDataSent TCPHystartTrainDetect TCPHystartTrainCwnd TCPHystartDelayDetect TCPHystartDelayCwnd TCPACKSkippedSynRecv TCPACKSkippedPAWS TCPACKSkippedSeq TCPACKSkippedFinWait2 TCPACKSkippedTimeWait TCPACKSkippedChallenge TCPWinProbe TCPKeepAlive TCPMTUPFail TCPMTUPSuccess TCPDelivered TCPDeliveredCE TCPAckCompressed TCPZeroWindowDrop TCPRcvQDrop TCPWqueueTooBig TCPFastOpenPassiveAltKey TcpTimeoutRehash TcpDuplicateDataRehash TCPDSACKRecvSegs TCPDSACKIgnoredDubious TCPMigrateReqSuccess TCPMigrateReqFailure
IpExt: InNoRoutes InTruncatedPkts InMcastPkts OutMcastPkts InBcastPkts OutBcastPkts InOctets OutOctets InMcastOctets OutMcastOctets InBcastOctets OutBcastOctets InCsumErrors InNoECTPkts InECT1Pkts InECT0Pkts InCEPkts ReasmOverlaps
MPTcpExt: MPCapableSYNRX MPCapableSYNTX MPCapableSYNACKRX MPCapableACKRX MPCapableFallbackACK MPCapableFallbackSYNACK MPFallbackTokenInit MPTCPRetrans MPJoinNoTokenFound MPJoinSynRx
"""

SNMP6 = """Ip6InReceives Ip6InHdrErrors Ip6InTooBigErrors Ip6InNoRoutes Ip6InAddrErrors
Ip6InUnknownProtos Ip6InTruncatedPkts Ip6InDiscards Ip6InDelivers Ip6OutForwDatagrams
Ip6OutRequests Ip6OutDiscards Ip6OutNoRoutes Ip6ReasmTimeout Ip6ReasmReqds Ip6ReasmOKs
Ip6ReasmFails Ip6FragOKs Ip6FragFails Ip6FragCreates Ip6InMcastPkts Ip6OutMcastPkts
Ip6InOctets Ip6OutOctets Ip6InMcastOctets Ip6OutMcastOctets Ip6InBcastOctets
Ip6OutBcastOctets Ip6InNoECTPkts Ip6InECT1Pkts Ip6InECT0Pkts Ip6InCEPkts Icmp6InMsgs
Icmp6InErrors Icmp6OutMsgs Icmp6OutErrors Icmp6InCsumErrors Icmp6InDestUnreachs
Icmp6InPktTooBigs Icmp6InTimeExcds Icmp6InParmProblems Icmp6InEchos Icmp6InEchoReplies
Icmp6OutDestUnreachs Icmp6OutEchoReplies Udp6InDatagrams Udp6NoPorts Udp6InErrors
Udp6OutDatagrams Udp6RcvbufErrors Udp6SndbufErrors Udp6InCsumErrors Udp6IgnoredMulti
Udp6MemErrors UdpLite6InDatagrams UdpLite6NoPorts UdpLite6InErrors UdpLite6OutDatagrams
UdpLite6RcvbufErrors UdpLite6SndbufErrors UdpLite6InCsumErrors UdpLite6MemErrors"""


def main(argv):
    p = argparse.ArgumentParser(description="Write a large machine's procfs and sysfs under DIR.")
    p.add_argument("dir", help="output directory (made if absent; must be empty)")
    p.add_argument("--cpus", type=int, default=128, help="logical CPUs, even (default 128)")
    p.add_argument("--disks", type=int, default=64, help="NVMe disks (default 64)")
    p.add_argument("--ifaces", type=int, default=64, help="Ethernet interfaces besides lo (default 64)")
    p.add_argument("--containers", type=int, default=20,
                   help="containers in the kubelet cgroup tree, 0 for none (default 20)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--own-cgroupfs", action="store_true",
                   help="put DIR/sys/fs/cgroup on a tmpfs of its own, as on a real host "
                        "(root only; remove the tree with --remove)")
    p.add_argument("--force", action="store_true", help="remove DIR first if it exists")
    p.add_argument("--remove", action="store_true",
                   help="only remove DIR, unmounting its own cgroupfs first")
    a = p.parse_args(argv)
    if a.remove:
        remove(a.dir)
        return 0
    if a.cpus < 2 or a.cpus % 2 or a.disks < 0 or a.ifaces < 0 or a.containers < 0:
        p.error("--cpus must be even and at least 2; counts must not be negative")
    if a.own_cgroupfs and os.geteuid() != 0:
        p.error("--own-cgroupfs mounts a tmpfs: run as root")
    if a.force:
        remove(a.dir)
    try:
        generate(a.dir, a.cpus, a.disks, a.ifaces, a.containers, a.seed, a.own_cgroupfs)
    except FileExistsError as e:
        print(f"genhost: {e} (use --force)", file=sys.stderr)
        return 1
    print(" ".join(genhost_args(os.path.abspath(a.dir))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
