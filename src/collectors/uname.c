/*
 * uname: the kernel's identity (uname(2)) as the labels of node_uname_info.
 *
 * The call is made every scrape, as the host name can change while plumb runs; it is a
 * plain system call and allocates nothing.
 */
#include <errno.h>
#include <string.h>

#include "collectors/uname.h"
#include "core/collector.h"

static const struct metric_desc desc_uname = {
	"node_uname_info",
	"Always 1; the labels are the kernel's uname(2) fields.",
	METRIC_GAUGE,
};

/* A label from a fixed-size utsname array, stopping at its NUL or its end. */
#define UTS_LABEL(n, arr) ((struct label){ (n), (arr), strnlen((arr), sizeof(arr)) })

int uname_emit(const struct utsname *u, struct metric_sink *out)
{
	/* labels in name order, the order node_exporter prints them in */
	return sink_add(out, &desc_uname, 1,
			LABELS(UTS_LABEL("domainname", u->domainname),
			       UTS_LABEL("machine", u->machine), UTS_LABEL("nodename", u->nodename),
			       UTS_LABEL("release", u->release), UTS_LABEL("sysname", u->sysname),
			       UTS_LABEL("version", u->version)));
}

static int uname_collect(struct collector *c, struct metric_sink *out)
{
	struct utsname u;
	(void)c;
	if (uname(&u) < 0)
		return -errno;
	return uname_emit(&u, out);
}

const struct collector_ops collector_ops_uname = {
	.name = "uname",
	.default_enabled = true,
	.reads = "the uname(2) system call",
	.collect = uname_collect,
};
