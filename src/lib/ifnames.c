/*
 * ifnames: interface names by index from a link dump. See ifnames.h.
 */
#include "lib/ifnames.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "lib/netlink.h"
#include "lib/sort.h"

void ifnames_reset(struct ifnames *t)
{
	t->n = 0;
	t->sorted = true;
}

int ifnames_add(struct ifnames *t, const struct rtnl_link *l)
{
	if (l->name.len >= IFNAMSIZ || (l->name.len && memchr(l->name.p, '\0', l->name.len)))
		return -EINVAL;
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		if (cap > IFNAMES_MAX)
			return -E2BIG;
		struct ifname *v = realloc(t->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	struct ifname *e = &t->v[t->n];
	*e = (struct ifname){ .index = l->index, .seq = (uint32_t)t->n };
	if (l->name.len)
		memcpy(e->name, l->name.p, l->name.len);
	e->name[l->name.len] = '\0';
	t->n++;
	t->sorted = false;
	return 0;
}

int ifnames_on_link(void *ctx, uint16_t type, const unsigned char *p, size_t len)
{
	struct rtnl_link l;
	if (type != RTM_NEWLINK)
		return 0;
	int r = rtnl_parse_link(p, len, &l);
	return r < 0 ? r : ifnames_add(ctx, &l);
}

int ifnames_parse(struct ifnames *t, const void *buf, size_t len, bool *done)
{
	return nl_parse(buf, len, ifnames_on_link, t, done);
}

/* sort_heap order: by index, then by place in the dump. */
static int cmp_index(const void *a, const void *b, void *ctx)
{
	const struct ifname *x = a, *y = b;
	(void)ctx;
	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

struct ifname *ifnames_find(struct ifnames *t, uint32_t index)
{
	if (!t->sorted) {
		sort_heap(t->v, t->n, sizeof(*t->v), cmp_index, NULL);
		t->sorted = true;
	}
	size_t lo = 0, hi = t->n; /* the first entry whose index is >= index */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->v[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->n && t->v[lo].index == index ? &t->v[lo] : NULL;
}

void ifnames_fini(struct ifnames *t)
{
	free(t->v);
	*t = (struct ifnames){ 0 };
}

int ifnames_dump(struct ifnames *t, unsigned char *buf, size_t cap, unsigned timeout_ms)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETLINK,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.i = { .ifi_family = AF_UNSPEC },
	};
	ifnames_reset(t);
	return nl_request_within(NETLINK_ROUTE, &req, sizeof(req), buf, cap, ifnames_on_link, t,
				 timeout_ms);
}
