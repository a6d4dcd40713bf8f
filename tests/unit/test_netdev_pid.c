/*
 * test_netdev_pid: /proc/<pid>/net/dev as cAdvisor reads it (lib/netdev_pid.h): the
 * kept fields, the interfaces left out (lo, veth*, docker*, nerdctl*, any case), a
 * malformed line distrusting the whole file, and cgroup.procs' first process.
 */
#include <errno.h>

#include "lib/netdev_pid.h"
#include "t.h"

static const char dev[] =
	"Inter-|   Receive                                                |  Transmit\n"
	" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
	"    lo:    7348      80    0    0    0     0          0         0     7348      80    0    0    0     0       0          0\n"
	"  eth0: 1000 10 1 2 3 4 5 6 2000 20 7 8 9 10 11 12\n"
	"vethab12: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n"
	"Docker0: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n"
	"  net1:5 6 0 0 0 0 0 0 7 8 0 0 0 0 0 0\n"
	"  \xc3\xa9\x01: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n";

static void test_parse(void)
{
	struct netdev_pid nd;
	CHECK_INT(netdev_pid_parse(span_cstr(dev), &nd), 0);
	CHECK_INT(nd.n, 2);
	CHECK_STR(nd.ifs[0].name, "eth0");
	CHECK(nd.ifs[0].v[ND_RX_BYTES] == 1000 && nd.ifs[0].v[ND_RX_PACKETS] == 10 &&
	      nd.ifs[0].v[ND_RX_ERRORS] == 1 && nd.ifs[0].v[ND_RX_DROPPED] == 2);
	CHECK(nd.ifs[0].v[ND_TX_BYTES] == 2000 && nd.ifs[0].v[ND_TX_PACKETS] == 20 &&
	      nd.ifs[0].v[ND_TX_ERRORS] == 7 && nd.ifs[0].v[ND_TX_DROPPED] == 8);
	CHECK_STR(nd.ifs[1].name, "net1");
	CHECK(nd.ifs[1].v[ND_TX_PACKETS] == 8);
	/* 15 numbers, a word, a name too long, no colon: the whole file is distrusted */
	static const char *const bad[] = {
		"h\nh\neth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n",
		"h\nh\neth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 x\n",
		"h\nh\nabcdefghijklmnop: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",
		"h\nh\neth0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",
		"h\nh\neth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(netdev_pid_parse(span_cstr(bad[i]), &nd), -EINVAL);
		CHECK_INT(nd.n, 0);
	}
	CHECK_INT(netdev_pid_parse(span_cstr("only a header\n"), &nd), 0);
	CHECK_INT(nd.n, 0);
}

static void test_first_pid(void)
{
	uint64_t pid = 0;
	CHECK_INT(cgroup_first_pid(span_cstr("4242\n17\n"), &pid), 0);
	CHECK(pid == 4242);
	CHECK_INT(cgroup_first_pid(span_cstr(""), &pid), -ENOENT);
	CHECK_INT(cgroup_first_pid(span_cstr("\n"), &pid), -ENOENT);
	CHECK_INT(cgroup_first_pid(span_cstr("0\n"), &pid), -EINVAL);
	CHECK_INT(cgroup_first_pid(span_cstr("../1\n"), &pid), -EINVAL);
	CHECK_INT(cgroup_first_pid(span_cstr("99999999999\n"), &pid), -EINVAL);
}

int main(void)
{
	RUN(test_parse);
	RUN(test_first_pid);
	return T_DONE("test_netdev_pid");
}
