/*
 * cpu_vulnerabilities: the kernel's view of CPU hardware vulnerabilities (Spectre,
 * Meltdown, MDS...) from /sys/devices/system/cpu/vulnerabilities/, as node_exporter's
 * cpu_vulnerabilities collector reports it.
 *
 * Each file is named for a vulnerability and holds one line: "Not affected",
 * "Vulnerable[: detail]", "Mitigation: detail" or "Unknown[: detail]". Each gives one
 * node_cpu_vulnerabilities_info series (value 1) labelled with the file's name, the state
 * (matched case-blind on the start of the text) and the mitigation (the words after the
 * first, joined by single spaces; none for "not affected"). Text in none of these forms
 * is state "unknown" with the whole text as mitigation. As in node_exporter, a host
 * without the directory has no series and the collection succeeds, and a file that
 * cannot be read fails it.
 *
 * Steady state: the directory is a dirscan held in priv and each file is read into a
 * buffer in priv: a scrape allocates nothing.
 */
#include <errno.h>
#include <stdlib.h>

#include "collectors/cpu_vulnerabilities.h"
#include "core/collector.h"
#include "lib/dirscan.h"
#include "lib/procfile.h"

static const struct metric_desc desc_info = {
	"node_cpu_vulnerabilities_info",
	"Always 1 for each CPU vulnerability sysfs lists; the labels carry its state "
	"(not affected, vulnerable, mitigation, unknown) and the mitigation in use.",
	METRIC_GAUGE
};

struct cpuvuln_priv {
	struct dirscan dir;                /* /sys/devices/system/cpu/vulnerabilities */
	char buf[CPUVULN_FILE_MAX + 1];    /* the file being read */
};

/* Whether s starts with lower (lowercase ASCII), ignoring ASCII case. */
static bool starts_nocase(struct span s, const char *lower)
{
	size_t n = strlen(lower);
	if (s.len < n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s.p[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != lower[i])
			return false;
	}
	return true;
}

int cpuvuln_parse(const char *codename, char *buf, size_t len, struct metric_sink *out)
{
	static const char *const states[] = { "not affected", "vulnerable", "mitigation",
					      "unknown" };
	struct span text = span_trim((struct span){ buf, len }), rest = text, w;
	struct span m = { buf, 0 };
	size_t st = 0;
	while (st < 4 && !starts_nocase(text, states[st]))
		st++;
	if (st == 4) {
		st = 3; /* unknown, with the raw text */
		m = text;
	} else if (st > 0) {
		/* the words after the state's, joined by one space each: written over buf
		 * from its start, never ahead of what is still to be read */
		span_word(&rest, &w);
		while (span_word(&rest, &w)) {
			if (m.len)
				buf[m.len++] = ' ';
			memmove(buf + m.len, w.p, w.len);
			m.len += w.len;
		}
	}
	return sink_add(out, &desc_info, 1,
			LABELS(L("codename", codename), L("state", states[st]), LS("mitigation", m)));
}

static int cpuvuln_init(struct collector *c)
{
	struct cpuvuln_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->dir.fd = -1;
	c->priv = p;
	return dirscan_init(&p->dir, cfg_sysfs(c->cfg), "devices/system/cpu/vulnerabilities");
}

static int cpuvuln_collect(struct collector *c, struct metric_sink *out)
{
	struct cpuvuln_priv *p = c->priv;
	const char *name;
	unsigned char type;
	size_t len;
	int r = dirscan_rewind(&p->dir);
	if (r < 0) /* node_exporter's glob finds nothing then: no series, no failure */
		return 0;
	while ((r = dirscan_next(&p->dir, &name, &type)) > 0) {
		r = read_file_dirfd(dirscan_fd(&p->dir), name, p->buf, sizeof(p->buf), &len);
		if (r == 0)
			r = cpuvuln_parse(name, p->buf, len, out);
		if (r < 0)
			break;
	}
	return r;
}

static void cpuvuln_fini(struct collector *c)
{
	struct cpuvuln_priv *p = c->priv;
	if (p)
		dirscan_fini(&p->dir);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_cpu_vulnerabilities = {
	.name = "cpu_vulnerabilities",
	.default_enabled = false,
	.reads = "/sys/devices/system/cpu/vulnerabilities/*",
	.init = cpuvuln_init,
	.collect = cpuvuln_collect,
	.fini = cpuvuln_fini,
};
