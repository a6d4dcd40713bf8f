/*
 * netclass: the attribute parser and series builder of the netclass collector,
 * exposed for tests and the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_NETCLASS_H
#define PLUMB_COLLECTOR_NETCLASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"

#define NETCLASS_ATTR_MAX 128 /* bytes of an attribute read, as node_exporter's procfs */

enum netclass_int {
	NC_ADDR_ASSIGN_TYPE, NC_CARRIER, NC_CARRIER_CHANGES, NC_CARRIER_UP, NC_CARRIER_DOWN,
	NC_DEV_ID, NC_DORMANT, NC_FLAGS, NC_IFINDEX, NC_IFLINK, NC_LINK_MODE, NC_MTU,
	NC_NAME_ASSIGN_TYPE, NC_NETDEV_GROUP, NC_SPEED, NC_TX_QUEUE_LEN, NC_TYPE, NC_NINT
};
enum netclass_str { NC_ADDRESS, NC_BROADCAST, NC_DUPLEX, NC_OPERSTATE, NC_IFALIAS, NC_NSTR };

/* What one interface's directory said. An integer attribute that was missing or not
 * an integer is absent (has[i] false); a missing string attribute is "". */
struct netclass_iface {
	int64_t v[NC_NINT];
	bool has[NC_NINT];
	char s[NC_NSTR][NETCLASS_ATTR_MAX + 1];
};

/* The attribute file names, in enum order: integers then strings. */
extern const char *const netclass_int_files[NC_NINT];
extern const char *const netclass_str_files[NC_NSTR];

/* Store the raw text of attribute file `file` (value[0..len), trimmed of surrounding
 * whitespace here, cut at NETCLASS_ATTR_MAX) in ifc. Unknown names are ignored. */
void netclass_set_attr(struct netclass_iface *ifc, const char *file, const char *value,
		       size_t len);

/* Add the series of interface `device` to out (node_network_up, _info, and one gauge or
 * counter per present integer). With ignore_invalid_speed a negative speed is left
 * out. Returns 0 or -errno. */
int netclass_emit(const struct netclass_iface *ifc, const char *device,
		  bool ignore_invalid_speed, struct metric_sink *out);

#endif
