/*
 * rtnl: what the kernel's network tables say, decoded from their netlink messages.
 *
 * The netdev and netclass collectors read links (RTM_NEWLINK: name, addresses, state,
 * counters), addresses (RTM_NEWADDR) and ethtool's link modes (speed, duplex) from
 * dumps (lib/netlink.h). The decoders here turn one message's payload into a plain
 * struct whose spans and pointers point into that payload; they check every length and
 * allocate nothing. The formatting helpers write addresses as node_exporter's Go
 * libraries print them, so label values match.
 */
#ifndef PLUMB_RTNL_H
#define PLUMB_RTNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/netlink.h"
#include "lib/strparse.h"

/* struct rtnl_link_stats64's counters, in its order: X(name, help) for each, the name
 * as node_exporter's detailed statistics call it (node_network_<name>_total). */
#define RTNL_STATS(X)                                                                      \
	X(receive_packets, "Packets received.")                                            \
	X(transmit_packets, "Packets sent.")                                               \
	X(receive_bytes, "Bytes received.")                                                \
	X(transmit_bytes, "Bytes sent.")                                                   \
	X(receive_errors, "Receive errors, all kinds together.")                           \
	X(transmit_errors, "Transmit errors, all kinds together.")                         \
	X(receive_dropped, "Received packets dropped by the kernel (not by the hardware).") \
	X(transmit_dropped, "Packets dropped on the way out.")                             \
	X(multicast, "Multicast packets received.")                                        \
	X(collisions, "Collisions seen while sending.")                                    \
	X(receive_length_errors, "Received frames with a bad length.")                     \
	X(receive_over_errors, "Receive ring buffer overflows.")                           \
	X(receive_crc_errors, "Received frames with a bad checksum.")                      \
	X(receive_frame_errors, "Received frames with alignment errors.")                  \
	X(receive_fifo_errors, "Receive FIFO overruns.")                                   \
	X(receive_missed_errors, "Packets the hardware missed for want of buffers.")       \
	X(transmit_aborted_errors, "Transmissions aborted.")                               \
	X(transmit_carrier_errors, "Transmit errors from carrier loss.")                   \
	X(transmit_fifo_errors, "Transmit FIFO underruns.")                                \
	X(transmit_heartbeat_errors, "Heartbeat (SQE test) errors while sending.")         \
	X(transmit_window_errors, "Late collisions (window errors) while sending.")        \
	X(receive_compressed, "Compressed packets received.")                              \
	X(transmit_compressed, "Compressed packets sent.")                                 \
	X(receive_nohandler, "Packets received that no protocol handler wanted.")
#define RTNL_STAT_ENUM(n, h) RTNL_##n,
enum rtnl_stat { RTNL_STATS(RTNL_STAT_ENUM) RTNL_NSTATS };
#undef RTNL_STAT_ENUM

#define RTNL_MAX_ADDR 32 /* MAX_ADDR_LEN: the longest hardware address */

/* One link, as an RTM_NEWLINK message gives it. Optional values have has_* flags. */
struct rtnl_link {
	uint32_t index;            /* ifi_index */
	uint32_t flags;            /* ifi_flags (IFF_*) */
	uint16_t type;             /* ifi_type (ARPHRD_*) */
	struct span name;          /* IFLA_IFNAME; empty when absent */
	const unsigned char *address, *broadcast; /* IFLA_ADDRESS, IFLA_BROADCAST */
	size_t address_len, broadcast_len;        /* 0 when absent */
	struct span alias;         /* IFLA_IFALIAS; empty when absent */
	uint32_t mtu;              /* IFLA_MTU; 0 when absent */
	uint32_t link;             /* IFLA_LINK; 0 when absent */
	uint8_t operstate;         /* IFLA_OPERSTATE (IF_OPER_*); 0 (unknown) when absent */
	bool has_carrier, has_carrier_changes, has_carrier_up, has_carrier_down;
	bool has_group, has_txqlen, has_linkmode;
	uint8_t carrier, linkmode;
	uint32_t carrier_changes, carrier_up, carrier_down, group, txqlen;
	const unsigned char *props; /* IFLA_PROP_LIST's payload, for rtnl_next_altname */
	size_t props_len;
	bool has_stats64, has_stats32; /* IFLA_STATS64, IFLA_STATS */
	uint64_t stats[RTNL_NSTATS];   /* from IFLA_STATS64, else IFLA_STATS widened */
};

/* Decode an RTM_NEWLINK payload (struct ifinfomsg, then attributes). Returns 0, or
 * -EINVAL when it is cut short, an attribute overruns it, a fixed-size attribute has
 * another size, or a hardware address is longer than RTNL_MAX_ADDR. */
int rtnl_parse_link(const unsigned char *p, size_t len, struct rtnl_link *out);

/* The next alternative name (IFLA_ALT_IFNAME) in a link's property list, walked with
 * it = nl_attrs(link->props, link->props_len). Returns 1, 0 at the end, or -EINVAL. */
int rtnl_next_altname(struct nl_attr_iter *it, struct span *name);

/* One address, as an RTM_NEWADDR message gives it: the interface's own address
 * (IFA_LOCAL where the kernel gives one, as on IPv4 and point-to-point links, else
 * IFA_ADDRESS). */
struct rtnl_addr {
	uint8_t family;         /* AF_INET or AF_INET6; others are left out */
	uint8_t prefixlen;
	uint32_t index;         /* the interface's */
	unsigned char addr[16]; /* 4 bytes for AF_INET */
	bool has_addr;
};

/* Decode an RTM_NEWADDR payload (struct ifaddrmsg, then attributes). Returns 0 (with
 * has_addr false for another family or no address), or -EINVAL as rtnl_parse_link. */
int rtnl_parse_addr(const unsigned char *p, size_t len, struct rtnl_addr *out);

/* What ethtool's link modes say about one device (ETHTOOL_MSG_LINKMODES_GET_REPLY). */
struct rtnl_linkmodes {
	uint32_t index;         /* ETHTOOL_A_HEADER_DEV_INDEX; 0 when absent */
	struct span name;       /* ETHTOOL_A_HEADER_DEV_NAME */
	bool has_speed, has_duplex;
	uint32_t speed;         /* Mb/s; SPEED_UNKNOWN is 0xffffffff */
	uint8_t duplex;         /* DUPLEX_HALF 0, DUPLEX_FULL 1, DUPLEX_UNKNOWN 0xff */
};

/* Decode a generic netlink payload (struct genlmsghdr, then attributes) of ethtool's
 * link modes reply. Returns 0 or -EINVAL as rtnl_parse_link. */
int rtnl_parse_linkmodes(const unsigned char *p, size_t len, struct rtnl_linkmodes *out);

/* Write a as Go's net.IP.String() does (dotted IPv4, also for an IPv4-mapped IPv6
 * address; RFC 5952 IPv6, lowercase, the first longest run of two or more zero
 * groups as "::") into out[cap >= 46]. family is AF_INET or AF_INET6. */
void rtnl_format_ip(int family, const unsigned char *a, char *out, size_t cap);

/* The scope node_exporter's address-info gives an address: "link-local" (loopback,
 * link-local unicast or multicast), "interface-local" (IPv6 interface-local
 * multicast), "global" (global unicast, private ranges included), else "". */
const char *rtnl_ip_scope(int family, const unsigned char *a);

/* Write a hardware address as Go's net.HardwareAddr.String() does ("aa:bb:cc:...",
 * "" for none) into out[cap >= 3 * RTNL_MAX_ADDR]. */
void rtnl_format_hwaddr(const unsigned char *a, size_t len, char *out, size_t cap);

#endif
