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
 * go_f64_to_u64 converts a double to an unsigned 64-bit integer the way Go does it.
 */
#ifndef PLUMB_GOFLOAT_H
#define PLUMB_GOFLOAT_H

#include <stdint.h>

#include "lib/strparse.h"

/* Parse the whole of s (no trimming) into *out. Returns 0, -EINVAL for text Go would
 * refuse (or longer than 511 bytes), -ERANGE for overflow. *out is written on success. */
int go_parse_float(struct span s, double *out);

/* Go's uint64(x) as compiled for amd64, which prometheus/procfs applies to parsed
 * floats: truncation toward zero; a negative x above -2^63 wraps (-1 gives 2^64 - 1);
 * NaN and values out of range (2^64 and above, -2^63 and below) give 2^63. */
uint64_t go_f64_to_u64(double x);

#endif
