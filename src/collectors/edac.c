/*
 * edac: memory error counters from the kernel's EDAC driver, as node_exporter's edac
 * collector reports them.
 *
 * For each memory controller /sys/devices/system/edac/mc/mc<N> we report its corrected
 * and uncorrected error counts, the counts the driver could not attribute to a row
 * (csrow="unknown"), each chip-select row's counts (csrow<M>/ce_count, ue_count) and,
 * where the driver has them, each channel's (csrow<M>/ch<K>_ce_count, ch<K>_ue_count).
 * A controller or row whose counters cannot be read fails the collection, as in
 * node_exporter; channel counters are optional.
 *
 * Steady state: directories are listed with dirscans held in priv and attribute files
 * are read into stack buffers, so a scrape allocates nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/edac.h"
#include "core/collector.h"
#include "lib/dirscan.h"
#include "lib/procfile.h"

static const struct metric_desc desc_ce = {
	"node_edac_correctable_errors_total", "Corrected memory errors on a memory controller.",
	METRIC_COUNTER
};
static const struct metric_desc desc_ue = {
	"node_edac_uncorrectable_errors_total",
	"Uncorrected memory errors on a memory controller.", METRIC_COUNTER
};
static const struct metric_desc desc_row_ce = {
	"node_edac_csrow_correctable_errors_total",
	"Corrected memory errors on a chip-select row (unknown: not attributed).", METRIC_COUNTER
};
static const struct metric_desc desc_row_ue = {
	"node_edac_csrow_uncorrectable_errors_total",
	"Uncorrected memory errors on a chip-select row (unknown: not attributed).",
	METRIC_COUNTER
};
static const struct metric_desc desc_ch_ce = {
	"node_edac_channel_correctable_errors_total",
	"Corrected memory errors on one channel of a chip-select row.", METRIC_COUNTER
};
static const struct metric_desc desc_ch_ue = {
	"node_edac_channel_uncorrectable_errors_total",
	"Uncorrected memory errors on one channel of a chip-select row.", METRIC_COUNTER
};

struct edac_priv {
	struct dirscan mc, ctl, row;
	char base[PATH_MAX];
};

int edac_parse_count(struct span text, uint64_t *out)
{
	return span_u64(span_trim(text), out);
}

bool edac_numbered(const char *name, const char *prefix, struct span *num)
{
	size_t pl = strlen(prefix), n = 0;
	if (strncmp(name, prefix, pl) != 0)
		return false;
	while (ascii_digit(name[pl + n]))
		n++;
	*num = (struct span){ name + pl, n };
	return n > 0;
}

bool edac_channel_file(const char *name, struct span *num)
{
	struct span s = span_cstr(name);
	if (s.len < 12 || !span_starts(s, "ch") || !ascii_digit(name[2]) || !span_ends(s, "_ce_count"))
		return false;
	for (size_t i = 0; i + 2 < s.len; i++) {
		size_t n = 0;
		if (name[i] != 'c' || name[i + 1] != 'h')
			continue;
		while (ascii_digit(name[i + 2 + n]))
			n++;
		if (n && strncmp(name + i + 2 + n, "_ce_count", 9) == 0) {
			*num = (struct span){ name + i + 2, n };
			return true;
		}
	}
	return false;
}

/* Read counter `name` in the directory dirfd. Returns 0 or -errno. */
static int read_count(int dirfd, const char *name, uint64_t *v)
{
	char buf[64];
	int r = read_attr(dirfd, name, buf, sizeof(buf));
	return r < 0 ? r : edac_parse_count(span_cstr(buf), v);
}

/* Channel counters of one row; unreadable files are left out. */
static int edac_channels(struct edac_priv *p, struct span mc, struct span row,
			 struct metric_sink *out)
{
	const char *name;
	unsigned char type;
	int r;
	while ((r = dirscan_next(&p->row, &name, &type)) > 0) {
		struct span chn;
		char chs[24], label[96], ue[48];
		uint64_t v;
		if (!edac_channel_file(name, &chn) || span_copy(chn, chs, sizeof(chs)) < 0)
			continue;
		snprintf(label, sizeof(label), "mc%.*s_csrow%.*s_channel%s", (int)mc.len, mc.p,
			 (int)row.len, row.p, chs);
		const struct label ls[] = { L("channel", chs), LS("controller", mc), LS("csrow", row),
					    L("dimm_label", label) };
		if (read_count(dirscan_fd(&p->row), name, &v) == 0 &&
		    (r = sink_add(out, &desc_ch_ce, (double)v, ls, 4)) < 0)
			return r;
		snprintf(ue, sizeof(ue), "ch%s_ue_count", chs);
		if (read_count(dirscan_fd(&p->row), ue, &v) == 0 &&
		    (r = sink_add(out, &desc_ch_ue, (double)v, ls, 4)) < 0)
			return r;
	}
	return r;
}

/* One csrow<M> directory of controller mc. */
static int edac_row(struct edac_priv *p, struct span mc, const char *dirname,
		    struct metric_sink *out)
{
	struct span row;
	uint64_t ce, ue;
	char rel[PATH_MAX];
	int r;
	if (!edac_numbered(dirname, "csrow", &row))
		return 0;
	snprintf(rel, sizeof(rel), "mc%.*s/%s", (int)mc.len, mc.p, dirname);
	r = dirscan_init(&p->row, p->base, rel);
	if (r == 0)
		r = dirscan_rewind(&p->row);
	if (r == 0)
		r = read_count(dirscan_fd(&p->row), "ce_count", &ce);
	if (r == 0)
		r = read_count(dirscan_fd(&p->row), "ue_count", &ue);
	if (r == 0)
		r = sink_add(out, &desc_row_ce, (double)ce, LABELS(LS("controller", mc), LS("csrow", row)));
	if (r == 0)
		r = sink_add(out, &desc_row_ue, (double)ue, LABELS(LS("controller", mc), LS("csrow", row)));
	if (r == 0)
		r = edac_channels(p, mc, row, out);
	dirscan_fini(&p->row);
	return r;
}

/* One mc<N> directory. */
static int edac_controller(struct edac_priv *p, const char *dirname, struct metric_sink *out)
{
	static const char *const files[4] = { "ce_count", "ce_noinfo_count", "ue_count",
					       "ue_noinfo_count" };
	struct span mc;
	uint64_t v[4];
	const char *name;
	unsigned char type;
	int r = 0;
	if (!edac_numbered(dirname, "mc", &mc))
		return 0;
	if (dirscan_init(&p->ctl, p->base, dirname) < 0 || (r = dirscan_rewind(&p->ctl)) < 0)
		goto out_close;
	for (int i = 0; i < 4 && r == 0; i++)
		r = read_count(dirscan_fd(&p->ctl), files[i], &v[i]);
	if (r == 0)
		r = sink_add(out, &desc_ce, (double)v[0], LABELS(LS("controller", mc)));
	if (r == 0)
		r = sink_add(out, &desc_row_ce, (double)v[1],
			     LABELS(LS("controller", mc), L("csrow", "unknown")));
	if (r == 0)
		r = sink_add(out, &desc_ue, (double)v[2], LABELS(LS("controller", mc)));
	if (r == 0)
		r = sink_add(out, &desc_row_ue, (double)v[3],
			     LABELS(LS("controller", mc), L("csrow", "unknown")));
	while (r == 0 && (r = dirscan_next(&p->ctl, &name, &type)) > 0)
		r = edac_row(p, mc, name, out);
out_close:
	dirscan_fini(&p->ctl);
	return r;
}

static int edac_init(struct collector *c)
{
	struct edac_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->priv = p;
	p->mc.fd = p->ctl.fd = p->row.fd = -1;
	int r = path_join(p->base, sizeof(p->base), cfg_sysfs(c->cfg), "devices/system/edac/mc");
	if (r == 0)
		r = dirscan_init(&p->mc, cfg_sysfs(c->cfg), "devices/system/edac/mc");
	return r;
}

static int edac_collect(struct collector *c, struct metric_sink *out)
{
	struct edac_priv *p = c->priv;
	const char *name;
	unsigned char type;
	int r;
	if (dirscan_rewind(&p->mc) < 0)
		return 0; /* no EDAC driver: nothing to report, as node_exporter's empty glob */
	while ((r = dirscan_next(&p->mc, &name, &type)) > 0) {
		r = edac_controller(p, name, out);
		if (r < 0)
			return r;
	}
	return r;
}

static void edac_fini(struct collector *c)
{
	struct edac_priv *p = c->priv;
	if (!p)
		return;
	dirscan_fini(&p->mc);
	dirscan_fini(&p->ctl);
	dirscan_fini(&p->row);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_edac = {
	.name = "edac",
	.default_enabled = true,
	.reads = "/sys/devices/system/edac/mc",
	.init = edac_init,
	.collect = edac_collect,
	.fini = edac_fini,
};
