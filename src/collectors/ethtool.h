/*
 * ethtool: the parts of the ethtool collector that turn the kernel's SIOCETHTOOL answers
 * (driver information, the statistics' names and values, the legacy link settings) into
 * node_exporter 1.5's series, exposed for the collector (ethtool.c), tests and
 * fuzz_ethtool. The pure functions live in ethtool/parse.c.
 */
#ifndef PLUMB_COLLECTOR_ETHTOOL_H
#define PLUMB_COLLECTOR_ETHTOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"
#include "lib/buf.h"
#include "lib/regex.h"
#include "lib/strparse.h"

struct collector;

#define ETHTOOL_STR_LEN 32          /* ETH_GSTRING_LEN, and each drvinfo text field */
#define ETHTOOL_MAX_STATS 32768     /* statistics one device may have (as node_exporter) */
#define ETHTOOL_NAME_MAX 192        /* a family name made from one 32-byte statistic name */

/* struct ethtool_drvinfo's texts, each cut at its first NUL (or all 32 bytes). */
struct ethtool_drv {
	char driver[ETHTOOL_STR_LEN + 1];
	char version[ETHTOOL_STR_LEN + 1];
	char fw_version[ETHTOOL_STR_LEN + 1];
	char bus_info[ETHTOOL_STR_LEN + 1];
	char erom_version[ETHTOOL_STR_LEN + 1];
	uint32_t n_stats;
};

/* What ETHTOOL_GSET said: the low 32 link-mode bits supported and advertised, and
 * whether autonegotiation is on. */
struct ethtool_link {
	uint32_t supported;
	uint32_t advertising;
	uint8_t autoneg;
};

/* Read a struct ethtool_drvinfo (raw[0..len), as the kernel filled it) into *out.
 * Returns 0, or -EINVAL when len is shorter than the struct. */
int ethtool_parse_drvinfo(const void *raw, size_t len, struct ethtool_drv *out);
/* Read a struct ethtool_cmd (raw[0..len)) into *out. Returns 0 or -EINVAL (too short). */
int ethtool_parse_link(const void *raw, size_t len, struct ethtool_link *out);

/* The family name node_exporter gives statistic raw (its buildEthtoolFQName): sanitized
 * (lib/promname.h), lower-cased, leading '_' dropped, each "rx" and "tx" word (between
 * '_' or the ends) spelled "received" and "transmitted", after "node_ethtool_". Writes
 * out[cap]. Returns the length, 0 when nothing is left of the name (no family), or
 * -ENAMETOOLONG. */
int ethtool_stat_name(struct span raw, char *out, size_t cap);

/* One statistic kept for emission. */
struct ethtool_stat {
	uint32_t name_off;   /* its family name (ethtool_stat_name), in names */
	uint32_t raw;        /* its index in the driver's list */
	uint64_t value;
};

/* One device's statistics after node_exporter's choices. Owned by the caller; memory is
 * kept between calls. */
struct ethtool_statset {
	struct ethtool_stat *v;
	uint32_t n, cap;
	const char *strings;  /* the driver's names, borrowed for the last parse */
	struct buf names;     /* NUL-terminated family names */
};

/* Take n statistics: names strings[i * ETHTOOL_STR_LEN ..] (each cut at its first NUL)
 * and values vals[i]. Keeps those whose name matches include (NULL: all) and gives a
 * family name; an empty name is skipped, a name repeated keeps its last value (as Go's
 * map does), and every name whose family name another name also gets is dropped, as
 * node_exporter drops such clashes. Names node_exporter keeps for its link series
 * (supported_port, autonegotiate...) are left out, and so is one named node_ethtool_info
 * (the info gauge's name). The result is in family-name order.
 * Returns 0, -E2BIG (n > ETHTOOL_MAX_STATS) or -ENOMEM. */
int ethtool_stats_parse(struct ethtool_statset *st, const char *strings, const uint64_t *vals,
			uint32_t n, const struct regex *include);
/* Free st's memory; accepts a zeroed st. */
void ethtool_stats_fini(struct ethtool_statset *st);

/* Emit device's series: statistics (untyped, under node_exporter's names: rx_bytes and
 * the six like it as node_ethtool_*_total), driver info, link modes. Return 0 or -errno
 * from the sink. */
int ethtool_emit_stats(const struct ethtool_statset *st, const char *device, struct metric_sink *out);
int ethtool_emit_info(const struct ethtool_drv *drv, const char *device, struct metric_sink *out);
int ethtool_emit_link(const struct ethtool_link *link, const char *device, struct metric_sink *out);

/* For tests: the call that stands for ioctl(fd, SIOCETHTOOL, {ifname, data}), data's
 * first u32 the ETHTOOL_* command. It runs on a deadline worker thread. Returns 0 or
 * -errno. */
typedef int (*ethtool_io_fn)(void *ctx, const char *ifname, void *data);
/* Make collector c (initialised, not collecting) use io(ctx, ...) instead of the ioctl
 * and give the whole collection timeout_ms. ctx must outlive c. Returns 0 or -EBUSY
 * (a stuck call is still out). */
int ethtool_set_io(struct collector *c, ethtool_io_fn io, void *ctx, int64_t timeout_ms);

#endif
