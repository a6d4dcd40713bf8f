/*
 * bonding: the bonding collector's logic over an abstract file reader, exposed for
 * tests and the fuzz target (which feeds it made-up files).
 */
#ifndef PLUMB_COLLECTOR_BONDING_H
#define PLUMB_COLLECTOR_BONDING_H

#include <stddef.h>

#include "expo/sink.h"

#define BONDING_FILE_MAX 4096

/* Read the file at rel (relative to the class/net directory) into buf[cap],
 * NUL-terminated; *len gets its length. Returns 0 or -errno. */
typedef int (*bonding_read_fn)(void *ctx, const char *rel, char *buf, size_t cap, size_t *len);

/* Given the text of bonding_masters (masters[0..len)), read each master's
 * bonding/slaves and each slave's lower_<slave>/bonding_slave/mii_status (falling back
 * to slave_<slave>/... when that is missing) through rd, and add node_bonding_slaves
 * and node_bonding_active{master}. A name with '/' or a NUL, "." or "..", or any read
 * error fails with -EINVAL or -errno (the caller drops what was added).
 * Returns 0 or -errno. */
int bonding_parse(const char *masters, size_t len, bonding_read_fn rd, void *ctx,
		  struct metric_sink *out);

#endif
