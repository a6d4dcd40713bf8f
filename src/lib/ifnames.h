/*
 * ifnames: the network devices' names by interface index, from one RTM_GETLINK dump,
 * for collectors whose netlink replies name devices only by index (qdisc; netdev keeps
 * a table of its own built during its link dump).
 *
 * The table is owned by its caller, refilled by each ifnames_dump, and grows only when
 * links are added: a refill allocates nothing once warm.
 */
#ifndef PLUMB_IFNAMES_H
#define PLUMB_IFNAMES_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#define IFNAMES_MAX (1u << 20) /* links kept, at most */

struct ifname_entry {
	uint32_t index;
	char name[IFNAMSIZ];
};

/* Zero-initialise; ifnames_fini frees. */
struct ifnames {
	struct ifname_entry *v; /* owned; [0..n) sorted by index */
	uint32_t n, cap;
};

/* Refill t from an RTM_GETLINK dump received into buf[cap] (aligned, NL_BUF_SIZE). A
 * name longer than IFNAMSIZ - 1 is cut. Returns 0 or -errno (-E2BIG beyond IFNAMES_MAX,
 * -ENOMEM, the dump's error); t is left empty on error. */
int ifnames_dump(struct ifnames *t, unsigned char *buf, size_t cap);

/* The name of link index from the last refill (borrowed from t), or NULL. */
const char *ifnames_get(const struct ifnames *t, uint32_t index);

/* Free t's table; accepts a zeroed t. */
void ifnames_fini(struct ifnames *t);

#endif
