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

/* How the counters are reported. */
struct netdev_opts {
	const struct filter *filter; /* devices to report; NULL: all */
	bool detailed;               /* --collector.netdev.enable-detailed-metrics */
	/* --collector.netdev.label-ifalias: <sysfs>/class/net held open (O_PATH), whose
	 * <device>/ifalias gives every series of a device listed there an ifalias label;
	 * -1 for none */
	int ifalias_dir;
};

/* Parse /proc/net/dev (buf[0..len)): two header lines, then "name: 16 numbers" per
 * device. A device line with other than 16 numbers, or a value that is not a number,
 * is -EINVAL and nothing is added. Adds node_network_{receive,transmit}_*_total
 * counters of the devices o lets through (with detailed, errs and drop are named
 * errors and dropped). Returns 0 or -errno. */
int netdev_parse_proc(const char *buf, size_t len, const struct netdev_opts *o,
		      struct metric_sink *out);

/* Add the counters of link l, if it has a name, counters and passes o's filter:
 * folded as /proc/net/dev prints them plus receive_nohandler, or with detailed each of
 * rtnl_link_stats64's counters under its own name. Returns 0 or -errno. */
int netdev_emit_link(const struct rtnl_link *l, const struct netdev_opts *o,
		     struct metric_sink *out);

/* Parse a run of netlink messages (buf[0..len), as recv() returned them for an
 * RTM_GETLINK dump) and add each link's counters with netdev_emit_link. Sets *done
 * when NLMSG_DONE was seen. Returns 0, -EINVAL for a malformed message, or the error
 * an NLMSG_ERROR carries. */
int netdev_parse_netlink(const void *buf, size_t len, const struct netdev_opts *o,
			 bool *done, struct metric_sink *out);

/* Add node_network_address_info{address,device,netmask,scope} for address a of
 * device (nothing for an address of another family or an impossible prefix length).
 * Returns 0 or -errno. */
int netdev_emit_addr(const struct rtnl_addr *a, const char *device, struct metric_sink *out);

#endif
