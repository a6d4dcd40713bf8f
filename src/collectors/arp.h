/*
 * arp: parser for /proc/net/arp, exposed for tests and the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_ARP_H
#define PLUMB_COLLECTOR_ARP_H

#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"
#include "lib/regex.h"

#define ARP_MAX_DEVICES 4096 /* distinct devices counted in one file */

/* Entries per device, spans pointing into the parsed text. Grow-only: after the
 * first scrape of a host it allocates nothing. */
struct arp_counts {
	struct arp_dev {
		struct span name;
		uint32_t count;
	} *v;
	size_t n, cap;
};

/* Count the entries of /proc/net/arp (buf[0..len)) per device and add one
 * node_arp_entries{device} gauge per device that passes f (NULL: all). The header and
 * empty lines are skipped; a data line must have 6 columns, a MAC address and a
 * numeric flags column, else the file is invalid (-EINVAL, nothing added).
 * tab is scratch owned by the caller (free with arp_counts_fini). Returns 0 or -errno. */
int arp_parse(const char *buf, size_t len, const struct filter *f, struct arp_counts *tab,
	      struct metric_sink *out);
void arp_counts_fini(struct arp_counts *tab);

#endif
