/*
 * ipvs: parsers for /proc/net/ip_vs_stats and /proc/net/ip_vs, the backend-label flag
 * and the summing of backends into series, exposed for tests and the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_IPVS_H
#define PLUMB_COLLECTOR_IPVS_H

#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"
#include "lib/strparse.h"

/* The totals of /proc/net/ip_vs_stats. */
struct ipvs_stats {
	uint64_t conns, in_pkts, out_pkts, in_bytes, out_bytes;
};

/* Parse ip_vs_stats (buf[0..len)): the five hex totals on its third line, as
 * prometheus/procfs reads them. Returns 0, or -EINVAL/-ERANGE (*st untouched then). */
int ipvs_parse_stats(const char *buf, size_t len, struct ipvs_stats *st);

/* Emit the five totals as node_ipvs_*_total counters. Returns 0 or -errno from the sink. */
int ipvs_emit_stats(const struct ipvs_stats *st, struct metric_sink *out);

/* The backend labels, in node_exporter's order; a set of them is a bit mask. */
enum ipvs_label {
	IPVS_LOCAL_ADDRESS,
	IPVS_LOCAL_PORT,
	IPVS_REMOTE_ADDRESS,
	IPVS_REMOTE_PORT,
	IPVS_PROTO,
	IPVS_LOCAL_MARK,
	IPVS_NLABELS
};
#define IPVS_ALL_LABELS ((1u << IPVS_NLABELS) - 1)
extern const char *const ipvs_label_names[IPVS_NLABELS];

/* Read the value of --collector.ipvs.backend-labels: names separated by commas, empty
 * ones ignored, repeats allowed, into *mask. Names it does not know go into
 * unknown[cap] (cap >= 1; NUL-terminated, sorted, ", "-separated, cut to fit) and make it return
 * -EINVAL. Returns 0 or -EINVAL. */
int ipvs_parse_labels(const char *spec, unsigned *mask, char *unknown, size_t cap);

/* An address as /proc/net/ip_vs gives it: none (a firewall-mark service), IPv4, or
 * IPv6. An IPv4-mapped IPv6 address is stored as IPv4, as Go prints it so. */
struct ipvs_addr {
	uint8_t family; /* 0, 4 or 6 */
	uint8_t b[16];  /* the first 4 for IPv4 */
};

/* Write a as Go's net.IP.String does ("" for none; IPv6 shortened as RFC 5952 says)
 * into out[cap] (cap >= 40). Returns the length. */
size_t ipvs_addr_text(const struct ipvs_addr *a, char *out, size_t cap);

/* One "->" line of /proc/net/ip_vs with the service line it belongs to. */
struct ipvs_backend {
	struct ipvs_addr laddr, raddr;
	uint16_t lport, rport;
	struct span proto; /* "TCP", "UDP", "FWM" or "" (no service line yet) */
	struct span mark;  /* a firewall-mark service's mark, as written; else "" */
	uint64_t weight, active, inactive;
};

/* The backends of one read of /proc/net/ip_vs. Owned by the caller; the array grows
 * up to IPVS_MAX_BACKENDS and is kept between reads. Spans point into the parsed text. */
#define IPVS_MAX_BACKENDS (1u << 20)
struct ipvs_backends {
	struct ipvs_backend *v;
	uint32_t n, cap;
};

/* Parse ip_vs (buf[0..len)) into list (emptied first), as prometheus/procfs does:
 * headers, blank lines, short lines and unknown services (SCTP) are skipped, a backend
 * counts for the last TCP, UDP or FWM service above it, and a malformed address, port
 * or number fails the parse. Returns 0, -EINVAL/-ERANGE, -ENOMEM or -E2BIG. */
int ipvs_parse_backends(const char *buf, size_t len, struct ipvs_backends *list);

/* Sum list's backends by the labels in mask and emit node_ipvs_backend_* for each sum
 * (sorts list in place). Returns 0 or -errno from the sink. */
int ipvs_emit_backends(struct ipvs_backends *list, unsigned mask, struct metric_sink *out);

/* Free list's array; accepts a zeroed list. */
void ipvs_backends_fini(struct ipvs_backends *list);

#endif
