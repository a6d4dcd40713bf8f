/*
 * test_sysctl: the sysctl collector on the fixture host with e2e-flags.txt's choices,
 * with nothing chosen, with a sysctl the kernel lacks, and the parser and flag reader on
 * odd values, names and keys.
 */
#include "collectors/sysctl.h"
#include "harness.h"
#include "t.h"
#include "tmptree.h"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.sysctl",
				"--collector.sysctl.include-info=kernel.seccomp.actions_avail",
				"--collector.sysctl.include=fs.file-nr",
				"--collector.sysctl.include=fs.file-nr:total,current,max",
				"--collector.sysctl.include=kernel.threads-max", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_sysctl_fs_file_nr{index=\"0\"}"), 1024);
	CHECK_DBL(series_value(out.p, "node_sysctl_fs_file_nr{index=\"2\"}"), 1631329);
	CHECK_DBL(series_value(out.p, "node_sysctl_fs_file_nr_total"), 1024);
	CHECK_DBL(series_value(out.p, "node_sysctl_fs_file_nr_current"), 0);
	CHECK_DBL(series_value(out.p, "node_sysctl_fs_file_nr_max"), 1631329);
	CHECK_DBL(series_value(out.p, "node_sysctl_kernel_threads_max"), 7801);
	CHECK(has_line(out.p, "# TYPE node_sysctl_kernel_threads_max untyped"));
	CHECK_DBL(series_value(out.p, "node_sysctl_info{index=\"4\",name=\"kernel.seccomp."
				      "actions_avail\",value=\"user_notif\"}"),
		  1);
	CHECK(!has_line(out.p, "node_sysctl_info{index=\"8\""));
	CHECK_DBL(collector_success(out.p, "sysctl"), 1);
	buf_fini(&out);
}

/* Nothing chosen: success and no series. A name the kernel lacks fails the collection;
 * a key that cannot end a metric name keeps the collector from starting. */
static void choices(void)
{
	const char *none[] = { "--collector.sysctl", NULL };
	const char *missing[] = { "--collector.sysctl", "--collector.sysctl.include=kernel.threads-max",
				  "--collector.sysctl.include=no.such.sysctl", NULL };
	const char *badkey[] = { "--collector.sysctl", "--collector.sysctl.include=fs.file-nr:a-b",
				 NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(none, &out), 0);
	CHECK_DBL(collector_success(out.p, "sysctl"), 1);
	CHECK(!has_line(out.p, "node_sysctl_"));
	CHECK_INT(harness_run_fixture(missing, &out), 0);
	CHECK_DBL(collector_success(out.p, "sysctl"), 0);
	CHECK(!has_line(out.p, "node_sysctl_"));
	CHECK_INT(harness_run_fixture(badkey, &out), 0);
	CHECK(isnan(collector_success(out.p, "sysctl")));
	buf_fini(&out);
}

/* Only the first 128 bytes count, as node_exporter reads them. */
static void long_value(void)
{
	struct tmptree t;
	struct buf out = { 0 }, text = { 0 };
	const char *flags[] = { "--collector.sysctl", "--collector.sysctl.include-info=a.b", NULL };
	CHECK_INT(tmptree_make(&t), 0);
	for (int i = 0; i < 40; i++)
		buf_puts(&text, "abc ");
	tmptree_write(&t, "proc/sys/a/b", text.p, text.len);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "sysctl"), 1);
	CHECK_DBL(series_value(out.p, "node_sysctl_info{index=\"31\",name=\"a.b\",value=\"abc\"}"), 1);
	CHECK(!has_line(out.p, "node_sysctl_info{index=\"32\""));
	buf_fini(&text);
	buf_fini(&out);
	tmptree_rm(&t);
}

/* node_exporter's name rule: each run of other bytes, with the underscores on either
 * side, becomes one '_'. */
static void names(void)
{
	static const struct {
		const char *flag, *metric, *keys;
		size_t nkeys;
	} cases[] = {
		{ "fs.file-nr", "fs_file_nr", "", 0 },
		{ "a._b", "a_b", "", 0 },
		{ "a__.b", "a_b", "", 0 },
		{ "a.-_._b", "a__b", "", 0 },
		{ "a__b", "a__b", "", 0 },
		{ "net.ipv4.conf.eth0/100.rp_filter", "net_ipv4_conf_eth0_100_rp_filter", "", 0 },
		{ "x:", "x", "", 1 },
		{ "x:a,,b:c", "x", "a,,b:c", 3 },
	};
	struct sysctl_def d;
	char path[64];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(sysctl_def_init(&d, cases[i].flag, true), 0);
		CHECK_STR(d.metric, cases[i].metric);
		CHECK_STR(d.keys, cases[i].keys);
		CHECK_INT(d.nkeys, cases[i].nkeys);
	}
	CHECK_INT(sysctl_def_init(&d, "net.ipv4.ip_forward", true), 0);
	CHECK_INT(sysctl_def_path(&d, path, sizeof(path)), 0);
	CHECK_STR(path, "net/ipv4/ip_forward");
	CHECK_INT(sysctl_def_init(&d, "../../etc/passwd", true), 0);
	CHECK_INT(sysctl_def_path(&d, path, sizeof(path)), 0);
	CHECK_STR(path, "//////etc/passwd"); /* every dot is a slash: no way out of /proc/sys */
	CHECK(sysctl_def_init(&d, "", true) < 0);
	CHECK(sysctl_def_init(&d, ":a", true) < 0);
	CHECK(sysctl_def_init(&d, "x:a b", true) < 0);
	CHECK(sysctl_def_init(&d, "x:a.b", true) < 0);
}

static void hostile_values(void)
{
	static const struct {
		const char *flag, *text;
		bool numeric;
		int ok;
		unsigned series;
	} cases[] = {
		{ "a", "7", true, 1, 1 },
		{ "a", "0x10", true, 1, 1 },
		{ "a", "-3 010 1_000", true, 1, 3 },
		{ "a", "", true, 0, 0 },
		{ "a", "1.5", true, 0, 0 },
		{ "a", "1 x", true, 0, 0 },
		{ "a", "99999999999999999999", true, 0, 0 },
		{ "a:k", "7", true, 0, 0 },        /* one value but keys */
		{ "a:k1,k2", "1 2 3", true, 0, 0 }, /* keys do not match */
		{ "a:k1,k2", "1 2", true, 1, 2 },
		{ "a", "x y", false, 1, 2 },
		{ "a:k1,k2", "x y", false, 0, 0 }, /* keys on text: not supported */
		{ "a:k", "x", false, 0, 0 },
	};
	struct metric_sink s;
	struct sysctl_def d;
	double v;
	sink_init(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sink_reset(&s);
		CHECK_INT(sysctl_def_init(&d, cases[i].flag, cases[i].numeric), 0);
		CHECK_RESULT(sysctl_parse(&d, cases[i].text, strlen(cases[i].text), &s), cases[i].ok);
		CHECK_INT(s.nseries, cases[i].series);
	}
	CHECK_INT(sysctl_def_init(&d, "a", true), 0);
	sink_reset(&s);
	CHECK_INT(sysctl_parse(&d, "-3 010 0x1f", 11, &s), 0);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_sysctl_a", "index", "1", &v) == 0 && v == 8);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_sysctl_a", "index", "2", &v) == 0 && v == 31);
	CHECK_INT(sysctl_def_init(&d, "a:k1,k2", true), 0);
	sink_reset(&s);
	CHECK_INT(sysctl_parse(&d, "5 6", 3, &s), 0);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_sysctl_a_k2", NULL, NULL, &v) == 0 && v == 6);
	sink_fini(&s);
}

int main(void)
{
	RUN(fixture_values);
	RUN(choices);
	RUN(long_value);
	RUN(names);
	RUN(hostile_values);
	return T_DONE("test_sysctl");
}
