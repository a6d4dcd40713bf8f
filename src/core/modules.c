/*
 * modules: the flag tables of plumb's parts that are not collectors.
 *
 * Collectors declare their flags in their collector_ops; the other parts (push, health,
 * the web endpoint's configuration, the sandbox) each export one table, and this list
 * names them so the config parser knows every flag. Add a part's table here.
 */
#include "core/config.h"
#include "core/selfmetrics.h"
#include "health/health.h"
#include "http/sdlisten.h"
#include "http/server.h"
#include "runtime/runtime.h"

extern const struct flag_def push_flags[];

const struct flag_def *const plumb_flag_tables[] = {
	health_flags,
	push_flags,
	web_flags,
	sdlisten_flags,
	selfmetrics_flags,
	runtime_flags,
	NULL,
};
