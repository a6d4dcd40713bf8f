/*
 * test_tcpstat: the tcpstat collector's tally of sock_diag replies, built by hand (a
 * dump as the kernel sends it, odd states, broken messages), once live on this host
 * against sockets the test opens on loopback, and once in a network namespace of its
 * own, where the one dump for both families must count what the two per-family dumps
 * count.
 */
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collectors/tcpstat.h"
#include "lib/netlink.h"
#include "lib/nlbudget.h"
#include "lib/sockdiag.h"
#include "harness.h"
#include "loopsock.h"
#include "nlbuild.h"
#include "t.h"

/* Append one socket's message of type (SOCK_DIAG_BY_FAMILY, or TCPDIAG_GETSOCK as the
 * kernel answers the request for both families): state, receive and send queue. */
static void put_typed(struct nlb *n, uint16_t type, uint8_t state, uint32_t rq, uint32_t wq)
{
	struct inet_diag_msg m = { .idiag_family = AF_INET, .idiag_state = state,
				   .idiag_rqueue = rq, .idiag_wqueue = wq };
	nlb_msg(n, type);
	nlb_put(n, &m, sizeof(m));
	nlb_end(n);
}

static void put_sock(struct nlb *n, uint8_t state, uint32_t rq, uint32_t wq)
{
	put_typed(n, SOCK_DIAG_BY_FAMILY, state, rq, wq);
}

/* Tally buf and render it into out. Returns the parse result. */
static int tally(const struct nlb *n, struct sockdiag_tally *t, struct buf *out, bool *done)
{
	struct metric_sink s;
	sink_init(&s);
	memset(t, 0, sizeof(*t));
	*done = false;
	int r = sockdiag_parse(n->b, n->len, t, done);
	if (r == 0)
		r = tcpstat_emit(t, &s);
	int rr = nlb_render(&s, out);
	sink_fini(&s);
	return r < 0 ? r : rr;
}

#define STATE(s) "node_tcp_connection_states{state=\"" s "\"}"

static void dump_values(void)
{
	static struct nlb n;
	struct sockdiag_tally t;
	struct buf out = { 0 };
	bool done;
	n.len = 0;
	put_sock(&n, 1, 10, 20);   /* established */
	put_sock(&n, 1, 5, 0);     /* established */
	put_sock(&n, 10, 3, 128);  /* listen: accept queue 3 of 128 */
	put_sock(&n, 6, 0, 0);     /* time_wait */
	put_sock(&n, 8, 0, 0);     /* close_wait */
	nlb_done(&n);
	CHECK_INT(tally(&n, &t, &out, &done), 0);
	CHECK(done);
	CHECK_INT(t.sockets, 5);
	CHECK_DBL(series_value(out.p, STATE("established")), 2);
	CHECK_DBL(series_value(out.p, STATE("listen")), 1);
	CHECK_DBL(series_value(out.p, STATE("time_wait")), 1);
	CHECK_DBL(series_value(out.p, STATE("close_wait")), 1);
	CHECK_DBL(series_value(out.p, STATE("rx_queued_bytes")), 18);
	CHECK_DBL(series_value(out.p, STATE("tx_queued_bytes")), 148);
	CHECK(isnan(series_value(out.p, STATE("syn_sent")))); /* only states seen */
	CHECK(has_line(out.p, "# TYPE node_tcp_connection_states gauge"));
	/* an empty dump: no series at all, as node_exporter's empty map */
	n.len = 0;
	nlb_done(&n);
	CHECK_INT(tally(&n, &t, &out, &done), 0);
	CHECK(done);
	CHECK(!has_line(out.p, "node_tcp_connection_states"));
	/* the reply to the request for both families carries its type, TCPDIAG_GETSOCK */
	n.len = 0;
	put_typed(&n, TCPDIAG_GETSOCK, 10, 2, 64);
	put_typed(&n, TCPDIAG_GETSOCK, 1, 7, 0);
	nlb_done(&n);
	CHECK_INT(tally(&n, &t, &out, &done), 0);
	CHECK_INT(t.sockets, 2);
	CHECK_DBL(series_value(out.p, STATE("listen")), 1);
	CHECK_DBL(series_value(out.p, STATE("rx_queued_bytes")), 9);
	buf_fini(&out);
}

static void odd_states(void)
{
	static struct nlb n;
	struct sockdiag_tally t;
	struct buf out = { 0 };
	bool done;
	n.len = 0;
	put_sock(&n, 0, 0, 0);    /* no such state: unknown */
	put_sock(&n, 200, 0, 0);  /* unknown too, counted with it */
	put_sock(&n, 12, 1, 2);   /* TCP_NEW_SYN_RECV's number is node_exporter's rx sum */
	put_sock(&n, 11, 0, 0);   /* closing */
	put_sock(&n, 2, 0, 0);    /* syn_sent */
	CHECK_INT(tally(&n, &t, &out, &done), 0);
	CHECK(!done); /* more would follow in another buffer */
	CHECK_DBL(series_value(out.p, STATE("unknown")), 2);
	CHECK_DBL(series_value(out.p, STATE("rx_queued_bytes")), 2);
	CHECK_DBL(series_value(out.p, STATE("tx_queued_bytes")), 2);
	CHECK_DBL(series_value(out.p, STATE("closing")), 1);
	CHECK_DBL(series_value(out.p, STATE("syn_sent")), 1);
	buf_fini(&out);
}

static void hostile(void)
{
	static struct nlb n;
	struct sockdiag_tally t;
	struct buf out = { 0 };
	bool done;
	/* a socket message shorter than struct inet_diag_msg */
	n.len = 0;
	nlb_msg(&n, SOCK_DIAG_BY_FAMILY);
	nlb_put(&n, "\x01\x01\x00\x00", 4);
	nlb_end(&n);
	CHECK_INT(tally(&n, &t, &out, &done), -EINVAL);
	/* a message whose length runs past the buffer */
	n.len = 0;
	put_sock(&n, 1, 0, 0);
	memcpy(&n.b[0], &(uint32_t){ 4000 }, 4);
	CHECK_INT(tally(&n, &t, &out, &done), -EINVAL);
	/* cut in the middle of the header: ignored, nothing counted */
	n.len = 0;
	put_sock(&n, 1, 0, 0);
	n.len = 10;
	CHECK_INT(tally(&n, &t, &out, &done), 0);
	CHECK_INT(t.sockets, 0);
	/* the kernel's error (no inet_diag for the family, say) is the collection's */
	n.len = 0;
	nlb_msg(&n, NLMSG_ERROR);
	struct nlmsgerr e = { .error = -ENOENT };
	nlb_put(&n, &e, sizeof(e));
	nlb_end(&n);
	CHECK_INT(tally(&n, &t, &out, &done), -ENOENT);
	/* other message types are skipped */
	n.len = 0;
	nlb_msg(&n, 0x77);
	nlb_put(&n, "abcd", 4);
	nlb_end(&n);
	put_sock(&n, 10, 0, 0);
	CHECK_INT(tally(&n, &t, &out, &done), 0);
	CHECK_INT(t.sockets, 1);
	buf_fini(&out);
}

/* A listening TCP socket of family on its loopback address; -1 when it cannot be. */
static int listener(int family)
{
	int fd = loopsock_bound(family, SOCK_STREAM);
	if (fd >= 0 && listen(fd, 7) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void live(void)
{
	int fds[4];
	int n4 = 0, n6 = 0;
	for (int i = 0; i < 4; i++) {
		fds[i] = listener(i < 2 ? AF_INET : AF_INET6);
		if (fds[i] < 0)
			continue;
		if (i < 2)
			n4++;
		else
			n6++;
	}
	CHECK_INT(n4, 2);
	const char *flags[] = { "--collector.disable-defaults", "--collector.tcpstat", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run(flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "tcpstat"), 1);
	double listen = series_value(out.p, STATE("listen"));
	CHECK(listen >= n4 + n6);
	/* every listener's limit (7) is in the send-queue sum */
	CHECK(series_value(out.p, STATE("tx_queued_bytes")) >= 7.0 * (n4 + n6));
	loopsock_close(fds, 4);
	buf_fini(&out);
}

/* A listener of family on the wildcard address (no loopback needed in a fresh
 * namespace, where lo is down) with backlog, or -1. */
static int wildcard_listener(int family, int backlog)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && listen(fd, backlog) < 0) { /* listen() binds to an ephemeral port */
		close(fd);
		fd = -1;
	}
	return fd;
}

/* In a network namespace of its own (the child's; nothing else has sockets there): three
 * IPv4 and two IPv6 listeners, one of them dual-stack. The one dump for both families
 * and the two dumps per family count the same sockets and queues. Returns the number of
 * failed checks, or T_SKIP when the namespace cannot be made. */
static int both_families_child(void)
{
	static unsigned char buf[NL_BUF_SIZE] __attribute__((aligned(8)));
	struct sockdiag_tally any = { 0 }, per = { 0 };
	const int backlog[5] = { 3, 4, 5, 6, 7 };
	int fd[5];
	if (unshare(CLONE_NEWNET) < 0)
		return T_SKIP;
	for (int i = 0; i < 5; i++)
		fd[i] = wildcard_listener(i < 3 ? AF_INET : AF_INET6, backlog[i]);
	CHECK(fd[0] >= 0 && fd[1] >= 0 && fd[2] >= 0);
	int n6 = (fd[3] >= 0) + (fd[4] >= 0);
	/* the three dumps share one kept socket, as a collector's do */
	struct nl_sock nl = NL_SOCK_INIT(NETLINK_SOCK_DIAG);
	CHECK_INT(sockdiag_dump_tcp_any(&nl, buf, sizeof(buf), &any, 5000), 0);
	int kept = nl.fd;
	CHECK(kept >= 0);
	CHECK_INT(sockdiag_dump(&nl, AF_INET, IPPROTO_TCP, buf, sizeof(buf), &per, 5000), 0);
	if (n6)
		CHECK_INT(sockdiag_dump(&nl, AF_INET6, IPPROTO_TCP, buf, sizeof(buf), &per, 5000), 0);
	CHECK_INT(nl.fd, kept);
	/* a request the kernel refuses closes the kept socket; the next opens another */
	struct sockdiag_tally junk = { 0 };
	CHECK(sockdiag_dump(&nl, AF_MAX + 1, IPPROTO_TCP, buf, sizeof(buf), &junk, 5000) < 0);
	CHECK_INT(nl.fd, -1);
	memset(&junk, 0, sizeof(junk));
	CHECK_INT(sockdiag_dump(&nl, AF_INET, IPPROTO_TCP, buf, sizeof(buf), &junk, 5000), 0);
	CHECK(nl.fd >= 0);
	CHECK_INT(junk.sockets, 3);
	nl_sock_close(&nl);
	CHECK_INT(nl.fd, -1);
	CHECK_INT(any.sockets, 3 + n6);
	CHECK_INT(any.state[10], 3 + n6); /* all listening */
	CHECK_INT(any.wqueue, 3 + 4 + 5 + (fd[3] >= 0 ? 6 : 0) + (fd[4] >= 0 ? 7 : 0));
	CHECK(memcmp(&any, &per, sizeof(any)) == 0);
	loopsock_close(fd, 5);
	return t_checks_failed;
}

static void both_families(void)
{
	t_in_child(both_families_child, "both_families", "no network namespace of our own");
}

/* The time limit tcpstat's two dumps share: what is left shrinks, and is 0 once spent. */
static void shared_limit(void)
{
	struct nl_budget b;
	nl_budget_start(&b, 5000);
	unsigned left = nl_budget_left(&b);
	CHECK(left > 4000 && left <= 5000);
	nl_budget_start(&b, 20);
	CHECK(nl_budget_left(&b) >= 1);
	usleep(30 * 1000);
	CHECK_INT(nl_budget_left(&b), 0);
}

int main(void)
{
	RUN(dump_values);
	RUN(odd_states);
	RUN(hostile);
	RUN(live);
	RUN(both_families);
	RUN(shared_limit);
	return T_DONE("test_tcpstat");
}
