/*
 * test_heldattr: lib/heldattr against files in a temporary tree: a held file is read
 * again with its new contents without a new open, an object that leaves the listing
 * lets go of its files, an absent attribute is remembered until the slot is
 * forgotten, a held file is read without its directory and one that fails asks for
 * it, objects beyond the slots (or a budget of zero) are read without one, and
 * reading allocates nothing once set up.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/heldattr.h"
#include "alloc_probe.h"
#include "tmptree.h"
#include "t.h"

static void held_reads_new_values(void)
{
	struct tmptree t;
	struct heldattr h;
	char buf[64];
	CHECK_INT(tmptree_make(&t), 0);
	CHECK_INT(tmptree_put(&t, "cpu0/freq", "1000\n"), 0);
	CHECK_INT(tmptree_put(&t, "cpu1/freq", "2000 \n"), 0);
	int dir = open(t.root, O_RDONLY | O_DIRECTORY);
	CHECK(dir >= 0);
	CHECK_INT(heldattr_init(&h, 2, 16, 1000), 0);
	heldattr_begin(&h);
	int s0 = heldattr_slot(&h, "cpu0", 0), s1 = heldattr_slot(&h, "cpu1", 1);
	CHECK(s0 >= 0 && s1 >= 0 && s0 != s1);
	CHECK_INT(heldattr_read(&h, s0, 0, dir, "cpu0/freq", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "1000");
	CHECK_INT(heldattr_read(&h, s1, 0, dir, "cpu1/freq", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "2000");
	heldattr_end(&h);
	/* the file is held: a new value is read through it, even with the path gone */
	CHECK_INT(tmptree_rewrite(&t, "cpu0/freq", "1500\n"), 0);
	char moved[PATH_MAX], to[PATH_MAX];
	CHECK_INT(rename(tmptree_path(&t, "cpu0/freq", moved, sizeof(moved)),
			 tmptree_path(&t, "cpu0/freq.moved", to, sizeof(to))), 0);
	heldattr_begin(&h);
	CHECK_INT(heldattr_slot(&h, "cpu0", 0), s0);
	CHECK_INT(heldattr_read(&h, s0, 0, dir, "cpu0/freq", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "1500");
	heldattr_end(&h); /* cpu1 was not listed: its slot is free again */
	CHECK(!h.used[s1]);
	/* raw reads keep the newlines */
	size_t len;
	heldattr_begin(&h);
	s1 = heldattr_slot(&h, "cpu1", 1);
	CHECK_INT(heldattr_read_raw(&h, s1, 1, dir, "cpu1/freq", buf, sizeof(buf), &len), 0);
	CHECK_INT(len, 6);
	CHECK_STR(buf, "2000 \n");
	heldattr_end(&h);
	heldattr_fini(&h);
	heldattr_fini(&h); /* twice is harmless */
	close(dir);
	tmptree_rm(&t);
}

static void absent_is_remembered_until_forgotten(void)
{
	struct tmptree t;
	struct heldattr h;
	char buf[64];
	CHECK_INT(tmptree_make(&t), 0);
	CHECK_INT(tmptree_mkdir(&t, "cpu0"), 0);
	int dir = open(t.root, O_RDONLY | O_DIRECTORY);
	CHECK_INT(heldattr_init(&h, 1, 4, 100), 0);
	heldattr_begin(&h);
	int s = heldattr_slot(&h, "cpu0", 0);
	CHECK_INT(heldattr_read(&h, s, 0, dir, "cpu0/avg", buf, sizeof(buf)), -ENOENT);
	CHECK_INT(tmptree_put(&t, "cpu0/avg", "7\n"), 0);
	CHECK_INT(heldattr_read(&h, s, 0, dir, "cpu0/avg", buf, sizeof(buf)), -ENOENT);
	CHECK_STR(buf, "");
	heldattr_forget(&h, s);
	CHECK_INT(heldattr_read(&h, s, 0, dir, "cpu0/avg", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "7");
	/* out-of-range attribute and empty buffers are refused */
	CHECK_INT(heldattr_read(&h, s, 1, dir, "cpu0/avg", buf, sizeof(buf)), -EINVAL);
	CHECK_INT(heldattr_read(&h, s, 0, dir, "cpu0/avg", buf, 0), -EINVAL);
	heldattr_end(&h);
	heldattr_fini(&h);
	close(dir);
	tmptree_rm(&t);
}

/* heldattr_needs_dir says when a read would open a file; with dirfd -1 a held file is
 * read, an absent one is absent again, and a held file that fails (here a directory
 * put in its descriptor's place: pread answers EISDIR, as sysfs answers ENODEV) is let
 * go with -EBADF, after which the directory is needed and a read with it succeeds. */
static void reads_without_the_directory(void)
{
	struct tmptree t;
	struct heldattr h;
	char buf[64];
	CHECK_INT(tmptree_make(&t), 0);
	CHECK_INT(tmptree_put(&t, "zone0/temp", "41000\n"), 0);
	int dir = open(t.root, O_RDONLY | O_DIRECTORY);
	CHECK_INT(heldattr_init(&h, 2, 4, 100), 0);
	heldattr_begin(&h);
	int s = heldattr_slot(&h, "zone0", 0);
	CHECK(heldattr_needs_dir(&h, s, 0));
	CHECK(heldattr_needs_dir(&h, -1, 0));
	CHECK(!heldattr_is_open(&h, s, 0));
	CHECK_INT(heldattr_read(&h, s, 0, dir, "zone0/temp", buf, sizeof(buf)), 0);
	CHECK(!heldattr_needs_dir(&h, s, 0));
	CHECK(heldattr_is_open(&h, s, 0));
	CHECK(!heldattr_is_open(&h, -1, 0));
	CHECK_INT(heldattr_read(&h, s, 1, dir, "zone0/policy", buf, sizeof(buf)), -ENOENT);
	CHECK(!heldattr_needs_dir(&h, s, 1));
	CHECK(!heldattr_is_open(&h, s, 1)); /* remembered as absent, not open */
	CHECK_INT(tmptree_rewrite(&t, "zone0/temp", "42000\n"), 0);
	CHECK_INT(heldattr_read(&h, s, 0, -1, "temp", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "42000");
	CHECK_INT(heldattr_read(&h, s, 1, -1, "policy", buf, sizeof(buf)), -ENOENT);
	CHECK_INT(dup2(dir, h.fd[(size_t)s * h.nattr]), h.fd[(size_t)s * h.nattr]);
	CHECK_INT(heldattr_read(&h, s, 0, -1, "temp", buf, sizeof(buf)), -EBADF);
	CHECK(heldattr_needs_dir(&h, s, 0));
	CHECK(!heldattr_is_open(&h, s, 0));
	CHECK_INT(heldattr_read(&h, s, 0, dir, "zone0/temp", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "42000");
	heldattr_end(&h);
	heldattr_fini(&h);
	close(dir);
	tmptree_rm(&t);
}

/* heldattr_obj_read opens an entry's folder (through a link) only when a file of it
 * must be opened: the first time and after a held file failed, not while it is held;
 * a dangling entry answers its folder's error. */
static void object_folder_opened_when_needed(void)
{
	struct tmptree t;
	struct heldattr h;
	char buf[64], cls[PATH_MAX];
	size_t len;
	CHECK_INT(tmptree_make(&t), 0);
	CHECK_INT(tmptree_put(&t, "dev/wd0/timeout", "60\n"), 0);
	CHECK_INT(tmptree_link(&t, "cls/wd0", "../dev/wd0"), 0);
	CHECK_INT(tmptree_link(&t, "cls/gone", "../dev/gone"), 0);
	int dir = open(tmptree_path(&t, "cls", cls, sizeof(cls)), O_RDONLY | O_DIRECTORY);
	CHECK_INT(heldattr_init(&h, 1, 4, 100), 0);
	for (int scrape = 0; scrape < 3; scrape++) {
		heldattr_begin(&h);
		struct heldattr_obj o = heldattr_obj_make(dir, "wd0", heldattr_slot(&h, "wd0", 0));
		if (scrape == 2)
			CHECK_INT(tmptree_break_held("/dev/wd0/timeout", dir), 1);
		CHECK_INT(heldattr_obj_read(&h, &o, 0, "timeout", buf, sizeof(buf), &len), 0);
		CHECK_INT((int)len, 3);
		CHECK_STR(buf, "60\n");
		CHECK(scrape == 1 ? o.fd == -1 : o.fd >= 0); /* held on the second scrape */
		heldattr_obj_done(&o);
		CHECK_INT(o.fd, -1);
		struct heldattr_obj g = heldattr_obj_make(dir, "gone", heldattr_slot(&h, "gone", 1));
		CHECK_INT(heldattr_obj_read(&h, &g, 0, "timeout", buf, sizeof(buf), &len), -ENOENT);
		CHECK_INT(g.fd, -ENOENT); /* kept: the object's other files fail the same */
		heldattr_obj_done(&g);
		CHECK_INT(g.fd, -1);
		heldattr_end(&h);
	}
	heldattr_fini(&h);
	close(dir);
	tmptree_rm(&t);
}

static void beyond_the_slots(void)
{
	struct tmptree t;
	struct heldattr h;
	char buf[64], name[HELDATTR_NAME_MAX + 8];
	CHECK_INT(tmptree_make(&t), 0);
	CHECK_INT(tmptree_put(&t, "a", "1\n"), 0);
	int dir = open(t.root, O_RDONLY | O_DIRECTORY);
	/* a budget for one slot of two files */
	CHECK_INT(heldattr_init(&h, 2, 100, 3), 0);
	CHECK_INT(h.nslots, 1);
	heldattr_begin(&h);
	CHECK(heldattr_slot(&h, "x", 0) == 0);
	CHECK_INT(heldattr_slot(&h, "y", 1), -1);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	CHECK_INT(heldattr_slot(&h, name, 0), -1);
	/* without a slot the file is read and closed */
	CHECK_INT(heldattr_read(&h, -1, 0, dir, "a", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "1");
	heldattr_end(&h);
	heldattr_fini(&h);
	/* no budget: no slot at all */
	CHECK_INT(heldattr_init(&h, 2, 100, 0), 0);
	heldattr_begin(&h);
	CHECK_INT(heldattr_slot(&h, "x", 0), -1);
	heldattr_end(&h);
	heldattr_fini(&h);
	close(dir);
	tmptree_rm(&t);
}

static void steady_state_allocates_nothing(void)
{
	if (!alloc_probe_ready())
		return;
	CHECK(alloc_probe_works());
	const char *live[] = { "--collector.disable-defaults", "--collector.cpufreq",
			       "--collector.hwmon", "--collector.diskstats", NULL };
	CHECK_INT(alloc_probe_scrape(live, 2), 0);
}

int main(void)
{
	RUN(held_reads_new_values);
	RUN(absent_is_remembered_until_forgotten);
	RUN(reads_without_the_directory);
	RUN(object_folder_opened_when_needed);
	RUN(beyond_the_slots);
	RUN(steady_state_allocates_nothing);
	return T_DONE("test_heldattr");
}
