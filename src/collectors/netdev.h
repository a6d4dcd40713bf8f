/*
 * netdev: parsers for /proc/net/dev and for an rtnetlink RTM_NEWLINK dump, exposed for
 * tests and the fuzz targets.
 */
#ifndef PLUMB_COLLECTOR_NETDEV_H
#define PLUMB_COLLECTOR_NETDEV_H

#include <stdbool.h>
#include <stddef.h>

#include "expo/sink.h"
#include "lib/regex.h"

/* Parse /proc/net/dev (buf[0..len)): two header lines, then "name: 16 numbers" per
 * device. Devices that do not pass f (NULL: all) are skipped. A device line with other
 * than 16 numbers, or a value that is not a number, is -EINVAL and nothing is added.
 * Adds node_network_{receive,transmit}_*_total{device} counters. Returns 0 or -errno. */
int netdev_parse_proc(const char *buf, size_t len, const struct filter *f,
		      struct metric_sink *out);

/* Parse a run of netlink messages (buf[0..len), as recv() returned them for an
 * RTM_GETLINK dump) and add the same counters for each link with IFLA_IFNAME and
 * IFLA_STATS64 (or IFLA_STATS), plus receive_nohandler. Sets *done when NLMSG_DONE was
 * seen. Returns 0, -EINVAL for a malformed message, or the error an NLMSG_ERROR carries. */
int netdev_parse_netlink(const void *buf, size_t len, const struct filter *f, bool *done,
			 struct metric_sink *out);

#endif
