/*
 * selinux: parsers for what the selinux collector reads (the SELinux config file, the
 * enforce file, /proc/filesystems, a mount table, the process's own label) and its
 * emitter, exposed for tests and the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_SELINUX_H
#define PLUMB_COLLECTOR_SELINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"
#include "lib/strparse.h"

/* The mode a config file (/etc/selinux/config, buf[0..len)) asks for at boot: 1 for
 * SELINUX=enforcing, 0 for permissive, -1 for anything else or no SELINUX line. The
 * first SELINUX line counts; lines starting with '#' or ';' are comments; quotes
 * around the value are dropped; reading stops at a line longer than 64 KiB, as
 * go-selinux's does. */
int selinux_config_mode(const char *buf, size_t len);

/* The current mode from the enforce file (buf[0..len)): a decimal integer and nothing
 * else, as go-selinux's strconv.Atoi takes it, or -1 when it is not one. */
int64_t selinux_enforce_mode(const char *buf, size_t len);

/* Whether /proc/filesystems (buf[0..len)) lists selinuxfs. */
bool selinux_listed(const char *buf, size_t len);

/* The next selinuxfs mount point in a mountinfo table at *c (its fifth field, as
 * written), or false when no line is left. */
bool selinux_next_mount(struct cursor *c, struct span *mnt);

/* Whether the process label (buf[0..len), the content of attr/current) is "kernel",
 * which means SELinux has no policy loaded. */
bool selinux_label_is_kernel(const char *buf, size_t len);

/* Emit node_selinux_enabled, and when enabled node_selinux_config_mode and
 * node_selinux_current_mode. Returns 0 or -errno from the sink. */
int selinux_emit(bool enabled, int config_mode, int64_t current_mode, struct metric_sink *out);

#endif
