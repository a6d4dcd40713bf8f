/*
 * podlogs: pod and container names from kubelet's log directories (see podlogs.h).
 *
 * A rebuild lists /var/log/pods and /var/log/containers, keeps the names that follow
 * kubelet's layout, appends their parts to one string buffer (NUL-terminated, found
 * by offset so the buffer may move while it grows) and sorts two small index arrays
 * by key for binary search. The buffer and arrays keep their capacity across
 * rebuilds (a rebuild that fits allocates nothing; the sort needs no scratch), and a
 * rebuild happens only when a directory's mtime or inode changed.
 */
#include "lib/podlogs.h"

#include <errno.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/sort.h"

#define PODLOGS_STR_MAX (32u << 20) /* 32 MiB of names at most */

struct podlogs_pod_ent {
	uint32_t uid, ns, pod; /* offsets into str */
};
struct podlogs_ctr_ent {
	uint32_t id, container, pod, ns;
};

/* ---- name parsing ------------------------------------------------------------- */

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Whether c is a lowercase hex digit. */
static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* A DNS label (RFC 1123): 1-63 of [a-z0-9-], alphanumeric at both ends. With dots
 * allowed and 253 bytes, a DNS subdomain (pod names). */
static bool dns_name_ok(struct span s, bool subdomain)
{
	if (s.len == 0 || s.len > (subdomain ? 253u : 63u))
		return false;
	if (!is_lower_alnum(s.p[0]) || !is_lower_alnum(s.p[s.len - 1]))
		return false;
	for (size_t i = 0; i < s.len; i++) {
		char c = s.p[i];
		if (!is_lower_alnum(c) && c != '-' && !(subdomain && c == '.'))
			return false;
	}
	return true;
}

/* A pod UID: UUID 8-4-4-4-12 in lowercase hex, or a 32-hex static pod hash. */
static bool uid_ok(struct span s)
{
	if (s.len == 32) {
		for (size_t i = 0; i < 32; i++)
			if (!is_hex(s.p[i]))
				return false;
		return true;
	}
	if (s.len != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s.p[i] != '-' : !is_hex(s.p[i]))
			return false;
	}
	return true;
}

/* A container ID: exactly 64 lowercase hex digits. */
static bool id_ok(struct span s)
{
	if (s.len != 64)
		return false;
	for (size_t i = 0; i < 64; i++)
		if (!is_hex(s.p[i]))
			return false;
	return true;
}

/* Split "<a>_<b>_<c>" at its only two underscores. False unless there are exactly
 * two. */
static bool split3(struct span s, struct span *a, struct span *b, struct span *c)
{
	struct span extra;
	if (!span_field(&s, '_', a) || !span_field(&s, '_', b) || !span_field(&s, '_', c))
		return false;
	return !span_field(&s, '_', &extra);
}

/* "<namespace>_<pod>_<uid>". 0 or -EINVAL; *out is written only on success. */
int podlogs_parse_pod_dir(struct span name, struct podlogs_pod_name *out)
{
	struct span ns, pod, uid;

	if (!split3(name, &ns, &pod, &uid) || !dns_name_ok(ns, false) ||
	    !dns_name_ok(pod, true) || !uid_ok(uid))
		return -EINVAL;
	out->ns = ns;
	out->pod = pod;
	out->uid = uid;
	return 0;
}

/* "<pod>_<namespace>_<container>-<id>.log". 0 or -EINVAL; *out written on success. */
int podlogs_parse_container_file(struct span name, struct podlogs_ctr_name *out)
{
	struct span pod, ns, rest, ctr, id;

	if (!span_ends(name, ".log") || name.len < 4 + 65)
		return -EINVAL;
	name.len -= 4;
	id = (struct span){ name.p + name.len - 64, 64 };
	if (name.p[name.len - 65] != '-' || !id_ok(id))
		return -EINVAL;
	name.len -= 65;
	if (!split3(name, &pod, &ns, &rest))
		return -EINVAL;
	ctr = rest;
	if (!dns_name_ok(pod, true) || !dns_name_ok(ns, false) || !dns_name_ok(ctr, false))
		return -EINVAL;
	out->pod = pod;
	out->ns = ns;
	out->container = ctr;
	out->id = id;
	return 0;
}

/* ---- the tables --------------------------------------------------------------- */

/* Set pl up; no I/O. 0 or -ENAMETOOLONG (pl is then safe to fini). */
int podlogs_init(struct podlogs *pl, const char *root, const char *pods_rel,
		 const char *ctrs_rel)
{
	int r;

	memset(pl, 0, sizeof(*pl));
	pl->pods_dir.fd = -1;
	pl->ctrs_dir.fd = -1;
	pl->str.max = PODLOGS_STR_MAX;
	r = dirscan_init(&pl->pods_dir, root, pods_rel);
	if (r == 0)
		r = dirscan_init(&pl->ctrs_dir, root, ctrs_rel);
	return r;
}

/* Append s and a NUL to the string buffer; *off gets where it starts. */
static int put_str(struct podlogs *pl, struct span s, uint32_t *off)
{
	int r;

	if (pl->str.len > UINT32_MAX - s.len - 1)
		return -E2BIG;
	*off = (uint32_t)pl->str.len;
	r = buf_append(&pl->str, s.p, s.len);
	if (r == 0)
		r = buf_putc(&pl->str, '\0');
	return r;
}

/* The string at offset off. */
static const char *str_at(const struct podlogs *pl, uint32_t off)
{
	return pl->str.p + off;
}

/* Compare key with the NUL-terminated string z, like strcmp. */
static int key_cmp(struct span key, const char *z)
{
	size_t zl = strlen(z);
	int c = memcmp(key.p, z, key.len < zl ? key.len : zl);
	if (c)
		return c;
	return key.len < zl ? -1 : key.len > zl;
}

/* Both entry kinds start with the offset of their key (pod UID, container ID), so one
 * sort and one search serve both tables. */
_Static_assert(offsetof(struct podlogs_pod_ent, uid) == 0, "key first");
_Static_assert(offsetof(struct podlogs_ctr_ent, id) == 0, "key first");

/* The key string of entry i of the array at base (entries of elem bytes). */
static const char *ent_key(const struct podlogs *pl, const char *base, size_t elem, uint32_t i)
{
	uint32_t off;
	memcpy(&off, base + (size_t)i * elem, sizeof(off));
	return str_at(pl, off);
}

/* sort_heap order of entries (either kind: key offset first) by key, in ctx's strings. */
static int by_key(const void *a, const void *b, void *ctx)
{
	uint32_t x, y;
	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	return strcmp(str_at(ctx, x), str_at(ctx, y));
}

/* Binary search of n sorted entries of elem bytes at base for key. Returns the index
 * or -ENOENT. */
static int find_entry(const struct podlogs *pl, const char *base, uint32_t n, size_t elem,
		      struct span key)
{
	uint32_t lo = 0, hi = n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = key_cmp(key, ent_key(pl, base, elem, mid));
		if (c == 0)
			return (int)mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -ENOENT;
}

/* Add one /var/log/pods entry if its name is kubelet's. 0 or -errno. */
static int add_pod(struct podlogs *pl, const char *name)
{
	struct podlogs_pod_name pn;
	struct podlogs_pod_ent e;
	int r = 0;

	if (podlogs_parse_pod_dir(span_cstr(name), &pn) < 0 || pl->npods >= PODLOGS_MAX_ENTRIES)
		goto out;
	r = grow_array((void **)&pl->pods, &pl->cap_pods, pl->npods + 1, sizeof(*pl->pods));
	if (r == 0)
		r = put_str(pl, pn.uid, &e.uid);
	if (r == 0)
		r = put_str(pl, pn.ns, &e.ns);
	if (r == 0)
		r = put_str(pl, pn.pod, &e.pod);
	if (r == 0)
		pl->pods[pl->npods++] = e;
out:
	return r;
}

/* Add one /var/log/containers entry if its name is kubelet's. 0 or -errno. */
static int add_ctr(struct podlogs *pl, const char *name)
{
	struct podlogs_ctr_name cn;
	struct podlogs_ctr_ent e;
	int r = 0;

	if (podlogs_parse_container_file(span_cstr(name), &cn) < 0 ||
	    pl->nctrs >= PODLOGS_MAX_ENTRIES)
		goto out;
	r = grow_array((void **)&pl->ctrs, &pl->cap_ctrs, pl->nctrs + 1, sizeof(*pl->ctrs));
	if (r == 0)
		r = put_str(pl, cn.id, &e.id);
	if (r == 0)
		r = put_str(pl, cn.container, &e.container);
	if (r == 0)
		r = put_str(pl, cn.pod, &e.pod);
	if (r == 0)
		r = put_str(pl, cn.ns, &e.ns);
	if (r == 0)
		pl->ctrs[pl->nctrs++] = e;
out:
	return r;
}

/* List ds, handing each name to add. A missing directory lists as empty.
 * 0 or -errno. */
static int scan_dir(struct podlogs *pl, struct dirscan *ds,
		    int (*add)(struct podlogs *, const char *))
{
	const char *name;
	unsigned char type;
	int r;

	r = dirscan_rewind(ds);
	if (r == -ENOENT || r == -ENOTDIR) {
		r = 0;
		goto out;
	}
	while (r == 0 && (r = dirscan_next(ds, &name, &type)) == 1)
		r = add(pl, name);
out:
	return r;
}

/* stat path into *mt / *ino; a missing path reads as zero. */
static void dir_stamp(const char *path, struct timespec *mt, unsigned long long *ino)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		*mt = (struct timespec){ 0, 0 };
		*ino = 0;
		return;
	}
	*mt = st.st_mtim;
	*ino = (unsigned long long)st.st_ino;
}

/* Whether mtime a and inode ia equal mtime b and inode ib. */
static bool same_stamp(struct timespec a, unsigned long long ia, struct timespec b,
		       unsigned long long ib)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec && ia == ib;
}

/* Rebuild when a directory changed. 1 rebuilt, 0 unchanged, or -errno (the tables are
 * then empty and the next call tries again). */
int podlogs_refresh(struct podlogs *pl)
{
	struct timespec pm, cm;
	unsigned long long pi, ci;
	int r;

	dir_stamp(pl->pods_dir.path, &pm, &pi);
	dir_stamp(pl->ctrs_dir.path, &cm, &ci);
	if (pl->built && same_stamp(pm, pi, pl->pods_mtime, pl->pods_ino) &&
	    same_stamp(cm, ci, pl->ctrs_mtime, pl->ctrs_ino))
		return 0;
	/* A directory replaced by another: drop the held fd so it is reopened by path. */
	if (pi != pl->pods_ino)
		dirscan_fini(&pl->pods_dir);
	if (ci != pl->ctrs_ino)
		dirscan_fini(&pl->ctrs_dir);
	buf_reset(&pl->str);
	pl->npods = 0;
	pl->nctrs = 0;
	pl->built = false;
	r = scan_dir(pl, &pl->pods_dir, add_pod);
	if (r == 0)
		r = scan_dir(pl, &pl->ctrs_dir, add_ctr);
	if (r < 0)
		goto out_empty;
	sort_heap(pl->pods, pl->npods, sizeof(*pl->pods), by_key, pl);
	sort_heap(pl->ctrs, pl->nctrs, sizeof(*pl->ctrs), by_key, pl);
	pl->pods_mtime = pm;
	pl->pods_ino = pi;
	pl->ctrs_mtime = cm;
	pl->ctrs_ino = ci;
	pl->built = true;
	return 1;
out_empty:
	buf_reset(&pl->str);
	pl->npods = 0;
	pl->nctrs = 0;
	return r;
}

/* Look up a pod UID. 0 and *out, or -ENOENT. */
int podlogs_pod(const struct podlogs *pl, struct span uid, struct podlogs_pod_info *out)
{
	int i = find_entry(pl, (const char *)pl->pods, pl->npods, sizeof(*pl->pods), uid);
	if (i < 0)
		return i;
	out->ns = str_at(pl, pl->pods[i].ns);
	out->pod = str_at(pl, pl->pods[i].pod);
	return 0;
}

/* Look up a container ID. 0 and *out, or -ENOENT. */
int podlogs_container(const struct podlogs *pl, struct span id, struct podlogs_ctr_info *out)
{
	int i = find_entry(pl, (const char *)pl->ctrs, pl->nctrs, sizeof(*pl->ctrs), id);
	if (i < 0)
		return i;
	out->container = str_at(pl, pl->ctrs[i].container);
	out->pod = str_at(pl, pl->ctrs[i].pod);
	out->ns = str_at(pl, pl->ctrs[i].ns);
	return 0;
}

/* Free the buffer and arrays and close the directories. Safe on a zeroed pl. */
void podlogs_fini(struct podlogs *pl)
{
	dirscan_fini(&pl->pods_dir);
	dirscan_fini(&pl->ctrs_dir);
	buf_fini(&pl->str);
	free(pl->pods);
	free(pl->ctrs);
	pl->pods = NULL;
	pl->ctrs = NULL;
	pl->npods = pl->nctrs = pl->cap_pods = pl->cap_ctrs = 0;
	pl->built = false;
}
