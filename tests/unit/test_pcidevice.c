/*
 * test_pcidevice: the pcidevice collector on the shared fixture (with and without
 * pci.ids names), through real symlinks, and on devices with missing, garbled and
 * odd attributes; the location and pci.ids parsers on their own.
 */
#include "collectors/pcidevice.h"
#include "alloc_probe.h"
#include "harness.h"
#include "lib/pciids.h"
#include "t.h"
#include "tmptree.h"

static const char *const flags[] = { "--collector.pcidevice", NULL };

#define DEV01 "{bus=\"01\",device=\"00\",function=\"0\",segment=\"0000\"}"
#define DEV45 "{bus=\"45\",device=\"00\",function=\"0\",segment=\"0000\"}"

static void shared_fixture(void)
{
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p,
			       "node_pcidevice_info{bus=\"01\",class_id=\"0x010802\",device=\"00\","
			       "device_id=\"0x540a\",function=\"0\",parent_bus=\"00\",parent_device=\"02\","
			       "parent_function=\"1\",parent_segment=\"0000\",revision=\"0x01\","
			       "segment=\"0000\",subsystem_device_id=\"0x5021\","
			       "subsystem_vendor_id=\"0xc0a9\",vendor_id=\"0xc0a9\"}"),
		  1);
	CHECK_DBL(series_value(out.p,
			       "node_pcidevice_info{bus=\"00\",class_id=\"0x060400\",device=\"02\","
			       "device_id=\"0x1634\",function=\"1\",parent_bus=\"*\",parent_device=\"*\","
			       "parent_function=\"*\",parent_segment=\"*\",revision=\"0x00\","
			       "segment=\"0000\",subsystem_device_id=\"0x5095\","
			       "subsystem_vendor_id=\"0x17aa\",vendor_id=\"0x1022\"}"),
		  1);
	CHECK_DBL(series_value(out.p, "node_pcidevice_max_link_transfers_per_second" DEV01), 1.6e10);
	CHECK_DBL(series_value(out.p, "node_pcidevice_current_link_transfers_per_second" DEV45), 5e9);
	CHECK_DBL(series_value(out.p, "node_pcidevice_max_link_width" DEV01), 4);
	CHECK_DBL(series_value(out.p, "node_pcidevice_sriov_numvfs" DEV01), 4);
	CHECK_DBL(series_value(out.p, "node_pcidevice_sriov_totalvfs" DEV45), 7);
	CHECK_DBL(series_value(out.p, "node_pcidevice_sriov_vf_total_msix" DEV01), 16);
	CHECK_DBL(series_value(out.p, "node_pcidevice_numa_node" DEV45), 0);
	CHECK(!has_line(out.p, "node_pcidevice_numa_node" DEV01));
	CHECK_DBL(series_value(out.p, "node_pcidevice_power_state{bus=\"45\",device=\"00\","
				      "function=\"0\",segment=\"0000\",state=\"D0\"}"),
		  1);
	CHECK_DBL(series_value(out.p, "node_pcidevice_power_state{bus=\"45\",device=\"00\","
				      "function=\"0\",segment=\"0000\",state=\"D3cold\"}"),
		  0);
	CHECK_DBL(collector_success(out.p, "pcidevice"), 1);
	buf_fini(&out);
}

/* --collector.pcidevice.names with the fixture's pci.ids: the most specific class name,
 * vendor, device and subsystem names. */
static void names(void)
{
	char ids[PATH_MAX + 64];
	struct buf out = { 0 };
	snprintf(ids, sizeof(ids), "--collector.pcidevice.idsfile=%.4000s/pci.ids", fixture_root());
	const char *f[] = { "--collector.pcidevice", "--collector.pcidevice.names", ids, NULL };
	CHECK_INT(harness_run_fixture(f, &out), 0);
	CHECK_DBL(series_value(out.p,
			       "node_pcidevice_info{bus=\"01\",class_id=\"0x010802\","
			       "class_name=\"NVM Express\",device=\"00\",device_id=\"0x540a\","
			       "device_name=\"P2 [Nick P2] / P3 / P3 Plus NVMe PCIe SSD (DRAM-less)\","
			       "function=\"0\",parent_bus=\"00\",parent_device=\"02\","
			       "parent_function=\"1\",parent_segment=\"0000\",revision=\"0x01\","
			       "segment=\"0000\",subsystem_device_id=\"0x5021\","
			       "subsystem_device_name=\"PS5021-E21 PCIe4 NVMe Controller (DRAM-less)\","
			       "subsystem_vendor_id=\"0xc0a9\","
			       "subsystem_vendor_name=\"Micron/Crucial Technology\","
			       "vendor_id=\"0xc0a9\",vendor_name=\"Micron/Crucial Technology\"}"),
		  1);
	CHECK(has_line(out.p, "node_pcidevice_info{bus=\"00\",class_id=\"0x060400\","
			      "class_name=\"PCI bridge\","));
	CHECK(has_line(out.p, "node_pcidevice_info{bus=\"45\",class_id=\"0x020000\","
			      "class_name=\"Ethernet controller\","));
	/* a database that cannot be read leaves the ids as names */
	const char *g[] = { "--collector.pcidevice", "--collector.pcidevice.names",
			    "--collector.pcidevice.idsfile=/nonexistent/pci.ids", NULL };
	CHECK_INT(harness_run_fixture(g, &out), 0);
	CHECK(has_line(out.p, "node_pcidevice_info{bus=\"01\",class_id=\"0x010802\","
			      "class_name=\"Unknown class (010802)\",device=\"00\","
			      "device_id=\"0x540a\",device_name=\"540a\","));
	CHECK_DBL(collector_success(out.p, "pcidevice"), 1);
	buf_fini(&out);
}

static void missing(void)
{
	struct buf out = { 0 };
	CHECK_INT(tmptree_run_empty("pcidevice", &out), 0);
	CHECK_DBL(collector_success(out.p, "pcidevice"), 0);
	CHECK(!has_line(out.p, "node_pcidevice_"));
	buf_fini(&out);
}

/* A device 0000:02:00.3 below bridge 0000:00:1c.0, linked as on a real host. */
static void put_device(struct tmptree *t)
{
	static const char *const ids[] = { "class", "0x030000\n", "vendor", "0x10de\n",
					   "device", "0x1e84\n", "subsystem_vendor", "0x1043\n",
					   "subsystem_device", "0x8707\n", "revision", "0xa1\n" };
	char path[256];
	for (size_t i = 0; i < 12; i += 2) {
		snprintf(path, sizeof(path), "sys/devices/pci0000:00/0000:00:1c.0/0000:02:00.3/%s",
			 ids[i]);
		tmptree_put(t, path, ids[i + 1]);
	}
	tmptree_link(t, "sys/bus/pci/devices/0000:02:00.3",
		     "../../../devices/pci0000:00/0000:00:1c.0/0000:02:00.3");
}

#define DEV "{bus=\"02\",device=\"00\",function=\"3\",segment=\"0000\"}"
#define ATTR(name) "sys/devices/pci0000:00/0000:00:1c.0/0000:02:00.3/" name

static void odd_devices(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	CHECK_INT(tmptree_make(&t), 0);
	put_device(&t);
	tmptree_put(&t, ATTR("max_link_speed"), "Unknown\n");
	tmptree_put(&t, ATTR("current_link_width"), "\n");
	tmptree_put(&t, ATTR("power_state"), "D3hot\n");
	tmptree_put(&t, ATTR("numa_node"), "-1\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	/* optional attributes absent or unknown: -1 for links, 0 for the rest */
	CHECK(has_line(out.p, "node_pcidevice_info{bus=\"02\",class_id=\"0x030000\",device=\"00\","
			      "device_id=\"0x1e84\",function=\"3\",parent_bus=\"00\","
			      "parent_device=\"1c\",parent_function=\"0\",parent_segment=\"0000\","
			      "revision=\"0xa1\""));
	CHECK_DBL(series_value(out.p, "node_pcidevice_max_link_transfers_per_second" DEV), -1);
	CHECK_DBL(series_value(out.p, "node_pcidevice_current_link_width" DEV), -1);
	CHECK_DBL(series_value(out.p, "node_pcidevice_d3cold_allowed" DEV), 0);
	CHECK_DBL(series_value(out.p, "node_pcidevice_power_state{bus=\"02\",device=\"00\","
				      "function=\"3\",segment=\"0000\",state=\"D3hot\"}"),
		  1);
	CHECK(!has_line(out.p, "node_pcidevice_numa_node"));
	CHECK_DBL(collector_success(out.p, "pcidevice"), 1);

	/* a speed in another unit and a garbled count fail the collection */
	tmptree_put(&t, ATTR("max_link_speed"), "2.5 GT/s\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "pcidevice"), 0);
	CHECK(!has_line(out.p, "node_pcidevice_"));
	tmptree_put(&t, ATTR("max_link_speed"), "2.5 GT/s PCIe\n");
	tmptree_put(&t, ATTR("sriov_numvfs"), "-3\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "pcidevice"), 0);
	tmptree_del(&t, ATTR("sriov_numvfs"));
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_pcidevice_max_link_transfers_per_second" DEV), 2.5e9);

	/* a required id missing, or one cut to nothing */
	tmptree_del(&t, ATTR("revision"));
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "pcidevice"), 0);
	tmptree_put(&t, ATTR("revision"), "");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "pcidevice"), 0);
	tmptree_put(&t, ATTR("revision"), "0xa1");

	/* an entry that is no link at all */
	tmptree_put(&t, "sys/bus/pci/devices/stray", "not a link\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "pcidevice"), 0);
	buf_fini(&out);
	tmptree_rm(&t);
}

static void locations(void)
{
	struct pci_loc l, p;
	bool hp;
	CHECK_INT(pcidevice_location(SPAN_LIT("0000:45:1f.7"), &l), 0);
	CHECK(l.seg == 0 && l.bus == 0x45 && l.dev == 0x1f && l.fn == 7);
	CHECK_INT(pcidevice_location(SPAN_LIT("10000:00:00.0"), &l), 0);
	CHECK(l.seg == 0x10000);
	static const char *const bad[] = { "",	     "0000:00:00",   "0000:00:00.0.1", "0000:00.00:0",
					   "0:0:0:0.0", "0000:00:0g.0", "0000:00:00.",	   ":00:00.0",
					   "+000:00:00.0", "0000:80000000:00.0" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(pcidevice_location(span_cstr(bad[i]), &l), -EINVAL);
	CHECK_INT(pcidevice_link(SPAN_LIT("../../../devices/pci0000:00/0000:00:02.1/0000:01:00.0"), &l,
				 &p, &hp),
		  0);
	CHECK(hp && p.dev == 2 && p.fn == 1 && l.bus == 1);
	CHECK_INT(pcidevice_link(SPAN_LIT("../../../devices/pci0000:00/0000:00:02.1/"), &l, &p, &hp), 0);
	CHECK(!hp && l.dev == 2);
	CHECK_INT(pcidevice_link(SPAN_LIT("0000:00:02.1"), &l, &p, &hp), -EINVAL);
	CHECK_INT(pcidevice_link(SPAN_LIT("x/y/0000:00:02.1"), &l, &p, &hp), -EINVAL);
}

static void record(void)
{
	struct pci_dev d;
	struct pci_loc l = { 0 };
	pcidevice_reset(&d, &l, NULL, false);
	CHECK_INT(pcidevice_record(&d, "class", SPAN_LIT("0x7fffffff")), 0);
	CHECK_INT(pcidevice_record(&d, "class", SPAN_LIT("0x80000000")), -EINVAL);
	CHECK_INT(pcidevice_record(&d, "vendor", SPAN_LIT("010")), 0);
	CHECK(d.id[1] == 8); /* a leading 0 is octal, as Go's ParseInt(s, 0, 32) reads it */
	CHECK_INT(pcidevice_record(&d, "max_link_speed", SPAN_LIT("8.0  GT/s PCIe")), -EINVAL);
	CHECK_INT(pcidevice_record(&d, "max_link_speed", SPAN_LIT("Unknown speed")), 0);
	CHECK_INT(pcidevice_record(&d, "numa_node", SPAN_LIT("4294967296")), -EINVAL);
	CHECK_INT(pcidevice_record(&d, "sriov_vf_device", SPAN_LIT("10ed")), 0);
	CHECK_INT(pcidevice_record(&d, "sriov_vf_device", SPAN_LIT("0x10ed")), -EINVAL);
	CHECK_INT(pcidevice_record(&d, "d3cold_allowed", SPAN_LIT("2")), 0);
	CHECK(d.d3cold == 1);
	CHECK_INT(pcidevice_record(&d, "power_state", SPAN_LIT("D3cold-and-then-some")), 0);
	CHECK(d.power_len == sizeof(d.power));
	CHECK_INT(pcidevice_record(&d, "unknown_file", SPAN_LIT("garbage")), 0);
	struct metric_sink s;
	sink_init(&s);
	CHECK_INT(pcidevice_emit(&d, NULL, &s), -EINVAL); /* four ids never read */
	sink_fini(&s);
}

static void ids_database(void)
{
	static const char text[] = "# comment\n"
				   "abcd  First name\r\n"
				   "\t0001  Dev one\n"
				   "\t\tffff 0002  Sub two\n"
				   "\t\tffff  no device pair\n"
				   "abcd  Second name wins\n"
				   "no double space here\n"
				   "\t0002  Dev two, still under abcd\n"
				   "C 0c  Serial bus\n"
				   "\t03  USB\n"
				   "\t\t30  XHCI\n"
				   "\t\t\t77  ignored\n";
	struct pciids db = { 0 };
	struct span n;
	CHECK_INT(pciids_parse(&db, text, sizeof(text) - 1), 0);
	CHECK(pciids_lookup(&db, PCIIDS_VENDOR, SPAN_LIT("abcd"), &n) &&
	      span_eq(n, "Second name wins"));
	CHECK(pciids_lookup(&db, PCIIDS_DEVICE, SPAN_LIT("abcd\n0002"), &n) &&
	      span_eq(n, "Dev two, still under abcd"));
	CHECK(pciids_lookup(&db, PCIIDS_SUBSYS, SPAN_LIT("abcd:0001\nffff:0002"), &n) &&
	      span_eq(n, "Sub two"));
	CHECK(pciids_lookup(&db, PCIIDS_PROGIF, SPAN_LIT("0c0330"), &n) && span_eq(n, "XHCI"));
	CHECK(pciids_lookup(&db, PCIIDS_SUBCLASS, SPAN_LIT("0c03"), &n) && span_eq(n, "USB"));
	CHECK(!pciids_lookup(&db, PCIIDS_VENDOR, SPAN_LIT("abc"), &n));
	CHECK(!pciids_lookup(&db, PCIIDS_VENDOR, SPAN_LIT("abcde"), &n));
	CHECK(!pciids_lookup(&db, PCIIDS_CLASS, SPAN_LIT("abcd"), &n));
	pciids_fini(&db);
	CHECK(!pciids_lookup(&db, PCIIDS_VENDOR, SPAN_LIT("abcd"), &n));
}

/* A warm scrape of the fixture's devices, and of this host's, allocates nothing. */
static void steady_state_allocates_nothing(void)
{
	const char *f[16];
	if (!alloc_probe_ready())
		return;
	CHECK(alloc_probe_works());
	fixture_flags(flags, f, 16);
	CHECK_INT(alloc_probe_scrape(f, 2), 0);
	const char *live[] = { "--collector.disable-defaults", "--collector.pcidevice", NULL };
	CHECK_INT(alloc_probe_scrape(live, 2), 0);
}

int main(void)
{
	RUN(shared_fixture);
	RUN(names);
	RUN(missing);
	RUN(odd_devices);
	RUN(locations);
	RUN(record);
	RUN(ids_database);
	RUN(steady_state_allocates_nothing);
	return T_DONE("test_pcidevice");
}
