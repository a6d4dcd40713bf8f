/* fuzz_nvmesubsystem: a subsystem's and its controllers' attributes as "name\0value\n"
 * records; each record's name also goes through the entry-name matchers, and its value
 * through the state normaliser. A record named "emit" emits the controller read so far
 * as one more path. Checks: a controller name is "nvme" and digits, a namespace name
 * "nvme", digits, "n", digits, never both; a state is one of the seven labels and
 * "live" only for "live"; text stays NUL-terminated within its room; each path gives
 * seven series exactly one of which is 1, and paths/paths_live count them. */
#include "collectors/nvmesubsystem.h"
#include "fuzz_common.h"
#include "fuzz_pairs.h"

/* Whether name matches ^nvme\d+(n\d+)?$ with the suffix present when ns. */
static bool match(const char *name, bool ns)
{
	const char *p = name + 4;
	if (strncmp(name, "nvme", 4) != 0 || !ascii_digit(*p))
		return false;
	while (ascii_digit(*p))
		p++;
	if (!ns)
		return *p == '\0';
	if (*p++ != 'n' || !ascii_digit(*p))
		return false;
	while (ascii_digit(*p))
		p++;
	return *p == '\0';
}

/* Abort unless the state label for raw keeps its promises. */
static void check_state(struct span raw)
{
	const char *st = nvmess_state(raw);
	size_t i = 0;
	while (i < NVMESS_NSTATES && nvmess_states[i] != st)
		i++;
	if (i == NVMESS_NSTATES || (strcmp(st, "live") == 0) != span_eq(raw, "live"))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nvmess_subsys ss;
	static struct nvmess_ctrl c;
	struct metric_sink *s = fuzz_sink();
	const char *p = (const char *)data, *end = p + size;
	char name[64];
	struct span val;
	uint64_t live = 0;
	double v = -1;
	int r = 0;
	nvmess_subsys_reset(&ss);
	memset(&c, 0, sizeof(c));
	while (r == 0 && fuzz_pair(&p, end, name, sizeof(name), &val)) {
		bool ctrl = nvmess_ctrl_name(name), ns = nvmess_ns_name(name);
		if (ctrl != match(name, false) || ns != match(name, true) || (ctrl && ns))
			abort();
		check_state(val);
		nvmess_subsys_record(&ss, name, val);
		nvmess_ctrl_record(&c, name, val);
		for (size_t i = 0; i < NVMESS_NCTRL; i++)
			if (!memchr(c.str[i], '\0', sizeof(c.str[i])))
				abort();
		if (strcmp(name, "emit") == 0) {
			live += strcmp(nvmess_state(span_cstr(c.str[0])), "live") == 0;
			r = nvmess_ctrl_emit(&ss, "nvme-subsys0", &c, "nvme0", s);
		}
	}
	for (size_t i = 0; i < NVMESS_NSUB; i++)
		if (!memchr(ss.str[i], '\0', sizeof(ss.str[i])))
			abort();
	if (r == 0 && nvmess_subsys_emit(&ss, "nvme-subsys0", s) == 0 &&
	    (ss.live != live ||
	     sink_lookup(s, VIEW_METRICS, "node_nvmesubsystem_paths_live", NULL, NULL, &v) ||
	     v != (double)live))
		abort();
	fuzz_check_sink(s);
	return 0;
}
