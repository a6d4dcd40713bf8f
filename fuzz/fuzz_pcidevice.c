/* fuzz_pcidevice: a PCI device as "name\0value\n" records: the record named "link" is a
 * /sys/bus/pci/devices link target, the others attribute files; a record named "ids"
 * takes the rest of the input as a pci.ids database, which names the device. Checks: a parsed location
 * prints back to a location that parses to the same numbers; a refused attribute
 * changes nothing; with all six ids read, emit gives the info series, nine per-device
 * series, seven power states or none, and the NUMA node only when known. */
#include <errno.h>
#include <stdio.h>

#include "collectors/pcidevice.h"
#include "fuzz_common.h"
#include "fuzz_pairs.h"

/* Abort unless l prints to a location that parses back to l. */
static void check_roundtrip(const struct pci_loc *l)
{
	char text[64];
	struct pci_loc back;
	int n = snprintf(text, sizeof(text), "%x:%x:%x.%x", l->seg, l->bus, l->dev, l->fn);
	if (n < 0 || pcidevice_location((struct span){ text, (size_t)n }, &back) != 0 ||
	    memcmp(&back, l, sizeof(back)) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pci_dev d, before;
	static struct pciids db;
	struct metric_sink *s = fuzz_sink();
	const char *p = (const char *)data, *end = p + size;
	struct pci_loc loc = { 0 }, parent = { 0 };
	bool has_parent = false;
	char name[64];
	struct span val;
	pciids_fini(&db);
	pcidevice_reset(&d, &loc, &parent, false);
	while (fuzz_pair(&p, end, name, sizeof(name), &val)) {
		if (strcmp(name, "link") == 0) {
			if (pcidevice_link(val, &loc, &parent, &has_parent) == 0) {
				check_roundtrip(&loc);
				if (has_parent)
					check_roundtrip(&parent);
				pcidevice_reset(&d, &loc, &parent, has_parent);
			}
			continue;
		}
		if (strcmp(name, "ids") == 0) {
			pciids_fini(&db);
			val.len = (size_t)(end - val.p);
			p = end;
			if (pciids_parse(&db, val.p, val.len) == -ENOMEM)
				abort();
			continue;
		}
		before = d;
		if (pcidevice_record(&d, name, val) < 0 && memcmp(&before, &d, sizeof(d)) != 0)
			abort();
		if (d.power_len > sizeof(d.power))
			abort();
	}
	int r = pcidevice_emit(&d, db.n ? &db : NULL, s);
	bool all = d.have_ids == (1u << PCIDEVICE_NIDS) - 1;
	if (all != (r == 0))
		abort();
	if (r == 0) {
		uint32_t want = 1 + 9 + (d.power_len ? 7 : 0) + (d.has_numa && d.numa != -1);
		if (s->nseries != want)
			abort();
	}
	fuzz_check_sink(s);
	return 0;
}
