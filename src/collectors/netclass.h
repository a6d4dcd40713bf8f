/*
 * netclass: the attribute parser and series builder of the netclass collector, and
 * its netlink mode (netclass/rtnl.c), exposed for each other, tests and the fuzz
 * targets.
 */
#ifndef PLUMB_COLLECTOR_NETCLASS_H
#define PLUMB_COLLECTOR_NETCLASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"
#include "lib/regex.h"
#include "lib/rtnl.h"

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

/* The families both modes report (netclass.c): one per integer attribute, in enum
 * order, node_network_up and node_network_info. */
extern const struct metric_desc netclass_int_descs[NC_NINT];
extern const struct metric_desc netclass_desc_up, netclass_desc_info;

/* Whether a failed read of an interface attribute (-errno) just means it is absent:
 * missing, not permitted, or refused by the driver (EINVAL, EOPNOTSUPP). */
bool netclass_absent(int err);

/* ---- netlink mode (--collector.netclass.netlink), netclass/rtnl.c ---------------- */

struct netclass_rtnl;

/* Make the netlink mode's state: sysfs is the --path.sysfs root (for the attributes
 * netlink lacks), ignored the device regex (borrowed: it must outlive the state),
 * with_stats --collector.netclass_rtnl.with-stats. Returns 0, -ENOMEM or
 * -ENAMETOOLONG; the caller frees *out with netclass_rtnl_free. */
int netclass_rtnl_new(const char *sysfs, const struct regex *ignored, bool with_stats,
		      bool ignore_invalid_speed, struct netclass_rtnl **out);
void netclass_rtnl_free(struct netclass_rtnl *n); /* accepts NULL */

/* One collection: ethtool's link modes, then every link of an RTM_GETLINK dump, into
 * out. Returns 0 or -errno. */
int netclass_rtnl_collect(struct netclass_rtnl *n, struct metric_sink *out);

/* The series of one link (left out when its name is empty or ignored), with the link
 * modes of the last collection and the sysfs attributes. Returns 0 or -errno. */
int netclass_rtnl_emit(struct netclass_rtnl *n, const struct rtnl_link *l,
		       struct metric_sink *out);

#endif
