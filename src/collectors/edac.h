/*
 * edac: helpers of the EDAC collector exposed for tests and the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_EDAC_H
#define PLUMB_COLLECTOR_EDAC_H

#include <stdint.h>

#include "lib/strparse.h"

/* Parse an EDAC counter file's text as node_exporter does (trimmed, unsigned decimal).
 * Returns 0 or -EINVAL / -ERANGE. */
int edac_parse_count(struct span text, uint64_t *out);

/* If name is "<prefix><digit>...", *num gets the leading digit run after the prefix
 * and true is returned (mc0 -> "0", csrow12 -> "12"). */
bool edac_numbered(const char *name, const char *prefix, struct span *num);

/* If name looks like "ch<digits>..._ce_count" (the channel counter files), *num gets the
 * channel number of its first "ch<digits>_ce_count" and true is returned. */
bool edac_channel_file(const char *name, struct span *num);

#endif
