/*
 * netstat: parsers for /proc/net/netstat, /proc/net/snmp and /proc/net/snmp6, exposed
 * for tests and the fuzz targets.
 */
#ifndef PLUMB_COLLECTOR_NETSTAT_H
#define PLUMB_COLLECTOR_NETSTAT_H

#include <stddef.h>

#include "expo/sink.h"
#include "lib/regex.h"

/* node_exporter's default for --collector.netstat.fields. */
#define NETSTAT_DEFAULT_FIELDS                                                               \
	"^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|"  \
	"OutMsgs)|TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts|TCPOFOQueue|"        \
	"TCPRcvQDrop)|Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|"       \
	"CurrEstab)|Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$"

/* Parse a file of header/value line pairs ("Tcp: RtoAlgorithm RtoMin ..." then
 * "Tcp: 1 200 ..."), as /proc/net/netstat and /proc/net/snmp are, into untyped
 * node_netstat_<Proto>_<Field> samples for the fields whose "<Proto>_<Field>" matches
 * fields (NULL: all). Every value must be a number and each value line as long as its
 * header, else -EINVAL and nothing is added. A field already in out is not added again.
 * Returns 0 or -errno. */
int netstat_parse_pairs(const char *buf, size_t len, const struct regex *fields,
			struct metric_sink *out);

/* Parse /proc/net/snmp6 ("Ip6InReceives  123" lines; the protocol is the name up to
 * its first '6') the same way. Lines of fewer than two words or without a '6' are
 * skipped; a value that is not a number is -EINVAL. Returns 0 or -errno. */
int netstat_parse_snmp6(const char *buf, size_t len, const struct regex *fields,
			struct metric_sink *out);

#endif
