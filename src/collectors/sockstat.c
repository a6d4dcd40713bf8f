/*
 * sockstat: socket counts and socket memory per protocol, from /proc/net/sockstat and
 * /proc/net/sockstat6.
 *
 * Each line is "PROTO: key value key value ...", e.g. "TCP: inuse 4 orphan 0 tw 4
 * alloc 17 mem 1". Every known key becomes the gauge node_sockstat_PROTO_key; "mem"
 * counts pages, so it also gives PROTO_mem_bytes (pages times the page size). The
 * first line of the IPv4 file, "sockets: used N", gives node_sockstat_sockets_used.
 * Either file may be missing (IPv4 or IPv6 switched off): it is then skipped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "collectors/sockstat.h"
#include "core/collector.h"
#include "lib/procfile.h"

/* The per-protocol keys node_exporter exports; others in the file are ignored. */
static const char *const known_keys[] = { "inuse", "orphan", "tw", "alloc", "mem", "memory" };

static const struct metric_desc desc_used = {
	"node_sockstat_sockets_used", "Sockets of all kinds in use, from /proc/net/sockstat.",
	METRIC_GAUGE,
};

struct sockstat_priv {
	struct procfile v4, v6;
	long page_size;
};

/* Whether key is one node_exporter exports. */
static bool key_known(struct span key)
{
	for (size_t i = 0; i < sizeof(known_keys) / sizeof(known_keys[0]); i++)
		if (span_eq(key, known_keys[i]))
			return true;
	return false;
}

/* Add node_sockstat_<proto>_<key><suffix> = v. Names the sink refuses (odd bytes in a
 * protocol name) and repeats are skipped. Returns 0 or -errno for a full sink. */
static int emit(struct metric_sink *out, struct span proto, struct span key, const char *suffix,
		double v)
{
	char name[128], help[192];
	const struct span np[] = { SPAN_LIT("node_sockstat_"), proto, SPAN_LIT("_"), key,
				   span_cstr(suffix) };
	int n = span_join(name, sizeof(name), np, 5);
	if (n < 0)
		return 0;
	/* a protocol listed twice: keep the first, as a registry refuses the repeat */
	if (sink_find_family(out, name, (size_t)n) >= 0)
		return 0;
	const struct span hp[] = { SPAN_LIT("Value of "), key, SPAN_LIT(" for "), proto,
				   SPAN_LIT(" sockets, from sockstat"),
				   suffix[0] ? SPAN_LIT(" (in bytes).") : SPAN_LIT(".") };
	if (span_join(help, sizeof(help), hp, 6) < 0)
		return 0; /* cannot happen: help has room for any name that fits */
	struct metric_desc d = { name, help, METRIC_GAUGE };
	int r = sink_add(out, &d, v, NULL, 0);
	return r == -EINVAL || r == -EEXIST ? 0 : r;
}

/* Check one line's key/value pairs; when out != NULL also emit them. Returns 0 or -errno. */
static int do_pairs(struct span proto, struct span rest, bool v6, long page_size,
		    struct metric_sink *out)
{
	struct span key, val;
	bool sockets = span_eq(proto, "sockets");
	bool inuse = false;
	int r;
	while (span_word(&rest, &key)) {
		int64_t v;
		if (!span_word(&rest, &val) || span_i64(val, &v) < 0)
			return -EINVAL;
		if (!out)
			continue;
		if (sockets) {
			if (span_eq(key, "used") && !v6 && (r = sink_gauge(out, &desc_used, (double)v)) < 0)
				return r;
			continue;
		}
		if (!key_known(key))
			continue;
		inuse |= span_eq(key, "inuse");
		if ((r = emit(out, proto, key, "", (double)v)) < 0)
			return r;
		if (span_eq(key, "mem") &&
		    (r = emit(out, proto, key, "_bytes", (double)v * (double)page_size)) < 0)
			return r;
	}
	/* node_exporter always reports inuse for a protocol line, 0 when absent */
	if (out && !sockets && !inuse)
		return emit(out, proto, SPAN_LIT("inuse"), "", 0);
	return 0;
}

/* One pass over the file: check only (out == NULL) or emit. Returns 0 or -errno. */
static int do_file(const char *buf, size_t len, bool v6, long page_size, struct metric_sink *out)
{
	struct cursor c = cursor_init(buf, len);
	struct span line, proto, probe;
	while (cursor_line(&c, &line)) {
		if (!span_word(&line, &proto))
			return -EINVAL; /* an empty line has no protocol */
		struct span rest = line, tmp = line;
		if (!span_word(&tmp, &probe))
			return -EINVAL; /* a protocol and no pairs */
		if (proto.len < 2 || proto.p[proto.len - 1] != ':')
			return -EINVAL;
		proto.len--;
		int r = do_pairs(proto, rest, v6, page_size, out);
		if (r < 0)
			return r;
	}
	return 0;
}

int sockstat_parse(const char *buf, size_t len, bool v6, long page_size, struct metric_sink *out)
{
	int r = do_file(buf, len, v6, page_size, NULL);
	if (r < 0)
		return r;
	return do_file(buf, len, v6, page_size, out);
}

static int sockstat_init(struct collector *c)
{
	struct sockstat_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->v4.fd = p->v6.fd = -1;
	c->priv = p;
	p->page_size = sysconf(_SC_PAGESIZE);
	if (p->page_size <= 0)
		p->page_size = 4096;
	int r = procfile_init(&p->v4, cfg_procfs(c->cfg), "net/sockstat", 1 << 16);
	if (r == 0)
		r = procfile_init(&p->v6, cfg_procfs(c->cfg), "net/sockstat6", 1 << 16);
	procfile_set_whole(&p->v4); /* both made by single_open */
	procfile_set_whole(&p->v6);
	return r;
}

/* Read and parse one file; a missing file is skipped. Returns 0 or -errno. */
static int collect_one(struct procfile *pf, bool v6, long page_size, struct metric_sink *out)
{
	int r = procfile_read(pf);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	return sockstat_parse(pf->buf, pf->len, v6, page_size, out);
}

static int sockstat_collect(struct collector *c, struct metric_sink *out)
{
	struct sockstat_priv *p = c->priv;
	int r = collect_one(&p->v4, false, p->page_size, out);
	if (r < 0)
		return r;
	return collect_one(&p->v6, true, p->page_size, out);
}

static void sockstat_fini(struct collector *c)
{
	struct sockstat_priv *p = c->priv;
	if (p) {
		procfile_fini(&p->v4);
		procfile_fini(&p->v6);
	}
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_sockstat = {
	.name = "sockstat",
	.default_enabled = true,
	.reads = "/proc/net/sockstat, /proc/net/sockstat6",
	.init = sockstat_init,
	.collect = sockstat_collect,
	.fini = sockstat_fini,
};
