/*
 * heldattr: per-object sysfs attribute files held open and re-read with pread (see
 * heldattr.h for the contract).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/heldattr.h"
#include "lib/procfile.h"
#include "lib/regfile.h"

int heldattr_init(struct heldattr *h, size_t nattr, size_t max_slots, uint64_t budget)
{
	memset(h, 0, sizeof(*h));
	h->nattr = nattr;
	uint64_t fit = nattr ? budget / nattr : 0;
	h->nslots = fit < max_slots ? (size_t)fit : max_slots;
	if (h->nslots == 0)
		return 0;
	h->fd = malloc(h->nslots * nattr * sizeof(*h->fd));
	h->name = calloc(h->nslots, sizeof(*h->name));
	h->used = calloc(h->nslots, sizeof(*h->used));
	h->seen = calloc(h->nslots, sizeof(*h->seen));
	if (!h->fd || !h->name || !h->used || !h->seen) {
		heldattr_fini(h);
		return -ENOMEM;
	}
	for (size_t i = 0; i < h->nslots * nattr; i++)
		h->fd[i] = -1;
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

int heldattr_pread(int fd, char *buf, size_t cap)
{
	ssize_t got;
	do {
		got = pread(fd, buf, cap - 1, 0);
	} while (got < 0 && errno == EINTR);
	if (got < 0) {
		buf[0] = '\0';
		return -errno;
	}
	size_t n = (size_t)got;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return 0;
}

int heldattr_read(struct heldattr *h, int slot, size_t a, int dirfd, const char *rel,
		  char *buf, size_t cap)
{
	if (cap == 0 || a >= h->nattr)
		return -EINVAL;
	if (slot < 0 || (size_t)slot >= h->nslots)
		return read_attr(dirfd, rel, buf, cap);
	buf[0] = '\0';
	int *fd = &h->fd[(size_t)slot * h->nattr + a];
	if (*fd < -1)
		return *fd; /* absent before: still absent */
	if (*fd >= 0) {
		if (heldattr_pread(*fd, buf, cap) == 0)
			return 0;
		close(*fd); /* gone (ENODEV) or failing: open it again */
		*fd = -1;
	}
	int f = regfile_open(dirfd, rel, NULL);
	if (f < 0) {
		if (f == -ENOENT || f == -EACCES || f == -EPERM)
			*fd = f;
		return f;
	}
	int r = heldattr_pread(f, buf, cap);
	if (r < 0)
		close(f);
	else
		*fd = f;
	return r;
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
