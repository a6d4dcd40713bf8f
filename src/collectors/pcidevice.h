/*
 * pcidevice: the parsers of the pcidevice collector, exposed for tests and the fuzz
 * target.
 */
#ifndef PLUMB_COLLECTOR_PCIDEVICE_H
#define PLUMB_COLLECTOR_PCIDEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"
#include "lib/pciids.h"
#include "lib/strparse.h"

/* A location "0000:00:02.1" (segment:bus:device.function), each part hex. */
struct pci_loc {
	uint32_t seg, bus, dev, fn;
};

/* Parse a location. Each part is hex digits up to 0x7fffffff. Returns 0 or -EINVAL. */
int pcidevice_location(struct span s, struct pci_loc *loc);

/* From the target of a /sys/bus/pci/devices link ("../../../devices/pci0000:00/
 * 0000:00:02.1/0000:01:00.0"), the device's location (the last part) and its parent's
 * (the part before; *has_parent is false when that is a root bus "pci..."). Returns 0
 * or -EINVAL. */
int pcidevice_link(struct span target, struct pci_loc *loc, struct pci_loc *parent,
		   bool *has_parent);

/* The attributes of one device, as pcidevice_record fills them. */
struct pci_dev {
	struct pci_loc loc, parent;
	bool has_parent;
	uint32_t id[6];        /* class, vendor, device, subsystem_vendor/_device, revision */
	double max_speed, cur_speed, max_width, cur_width; /* -1 when absent */
	int32_t numa;
	bool has_numa;
	double autoprobe, numvfs, totalvfs, msix, d3cold; /* 0 when absent */
	char power[16];        /* power_state, "" when absent; longer states kept cut */
	size_t power_len;
	unsigned have_ids;     /* bit i: id[i] was read */
};

/* The attribute files pcidevice_record knows: the six ids first (all required). */
#define PCIDEVICE_NFILES 20
extern const char *const pcidevice_files[PCIDEVICE_NFILES];
#define PCIDEVICE_NIDS 6

/* Reset d for a new device at the given locations. */
void pcidevice_reset(struct pci_dev *d, const struct pci_loc *loc, const struct pci_loc *parent,
		     bool has_parent);

/* Record attribute `file` with value (already trimmed, as sysfs_attr gives it). Values
 * that node_exporter skips (empty; "Unknown..." speeds, widths and NUMA nodes) leave the
 * field absent. Returns 0, or -EINVAL for a value node_exporter fails the collection
 * on (a bad number, a speed not in "GT/s PCIe"). Unknown files are ignored. */
int pcidevice_record(struct pci_dev *d, const char *file, struct span value);

/* Emit d's series; names (may be NULL) adds the *_name labels of
 * --collector.pcidevice.names. Returns 0 or -errno from the sink, -EINVAL when a
 * required id was never recorded. */
int pcidevice_emit(const struct pci_dev *d, const struct pciids *names, struct metric_sink *out);

#endif
