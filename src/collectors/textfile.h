/*
 * textfile: metrics read from *.prom files that other programs write, exposed for
 * tests. The parsing itself is expo/textparse.h; what the collector adds is the
 * node_exporter rules for merging files (see textfile.c).
 */
#ifndef PLUMB_COLLECTOR_TEXTFILE_H
#define PLUMB_COLLECTOR_TEXTFILE_H

#include <stddef.h>

/* Write v into out[cap] as Go's strconv.FormatFloat(v, 'g', -1, 64) does, with +Inf,
 * -Inf and NaN: the form node_exporter gives quantile and le label values ("0.5",
 * "25600", "1.6384e+06", "1e-05"). Returns the length, or -ENOSPC (cap < 32). */
int textfile_format_bound(double v, char *out, size_t cap);

#endif
