/*
 * network_route: the route dump parser of the network_route collector, exposed for
 * tests and the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_NETWORK_ROUTE_H
#define PLUMB_COLLECTOR_NETWORK_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "expo/sink.h"
#include "lib/ifnames.h"

/* Take the RTM_NEWROUTE messages of buf[0..len) (what one recv returned for an
 * RTM_GETROUTE dump): add node_network_route_info{device,src,dest,gw,priority,proto,
 * weight} = 1 for each unicast route, one per next hop of a multipath route, naming
 * devices through links (filled from a link dump; an unknown index is device ""), and
 * count each in its device's tally (links->v[].tally, or *unnamed), which the caller
 * zeroes for a new dump. What plumb reads of every message is checked as node_exporter's
 * decoder checks it (addresses of 4 or 16 bytes, the output device and metric of 4,
 * well-formed next hops) and a bad one is -EINVAL. Sets *done at NLMSG_DONE. Returns 0, -EINVAL, the error an
 * NLMSG_ERROR carries, or the sink's. */
int network_route_parse(const void *buf, size_t len, struct ifnames *links, uint32_t *unnamed,
			struct metric_sink *out, bool *done);

/* Add node_network_routes{device} for each device that network_route_parse counted a
 * route for ("" for routes of no known device). Returns 0 or -errno from the sink. */
int network_route_emit_counts(const struct ifnames *links, uint32_t unnamed,
			      struct metric_sink *out);

#endif
