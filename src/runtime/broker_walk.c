/*
 * broker_walk: resolve a path beneath a root one component at a time, for the broker,
 * and open or statfs what it names.
 *
 * The kernel's openat2(RESOLVE_BENEATH) would do this, but a seccomp filter cannot see
 * openat2's flags (they sit in a struct in memory), so the broker's filter refuses it
 * and the walk is done here instead with calls whose flags it can check: every
 * component is opened with openat(O_PATH | O_NOFOLLOW) from the folder before it, and a
 * symlink is read from its own O_PATH descriptor (readlinkat with an empty name, so
 * the link read is the one looked up) and its text spliced in front of what remains.
 * A relative target goes on from the folder the link sits in, an absolute one from the
 * root, and only if it names the root or something beneath it. ".." goes back one
 * folder on the stack of folders walked, and past the root is an escape (-EXDEV), so a
 * walk never leaves the root whatever the links say; sysfs's relative links
 * ("../../devices/...") stay inside /sys and resolve. A root may also be one file
 * (/proc/slabinfo): then that file alone is opened, through no symlink. O_PATH opens
 * are not checked by Landlock; the final open for reading is.
 *
 * A walk uses a little over 8 KiB of stack and at most 66 descriptors at once, and
 * allocates nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/broker.h"

#define WALK_MAX_DEPTH 64 /* folders held on the stack below the root */
#define WALK_MAX_LINKS 40 /* symlinks followed in one walk, as the kernel allows */

struct walk {
	const char *root;
	size_t root_len;
	int fds[WALK_MAX_DEPTH + 1];  /* fds[0]: the root; fds[depth]: the folder reached */
	unsigned depth;
	unsigned links;
	char rest[BROKER_PATH_MAX];   /* what remains, relative to fds[depth] */
	char target[BROKER_PATH_MAX]; /* a symlink's text */
};

/* Whether only '/' (or nothing) is left in s. */
static bool only_slashes(const char *s)
{
	return s[strspn(s, "/")] == '\0';
}

/* Splice the symlink open as lfd in front of w->rest + pos, which becomes w->rest.
 * An absolute target restarts at the root. Returns 0 or -errno. */
static int follow(struct walk *w, int lfd, size_t pos)
{
	if (++w->links > WALK_MAX_LINKS)
		return -ELOOP;
	ssize_t n = readlinkat(lfd, "", w->target, sizeof(w->target));
	if (n < 0)
		return -errno;
	if ((size_t)n >= sizeof(w->target))
		return -ENAMETOOLONG;
	if (n == 0)
		return -ENOENT;
	w->target[n] = '\0';
	const char *t = w->target;
	if (t[0] == '/') {
		if (w->root_len > 1) {
			if (strncmp(t, w->root, w->root_len) != 0 ||
			    (t[w->root_len] != '/' && t[w->root_len] != '\0'))
				return -EXDEV;
			t += w->root_len;
		}
		while (w->depth > 0)
			close(w->fds[w->depth--]);
	}
	size_t tlen = strlen(t), left = strlen(w->rest + pos);
	if (tlen + 1 + left >= sizeof(w->rest))
		return -ENAMETOOLONG;
	memmove(w->rest + tlen + 1, w->rest + pos, left + 1);
	memcpy(w->rest, t, tlen);
	w->rest[tlen] = '/';
	return 0;
}

/* Walk w->rest from fds[depth]. On success the object is *obj (an O_PATH descriptor,
 * the caller's, named name[] in fds[depth]), or, when *obj is -1, the folder fds[depth]
 * itself; *sb is its stat. Returns 0 or -errno. */
static int resolve(struct walk *w, int *obj, char *name, struct stat *sb)
{
	size_t pos = 0;
	int r;
	for (;;) {
		pos += strspn(w->rest + pos, "/");
		if (w->rest[pos] == '\0')
			return fstat(w->fds[w->depth], sb) < 0 ? -errno : 0;
		const char *comp = w->rest + pos;
		size_t len = strcspn(comp, "/");
		pos += len;
		if (len == 1 && comp[0] == '.')
			continue;
		if (len == 2 && comp[0] == '.' && comp[1] == '.') {
			if (w->depth == 0)
				return -EXDEV; /* above the root */
			close(w->fds[w->depth--]);
			continue;
		}
		if (len > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(name, comp, len);
		name[len] = '\0';
		int nfd = openat(w->fds[w->depth], name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0)
			return -errno;
		if (fstat(nfd, sb) < 0) {
			r = -errno;
			close(nfd);
			return r;
		}
		if (S_ISLNK(sb->st_mode)) {
			r = follow(w, nfd, pos);
			close(nfd);
			if (r < 0)
				return r;
			pos = 0;
		} else if (S_ISDIR(sb->st_mode)) {
			if (w->depth == WALK_MAX_DEPTH) {
				close(nfd);
				return -ENAMETOOLONG;
			}
			w->fds[++w->depth] = nfd;
		} else if (!only_slashes(w->rest + pos)) {
			close(nfd);
			return -ENOTDIR;
		} else {
			*obj = nfd;
			return 0;
		}
	}
}

/* Do op on the object resolve() found. Returns 0 or -errno; *fd as broker_walk. */
static int finish(struct walk *w, enum broker_op op, int obj, const char *name,
		  const struct stat *sb, int *fd, struct statfs *st)
{
	struct stat got;
	int f;
	switch (op) {
	case BROKER_OP_STATFS:
		return fstatfs(obj >= 0 ? obj : w->fds[w->depth], st) < 0 ? -errno : 0;
	case BROKER_OP_OPENDIR:
		if (!S_ISDIR(sb->st_mode))
			return -ENOTDIR;
		/* "." from the folder's own descriptor: the very folder looked up */
		f = openat(w->fds[w->depth], ".",
			   O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		break;
	case BROKER_OP_OPEN:
		if (S_ISDIR(sb->st_mode))
			return -EISDIR;
		if (!S_ISREG(sb->st_mode))
			return -EPERM; /* no FIFOs, devices or sockets: opening may act */
		f = openat(w->fds[w->depth], name,
			   O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		/* the name may have been replaced since the lookup: same file or nothing */
		if (f >= 0 && (fstat(f, &got) < 0 || got.st_dev != sb->st_dev ||
			       got.st_ino != sb->st_ino)) {
			close(f);
			return -ESTALE;
		}
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (f < 0)
		return -errno;
	*fd = f;
	return 0;
}

int broker_walk(const char *root, const char *path, enum broker_op op, int *fd,
		struct statfs *st)
{
	struct walk w;
	struct stat sb;
	char name[NAME_MAX + 1];
	int obj = -1, r;

	*fd = -1;
	memset(&sb, 0, sizeof(sb)); /* resolve fills it; clang's analyzer cannot tell */
	if (strnlen(path, BROKER_PATH_MAX) >= BROKER_PATH_MAX)
		return -ENAMETOOLONG;
	if (broker_root_of(&root, 1, path) != root)
		return -EPERM;
	w.root = root;
	w.root_len = strlen(root);
	w.depth = 0;
	w.links = 0;
	const char *rel = path + (w.root_len == 1 ? 0 : w.root_len);
	size_t rel_len = strlen(rel);
	memcpy(w.rest, rel, rel_len);
	w.rest[rel_len] = '\0';
	/* the root comes from plumb's configuration: symlinks in its own path are followed */
	w.fds[0] = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (w.fds[0] < 0 && errno == ENOTDIR && rel_len == 0 && w.root_len > 1) {
		/* a root that is one file (/proc/slabinfo): walk its name from its folder,
		 * following no symlink, so the walk can name nothing but that file */
		const char *base = strrchr(root, '/');
		size_t dlen = (size_t)(base - root);
		char dir[BROKER_PATH_MAX];
		memcpy(dir, root, dlen ? dlen : 1);
		dir[dlen ? dlen : 1] = '\0';
		w.fds[0] = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		memcpy(w.rest, base + 1, w.root_len - dlen);
		w.links = WALK_MAX_LINKS;
	}
	if (w.fds[0] < 0)
		return -errno;
	r = resolve(&w, &obj, name, &sb);
	if (r == 0)
		r = finish(&w, op, obj, name, &sb, fd, st);
	if (obj >= 0)
		close(obj);
	for (unsigned i = 0; i <= w.depth; i++)
		close(w.fds[i]);
	return r;
}
