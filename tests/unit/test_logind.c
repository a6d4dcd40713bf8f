/*
 * test_logind: the logind collector's series from a snapshot (every seat, remote, type
 * and class combination, unknown values as "other", sessions on unlisted seats counted
 * nowhere) and the collector on a host without a bus.
 */
#include <stdlib.h>

#include "collectors/logind.h"
#include "harness.h"
#include "lib/buf.h"
#include "t.h"

static void known_values(void)
{
	CHECK_INT(logind_index(logind_types, logind_ntypes, "tty"), 2);
	CHECK_INT(logind_index(logind_types, logind_ntypes, "web"), 6);
	CHECK_INT(logind_index(logind_types, logind_ntypes, "vnc"), 0);
	CHECK_INT(logind_index(logind_types, logind_ntypes, "other"), 0);
	CHECK_INT(logind_index(logind_types, logind_ntypes, ""), 0);
	CHECK_INT(logind_index(logind_classes, logind_nclasses, "lock-screen"), 3);
	CHECK_INT(logind_index(logind_classes, logind_nclasses, "manager"), 0);
	CHECK_INT(logind_index(logind_classes, logind_nclasses, "User"), 0);
}

static void emit_snapshot(void)
{
	struct logind_seat seats[1] = { { "seat0" } };
	struct logind_session sessions[4] = {
		{ "seat0", false, 3, 1 }, /* x11 user */
		{ "seat0", false, 3, 1 },
		{ "", true, 2, 1 },       /* remote tty user, no seat */
		{ "seat7", false, 2, 1 }, /* a seat ListSeats did not give: counted nowhere */
	};
	struct logind_snapshot snap = { seats, 1, sessions, 4 };
	struct metric_sink s;
	struct buf out = { 0 };
	sink_init(&s);
	CHECK_INT(logind_emit(&snap, &s), 0);
	CHECK_INT(s.nseries, 2 * 7 * 5 * 2);
	CHECK_INT(sink_finish(&s), 0);
	CHECK_INT(render_sink(&s, EXPO_TEXT, &out), 0);
	CHECK_DBL(series_value(out.p, "node_logind_sessions{class=\"user\",remote=\"false\","
				      "seat=\"seat0\",type=\"x11\"}"),
		  2);
	CHECK_DBL(series_value(out.p, "node_logind_sessions{class=\"user\",remote=\"true\","
				      "seat=\"\",type=\"tty\"}"),
		  1);
	CHECK_DBL(series_value(out.p, "node_logind_sessions{class=\"other\",remote=\"true\","
				      "seat=\"seat0\",type=\"web\"}"),
		  0);
	CHECK(!has_line(out.p, "node_logind_sessions{class=\"user\",remote=\"false\",seat=\"seat7\""));
	/* no seat at all: the empty seat alone */
	snap.nseats = 0;
	sink_reset(&s);
	CHECK_INT(logind_emit(&snap, &s), 0);
	CHECK_INT(s.nseries, 2 * 7 * 5);
	sink_fini(&s);
	buf_fini(&out);
}

static void no_bus_fails_only_this_collector(void)
{
	const char *flags[] = { "--collector.disable-defaults", "--collector.logind",
				"--collector.loadavg", NULL };
	struct buf out = { 0 };
	setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/plumb/bus", 1);
	CHECK_INT(harness_run(flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "logind"), 0);
	CHECK_DBL(collector_success(out.p, "loadavg"), 1);
	CHECK(!has_line(out.p, "node_logind_"));
	unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
	buf_fini(&out);
}

int main(void)
{
	RUN(known_values);
	RUN(emit_snapshot);
	RUN(no_bus_fails_only_this_collector);
	return T_DONE("test_logind");
}
