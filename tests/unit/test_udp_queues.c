/*
 * test_udp_queues: the udp_queues collector against the fixture host and hostile input
 * (the tables it reads there), the sock_diag replies it sums on a live host (built by
 * hand, UDP as the kernel sends them), and live on this host with UDP sockets the test
 * binds on loopback and fills, against what /proc/net/udp{,6} say at the same time.
 */
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "collectors/udp_queues.h"
#include "lib/procfile.h"
#include "lib/sockdiag.h"
#include "harness.h"
#include "loopsock.h"
#include "nlbuild.h"
#include "tmptree.h"
#include "t.h"

#define HDR "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
#define LINE4 "   0: 00000000:0016 00000000:0000 0A 00000015:00000002 00:00000000 00000000     0        0 2740 1 ffff88003d3af3c0 100 0 0 10 0\n"

static void fixture_values(void)
{
	const char *flags[] = { "--collector.udp_queues", NULL };
	struct buf out = { 0 };
	CHECK_INT(harness_run_fixture(flags, &out), 0);
	CHECK_DBL(series_value(out.p, "node_udp_queues{ip=\"v4\",queue=\"tx\"}"), 21);
	CHECK_DBL(series_value(out.p, "node_udp_queues{ip=\"v4\",queue=\"rx\"}"), 0);
	CHECK(isnan(series_value(out.p, "node_udp_queues{ip=\"v6\",queue=\"rx\"}")));
	CHECK_DBL(collector_success(out.p, "udp_queues"), 1);
	buf_fini(&out);
}

static void missing_files(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.udp_queues", NULL };
	CHECK_INT(tmptree_make(&t), 0);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "udp_queues"), 0);
	tmptree_put(&t, "proc/net/udp6", HDR "   1: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 07 00000000:00000100 00:00000000 00000000 0 0 999 2 0\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "udp_queues"), 1);
	CHECK_DBL(series_value(out.p, "node_udp_queues{ip=\"v6\",queue=\"rx\"}"), 256);
	tmptree_rm(&t);
	buf_fini(&out);
}

static void hostile_input(void)
{
	static const struct {
		const char *text;
		int ok;
		uint64_t tx, rx;
	} cases[] = {
		{ "", 1, 0, 0 },
		{ HDR, 1, 0, 0 },
		{ HDR LINE4 LINE4, 1, 42, 4 },
		{ HDR "   0: 00000000:0016 00000000:0000 0A 00000015:00000002 00:00000000 00000000 0 0\n", 0, 0, 0 },
		{ HDR "   0: 00000000:0016 00000000:0000 0A 00000015 00:00000000 00000000 0 0 2740\n", 0, 0, 0 },
		{ HDR "   0: 0000000:0016 00000000:0000 0A 00000015:00000002 00:00000000 00000000 0 0 2740\n", 0, 0, 0 },
		{ HDR "   0: 00000000:0016 00000000:0000 0A 1ffffffffffffffff:0 00:00000000 00000000 0 0 2740\n", 0, 0, 0 },
		{ HDR "   x: 00000000:0016 00000000:0000 0A 1:0 00:00000000 00000000 0 0 2740\n", 0, 0, 0 },
		{ HDR "\n", 0, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t tx = 99, rx = 99;
		int r = udp_queues_parse(cases[i].text, strlen(cases[i].text), &tx, &rx);
		if (cases[i].ok) {
			CHECK_INT(r, 0);
			CHECK_INT(tx, cases[i].tx);
			CHECK_INT(rx, cases[i].rx);
		} else {
			CHECK(r < 0);
		}
	}
}

/* Append one UDP socket's message of family: state, receive and send queue. */
static void put_udp(struct nlb *n, uint8_t family, uint8_t state, uint32_t rq, uint32_t wq)
{
	struct inet_diag_msg m = { .idiag_family = family, .idiag_state = state,
				   .idiag_rqueue = rq, .idiag_wqueue = wq };
	nlb_msg(n, SOCK_DIAG_BY_FAMILY);
	nlb_put(n, &m, sizeof(m));
	nlb_attr(n, INET_DIAG_SHUTDOWN, "\0", 1); /* the kernel adds attributes after it */
	nlb_end(n);
}

static void diag_replies(void)
{
	static struct nlb n;
	struct sockdiag_tally t;
	bool done = false;
	/* unconnected (TCP_CLOSE) and connected (TCP_ESTABLISHED) sockets, one full */
	n.len = 0;
	put_udp(&n, AF_INET, 7, 0, 0);
	put_udp(&n, AF_INET, 7, 212992, 0);
	put_udp(&n, AF_INET, 1, 768, 2304);
	nlb_done(&n);
	memset(&t, 0, sizeof(t));
	CHECK_INT(sockdiag_parse(n.b, n.len, &t, &done), 0);
	CHECK(done);
	CHECK_INT(t.sockets, 3);
	CHECK_INT(t.rqueue, 212992 + 768);
	CHECK_INT(t.wqueue, 2304);
	CHECK_INT(t.state[7], 2);
	/* a reply in two buffers adds up; an empty dump is zero sockets, not an error */
	n.len = 0;
	put_udp(&n, AF_INET6, 7, 100, 1);
	CHECK_INT(sockdiag_parse(n.b, n.len, &t, &done), 0);
	CHECK_INT(t.rqueue, 212992 + 768 + 100);
	n.len = 0;
	nlb_done(&n);
	memset(&t, 0, sizeof(t));
	done = false;
	CHECK_INT(sockdiag_parse(n.b, n.len, &t, &done), 0);
	CHECK(done);
	CHECK_INT(t.sockets + t.rqueue + t.wqueue, 0);
	/* the kernel's answer without udp_diag: the dump ends at once, the error in its
	 * NLMSG_DONE (older kernels sent an NLMSG_ERROR) */
	int32_t enoent = -ENOENT;
	n.len = 0;
	nlb_msg(&n, NLMSG_DONE);
	nlb_put(&n, &enoent, sizeof(enoent));
	nlb_end(&n);
	CHECK_INT(sockdiag_parse(n.b, n.len, &t, &done), -ENOENT);
	n.len = 0;
	put_udp(&n, AF_INET, 7, 5, 0);
	nlb_msg(&n, NLMSG_DONE);
	nlb_put(&n, "\x00\x00", 2); /* too short to carry an error: none */
	nlb_end(&n);
	CHECK_INT(sockdiag_parse(n.b, n.len, &t, &done), 0);
	n.len = 0;
	nlb_msg(&n, NLMSG_ERROR);
	struct nlmsgerr e = { .error = -ENOENT };
	nlb_put(&n, &e, sizeof(e));
	nlb_end(&n);
	CHECK_INT(sockdiag_parse(n.b, n.len, &t, &done), -ENOENT);
	/* a cut socket message */
	n.len = 0;
	nlb_msg(&n, SOCK_DIAG_BY_FAMILY);
	nlb_put(&n, "\x02\x07\x00\x00", 4);
	nlb_end(&n);
	CHECK_INT(sockdiag_parse(n.b, n.len, &t, &done), -EINVAL);
}

/* Send count datagrams of size bytes from fd to the socket to, which never reads them.
 * Returns how many went. */
static int fill(int fd, int to, int count, size_t size)
{
	struct sockaddr_storage a;
	socklen_t alen = sizeof(a);
	char data[1000] = { 0 };
	int sent = 0;
	if (getsockname(to, (struct sockaddr *)&a, &alen) < 0)
		return 0;
	for (int i = 0; i < count; i++)
		sent += sendto(fd, data, size, MSG_DONTWAIT, (struct sockaddr *)&a, alen) ==
			(ssize_t)size;
	return sent;
}

/* The sums /proc/net/<rel> gives now; false when it cannot be read. */
static bool table_sums(const char *rel, uint64_t *tx, uint64_t *rx)
{
	static char text[1 << 20];
	size_t len;
	return read_file_at("/proc/net", rel, text, sizeof(text), &len) == 0 &&
	       udp_queues_parse(text, len, tx, rx) == 0;
}

/* plumb's four series against the tables, read just before and just after the scrape
 * (other processes' sockets may change in between: then only the bytes the test holds
 * are checked). */
static void live(void)
{
	int fd[4];
	for (int i = 0; i < 4; i++)
		fd[i] = loopsock_bound(i < 2 ? AF_INET : AF_INET6, SOCK_DGRAM);
	CHECK(fd[0] >= 0 && fd[1] >= 0);
	int sent4 = fill(fd[0], fd[1], 5, 1000);
	int sent6 = fd[2] >= 0 && fd[3] >= 0 ? fill(fd[2], fd[3], 3, 500) : 0;
	CHECK_INT(sent4, 5);
	const char *flags[] = { "--collector.disable-defaults", "--collector.udp_queues", NULL };
	static const char *const rel[2] = { "udp", "udp6" };
	static const char *const ip[2] = { "v4", "v6" };
	uint64_t tx0[2], rx0[2], tx1[2], rx1[2];
	struct buf out = { 0 };
	for (int i = 0; i < 2; i++)
		CHECK(table_sums(rel[i], &tx0[i], &rx0[i]) || i == 1);
	CHECK_INT(harness_run(flags, &out), 0);
	for (int i = 0; i < 2; i++)
		CHECK(table_sums(rel[i], &tx1[i], &rx1[i]) || i == 1);
	CHECK_DBL(collector_success(out.p, "udp_queues"), 1);
	for (int i = 0; i < 2; i++) {
		char rxs[64], txs[64];
		snprintf(rxs, sizeof(rxs), "node_udp_queues{ip=\"%s\",queue=\"rx\"}", ip[i]);
		snprintf(txs, sizeof(txs), "node_udp_queues{ip=\"%s\",queue=\"tx\"}", ip[i]);
		double rx = series_value(out.p, rxs), tx = series_value(out.p, txs);
		if (i == 1 && access("/proc/net/udp6", F_OK) != 0) {
			CHECK(isnan(rx) && isnan(tx)); /* no IPv6: no series, as node_exporter */
			continue;
		}
		/* each datagram costs at least its payload in the receive buffer */
		CHECK(rx >= (i ? 500.0 * sent6 : 1000.0 * sent4));
		if (rx0[i] == rx1[i] && tx0[i] == tx1[i]) {
			CHECK_DBL(rx, (double)rx1[i]);
			CHECK_DBL(tx, (double)tx1[i]);
		}
	}
	loopsock_close(fd, 4);
	buf_fini(&out);
}

/* A --path.procfs tree whose self/ns/net is this process's namespace is asked over
 * sock_diag, whatever its tables say; one without (a fixture) is read as it is. */
static void namespace_decides(void)
{
	struct tmptree t;
	struct buf out = { 0 };
	const char *flags[] = { "--collector.udp_queues", NULL };
	const char *rx4 = "node_udp_queues{ip=\"v4\",queue=\"rx\"}";
	CHECK_INT(tmptree_make(&t), 0);
	/* rx_queue 0x7ffffff0: far more than this host's sockets hold */
	tmptree_put(&t, "proc/net/udp",
		    HDR "   0: 0100007F:0035 00000000:0000 07 00000000:7FFFFFF0 00:00000000 "
			"00000000 0 0 99 2 0 0\n");
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(series_value(out.p, rx4), 0x7ffffff0);
	CHECK_INT(tmptree_link(&t, "proc/self", "/proc/self"), 0);
	CHECK_INT(tmptree_run(&t, flags, &out), 0);
	CHECK_DBL(collector_success(out.p, "udp_queues"), 1);
	CHECK(series_value(out.p, rx4) < 0x7ffffff0);
	/* the tree has no net/udp6, so no ip="v6" even from the live namespace */
	CHECK(isnan(series_value(out.p, "node_udp_queues{ip=\"v6\",queue=\"rx\"}")));
	tmptree_rm(&t);
	buf_fini(&out);
}

int main(void)
{
	RUN(fixture_values);
	RUN(missing_files);
	RUN(hostile_input);
	RUN(diag_replies);
	RUN(live);
	RUN(namespace_decides);
	return T_DONE("test_udp_queues");
}
