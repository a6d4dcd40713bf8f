/*
 * fuzz_push_queue: the push queue's record reader on untrusted segment bytes.
 *
 * Each input is read twice. In memory, record by record as the queue does: every
 * record qrec_parse accepts must lie inside the input and parse again to the same
 * answer, and qrec_resync must move forward and land on a valid record or the end;
 * each record's payload also goes through rw_join as the sender would join it with
 * another (snappy decoding of bytes that passed the CRC but may be anything).
 * Then as a real segment file in a scratch queue folder: pqueue_open checks it (cutting
 * a torn tail) and the records are drained through pqueue_peek and pqueue_commit,
 * which must end with an empty queue, the bytes read never exceeding the input. A
 * second time with a saved cursor a third of the way in (as if what lies before it
 * were sent, or a punched hole): only the bytes from there on may be read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include "lib/dynlib.h"
#include "lib/log.h"
#include "push/encode.h"
#include "push/queue.h"

/* Join record r with itself as a two-record request: valid snappy data must come back
 * as valid snappy data at least as long as one copy's decoded bytes. */
static void check_join(const struct qrec *r)
{
	static struct buf raw, out;
	struct qrec two[2] = { *r, *r };
	if (rw_join(two, 2, &raw, &out) == 0) {
		size_t len;
		if (dyn_snappy.uncompressed_length(out.p, out.len, &len) != SNAPPY_OK ||
		    len != raw.len)
			abort();
	}
}

static void check_memory(const uint8_t *p, size_t n)
{
	size_t pos = 0;
	struct qrec r, again;
	while (pos < n) {
		long k = qrec_parse(p + pos, n - pos, &r);
		if (k > 0) {
			if ((size_t)k > n - pos || (size_t)k != QREC_HDR + r.len ||
			    r.payload != p + pos + QREC_HDR || r.len > QREC_MAX)
				abort();
			if (qrec_parse(p + pos, (size_t)k, &again) != k || again.ts_ms != r.ts_ms)
				abort();
			check_join(&r);
			pos += (size_t)k;
			continue;
		}
		if (k != -EAGAIN && k != -EBADMSG)
			abort();
		size_t skip = qrec_resync(p + pos, n - pos);
		if (skip < 1 || skip > n - pos)
			abort();
		if (pos + skip < n && qrec_parse(p + pos + skip, n - pos - skip, &r) <= 0)
			abort();
		pos += skip;
	}
}

static char dir[64];

/* Remove the scratch folder at exit. */
static void remove_dir(void)
{
	static const char *const names[] = { "seg-0000000000000001", "seg-0000000000000002",
					     "seg-0000000000000003", "cursor", "cursor.tmp", "lock" };
	char path[128];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* A valid cursor file for segment 1 at offset off (the layout queue.c writes). */
static void put_cursor(int dfd, uint64_t off)
{
	uint8_t c[24] = { 'P', 'L', 'B', 'C' };
	c[8] = 1;
	for (int i = 0; i < 8; i++)
		c[16 + i] = (uint8_t)(off >> (8 * i));
	uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), c + 8, 16);
	for (int i = 0; i < 4; i++)
		c[4 + i] = (uint8_t)(crc >> (8 * i));
	int fd = openat(dfd, "cursor", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, c, sizeof(c)) != (ssize_t)sizeof(c))
		abort();
	close(fd);
}

/* Queue the input as segment 1 (with a cursor at off when off > 0) and drain it. */
static void check_files(const uint8_t *p, size_t n, size_t off)
{
	static struct pqueue_batch b;
	char path[128];
	struct pqueue q;
	if (!dir[0]) {
		/* tmpfs when there is one: fsync costs nothing there */
		snprintf(dir, sizeof(dir), "%s/fuzz-push-queue-XXXXXX",
			 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		if (!mkdtemp(dir))
			abort();
		atexit(remove_dir);
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		abort();
	unlinkat(dfd, "cursor", 0);
	for (int i = 1; i < 4; i++) { /* what an earlier input left */
		snprintf(path, sizeof(path), "seg-%016x", i);
		unlinkat(dfd, path, 0);
	}
	int fd = openat(dfd, "seg-0000000000000001", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, p, n) != (ssize_t)n)
		abort();
	close(fd);
	if (off > 0)
		put_cursor(dfd, off);
	close(dfd);
	if (pqueue_open(&q, dir, 1 << 30) < 0)
		abort();
	uint64_t seen = 0;
	while (pqueue_peek(&q, PQ_BATCH_MAX, 1 << 20, &b) == 0 && b.nrecords > 0) {
		seen += b.end - b.start;
		if (seen > n - off || pqueue_commit(&q, &b) != 1)
			abort();
	}
	if (pqueue_pending(&q))
		abort();
	pqueue_close(&q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		log_setup("error", "logfmt");
		if (dyn_snappy_open("fuzz_push_queue") < 0)
			abort(); /* logged: libsnappy.so.1 is missing */
		ready = 1;
	}
	check_memory(data, size);
	check_files(data, size, 0);
	check_files(data, size, size / 3);
	return 0;
}
