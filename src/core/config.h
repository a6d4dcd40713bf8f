/*
 * config: the command line, node_exporter-compatible.
 *
 * Flags are declared in tables (struct flag_def): the core's own in config.c, and each
 * collector's in its collector_ops. The parser knows every table, so --help lists all
 * flags, and an unknown flag or a malformed value (bad regex, duration, number) is a
 * one-line error naming the flag (exit status 2). Values are validated once at start-up
 * and kept as text; a collector reads the ones it declared in its init().
 *
 * Boolean flags follow kingpin: --x or --x=true sets, --no-x or --x=false clears.
 * Repeatable flags keep every value in order.
 */
#ifndef PLUMB_CONFIG_H
#define PLUMB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum flag_kind {
	FLAG_BOOL,
	FLAG_STRING,
	FLAG_REGEX,    /* validated as a PCRE2 pattern */
	FLAG_DURATION, /* Go syntax: 1.5s, 300ms, 5m, 1h30m */
	FLAG_INT,      /* signed decimal */
};

struct flag_def {
	const char *name;  /* without the leading "--"; NULL ends a table */
	enum flag_kind kind;
	const char *def;   /* default as text; NULL means unset */
	const char *help;
	bool repeatable;
};

struct plumb_config;

/* Flag tables of the parts of plumb that are not collectors (push, health, the web
 * endpoint, the sandbox), listed in src/core/modules.c and ended by NULL. Each table
 * is ended by {NULL}. --help lists them after the core's flags. */
extern const struct flag_def *const plumb_flag_tables[];

/* Value of flag `name` as given last on the command line, or its default, or NULL. */
const char *cfg_str(const struct plumb_config *cfg, const char *name);
/* Boolean value (false when unset). */
bool cfg_bool(const struct plumb_config *cfg, const char *name);
/* Integer value into *out. Returns 0, -ENOENT when unset. */
int cfg_int(const struct plumb_config *cfg, const char *name, int64_t *out);
/* Duration in milliseconds. Returns 0, -ENOENT when unset. */
int cfg_duration_ms(const struct plumb_config *cfg, const char *name, int64_t *out);
/* Every value a repeatable flag was given (or its default as one value). Returns the
 * count; *vals points into cfg (owned by it). */
size_t cfg_all(const struct plumb_config *cfg, const char *name, const char *const **vals);
/* Whether the user gave this flag explicitly. */
bool cfg_given(const struct plumb_config *cfg, const char *name);

/* Root paths, from --path.procfs, --path.sysfs, --path.rootfs, --path.udev.data. */
const char *cfg_procfs(const struct plumb_config *cfg);
const char *cfg_sysfs(const struct plumb_config *cfg);
const char *cfg_rootfs(const struct plumb_config *cfg);
const char *cfg_udev(const struct plumb_config *cfg);

/* Parse argv into a new config. On a usage error, prints one line naming the flag to
 * stderr and returns -EINVAL; on --help / --version prints and returns 1 (*out NULL).
 * The caller owns *out and frees it with cfg_free. */
int cfg_parse(int argc, char **argv, struct plumb_config **out);
void cfg_free(struct plumb_config *cfg);

/* Parse a Go duration ("1m30s", "250ms", "5s") into milliseconds. 0 or -EINVAL. */
int parse_duration_ms(const char *s, int64_t *out);

#endif
