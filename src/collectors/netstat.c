/*
 * netstat: the kernel's protocol counters (IP, ICMP, TCP, UDP and their extensions)
 * from /proc/net/netstat, /proc/net/snmp and /proc/net/snmp6, as untyped
 * node_netstat_<Proto>_<Field> samples.
 *
 * --collector.netstat.fields picks the fields (a regex over "<Proto>_<Field>", with
 * node_exporter's default). netstat and snmp must exist; snmp6 is missing when IPv6 is
 * off and is then skipped. As in node_exporter, one value that is not a number fails
 * the whole collection, whether or not its field was picked: a file is parsed and
 * emitted in one pass, and what it added is taken back when it fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/netstat.h"
#include "core/collector.h"
#include "lib/log.h"
#include "lib/pickmemo.h"
#include "lib/procfile.h"

#define NAME_PREFIX "node_netstat_"
#define PREFIX_LEN (sizeof(NAME_PREFIX) - 1)

static const struct flag_def netstat_flags[] = {
	{ "collector.netstat.fields", FLAG_REGEX, NETSTAT_DEFAULT_FIELDS,
	  "Regexp over <Proto>_<Field> of the netstat counters to report.", false },
	{ NULL, 0, NULL, NULL, false },
};

struct netstat_priv {
	struct procfile netstat, snmp, snmp6;
	struct regex *fields;
	struct pickmemo memo; /* the fields regex's decisions over the three files, in order */
};

/* What a pass needs besides the text: the fields regex (NULL picks all), the memo of
 * its decisions (NULL: run it on every name), and the sink. */
struct pass {
	const struct regex *fields;
	struct pickmemo *memo;
	struct metric_sink *out;
};

/* Add node_netstat_<proto>_<field> = value to ps->out when picked by ps->fields and
 * not yet in out. Returns 0 or -errno (a full sink); names the sink refuses are
 * skipped. */
static int emit(const struct pass *ps, struct span proto, struct span field, double v)
{
	struct metric_sink *out = ps->out;
	char name[256], help[320];
	int known = ps->fields && ps->memo
			    ? pickmemo_next(ps->memo, proto.p, proto.len, field.p, field.len)
			    : -ENOENT;
	if (known == 0)
		return 0;
	const struct span np[] = { SPAN_LIT(NAME_PREFIX), proto, SPAN_LIT("_"), field };
	int n = span_join(name, sizeof(name), np, 4);
	bool pick = n >= 0;
	if (known < 0 && pick && ps->fields)
		pick = regex_match(ps->fields, name + PREFIX_LEN, (size_t)n - PREFIX_LEN);
	if (known < 0 && ps->memo) /* best effort: a name not remembered is matched again */
		pickmemo_record(ps->memo, proto.p, proto.len, field.p, field.len, pick);
	if (!pick)
		return 0;
	if (sink_find_family(out, name, (size_t)n) >= 0)
		return 0;
	const struct span hp[] = { SPAN_LIT("Kernel protocol counter "), proto, SPAN_LIT(" "),
				   field, SPAN_LIT(".") };
	span_join(help, sizeof(help), hp, 5); /* fits: help has room for any name that does */
	struct metric_desc d = { name, help, METRIC_UNTYPED };
	int r = sink_add(out, &d, v, NULL, 0);
	return r == -EINVAL || r == -EEXIST ? 0 : r;
}

/* One header/value pair of lines. Returns 0 or -errno. */
static int do_pair(struct span head, struct span vals, const struct pass *ps)
{
	struct span proto, field, val;
	if (!span_word(&head, &proto))
		return -EINVAL;
	if (!span_word(&vals, &val)) /* the value line's own "Proto:" */
		return span_word(&head, &field) ? -EINVAL : 0;
	proto.len--; /* drop the ':' */
	for (;;) {
		bool hf = span_word(&head, &field), hv = span_word(&vals, &val);
		double v;
		if (!hf && !hv)
			return 0;
		if (hf != hv || span_double(val, &v) < 0)
			return -EINVAL;
		int r = emit(ps, proto, field, v);
		if (r < 0)
			return r;
	}
}

/* One pass over a pairs file. Returns 0 or -errno. */
static int do_pairs_file(const char *buf, size_t len, const struct pass *ps)
{
	struct cursor c = cursor_init(buf, len);
	struct span head, vals;
	while (cursor_line(&c, &head)) {
		if (!cursor_line(&c, &vals))
			vals = (struct span){ head.p + head.len, 0 };
		int r = do_pair(head, vals, ps);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Emit a pairs file; on failure take back what it added. Returns 0 or -errno. */
static int parse_pairs(const char *buf, size_t len, const struct pass *ps)
{
	uint32_t mark = sink_mark(ps->out);
	int r = do_pairs_file(buf, len, ps);
	if (r < 0)
		sink_rollback(ps->out, mark);
	return r;
}

int netstat_parse_pairs(const char *buf, size_t len, const struct regex *fields,
			struct metric_sink *out)
{
	const struct pass ps = { fields, NULL, out };
	return parse_pairs(buf, len, &ps);
}

/* One pass over snmp6. Returns 0 or -errno. */
static int do_snmp6(const char *buf, size_t len, const struct pass *ps)
{
	struct cursor c = cursor_init(buf, len);
	struct span line, key, val;
	while (cursor_line(&c, &line)) {
		if (!span_word(&line, &key) || !span_word(&line, &val))
			continue;
		const char *six = memchr(key.p, '6', key.len);
		if (!six)
			continue;
		double v;
		if (span_double(val, &v) < 0)
			return -EINVAL;
		size_t plen = (size_t)(six - key.p) + 1;
		struct span proto = { key.p, plen }, field = { key.p + plen, key.len - plen };
		int r = emit(ps, proto, field, v);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Emit snmp6; on failure take back what it added. Returns 0 or -errno. */
static int parse_snmp6(const char *buf, size_t len, const struct pass *ps)
{
	uint32_t mark = sink_mark(ps->out);
	int r = do_snmp6(buf, len, ps);
	if (r < 0)
		sink_rollback(ps->out, mark);
	return r;
}

int netstat_parse_snmp6(const char *buf, size_t len, const struct regex *fields,
			struct metric_sink *out)
{
	const struct pass ps = { fields, NULL, out };
	return parse_snmp6(buf, len, &ps);
}

static int netstat_init(struct collector *c)
{
	struct netstat_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->netstat.fd = p->snmp.fd = p->snmp6.fd = -1;
	c->priv = p;
	const char *proc = cfg_procfs(c->cfg);
	int r = procfile_init(&p->netstat, proc, "net/netstat", 0);
	if (r == 0)
		r = procfile_init(&p->snmp, proc, "net/snmp", 0);
	if (r == 0)
		r = procfile_init(&p->snmp6, proc, "net/snmp6", 0);
	if (r < 0)
		return r;
	procfile_set_whole(&p->netstat); /* all three made by single_open */
	procfile_set_whole(&p->snmp);
	procfile_set_whole(&p->snmp6);
	const char *pat = cfg_str(c->cfg, "collector.netstat.fields");
	return regex_compile(pat ? pat : NETSTAT_DEFAULT_FIELDS, &p->fields, NULL, 0);
}

static int netstat_collect(struct collector *c, struct metric_sink *out)
{
	struct netstat_priv *p = c->priv;
	const struct pass ps = { p->fields, &p->memo, out };
	pickmemo_rewind(&p->memo);
	int r = procfile_read(&p->netstat);
	if (r < 0)
		return r;
	if ((r = parse_pairs(p->netstat.buf, p->netstat.len, &ps)) < 0)
		return r;
	if ((r = procfile_read(&p->snmp)) < 0)
		return r;
	if ((r = parse_pairs(p->snmp.buf, p->snmp.len, &ps)) < 0)
		return r;
	r = procfile_read(&p->snmp6);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	return parse_snmp6(p->snmp6.buf, p->snmp6.len, &ps);
}

static void netstat_fini(struct collector *c)
{
	struct netstat_priv *p = c->priv;
	if (p) {
		procfile_fini(&p->netstat);
		procfile_fini(&p->snmp);
		procfile_fini(&p->snmp6);
		regex_free(p->fields);
		pickmemo_fini(&p->memo);
	}
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_netstat = {
	.name = "netstat",
	.default_enabled = true,
	.reads = "/proc/net/netstat, /proc/net/snmp, /proc/net/snmp6",
	.flags = netstat_flags,
	.init = netstat_init,
	.collect = netstat_collect,
	.fini = netstat_fini,
};
