/*
 * ifnames: device names by interface index, from an RTM_GETLINK dump. See ifnames.h.
 */
#include "lib/ifnames.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "lib/buf.h"
#include "lib/netlink.h"
#include "lib/rtnl.h"
#include "lib/sort.h"

/* nl_msg_fn over RTM_GETLINK: keep each named link's index and name. */
static int on_link(void *ctx, uint16_t type, const unsigned char *p, size_t len)
{
	struct ifnames *t = ctx;
	struct rtnl_link l;
	if (type != RTM_NEWLINK)
		return 0;
	int r = rtnl_parse_link(p, len, &l);
	if (r < 0 || !l.name.len)
		return r;
	if (t->n == t->cap) {
		if (t->n >= IFNAMES_MAX)
			return -E2BIG;
		if ((r = grow_array((void **)&t->v, &t->cap, t->n + 1, sizeof(*t->v))) < 0)
			return r;
	}
	struct ifname_entry *e = &t->v[t->n++];
	e->index = l.index;
	span_copy(l.name, e->name, sizeof(e->name)); /* a longer name is cut */
	return 0;
}

/* sort_heap order by index. */
static int cmp_index(const void *a, const void *b, void *ctx)
{
	(void)ctx;
	uint32_t x = ((const struct ifname_entry *)a)->index;
	uint32_t y = ((const struct ifname_entry *)b)->index;
	return x < y ? -1 : x > y;
}

int ifnames_dump(struct ifnames *t, unsigned char *buf, size_t cap)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETLINK,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.i = { .ifi_family = AF_UNSPEC },
	};
	t->n = 0;
	int r = nl_request(NETLINK_ROUTE, &req, sizeof(req), buf, cap, on_link, t);
	if (r < 0)
		t->n = 0;
	sort_heap(t->v, t->n, sizeof(*t->v), cmp_index, NULL);
	return r;
}

const char *ifnames_get(const struct ifnames *t, uint32_t index)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->v[mid].index == index)
			return t->v[mid].name;
		if (t->v[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void ifnames_fini(struct ifnames *t)
{
	free(t->v);
	*t = (struct ifnames){ 0 };
}
