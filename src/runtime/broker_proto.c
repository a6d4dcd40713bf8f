/*
 * broker_proto: the broker's messages and the checks on what a request may name
 * (broker.h): building a request on the client, checking one in the broker, choosing
 * the root a path lies beneath, and the broker's whole answer to one request.
 *
 * Everything that comes from the main process is checked here before the filesystem
 * is touched: the exact size, the magic, the op, the flags, the path's length, that no
 * NUL hides inside it and only zeros follow it, and that it is absolute and canonical.
 * A canonical path has no "." or ".." component, so "beneath a root" can be decided by
 * comparing strings; broker_walk.c then keeps symlinks beneath that root too. Pure
 * functions except broker_answer; fuzz/fuzz_broker.c drives them.
 */
#include <errno.h>
#include <string.h>

#include "runtime/broker.h"

int broker_path_check(const char *path, size_t n)
{
	if (n == 0 || path[0] != '/')
		return -EINVAL;
	if (n == 1)
		return 0; /* "/" */
	if (path[n - 1] == '/')
		return -EINVAL;
	for (size_t i = 1; i <= n; i++) {
		size_t start = i;
		while (i < n && path[i] != '/')
			i++;
		size_t len = i - start;
		if (len == 0 || (len == 1 && path[start] == '.') ||
		    (len == 2 && path[start] == '.' && path[start + 1] == '.'))
			return -EINVAL;
	}
	return 0;
}

int broker_conf_add(struct broker_conf *c, enum broker_root_kind kind, const char *path)
{
	if (!path || !*path)
		return 0;
	size_t len = strnlen(path, BROKER_PATH_MAX);
	if (len >= BROKER_PATH_MAX || broker_path_check(path, len) < 0)
		return -EINVAL;
	size_t *n = kind == BROKER_ROOT_STATFS ? &c->nstatfs : &c->nopen;
	if (*n >= BROKER_MAX_ROOTS)
		return -E2BIG;
	(kind == BROKER_ROOT_STATFS ? c->statfs_roots : c->open_roots)[(*n)++] = path;
	return 0;
}

int broker_req_build(struct broker_req *q, enum broker_op op, uint32_t seq,
		     const char *path)
{
	size_t out = 0;
	memset(q, 0, sizeof(*q));
	q->magic = BROKER_MAGIC;
	q->op = (uint32_t)op;
	q->seq = seq;
	if (path[0] != '/')
		return -EINVAL;
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		size_t len = strcspn(p, "/");
		if (len == 0 || (len == 1 && p[0] == '.')) {
			p += len;
			continue;
		}
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return -EINVAL; /* cannot be resolved by its text: symlinks */
		if (out + 1 + len >= BROKER_PATH_MAX)
			return -ENAMETOOLONG;
		q->path[out++] = '/';
		memcpy(q->path + out, p, len);
		out += len;
		p += len;
	}
	if (out == 0)
		q->path[out++] = '/';
	q->path_len = (uint32_t)out;
	return 0;
}

int broker_req_check(const struct broker_req *q, size_t len)
{
	if (len != sizeof(*q))
		return -EMSGSIZE;
	if (q->magic != BROKER_MAGIC)
		return -EPROTO;
	if (q->op != BROKER_OP_OPEN && q->op != BROKER_OP_OPENDIR && q->op != BROKER_OP_STATFS)
		return -EOPNOTSUPP;
	if (q->flags != 0 || q->path_len == 0 || q->path_len >= BROKER_PATH_MAX)
		return -EINVAL;
	if (memchr(q->path, '\0', q->path_len))
		return -EINVAL;
	for (size_t i = q->path_len; i < BROKER_PATH_MAX; i++)
		if (q->path[i] != '\0')
			return -EINVAL;
	return broker_path_check(q->path, q->path_len);
}

const char *broker_root_of(const char *const *roots, size_t n, const char *path)
{
	const char *best = NULL;
	size_t best_len = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(roots[i]);
		bool inside = len == 1 || (strncmp(path, roots[i], len) == 0 &&
					   (path[len] == '/' || path[len] == '\0'));
		if (inside && (!best || len < best_len)) {
			best = roots[i];
			best_len = len;
		}
	}
	return best;
}

int broker_answer(const struct broker_conf *c, const struct broker_req *q, size_t len,
		  int *fd, struct statfs *st)
{
	*fd = -1;
	int r = broker_req_check(q, len);
	if (r < 0)
		return r;
	bool sf = q->op == BROKER_OP_STATFS;
	const char *root = broker_root_of(sf ? c->statfs_roots : c->open_roots,
					  sf ? c->nstatfs : c->nopen, q->path);
	if (!root)
		return -EPERM;
	return broker_walk(root, q->path, (enum broker_op)q->op, fd, st);
}
