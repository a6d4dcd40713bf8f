/*
 * gofloat: parse a number exactly where Go's strconv.ParseFloat(s, 64) accepts it.
 *
 * node_exporter turns many sysfs values into samples with ParseFloat and silently drops
 * the ones it rejects. C's strtod accepts more (leading blanks, "0x1" without an
 * exponent, "nan(...)", "+nan"), so a collector that must emit the same series checks
 * the text against Go's grammar first: an optional sign, then decimal digits with an
 * optional point and e-exponent, or 0x hex digits with an optional point and a
 * mandatory p-exponent, or "inf"/"infinity" (signed, any case) or "nan" (unsigned, any
 * case). Digit-separating underscores, which Go allows only after a base prefix, are
 * refused. Values that overflow a double are refused, as Go reports a range error.
 */
#ifndef PLUMB_GOFLOAT_H
#define PLUMB_GOFLOAT_H

#include "lib/strparse.h"

/* Parse the whole of s (no trimming) into *out. Returns 0, -EINVAL for text Go would
 * refuse (or longer than 511 bytes), -ERANGE for overflow. *out is written on success. */
int go_parse_float(struct span s, double *out);

#endif
