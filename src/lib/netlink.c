/*
 * netlink: dumps and checked walks. See netlink.h.
 */
#include "lib/netlink.h"

#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int nl_attr_next(struct nl_attr_iter *it, struct nl_attr *a)
{
	struct nlattr h;
	if (it->len < sizeof(h))
		return 0; /* what is left is alignment padding at most */
	memcpy(&h, it->p, sizeof(h));
	if (h.nla_len < sizeof(h) || h.nla_len > it->len)
		return -EINVAL;
	a->type = h.nla_type & NLA_TYPE_MASK;
	a->data = it->p + NLA_HDRLEN;
	a->len = h.nla_len - NLA_HDRLEN;
	size_t step = NLA_ALIGN(h.nla_len);
	if (step > it->len)
		step = it->len;
	it->p += step;
	it->len -= step;
	return 1;
}

int nl_attr_u8(const struct nl_attr *a, uint8_t *v)
{
	if (a->len != sizeof(*v))
		return -EINVAL;
	*v = a->data[0];
	return 0;
}

int nl_attr_u16(const struct nl_attr *a, uint16_t *v)
{
	if (a->len != sizeof(*v))
		return -EINVAL;
	memcpy(v, a->data, sizeof(*v));
	return 0;
}

int nl_attr_u32(const struct nl_attr *a, uint32_t *v)
{
	if (a->len != sizeof(*v))
		return -EINVAL;
	memcpy(v, a->data, sizeof(*v));
	return 0;
}

struct span nl_attr_str(const struct nl_attr *a)
{
	const char *s = (const char *)a->data;
	return (struct span){ s, strnlen(s, a->len) };
}

int nl_parse(const void *buf, size_t len, nl_msg_fn fn, void *ctx, bool *done)
{
	const unsigned char *p = buf;
	while (len >= sizeof(struct nlmsghdr)) {
		struct nlmsghdr h;
		memcpy(&h, p, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len)
			return -EINVAL;
		const unsigned char *payload = p + NLMSG_HDRLEN;
		size_t plen = h.nlmsg_len - NLMSG_HDRLEN;
		if (h.nlmsg_type == NLMSG_DONE) {
			/* a dump the kernel could not make ends with its error here (sock_diag
			 * without the protocol's diag module: -ENOENT) */
			int32_t err = 0;
			if (plen >= sizeof(err))
				memcpy(&err, payload, sizeof(err));
			*done = true;
			return err < 0 && err > -4096 ? err : 0;
		} else if (h.nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr e;
			if (plen < sizeof(e))
				return -EINVAL;
			memcpy(&e, payload, sizeof(e));
			if (e.error == 0) { /* an acknowledgement */
				*done = true;
				return 0;
			}
			return e.error < 0 && e.error > -4096 ? e.error : -EIO;
		} else if (h.nlmsg_type >= NLMSG_MIN_TYPE) {
			int r = fn(ctx, h.nlmsg_type, payload, plen);
			if (r < 0)
				return r;
		}
		size_t step = NLMSG_ALIGN(h.nlmsg_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return 0;
}

/* Microseconds left until end (<= 0 once it has passed). */
static long long left_us(const struct timespec *end)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(end->tv_sec - now.tv_sec) * 1000000 + (end->tv_nsec - now.tv_nsec) / 1000;
}

/* -ETIMEDOUT once end has passed, else 0. */
static int recv_limit_passed(const struct timespec *end)
{
	return left_us(end) <= 0 ? -ETIMEDOUT : 0;
}

/* Set fd's receive timeout to what is left until end; -ETIMEDOUT once it has passed. */
static int recv_limit(int fd, const struct timespec *end)
{
	long long left = left_us(end);
	if (left <= 0)
		return -ETIMEDOUT;
	struct timeval tv = { .tv_sec = left / 1000000, .tv_usec = left % 1000000 };
	return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ? -errno : 0;
}

/* Send req on fd and walk the reply into fn until it is complete, within end.
 * Returns 0, -ETIMEDOUT or -errno; the socket may then hold unread replies. */
static int exchange(int fd, const void *req, size_t req_len, unsigned char *buf, size_t cap,
		    nl_msg_fn fn, void *ctx, const struct timespec *end)
{
	struct nlmsghdr h;
	bool done = false;
	int r = 0;
	memcpy(&h, req, sizeof(h));
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	if (sendto(fd, req, req_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	while (!done && r == 0) {
		/* A dump's next part is made inside the recv that asks for it, so it is
		 * mostly there at once: only a reply not yet there needs the time limit set
		 * on the socket (a system call) and a recv that waits. */
		ssize_t n = recv(fd, buf, cap, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if ((r = recv_limit(fd, end)) < 0)
				break;
			n = recv(fd, buf, cap, 0);
		} else if ((r = recv_limit_passed(end)) < 0) {
			break; /* replies that keep coming still end at the limit */
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			r = -ETIMEDOUT;
			break;
		}
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			break;
		}
		r = nl_parse(buf, (size_t)n, fn, ctx, &done);
		/* a plain request is answered by one message, without NLMSG_DONE */
		if (!(h.nlmsg_flags & NLM_F_DUMP) && !(h.nlmsg_flags & NLM_F_ACK))
			done = true;
	}
	return r;
}

/* The moment timeout_ms from now. */
static struct timespec limit_from_now(unsigned timeout_ms)
{
	struct timespec end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout_ms / 1000;
	end.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (end.tv_nsec >= 1000000000) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000;
	}
	return end;
}

int nl_sock_request(struct nl_sock *s, const void *req, size_t req_len, unsigned char *buf,
		    size_t cap, nl_msg_fn fn, void *ctx, unsigned timeout_ms)
{
	if (req_len < sizeof(struct nlmsghdr) || timeout_ms == 0)
		return -EINVAL;
	struct timespec end = limit_from_now(timeout_ms);
	if (s->fd < 0 && (s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, s->proto)) < 0)
		return -errno;
	int r = exchange(s->fd, req, req_len, buf, cap, fn, ctx, &end);
	if (r < 0)
		nl_sock_close(s); /* replies left unread must not answer the next request */
	return r;
}

void nl_sock_close(struct nl_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

int nl_request_within(int proto, const void *req, size_t req_len, unsigned char *buf,
		      size_t cap, nl_msg_fn fn, void *ctx, unsigned timeout_ms)
{
	struct nl_sock s = NL_SOCK_INIT(proto);
	int r = nl_sock_request(&s, req, req_len, buf, cap, fn, ctx, timeout_ms);
	nl_sock_close(&s);
	return r;
}

int nl_request(int proto, const void *req, size_t req_len, unsigned char *buf, size_t cap,
	       nl_msg_fn fn, void *ctx)
{
	return nl_request_within(proto, req, req_len, buf, cap, fn, ctx, NL_TIMEOUT_MS);
}

/* nl_genl_family's callback: the family id of CTRL_CMD_NEWFAMILY into ctx. */
static int family_id(void *ctx, uint16_t type, const unsigned char *payload, size_t len)
{
	uint16_t *id = ctx;
	struct nl_attr a;
	int r;
	if (type != GENL_ID_CTRL || len < GENL_HDRLEN)
		return 0;
	struct nl_attr_iter it = nl_attrs(payload + GENL_HDRLEN, len - GENL_HDRLEN);
	while ((r = nl_attr_next(&it, &a)) > 0)
		if (a.type == CTRL_ATTR_FAMILY_ID)
			return nl_attr_u16(&a, id);
	return r;
}

int nl_genl_family(const char *name, unsigned char *buf, size_t cap, uint16_t *id)
{
	struct {
		struct nlmsghdr h;
		struct genlmsghdr g;
		struct nlattr a;
		char name[GENL_NAMSIZ];
	} req;
	size_t nlen = strlen(name) + 1;
	if (nlen > GENL_NAMSIZ)
		return -ENAMETOOLONG;
	memset(&req, 0, sizeof(req));
	req.h = (struct nlmsghdr){ .nlmsg_len = (uint32_t)NLMSG_LENGTH(GENL_HDRLEN + NLA_HDRLEN + nlen),
				   .nlmsg_type = GENL_ID_CTRL, .nlmsg_flags = NLM_F_REQUEST,
				   .nlmsg_seq = 1 };
	req.g = (struct genlmsghdr){ .cmd = CTRL_CMD_GETFAMILY, .version = 1 };
	req.a = (struct nlattr){ .nla_len = (uint16_t)(NLA_HDRLEN + nlen),
				 .nla_type = CTRL_ATTR_FAMILY_NAME };
	memcpy(req.name, name, nlen);
	uint16_t got = 0;
	int r = nl_request(NETLINK_GENERIC, &req, req.h.nlmsg_len, buf, cap, family_id, &got);
	if (r == 0 && got == 0)
		r = -ENOENT;
	if (r == 0)
		*id = got;
	return r;
}
