/*
 * test_interrupts: the interrupts collector against the fixture host (its x86 and
 * arm64 files), its flags, and missing, truncated and hostile /proc/interrupts files.
 */
#include "collectors/interrupts.h"
#include "alloc_probe.h"
#include "harness.h"
#include "tmptree.h"
#include "t.h"

#define IRQ(cpu, dev, info, type)                                                          \
	"node_interrupts_total{cpu=\"" cpu "\",devices=\"" dev "\",info=\"" info "\",type=\"" \
	type "\"}"

static const char *const flags_on[] = { "--collector.interrupts", "--collector.loadavg", NULL };

static void fixture_values(void)
{
	const char *flags[] = { "--collector.interrupts", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, IRQ("0", "timer", "IR-IO-APIC-edge", "0")), 18);
	CHECK_DBL(series_value(out.p, IRQ("1", "ehci_hcd:usb1, mmc0", "IR-IO-APIC-fasteoi", "16")),
		  322879);
	CHECK_DBL(series_value(out.p, IRQ("0", "iwlwifi", "IR-PCI-MSI-edge", "46")), 43078464);
	CHECK_DBL(series_value(out.p, IRQ("3", "", "Machine check polls", "MCP")), 2399);
	CHECK_DBL(series_value(out.p, IRQ("2", "", "Local timer interrupts", "LOC")), 168393257);
	CHECK_DBL(series_value(out.p, IRQ("0", "dmar0", "DMAR_MSI-edge", "40")), 0);
	CHECK(!has_line(out.p, "node_interrupts_total{cpu=\"0\",devices=\"\",info=\"\",type=\"ERR\"}"));
	CHECK(!has_line(out.p, "node_interrupts_total{cpu=\"4\""));
	CHECK(has_line(out.p, "# TYPE node_interrupts_total counter"));
	CHECK_DBL(collector_success(out.p, "interrupts"), 1);
	buf_fini(&out);
}

/* Copy the fixture's file rel into t at dst. Returns 0 or -1. */
static int copy_fixture(struct tmptree *t, const char *rel, const char *dst)
{
	static char data[1 << 16];
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", fixture_root(), rel);
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t n = fread(data, 1, sizeof(data), f);
	fclose(f);
	return tmptree_write(t, dst, data, n);
}

/* On arm64 a count may follow the name's ':' with no space. */
static void arm64_file(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	CHECK_INT(copy_fixture(&t, "proc/interrupts_aarch64", "proc/interrupts"), 0);
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "interrupts"), 1);
	CHECK_DBL(series_value(out.p, IRQ("0", "", "Rescheduling interrupts", "IPI0")), 2768808080);
	CHECK_DBL(series_value(out.p, IRQ("7", "", "Function call interrupts", "IPI1")), 120728639);
	CHECK_DBL(series_value(out.p, IRQ("1", "27 Level arch_timer", "GICv3", "10")), 3310445093);
	tmptree_rm(&t);
	buf_fini(&out);
}

/* The filter flags match "name;info;devices"; include-zeros=false drops zero counts. */
static void flags(void)
{
	struct buf out = { 0 };
	const char *zeros[] = { "--collector.interrupts", "--no-collector.interrupts.include-zeros",
				NULL };
	CHECK_INT(harness_run_fixture(zeros, &out), 0);
	CHECK(isnan(series_value(out.p, IRQ("0", "dmar0", "DMAR_MSI-edge", "40"))));
	CHECK(isnan(series_value(out.p, IRQ("1", "timer", "IR-IO-APIC-edge", "0"))));
	CHECK_DBL(series_value(out.p, IRQ("0", "timer", "IR-IO-APIC-edge", "0")), 18);
	const char *inc[] = { "--collector.interrupts",
			      "--collector.interrupts.name-include=^1[0-9];.*(i8042|mmc)", NULL };
	CHECK_INT(harness_run_fixture(inc, &out), 0);
	CHECK_DBL(series_value(out.p, IRQ("0", "i8042", "IR-IO-APIC-edge", "12")), 380847);
	CHECK(isnan(series_value(out.p, IRQ("0", "i8042", "IR-IO-APIC-edge", "1"))));
	CHECK_DBL(series_value(out.p, IRQ("0", "ehci_hcd:usb1, mmc0", "IR-IO-APIC-fasteoi", "16")),
		  328511);
	CHECK(!has_line(out.p, "node_interrupts_total{cpu=\"0\",devices=\"\""));
	const char *exc[] = { "--collector.interrupts",
			      "--collector.interrupts.name-exclude=;Local timer interrupts;", NULL };
	CHECK_INT(harness_run_fixture(exc, &out), 0);
	CHECK(isnan(series_value(out.p, IRQ("0", "", "Local timer interrupts", "LOC"))));
	CHECK_DBL(series_value(out.p, IRQ("0", "", "TLB shootdowns", "TLB")), 10460334);
	/* both at once apply both, as in node_exporter */
	const char *both[] = { "--collector.interrupts", "--collector.interrupts.name-include=^N",
			       "--collector.interrupts.name-exclude=x", NULL };
	CHECK_INT(harness_run_fixture(both, &out), 0);
	CHECK_DBL(series_value(out.p, IRQ("1", "", "Non-maskable interrupts", "NMI")), 5031);
	CHECK(!has_line(out.p, "node_interrupts_total{cpu=\"0\",devices=\"i8042\""));
	const char *bad[] = { "--collector.interrupts", "--collector.interrupts.name-include=(",
			      NULL };
	CHECK_INT(harness_run_fixture(bad, &out), -EINVAL);
	buf_fini(&out);
}

/* No file: success 0 and no series, the other collectors unharmed. */
static void missing_file(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/loadavg", "0.5 0.25 0.125 1/2 3\n");
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "interrupts"), 0);
	CHECK(!has_line(out.p, "node_interrupts_"));
	CHECK_DBL(series_value(out.p, "node_load1"), 0.5);
	tmptree_rm(&t);
	buf_fini(&out);
}

/* An empty file or a bad count fails only this collector, with no half results; a
 * file cut short skips a last line without all its columns. */
static void truncated_and_garbage_files(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "proc/loadavg", "0.5 0.25 0.125 1/2 3\n");
	tmptree_put(&t, "proc/interrupts", "");
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "interrupts"), 0);
	CHECK_DBL(series_value(out.p, "node_load1"), 0.5);
	tmptree_put(&t, "proc/interrupts", "   CPU0  CPU1\n  0:  1  2  edge  timer\n  1:  3");
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "interrupts"), 1);
	CHECK_DBL(series_value(out.p, IRQ("1", "timer", "edge", "0")), 2);
	CHECK(!has_line(out.p, "node_interrupts_total{cpu=\"0\",devices=\"\",info=\"\",type=\"1\""));
	tmptree_write(&t, "proc/interrupts", "CPU0\n0: 1 a\n1: \x7f" "ELF\0 x\n", 23);
	CHECK_INT(tmptree_run(&t, flags_on, &out), 0);
	CHECK_DBL(collector_success(out.p, "interrupts"), 0);
	CHECK(!has_line(out.p, "node_interrupts_"));
	tmptree_rm(&t);
	buf_fini(&out);
}

/* Parse text with opts and render it; returns the first error. */
static int parse_render(const char *text, const struct interrupts_opts *o,
			struct interrupts_scratch *ws, struct metric_sink *s, struct buf *out)
{
	sink_reset(s);
	buf_reset(out);
	int r = interrupts_parse(text, strlen(text), o, ws, s);
	if (r == 0)
		r = sink_finish(s);
	return r == 0 ? render_sink(s, EXPO_TEXT, out) : r;
}

static void hostile_input(void)
{
	static const struct {
		const char *text;
		int ok;
		unsigned series;
	} cases[] = {
		{ "", 0, 0 },
		{ "\n", 1, 0 },
		{ "CPU0\n", 1, 0 },
		{ "CPU0\n 0: 5 x\n", 1, 1 },
		{ "CPU0\n 0: 5\n", 1, 0 },             /* no word after the counts: skipped */
		{ "CPU0 CPU1\n 0: 5 x\n", 1, 0 },     /* too few words: skipped */
		{ "CPU0\n0 5 x\n", 1, 0 },            /* no ':' */
		{ "CPU0\n0: abc x\n", 0, 0 },
		{ "CPU0\nX: 1e400 y\n", 0, 0 },       /* out of range */
		{ "CPU0\nX: NaN y\n", 1, 1 },
		{ "CPU0\nX: 0x1p4 y\n", 1, 1 },
		{ "CPU0\nX: 1_0 y\n", 0, 0 },
		{ "CPU0\nA: bad x\nA: 2 y\n", 1, 1 },  /* the replaced line is never read */
		{ "CPU0\nA: 1 x\nB: 2 y\nA: 3 z\n", 1, 2 },
		{ ":::\n: 1 2 3 4\n", 1, 1 },
	};
	struct interrupts_opts o = { NULL, true };
	struct interrupts_scratch ws = { 0 };
	struct metric_sink s;
	struct buf out = { 0 };
	sink_init(&s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = parse_render(cases[i].text, &o, &ws, &s, &out);
		if ((r == 0) != cases[i].ok)
			fprintf(stderr, "case %zu: r=%d\n", i, r);
		CHECK_RESULT(r, cases[i].ok);
		if (r == 0)
			CHECK_INT(s.nseries, cases[i].series);
	}
	interrupts_scratch_fini(&ws);
	interrupts_scratch_fini(&ws); /* twice is fine */
	buf_fini(&out);
	sink_fini(&s);
}

/* Labels: numbered IRQs split info from devices, named ones do not; words are joined by
 * one space; the name loses leading spaces only; the last of a repeated name wins. */
static void labels(void)
{
	struct interrupts_opts o = { NULL, true };
	struct interrupts_scratch ws = { 0 };
	struct metric_sink s;
	struct buf out = { 0 };
	sink_init(&s);
	CHECK_INT(parse_render("CPU0 CPU1\n  +5:  1  2  edge  a,\t b  c\n 5 : 3 4 e f\n"
			       "\tNMI: 5 6 Non  maskable\n99999999999999999999: 7 8 g h\n"
			       "A: 1 1 x\nB: 9 9 y\nA: 2 2 z w\n",
			       &o, &ws, &s, &out), 0);
	CHECK_DBL(series_value(out.p, IRQ("1", "a, b c", "edge", "+5")), 2);
	CHECK_DBL(series_value(out.p, IRQ("0", "", "e f", "5 ")), 3);
	CHECK_DBL(series_value(out.p, IRQ("1", "", "Non maskable", "\tNMI")), 6);
	CHECK_DBL(series_value(out.p, IRQ("0", "", "g h", "99999999999999999999")), 7);
	CHECK_DBL(series_value(out.p, IRQ("1", "", "z w", "A")), 2);
	CHECK(isnan(series_value(out.p, IRQ("0", "", "x", "A"))));
	CHECK_DBL(series_value(out.p, IRQ("0", "", "y", "B")), 9);
	/* a filtered interrupt's counts are not read, so a bad one does not fail */
	struct filter f;
	CHECK_INT(filter_init(&f, NULL, "^0;"), 0);
	o.filter = &f;
	CHECK_INT(parse_render("CPU0\n0: abc x\n1: 4 y\n", &o, &ws, &s, &out), 0);
	CHECK_DBL(series_value(out.p, IRQ("0", "", "y", "1")), 4);
	CHECK_INT(s.nseries, 1);
	filter_fini(&f);
	o.filter = NULL;
	o.include_zeros = false;
	CHECK_INT(parse_render("CPU0 CPU1 CPU2\nX: 0 -0 0.0 y\nY: 0 1 0e5 z\n", &o, &ws, &s, &out),
		  0);
	CHECK_INT(s.nseries, 1);
	CHECK_DBL(series_value(out.p, IRQ("1", "", "z", "Y")), 1);
	interrupts_scratch_fini(&ws);
	buf_fini(&out);
	sink_fini(&s);
}

/* A warm scrape allocates nothing, on the fixture, live and without the file. */
static void steady_state_allocates_nothing(void)
{
	if (!alloc_probe_ready())
		return;
	CHECK(alloc_probe_works());
	const char *fl[] = { "--collector.interrupts", NULL };
	CHECK_INT(alloc_probe_fixture(fl), 0);
	const char *live[] = { "--collector.disable-defaults", "--collector.interrupts", NULL };
	CHECK_INT(alloc_probe_scrape(live, 2), 0);
	const char *none[] = { "--path.procfs=/nonexistent", "--collector.disable-defaults",
			       "--collector.interrupts", NULL };
	CHECK_INT(alloc_probe_scrape(none, 2), 0);
}

int main(void)
{
	RUN(fixture_values);
	RUN(arm64_file);
	RUN(flags);
	RUN(missing_file);
	RUN(truncated_and_garbage_files);
	RUN(hostile_input);
	RUN(labels);
	RUN(steady_state_allocates_nothing);
	return T_DONE("test_interrupts");
}
