/*
 * broker: the privilege broker, a small process that opens read-only and statfs's, for
 * plumb's main process, what only root may reach.
 *
 * Started as root, plumb forks the broker early (broker_fork), while it is still small,
 * and sends it its configuration (broker_configure: the user, the roots the parts
 * declared) just before it drops privileges; until then the broker only waits. It then
 * switches to the runtime user (never uid 0) keeping CAP_DAC_READ_SEARCH
 * alone, sets no_new_privs, allows itself only reading beneath its open roots with
 * Landlock, and installs its own seccomp allowlist, in which an openat with a flag
 * that writes kills it. It answers over BROKER_CHANNELS socketpairs, one thread each:
 * open this regular file, open this folder (both read only; the descriptor comes back
 * with SCM_RIGHTS) and statfs this path. Requests and replies are fixed-size; a path
 * outside the declared roots, one that climbs out through ".." or a symlink, and any
 * malformed request get an error and the broker goes on serving.
 *
 * The client side (broker.c) lets several threads call at once, each on a channel of
 * its own; a statfs stuck in the broker holds one channel and never another request,
 * and statfs may hold at most BROKER_STATFS_MAX channels, so opens always find one.
 * When the broker is gone every call fails with -EPIPE, logged once. The broker exits
 * when plumb does (its channels close, and PR_SET_PDEATHSIG). docs/sandbox.md
 * describes the protocol and its limits.
 */
#ifndef PLUMB_BROKER_H
#define PLUMB_BROKER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/statfs.h>
#include <sys/types.h>

#include "runtime/runtime.h"

#define BROKER_MAX_ROOTS 16       /* of each kind */
#define BROKER_CHANNELS 8         /* socketpairs, each served by one broker thread */
#define BROKER_STATFS_MAX 6       /* channels statfs may hold at once: 2 stay for opens */
#define BROKER_OPEN_TIMEOUT_MS 10000 /* default wait for an open's answer */

enum broker_root_kind {
	BROKER_ROOT_OPEN,   /* files and folders beneath it may be opened read only */
	BROKER_ROOT_STATFS, /* paths beneath it may be statfs'ed (sizes only) */
};

/* What the broker may do. Roots are absolute, canonical paths (no "." or ".."
 * components, no "//", no trailing '/' except "/" itself), borrowed: they must stay
 * valid until broker_start returns (the broker keeps its own copy of the memory). */
struct broker_conf {
	const char *open_roots[BROKER_MAX_ROOTS];
	size_t nopen;
	const char *statfs_roots[BROKER_MAX_ROOTS];
	size_t nstatfs;
	int open_timeout_ms; /* broker_open's wait for an answer; <= 0: BROKER_OPEN_TIMEOUT_MS */
};

/* Add root path of kind to c; NULL or "" is ignored. Returns 0, -EINVAL for a path that
 * is not absolute and canonical, or -E2BIG when that kind's list is full. */
int broker_conf_add(struct broker_conf *c, enum broker_root_kind kind, const char *path);

struct broker;

/* Fork the broker now, before it is configured: it keeps only its channels, ignores
 * the signals people send, dies with plumb, and waits for broker_configure, doing
 * nothing else (it exits if plumb closes its channels or exits first). Fork it early,
 * while plumb's heap is small: the pages plumb writes afterwards are not the broker's.
 * Call as root, from the only thread; the caller owns *out and ends it with
 * broker_configure, broker_discard or broker_stop. Returns 0, -EPERM when not root, or
 * -errno (socketpair, fork). *out is NULL on error. */
int broker_fork(struct broker **out);

/* Send the broker forked by broker_fork its configuration, to run as u (the runtime
 * user, from priv_lookup) with CAP_DAC_READ_SEARCH alone, confined to c, and wait until
 * it has entered its sandbox (or failed to); logs the outcome. Call once, as root,
 * before priv_drop. Returns 0, -EPERM when u is uid 0 (the broker never runs as root),
 * -EINVAL for a bad root, -E2BIG when the roots do not fit one configuration message
 * (BROKER_CONF_TEXT), -ETIMEDOUT if the broker did not start within 10 s, -EPIPE when it
 * is gone, or -errno from its start-up. On error the broker process is ended and
 * reaped, and b freed. */
int broker_configure(struct broker *b, const struct broker_conf *c,
		     const struct priv_user *u);

/* broker_fork then broker_configure, for a broker needed at once (tests). Returns as
 * those do; *out is NULL on error. */
int broker_start(const struct broker_conf *c, const struct priv_user *u,
		 struct broker **out);

/* End a broker that will not be configured (or no longer serves): kill its process,
 * reap it and free b. Not once plumb's seccomp filter is in force (it forbids wait4).
 * Accepts NULL. */
void broker_discard(struct broker *b);

/* Open the regular file at path read only (O_NONBLOCK, O_NOCTTY, O_CLOEXEC) through
 * the broker; *fd is the caller's. Waits at most the configured open timeout. Thread
 * safe. Returns 0 or -errno: the broker's refusal (-EPERM outside the open roots or
 * not a regular file, -EXDEV for an escape through ".." or a symlink, -ELOOP, -EISDIR,
 * -ENOENT, -ESTALE for a file replaced while it was opened, -EACCES from Landlock, ...),
 * -EINVAL for a relative path or a ".." component, -ENAMETOOLONG, -EAGAIN when every
 * channel is busy, -ETIMEDOUT, -EPIPE when the broker is gone, -EMFILE when this
 * process had no room for the descriptor, -EPROTO for a reply that makes no sense. */
int broker_open(struct broker *b, const char *path, int *fd);

/* As broker_open, for a folder (O_RDONLY | O_DIRECTORY): list it with fdopendir or
 * getdents. Opening files inside it still needs broker_open: the descriptor does not
 * lend the broker's right to search the folder. Returns -ENOTDIR for anything else. */
int broker_opendir(struct broker *b, const char *path, int *fd);

/* statfs(path) through the broker, beneath a statfs root. Waits as long as the broker
 * does, like statfs itself: run it where a hang is bounded (lib/deadline). Thread safe.
 * Returns 0 or -errno as broker_open, with -EAGAIN also when BROKER_STATFS_MAX statfs
 * calls are already in flight. */
int broker_statfs(struct broker *b, const char *path, struct statfs *st);

/* Whether the broker is still there: false once a call found it gone or its channels
 * hang up (checked here with one poll). The first time it is found gone, one error is
 * logged. Thread safe. NULL gives false. */
bool broker_up(struct broker *b);

/* The broker's pid, for logs and tests (the caller may reap it: broker_stop does not,
 * since plumb's seccomp filter forbids wait4). */
pid_t broker_pid(const struct broker *b);

/* Close the channels (the broker then exits) and free b. No call may be in flight: not
 * even one abandoned by lib/deadline (at plumb's exit, leave b to the process's end).
 * Accepts NULL. */
void broker_stop(struct broker *b);

/* ---- for tests that play a compromised main process -------------------------------- */

/* The client end of channel i (< BROKER_CHANNELS), or -1. Raw use must not overlap a
 * call on the same channel. */
int broker_channel_fd(const struct broker *b, unsigned i);

/* Channels taken by calls in flight, how many of those are statfs calls, and how many
 * free channels still await the late reply to an open that timed out. */
void broker_counts(struct broker *b, unsigned *busy, unsigned *statfs_busy, unsigned *stale);

/* ---- the protocol, for broker*.c, tests and the fuzz target ----------------------- */

/* Send len bytes of msg on fd as one message, with descriptor pass attached
 * (SCM_RIGHTS) when >= 0, never raising SIGPIPE: the broker's replies, and tests that
 * play plumb. Returns what sendmsg does (-1 with errno set on failure). */
ssize_t broker_sendmsg(int fd, const void *msg, size_t len, int pass);

#define BROKER_MAGIC 0x31424d50u /* "PMB1" little-endian: plumb broker, protocol 1 */
#define BROKER_PATH_MAX PATH_MAX

enum broker_op {
	BROKER_OP_OPEN = 1,    /* a regular file, read only */
	BROKER_OP_OPENDIR = 2, /* a folder, read only */
	BROKER_OP_STATFS = 3,
};

/* A request: exactly sizeof(struct broker_req) bytes in one SOCK_SEQPACKET message,
 * no descriptor attached. path holds path_len bytes (1 to BROKER_PATH_MAX - 1, no NUL)
 * and zeros after them: an absolute, canonical path. */
struct broker_req {
	uint32_t magic; /* BROKER_MAGIC */
	uint32_t op;    /* enum broker_op */
	uint32_t seq;   /* echoed in the reply */
	uint32_t flags; /* none defined: must be 0 */
	uint32_t path_len;
	char path[BROKER_PATH_MAX];
};

/* A reply: exactly sizeof(struct broker_rep) bytes; for a successful open, with the
 * descriptor in one SCM_RIGHTS message. Both ends are the same build, so struct statfs
 * is the same on both. */
struct broker_rep {
	uint32_t magic; /* BROKER_MAGIC */
	uint32_t seq;   /* the request's; 0 for the start-up report */
	int32_t err;    /* 0 or a positive errno */
	struct statfs st; /* BROKER_OP_STATFS with err 0; zeros otherwise */
};

/* The configuration message, sent once by broker_configure on channel 0: exactly
 * sizeof(struct broker_cfgmsg) bytes in one message, no descriptor attached. text holds
 * the nopen open roots and then the nstatfs statfs roots, each absolute, canonical and
 * followed by one NUL, text_len bytes in all, and zeros after them. */
#define BROKER_CONF_MAGIC 0x31434d50u /* "PMC1": plumb broker configuration, version 1 */
#define BROKER_CONF_TEXT (2 * BROKER_PATH_MAX)

struct broker_cfgmsg {
	uint32_t magic; /* BROKER_CONF_MAGIC */
	uint32_t uid;   /* the user to become: never 0 */
	uint32_t gid;
	uint32_t ngroups; /* 0 to PRIV_MAX_GROUPS entries in groups, zeros after them */
	uint32_t groups[PRIV_MAX_GROUPS];
	uint32_t nopen;   /* at most BROKER_MAX_ROOTS */
	uint32_t nstatfs; /* at most BROKER_MAX_ROOTS */
	uint32_t text_len;
	char text[BROKER_CONF_TEXT];
};

/* Fill m (all of it) from c and u. Returns 0, -EPERM when u is uid 0, -EINVAL for a
 * root that is not absolute and canonical or a bad count, -E2BIG when the roots do not
 * fit text. */
int broker_cfg_build(struct broker_cfgmsg *m, const struct broker_conf *c,
		     const struct priv_user *u);

/* Check a received configuration of len bytes in m and fill *c (its roots point into
 * m->text: m must outlive c) and *u. Returns 0, -EMSGSIZE for a wrong size, -EPROTO for
 * a wrong magic, -EPERM for uid 0, -EINVAL for a bad count or length, text that does
 * not split into exactly that many roots, a root that is not absolute and canonical, or
 * bytes that should be zero and are not. */
int broker_cfg_parse(const struct broker_cfgmsg *m, size_t len, struct broker_conf *c,
		     struct priv_user *u);

/* Whether path[0..n) is absolute and canonical (see struct broker_conf): 0, or -EINVAL. */
int broker_path_check(const char *path, size_t n);

/* Fill q (all of it) for op on path, with seq. The path is made canonical on the way:
 * repeated '/', "." components and a trailing '/' are dropped. Returns 0, -EINVAL for
 * a relative path or one with a ".." component, -ENAMETOOLONG. */
int broker_req_build(struct broker_req *q, enum broker_op op, uint32_t seq,
		     const char *path);

/* Check a received request of len bytes in q (len may exceed sizeof(*q): oversized).
 * Returns 0, -EMSGSIZE for a wrong size, -EPROTO for a wrong magic, -EOPNOTSUPP for an
 * unknown op, -EINVAL for flags, a bad length, a NUL in the path, bytes after it, or a
 * path that is not absolute and canonical. */
int broker_req_check(const struct broker_req *q, size_t len);

/* The outermost of roots[0..n) that contains path (canonical), or NULL. */
const char *broker_root_of(const char *const *roots, size_t n, const char *path);

/* The broker's whole answer to a request of len bytes: check it, find its root in c,
 * resolve the path beneath that root component by component, and open (*fd, the
 * caller's) or statfs (*st) it. *fd is -1 unless an open succeeded. Returns 0 or
 * -errno (see broker_open). Used by the broker's threads and the fuzz target. */
int broker_answer(const struct broker_conf *c, const struct broker_req *q, size_t len,
		  int *fd, struct statfs *st);

/* Resolve path (canonical, beneath root) and do op on it (broker_walk.c): every
 * component is opened with O_PATH | O_NOFOLLOW from the one before, symlinks are read
 * and followed only while they stay beneath root (an absolute target must name root),
 * ".." never climbs above root. Returns 0 or -errno (-EXDEV for an escape, -ELOOP for
 * more than 40 symlinks, -ENAMETOOLONG for more than 64 folders deep). */
int broker_walk(const char *root, const char *path, enum broker_op op, int *fd,
		struct statfs *st);

/* ---- the broker process (broker_jail.c, broker_serve.c) ---------------------------- */

/* In the forked broker: wait for the configuration on channel 0, enter the sandbox it
 * names, and serve channels fds[0..BROKER_CHANNELS); parent is plumb's pid. Reports
 * start-up on channel 0 (a reply with seq 0 and err). Never returns. */
_Noreturn void broker_main(pid_t parent, const int *fds);

/* In the broker, at once after the fork: keep fds[0..n) as 3, 4, ... (rewritten),
 * close every other descriptor above 2, reset signals, and die with parent. Returns 0
 * or -errno (logged). */
int broker_jail_early(pid_t parent, int *fds, size_t n);

/* In the broker, once configured: switch to u with CAP_DAC_READ_SEARCH alone, tie the
 * broker's life to parent again (the switch clears it), set no_new_privs and apply
 * Landlock (read beneath c's open roots). Returns 0 or -errno (logged). */
int broker_jail_enter(const struct broker_conf *c, const struct priv_user *u, pid_t parent);

/* Install the broker's seccomp allowlist on every thread (SCMP_ACT_KILL_PROCESS for
 * anything else; openat only without O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND or
 * O_TMPFILE). NO_NEW_PRIVS must be set. Returns 0 or -errno. */
int broker_seccomp_apply(void);

#endif
