/*
 * fuzz_broker: the privilege broker's request handling (src/runtime/broker_proto.c and
 * broker_walk.c), as a compromised main process would drive it, against a fixture tree
 * made once under /tmp (removed at exit): files, folders, a FIFO, and symlinks that
 * stay inside, climb out to a sibling folder or further, point at /etc or /, loop, or
 * chain past the kernel's limit.
 *
 * The first byte picks the mode. Even: the rest is a raw request of that many bytes
 * (oversized ones cut to one byte past the struct), checked and answered against
 * roots that hold the tree. Odd: the second byte is the op and the rest a path below
 * the tree's root, built into a request as the client would, then answered.
 * Invariants, beyond "no crash": a request that passes the check has a path that
 * building again leaves as it is, byte for byte, and a built request always passes
 * the check; an answer is 0 or a real -errno, with a descriptor exactly when an open
 * worked; that descriptor is read only, of the kind asked for, and lies beneath the
 * tree's root (its /proc/self/fd link says where it really is).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "runtime/broker.h"

static char base[64];      /* made with mkdtemp; holds root and outside */
static char root[80];      /* the tree's root: the open and statfs root */
static struct broker_conf conf;
static struct broker_req req; /* 4 KiB: not on the stack */
static struct broker_req again;

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_tree(void)
{
	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* root/rel as a file holding s, a folder (s NULL, dir) or a symlink to s (link). */
static void make(const char *rel, const char *s, int link)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (link ? symlink(s, p) : s ? 0 : mkdir(p, 0700))
		abort();
	if (!link && s) {
		FILE *f = fopen(p, "we");
		if (!f || fputs(s, f) < 0 || fclose(f) != 0)
			abort();
	}
}

static void setup(void)
{
	char p[256];
	log_setup("error", "logfmt");
	snprintf(base, sizeof(base), "/tmp/plumb-fuzz-broker-XXXXXX");
	if (!mkdtemp(base))
		abort();
	atexit(rm_tree);
	snprintf(root, sizeof(root), "%s/root", base);
	if (mkdir(root, 0700) < 0)
		abort();
	make("../outside", NULL, 0);
	make("../outside/secret", "secret\n", 0);
	make("a", "a\n", 0);
	make("d", NULL, 0);
	make("d/b", "b\n", 0);
	make("d/e", NULL, 0);
	make("d/e/c", "c\n", 0);
	make("in", "a", 1);
	make("dotdot", "d/../a", 1);
	make("deep", "d/e", 1);
	make("d/e/back", "../../a", 1);
	make("up", "..", 1);
	make("up2", "../..", 1);
	make("d/up3", "../../..", 1);
	snprintf(p, sizeof(p), "%s/d/b", root);
	make("abs_in", p, 1);
	make("abs_out", "/etc", 1);
	make("abs_root", "/", 1);
	make("outside", "../outside/secret", 1);
	make("d/outside", "../../outside", 1);
	make("loop", "loop", 1);
	make("empty_dots", "./././a", 1);
	for (int i = 0; i < 42; i++) {
		char name[16], to[16];
		snprintf(name, sizeof(name), "chain%d", i);
		snprintf(to, sizeof(to), i == 41 ? "a" : "chain%d", i + 1);
		make(name, to, 1);
	}
	snprintf(p, sizeof(p), "%s/fifo", root);
	if (mkfifo(p, 0600) < 0)
		abort();
	if (broker_conf_add(&conf, BROKER_ROOT_OPEN, root) < 0 ||
	    broker_conf_add(&conf, BROKER_ROOT_STATFS, root) < 0)
		abort();
}

/* Abort unless fd is a read-only descriptor of the kind op asks for beneath root. */
static void check_fd(int fd, uint32_t op)
{
	char link[64], where[PATH_MAX];
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0 || (fcntl(fd, F_GETFL) & O_ACCMODE) != O_RDONLY)
		abort();
	if (op == BROKER_OP_OPEN ? !S_ISREG(sb.st_mode) : !S_ISDIR(sb.st_mode))
		abort();
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, where, sizeof(where) - 1);
	if (n <= 0)
		abort();
	where[n] = '\0';
	size_t rl = strlen(root);
	if (strncmp(where, root, rl) != 0 || (where[rl] != '/' && where[rl] != '\0'))
		abort();
}

/* Answer req (len bytes) and check the answer. */
static void answer(size_t len)
{
	struct statfs st;
	int fd = -2;
	int r = broker_answer(&conf, &req, len, &fd, &st);
	if (r > 0 || r <= -4096 || (r < 0 && fd != -1))
		abort();
	if (r == 0 && req.op != BROKER_OP_STATFS)
		check_fd(fd, req.op);
	if (r == 0 && req.op == BROKER_OP_STATFS && fd != -1)
		abort();
	if (fd >= 0)
		close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		setup();
		ready = 1;
	}
	if (size < 1)
		return 0;
	if (data[0] % 2 == 0) {
		size_t len = size - 1;
		memset(&req, 0, sizeof(req));
		memcpy(&req, data + 1, len < sizeof(req) ? len : sizeof(req));
		if (len > sizeof(req))
			len = sizeof(req) + 1; /* as the broker sees a message cut by the kernel */
		if (broker_req_check(&req, len) == 0) {
			/* a checked path is canonical: building it again changes nothing */
			if (broker_req_build(&again, (enum broker_op)req.op, req.seq, req.path) != 0 ||
			    memcmp(&again, &req, sizeof(req)) != 0)
				abort();
		}
		answer(len);
		return 0;
	}
	if (size < 2)
		return 0;
	char path[BROKER_PATH_MAX + 64];
	size_t rl = strlen(root), n = size - 2;
	if (n > sizeof(path) - rl - 2)
		n = sizeof(path) - rl - 2;
	memcpy(path, root, rl);
	path[rl] = '/';
	memcpy(path + rl + 1, data + 2, n);
	path[rl + 1 + n] = '\0'; /* a NUL in the input ends the path early */
	if (broker_req_build(&req, (enum broker_op)(data[1] % 4), 1, path) != 0)
		return 0;
	if (broker_req_check(&req, sizeof(req)) != (data[1] % 4 == 0 ? -EOPNOTSUPP : 0))
		abort();
	answer(sizeof(req));
	return 0;
}
