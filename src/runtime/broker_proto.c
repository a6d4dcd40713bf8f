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
 *
 * The configuration message (the user the broker becomes and its roots), sent once
 * before it serves, gets the same treatment: built here by plumb, checked here by the
 * broker before it acts on any of it; fuzz/fuzz_broker_conf.c drives that pair.
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

/* Append root to m->text with its NUL; -E2BIG when it does not fit. */
static int cfg_put(struct broker_cfgmsg *m, const char *root)
{
	size_t n = root ? strnlen(root, BROKER_PATH_MAX) : BROKER_PATH_MAX;
	if (n >= BROKER_PATH_MAX || broker_path_check(root, n) < 0)
		return -EINVAL;
	if (n + 1 > sizeof(m->text) - m->text_len)
		return -E2BIG;
	memcpy(m->text + m->text_len, root, n); /* the NUL is there: m was zeroed */
	m->text_len += (uint32_t)(n + 1);
	return 0;
}

int broker_cfg_build(struct broker_cfgmsg *m, const struct broker_conf *c,
		     const struct priv_user *u)
{
	int r = 0;
	memset(m, 0, sizeof(*m));
	if (u->uid == 0)
		return -EPERM;
	if (u->ngroups < 0 || u->ngroups > PRIV_MAX_GROUPS || c->nopen > BROKER_MAX_ROOTS ||
	    c->nstatfs > BROKER_MAX_ROOTS)
		return -EINVAL;
	m->magic = BROKER_CONF_MAGIC;
	m->uid = (uint32_t)u->uid;
	m->gid = (uint32_t)u->gid;
	m->ngroups = (uint32_t)u->ngroups;
	for (int i = 0; i < u->ngroups; i++)
		m->groups[i] = (uint32_t)u->groups[i];
	m->nopen = (uint32_t)c->nopen;
	m->nstatfs = (uint32_t)c->nstatfs;
	for (size_t i = 0; i < c->nopen && r == 0; i++)
		r = cfg_put(m, c->open_roots[i]);
	for (size_t i = 0; i < c->nstatfs && r == 0; i++)
		r = cfg_put(m, c->statfs_roots[i]);
	if (r < 0)
		memset(m, 0, sizeof(*m));
	return r;
}

int broker_cfg_parse(const struct broker_cfgmsg *m, size_t len, struct broker_conf *c,
		     struct priv_user *u)
{
	size_t at = 0;
	int r = -EINVAL;
	memset(c, 0, sizeof(*c));
	if (len != sizeof(*m))
		return -EMSGSIZE;
	if (m->magic != BROKER_CONF_MAGIC)
		return -EPROTO;
	if (m->uid == 0)
		return -EPERM;
	if (m->ngroups > PRIV_MAX_GROUPS || m->nopen > BROKER_MAX_ROOTS ||
	    m->nstatfs > BROKER_MAX_ROOTS || m->text_len > sizeof(m->text))
		return -EINVAL;
	for (size_t i = m->ngroups; i < PRIV_MAX_GROUPS; i++)
		if (m->groups[i] != 0)
			return -EINVAL;
	for (size_t i = m->text_len; i < sizeof(m->text); i++)
		if (m->text[i] != '\0')
			return -EINVAL;
	for (size_t i = 0; i < (size_t)m->nopen + m->nstatfs; i++) {
		const char *root = m->text + at;
		const char *nul = memchr(root, '\0', m->text_len - at);
		if (!nul || broker_path_check(root, (size_t)(nul - root)) < 0)
			goto out_clear;
		if (i < m->nopen)
			c->open_roots[c->nopen++] = root;
		else
			c->statfs_roots[c->nstatfs++] = root;
		at = (size_t)(nul - m->text) + 1;
	}
	if (at != m->text_len)
		goto out_clear; /* text beyond the last root */
	u->uid = (uid_t)m->uid;
	u->gid = (gid_t)m->gid;
	u->ngroups = (int)m->ngroups;
	for (size_t i = 0; i < m->ngroups; i++)
		u->groups[i] = (gid_t)m->groups[i];
	return 0;
out_clear:
	memset(c, 0, sizeof(*c));
	return r;
}
