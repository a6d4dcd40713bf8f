/*
 * test_uname: the uname collector on the live machine (node_exporter's fixture run
 * leaves it off), compared with uname(2) and with the uname(1) command.
 */
#include <sys/utsname.h>

#include "collectors/uname.h"
#include "alloc_probe.h"
#include "t.h"

/* First line of a command's output into out[cap], without its newline. */
static int command_line(const char *cmd, char *out, size_t cap)
{
	FILE *f = popen(cmd, "r");
	if (!f)
		return -1;
	char *got = fgets(out, (int)cap, f);
	int st = pclose(f);
	if (!got || st != 0)
		return -1;
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

static void live_values(void)
{
	const char *flags[] = { "--collector.disable-defaults", "--collector.uname", NULL };
	struct buf out = { 0 };
	struct utsname u;
	char series[2048], release[256], node[256], machine[256];
	CHECK_INT(harness_run(flags, &out), 0);
	CHECK_INT(uname(&u), 0);
	snprintf(series, sizeof(series),
		 "node_uname_info{domainname=\"%s\",machine=\"%s\",nodename=\"%s\",release=\"%s\","
		 "sysname=\"%s\",version=\"%s\"}",
		 u.domainname, u.machine, u.nodename, u.release, u.sysname, u.version);
	CHECK_DBL(series_value(out.p, series), 1);
	CHECK(has_line(out.p, "# TYPE node_uname_info gauge"));
	/* and what uname(1) prints */
	if (command_line("uname -r", release, sizeof(release)) == 0) {
		snprintf(series, sizeof(series), "release=\"%s\"", release);
		CHECK(strstr(out.p, series) != NULL);
	}
	if (command_line("uname -n", node, sizeof(node)) == 0) {
		snprintf(series, sizeof(series), "nodename=\"%s\"", node);
		CHECK(strstr(out.p, series) != NULL);
	}
	if (command_line("uname -m", machine, sizeof(machine)) == 0) {
		snprintf(series, sizeof(series), "machine=\"%s\"", machine);
		CHECK(strstr(out.p, series) != NULL);
	}
	CHECK(strstr(out.p, "sysname=\"Linux\"") != NULL);
	buf_fini(&out);
}

static void unterminated_fields(void)
{
	struct utsname u;
	struct metric_sink s;
	struct buf out = { 0 };
	memset(&u, 'x', sizeof(u)); /* no NUL anywhere: each label stops at its array's end */
	sink_init(&s);
	CHECK_INT(uname_emit(&u, &s), 0);
	sink_finish(&s);
	render_sink(&s, EXPO_TEXT, &out);
	char want[sizeof(u.release) + 16] = "release=\"";
	memset(want + 9, 'x', sizeof(u.release));
	strcpy(want + 9 + sizeof(u.release), "\",");
	CHECK(strstr(out.p, want) != NULL);
	sink_fini(&s);
	buf_fini(&out);
}

static void steady_state_allocates_nothing(void)
{
	if (!alloc_probe_ready())
		return;
	CHECK(alloc_probe_works());
	const char *live[] = { "--collector.disable-defaults", "--collector.uname", NULL };
	CHECK_INT(alloc_probe_scrape(live, 2), 0);
}

int main(void)
{
	RUN(live_values);
	RUN(unterminated_fields);
	RUN(steady_state_allocates_nothing);
	return T_DONE("test_uname");
}
