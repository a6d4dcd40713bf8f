/*
 * test_systemd: the systemd collector's pure parts (version strings, unit object paths,
 * the include/exclude filter, the series written from a snapshot), the bus address's
 * socket path (lib/busclient), and the collector on a host without a bus.
 */
#include <stdlib.h>

#include "collectors/systemd.h"
#include "harness.h"
#include "lib/buf.h"
#include "lib/busclient.h"
#include "t.h"

static void version_strings(void)
{
	static const struct {
		const char *s;
		int r;
		double v;
	} cases[] = {
		{ "252", 0, 252 },
		{ "v246", 0, 246 },
		{ "252.39-1~deb12u2", 0, 252.39 },
		{ "systemd 249 (249.11-0ubuntu3)", 0, 249 },
		{ "v2.345", 0, 345 },
		{ "252.", 0, 252 },
		{ "12 34", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
		{ "no digits", -EINVAL, 0 },
		{ "1234567890123", 0, 1234567890123.0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double v = -1;
		CHECK_INT(systemd_version_parse(cases[i].s, strlen(cases[i].s), &v), cases[i].r);
		if (cases[i].r == 0)
			CHECK_DBL(v, cases[i].v);
	}
	/* a run of digits too long for a finite double */
	char big[400];
	memset(big, '9', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	double v;
	CHECK_INT(systemd_version_parse(big, strlen(big), &v), -EINVAL);
}

static void unit_paths(void)
{
	char p[SYSTEMD_PATH_MAX];
	CHECK_INT(systemd_unit_path("ssh.service", p, sizeof(p)), 0);
	CHECK_STR(p, "/org/freedesktop/systemd1/unit/ssh_2eservice");
	CHECK_INT(systemd_unit_path("-.slice", p, sizeof(p)), 0);
	CHECK_STR(p, "/org/freedesktop/systemd1/unit/_2d_2eslice");
	CHECK_INT(systemd_unit_path("getty@tty1.service", p, sizeof(p)), 0);
	CHECK_STR(p, "/org/freedesktop/systemd1/unit/getty_40tty1_2eservice");
	CHECK_INT(systemd_unit_path("1a2", p, sizeof(p)), 0);
	CHECK_STR(p, "/org/freedesktop/systemd1/unit/_31a2");
	CHECK_INT(systemd_unit_path("", p, sizeof(p)), 0);
	CHECK_STR(p, "/org/freedesktop/systemd1/unit/_");
	CHECK_INT(systemd_unit_path("\xff", p, sizeof(p)), 0);
	CHECK_STR(p, "/org/freedesktop/systemd1/unit/_ff");
	/* the longest name fits the bound; a buffer one short does not */
	char name[SYSTEMD_NAME_MAX];
	memset(name, '.', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	CHECK_INT(systemd_unit_path(name, p, sizeof(p)), 0);
	CHECK_INT(systemd_unit_path(name, p, strlen(p)), -ENAMETOOLONG);
	CHECK_INT(systemd_unit_path("a", p, 4), -ENAMETOOLONG);
}

static void filter_whole_names(void)
{
	struct filter f = { 0 };
	CHECK_INT(filter_init(&f, "^(?:.+)$",
			      "^(?:.+\\.(automount|device|mount|scope|slice))$"),
		  0);
	CHECK(systemd_unit_kept(&f, "ssh.service", "loaded"));
	CHECK(!systemd_unit_kept(&f, "ssh.service", "not-found"));
	CHECK(!systemd_unit_kept(&f, "home.mount", "loaded"));
	/* anchored: a name that only contains an excluded one is kept */
	CHECK(systemd_unit_kept(&f, "home.mount.service", "loaded"));
	CHECK(!systemd_unit_kept(&f, "", "loaded"));
	filter_fini(&f);
	CHECK_INT(filter_init(&f, "^(?:ssh)$", NULL), 0);
	CHECK(!systemd_unit_kept(&f, "ssh.service", "loaded"));
	CHECK(systemd_unit_kept(&f, "ssh", "loaded"));
	filter_fini(&f);
}

/* Render s (finished) into out. */
static void render(struct metric_sink *s, struct buf *out)
{
	CHECK_INT(sink_finish(s), 0);
	buf_reset(out);
	CHECK_INT(render_sink(s, EXPO_TEXT, out), 0);
}

static void emit_snapshot(void)
{
	struct systemd_unit units[4];
	memset(units, 0, sizeof(units));
	snprintf(units[0].name, sizeof(units[0].name), "ssh.service");
	snprintf(units[0].active, sizeof(units[0].active), "active");
	snprintf(units[0].type, sizeof(units[0].type), "notify");
	units[0].kept = true;
	units[0].have = SU_RESTARTS | SU_START | SU_TASKS_CURRENT;
	units[0].restarts = 3;
	units[0].start_us = 1500000;
	units[0].tasks_current = 4;
	snprintf(units[1].name, sizeof(units[1].name), "dbus.socket");
	snprintf(units[1].active, sizeof(units[1].active), "reloading");
	units[1].kept = true;
	units[1].have = SU_ACCEPTED | SU_CONNECTIONS;
	units[1].accepted = 7;
	snprintf(units[2].name, sizeof(units[2].name), "x.timer");
	snprintf(units[2].active, sizeof(units[2].active), "reloading");
	units[2].have = SU_LAST_TRIGGER; /* not kept: nothing of it but the summary */
	snprintf(units[3].name, sizeof(units[3].name), "y.timer");
	snprintf(units[3].active, sizeof(units[3].active), "failed");
	units[3].kept = true;
	units[3].have = SU_LAST_TRIGGER;
	units[3].last_trigger_us = 2000000;
	struct systemd_snapshot snap = { .running = true, .units = units, .nunits = 4 };
	snprintf(snap.version, sizeof(snap.version), "252.5-1");
	struct systemd_opts o = { .restarts = true };
	struct metric_sink s;
	struct buf out = { 0 };
	sink_init(&s);
	CHECK_INT(systemd_emit(&snap, &o, &s), 0);
	render(&s, &out);
	CHECK_DBL(series_value(out.p, "node_systemd_version{version=\"252.5-1\"}"), 252.5);
	CHECK_DBL(series_value(out.p, "node_systemd_units{state=\"reloading\"}"), 2);
	CHECK_DBL(series_value(out.p, "node_systemd_units{state=\"activating\"}"), 0);
	CHECK_DBL(series_value(out.p, "node_systemd_units{state=\"failed\"}"), 1);
	CHECK_DBL(series_value(out.p,
			       "node_systemd_unit_state{name=\"ssh.service\",state=\"active\",type=\"notify\"}"),
		  1);
	CHECK_DBL(series_value(out.p,
			       "node_systemd_unit_state{name=\"dbus.socket\",state=\"active\",type=\"\"}"),
		  0);
	CHECK(!has_line(out.p, "node_systemd_unit_state{name=\"x.timer\""));
	CHECK_DBL(series_value(out.p, "node_systemd_service_restart_total{name=\"ssh.service\"}"), 3);
	/* start time and tasks were read but their flags are off */
	CHECK(!has_line(out.p, "node_systemd_unit_start_time_seconds"));
	CHECK(!has_line(out.p, "node_systemd_unit_tasks_current"));
	CHECK_DBL(series_value(out.p,
			       "node_systemd_socket_accepted_connections_total{name=\"dbus.socket\"}"),
		  7);
	CHECK(!has_line(out.p, "node_systemd_socket_refused_connections_total"));
	CHECK_DBL(series_value(out.p, "node_systemd_timer_last_trigger_seconds{name=\"y.timer\"}"), 2);
	CHECK_DBL(series_value(out.p, "node_systemd_system_running"), 1);

	/* an old manager: no timers, no system_running; an unreadable version: 0 and "" */
	snprintf(snap.version, sizeof(snap.version), "v211");
	o.start_time = o.tasks = true;
	sink_reset(&s);
	CHECK_INT(systemd_emit(&snap, &o, &s), 0);
	render(&s, &out);
	CHECK(!has_line(out.p, "node_systemd_timer_last_trigger_seconds"));
	CHECK(!has_line(out.p, "node_systemd_system_running"));
	CHECK_DBL(series_value(out.p, "node_systemd_unit_start_time_seconds{name=\"ssh.service\"}"),
		  1.5);
	CHECK_DBL(series_value(out.p, "node_systemd_unit_tasks_current{name=\"ssh.service\"}"), 4);
	snap.version[0] = '\0';
	snap.nunits = 0;
	sink_reset(&s);
	CHECK_INT(systemd_emit(&snap, &o, &s), 0);
	render(&s, &out);
	CHECK_DBL(series_value(out.p, "node_systemd_version{version=\"\"}"), 0);
	CHECK_DBL(series_value(out.p, "node_systemd_units{state=\"active\"}"), 0);
	sink_fini(&s);
	buf_fini(&out);
}

static void bus_socket_paths(void)
{
	static const struct {
		const char *addr;
		int r;
		const char *path;
	} cases[] = {
		{ "unix:path=/run/dbus/system_bus_socket", 0, "/run/dbus/system_bus_socket" },
		{ "unix:guid=0123,path=/tmp/x/bus", 0, "/tmp/x/bus" },
		{ "unix:path=/tmp/a,guid=1;tcp:host=h", 0, "/tmp/a" },
		{ "tcp:host=localhost,port=1;unix:path=/x", -ENOENT, NULL },
		{ "unix:abstract=/tmp/dbus", -ENOENT, NULL },
		{ "unix:path=/tmp/%2c", -ENOENT, NULL },
		{ "unix:path=relative", -ENOENT, NULL },
		{ "unix:path=", -ENOENT, NULL },
		{ "unix:", -ENOENT, NULL },
		{ "", -ENOENT, NULL },
	};
	char out[64];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = busclient_socket_path(cases[i].addr, strlen(cases[i].addr), out, sizeof(out));
		CHECK_INT(r, cases[i].r);
		if (r == 0 && cases[i].path)
			CHECK_STR(out, cases[i].path);
	}
	CHECK_INT(busclient_socket_path("unix:path=/a/long/path", 22, out, 8), -ENAMETOOLONG);
}

static void no_bus_fails_only_this_collector(void)
{
	const char *flags[] = { "--collector.disable-defaults", "--collector.systemd",
				"--collector.loadavg", NULL };
	struct buf out = { 0 };
	setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/plumb/bus", 1);
	CHECK_INT(harness_run(flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "systemd"), 0);
	CHECK_DBL(collector_success(out.p, "loadavg"), 1);
	CHECK(!has_line(out.p, "node_systemd_"));
	unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
	buf_fini(&out);
}

int main(void)
{
	RUN(version_strings);
	RUN(unit_paths);
	RUN(filter_whole_names);
	RUN(emit_snapshot);
	RUN(bus_socket_paths);
	RUN(no_bus_fails_only_this_collector);
	return T_DONE("test_systemd");
}
