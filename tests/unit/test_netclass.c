/*
 * test_netclass: the netclass collector against the fixture host and hostile input,
 * its held attribute files across scrapes, a veth pair of its own brought up and down
 * under the kernel's sysfs, and its allocations per scrape.
 */
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "alloc_probe.h"
#include "collectors/netclass.h"
#include "harness.h"
#include "tmptree.h"
#include "t.h"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.netclass", "--collector.netclass.ignore-invalid-speed",
				"--collector.netclass.ignored-devices=(dmz|int)", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_network_speed_bytes{device=\"eth0\"}"), 1.25e8);
	CHECK_DBL(series_value(out.p, "node_network_flags{device=\"bond0\"}"), 4867);
	CHECK_DBL(series_value(out.p, "node_network_mtu_bytes{device=\"eth0\"}"), 1500);
	CHECK_DBL(series_value(out.p, "node_network_up{device=\"bond0\"}"), 1);
	CHECK_DBL(series_value(out.p, "node_network_info{address=\"01:01:01:01:01:01\",adminstate=\"up\",broadcast=\"ff:ff:ff:ff:ff:ff\",device=\"eth0\",duplex=\"full\",ifalias=\"\",operstate=\"up\"}"), 1);
	CHECK(isnan(series_value(out.p, "node_network_speed_bytes{device=\"bond0\"}")));
	CHECK(!has_line(out.p, "node_network_up{device=\"dmz\"}"));
	CHECK(!has_line(out.p, "node_network_up{device=\"bonding_masters\"}"));
	CHECK_DBL(collector_success(out.p, "netclass"), 1);
	const char *all[] = { "--collector.netclass", NULL };
	CHECK_INT(harness_run_fixture(all, &out), 0);
	CHECK(has_line(out.p, "node_network_up{device=\"dmz\"}"));
	buf_fini(&out);
}

static void tmp_tree_cases(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.netclass", NULL };
	CHECK_INT(tmptree_make(&t), 0);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "netclass"), 0);
	tmptree_put(&t, "sys/class/net/x0/speed", "-1\n");
	tmptree_put(&t, "sys/class/net/x0/mtu", "huge\n");
	tmptree_put(&t, "sys/class/net/x0/flags", "0x1002\n");
	tmptree_put(&t, "sys/class/net/x0/ifalias", "  my \"alias\"\\ \n");
	tmptree_put(&t, "sys/class/net/x0/carrier_changes", "99999999999999999999999\n");
	tmptree_put(&t, "sys/class/net/x0/dev_id", "010\n");
	tmptree_put(&t, "sys/class/net/plainfile", "not a link\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "netclass"), 1);
	CHECK_DBL(series_value(out.p, "node_network_speed_bytes{device=\"x0\"}"), -125000);
	CHECK(isnan(series_value(out.p, "node_network_mtu_bytes{device=\"x0\"}")));
	CHECK(isnan(series_value(out.p, "node_network_carrier_changes_total{device=\"x0\"}")));
	CHECK_DBL(series_value(out.p, "node_network_device_id{device=\"x0\"}"), 8);
	CHECK_DBL(series_value(out.p, "node_network_up{device=\"x0\"}"), 0);
	CHECK_DBL(series_value(out.p, "node_network_info{address=\"\",adminstate=\"down\",broadcast=\"\",device=\"x0\",duplex=\"\",ifalias=\"my \\\"alias\\\"\\\\\",operstate=\"\"}"), 1);
	CHECK(!has_line(out.p, "node_network_up{device=\"plainfile\"}"));
	const char *ign[] = { "--collector.netclass", "--collector.netclass.ignore-invalid-speed", NULL };
	CHECK_INT(tmptree_run(&t, ign, &out), 0);
	CHECK(isnan(series_value(out.p, "node_network_speed_bytes{device=\"x0\"}")));
	tmptree_rm(&t);
	buf_fini(&out);
}

static void hostile_attrs(void)
{
	struct netclass_iface ifc;
	struct metric_sink s;
	char big[1000];
	memset(&ifc, 0, sizeof(ifc));
	memset(big, 'a', sizeof(big));
	sink_init(&s);
	netclass_set_attr(&ifc, "ifalias", big, sizeof(big));
	CHECK_INT(strlen(ifc.s[NC_IFALIAS]), NETCLASS_ATTR_MAX);
	netclass_set_attr(&ifc, "speed", "9223372036854775807", 19);
	CHECK(ifc.has[NC_SPEED]);
	netclass_set_attr(&ifc, "mtu", "-9223372036854775808", 20);
	CHECK(ifc.has[NC_MTU]);
	netclass_set_attr(&ifc, "type", "0x", 2);
	CHECK(!ifc.has[NC_TYPE]);
	netclass_set_attr(&ifc, "flags", "0b101", 5);
	CHECK_INT(ifc.v[NC_FLAGS], 5);
	netclass_set_attr(&ifc, "nonsense", "1", 1);
	CHECK_INT(netclass_emit(&ifc, "d", false, &s), 0);
	CHECK_INT(s.nseries, 5); /* up, info, speed, mtu, flags */
	sink_fini(&s);
}

/* One scrape of agent a into out (text format). Returns 0 or -errno. */
static int scrape(struct agent *a, struct metric_sink *s, struct buf *out)
{
	sink_reset(s);
	int r = agent_collect(a, s);
	buf_reset(out);
	return r < 0 ? r : render_sink(s, EXPO_TEXT, out);
}

/* One agent scraping a tree that changes between scrapes: values written in place are
 * read again, removed interfaces go, new and re-made ones come, a renamed one follows. */
static void held_files_follow_changes(void)
{
	struct tmptree t;
	char sys[PATH_MAX + 32], from[PATH_MAX], to[PATH_MAX];
	struct buf out = { 0 };
	struct metric_sink s;
	struct plumb_config *cfg;
	struct agent a;
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "sys/class/net/x0/mtu", "1500\n");
	tmptree_put(&t, "sys/class/net/x0/operstate", "up\n");
	tmptree_put(&t, "sys/class/net/x1/mtu", "9000\n");
	snprintf(sys, sizeof(sys), "--path.sysfs=%s/sys", t.root);
	char *argv[] = { "plumb", sys, "--collector.disable-defaults", "--collector.netclass",
			 "--log.level=error", NULL };
	CHECK_INT(cfg_parse(5, argv, &cfg), 0);
	sink_init(&s);
	CHECK_INT(agent_init(&a, cfg), 0);
	CHECK_INT(scrape(&a, &s, &out), 0);
	CHECK_DBL(series_value(out.p, "node_network_mtu_bytes{device=\"x0\"}"), 1500);
	CHECK_DBL(series_value(out.p, "node_network_mtu_bytes{device=\"x1\"}"), 9000);
	CHECK_DBL(series_value(out.p, "node_network_up{device=\"x0\"}"), 1);

	tmptree_put(&t, "sys/class/net/x0/mtu", "1400\n");
	tmptree_put(&t, "sys/class/net/x0/operstate", "down\n");
	tmptree_put(&t, "sys/class/net/x0/speed", "1000\n"); /* absent before, present now */
	CHECK_INT(tmptree_del(&t, "sys/class/net/x1"), 0);
	CHECK_INT(scrape(&a, &s, &out), 0);
	CHECK_DBL(series_value(out.p, "node_network_mtu_bytes{device=\"x0\"}"), 1400);
	CHECK_DBL(series_value(out.p, "node_network_up{device=\"x0\"}"), 0);
	CHECK_DBL(series_value(out.p, "node_network_speed_bytes{device=\"x0\"}"), 1.25e8);
	CHECK(!has_line(out.p, "node_network_mtu_bytes{device=\"x1\"}"));

	tmptree_put(&t, "sys/class/net/x1/mtu", "1280\n");
	tmptree_path(&t, "sys/class/net/x0", from, sizeof(from));
	tmptree_path(&t, "sys/class/net/y0", to, sizeof(to));
	CHECK_INT(rename(from, to), 0);
	CHECK_INT(scrape(&a, &s, &out), 0);
	CHECK_DBL(series_value(out.p, "node_network_mtu_bytes{device=\"x1\"}"), 1280);
	CHECK_DBL(series_value(out.p, "node_network_mtu_bytes{device=\"y0\"}"), 1400);
	CHECK(!has_line(out.p, "node_network_mtu_bytes{device=\"x0\"}"));
	CHECK_DBL(collector_success(out.p, "netclass"), 1);

	agent_fini(&a);
	sink_fini(&s);
	cfg_free(cfg);
	buf_fini(&out);
	tmptree_rm(&t);
}

/* Run ip with argv (argv[0] "ip", NULL-ended) quietly; 0 when it succeeded. */
static int ip(char *const argv[])
{
	int st = 0;
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execvp("ip", argv);
		_exit(127);
	}
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	       WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* In network and mount namespaces of its own, with a sysfs mounted for that network
 * namespace: a veth pair scraped down, up and down again. A down interface has no
 * carrier, dormant, speed or duplex (the kernel's EINVAL, which plumb no longer asks
 * for); an up one has them all. Returns the failed checks, or T_SKIP when the namespaces,
 * the mount or the pair cannot be made. */
static int veth_up_and_down_child(void)
{
	char dir[] = "/tmp/plumb-netclass-XXXXXX", flag[64];
	struct agent a;
	struct plumb_config *cfg = NULL;
	struct buf out = { 0 };
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 || !mkdtemp(dir))
		return T_SKIP;
	if (mount("sysfs", dir, "sysfs", 0, NULL) < 0 ||
	    ip((char *[]){ "ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1", NULL }) < 0) {
		rmdir(dir);
		return T_SKIP;
	}
	snprintf(flag, sizeof(flag), "--path.sysfs=%s", dir);
	const char *flags[] = { flag, "--collector.disable-defaults", "--collector.netclass",
				NULL };
	const char *carrier = "node_network_carrier{device=\"v0\"}";
	const char *dormant = "node_network_dormant{device=\"v0\"}";
	const char *speed = "node_network_speed_bytes{device=\"v0\"}";
	CHECK_INT(harness_start(flags, &a, &cfg), 0);
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK_DBL(series_value(out.p, "node_network_mtu_bytes{device=\"v0\"}"), 1500);
	CHECK(isnan(series_value(out.p, carrier)) && isnan(series_value(out.p, dormant)) &&
	      isnan(series_value(out.p, speed)));
	CHECK(out.p && strstr(out.p, "device=\"v0\",duplex=\"\"") != NULL);
	CHECK_INT(ip((char *[]){ "ip", "link", "set", "v1", "up", NULL }), 0);
	CHECK_INT(ip((char *[]){ "ip", "link", "set", "v0", "up", NULL }), 0);
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK_DBL(series_value(out.p, carrier), 1);
	CHECK_DBL(series_value(out.p, dormant), 0);
	CHECK_DBL(series_value(out.p, speed), 1.25e9); /* veth says 10 Gb/s */
	CHECK(out.p && strstr(out.p, "device=\"v0\",duplex=\"full\"") != NULL);
	CHECK_INT(ip((char *[]){ "ip", "link", "set", "v0", "down", NULL }), 0);
	CHECK_INT(harness_collect(&a, &out), 0);
	CHECK(isnan(series_value(out.p, carrier)) && isnan(series_value(out.p, speed)));
	CHECK_DBL(series_value(out.p, "node_network_carrier{device=\"v1\"}"), 0);
	CHECK_DBL(collector_success(out.p, "netclass"), 1);
	agent_fini(&a);
	cfg_free(cfg);
	buf_fini(&out);
	umount(dir);
	rmdir(dir);
	return t_checks_failed;
}

static void veth_up_and_down(void)
{
	t_in_child(veth_up_and_down_child, "veth_up_and_down",
		   "no namespaces, sysfs or veth of our own");
}

static void steady_state_allocates_nothing(void)
{
	if (!alloc_probe_ready())
		return;
	const char *flags[] = { "--collector.netclass", NULL };
	CHECK_INT(alloc_probe_fixture(flags), 0);
}

int main(void)
{
	RUN(fixture_values);
	RUN(tmp_tree_cases);
	RUN(hostile_attrs);
	RUN(held_files_follow_changes);
	RUN(veth_up_and_down);
	RUN(steady_state_allocates_nothing);
	return T_DONE("test_netclass");
}
