/*
 * heldattr: sysfs attribute files of many like objects (CPUs, interfaces, sensors),
 * held open across scrapes and re-read with pread at offset 0.
 *
 * A collector that reads the same few attributes of each of N objects every scrape
 * pays an open, an fstat and a close per file with read_attr; on a 128-CPU host that is
 * most of its cost. A heldattr keeps, per object name, one descriptor per attribute in
 * a slot. Each scrape the collector marks the objects it lists (heldattr_begin, then
 * heldattr_slot for each), reads through the slot (heldattr_read), and heldattr_end
 * lets go of the objects no longer listed. A held file that fails to read (ENODEV: the
 * device went away) is closed and opened afresh. An attribute whose open failed with
 * ENOENT, EACCES or EPERM is remembered as absent and not tried again until the
 * object's slot is forgotten (heldattr_forget: the collector saw the object's directory
 * vanish) or the object drops out of the list: sysfs gives a device its attributes
 * when it registers it. The number of slots is fixed at init from the descriptor
 * budget the core granted; objects beyond it are read with read_attr, as before.
 *
 * Allocation happens in heldattr_init only. A heldattr belongs to one collector and is
 * used by one thread at a time.
 */
#ifndef PLUMB_HELDATTR_H
#define PLUMB_HELDATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HELDATTR_NAME_MAX 64 /* object names that do not fit are read without a slot */

struct heldattr {
	size_t nattr;    /* attributes a slot holds */
	size_t nslots;   /* slots, fixed at init (may be 0) */
	int *fd;         /* nslots * nattr: >= 0 held, -1 not open, else -errno cached */
	char (*name)[HELDATTR_NAME_MAX];
	bool *used;      /* slot holds an object */
	bool *seen;      /* object listed in this scrape */
};

/* Set h up for objects of nattr attributes, with as many slots as budget descriptors
 * allow, at most max_slots. Returns 0 or -ENOMEM (heldattr_fini then frees). */
int heldattr_init(struct heldattr *h, size_t nattr, size_t max_slots, uint64_t budget);

/* Start a scrape: no object is listed yet. */
void heldattr_begin(struct heldattr *h);

/* The slot of the object called name, listed in this scrape: the one it had, else a
 * free one (nothing open yet). hint is the slot to try first (the object's index in
 * the listing is a good guess). Returns the slot (>= 0), or -1 when no slot is free or
 * the name is too long: read that object with heldattr_read(h, -1, ...). */
int heldattr_slot(struct heldattr *h, const char *name, size_t hint);

/* End a scrape: close the files of the objects not listed since heldattr_begin and
 * free their slots. */
void heldattr_end(struct heldattr *h);

/* Close slot's files and forget what was absent (slot < 0 is ignored). */
void heldattr_forget(struct heldattr *h, int slot);

/* Whether reading attribute a of the object in slot would open its file: it is neither
 * held open nor remembered as absent (always, for slot < 0). A collector that opens an
 * object's directory only to open its files asks this first, and passes dirfd -1 to
 * heldattr_read when it is false. */
bool heldattr_needs_dir(const struct heldattr *h, int slot, size_t a);

/* Whether attribute a of the object in slot is held open (never, for slot < 0). On
 * sysfs a held file of a removed directory fails its next read (ENODEV), so a
 * collector may skip checking that the directory is still there while it holds one. */
bool heldattr_is_open(const struct heldattr *h, int slot, size_t a);

/* Read attribute a of the object in slot (rel: its path beneath dirfd) into buf[cap]
 * as read_attr does: at most cap-1 bytes, trailing newlines and spaces trimmed,
 * NUL-terminated (empty on error). slot < 0 reads with read_attr. Returns 0 or -errno
 * (-ENOENT, -EACCES or -EPERM again without a syscall when the open failed so before).
 * With dirfd -1, a held file that fails is let go and -EBADF returned: the caller opens
 * the directory and reads again. */
int heldattr_read(struct heldattr *h, int slot, size_t a, int dirfd, const char *rel,
		  char *buf, size_t cap);

/* heldattr_read without the trimming: one pread of at most cap-1 bytes (one read, as
 * read_attr does), NUL-terminated, its length in *len (0 on error). Returns 0 or -errno
 * as heldattr_read. */
int heldattr_read_raw(struct heldattr *h, int slot, size_t a, int dirfd, const char *rel,
		      char *buf, size_t cap, size_t *len);

/* One object being read in a scrape, for collectors that find objects as entries of a
 * class directory (a link to the object's directory, or a flattened copy's link file):
 * the object's directory is opened (sysfs_open_dir) only when one of its files must
 * be opened, the first time or when a held file failed and is opened afresh. */
struct heldattr_obj {
	int parent;       /* directory holding the entry */
	const char *name; /* the entry */
	int slot;         /* heldattr_slot's answer, or -1 */
	int fd;           /* the object's directory once opened, -1 before, or the -errno
			     opening it failed with (not tried again for this object) */
};

/* An object for entry name of directory parent, held in slot. */
static inline struct heldattr_obj heldattr_obj_make(int parent, const char *name, int slot)
{
	return (struct heldattr_obj){ parent, name, slot, -1 };
}

/* heldattr_read_raw of attribute a (file beneath the object's directory) of o: through
 * its held file while there is one, else opening o's directory first. Returns 0 or
 * -errno from the read, or from opening the directory. */
int heldattr_obj_read(struct heldattr *h, struct heldattr_obj *o, size_t a, const char *file,
		      char *buf, size_t cap, size_t *len);

/* Close o's directory if a read opened it; o may be read again, as new. */
void heldattr_obj_done(struct heldattr_obj *o);

/* Read the attribute file fd from offset 0 into buf[cap] (cap > 0) with read_attr's
 * result: at most cap-1 bytes, trailing newlines and spaces trimmed, NUL-terminated
 * (empty on error). Returns 0 or -errno. */
int heldattr_pread(int fd, char *buf, size_t cap);

/* Close everything and free. Accepts a zeroed or half-initialised h; safe twice. */
void heldattr_fini(struct heldattr *h);

#endif
