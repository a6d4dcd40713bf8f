/* fuzz_rtnl: netlink replies (link, address and ethtool link-mode messages) through
 * the message walk, the decoders and the series netdev and netclass's netlink mode
 * make of them; the output must be a valid exposition. */
#include <linux/rtnetlink.h>

#include "collectors/netclass.h"
#include "collectors/netdev.h"
#include "fuzz_common.h"

#define ETHTOOL_TYPE 0x20 /* the family id the walk treats as ethtool's */

static struct netclass_rtnl *nc;

static int on_msg(void *ctx, uint16_t type, const unsigned char *p, size_t len)
{
	struct metric_sink *s = ctx;
	struct rtnl_link l;
	struct rtnl_addr a;
	struct rtnl_linkmodes lm;
	if (type == RTM_NEWLINK && rtnl_parse_link(p, len, &l) == 0) {
		netdev_emit_link(&l, &(struct netdev_opts){ NULL, len % 2, -1 }, s);
		netclass_rtnl_emit(nc, &l, s);
	} else if (type == RTM_NEWADDR && rtnl_parse_addr(p, len, &a) == 0) {
		netdev_emit_addr(&a, "eth0", s);
	} else if (type == ETHTOOL_TYPE) {
		rtnl_parse_linkmodes(p, len, &lm);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char buf[65536] __attribute__((aligned(8)));
	static struct regex *ignored;
	struct metric_sink *s = fuzz_sink();
	bool done = false;
	if (!nc && (regex_compile("^skip", &ignored, NULL, 0) < 0 ||
		    netclass_rtnl_new("/nonexistent", ignored, true, false, &nc) < 0))
		abort();
	if (size > sizeof(buf))
		return 0;
	memcpy(buf, data, size); /* recv() gives an aligned buffer */
	nl_parse(buf, size, on_msg, s, &done);
	fuzz_check_sink(s);
	return 0;
}
