/*
 * heldattr: per-object sysfs attribute files held open and re-read with pread (see
 * heldattr.h for the contract).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/heldattr.h"
#include "lib/regfile.h"
#include "lib/sysfs.h"

int heldattr_init(struct heldattr *h, size_t nattr, size_t max_slots, uint64_t budget)
{
	memset(h, 0, sizeof(*h));
	h->nattr = nattr;
	uint64_t fit = nattr ? budget / nattr : 0;
	h->nslots = fit < max_slots ? (size_t)fit : max_slots;
	if (h->nslots == 0)
		return 0;
	h->fd = malloc(h->nslots * nattr * sizeof(*h->fd));
	/* marked free before anything else can fail: heldattr_fini closes what h->fd holds */
	for (size_t i = 0; h->fd && i < h->nslots * nattr; i++)
		h->fd[i] = -1;
	h->name = calloc(h->nslots, sizeof(*h->name));
	h->used = calloc(h->nslots, sizeof(*h->used));
	h->seen = calloc(h->nslots, sizeof(*h->seen));
	if (!h->fd || !h->name || !h->used || !h->seen) {
		heldattr_fini(h);
		return -ENOMEM;
	}
	return 0;
}

void heldattr_begin(struct heldattr *h)
{
	for (size_t k = 0; k < h->nslots; k++)
		h->seen[k] = false;
}

int heldattr_slot(struct heldattr *h, const char *name, size_t hint)
{
	size_t len = strlen(name);
	if (h->nslots == 0 || len >= HELDATTR_NAME_MAX)
		return -1;
	int free_slot = -1;
	for (size_t j = 0; j < h->nslots; j++) {
		size_t k = (hint + j) % h->nslots;
		if (!h->used[k]) {
			if (free_slot < 0)
				free_slot = (int)k;
			continue;
		}
		if (!h->seen[k] && strcmp(h->name[k], name) == 0) {
			h->seen[k] = true;
			return (int)k;
		}
	}
	/* a used slot not seen yet may still be claimed by its own object later in this
	 * scrape, so only a free one is taken */
	if (free_slot < 0)
		return -1;
	memcpy(h->name[free_slot], name, len + 1);
	h->used[free_slot] = h->seen[free_slot] = true;
	return free_slot;
}

void heldattr_forget(struct heldattr *h, int slot)
{
	if (slot < 0 || (size_t)slot >= h->nslots)
		return;
	int *fd = h->fd + (size_t)slot * h->nattr;
	for (size_t a = 0; a < h->nattr; a++) {
		if (fd[a] >= 0)
			close(fd[a]);
		fd[a] = -1;
	}
}

void heldattr_end(struct heldattr *h)
{
	for (size_t k = 0; k < h->nslots; k++) {
		if (h->used[k] && !h->seen[k]) {
			heldattr_forget(h, (int)k);
			h->used[k] = false;
		}
	}
}

/* One pread of fd from offset 0 into buf[cap] (cap > 0), NUL-terminated; the byte
 * count in *len (0 on error). Returns 0 or -errno. */
static int pread_raw(int fd, char *buf, size_t cap, size_t *len)
{
	ssize_t got;
	do {
		got = regfile_pread(fd, buf, cap - 1, 0);
	} while (got < 0 && errno == EINTR);
	*len = got < 0 ? 0 : (size_t)got;
	buf[*len] = '\0';
	return got < 0 ? -errno : 0;
}

/* Trim trailing newlines and spaces off buf[0..len), as read_attr does. */
static void trim(char *buf, size_t len)
{
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	buf[len] = '\0';
}

int heldattr_pread(int fd, char *buf, size_t cap)
{
	size_t len;
	int r = pread_raw(fd, buf, cap, &len);
	trim(buf, len);
	return r;
}

bool heldattr_needs_dir(const struct heldattr *h, int slot, size_t a)
{
	if (slot < 0 || (size_t)slot >= h->nslots || a >= h->nattr)
		return true;
	return h->fd[(size_t)slot * h->nattr + a] == -1;
}

bool heldattr_is_open(const struct heldattr *h, int slot, size_t a)
{
	if (slot < 0 || (size_t)slot >= h->nslots || a >= h->nattr)
		return false;
	return h->fd[(size_t)slot * h->nattr + a] >= 0;
}

int heldattr_read_raw(struct heldattr *h, int slot, size_t a, int dirfd, const char *rel,
		      char *buf, size_t cap, size_t *len)
{
	*len = 0;
	if (cap == 0 || a >= h->nattr)
		return -EINVAL;
	buf[0] = '\0';
	int *fd = slot >= 0 && (size_t)slot < h->nslots ? &h->fd[(size_t)slot * h->nattr + a] : NULL;
	if (fd && *fd < -1)
		return *fd; /* absent before: still absent */
	if (fd && *fd >= 0) {
		if (pread_raw(*fd, buf, cap, len) == 0)
			return 0;
		close(*fd); /* gone (ENODEV) or failing: open it again */
		*fd = -1;
	}
	int f = regfile_open(dirfd, rel, NULL);
	if (f < 0) {
		if (fd && (f == -ENOENT || f == -EACCES || f == -EPERM))
			*fd = f;
		return f;
	}
	int r = pread_raw(f, buf, cap, len);
	if (r < 0 || !fd)
		close(f);
	else
		*fd = f;
	return r;
}

int heldattr_read(struct heldattr *h, int slot, size_t a, int dirfd, const char *rel,
		  char *buf, size_t cap)
{
	size_t len;
	int r = heldattr_read_raw(h, slot, a, dirfd, rel, buf, cap, &len);
	trim(buf, len);
	return r;
}

int heldattr_obj_read(struct heldattr *h, struct heldattr_obj *o, size_t a, const char *file,
		      char *buf, size_t cap, size_t *len)
{
	int r = -EBADF;
	if (o->fd < 0 && !heldattr_needs_dir(h, o->slot, a))
		r = heldattr_read_raw(h, o->slot, a, -1, file, buf, cap, len);
	if (r != -EBADF)
		return r;
	/* not held, or the held file failed and was let go: open it from the directory
	 * (once: a failure is kept for the object's other files) */
	if (o->fd == -1)
		o->fd = sysfs_open_dir(o->parent, o->name);
	if (o->fd < 0) {
		*len = 0;
		if (cap)
			buf[0] = '\0';
		return o->fd;
	}
	return heldattr_read_raw(h, o->slot, a, o->fd, file, buf, cap, len);
}

void heldattr_obj_done(struct heldattr_obj *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
}

void heldattr_fini(struct heldattr *h)
{
	if (h->fd)
		for (size_t k = 0; k < h->nslots; k++)
			heldattr_forget(h, (int)k);
	free(h->fd);
	free(h->name);
	free(h->used);
	free(h->seen);
	memset(h, 0, sizeof(*h));
}
