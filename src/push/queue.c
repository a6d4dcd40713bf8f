/*
 * queue: the push queue's segment files, cursor and bound (see queue.h for the
 * guarantees). Durability: each appended record is written with one pwritev and made
 * durable with fdatasync before the call returns; a new segment's directory entry is
 * fsynced. The cursor is replaced with rename and not fsynced: after a power loss it
 * may point back a little, so some records are sent twice (receivers keep one copy of
 * a sample with the same series, time and value); after kill -9 nothing is lost or
 * repeated beyond the batch in flight.
 *
 * A full disk: a write cut short is cut back off at once (ftruncate), so the segment
 * ends with a whole record; if that fails too, or plumb dies first, start-up cuts the
 * torn tail. Room is made by punching a hole over the bytes before the cursor, which
 * keeps every offset valid; the cursor is saved after the punch (a full disk has no
 * room for cursor.tmp before). Start-up checks the cursor's segment from the cursor
 * on, so the hole is never read. Only if plumb dies between the punch and that save
 * does the old cursor point into the hole, which reads as one damaged stretch: skipped
 * and counted in st.corrupt.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#include "lib/log.h"
#include "lib/sort.h"
#include "lib/strparse.h"
#include "push/queue.h"

#define SEG_PREFIX "seg-"
#define SEG_NAME_LEN 20            /* "seg-" and 16 hex digits */
#define SEG_READ_MAX ((uint64_t)QREC_MAX * 2) /* a bigger segment is not ours */
#define CURSOR_MAGIC 0x43424c50u   /* "PLBC" */
#define CURSOR_SIZE 24
#define ROOM_SLACK 8192            /* freed beyond a record on a full disk: the cursor's
				      rewrite and the file system's block rounding */

/* The file name of segment id. */
static void seg_name(uint64_t id, char name[SEG_NAME_LEN + 1])
{
	snprintf(name, SEG_NAME_LEN + 1, SEG_PREFIX "%016" PRIx64, id);
}

/* v in decimal, for log values. */
static void u64_text(uint64_t v, char out[24])
{
	snprintf(out, 24, "%" PRIu64, v);
}

/* Read [off, off + len) of segment id into q->rbuf (replacing its contents).
 * Returns 0 or -errno (-EIO when the file is shorter than len). */
static int read_seg(struct pqueue *q, uint64_t id, uint64_t off, uint64_t len)
{
	char name[SEG_NAME_LEN + 1];
	int r = 0;
	seg_name(id, name);
	buf_reset(&q->rbuf);
	if (len > SEG_READ_MAX)
		return -EFBIG;
	if ((r = buf_reserve(&q->rbuf, (size_t)len)) < 0)
		return r;
	int fd = openat(q->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(fd, q->rbuf.p + got, (size_t)len - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			goto out_close;
		}
		got += (size_t)n;
	}
	q->rbuf.len = got;
out_close:
	close(fd);
	return r;
}

/* Log msg about segment id with two numeric key/value pairs. */
static void log_seg(enum log_level lvl, const char *msg, const struct pqueue *q, uint64_t id,
		    const char *key, uint64_t v, const char *key2, uint64_t v2)
{
	char name[SEG_NAME_LEN + 1], a[24], b[24];
	seg_name(id, name);
	u64_text(v, a);
	u64_text(v2, b);
	plog(lvl, msg, "dir", q->dir, "segment", name, key, a, key2, b, PLOG_END);
}

/* Walk the records of p[0..n): add their samples to *samples and count in *bad the
 * damaged stretches that a good record follows. Returns where the torn tail (bytes
 * that no good record follows) starts: n when there is none. */
static size_t walk(const uint8_t *p, size_t n, uint64_t *samples, uint64_t *bad)
{
	size_t pos = 0;
	struct qrec rec;
	while (pos < n) {
		long k = qrec_parse(p + pos, n - pos, &rec);
		if (k > 0) {
			*samples += rec.nsamples;
			pos += (size_t)k;
			continue;
		}
		size_t skip = qrec_resync(p + pos, n - pos);
		if (pos + skip >= n)
			break;
		(*bad)++;
		pos += skip;
	}
	return pos;
}

/* Write the cursor (segs[0], roff) into "cursor" through "cursor.tmp" and a rename.
 * Returns 0 or -errno. */
static int write_cursor(struct pqueue *q)
{
	uint8_t c[CURSOR_SIZE];
	uint64_t seg = q->nsegs ? q->segs[0].id : 0;
	for (int i = 0; i < 8; i++) {
		c[8 + i] = (uint8_t)(seg >> (8 * i));
		c[16 + i] = (uint8_t)(q->roff >> (8 * i));
	}
	uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), c + 8, CURSOR_SIZE - 8);
	for (int i = 0; i < 4; i++) {
		c[i] = (uint8_t)(CURSOR_MAGIC >> (8 * i));
		c[4 + i] = (uint8_t)(crc >> (8 * i));
	}
	int r = 0;
	int fd = openat(q->dirfd, "cursor.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, c, sizeof(c));
	if (n != (ssize_t)sizeof(c))
		r = n < 0 ? -errno : -ENOSPC;
	close(fd);
	if (r == 0 && renameat(q->dirfd, "cursor.tmp", q->dirfd, "cursor") < 0)
		r = -errno;
	return r;
}

/* Read the saved cursor into *seg, *off. Returns 0, -ENOENT (none saved) or -EBADMSG. */
static int load_cursor(struct pqueue *q, uint64_t *seg, uint64_t *off)
{
	uint8_t c[CURSOR_SIZE + 1];
	int fd = openat(q->dirfd, "cursor", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT : -EBADMSG;
	ssize_t n = read(fd, c, sizeof(c));
	close(fd);
	if (n != CURSOR_SIZE)
		return -EBADMSG;
	uint32_t magic = 0, crc = 0;
	*seg = *off = 0;
	for (int i = 3; i >= 0; i--) {
		magic = magic << 8 | c[i];
		crc = crc << 8 | c[4 + i];
	}
	for (int i = 7; i >= 0; i--) {
		*seg = *seg << 8 | c[8 + i];
		*off = *off << 8 | c[16 + i];
	}
	if (magic != CURSOR_MAGIC ||
	    crc != (uint32_t)crc32(crc32(0L, Z_NULL, 0), c + 8, CURSOR_SIZE - 8))
		return -EBADMSG;
	return 0;
}

/* Unlink the file of segs[i]; one already gone is fine. Returns 0 or -errno. */
static int unlink_seg(struct pqueue *q, uint32_t i)
{
	char name[SEG_NAME_LEN + 1];
	seg_name(q->segs[i].id, name);
	return unlinkat(q->dirfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
}

/* Forget segs[i] (its file is someone else's business). */
static void forget_seg(struct pqueue *q, uint32_t i)
{
	q->bytes -= q->segs[i].size;
	memmove(q->segs + i, q->segs + i + 1, (q->nsegs - i - 1) * sizeof(*q->segs));
	q->nsegs--;
	if (i == 0)
		q->freed = 0;
}

/* Forget segs[i] and unlink its file; a file that cannot be unlinked is logged and
 * left behind (a later start-up deletes it once the cursor has passed it). */
static void remove_seg(struct pqueue *q, uint32_t i)
{
	char name[SEG_NAME_LEN + 1];
	int r = unlink_seg(q, i);
	seg_name(q->segs[i].id, name);
	if (r < 0)
		plog(LOG_WARN, "cannot delete a push queue segment", "dir", q->dir, "segment",
		     name, "err", strerror(-r), PLOG_END);
	forget_seg(q, i);
}

/* Start a new, empty segment after the last one and append to it from now on.
 * Returns 0 or -errno. */
static int new_segment(struct pqueue *q)
{
	char name[SEG_NAME_LEN + 1];
	uint64_t id = q->nsegs ? q->segs[q->nsegs - 1].id + 1 : 1;
	int r = grow_array((void **)&q->segs, &q->segs_cap, q->nsegs + 1, sizeof(*q->segs));
	if (r < 0)
		return r;
	seg_name(id, name);
	int fd = openat(q->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		plog(LOG_DEBUG, "cannot create a push queue segment", "dir", q->dir, "segment",
		     name, "err", strerror(-r), PLOG_END);
		return r;
	}
	fsync(q->dirfd);
	if (q->wfd >= 0)
		close(q->wfd);
	q->wfd = fd;
	q->segs[q->nsegs++] = (struct pq_seg){ id, 0 };
	return 0;
}

/* Whether r says the file system has no room: ENOSPC, or the user's quota. */
static bool no_room(int r)
{
	return r == -ENOSPC || r == -EDQUOT;
}

/* Give the file system back the bytes of segs[0] before the cursor (sent or dropped):
 * when segs[0] is the segment appended to and holds nothing unsent, a new segment
 * replaces it; otherwise a hole is punched over [0, roff) (from 0 each time: a page
 * that an earlier, unaligned punch only zeroed is freed now). The caller saves the
 * cursor. Returns 1 when something was given back, 0 when there was nothing new to
 * give (or the file system cannot punch holes), or -errno. */
static int release_head(struct pqueue *q)
{
	char name[SEG_NAME_LEN + 1];
	int r = 0, fd = q->wfd;
	if (q->roff <= q->freed)
		return 0;
	if (q->nsegs == 1 && q->roff == q->segs[0].size && new_segment(q) == 0) {
		remove_seg(q, 0);
		q->roff = 0;
		return 1;
	}
	if (q->no_punch)
		return 0;
	seg_name(q->segs[0].id, name);
	if (q->nsegs > 1 && (fd = openat(q->dirfd, name, O_WRONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, (off_t)q->roff) < 0)
		r = -errno;
	if (fd != q->wfd)
		close(fd);
	if (r == -EOPNOTSUPP || r == -ENOSYS) {
		q->no_punch = true;
		plog(LOG_INFO, "the push queue's file system cannot punch holes: room is made "
			       "a whole segment at a time", "dir", q->dir, PLOG_END);
		return 0;
	}
	if (r < 0)
		return r;
	q->freed = q->roff;
	return 1;
}

/* Save the cursor (write_cursor). On a full disk, the room of what was sent is given
 * back first (release_head) and the save tried again. Returns 0 or -errno (logged). */
static int save_cursor(struct pqueue *q)
{
	int r = write_cursor(q);
	if (no_room(r) && release_head(q) > 0)
		r = write_cursor(q);
	if (r < 0)
		plog(LOG_ERROR, "cannot save the push queue's cursor", "dir", q->dir, "err",
		     strerror(-r), PLOG_END);
	return r;
}

/* Delete fully sent segments at the head (never the one appended to). */
static void advance(struct pqueue *q)
{
	bool moved = false;
	while (q->nsegs > 1 && q->roff >= q->segs[0].size) {
		remove_seg(q, 0);
		q->roff = 0;
		moved = true;
	}
	if (moved)
		save_cursor(q);
}

/* Drop the oldest segment's unsent records (counted in st.dropped_full). When it is
 * the only one, a new segment replaces it. A segment that cannot be read (its samples
 * could not be counted) or deleted (the folder is not writable) stays, and nothing is
 * counted. Returns 0 or -errno. */
static int drop_oldest(struct pqueue *q)
{
	uint64_t samples = 0, id = q->segs[0].id, bad = 0;
	uint64_t start = q->roff < q->segs[0].size ? q->roff : q->segs[0].size;
	int r = read_seg(q, id, start, q->segs[0].size - start);
	if (r < 0 && r != -ENOENT) /* a vanished file holds nothing to count */
		return r;
	if (r == 0 && walk((const uint8_t *)q->rbuf.p, q->rbuf.len, &samples, &bad) < q->rbuf.len)
		bad++;
	if ((q->nsegs == 1 && (r = new_segment(q)) < 0) || (r = unlink_seg(q, 0)) < 0)
		return r;
	q->st.corrupt += bad;
	q->st.dropped_full += samples;
	log_seg(LOG_WARN, "push queue full: dropped its oldest samples", q, id, "samples",
		samples, "max_bytes", q->max_bytes);
	forget_seg(q, 0);
	q->roff = 0;
	save_cursor(q);
	return 0;
}

/* Whether a record of size bytes could fit once every segment is gone: the file
 * system's free space plus the blocks the segments hold. Unknown (statvfs failed; a
 * quota, which statvfs does not show) counts as yes. */
static bool could_fit(struct pqueue *q, uint64_t size, int why)
{
	char name[SEG_NAME_LEN + 1];
	struct statvfs sv;
	struct stat st;
	if (why != -ENOSPC || fstatvfs(q->dirfd, &sv) < 0)
		return true;
	uint64_t room = (uint64_t)sv.f_bavail * sv.f_frsize;
	for (uint32_t i = 0; i < q->nsegs; i++) {
		seg_name(q->segs[i].id, name);
		if (fstatat(q->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			room += (uint64_t)st.st_blocks * 512;
	}
	return room >= size + sv.f_frsize;
}

/* Drop the oldest unsent records of segs[0] until at least need bytes of them are
 * gone (or segs[0] ends), counting their samples in st.dropped_disk (a damaged
 * stretch on the way in st.corrupt). Moves the cursor only. Returns 0 or -errno
 * (segs[0] could not be read: nothing dropped). */
static int drop_head(struct pqueue *q, uint64_t need)
{
	struct pq_seg *s = &q->segs[0];
	uint64_t samples = 0, off = q->roff;
	int r = read_seg(q, s->id, off, s->size - off);
	if (r < 0)
		return r;
	const uint8_t *p = (const uint8_t *)q->rbuf.p;
	size_t pos = 0, n = q->rbuf.len;
	while (pos < n && pos < need) {
		struct qrec rec;
		long k = qrec_parse(p + pos, n - pos, &rec);
		if (k > 0) {
			samples += rec.nsamples;
			pos += (size_t)k;
			continue;
		}
		pos += qrec_resync(p + pos, n - pos);
		q->st.corrupt++;
	}
	q->roff += pos;
	q->st.dropped_disk += samples;
	log_seg(q->squeezed ? LOG_DEBUG : LOG_WARN, "push queue's disk is full: dropped its "
		"oldest samples to make room", q, s->id, "samples", samples, "bytes", pos);
	q->squeezed += samples;
	return 0;
}

/* After a write failed with why (no_room): make room for a record of size bytes,
 * giving back what was sent first, then dropping the oldest unsent records when that
 * could be enough (could_fit). Each call that returns 0 has given back or dropped
 * something, so a caller looping on it ends. Returns 0 when room was made (write
 * again), -ENOSPC when none can be (the record is to be dropped), or -errno. */
static int make_room(struct pqueue *q, uint64_t size, int why)
{
	uint64_t seg = q->segs[0].id, off = q->roff;
	int r = release_head(q);
	if (r == 0) {
		advance(q); /* segs[0], if pending, now has unsent bytes: drop_head moves */
		if (!pqueue_pending(q) || !could_fit(q, size, why))
			return -ENOSPC;
		if ((r = drop_head(q, size + ROOM_SLACK)) < 0)
			return r;
		advance(q); /* a wholly dropped segs[0] that is not appended to goes */
		r = release_head(q);
	}
	if (r >= 0 && (q->segs[0].id != seg || q->roff != off))
		save_cursor(q);
	return r < 0 ? r : 0;
}

/* Write a record (hdr, then len bytes of payload) at the end of the segment appended
 * to and fdatasync it. A failed or short write is cut back off, so the segment still
 * ends with a whole record. Returns 0 or -errno (-ENOSPC for a short write). */
static int write_record(struct pqueue *q, const uint8_t *hdr, const void *payload,
			uint32_t len)
{
	struct pq_seg *w = &q->segs[q->nsegs - 1];
	uint64_t size = QREC_HDR + (uint64_t)len;
	struct iovec iov[2] = { { (void *)hdr, QREC_HDR }, { (void *)payload, len } };
	int r = 0;
	ssize_t n = pwritev(q->wfd, iov, 2, (off_t)w->size);
	if (n != (ssize_t)size) {
		r = n < 0 ? -errno : -ENOSPC;
		goto out_undo;
	}
	if (fdatasync(q->wfd) < 0) {
		r = -errno;
		goto out_undo;
	}
	w->size += size;
	q->bytes += size;
	return 0;
out_undo:
	if (ftruncate(q->wfd, (off_t)w->size) < 0)
		plog(LOG_ERROR, "cannot undo a failed push queue write", "dir", q->dir, "err",
		     strerror(errno), PLOG_END);
	return r;
}

int pqueue_append(struct pqueue *q, const void *payload, uint32_t len, uint32_t nsamples,
		  int64_t ts_ms)
{
	uint8_t hdr[QREC_HDR];
	uint64_t size = QREC_HDR + (uint64_t)len;
	int r;
	if (len > QREC_MAX || size > q->max_bytes) {
		log_seg(LOG_WARN, "push record larger than the queue's bound: dropped", q,
			q->segs[q->nsegs - 1].id, "bytes", size, "max_bytes", q->max_bytes);
		r = -E2BIG;
		goto out_drop;
	}
	while (q->bytes + size > q->max_bytes)
		if ((r = drop_oldest(q)) < 0)
			goto out_drop;
	struct pq_seg *w = &q->segs[q->nsegs - 1];
	if (w->size > 0 && w->size + size > q->seg_bytes) {
		if ((r = new_segment(q)) < 0)
			goto out_drop;
		advance(q);
	}
	qrec_header(hdr, payload, len, nsamples, ts_ms);
	while ((r = write_record(q, hdr, payload, len)) < 0 && no_room(r)) {
		int e = make_room(q, size, r);
		if (e < 0) {
			if (e != -ENOSPC)
				plog(LOG_ERROR, "cannot make room in the push queue", "dir", q->dir,
				     "err", strerror(-e), PLOG_END);
			goto out_drop;
		}
	}
	if (r < 0)
		goto out_drop;
	return 0;
out_drop:
	if (r == -E2BIG)
		q->st.dropped_full += nsamples;
	else if (no_room(r))
		q->st.dropped_disk += nsamples;
	else
		q->st.dropped_write += nsamples;
	return r;
}

/* Skip the damaged stretch at the cursor: up to the next good record of segs[0], or
 * to its end. Counted and logged. Returns 0 or -errno. */
static int skip_damage(struct pqueue *q)
{
	uint64_t id = q->segs[0].id, off = q->roff;
	int r = read_seg(q, id, off, q->segs[0].size - off);
	if (r < 0)
		return r;
	size_t skip = qrec_resync((const uint8_t *)q->rbuf.p, q->rbuf.len);
	q->st.corrupt++;
	log_seg(LOG_WARN, "damaged push queue record skipped", q, id, "offset", off, "bytes", skip);
	q->roff += skip;
	advance(q);
	save_cursor(q);
	return 0;
}

int pqueue_peek(struct pqueue *q, uint32_t max_records, uint64_t max_bytes,
		struct pqueue_batch *b)
{
	int r;
	b->nrecords = 0;
	b->nsamples = 0;
	if (max_records > PQ_BATCH_MAX)
		max_records = PQ_BATCH_MAX;
	for (;;) {
		advance(q);
		struct pq_seg *s = &q->segs[0];
		if (q->roff >= s->size)
			return 0;
		uint64_t avail = s->size - q->roff;
		uint64_t want = avail < QREC_HDR + max_bytes ? avail : QREC_HDR + max_bytes;
		if ((r = read_seg(q, s->id, q->roff, want)) == -ENOENT && q->nsegs > 1) {
			/* someone deleted the file: what it held is gone */
			log_seg(LOG_ERROR, "push queue segment vanished: skipped", q, s->id,
				"offset", q->roff, "bytes", s->size);
			q->st.corrupt++;
			remove_seg(q, 0);
			q->roff = 0;
			save_cursor(q);
			continue;
		}
		if (r < 0)
			return r;
		struct qrec rec;
		long k = qrec_parse((const uint8_t *)q->rbuf.p, q->rbuf.len, &rec);
		if (k == -EAGAIN && want < avail) {
			/* the first record is longer than max_bytes: read all of it */
			if ((r = read_seg(q, s->id, q->roff, avail)) < 0)
				return r;
			k = qrec_parse((const uint8_t *)q->rbuf.p, q->rbuf.len, &rec);
		}
		if (k < 0) {
			if ((r = skip_damage(q)) < 0)
				return r;
			continue;
		}
		b->seg = s->id;
		b->start = q->roff;
		size_t pos = 0;
		uint64_t payload = 0;
		const uint8_t *p = (const uint8_t *)q->rbuf.p;
		while (b->nrecords < max_records && pos < q->rbuf.len) {
			k = qrec_parse(p + pos, q->rbuf.len - pos, &rec);
			if (k < 0 || (b->nrecords > 0 && payload + rec.len > max_bytes))
				break;
			b->recs[b->nrecords++] = rec;
			b->nsamples += rec.nsamples;
			payload += rec.len;
			pos += (size_t)k;
		}
		b->end = q->roff + pos;
		return 0;
	}
}

int pqueue_commit(struct pqueue *q, const struct pqueue_batch *b)
{
	if (b->nrecords == 0 || q->segs[0].id != b->seg || q->roff != b->start)
		return 0;
	q->roff = b->end;
	advance(q);
	save_cursor(q);
	if (q->squeezed && !pqueue_pending(q)) {
		char n[24];
		u64_text(q->squeezed, n);
		plog(LOG_INFO, "push queue caught up after its disk filled", "dir", q->dir,
		     "samples_dropped", n, PLOG_END);
		q->squeezed = 0;
	}
	return 1;
}

uint64_t pqueue_unsent(const struct pqueue *q)
{
	if (!q->nsegs)
		return 0;
	return q->bytes - (q->roff < q->segs[0].size ? q->roff : q->segs[0].size);
}

bool pqueue_pending(const struct pqueue *q)
{
	return q->nsegs > 1 || (q->nsegs == 1 && q->roff < q->segs[0].size);
}

/* Create dir and its missing parents (mode 0700). Returns 0 or -errno. */
static int make_dirs(const char *dir)
{
	char path[4096];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char c = path[i];
		path[i] = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return -errno;
		path[i] = c;
	}
	return 0;
}

/* Parse a segment file name into its id. Returns 0 or -EINVAL. */
static int parse_seg_name(const char *name, uint64_t *id)
{
	struct span s = span_cstr(name);
	if (s.len != SEG_NAME_LEN || !span_starts(s, SEG_PREFIX))
		return -EINVAL;
	s.p += 4;
	s.len -= 4;
	for (size_t i = 0; i < s.len; i++)
		if (!ascii_digit(s.p[i]) && !(s.p[i] >= 'a' && s.p[i] <= 'f'))
			return -EINVAL;
	return span_u64_base(s, 16, id);
}

/* sort_heap order of segments: by id. */
static int cmp_seg(const void *a, const void *b, void *ctx)
{
	(void)ctx;
	const struct pq_seg *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* List the segment files into q->segs, sorted, with their sizes. Returns 0 or -errno. */
static int list_segments(struct pqueue *q)
{
	int r = 0, fd = dup(q->dirfd);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		uint64_t id;
		struct stat st;
		if (parse_seg_name(e->d_name, &id) < 0)
			continue;
		if (fstatat(q->dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if ((r = grow_array((void **)&q->segs, &q->segs_cap, q->nsegs + 1, sizeof(*q->segs))) < 0)
			goto out_close;
		q->segs[q->nsegs++] = (struct pq_seg){ id, (uint64_t)st.st_size };
	}
	sort_heap(q->segs, q->nsegs, sizeof(*q->segs), cmp_seg, NULL);
out_close:
	closedir(d);
	return r;
}

/* Check segs[i] from offset from on (the bytes before the cursor were sent, and may
 * be a punched hole): cut a torn tail, report damage, set aside a file too big to be
 * ours. Returns 0, 1 when the segment was set aside (removed from segs), or -errno. */
static int check_segment(struct pqueue *q, uint32_t i, uint64_t from)
{
	char name[SEG_NAME_LEN + 1], aside[SEG_NAME_LEN + 16];
	struct pq_seg *s = &q->segs[i];
	seg_name(s->id, name);
	if (s->size > SEG_READ_MAX) {
		snprintf(aside, sizeof(aside), "%s.corrupt", name);
		log_seg(LOG_ERROR, "push queue segment too large to be valid: set aside", q, s->id,
			"bytes", s->size, "max", SEG_READ_MAX);
		if (renameat(q->dirfd, name, q->dirfd, aside) < 0)
			return -errno;
		memmove(q->segs + i, q->segs + i + 1, (q->nsegs - i - 1) * sizeof(*q->segs));
		q->nsegs--;
		return 1;
	}
	int r = read_seg(q, s->id, from, s->size - from);
	if (r < 0)
		return r;
	uint64_t samples = 0, bad = 0;
	size_t n = q->rbuf.len, pos = walk((const uint8_t *)q->rbuf.p, n, &samples, &bad);
	if (pos < n) {
		int fd = openat(q->dirfd, name, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || ftruncate(fd, (off_t)(from + pos)) < 0 || fdatasync(fd) < 0)
			r = -errno;
		if (fd >= 0)
			close(fd);
		if (r < 0)
			return r;
		q->st.cut_bytes += n - pos;
		log_seg(LOG_WARN, "cut the torn tail of a push queue segment", q, s->id, "offset",
			from + pos, "bytes", n - pos);
		s->size = from + pos;
	}
	if (bad)
		log_seg(LOG_WARN, "push queue segment has damaged records; they will be skipped", q,
			s->id, "stretches", bad, "bytes", s->size);
	return 0;
}

/* Place the cursor: at the saved one when it is valid, else at the start of the
 * oldest segment; then check every segment from the cursor on. Deletes empty and
 * already sent segments. Returns 0 or -errno (not for a cursor that could not be
 * saved: a full disk must not keep plumb from starting). */
static int recover(struct pqueue *q)
{
	uint64_t cseg = 0, coff = 0;
	int r = load_cursor(q, &cseg, &coff);
	if (r == -EBADMSG)
		plog(LOG_WARN, "push queue cursor is damaged: resending from the oldest record",
		     "dir", q->dir, PLOG_END);
	q->roff = 0;
	if (r == 0) {
		/* segments before the cursor's were sent; a missing cursor segment was sent
		 * whole and deleted just before the cursor moved on */
		while (q->nsegs && q->segs[0].id < cseg)
			remove_seg(q, 0);
		if (q->nsegs && q->segs[0].id == cseg) {
			if (coff <= q->segs[0].size)
				q->roff = coff;
			else
				log_seg(LOG_WARN, "push queue cursor lies beyond its segment: "
					"resending the segment", q, cseg, "offset", coff, "bytes",
					q->segs[0].size);
		}
	}
	for (uint32_t i = 0; i < q->nsegs;) {
		if ((r = check_segment(q, i, i == 0 ? q->roff : 0)) < 0)
			return r;
		if (r == 0)
			i++;
		else if (i == 0)
			q->roff = 0; /* the cursor's segment was set aside */
	}
	for (uint32_t i = q->nsegs; i-- > 0;)
		if (q->segs[i].size == 0)
			remove_seg(q, i);
	q->bytes = 0;
	for (uint32_t i = 0; i < q->nsegs; i++)
		q->bytes += q->segs[i].size;
	if ((r = new_segment(q)) < 0)
		return r;
	advance(q);
	save_cursor(q); /* on a full disk it may fail (logged): the next save writes it */
	return 0;
}

int pqueue_open(struct pqueue *q, const char *dir, uint64_t max_bytes)
{
	int r;
	memset(q, 0, sizeof(*q));
	q->dirfd = q->lockfd = q->wfd = -1;
	q->dir = dir;
	q->max_bytes = max_bytes < 4096 ? 4096 : max_bytes;
	q->seg_bytes = q->max_bytes / 8;
	if (q->seg_bytes > (8u << 20))
		q->seg_bytes = 8u << 20;
	if ((r = make_dirs(dir)) < 0)
		goto out_log;
	if ((q->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		r = -errno;
		goto out_log;
	}
	if ((q->lockfd = openat(q->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		r = -errno;
		goto out_log;
	}
	if (flock(q->lockfd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		goto out_log;
	}
	if ((r = list_segments(q)) < 0 || (r = recover(q)) < 0)
		goto out_log;
	return 0;
out_log:
	plog(LOG_ERROR, r == -EBUSY ? "push queue folder is in use by another plumb"
				    : "cannot open the push queue folder",
	     "dir", dir, "err", strerror(-r), PLOG_END);
	pqueue_close(q);
	return r;
}

int pqueue_chown(struct pqueue *q, uid_t uid, gid_t gid)
{
	static const char *const fixed[] = { "lock", "cursor" };
	char name[SEG_NAME_LEN + 1];
	if (fchown(q->dirfd, uid, gid) < 0)
		return -errno;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (fchownat(q->dirfd, fixed[i], uid, gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT)
			return -errno;
	for (uint32_t i = 0; i < q->nsegs; i++) {
		seg_name(q->segs[i].id, name);
		if (fchownat(q->dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
	}
	return 0;
}

void pqueue_close(struct pqueue *q)
{
	if (q->wfd > 0)
		close(q->wfd);
	if (q->lockfd > 0)
		close(q->lockfd);
	if (q->dirfd > 0)
		close(q->dirfd);
	q->wfd = q->lockfd = q->dirfd = -1;
	free(q->segs);
	q->segs = NULL;
	q->nsegs = q->segs_cap = 0;
	buf_fini(&q->rbuf);
}
