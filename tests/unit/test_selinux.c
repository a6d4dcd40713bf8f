/*
 * test_selinux: the selinux collector on the fixture host (no SELinux), on made-up trees
 * with SELinux enforcing, permissive, read-only, policy-less or mounted elsewhere, and
 * on garbled config, enforce and mount table files.
 */
#include "collectors/selinux.h"
#include "harness.h"
#include "t.h"
#include "tmptree.h"

static const char *const flags[] = { "--collector.selinux", NULL };

/* A tree with selinuxfs at sys/fs/selinux, a policy loaded and the given files. */
static void enabled_tree(struct tmptree *t, const char *config, const char *enforce)
{
	CHECK_INT(tmptree_make(t), 0);
	tmptree_put(t, "sys/fs/selinux/enforce", enforce);
	tmptree_write(t, "proc/thread-self/attr/current", "system_u:system_r:init_t:s0\0", 28);
	if (config)
		tmptree_put(t, "etc/selinux/config", config);
}

/* node_exporter reports SELinux off, with success 1, when there is no selinuxfs. */
static void fixture_and_empty_host(void)
{
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_selinux_enabled"), 0);
	CHECK(!has_line(out.p, "node_selinux_config_mode"));
	CHECK(!has_line(out.p, "node_selinux_current_mode"));
	CHECK_DBL(collector_success(out.p, "selinux"), 1);
	CHECK_INT(tmptree_run_empty("selinux", &out), 0);
	CHECK_DBL(series_value(out.p, "node_selinux_enabled"), 0);
	CHECK_DBL(collector_success(out.p, "selinux"), 1);
	buf_fini(&out);
}

static void enforcing_and_permissive(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	enabled_tree(&t, "# This file controls the state of SELinux\nSELINUX=permissive\n"
			 "SELINUXTYPE=targeted\n",
		     "1");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_selinux_enabled"), 1);
	CHECK_DBL(series_value(out.p, "node_selinux_config_mode"), 0);
	CHECK_DBL(series_value(out.p, "node_selinux_current_mode"), 1);
	CHECK_DBL(collector_success(out.p, "selinux"), 1);
	/* each scrape reads both again */
	tmptree_put(&t, "etc/selinux/config", "SELINUX=\"enforcing\"\n");
	tmptree_put(&t, "sys/fs/selinux/enforce", "0");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_selinux_config_mode"), 1);
	CHECK_DBL(series_value(out.p, "node_selinux_current_mode"), 0);
	/* go-selinux's Atoi takes no newline; a config without SELINUX= means disabled */
	tmptree_put(&t, "sys/fs/selinux/enforce", "1\n");
	tmptree_put(&t, "etc/selinux/config", "SELINUXTYPE=mls\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_selinux_config_mode"), -1);
	CHECK_DBL(series_value(out.p, "node_selinux_current_mode"), -1);
	tmptree_del(&t, "etc/selinux/config");
	tmptree_del(&t, "sys/fs/selinux/enforce");
	CHECK_INT(tmptree_run(&t, flags, &out), 0); /* decided at start-up: no enforce, off */
	CHECK_DBL(series_value(out.p, "node_selinux_enabled"), 0);
	buf_fini(&out);
	tmptree_rm(&t);
}

/* The label "kernel" (no policy) or a label that cannot be read (which go-selinux takes
 * as not "kernel"). */
static void process_label(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	enabled_tree(&t, "SELINUX=enforcing\n", "1");
	tmptree_write(&t, "proc/thread-self/attr/current", "kernel\0", 7);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_selinux_enabled"), 0);
	tmptree_put(&t, "proc/thread-self/attr/current", "kernel");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_selinux_enabled"), 0);
	tmptree_del(&t, "proc/thread-self");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_selinux_enabled"), 1);
	CHECK_DBL(series_value(out.p, "node_selinux_config_mode"), 1);
	buf_fini(&out);
	tmptree_rm(&t);
}

/* No selinuxfs at sys/fs/selinux: found through /proc/filesystems and the mount table,
 * beneath --path.rootfs, only when the kernel lists selinuxfs. */
static void mounted_elsewhere(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "selinux/enforce", "0");
	tmptree_put(&t, "etc/selinux/config", "SELINUX=permissive\n");
	tmptree_put(&t, "proc/self/mountinfo",
		    "22 1 0:21 / /sys rw,nosuid shared:7 - sysfs sysfs rw\n"
		    "23 1 0:22 / /nowhere rw - selinuxfs selinuxfs rw\n"
		    "24 1 0:23 / /selinux rw,relatime shared:8 - selinuxfs selinuxfs rw\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_selinux_enabled"), 0); /* not in filesystems */
	tmptree_put(&t, "proc/filesystems", "nodev\tsysfs\nnodev\tselinuxfs\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_selinux_enabled"), 1);
	CHECK_DBL(series_value(out.p, "node_selinux_config_mode"), 0);
	CHECK_DBL(series_value(out.p, "node_selinux_current_mode"), 0);
	buf_fini(&out);
	tmptree_rm(&t);
}

static void config_files(void)
{
	static const struct {
		const char *text;
		int mode;
	} cases[] = {
		{ "SELINUX=enforcing\n", 1 },
		{ "SELINUX=permissive", 1 - 1 },
		{ "SELINUX=disabled\n", -1 },
		{ "  SELINUX=enforcing  \r\n", 1 },
		{ "#SELINUX=enforcing\n;SELINUX=enforcing\nSELINUX=permissive\n", 0 },
		{ "SELINUX=\"\"enforcing\"\n", 1 },
		{ "SELINUX = enforcing\n", -1 },       /* the key is "SELINUX " */
		{ "SELINUX=Enforcing\n", -1 },
		{ "SELINUX=enforcing=1\n", -1 },
		{ "SELINUX=permissive\nSELINUX=enforcing\n", 0 }, /* the first counts */
		{ "SELINUXTYPE=targeted\n", -1 },
		{ "", -1 },
		{ "SELINUX=enforc", -1 },              /* cut short */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_INT(selinux_config_mode(cases[i].text, strlen(cases[i].text)), cases[i].mode);
	CHECK_INT(selinux_config_mode("SELINUX=enforcing\0\n", 19), -1); /* NUL is no space */
	/* a line past 64 KiB stops the reading, as bufio.Scanner does */
	static char big[70000];
	memset(big, '#', sizeof(big));
	memcpy(big + 66000, "\nSELINUX=enforcing\n", 19);
	CHECK_INT(selinux_config_mode(big, sizeof(big)), -1);
	memcpy(big + 60000, "\n", 1); /* two comment lines, each short enough */
	CHECK_INT(selinux_config_mode(big, sizeof(big)), 1);
	memcpy(big, "SELINUX=permissive\n", 19);
	CHECK_INT(selinux_config_mode(big, sizeof(big)), 0);
}

static void enforce_files(void)
{
	static const struct {
		const char *text;
		long long mode;
	} cases[] = {
		{ "1", 1 },  { "0", 0 },     { "+1", 1 },  { "-7", -7 }, { "1\n", -1 }, { " 1", -1 },
		{ "", -1 },  { "x", -1 },    { "1_0", -1 }, { "0x1", -1 },
		{ "9223372036854775807", 9223372036854775807LL }, { "9223372036854775808", -1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_INT(selinux_enforce_mode(cases[i].text, strlen(cases[i].text)), cases[i].mode);
}

static void mount_tables(void)
{
	const char *mi = "1 2 3 4 /a 5 - selinuxfs x\n"
			 "1 2 3 4 /b - selinuxfs x\n"      /* /b: the fifth of six parts */
			 "1  2 3 4 /c 5 - selinuxfs x\n"   /* double space: "4" is fifth */
			 "1 2 3 4 /d 5 - sysfs x\n"
			 "1 2 3 /e - selinuxfs x\n"        /* "-" is fifth */
			 "1 2 3 4 - selinuxfs \n"          /* six parts, the last empty */
			 "x - selinuxfs y";                /* too few */
	static const char *const want[] = { "/a", "/b", "4", "-", "-" };
	struct cursor c = cursor_init(mi, strlen(mi));
	struct span m;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		CHECK(selinux_next_mount(&c, &m));
		CHECK(span_eq(m, want[i]));
	}
	CHECK(!selinux_next_mount(&c, &m));
	CHECK(selinux_listed("nodev\tselinuxfs\n", 16));
	CHECK(!selinux_listed("nodev\tselinuxfs", 15));
	CHECK(!selinux_listed("nodev\tselinuxfsx\n", 17));
	CHECK(selinux_label_is_kernel("kernel\0", 7));
	CHECK(!selinux_label_is_kernel("kernel\0\0", 8));
	CHECK(!selinux_label_is_kernel("kernel\n", 7));
	CHECK(!selinux_label_is_kernel("", 0));
}

int main(void)
{
	RUN(fixture_and_empty_host);
	RUN(enforcing_and_permissive);
	RUN(process_label);
	RUN(mounted_elsewhere);
	RUN(config_files);
	RUN(enforce_files);
	RUN(mount_tables);
	return T_DONE("test_selinux");
}
