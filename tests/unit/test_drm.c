/*
 * test_drm: the drm collector on trees shaped as a real sysfs (class links into
 * /sys/devices) and as a flattened copy (link files), with AMD and other cards, cards
 * node_exporter does not look at, missing, truncated, huge and non-numeric attributes.
 * The shared fixture host has no class/drm, so every tree is written here.
 */
#include "collectors/drm.h"
#include "harness.h"
#include "t.h"
#include "tmptree.h"

static const char *const flags[] = { "--collector.drm", NULL };

#define DEV0 "sys/devices/pci0000:00/0000:00:03.1/0000:09:00.0"
#define C0 "{card=\"card0\"}"

/* An amdgpu card0 as a real sysfs has it: class/drm/card0 a link to the card under its
 * PCI device, whose "device" link leads back to that device's attributes. */
static void put_amd_card0(struct tmptree *t)
{
	static const char *const attrs[][2] = {
		{ "uevent", "DRIVER=amdgpu\nPCI_CLASS=30000\nPCI_ID=1002:687F\n" },
		{ "gpu_busy_percent", "4\n" },
		{ "mem_info_gtt_total", "8573157376\n" },
		{ "mem_info_gtt_used", "144560128\n" },
		{ "mem_info_vis_vram_total", "8573157376\n" },
		{ "mem_info_vis_vram_used", "1490378752\n" },
		{ "mem_info_vram_total", "8573157376\n" },
		{ "mem_info_vram_used", "1490378752\n" },
		{ "mem_info_vram_vendor", "samsung\n" },
		{ "power_dpm_force_performance_level", "manual\n" },
		{ "unique_id", "0123456789abcdef\n" },
	};
	char path[256];
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		snprintf(path, sizeof(path), DEV0 "/%s", attrs[i][0]);
		CHECK_INT(tmptree_put(t, path, attrs[i][1]), 0);
	}
	CHECK_INT(tmptree_link(t, DEV0 "/drm/card0/device", "../../../0000:09:00.0"), 0);
	CHECK_INT(tmptree_link(t, "sys/class/drm/card0",
			       "../../devices/pci0000:00/0000:00:03.1/0000:09:00.0/drm/card0"),
		  0);
}

static void check_card0(const char *text)
{
	CHECK_DBL(series_value(text, "node_drm_card_info{card=\"card0\",memory_vendor=\"samsung\","
				     "power_performance_level=\"manual\","
				     "unique_id=\"0123456789abcdef\",vendor=\"amd\"}"),
		  1);
	CHECK_DBL(series_value(text, "node_drm_gpu_busy_percent" C0), 4);
	CHECK_DBL(series_value(text, "node_drm_memory_gtt_size_bytes" C0), 8573157376.0);
	CHECK_DBL(series_value(text, "node_drm_memory_gtt_used_bytes" C0), 144560128);
	CHECK_DBL(series_value(text, "node_drm_memory_vis_vram_size_bytes" C0), 8573157376.0);
	CHECK_DBL(series_value(text, "node_drm_memory_vis_vram_used_bytes" C0), 1490378752);
	CHECK_DBL(series_value(text, "node_drm_memory_vram_size_bytes" C0), 8573157376.0);
	CHECK_DBL(series_value(text, "node_drm_memory_vram_used_bytes" C0), 1490378752);
	CHECK_DBL(collector_success(text, "drm"), 1);
}

/* card0 through real links; card1 (another driver) and the entries node_exporter does
 * not look at (card10, card0-DP-1, renderD128) leave nothing. */
static void amd_card(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	put_amd_card0(&t);
	tmptree_put(&t, "sys/class/drm/card1/device/uevent", "DRIVER=i915\n");
	tmptree_put(&t, "sys/class/drm/card1/device/gpu_busy_percent", "5\n");
	tmptree_put(&t, "sys/class/drm/card10/device/uevent", "DRIVER=amdgpu\n");
	tmptree_put(&t, "sys/class/drm/renderD128/device/uevent", "DRIVER=amdgpu\n");
	tmptree_put(&t, "sys/class/drm/card0-DP-1/device/uevent", "DRIVER=amdgpu\n");
	tmptree_put(&t, "sys/class/drm/version", "drm 1.1.0 20060810\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	check_card0(out.p);
	CHECK(!has_line(out.p, "node_drm_card_info{card=\"card1\""));
	CHECK(!has_line(out.p, "node_drm_gpu_busy_percent{card=\"card1"));
	CHECK(!has_line(out.p, "node_drm_gpu_busy_percent{card=\"r"));
	buf_fini(&out);
	tmptree_rm(&t);
}

/* A flattened copy: the class entry and the device link are files holding the target. */
static void link_files(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	tmptree_put(&t, "sys/devices/pci0000:00/0000:00:02.0/0000:03:00.0/uevent",
		    "PCI_CLASS=30000\nDRIVER=amdgpu\n");
	tmptree_put(&t, "sys/devices/pci0000:00/0000:00:02.0/0000:03:00.0/mem_info_vram_total",
		    "0x10\n");
	tmptree_put(&t, "sys/devices/pci0000:00/0000:00:02.0/0000:03:00.0/mem_info_vram_used",
		    "010");
	tmptree_put(&t, "sys/devices/pci0000:00/0000:00:02.0/0000:03:00.0/drm/card3/device",
		    "../../../0000:03:00.0\n");
	tmptree_put(&t, "sys/class/drm/card3",
		    "../../devices/pci0000:00/0000:00:02.0/0000:03:00.0/drm/card3\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	/* every attribute it lacks reads 0 or "" */
	CHECK_DBL(series_value(out.p, "node_drm_card_info{card=\"card3\",memory_vendor=\"\","
				      "power_performance_level=\"\",unique_id=\"\",vendor=\"amd\"}"),
		  1);
	CHECK_DBL(series_value(out.p, "node_drm_memory_vram_size_bytes{card=\"card3\"}"), 16);
	CHECK_DBL(series_value(out.p, "node_drm_memory_vram_used_bytes{card=\"card3\"}"), 8);
	CHECK_DBL(series_value(out.p, "node_drm_gpu_busy_percent{card=\"card3\"}"), 0);
	CHECK_DBL(collector_success(out.p, "drm"), 1);
	buf_fini(&out);
	tmptree_rm(&t);
}

/* No /sys/class/drm: no GPU, nothing to report, success (node_exporter's answer too). */
static void missing_class(void)
{
	struct buf out = { 0 };
	CHECK_INT(tmptree_run_empty("drm", &out), 0);
	CHECK_DBL(collector_success(out.p, "drm"), 1);
	CHECK(!has_line(out.p, "node_drm_"));
	buf_fini(&out);
}

/* Hostile attributes: a count that is not a number, empty (cut short) or past 2^64
 * fails the collection with nothing half-reported; the next good scrape recovers. Text
 * past 128 bytes is cut there, bytes that are not UTF-8 become U+FFFD, a uevent whose
 * DRIVER line lies past the 128 bytes read is no amdgpu card, and a card whose device
 * has no uevent fails the collection. */
static void hostile(void)
{
	static const char *const bad[] = { "busy\n", "", "18446744073709551616\n", "-1\n", "4 5\n" };
	struct tmptree t;
	struct buf out = { 0 };
	char big[300];
	CHECK_INT(tmptree_make(&t), 0);
	put_amd_card0(&t);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tmptree_put(&t, DEV0 "/gpu_busy_percent", bad[i]);
		CHECK_INT(tmptree_run(&t, flags, &out), 0);
		CHECK_DBL(collector_success(out.p, "drm"), 0);
		CHECK(!has_line(out.p, "node_drm_"));
	}
	tmptree_put(&t, DEV0 "/gpu_busy_percent", "18446744073709551615\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_drm_gpu_busy_percent" C0), 18446744073709551615.0);

	memset(big, 'v', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	tmptree_put(&t, DEV0 "/unique_id", big);
	tmptree_put(&t, DEV0 "/mem_info_vram_vendor", "\xff\xfe hynix");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "drm"), 1);
	big[128] = '\0';
	char want[512];
	snprintf(want, sizeof(want),
		 "node_drm_card_info{card=\"card0\",memory_vendor=\"\xef\xbf\xbd hynix\","
		 "power_performance_level=\"manual\",unique_id=\"%s\",vendor=\"amd\"}",
		 big);
	CHECK_DBL(series_value(out.p, want), 1);

	memset(big, 'x', sizeof(big));
	memcpy(big + sizeof(big) - 15, "\nDRIVER=amdgpu", 15);
	tmptree_put(&t, DEV0 "/uevent", big);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "drm"), 1);
	CHECK(!has_line(out.p, "node_drm_"));

	tmptree_del(&t, DEV0 "/uevent");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "drm"), 0);
	CHECK(!has_line(out.p, "node_drm_"));
	buf_fini(&out);
	tmptree_rm(&t);
}

static void names(void)
{
	static const struct {
		const char *name;
		bool card;
	} cases[] = {
		{ "card0", true },  { "card9", true },	      { "card10", false }, { "card", false },
		{ "cardx", false }, { "card0-DP-1", false }, { "Card0", false }, { "xcard0", false },
		{ "renderD128", false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(drm_card_name(cases[i].name) == cases[i].card);
	CHECK(drm_is_amdgpu(SPAN_LIT("DRIVER=amdgpu")));
	CHECK(drm_is_amdgpu(SPAN_LIT("A=1\nDRIVER=amdgpu\nB=2")));
	CHECK(drm_is_amdgpu(SPAN_LIT("DRIVER=amdgpuX"))); /* a substring, as node_exporter's */
	CHECK(!drm_is_amdgpu(SPAN_LIT("DRIVER=radeon")));
	CHECK(!drm_is_amdgpu(SPAN_LIT("DRIVER=amdgp")));
	CHECK(!drm_is_amdgpu(SPAN_LIT("")));
}

static void record_emit(void)
{
	struct drm_card c;
	struct metric_sink s;
	double v;
	drm_card_reset(&c);
	CHECK_INT(drm_card_record(&c, "gpu_busy_percent", SPAN_LIT("0b11")), 0);
	CHECK_INT(drm_card_record(&c, "mem_info_gtt_total", SPAN_LIT("1_000")), 0);
	CHECK_INT(drm_card_record(&c, "mem_info_gtt_used", SPAN_LIT("+1")), -EINVAL);
	CHECK_INT(drm_card_record(&c, "mem_info_vram_used", SPAN_LIT("0x1_0000000000000000")),
		  -ERANGE);
	CHECK_INT(drm_card_record(&c, "something_else", SPAN_LIT("not a number")), 0);
	CHECK_INT(drm_card_record(&c, "unique_id", SPAN_LIT("abc")), 0);
	sink_init(&s);
	CHECK_INT(drm_card_emit(&c, "card7", &s), 0);
	CHECK_INT(s.nseries, 8);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_drm_gpu_busy_percent", "card", "card7", &v) == 0 &&
	      v == 3);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_drm_memory_gtt_size_bytes", "card", "card7", &v) == 0 &&
	      v == 1000);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_drm_memory_gtt_used_bytes", "card", "card7", &v) == 0 &&
	      v == 0);
	CHECK(sink_lookup(&s, VIEW_METRICS, "node_drm_card_info", "unique_id", "abc", &v) == 0 && v == 1);
	sink_fini(&s);
}

int main(void)
{
	RUN(amd_card);
	RUN(link_files);
	RUN(missing_class);
	RUN(hostile);
	RUN(names);
	RUN(record_emit);
	return T_DONE("test_drm");
}
