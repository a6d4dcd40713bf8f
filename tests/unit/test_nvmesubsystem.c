/*
 * test_nvmesubsystem: the nvmesubsystem collector on the shared fixture (a Fibre
 * Channel subsystem with four paths, one dead: the figures node_exporter's own test
 * expects), on a tree laid out as a real sysfs links it (with a namespace), and on
 * subsystems with missing, odd and hostile attributes.
 */
#include "collectors/nvmesubsystem.h"
#include "harness.h"
#include "t.h"
#include "tmptree.h"

static const char *const flags[] = { "--collector.nvmesubsystem", NULL };

#define SS0 "subsystem=\"nvme-subsys0\""

/* The path_state series of controller ctrl of nvme-subsys0 say `state` and no other. */
static void check_state(const char *text, const char *ctrl, const char *transport,
			const char *state)
{
	char series[256];
	for (size_t i = 0; i < NVMESS_NSTATES; i++) {
		snprintf(series, sizeof(series),
			 "node_nvmesubsystem_path_state{controller=\"%s\",state=\"%s\"," SS0
			 ",transport=\"%s\"}",
			 ctrl, nvmess_states[i], transport);
		CHECK_DBL(series_value(text, series), strcmp(nvmess_states[i], state) == 0 ? 1 : 0);
	}
}

static void shared_fixture(void)
{
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_nvmesubsystem_info{iopolicy=\"round-robin\","
				      "model=\"Dell PowerStore\",nqn=\"nqn.2014-08.org.nvmexpress:"
				      "uuid:a34c4f3a-0d6f-5cec-dead-beefcafebabe\","
				      "serial=\"SN12345678\"," SS0 "}"),
		  1);
	check_state(out.p, "nvme0", "fc", "live");
	check_state(out.p, "nvme1", "fc", "live");
	check_state(out.p, "nvme2", "fc", "live");
	check_state(out.p, "nvme3", "fc", "dead");
	CHECK_DBL(series_value(out.p, "node_nvmesubsystem_paths{" SS0 "}"), 4);
	CHECK_DBL(series_value(out.p, "node_nvmesubsystem_paths_live{" SS0 "}"), 3);
	CHECK(!has_line(out.p, "node_nvmesubsystem_namespace_info")); /* the copy lost nvme0n1 */
	CHECK_DBL(collector_success(out.p, "nvmesubsystem"), 1);
	buf_fini(&out);
}

#define VSS "sys/devices/virtual/nvme-subsystem/nvme-subsys0"
#define CTRL1 "sys/devices/virtual/nvme-fabrics/ctl/nvme1"

/* nvme-subsys0 as the kernel lays it out for an NVMe/TCP target with two paths: the
 * class entry a link into devices/virtual, each controller a link to its device, the
 * namespace head a directory. */
static void put_tcp_subsystem(struct tmptree *t)
{
	tmptree_put(t, VSS "/subsysnqn", "nqn.2014-08.org.example:target1\n");
	tmptree_put(t, VSS "/model", "Linux                                   \n");
	tmptree_put(t, VSS "/serial", "9a8b7c6d5e4f    \n");
	tmptree_put(t, VSS "/iopolicy", "numa\n");
	tmptree_put(t, VSS "/uevent", "\n");
	tmptree_put(t, VSS "/nvme0n1/size", "2097152\n");
	tmptree_put(t, VSS "/nvme0n2/size", "2097152\n");
	tmptree_put(t, "sys/devices/virtual/nvme-fabrics/ctl/nvme0/state", "live\n");
	tmptree_put(t, "sys/devices/virtual/nvme-fabrics/ctl/nvme0/transport", "tcp\n");
	tmptree_put(t, "sys/devices/virtual/nvme-fabrics/ctl/nvme0/address",
		    "traddr=192.0.2.10,trsvcid=4420,src_addr=192.0.2.1\n");
	tmptree_put(t, CTRL1 "/state", "connecting\n");
	tmptree_put(t, CTRL1 "/transport", "tcp\n");
	tmptree_put(t, CTRL1 "/address", "traddr=192.0.2.11,trsvcid=4420\n");
	tmptree_link(t, VSS "/nvme0", "../../nvme-fabrics/ctl/nvme0");
	tmptree_link(t, VSS "/nvme1", "../../nvme-fabrics/ctl/nvme1");
	tmptree_link(t, "sys/class/nvme-subsystem/nvme-subsys0",
		     "../../devices/virtual/nvme-subsystem/nvme-subsys0");
}

static void links_and_namespaces(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	put_tcp_subsystem(&t);
	tmptree_put(&t, "sys/class/nvme-subsystem/README", "not a subsystem\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_nvmesubsystem_info{iopolicy=\"numa\",model=\"Linux\","
				      "nqn=\"nqn.2014-08.org.example:target1\","
				      "serial=\"9a8b7c6d5e4f\"," SS0 "}"),
		  1);
	check_state(out.p, "nvme0", "tcp", "live");
	check_state(out.p, "nvme1", "tcp", "connecting");
	CHECK_DBL(series_value(out.p, "node_nvmesubsystem_namespace_info{device=\"nvme0n1\"," SS0 "}"), 1);
	CHECK_DBL(series_value(out.p, "node_nvmesubsystem_namespace_info{device=\"nvme0n2\"," SS0 "}"), 1);
	CHECK_DBL(series_value(out.p, "node_nvmesubsystem_paths{" SS0 "}"), 2);
	CHECK_DBL(series_value(out.p, "node_nvmesubsystem_paths_live{" SS0 "}"), 1);
	CHECK_DBL(collector_success(out.p, "nvmesubsystem"), 1);

	/* the same as link files, as a flattened copy keeps them */
	tmptree_del(&t, VSS "/nvme1");
	tmptree_put(&t, VSS "/nvme1", "../../nvme-fabrics/ctl/nvme1\n");
	tmptree_del(&t, "sys/class/nvme-subsystem/nvme-subsys0");
	tmptree_put(&t, "sys/class/nvme-subsystem/nvme-subsys0",
		    "../../devices/virtual/nvme-subsystem/nvme-subsys0\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	check_state(out.p, "nvme1", "tcp", "connecting");
	CHECK_DBL(series_value(out.p, "node_nvmesubsystem_paths{" SS0 "}"), 2);
	buf_fini(&out);
	tmptree_rm(&t);
}

/* No class directory: no data (success 0). An empty one: nothing, success 1. */
static void missing_class(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_run_empty("nvmesubsystem", &out), 0);
	CHECK_DBL(collector_success(out.p, "nvmesubsystem"), 0);
	CHECK(!has_line(out.p, "node_nvmesubsystem_"));
	CHECK_INT(tmptree_make(&t), 0);
	CHECK_INT(tmptree_mkdir(&t, "sys/class/nvme-subsystem"), 0);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "nvmesubsystem"), 1);
	CHECK(!has_line(out.p, "node_nvmesubsystem_"));
	buf_fini(&out);
	tmptree_rm(&t);
}

/* States the kernel may show and ones it may not; text that is long or not UTF-8; an
 * attribute missing (the address too, though it is not reported) is no data; a
 * subsystem entry that is a plain file fails the collection. */
static void hostile(void)
{
	static const struct {
		const char *raw, *state;
	} states[] = {
		{ "deleting (no IO)\n", "deleting" }, { "resetting", "resetting" },
		{ "LIVE\n", "unknown" },	      { "", "unknown" },
		{ "live live\n", "unknown" },	      { "\xff\xfe", "unknown" },
	};
	struct tmptree t;
	struct buf out = { 0 };
	char big[300], want[512];
	CHECK_INT(tmptree_make(&t), 0);
	put_tcp_subsystem(&t);
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		tmptree_put(&t, CTRL1 "/state", states[i].raw);
		CHECK_INT(tmptree_run(&t, flags, &out), 0);
		check_state(out.p, "nvme1", "tcp", states[i].state);
		CHECK_DBL(series_value(out.p, "node_nvmesubsystem_paths_live{" SS0 "}"), 1);
	}
	memset(big, 's', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	tmptree_put(&t, VSS "/serial", big);
	tmptree_put(&t, VSS "/model", "Acme\xc3(");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	big[128] = '\0';
	snprintf(want, sizeof(want),
		 "node_nvmesubsystem_info{iopolicy=\"numa\",model=\"Acme\xef\xbf\xbd(\","
		 "nqn=\"nqn.2014-08.org.example:target1\",serial=\"%s\"," SS0 "}",
		 big);
	CHECK_DBL(series_value(out.p, want), 1);

	tmptree_del(&t, CTRL1 "/address");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "nvmesubsystem"), 0);
	CHECK(!has_line(out.p, "node_nvmesubsystem_"));
	tmptree_put(&t, CTRL1 "/address", "traddr=192.0.2.11\n");
	tmptree_del(&t, VSS "/iopolicy"); /* a kernel without multipath has none */
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "nvmesubsystem"), 0);
	CHECK(!has_line(out.p, "node_nvmesubsystem_"));
	tmptree_put(&t, VSS "/iopolicy", "round-robin\n");
	tmptree_put(&t, "sys/class/nvme-subsystem/nvme-subsys1", "a plain file\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "nvmesubsystem"), 0);
	tmptree_del(&t, "sys/class/nvme-subsystem/nvme-subsys1");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "nvmesubsystem"), 1);
	buf_fini(&out);
	tmptree_rm(&t);
}

static void names(void)
{
	static const struct {
		const char *name;
		bool ctrl, ns;
	} cases[] = {
		{ "nvme0", true, false },    { "nvme12", true, false },	 { "nvme0n1", false, true },
		{ "nvme3n12", false, true }, { "nvme0c0n1", false, false }, { "nvme", false, false },
		{ "nvmen1", false, false },  { "nvme0n", false, false },	 { "nvme0n1p1", false, false },
		{ "xnvme0", false, false },  { "nvme0 ", false, false },	 { "ng0n1", false, false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(nvmess_ctrl_name(cases[i].name) == cases[i].ctrl);
		CHECK(nvmess_ns_name(cases[i].name) == cases[i].ns);
	}
	CHECK(nvmess_subsys_name("nvme-subsys0"));
	CHECK(nvmess_subsys_name("nvme-subsys"));
	CHECK(!nvmess_subsys_name("nvme0"));
	CHECK_STR(nvmess_state(SPAN_LIT("new")), "new");
	CHECK_STR(nvmess_state(SPAN_LIT("deleting")), "deleting");
	CHECK_STR(nvmess_state(SPAN_LIT("deleting (no IO)")), "deleting");
	CHECK_STR(nvmess_state(SPAN_LIT("unknown")), "unknown");
	CHECK_STR(nvmess_state(SPAN_LIT("dea")), "unknown");
}

static void record_emit(void)
{
	struct nvmess_subsys ss;
	struct nvmess_ctrl c;
	struct metric_sink s;
	double v;
	nvmess_subsys_reset(&ss);
	memset(&c, 0, sizeof(c));
	nvmess_subsys_record(&ss, "model", SPAN_LIT("M"));
	nvmess_subsys_record(&ss, "other", SPAN_LIT("ignored"));
	nvmess_ctrl_record(&c, "state", SPAN_LIT("live"));
	nvmess_ctrl_record(&c, "transport", SPAN_LIT("rdma"));
	sink_init(&s);
	CHECK_INT(nvmess_ctrl_emit(&ss, "nvme-subsys4", &c, "nvme9", &s), 0);
	nvmess_ctrl_record(&c, "state", SPAN_LIT("dead"));
	CHECK_INT(nvmess_ctrl_emit(&ss, "nvme-subsys4", &c, "nvme8", &s), 0);
	CHECK_INT(nvmess_ns_emit("nvme-subsys4", "nvme9n1", &s), 0);
	CHECK_INT(nvmess_subsys_emit(&ss, "nvme-subsys4", &s), 0);
	CHECK_INT(s.nseries, 2 * NVMESS_NSTATES + 4);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_nvmesubsystem_paths", NULL, NULL, &v) == 0 && v == 2);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_nvmesubsystem_paths_live", NULL, NULL, &v) == 0 &&
	      v == 1);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_nvmesubsystem_info", "model", "M", &v) == 0);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_nvmesubsystem_namespace_info", "device", "nvme9n1",
			  &v) == 0);
	sink_fini(&s);
}

int main(void)
{
	RUN(shared_fixture);
	RUN(links_and_namespaces);
	RUN(missing_class);
	RUN(hostile);
	RUN(names);
	RUN(record_emit);
	return T_DONE("test_nvmesubsystem");
}
