/*
 * pidstat: parse the text of /proc/<pid>/stat (see pidstat.h for the rules).
 */
#include <errno.h>
#include <string.h>

#include "lib/pidstat.h"

/* Numbers after the state that must be present: the fields up to cguest_time. */
#define NUMBERS 41
/* Positions after the state (1 = ppid) of the fields callers keep. */
enum { F_UTIME = 11, F_STIME = 12, F_THREADS = 17, F_START = 19, F_VSIZE = 20, F_RSS = 21 };
/* The positions the kernel prints signed (procfs reads them as int): ppid, pgrp, session,
 * tty_nr, tpgid, cutime, cstime, priority, nice, num_threads, itrealvalue, rss,
 * exit_signal, guest_time, cguest_time. The others are unsigned and take no sign. */
static const uint64_t is_signed = (1ull << 1) | (1ull << 2) | (1ull << 3) | (1ull << 4) |
				  (1ull << 5) | (1ull << 13) | (1ull << 14) | (1ull << 15) |
				  (1ull << 16) | (1ull << 17) | (1ull << 18) | (1ull << 21) |
				  (1ull << 35) | (1ull << 40) | (1ull << 41);

int pidstat_parse(const char *buf, size_t len, struct pidstat *out)
{
	const char *l = memchr(buf, '(', len), *r = memrchr(buf, ')', len);
	if (!l || !r || r < l || (size_t)(r - buf) + 2 > len)
		return -EINVAL;
	struct span s = { r + 2, len - (size_t)(r + 2 - buf) }, w;
	struct pidstat st = { 0 };
	if (!span_word(&s, &st.state))
		return -EINVAL;
	for (int i = 1; i <= NUMBERS; i++) {
		int64_t iv = 0;
		uint64_t uv = 0;
		if (!span_word(&s, &w))
			return -EINVAL;
		if (!(is_signed & (1ull << i)) ? span_u64_auto(w, &uv) < 0
					       : span_i64_auto(w, &iv) < 0)
			return -EINVAL;
		switch (i) {
		case F_UTIME: st.utime = uv; break;
		case F_STIME: st.stime = uv; break;
		case F_THREADS: st.num_threads = iv; break;
		case F_START: st.starttime = uv; break;
		case F_VSIZE: st.vsize = uv; break;
		case F_RSS: st.rss = iv; break;
		default: break;
		}
	}
	*out = st;
	return 0;
}
