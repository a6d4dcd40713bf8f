/* fuzz_nvme: a controller's and one namespace's attributes as "name\0value\n" records,
 * recorded and emitted; each record's name also goes through the namespace matcher.
 * Checks: a namespace id is a non-empty run of digits inside the name, right after
 * "nvme<digits>n"; text stays within 128 bytes; emit gives the info series and five
 * namespace series, capacity equal to size. */
#include "collectors/nvme.h"
#include "fuzz_common.h"
#include "fuzz_pairs.h"

/* Abort unless id is a valid namespace id found in name. */
static void check_nsid(const char *name, struct span id)
{
	size_t n = strlen(name);
	if (id.len == 0 || id.p < name + 6 || id.p + id.len > name + n || id.p[-1] != 'n')
		abort();
	for (size_t i = 0; i < id.len; i++)
		if (!ascii_digit(id.p[i]))
			abort();
	if (ascii_digit(id.p[id.len])) /* the whole run */
		abort();
	const char *q = id.p - 2;
	if (!ascii_digit(*q))
		abort();
	while (q > name && ascii_digit(q[-1]))
		q--;
	if (q - name < 4 || memcmp(q - 4, "nvme", 4) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nvme_ctrl c;
	static struct nvme_ns ns;
	struct metric_sink *s = fuzz_sink();
	const char *p = (const char *)data, *end = p + size;
	char name[64];
	struct span val, id;
	double cap = -1, sz = -2;
	memset(&c, 0, sizeof(c));
	nvme_ns_reset(&ns);
	while (fuzz_pair(&p, end, name, sizeof(name), &val)) {
		if (nvme_namespace_id(name, &id))
			check_nsid(name, id);
		nvme_ctrl_record(&c, name, val);
		nvme_ns_record(&ns, name, val);
	}
	for (size_t i = 0; i < NVME_NCTRL; i++)
		if (c.len[i] > SYSFS_ATTR_MAX)
			abort();
	if (ns.ana_len > SYSFS_ATTR_MAX)
		abort();
	if (nvme_ctrl_emit(&c, "nvme0", s) == 0 && nvme_ns_emit(&ns, "nvme0", SPAN_LIT("1"), s) == 0) {
		if (s->nseries != 6 ||
		    sink_lookup(s, VIEW_METRICS, "node_nvme_namespace_capacity_bytes", NULL, NULL, &cap) ||
		    sink_lookup(s, VIEW_METRICS, "node_nvme_namespace_size_bytes", NULL, NULL, &sz) ||
		    cap != sz)
			abort();
	}
	fuzz_check_sink(s);
	return 0;
}
