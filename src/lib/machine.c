/*
 * machine: the machine_* facts of cAdvisor (see machine.h). Distinct IDs are collected
 * in a fixed array and compared one by one: a machine has at most a few hundred.
 */
#include "lib/machine.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cpulist.h"
#include "lib/procfile.h"

#define MACHINE_MAX_IDS 4096

/* A set of distinct numbers, bounded. */
struct idset {
	uint32_t n;
	uint64_t v[MACHINE_MAX_IDS];
};

/* Add x to the set unless it is there or the set is full. */
static void idset_add(struct idset *s, uint64_t x)
{
	for (uint32_t i = 0; i < s->n; i++)
		if (s->v[i] == x)
			return;
	if (s->n < MACHINE_MAX_IDS)
		s->v[s->n++] = x;
}

/* If line is "<key><spaces/tabs>: <number>", parse the number into *v and return 1;
 * 0 when the key differs; -EINVAL when the key matches and the value is not a number. */
static int key_number(struct span line, const char *key, uint64_t *v)
{
	struct span k, val = line;
	if (!span_field(&val, ':', &k) || !span_eq(span_trim(k), key))
		return 0;
	return span_u64(span_trim(val), v) < 0 ? -EINVAL : 1;
}

int machine_parse_cpuinfo(struct span text, uint32_t *physical_cores, uint32_t *sockets)
{
	struct idset *sets = calloc(2, sizeof(*sets)); /* 64 KB: off the stack */
	struct cursor c = cursor_init(text.p, text.len);
	struct span line;
	int r = 0;
	if (!sets)
		return -ENOMEM;
	while (cursor_line(&c, &line)) {
		uint64_t v;
		int k = key_number(line, "core id", &v);
		if (k == 1)
			idset_add(&sets[0], v);
		if (k == 0 && (k = key_number(line, "physical id", &v)) == 1)
			idset_add(&sets[1], v);
		if (k < 0) {
			r = k;
			goto out;
		}
	}
	*physical_cores = sets[0].n;
	*sockets = sets[1].n;
out:
	free(sets);
	return r;
}

int machine_parse_meminfo(struct span text, uint64_t *mem, uint64_t *swap)
{
	struct cursor c = cursor_init(text.p, text.len);
	struct span line;
	bool have_mem = false;
	*swap = 0;
	while (cursor_line(&c, &line)) {
		struct span key, num, unit, val = line;
		uint64_t v;
		if (!span_field(&val, ':', &key) || !span_word(&val, &num) || span_u64(num, &v) < 0)
			continue;
		if (span_word(&val, &unit)) {
			if (!span_eq(unit, "kB") || v > UINT64_MAX / 1024)
				continue;
			v *= 1024;
		}
		if (span_eq(key, "MemTotal")) {
			*mem = v;
			have_mem = true;
		} else if (span_eq(key, "SwapTotal")) {
			*swap = v;
		}
	}
	return have_mem ? 0 : -ENOENT;
}

/* Read the one-line ID at root/rel into out[MACHINE_ID_MAX] (trimmed; kept only when
 * it is printable ASCII). Returns 0 or -errno. */
static int read_id(const char *root, const char *rel, char *out)
{
	char buf[MACHINE_ID_MAX + 8];
	size_t n;
	int r = read_file_at(root, rel, buf, sizeof(buf), &n);
	if (r < 0)
		return r;
	struct span t = span_trim((struct span){ buf, n });
	for (size_t i = 0; i < t.len; i++)
		if (t.p[i] < 0x21 || t.p[i] > 0x7e)
			return -EINVAL;
	return span_copy(t, out, MACHINE_ID_MAX);
}

int machine_read(const char *procfs, const char *sysfs, const char *rootfs,
		 struct machine_info *out)
{
	const size_t cap = 1u << 20; /* cpuinfo: about 1 KB a CPU */
	char *text = malloc(cap), online[4096];
	size_t n;
	uint16_t cpus[1024];
	memset(out, 0, sizeof(*out));
	if (read_file_at(sysfs, "devices/system/cpu/online", online, sizeof(online), &n) == 0 &&
	    cpu_range_parse(online, n, cpus, sizeof(cpus) / sizeof(cpus[0]), &n) == 0)
		out->cores = (uint32_t)n;
	if (text && read_file_at(procfs, "cpuinfo", text, cap, &n) == 0)
		machine_parse_cpuinfo((struct span){ text, n }, &out->physical_cores, &out->sockets);
	free(text);
	if (read_id(rootfs, "etc/machine-id", out->machine_id) < 0)
		read_id(rootfs, "var/lib/dbus/machine-id", out->machine_id);
	read_id(procfs, "sys/kernel/random/boot_id", out->boot_id);
	read_id(sysfs, "class/dmi/id/product_uuid", out->system_uuid);
	return 0;
}
