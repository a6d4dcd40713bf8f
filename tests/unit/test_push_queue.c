/*
 * test_push_queue: the on-disk push queue against real files under /tmp: order,
 * resuming after a restart, a torn tail cut at start-up, a damaged record skipped, a
 * damaged cursor, the bound dropping the oldest samples, the folder lock, a segment
 * deleted under the queue's feet, handing the files to another user, and the
 * record parser's answers on cut and damaged bytes. As root, also a queue on a 64 KiB
 * tmpfs that fills (mounted in a child's own mount namespace) and a folder that turns
 * unwritable under a queue run by nobody.
 */
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "push/queue.h"
#include "t.h"
#include "tmptree.h"

/* Record i: payload "record <i>" padded to len bytes, i samples, time 1000 * i. */
static int put(struct pqueue *q, int i, size_t len)
{
	char p[4096] = { 0 };
	snprintf(p, sizeof(p), "record %d", i);
	return pqueue_append(q, p, (uint32_t)len, (uint32_t)i, 1000 * (int64_t)i);
}

/* The time stamps (seconds) of every queued record, oldest first, committing each
 * batch; at most cap of them into out. Returns how many. */
static int drain(struct pqueue *q, int *out, int cap)
{
	static struct pqueue_batch b;
	int n = 0;
	while (pqueue_peek(q, 3, 1 << 20, &b) == 0 && b.nrecords > 0) {
		for (uint32_t i = 0; i < b.nrecords && n < cap; i++)
			out[n++] = (int)(b.recs[i].ts_ms / 1000);
		if (pqueue_commit(q, &b) != 1)
			break;
	}
	return n;
}

static void queue_dir(const struct tmptree *t, char *dir, size_t n)
{
	tmptree_path(t, "q/sub", dir, n);
}

/* The path of the first segment file. */
static void first_seg(const struct tmptree *t, char *path, size_t n)
{
	tmptree_path(t, "q/sub/seg-0000000000000001", path, n);
}

static void order_and_resume(void)
{
	struct tmptree t = { { 0 } };
	struct pqueue q;
	static struct pqueue_batch b;
	char dir[PATH_MAX];
	int got[16];
	CHECK(tmptree_make(&t) == 0);
	queue_dir(&t, dir, sizeof(dir));
	CHECK_INT(pqueue_open(&q, dir, 1 << 20), 0);
	CHECK(!pqueue_pending(&q));
	for (int i = 1; i <= 5; i++)
		CHECK_INT(put(&q, i, 100), 0);
	CHECK(pqueue_pending(&q));
	CHECK_INT(pqueue_peek(&q, 2, 1 << 20, &b), 0);
	CHECK_INT(b.nrecords, 2);
	CHECK_INT(b.nsamples, 3);
	CHECK(memcmp(b.recs[1].payload, "record 2", 8) == 0);
	CHECK_INT(pqueue_commit(&q, &b), 1);
	CHECK_INT(pqueue_commit(&q, &b), 0); /* already gone */
	/* a second plumb on the same folder is refused */
	struct pqueue q2;
	CHECK_INT(pqueue_open(&q2, dir, 1 << 20), -EBUSY);
	pqueue_close(&q);
	/* restart: records 3..5 remain, in order, and new ones follow them */
	CHECK_INT(pqueue_open(&q, dir, 1 << 20), 0);
	CHECK_INT(put(&q, 6, 100), 0);
	CHECK_INT(drain(&q, got, 16), 4);
	for (int i = 0; i < 4; i++)
		CHECK_INT(got[i], 3 + i);
	CHECK(!pqueue_pending(&q));
	pqueue_close(&q);
	/* all sent: a restart finds nothing */
	CHECK_INT(pqueue_open(&q, dir, 1 << 20), 0);
	CHECK(!pqueue_pending(&q));
	pqueue_close(&q);
	tmptree_rm(&t);
}

/* A fresh queue in a new tree t (its folder in dir, its first segment's path in seg,
 * both PATH_MAX) holding records 1, 2 and 3 of 100 bytes, closed. */
static void three_records(struct tmptree *t, char *dir, char *seg)
{
	struct pqueue q;
	CHECK(tmptree_make(t) == 0);
	queue_dir(t, dir, PATH_MAX);
	first_seg(t, seg, PATH_MAX);
	CHECK_INT(pqueue_open(&q, dir, 1 << 20), 0);
	for (int i = 1; i <= 3; i++)
		CHECK_INT(put(&q, i, 100), 0);
	pqueue_close(&q);
}

static void torn_tail_is_cut(void)
{
	struct tmptree t = { { 0 } };
	struct pqueue q;
	char dir[PATH_MAX], seg[PATH_MAX];
	int got[16] = { 0 };
	three_records(&t, dir, seg);
	/* a fourth record cut short, as kill -9 in the middle of its write leaves it */
	uint8_t hdr[QREC_HDR], payload[100] = { 0 };
	qrec_header(hdr, payload, sizeof(payload), 4, 4000);
	int fd = open(seg, O_WRONLY | O_APPEND);
	CHECK(fd >= 0);
	CHECK(write(fd, hdr, sizeof(hdr)) == (ssize_t)sizeof(hdr));
	CHECK(write(fd, payload, 40) == 40);
	close(fd);
	CHECK_INT(pqueue_open(&q, dir, 1 << 20), 0);
	CHECK_INT(q.st.cut_bytes, QREC_HDR + 40);
	CHECK_INT(q.st.corrupt, 0);
	CHECK_INT(put(&q, 5, 100), 0);
	CHECK_INT(drain(&q, got, 16), 4);
	CHECK_INT(got[0], 1);
	CHECK_INT(got[2], 3);
	CHECK_INT(got[3], 5);
	pqueue_close(&q);
	tmptree_rm(&t);
}

static void damaged_record_is_skipped(void)
{
	struct tmptree t = { { 0 } };
	struct pqueue q;
	char dir[PATH_MAX], seg[PATH_MAX];
	int got[16];
	three_records(&t, dir, seg);
	/* flip one payload byte of record 2, and damage the cursor too */
	int fd = open(seg, O_RDWR);
	uint8_t c;
	off_t at = (QREC_HDR + 100) + QREC_HDR + 50;
	CHECK(pread(fd, &c, 1, at) == 1);
	c ^= 0x20;
	CHECK(pwrite(fd, &c, 1, at) == 1);
	close(fd);
	CHECK(tmptree_put(&t, "q/sub/cursor", "not a cursor at all, 24b") == 0);
	CHECK_INT(pqueue_open(&q, dir, 1 << 20), 0);
	CHECK_INT(q.st.cut_bytes, 0);
	CHECK_INT(drain(&q, got, 16), 2);
	CHECK_INT(got[0], 1);
	CHECK_INT(got[1], 3);
	CHECK_INT(q.st.corrupt, 1);
	pqueue_close(&q);
	tmptree_rm(&t);
}

static void garbage_files_do_not_crash(void)
{
	struct tmptree t = { { 0 } };
	struct pqueue q;
	char dir[PATH_MAX];
	static uint8_t junk[70000];
	int got[16];
	CHECK(tmptree_make(&t) == 0);
	queue_dir(&t, dir, sizeof(dir));
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 2654435761u >> 13);
	memcpy(junk + 1000, "PLBQ", 4); /* a magic with nothing valid behind it */
	CHECK(tmptree_mkdir(&t, "q/sub") == 0);
	CHECK(tmptree_write(&t, "q/sub/seg-0000000000000001", junk, sizeof(junk)) == 0);
	CHECK(tmptree_put(&t, "q/sub/seg-zzzz", "ignored: not a segment name") == 0);
	CHECK(tmptree_put(&t, "q/sub/cursor", "") == 0);
	CHECK_INT(pqueue_open(&q, dir, 1 << 20), 0);
	CHECK_INT(q.st.cut_bytes, sizeof(junk));
	CHECK(!pqueue_pending(&q));
	CHECK_INT(put(&q, 7, 10), 0);
	CHECK_INT(drain(&q, got, 16), 1);
	CHECK_INT(got[0], 7);
	pqueue_close(&q);
	tmptree_rm(&t);
}

static void bound_drops_oldest(void)
{
	struct tmptree t = { { 0 } };
	struct pqueue q;
	char dir[PATH_MAX];
	int got[128];
	CHECK(tmptree_make(&t) == 0);
	queue_dir(&t, dir, sizeof(dir));
	CHECK_INT(pqueue_open(&q, dir, 8192), 0);
	uint64_t total = 0;
	for (int i = 1; i <= 100; i++) {
		CHECK_INT(put(&q, i, 200), 0);
		total += (uint64_t)i;
		CHECK(q.bytes <= 8192);
	}
	CHECK(q.st.dropped_full > 0);
	/* a large record drops as much as it needs; one bigger than the whole bound is
	 * refused and counted */
	CHECK_INT(put(&q, 3, 4000), 0);
	total += 3;
	uint64_t before = q.st.dropped_full;
	static char big[9000];
	CHECK_INT(pqueue_append(&q, big, sizeof(big), 11, 1), -E2BIG);
	CHECK_INT(q.st.dropped_full, before + 11);
	pqueue_close(&q);
	/* what is left is the newest records, in order, and every sample is accounted for */
	CHECK_INT(pqueue_open(&q, dir, 8192), 0);
	int n = drain(&q, got, 128);
	CHECK(n > 10);
	uint64_t left = 0;
	for (int i = 0; i < n - 1; i++) {
		CHECK_INT(got[i], 101 - (n - 1) + i);
		left += (uint64_t)got[i];
	}
	CHECK_INT(got[n - 1], 3);
	CHECK_INT(left + (uint64_t)got[n - 1] + before, total);
	pqueue_close(&q);
	tmptree_rm(&t);
}

static void vanished_segment_is_skipped(void)
{
	struct tmptree t = { { 0 } };
	struct pqueue q;
	char dir[PATH_MAX], seg[PATH_MAX];
	int got[32];
	CHECK(tmptree_make(&t) == 0);
	queue_dir(&t, dir, sizeof(dir));
	first_seg(&t, seg, sizeof(seg));
	CHECK_INT(pqueue_open(&q, dir, 8192), 0); /* segments of 1024 bytes: 4 records */
	for (int i = 1; i <= 20; i++)
		CHECK_INT(put(&q, i, 200), 0);
	CHECK(q.nsegs > 2);
	CHECK(unlink(seg) == 0);
	CHECK_INT(drain(&q, got, 32), 16);
	CHECK_INT(got[0], 5);
	CHECK_INT(got[15], 20);
	CHECK_INT(q.st.corrupt, 1);
	pqueue_close(&q);
	tmptree_rm(&t);
}

static void chown_gives_the_folder_away(void)
{
	struct tmptree t = { { 0 } };
	struct pqueue q;
	char dir[PATH_MAX], seg[PATH_MAX];
	struct stat st;
	/* as root, to nobody (what a plumb dropping root does); otherwise to ourselves */
	uid_t uid = geteuid() == 0 ? 65534 : geteuid();
	gid_t gid = geteuid() == 0 ? 65534 : getegid();
	three_records(&t, dir, seg);
	CHECK_INT(pqueue_open(&q, dir, 1 << 20), 0);
	CHECK_INT(pqueue_chown(&q, uid, gid), 0);
	CHECK(stat(dir, &st) == 0 && st.st_uid == uid && st.st_gid == gid);
	CHECK(stat(seg, &st) == 0 && st.st_uid == uid);
	tmptree_path(&t, "q/sub/cursor", seg, sizeof(seg));
	CHECK(stat(seg, &st) == 0 && st.st_uid == uid);
	tmptree_path(&t, "q/sub/seg-0000000000000002", seg, sizeof(seg));
	CHECK(stat(seg, &st) == 0 && st.st_uid == uid);
	pqueue_close(&q);
	tmptree_rm(&t);
}

/* Run fn(dir) in a child process, dir being the folder "q" of a fresh tree, on a
 * tmpfs of 64 KiB when tmpfs is set (mounted in the child's own mount namespace, so it
 * goes with the child). fn returns its failed checks. Says so and passes when the
 * child cannot do it (not root). */
static void in_child(const char *what, bool tmpfs, int (*fn)(const char *dir))
{
	struct tmptree t = { { 0 } };
	char dir[PATH_MAX];
	int status = 0;
	CHECK(tmptree_make(&t) == 0);
	CHECK(tmptree_mkdir(&t, "q") == 0);
	tmptree_path(&t, "q", dir, sizeof(dir));
	chmod(t.root, 0711); /* nobody may reach q */
	pid_t pid = fork();
	if (pid == 0) {
		if (geteuid() != 0 || (tmpfs && (unshare(CLONE_NEWNS) < 0 ||
				      mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
				      mount("plumbtest", dir, "tmpfs", 0, "size=64k") < 0)))
			_exit(77);
		int failed = fn(dir);
		fflush(stderr);
		_exit(failed == 0 ? 0 : 1);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		printf("%s: not root: not checked\n", what);
	else
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	tmptree_rm(&t);
}

/* Append records first..last of len bytes (record i: i samples, time i s); returns
 * how many appends did not return 0. */
static int put_range(struct pqueue *q, int first, int last, size_t len)
{
	int bad = 0;
	for (int i = first; i <= last; i++)
		bad += put(q, i, len) != 0;
	return bad;
}

/* Samples of records first..last (record i holds i). */
static uint64_t samples_of(int first, int last)
{
	uint64_t n = 0;
	for (int i = first; i <= last; i++)
		n += (uint64_t)i;
	return n;
}

/* The queue's folder fills with records already sent: the append gives their room
 * back, and nothing is dropped. */
static int full_of_sent(const char *dir)
{
	int failed = t_checks_failed, got[4];
	struct pqueue q;
	CHECK_INT(pqueue_open(&q, dir, 1 << 20), 0); /* bound and segments beyond the disk */
	for (int i = 1; i <= 60; i++) {
		CHECK_INT(put(&q, i, 3000), 0);
		CHECK_INT(drain(&q, got, 4), 1);
		CHECK_INT(got[0], i);
	}
	CHECK_INT(q.st.dropped_disk, 0);
	CHECK_INT(pqueue_unsent(&q), 0);
	pqueue_close(&q);
	return t_checks_failed - failed;
}

/* Nothing is sent: once the disk is full, each append drops the oldest records, as
 * few as make room, and counts them. A restart finds the newest records intact, the
 * hole punched over the dropped ones unread, and a record half-written at the full
 * disk's end cut off. */
static int full_of_unsent(const char *dir)
{
	int failed = t_checks_failed, got[64];
	struct pqueue q;
	CHECK_INT(pqueue_open(&q, dir, 4 << 20), 0); /* one segment: 512 KiB */
	CHECK_INT(put_range(&q, 1, 60, 3000), 0); /* 60 * 3 KiB on 64 KiB */
	CHECK(q.st.dropped_disk > 0);
	CHECK(pqueue_unsent(&q) <= (uint64_t)64 * 1024);
	uint64_t unsent = pqueue_unsent(&q), dropped = q.st.dropped_disk;
	CHECK_INT(unsent % (QREC_HDR + 3000), 0); /* whole records only */
	pqueue_close(&q);
	/* a last record that kill -9 cut short: more than the disk has room for, written
	 * straight to it */
	static uint8_t rec[QREC_HDR + 60000];
	qrec_header(rec, rec + QREC_HDR, 60000, 99, 99000);
	char seg[PATH_MAX];
	snprintf(seg, sizeof(seg), "%s/seg-0000000000000001", dir);
	int fd = open(seg, O_WRONLY | O_APPEND);
	CHECK(fd >= 0);
	ssize_t n = write(fd, rec, sizeof(rec));
	CHECK(n > 0 && n < (ssize_t)sizeof(rec));
	close(fd);
	CHECK_INT(pqueue_open(&q, dir, 4 << 20), 0);
	CHECK_INT(q.st.cut_bytes, n > 0 ? n : 0);
	CHECK_INT(q.st.corrupt, 0);
	CHECK_INT(pqueue_unsent(&q), unsent);
	int k = drain(&q, got, 64);
	CHECK_INT((uint64_t)k * (QREC_HDR + 3000), unsent);
	CHECK(k > 5 && got[k - 1] == 60);
	for (int i = 0; i < k; i++)
		CHECK_INT(got[i], 60 - k + 1 + i);
	CHECK_INT(samples_of(60 - k + 1, 60) + dropped, samples_of(1, 60));
	CHECK_INT(q.st.corrupt, 0);
	pqueue_close(&q);
	/* a restart on a disk with no room left at all: the queue opens, and the next
	 * append drops what it must */
	CHECK_INT(pqueue_open(&q, dir, 4 << 20), 0);
	CHECK_INT(put_range(&q, 61, 70, 3000), 0);
	pqueue_close(&q);
	static char chunk[4096];
	char filler[PATH_MAX];
	snprintf(filler, sizeof(filler), "%s/filler", dir);
	fd = open(filler, O_WRONLY | O_CREAT, 0600);
	CHECK(fd >= 0);
	while (write(fd, chunk, sizeof(chunk)) > 0)
		;
	while (write(fd, chunk, 1) > 0)
		;
	close(fd);
	CHECK_INT(pqueue_open(&q, dir, 4 << 20), 0);
	CHECK(pqueue_pending(&q));
	dropped = q.st.dropped_disk;
	CHECK_INT(put(&q, 71, 3000), 0);
	CHECK(q.st.dropped_disk > dropped);
	k = drain(&q, got, 64);
	CHECK(k > 0 && got[k - 1] == 71);
	for (int i = 1; i < k; i++)
		CHECK_INT(got[i], got[i - 1] + 1);
	pqueue_close(&q);
	CHECK(unlink(filler) == 0);
	return t_checks_failed - failed;
}

/* The disk is full of someone else's file: with nothing of its own to free, the queue
 * drops the new record alone (counted) and takes records again once there is room. A
 * record that would not fit even with the queue emptied costs only itself. */
static int full_of_others(const char *dir)
{
	static char chunk[4096];
	int failed = t_checks_failed, got[4];
	char filler[PATH_MAX];
	struct pqueue q;
	CHECK_INT(pqueue_open(&q, dir, 1 << 20), 0);
	CHECK_INT(put(&q, 1, 100), 0);
	snprintf(filler, sizeof(filler), "%s/filler", dir);
	int fd = open(filler, O_WRONLY | O_CREAT, 0600);
	CHECK(fd >= 0);
	while (write(fd, chunk, sizeof(chunk)) > 0)
		;
	while (write(fd, chunk, 1) > 0) /* every page taken */
		;
	close(fd);
	/* record 1 holds one page: not room enough for record 2 */
	CHECK_INT(put(&q, 2, 4000), -ENOSPC);
	CHECK_INT(q.st.dropped_disk, 2);
	CHECK_INT(pqueue_unsent(&q), QREC_HDR + 100); /* record 1 is kept */
	CHECK_INT(drain(&q, got, 4), 1);
	CHECK_INT(got[0], 1);
	/* record 1 was sent: its page is room for record 3, not for record 4 */
	CHECK_INT(put(&q, 3, 4000), 0);
	CHECK_INT(drain(&q, got, 4), 1);
	CHECK_INT(got[0], 3);
	CHECK_INT(put(&q, 4, 4096), -ENOSPC);
	CHECK_INT(q.st.dropped_disk, 6);
	CHECK(!pqueue_pending(&q));
	CHECK(unlink(filler) == 0);
	CHECK_INT(put(&q, 5, 4096), 0);
	CHECK_INT(drain(&q, got, 4), 1);
	CHECK_INT(got[0], 5);
	CHECK_INT(q.st.dropped_disk, 6);
	pqueue_close(&q);
	return t_checks_failed - failed;
}

/* A queue handed to nobody, whose folder turns mode 000: records that need a new
 * segment file are dropped and counted, reading fails without harm, and once the
 * folder is writable again every record kept is sent, in order. */
static int unwritable(const char *dir)
{
	int failed = t_checks_failed, got[64];
	static struct pqueue_batch b;
	struct pqueue q;
	CHECK_INT(pqueue_open(&q, dir, 8192), 0); /* segments of 1 KiB: 4 records */
	CHECK_INT(put_range(&q, 1, 3, 200), 0);
	CHECK_INT(pqueue_chown(&q, 65534, 65534), 0);
	CHECK(setgroups(0, NULL) == 0 && setresgid(65534, 65534, 65534) == 0 &&
	      setresuid(65534, 65534, 65534) == 0);
	CHECK(fchmod(q.dirfd, 0) == 0);
	int refused = put_range(&q, 4, 12, 200);
	CHECK(refused > 0 && refused < 9); /* some fit the open segment */
	CHECK_INT(q.st.dropped_write + q.st.dropped_disk + q.st.dropped_full,
		  q.st.dropped_write);
	CHECK(q.st.dropped_write > 0);
	uint64_t unsent = pqueue_unsent(&q);
	CHECK(pqueue_peek(&q, 64, 1 << 20, &b) < 0);
	CHECK(fchmod(q.dirfd, 0700) == 0);
	CHECK_INT(put(&q, 13, 200), 0);
	CHECK_INT(pqueue_unsent(&q), unsent + QREC_HDR + 200);
	int k = drain(&q, got, 64);
	uint64_t kept = 0;
	for (int i = 0; i < k; i++) {
		CHECK(i == 0 || got[i] > got[i - 1]);
		kept += (uint64_t)got[i];
	}
	CHECK_INT(k, 13 - refused);
	CHECK_INT(got[k - 1], 13);
	CHECK_INT(kept + q.st.dropped_write, samples_of(1, 13));
	CHECK(!pqueue_pending(&q));
	pqueue_close(&q);
	return t_checks_failed - failed;
}

static void disk_full_gives_back_sent(void)
{
	in_child("disk_full_gives_back_sent", true, full_of_sent);
}

static void disk_full_drops_oldest(void)
{
	in_child("disk_full_drops_oldest", true, full_of_unsent);
}

static void disk_full_of_other_files(void)
{
	in_child("disk_full_of_other_files", true, full_of_others);
}

static void unwritable_folder(void)
{
	in_child("unwritable_folder", false, unwritable);
}

static void record_parser(void)
{
	uint8_t rec[QREC_HDR + 8];
	struct qrec r;
	CHECK_INT(qrec_header(rec, "abcdefgh", 8, 2, -5), 0);
	memcpy(rec + QREC_HDR, "abcdefgh", 8);
	CHECK_INT(qrec_parse(rec, sizeof(rec), &r), sizeof(rec));
	CHECK_INT(r.len, 8);
	CHECK_INT(r.nsamples, 2);
	CHECK_INT(r.ts_ms, -5);
	for (size_t n = 1; n < sizeof(rec); n++)
		CHECK_INT(qrec_parse(rec, n, &r), -EAGAIN);
	CHECK_INT(qrec_parse(rec, 0, &r), -EBADMSG);
	for (size_t i = 4; i < sizeof(rec); i++) { /* any flipped bit after the magic */
		rec[i] ^= 1;
		long k = qrec_parse(rec, sizeof(rec), &r);
		CHECK(k == -EBADMSG || (i >= 8 && i < 12 && k == -EAGAIN));
		rec[i] ^= 1;
	}
	uint8_t two[2 * sizeof(rec) + 3];
	memcpy(two, "xyz", 3);
	memcpy(two + 3, rec, sizeof(rec));
	memcpy(two + 3 + sizeof(rec), rec, sizeof(rec));
	two[3 + QREC_HDR] ^= 0xff; /* the first copy is damaged */
	CHECK_INT(qrec_resync(two, sizeof(two)), 3 + sizeof(rec));
	CHECK_INT(qrec_resync(rec, sizeof(rec)), sizeof(rec));
	CHECK_INT(qrec_header(rec, "", QREC_MAX + 1u, 0, 0), -E2BIG);
}

int main(void)
{
	log_setup("error", "logfmt");
	RUN(order_and_resume);
	RUN(torn_tail_is_cut);
	RUN(damaged_record_is_skipped);
	RUN(garbage_files_do_not_crash);
	RUN(bound_drops_oldest);
	RUN(vanished_segment_is_skipped);
	RUN(chown_gives_the_folder_away);
	RUN(disk_full_gives_back_sent);
	RUN(disk_full_drops_oldest);
	RUN(disk_full_of_other_files);
	RUN(unwritable_folder);
	RUN(record_parser);
	return T_DONE("test_push_queue");
}
