/*
 * netdev: parsers for /proc/net/dev and for rtnetlink link and address dumps, exposed
 * for tests and the fuzz targets.
 */
#ifndef PLUMB_COLLECTOR_NETDEV_H
#define PLUMB_COLLECTOR_NETDEV_H

#include <stdbool.h>
#include <stddef.h>

#include "expo/sink.h"
#include "lib/regex.h"
#include "lib/rtnl.h"

/* Parse /proc/net/dev (buf[0..len)): two header lines, then "name: 16 numbers" per
 * device. Devices that do not pass f (NULL: all) are skipped. A device line with other
 * than 16 numbers, or a value that is not a number, is -EINVAL and nothing is added.
 * Adds node_network_{receive,transmit}_*_total{device} counters (with detailed, errs
 * and drop are named errors and dropped). Returns 0 or -errno. */
int netdev_parse_proc(const char *buf, size_t len, const struct filter *f, bool detailed,
		      struct metric_sink *out);

/* Add the counters of link l, if it has a name, counters and passes f (NULL: all):
 * folded as /proc/net/dev prints them plus receive_nohandler, or with detailed each of
 * rtnl_link_stats64's counters under its own name. Returns 0 or -errno. */
int netdev_emit_link(const struct rtnl_link *l, const struct filter *f, bool detailed,
		     struct metric_sink *out);

/* Parse a run of netlink messages (buf[0..len), as recv() returned them for an
 * RTM_GETLINK dump) and add each link's counters with netdev_emit_link. Sets *done
 * when NLMSG_DONE was seen. Returns 0, -EINVAL for a malformed message, or the error
 * an NLMSG_ERROR carries. */
int netdev_parse_netlink(const void *buf, size_t len, const struct filter *f, bool detailed,
			 bool *done, struct metric_sink *out);

/* Add node_network_address_info{address,device,netmask,scope} for address a of
 * device (nothing for an address of another family or an impossible prefix length).
 * Returns 0 or -errno. */
int netdev_emit_addr(const struct rtnl_addr *a, const char *device, struct metric_sink *out);

#endif
