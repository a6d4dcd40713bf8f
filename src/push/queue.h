/*
 * queue: the push queue, a bounded on-disk FIFO of records that survives crashes.
 *
 * Every collection the push loop takes becomes one record (qrec.h) appended to the
 * newest segment file in the queue folder (seg-<16 hex digits>), and is made durable
 * with fdatasync before pqueue_append returns. The sender reads records oldest first
 * (pqueue_peek) and removes them only when the receiver has taken them
 * (pqueue_commit), which moves a cursor saved in the file "cursor" (written to
 * cursor.tmp, then renamed over it, so it is always whole). A segment is deleted once
 * every record in it is sent.
 *
 * The bound: segment files together stay within max_bytes. Appending past it deletes
 * the oldest segment first (about an eighth of the bound), counting its unsent samples
 * in stats.dropped_full. A record larger than the whole bound is refused the same way.
 *
 * A full disk (ENOSPC, EDQUOT): the append gives back what was already sent (a hole
 * punched before the cursor, or the fully sent segment replaced by a new one), then
 * drops the oldest unsent records, as few as make room, counted in stats.dropped_disk.
 * A record that cannot be written at all (nothing left to free, a folder it may not
 * write, an I/O error) is dropped and counted (dropped_disk or dropped_write); the
 * queue is unchanged and the next append tries again. No sample leaves the queue
 * uncounted.
 *
 * Start-up (pqueue_open) checks every record: an incomplete or damaged stretch at the
 * end of a segment (a write cut short by kill -9 or power loss) is cut off; a damaged
 * stretch followed by good records is left for the reader, which skips it (finding the
 * next record by its magic and CRC) and counts it in stats.corrupt. A segment too big
 * to be ours is renamed to *.corrupt and ignored. No input makes it crash.
 *
 * Not thread-safe: the caller serialises every call (push.c holds one mutex).
 */
#ifndef PLUMB_QUEUE_H
#define PLUMB_QUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/buf.h"
#include "push/qrec.h"

#define PQ_BATCH_MAX 64 /* most records one peek returns */

struct pq_seg {
	uint64_t id;
	uint64_t size;
};

struct pqueue_stats {
	uint64_t dropped_full; /* samples dropped at the bound */
	uint64_t dropped_disk; /* samples dropped because the file system was full */
	uint64_t dropped_write; /* samples of records that could not be written otherwise */
	uint64_t corrupt;      /* damaged stretches skipped by the reader */
	uint64_t cut_bytes;    /* bytes of torn tails cut at start-up */
};

struct pqueue {
	int dirfd, lockfd, wfd;       /* the folder, its lock file, the newest segment */
	struct pq_seg *segs;          /* oldest first; segs[0] holds the cursor, the last
					 is the one appended to; owned */
	uint32_t nsegs, segs_cap;
	uint64_t roff;                /* cursor: offset of the next unsent record in segs[0] */
	uint64_t bytes;               /* sum of segment sizes */
	uint64_t max_bytes, seg_bytes;
	uint64_t freed;               /* segs[0]'s bytes [0, freed) were given back (a hole) */
	bool no_punch;                /* the file system cannot punch holes */
	uint64_t squeezed;            /* samples dropped for room since the queue was last
					 empty (logged once the sender catches up) */
	struct pqueue_stats st;
	struct buf rbuf;              /* segment bytes read by peek and scans */
	const char *dir;              /* for messages; the caller's string */
};

/* Records from the cursor on, all from one segment. The payloads point into the
 * queue's read buffer and stay valid until the next call on the queue. */
struct pqueue_batch {
	uint64_t seg, start, end;     /* where the records lie: [start, end) of seg */
	uint32_t nrecords;
	uint64_t nsamples;
	struct qrec recs[PQ_BATCH_MAX];
};

/* Open (creating it, mode 0700, with missing parents) the queue in folder dir, bounded
 * to max_bytes (at least 4096), check it as described above, lock it against a second
 * plumb (-EBUSY) and start a new segment to append to. dir must outlive q. On error
 * everything is closed (and logged). Returns 0 or -errno. */
int pqueue_open(struct pqueue *q, const char *dir, uint64_t max_bytes);

/* Append one record and fdatasync it. May drop the oldest records first, at the bound
 * or on a full disk (see above). Returns 0 (queued), or the reason it was not, its
 * samples then counted in st: -E2BIG (the record alone exceeds the bound:
 * dropped_full), -ENOSPC or -EDQUOT (no room could be made: dropped_disk), or another
 * -errno from the file system (dropped_write). The queue is usable after any of them. */
int pqueue_append(struct pqueue *q, const void *payload, uint32_t len, uint32_t nsamples,
		  int64_t ts_ms);

/* Fill b with the oldest unsent records: at most max_records (<= PQ_BATCH_MAX) and,
 * beyond the first, at most max_bytes of payload. Damaged stretches met on the way
 * are skipped and counted. b->nrecords is 0 when nothing is queued. Returns 0 or
 * -errno (reading failed). */
int pqueue_peek(struct pqueue *q, uint32_t max_records, uint64_t max_bytes,
		struct pqueue_batch *b);

/* Remove the records of b (from a pqueue_peek) from the queue, saving the cursor.
 * Returns 1, or 0 when they were no longer at the head (dropped at the bound
 * meanwhile). */
int pqueue_commit(struct pqueue *q, const struct pqueue_batch *b);

/* Bytes of the records waiting to be sent (the files hold also the sent records of
 * the segments not yet deleted: q->bytes counts those too). */
uint64_t pqueue_unsent(const struct pqueue *q);

/* Whether any record waits to be sent. */
bool pqueue_pending(const struct pqueue *q);

/* Give the folder and every file in it to uid:gid (for a plumb that drops root after
 * opening the queue). Returns 0 or -errno. */
int pqueue_chown(struct pqueue *q, uid_t uid, gid_t gid);

/* Close everything; accepts a zeroed queue (and one that failed to open). */
void pqueue_close(struct pqueue *q);

#endif
