/*
 * ifnames: network interface names by index, from an RTM_GETLINK dump.
 *
 * Routes and addresses name their interface by index; a collector that reports device
 * names keeps this table, refilled from a link dump each collection (ifnames_parse on
 * each received buffer, or ifnames_add per link), then looks indexes up. The table
 * grows only when a host has more links than ever before, so a warm collection
 * allocates nothing. Each entry has a tally its user may count things in.
 */
#ifndef PLUMB_IFNAMES_H
#define PLUMB_IFNAMES_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/rtnl.h"

#define IFNAMES_MAX (1u << 20) /* links kept, at most */

struct ifname {
	uint32_t index;
	uint32_t seq;        /* order in the dump: the first of equal indexes wins */
	uint32_t tally;      /* the user's; ifnames_add sets it to 0 */
	char name[IFNAMSIZ]; /* NUL-terminated; "" for a link without IFLA_IFNAME */
};

struct ifnames {
	struct ifname *v; /* owned; [0..n) */
	size_t n, cap;
	bool sorted;      /* v is ordered for ifnames_find */
};

/* Empty the table for a new dump, keeping its memory. */
void ifnames_reset(struct ifnames *t);

/* Keep link l's index and name. Returns 0, -EINVAL for a name of IFNAMSIZ bytes or
 * more (no kernel sends one), -E2BIG past IFNAMES_MAX links, or -ENOMEM. */
int ifnames_add(struct ifnames *t, const struct rtnl_link *l);

/* An nl_msg_fn for nl_request over an RTM_GETLINK dump: ifnames_add each RTM_NEWLINK
 * message's link to ctx (a struct ifnames). Returns 0, -EINVAL for a malformed link,
 * or ifnames_add's error. */
int ifnames_on_link(void *ctx, uint16_t type, const unsigned char *p, size_t len);

/* Take the RTM_NEWLINK messages of buf[0..len) (what one recv returned) with
 * ifnames_add. Sets *done at NLMSG_DONE. Returns 0, -EINVAL for a malformed message,
 * the error an NLMSG_ERROR carries, or ifnames_add's. */
int ifnames_parse(struct ifnames *t, const void *buf, size_t len, bool *done);

/* The entry of link index (the first of the dump, if it named index twice), or NULL.
 * Sorts the table on the first call after an add (no allocation). */
struct ifname *ifnames_find(struct ifnames *t, uint32_t index);

/* Refill t from a new RTM_GETLINK dump (ifnames_reset, then nl_request_within with
 * ifnames_on_link), receiving into buf[cap] (aligned, NL_BUF_SIZE), within timeout_ms.
 * Returns 0 or -errno (the request's or ifnames_add's). */
int ifnames_dump(struct ifnames *t, unsigned char *buf, size_t cap, unsigned timeout_ms);

/* Free the table; accepts a zeroed one. */
void ifnames_fini(struct ifnames *t);

#endif
