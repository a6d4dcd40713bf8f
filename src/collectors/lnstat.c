/*
 * lnstat: per-CPU network cache statistics from the files of /proc/net/stat/ (arp_cache,
 * ndisc_cache, nf_conntrack, rt_cache...), as node_exporter's lnstat collector reports
 * them.
 *
 * Each file is a header line of column names, then one line of hexadecimal counters per
 * CPU. Every value becomes node_lnstat_<column>_total{subsystem=<file>,cpu=<n>}, where n
 * counts the values met so far in that column. As in node_exporter (prometheus/procfs), a
 * value that is not hexadecimal fails the collection; a line with more values than the
 * header has names, which makes node_exporter panic, fails it too. A column whose name
 * cannot be part of a metric name (node_exporter would panic again) is left out. Without
 * /proc/net/stat there are no series and the collection succeeds, as in node_exporter.
 *
 * Steady state: the directory is a dirscan held in priv, and each file is read into one
 * buffer in priv that grows only when a file outgrows it: a scrape allocates nothing.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "collectors/lnstat.h"
#include "core/collector.h"
#include "lib/dirscan.h"
#include "lib/procfile.h"

/* Largest file read: far above the few KiB a file takes on a host with 1024 CPUs. */
#define LNSTAT_FILE_MAX (4u << 20)

struct lnstat_priv {
	struct dirscan dir; /* /proc/net/stat */
	char *buf;          /* owned: the file being read */
	size_t cap;
};

/* Whether name[0..len) can stand in a metric name (node_lnstat_<name>_total). */
static bool metric_word(struct span name)
{
	for (size_t i = 0; i < name.len; i++) {
		char c = name.p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
		      ascii_digit(c)))
			return false;
	}
	return true;
}

/* Emit one value of column col for its n-th cpu. Returns 0 or a sink error. */
static int lnstat_emit(const char *subsystem, struct span col, uint32_t n, uint64_t v,
		       struct metric_sink *out)
{
	char name[256 + 32], cpu[16];
	if (!metric_word(col) || col.len > 256)
		return 0;
	snprintf(name, sizeof(name), "node_lnstat_%.*s_total", (int)col.len, col.p);
	snprintf(cpu, sizeof(cpu), "%" PRIu32, n);
	const struct metric_desc d = {
		name, "Linux network cache statistics (/proc/net/stat), per CPU.", METRIC_COUNTER
	};
	return sink_add(out, &d, (double)v, LABELS(L("subsystem", subsystem), L("cpu", cpu)));
}

/* Check the file (out NULL) or emit it. Returns 0 or -errno. */
static int lnstat_pass(const char *subsystem, const char *buf, size_t len,
		       struct metric_sink *out)
{
	struct span cols[LNSTAT_MAX_COLS];
	uint32_t seen[LNSTAT_MAX_COLS] = { 0 };
	size_t ncols = 0;
	struct cursor cur = cursor_init(buf, len);
	struct span line, w;
	if (!cursor_line(&cur, &line))
		return 0;
	while (span_word(&line, &w)) {
		if (ncols == LNSTAT_MAX_COLS)
			return -E2BIG;
		cols[ncols++] = w;
	}
	while (cursor_line(&cur, &line)) {
		for (size_t i = 0; span_word(&line, &w); i++) {
			uint64_t v;
			/* Go's ParseUint(w, 16, 64) takes no "0x" prefix; strtoull would */
			if (i >= ncols || span_starts(w, "0x") || span_starts(w, "0X") ||
			    span_u64_base(w, 16, &v) < 0)
				return -EINVAL;
			int r = out ? lnstat_emit(subsystem, cols[i], seen[i], v, out) : 0;
			if (r < 0)
				return r;
			seen[i]++;
		}
	}
	return 0;
}

int lnstat_parse(const char *subsystem, const char *buf, size_t len, struct metric_sink *out)
{
	int r = lnstat_pass(subsystem, buf, len, NULL);
	return r < 0 ? r : lnstat_pass(subsystem, buf, len, out);
}

/* Read dirfd/name whole into p->buf, growing it (up to LNSTAT_FILE_MAX) when the file
 * does not fit. *len gets the byte count. Returns 0 or -errno. */
static int lnstat_read(struct lnstat_priv *p, int dirfd, const char *name, size_t *len)
{
	for (;;) {
		if (p->cap) {
			int r = read_file_dirfd(dirfd, name, p->buf, p->cap, len);
			if (r != -EFBIG || p->cap >= LNSTAT_FILE_MAX)
				return r;
		}
		size_t ncap = p->cap ? p->cap * 2 : 16384;
		char *nb = realloc(p->buf, ncap);
		if (!nb)
			return -ENOMEM;
		p->buf = nb;
		p->cap = ncap;
	}
}

static int lnstat_init(struct collector *c)
{
	struct lnstat_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->dir.fd = -1;
	c->priv = p;
	return dirscan_init(&p->dir, cfg_procfs(c->cfg), "net/stat");
}

static int lnstat_collect(struct collector *c, struct metric_sink *out)
{
	struct lnstat_priv *p = c->priv;
	const char *name;
	unsigned char type;
	size_t len;
	int r = dirscan_rewind(&p->dir);
	if (r < 0) /* node_exporter finds no files then, and no data is no error */
		return 0;
	while ((r = dirscan_next(&p->dir, &name, &type)) > 0) {
		r = lnstat_read(p, dirscan_fd(&p->dir), name, &len);
		if (r == -EISDIR)
			continue; /* listed like a file, read as an empty one */
		if (r == 0)
			r = lnstat_parse(name, p->buf, len, out);
		if (r < 0)
			break;
	}
	return r;
}

static void lnstat_fini(struct collector *c)
{
	struct lnstat_priv *p = c->priv;
	if (p) {
		dirscan_fini(&p->dir);
		free(p->buf);
	}
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_lnstat = {
	.name = "lnstat",
	.default_enabled = false,
	.reads = "/proc/net/stat/*",
	.init = lnstat_init,
	.collect = lnstat_collect,
	.fini = lnstat_fini,
};
