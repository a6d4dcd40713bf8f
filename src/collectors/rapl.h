/*
 * rapl: the zones of /sys/class/powercap and their energy counters, named, numbered and
 * emitted as node_exporter's rapl collector does; exposed for tests and the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_RAPL_H
#define PLUMB_COLLECTOR_RAPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"
#include "lib/buf.h"
#include "lib/strparse.h"

#define RAPL_MAX_ZONES 4096     /* class entries, and zones, one scrape may have */
#define RAPL_NAMES_MAX (1u << 20) /* bytes of entry and zone names one scrape may hold */
#define RAPL_NAME_MAX 4096        /* of a name file, what counts (a sysfs page) */

/* Write metricName as node_exporter's SanitizeMetricName does (each run of characters
 * other than [0-9A-Za-z_], with the underscores around it, becomes one '_') into
 * out[cap], NUL-terminated and cut to fit. Returns the length written. */
size_t rapl_sanitize(struct span name, char *out, size_t cap);

/* One zone: a class entry with a readable name file. */
struct rapl_zone {
	int64_t index;        /* from the name ("package-0": 0) or counted per name */
	uint32_t entry;       /* its class entry's name, at this offset of names */
	uint32_t name_off;    /* its name, without the "-N" index, at this offset of names */
	uint32_t name_len;
	int err;              /* reading energy_uj: 0 or -errno */
	uint64_t uj;          /* energy_uj when err is 0 */
};

/* The zones of one scrape, in class entry order. Owned by the collector; the memory is
 * kept between scrapes. */
struct rapl_zones {
	struct buf names;     /* NUL-terminated entry and zone names */
	uint32_t *entries;    /* offsets in names of the class entries */
	uint32_t nentries, entries_cap;
	struct rapl_zone *z;
	uint32_t n, cap;
};

/* Forget every entry and zone, keeping the memory. */
void rapl_zones_reset(struct rapl_zones *zs);
/* Free everything; accepts a zeroed zs. */
void rapl_zones_fini(struct rapl_zones *zs);

/* Note class entry `entry` (NUL-terminated). Returns 0, -E2BIG past RAPL_MAX_ZONES entries
 * or RAPL_NAMES_MAX bytes, or -ENOMEM. */
int rapl_add_entry(struct rapl_zones *zs, const char *entry);
/* Sort the entries by name, as Go's os.ReadDir lists them. */
void rapl_sort_entries(struct rapl_zones *zs);
/* The name of entry i < zs->nentries. */
static inline const char *rapl_entry(const struct rapl_zones *zs, uint32_t i)
{
	return zs->names.p + zs->entries[i];
}

/* Add the zone of entry i whose name file holds raw (its first RAPL_NAME_MAX bytes count),
 * with the result of reading its energy_uj (err, uj). The name is trimmed; "x-N" (one '-', N a decimal int) is zone x
 * numbered N, any other name is numbered by how many zones of that name came before,
 * as prometheus/procfs counts them. Returns 0, -E2BIG or -ENOMEM. */
int rapl_add_zone(struct rapl_zones *zs, uint32_t i, struct span raw, int err, uint64_t uj);

/* Emit a counter in joules for each zone, in order: node_rapl_<name>_joules_total{index,
 * path}, or with zone_label node_rapl_joules_total{index,path,rapl_zone}. path is
 * base/entry. A zone whose energy_uj could not be read stops there: -ENOENT (no data)
 * for a permission error, as in node_exporter, else its error. Returns 0 or -errno. */
int rapl_emit(const struct rapl_zones *zs, const char *base, bool zone_label,
	      struct metric_sink *out);

#endif
