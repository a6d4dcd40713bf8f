/*
 * test_machine: cAdvisor's machine facts (lib/machine.h) from cpuinfo and meminfo
 * text, and sink_share_view, which serves the container families on /metrics/cadvisor:
 * a shared family renders in both views, an unshared one in its own alone.
 */
#include <errno.h>

#include "expo/render.h"
#include "expo/sink.h"
#include "lib/machine.h"
#include "t.h"

static void test_cpuinfo(void)
{
	/* two sockets of two cores with two threads each: cAdvisor counts distinct core ids
	 * (2), not cores per socket (4) */
	static const char two[] =
		"processor\t: 0\nphysical id\t: 0\ncore id\t\t: 0\n\n"
		"processor\t: 1\nphysical id\t: 0\ncore id\t\t: 0\n\n"
		"processor\t: 2\nphysical id\t: 0\ncore id\t\t: 1\n\n"
		"processor\t: 3\nphysical id\t: 1\ncore id\t\t: 0\n\n"
		"processor\t: 4\nphysical id\t: 1\ncore id\t\t: 1\n\n";
	uint32_t cores = 9, socks = 9;
	CHECK_INT(machine_parse_cpuinfo(span_cstr(two), &cores, &socks), 0);
	CHECK_INT(cores, 2);
	CHECK_INT(socks, 2);
	/* arm: no such lines */
	CHECK_INT(machine_parse_cpuinfo(span_cstr("processor\t: 0\nBogoMIPS\t: 48.00\n"), &cores, &socks), 0);
	CHECK_INT(cores, 0);
	CHECK_INT(socks, 0);
	CHECK_INT(machine_parse_cpuinfo(span_cstr("core id\t: x1\n"), &cores, &socks), -EINVAL);
	CHECK_INT(machine_parse_cpuinfo(span_cstr("core id\t: 99999999999999999999999\n"), &cores, &socks), -EINVAL);
}

static void test_meminfo(void)
{
	uint64_t mem = 0, swap = 7;
	CHECK_INT(machine_parse_meminfo(span_cstr("MemTotal:       65842644 kB\nMemFree: 1 kB\n"
						  "SwapTotal:       2097148 kB\n"), &mem, &swap), 0);
	CHECK(mem == 65842644ull * 1024);
	CHECK(swap == 2097148ull * 1024);
	CHECK_INT(machine_parse_meminfo(span_cstr("MemTotal: 5 kB\n"), &mem, &swap), 0);
	CHECK(swap == 0);
	CHECK_INT(machine_parse_meminfo(span_cstr("MemFree: 5 kB\n"), &mem, &swap), -ENOENT);
	CHECK_INT(machine_parse_meminfo(span_cstr("MemTotal: 99999999999999999999 kB\n"), &mem, &swap), -ENOENT);
}

static void test_share_view(void)
{
	static const struct metric_desc shared = { "container_x_total", "x", METRIC_COUNTER };
	static const struct metric_desc own = { "node_y", "y", METRIC_GAUGE };
	static const struct metric_desc mach = { "machine_z", "z", METRIC_GAUGE };
	struct metric_sink s;
	struct buf a = { 0 }, b = { 0 };
	a.max = b.max = 1 << 20;
	sink_init(&s);
	CHECK_INT(sink_share_view(&s, &shared, VIEW_METRICS, VIEW_CADVISOR), -ENOENT);
	CHECK_INT(sink_add(&s, &shared, 1, LABELS(L("id", "/"))), 0);
	CHECK_INT(sink_add(&s, &own, 2, NULL, 0), 0);
	CHECK_INT(sink_add_view(&s, VIEW_CADVISOR, &mach, 3, NULL, 0), 0);
	CHECK_INT(sink_share_view(&s, &shared, VIEW_METRICS, VIEW_CADVISOR), 0);
	CHECK_INT(sink_share_view(&s, &shared, VIEW_METRICS, VIEW_COUNT), -EINVAL);
	CHECK_INT(sink_finish(&s), 0);
	CHECK_INT(render_sink_view(&s, VIEW_METRICS, EXPO_TEXT, &a), 0);
	CHECK_INT(render_sink_view(&s, VIEW_CADVISOR, EXPO_TEXT, &b), 0);
	CHECK(a.p && strstr(a.p, "container_x_total{id=\"/\"} 1\n") && strstr(a.p, "node_y 2\n") &&
	      !strstr(a.p, "machine_z"));
	CHECK(b.p && strstr(b.p, "container_x_total{id=\"/\"} 1\n") && strstr(b.p, "machine_z 3\n") &&
	      !strstr(b.p, "node_y"));
	/* a reset forgets the sharing */
	sink_reset(&s);
	CHECK_INT(sink_add(&s, &shared, 1, NULL, 0), 0);
	CHECK_INT(sink_finish(&s), 0);
	buf_reset(&b);
	CHECK_INT(render_sink_view(&s, VIEW_CADVISOR, EXPO_TEXT, &b), 0);
	CHECK(b.len == 0);
	buf_fini(&a);
	buf_fini(&b);
	sink_fini(&s);
}

int main(void)
{
	RUN(test_cpuinfo);
	RUN(test_meminfo);
	RUN(test_share_view);
	return T_DONE("test_machine");
}
