/* fuzz_zfs: the four ZFS kstat parsers (named files, pool io, objset, pool state), each
 * on the whole input. A named file yields at most one series per line, all in its
 * subsystem's families; a state file exactly seven series of which at most one is 1;
 * the pool parsers at most one series per value word. */
#include "collectors/zfs.h"
#include "fuzz_common.h"

/* Lines in data[0..size) (a last line without '\n' counts). */
static size_t count_lines(const uint8_t *data, size_t size)
{
	size_t n = size && data[size - 1] != '\n';
	for (size_t i = 0; i < size; i++)
		n += data[i] == '\n';
	return n;
}

/* Words in data[0..size), split as span_word splits them. */
static size_t count_words(const uint8_t *data, size_t size)
{
	struct span s = { (const char *)data, size }, w;
	size_t n = 0;
	while (span_word(&s, &w))
		n++;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	size_t lines = count_lines(data, size), nwords = count_words(data, size);

	struct metric_sink *s = fuzz_sink();
	zfs_kstat_parse(text, size, "arcstats", "zfs_arc", s);
	if (s->nseries > lines)
		abort();
	for (uint32_t f = 0; f < s->nfamilies; f++) {
		if (strncmp(sink_str(s, s->families[f].name_off), "node_zfs_arc_", 13) != 0 ||
		    s->families[f].type != METRIC_UNTYPED)
			abort();
	}
	fuzz_check_sink(s);

	s = fuzz_sink();
	zfs_pool_io_parse(text, size, "tank", s);
	if (s->nseries > nwords)
		abort();
	fuzz_check_sink(s);

	s = fuzz_sink();
	zfs_objset_parse(text, size, "tank", s);
	if (s->nseries > lines)
		abort();
	fuzz_check_sink(s);

	s = fuzz_sink();
	if (zfs_pool_state_parse(text, size, "tank", s) != 0 || s->nseries != 7)
		abort();
	double on = 0;
	for (uint32_t i = 0; i < s->nseries; i++)
		on += s->series[i].value;
	if (on > 1)
		abort();
	fuzz_check_sink(s);
	return 0;
}
