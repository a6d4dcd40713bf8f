/*
 * memtrim: see memtrim.h.
 */
#include "lib/memtrim.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/strparse.h"

/* Close the mapping being read: keep it when it qualifies. */
void memtrim_end(struct memtrim *t)
{
	if (t->candidate && t->anon_zero && t->n < MEMTRIM_MAX) {
		t->ranges[t->n][0] = t->start;
		t->ranges[t->n][1] = t->end;
		t->n++;
	}
	t->candidate = t->anon_zero = false;
}

/* One hexadecimal number at *p, advancing past it; false when there is none or it
 * overflows. */
static bool hex(const char **p, const char *end, uintptr_t *out)
{
	uintptr_t v = 0;
	const char *s = *p;
	for (; s < end; s++) {
		int d = (*s >= '0' && *s <= '9')   ? *s - '0'
			: (*s >= 'a' && *s <= 'f') ? *s - 'a' + 10
						   : -1;
		if (d < 0)
			break;
		if (v > (UINTPTR_MAX >> 4))
			return false;
		v = v << 4 | (uintptr_t)d;
	}
	if (s == *p)
		return false;
	*p = s;
	*out = v;
	return true;
}

/* A mapping's header is "start-end perms offset dev inode [path]"; the fields after it
 * are "Name: value", names capitalised (so never taken for hexadecimal). */
void memtrim_line(struct memtrim *t, const char *p, size_t len)
{
	const char *end = p + len, *s = p;
	uintptr_t a, b;
	if (len > 11 && memcmp(p, "Anonymous:", 10) == 0) {
		struct span v = span_trim((struct span){ p + 10, len - 10 });
		t->anon_zero = v.len >= 4 && v.p[0] == '0' && v.p[1] == ' ';
		return;
	}
	if (!hex(&s, end, &a) || s >= end || *s != '-')
		return; /* another field */
	s++;
	if (!hex(&s, end, &b) || s + 5 > end || *s != ' ')
		return;
	memtrim_end(t);
	const char *perms = s + 1;
	/* the path is the first field beginning with '/' (dev and inode never do) */
	const char *path = memchr(perms, '/', (size_t)(end - perms));
	t->start = a;
	t->end = b;
	t->candidate = b > a && perms[1] == '-' && perms[3] == 'p' && path &&
		       !(end - path >= 10 && memcmp(end - 10, " (deleted)", 10) == 0);
}

int memtrim_file_pages(const char *smaps_path, size_t *bytes)
{
	static struct memtrim t; /* start-up only, one thread; too big for a stack */
	char buf[8192];
	size_t have = 0;
	bool skipping = false; /* inside a line longer than buf */
	int r = 0, fd = open(smaps_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&t, 0, sizeof(t));
	for (;;) {
		ssize_t got = read(fd, buf + have, sizeof(buf) - have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = -errno;
			goto out;
		}
		if (got == 0)
			break;
		have += (size_t)got;
		char *line = buf, *nl;
		while ((nl = memchr(line, '\n', have - (size_t)(line - buf)))) {
			if (!skipping)
				memtrim_line(&t, line, (size_t)(nl - line));
			skipping = false;
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		if (have == sizeof(buf)) {
			/* a line longer than buf (paths are shorter): if it was a header, the
			 * fields after it are not the open mapping's, so that one is out */
			t.candidate = false;
			have = 0;
			skipping = true;
		}
	}
	memtrim_end(&t);
	size_t total = 0;
	for (size_t i = 0; i < t.n; i++) {
		size_t len = t.ranges[i][1] - t.ranges[i][0];
		/* EINVAL for a locked or special mapping: it keeps its pages */
		if (madvise((void *)t.ranges[i][0], len, MADV_DONTNEED) == 0)
			total += len;
	}
	if (bytes)
		*bytes = total;
out:
	close(fd);
	return r;
}
