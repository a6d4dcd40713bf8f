/*
 * landlock: confine plumb's view of the filesystem with Landlock, through the raw
 * syscalls (glibc has no wrappers).
 *
 * The ruleset handles every filesystem access right the running kernel's ABI knows
 * (ABI 1: the basic thirteen; 2: REFER; 3: TRUNCATE; 5: IOCTL_DEV), so whatever is not
 * granted below is denied, and on ABI 6 and later it also scopes abstract UNIX sockets
 * and signals to plumb's own domain. Read-only paths get READ_FILE (and READ_DIR for
 * folders), and on procfs, sysfs and cgroupfs TRUNCATE and IOCTL_DEV too, so that
 * Landlock's check of an open ends at the rule (KERNEL_FS_EXTRA); read-write folders
 * get, in addition, writing, truncating, creating and removing files and folders, and
 * moving files within them. Network rights (ABI 4) are not handled: plumb connects to
 * operator-given URLs and a resolver; the seccomp filter and the unprivileged user
 * bound that instead.
 *
 * The headers installed may be older than the kernel: the newer constants are defined
 * here by value, and the ruleset attribute is passed with the size that the running
 * ABI understands.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <linux/magic.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "lib/log.h"
#include "runtime/runtime.h"

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif

/* The ruleset attribute as of ABI 6; older ABIs read only a prefix of it. */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	// cppcheck-suppress unusedStructMember ; part of the kernel's layout, left 0
	uint64_t handled_access_net; /* ABI 4 */
	uint64_t scoped;             /* ABI 6 */
};

#define ABI1_FS ((1ULL << 13) - 1) /* EXECUTE ... MAKE_SYM */
/* Rights that apply to a regular file (the others are for folders only). */
#define FILE_RIGHTS                                                                        \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                     \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |                     \
	 LANDLOCK_ACCESS_FS_IOCTL_DEV)

/* Sanitizer builds may start an external symbolizer when they report: let them
 * execute what they can read (seccomp.c allows the execve there too). */
#ifdef PLUMB_SANITIZED
#define RO_EXTRA LANDLOCK_ACCESS_FS_EXECUTE
#else
#define RO_EXTRA 0
#endif

#define RO_RIGHTS (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR | RO_EXTRA)
/* Added to a read-only rule on procfs, sysfs or cgroupfs. Landlock checks every open
 * for these two rights as well as the one asked for, walking from the file up towards
 * the root until a rule grants them all; a rule that lacks them does not end the walk,
 * so each open of a cgroup file would climb to / (a fifth of the container collector's
 * CPU). Granting them there is moot: those filesystems hold no device nodes, a
 * truncate of their files changes nothing (the kernel ignores the size), and opening
 * them for writing stays denied. */
#define KERNEL_FS_EXTRA (LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)
#define RW_RIGHTS                                                                          \
	(RO_RIGHTS | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_FILE |     \
	 LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |                    \
	 LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE)

int ll_paths_add(struct ll_paths *p, const char *path, bool rw)
{
	if (!path || !*path)
		return 0;
	size_t *n = rw ? &p->nrw : &p->nro;
	if (*n >= LL_MAX_PATHS)
		return -E2BIG;
	(rw ? p->rw : p->ro)[(*n)++] = path;
	return 0;
}

/* The Landlock ABI version, or -errno (-ENOSYS, -EOPNOTSUPP: not available). */
static int ll_abi(void)
{
	long v = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	return v < 0 ? -errno : (int)v;
}

/* Allow `rights` (masked to what ruleset handles) beneath path. A path that does not
 * exist is skipped. Returns 0 or -errno. */
static int ll_allow(int ruleset, const char *path, uint64_t rights, uint64_t handled)
{
	struct landlock_path_beneath_attr pb = { 0 };
	struct stat st;
	struct statfs sf;
	int r = 0;
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		plog(r == -ENOENT ? LOG_DEBUG : LOG_WARN, "sandbox: path left out of Landlock",
		     "path", path, "err", strerror(-r), PLOG_END);
		return 0;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out_close;
	}
	if (rights == RO_RIGHTS && fstatfs(fd, &sf) == 0 &&
	    (sf.f_type == PROC_SUPER_MAGIC || sf.f_type == SYSFS_MAGIC ||
	     sf.f_type == CGROUP_SUPER_MAGIC || sf.f_type == CGROUP2_SUPER_MAGIC))
		rights |= KERNEL_FS_EXTRA;
	if (!S_ISDIR(st.st_mode))
		rights &= FILE_RIGHTS;
	pb.allowed_access = rights & handled;
	pb.parent_fd = fd;
	if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0) {
		r = -errno;
		plog(LOG_ERROR, "sandbox: Landlock refused a rule", "path", path, "err",
		     strerror(-r), PLOG_END);
	}
out_close:
	close(fd);
	return r;
}

int landlock_apply(const struct ll_paths *p, int *abi)
{
	struct ll_ruleset_attr attr = { 0 };
	size_t attr_size = sizeof(attr.handled_access_fs);
	int r = ll_abi();
	*abi = r > 0 ? r : 0;
	if (r < 0) {
		plog(LOG_WARN, "sandbox: Landlock is not available in this kernel; the filesystem "
			       "view is not restricted",
		     "err", strerror(-r), PLOG_END);
		return -EOPNOTSUPP;
	}
	attr.handled_access_fs = ABI1_FS;
	if (*abi >= 2)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
	if (*abi >= 3)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (*abi >= 5)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	if (*abi >= 6) {
		attr.scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL;
		attr_size = sizeof(attr);
	}
	int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
	if (ruleset < 0) {
		r = -errno;
		plog(LOG_ERROR, "sandbox: could not create a Landlock ruleset", "err",
		     strerror(-r), PLOG_END);
		return r;
	}
	for (size_t i = 0; i < p->nro && r >= 0; i++)
		r = ll_allow(ruleset, p->ro[i], RO_RIGHTS, attr.handled_access_fs);
	for (size_t i = 0; i < p->nrw && r >= 0; i++)
		r = ll_allow(ruleset, p->rw[i], RW_RIGHTS, attr.handled_access_fs);
	if (r < 0)
		goto out_close;
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0) {
		r = -errno;
		plog(LOG_ERROR, "sandbox: could not enforce the Landlock ruleset", "err",
		     strerror(-r), PLOG_END);
		goto out_close;
	}
	r = 0;
out_close:
	close(ruleset);
	return r;
}
