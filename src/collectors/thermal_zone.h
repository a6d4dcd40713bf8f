/*
 * thermal_zone: helpers of the thermal zone collector exposed for tests and fuzzing.
 */
#ifndef PLUMB_COLLECTOR_THERMAL_ZONE_H
#define PLUMB_COLLECTOR_THERMAL_ZONE_H

#include <stdint.h>

#include "lib/strparse.h"

/* Parse a sysfs integer as procfs does (trimmed, signed decimal). 0 or -EINVAL/-ERANGE. */
int thermal_parse_int(struct span text, int64_t *out);

#endif
