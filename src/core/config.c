/*
 * config: node_exporter-compatible command-line parsing. See config.h.
 */
#include "core/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/collector.h"
#include "version.h"
#include "lib/regex.h"
#include "lib/strparse.h"


#define MAX_VALUES 64 /* per repeatable flag */

static const struct flag_def core_flags[] = {
	{ "web.listen-address", FLAG_STRING, ":9100",
	  "Address to serve on, as [host]:port; give it more than once to listen on several.",
	  true },
	{ "web.telemetry-path", FLAG_STRING, "/metrics", "Path under which metrics are served.",
	  false },
	{ "web.max-requests", FLAG_INT, "40",
	  "Most scrapes (and password checks) served at once; more get 429. 0 means no limit.", false },
	{ "path.procfs", FLAG_STRING, "/proc", "Where procfs is mounted.", false },
	{ "path.sysfs", FLAG_STRING, "/sys", "Where sysfs is mounted.", false },
	{ "path.rootfs", FLAG_STRING, "/", "Where the host's root filesystem is mounted.", false },
	{ "path.udev.data", FLAG_STRING, "/run/udev/data", "Where udev keeps its device database.",
	  false },
	{ "collector.disable-defaults", FLAG_BOOL, "false",
	  "Turn off every collector that is on by default; enable the ones you want by name.",
	  false },
	{ "log.level", FLAG_STRING, "info", "Least severe level logged: debug, info, warn, error.",
	  false },
	{ "log.format", FLAG_STRING, "logfmt", "Log line format: logfmt or json.", false },
	{ NULL, 0, NULL, NULL, false },
};

/* One known flag. Kept small: there are about two hundred, and the table lives as long as
 * plumb does. */
struct entry {
	const struct flag_def *def;
	const struct collector_ops *ops; /* the collector an enable flag turns on, else NULL */
	char name[48];            /* "collector.NAME" for enable flags */
	struct flag_def own;      /* storage for generated defs (help made by print_help) */
	const char **values;      /* the values given, in order; grown by set_value */
	size_t nvalues, cap;
	bool given;
};

struct plumb_config {
	struct entry *entries;
	size_t n;
};

/* The entry of flag name, or NULL; owned by cfg. */
static struct entry *find(const struct plumb_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n; i++)
		if (strcmp(cfg->entries[i].def->name, name) == 0)
			return &cfg->entries[i];
	return NULL;
}

const char *cfg_str(const struct plumb_config *cfg, const char *name)
{
	const struct entry *e = find(cfg, name);
	if (!e)
		return NULL;
	return e->nvalues ? e->values[e->nvalues - 1] : e->def->def;
}

bool cfg_bool(const struct plumb_config *cfg, const char *name)
{
	const char *v = cfg_str(cfg, name);
	return v && strcmp(v, "true") == 0;
}

int cfg_int(const struct plumb_config *cfg, const char *name, int64_t *out)
{
	const char *v = cfg_str(cfg, name);
	return v ? str_i64(v, out) : -ENOENT;
}

int cfg_duration_ms(const struct plumb_config *cfg, const char *name, int64_t *out)
{
	const char *v = cfg_str(cfg, name);
	return v ? parse_duration_ms(v, out) : -ENOENT;
}

size_t cfg_all(const struct plumb_config *cfg, const char *name, const char *const **vals)
{
	const struct entry *e = find(cfg, name);
	if (!e) {
		*vals = NULL;
		return 0;
	}
	if (e->nvalues) {
		*vals = e->values;
		return e->nvalues;
	}
	*vals = &e->def->def;
	return e->def->def ? 1 : 0;
}

bool cfg_given(const struct plumb_config *cfg, const char *name)
{
	const struct entry *e = find(cfg, name);
	return e && e->given;
}

const char *cfg_procfs(const struct plumb_config *cfg)
{
	return cfg_str(cfg, "path.procfs");
}
const char *cfg_sysfs(const struct plumb_config *cfg)
{
	return cfg_str(cfg, "path.sysfs");
}
const char *cfg_rootfs(const struct plumb_config *cfg)
{
	return cfg_str(cfg, "path.rootfs");
}
const char *cfg_udev(const struct plumb_config *cfg)
{
	return cfg_str(cfg, "path.udev.data");
}

int parse_duration_ms(const char *s, int64_t *out)
{
	static const struct {
		const char *unit;
		double ms;
	} units[] = { { "ns", 1e-6 }, { "us", 1e-3 }, { "\xC2\xB5s", 1e-3 }, { "ms", 1 },
		      { "s", 1000 },  { "m", 60000 }, { "h", 3600000 },         { "d", 86400000 } };
	double total = 0;
	const char *p = s;
	if (!*p)
		return -EINVAL;
	if (strcmp(p, "0") == 0) {
		*out = 0;
		return 0;
	}
	while (*p) {
		char *end;
		if (!((*p >= '0' && *p <= '9') || *p == '.'))
			return -EINVAL;
		double v = strtod(p, &end);
		if (end == p)
			return -EINVAL;
		p = end;
		size_t best = 0;
		double mult = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t ul = strlen(units[i].unit);
			if (strncmp(p, units[i].unit, ul) == 0 && ul > best) {
				best = ul;
				mult = units[i].ms;
			}
		}
		if (!best)
			return -EINVAL;
		p += best;
		total += v * mult;
	}
	if (total > 9.2e15)
		return -ERANGE;
	*out = (int64_t)(total + 0.5);
	return 0;
}

/* Check a value against its flag's kind. Returns 0 or -EINVAL with a reason in why. */
static int validate(const struct flag_def *d, const char *v, char *why, size_t cap)
{
	int64_t i;
	struct regex *re;
	switch (d->kind) {
	case FLAG_BOOL:
		if (strcmp(v, "true") && strcmp(v, "false")) {
			snprintf(why, cap, "expected true or false");
			return -EINVAL;
		}
		return 0;
	case FLAG_INT:
		if (str_i64(v, &i) < 0) {
			snprintf(why, cap, "expected an integer");
			return -EINVAL;
		}
		return 0;
	case FLAG_DURATION:
		if (parse_duration_ms(v, &i) < 0) {
			snprintf(why, cap, "expected a duration such as 5s, 250ms or 1m30s");
			return -EINVAL;
		}
		return 0;
	case FLAG_REGEX:
		if (regex_compile(v, &re, why, cap) < 0)
			return -EINVAL;
		regex_free(re);
		return 0;
	case FLAG_STRING:
		return 0;
	}
	return 0;
}

/* Number of flags in table t (ended by a NULL name); 0 for a NULL table. */
static size_t count_defs(const struct flag_def *t)
{
	size_t n = 0;
	while (t && t[n].name)
		n++;
	return n;
}

/* Build the table of every known flag. Returns 0 or -ENOMEM. */
static int build(struct plumb_config *cfg)
{
	size_t n = count_defs(core_flags);
	for (size_t t = 0; plumb_flag_tables[t]; t++)
		n += count_defs(plumb_flag_tables[t]);
	for (size_t c = 0; plumb_collectors[c]; c++)
		n += 1 + count_defs(plumb_collectors[c]->flags);
	/* NOLINTNEXTLINE(clang-analyzer-optin.portability.UnixAPI): core_flags makes n > 0 */
	cfg->entries = calloc(n, sizeof(*cfg->entries));
	if (!cfg->entries)
		return -ENOMEM;
	for (size_t i = 0; core_flags[i].name; i++)
		cfg->entries[cfg->n++].def = &core_flags[i];
	for (size_t t = 0; plumb_flag_tables[t]; t++)
		for (size_t i = 0; plumb_flag_tables[t][i].name; i++)
			cfg->entries[cfg->n++].def = &plumb_flag_tables[t][i];
	for (size_t c = 0; plumb_collectors[c]; c++) {
		const struct collector_ops *ops = plumb_collectors[c];
		struct entry *e = &cfg->entries[cfg->n++];
		int len = snprintf(e->name, sizeof(e->name), "collector.%s", ops->name);
		if (len < 0 || (size_t)len >= sizeof(e->name))
			return -ENAMETOOLONG; /* a collector's name is a short word; caught by tests */
		e->ops = ops;
		e->own = (struct flag_def){ e->name, FLAG_BOOL, ops->default_enabled ? "true" : "false",
					    "", false };
		e->def = &e->own;
		for (size_t i = 0; ops->flags && ops->flags[i].name; i++)
			cfg->entries[cfg->n++].def = &ops->flags[i];
	}
	return 0;
}

/* Print the usage text and every flag of cfg to stdout, for --help. */
static void print_help(const struct plumb_config *cfg)
{
	printf("usage: plumb [<flags>]\n\n"
	       "A node agent that serves the host's metrics as node_exporter does.\n\nFlags:\n"
	       "  -h, --help                 Show this help and exit (--help-long: the same).\n"
	       "      --version              Show the version and exit.\n");
	for (size_t i = 0; i < cfg->n; i++) {
		const struct flag_def *d = cfg->entries[i].def;
		const struct collector_ops *ops = cfg->entries[i].ops;
		char left[160];
		if (ops) {
			printf("      --[no-]%-33s Enable the %s collector (default: %s). Reads %s.\n",
			       d->name, ops->name, ops->default_enabled ? "enabled" : "disabled",
			       ops->reads);
			continue;
		}
		if (d->kind == FLAG_BOOL)
			snprintf(left, sizeof(left), "--[no-]%s", d->name);
		else
			snprintf(left, sizeof(left), "--%s=%s", d->name,
				 d->kind == FLAG_REGEX ? "REGEX"
				 : d->kind == FLAG_DURATION ? "DURATION"
				 : d->kind == FLAG_INT ? "N"
							: "VALUE");
		printf("      %-40s %s", left, d->help);
		if (d->kind != FLAG_BOOL && d->def && *d->def)
			printf(" (default: %s)", d->def);
		if (d->repeatable)
			printf(" Repeatable.");
		printf("\n");
	}
}

/* Validate v for flag e and add it to e's values (kept, not copied: v must outlive
 * cfg; the array holding it is e's, freed by cfg_free). Errors go to stderr. Returns 0,
 * -EINVAL or -ENOMEM. */
static int set_value(struct entry *e, const char *v)
{
	char why[200] = "";
	if (validate(e->def, v, why, sizeof(why)) < 0) {
		fprintf(stderr, "plumb: error: invalid value %s for flag --%s: %s\n", v,
			e->def->name, why);
		return -EINVAL;
	}
	if (!e->def->repeatable && e->given) {
		fprintf(stderr, "plumb: error: flag --%s cannot be repeated\n", e->def->name);
		return -EINVAL;
	}
	if (e->nvalues == MAX_VALUES) {
		fprintf(stderr, "plumb: error: flag --%s given more than %d times\n", e->def->name,
			MAX_VALUES);
		return -EINVAL;
	}
	if (e->nvalues == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 1;
		const char **nv = realloc(e->values, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		e->values = nv;
		e->cap = cap;
	}
	e->values[e->nvalues++] = v;
	e->given = true;
	return 0;
}

int cfg_parse(int argc, char **argv, struct plumb_config **out)
{
	*out = NULL;
	struct plumb_config *cfg = calloc(1, sizeof(*cfg));
	int r;
	if (!cfg)
		return -ENOMEM;
	if ((r = build(cfg)) < 0)
		goto out_free;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0 ||
		    strcmp(a, "--help-long") == 0) {
			print_help(cfg);
			r = 1;
			goto out_free;
		}
		if (strcmp(a, "--version") == 0) {
			printf("plumb version %s\n", PLUMB_VERSION);
			r = 1;
			goto out_free;
		}
		if (strncmp(a, "--", 2) != 0) {
			fprintf(stderr, "plumb: error: unexpected argument '%s', try --help\n", a);
			r = -EINVAL;
			goto out_free;
		}
		char name[128];
		const char *eq = strchr(a + 2, '=');
		size_t nlen = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
		if (nlen >= sizeof(name)) {
			fprintf(stderr, "plumb: error: unknown long flag '%.60s...', try --help\n", a);
			r = -EINVAL;
			goto out_free;
		}
		memcpy(name, a + 2, nlen);
		name[nlen] = '\0';
		struct entry *e = find(cfg, name);
		bool negated = false;
		if (!e && strncmp(name, "no-", 3) == 0) {
			e = find(cfg, name + 3);
			negated = e && e->def->kind == FLAG_BOOL;
			if (!negated)
				e = NULL;
		}
		if (!e) {
			fprintf(stderr, "plumb: error: unknown long flag '--%s', try --help\n", name);
			r = -EINVAL;
			goto out_free;
		}
		const char *v;
		if (e->def->kind == FLAG_BOOL) {
			if (negated && eq) {
				fprintf(stderr, "plumb: error: flag --%s takes no value\n", name);
				r = -EINVAL;
				goto out_free;
			}
			v = negated ? "false" : (eq ? eq + 1 : "true");
		} else if (eq) {
			v = eq + 1;
		} else if (i + 1 < argc) {
			v = argv[++i];
		} else {
			fprintf(stderr, "plumb: error: flag --%s needs a value\n", name);
			r = -EINVAL;
			goto out_free;
		}
		if ((r = set_value(e, v)) < 0)
			goto out_free;
	}
	*out = cfg;
	return 0;
out_free:
	cfg_free(cfg);
	return r;
}

void cfg_free(struct plumb_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n; i++)
		free(cfg->entries[i].values);
	free(cfg->entries);
	free(cfg);
}
