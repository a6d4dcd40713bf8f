/*
 * regfile: open a file that ought to be a regular file, so that the open cannot block.
 *
 * plumb reads paths other people can write: a textfile folder, a host tree mounted into
 * a container, a rotated kernel log. A FIFO put there blocks open() until a writer
 * comes, a device can hand out bytes for ever, and a leased file holds open() for the
 * lease-break time. regfile_open opens without blocking (O_NONBLOCK: a FIFO opens at
 * once, a leased file fails with EWOULDBLOCK), never as a controlling terminal, checks
 * the type with fstat, and refuses anything that is not a regular file.
 *
 * Opening a device runs its driver's open, which may act before plumb looks (opening
 * a watchdog device starts its countdown). procfs, sysfs and cgroupfs hold no devices,
 * and their symlinks stay inside them, so regfile_open suffices there and for files
 * only root can put in place. On cgroupfs even the fstat is spared (it was a tenth of
 * the container collector's CPU): regfile_open_cgroup opens beneath a cgroup folder
 * with openat2(RESOLVE_NO_XDEV), which cannot leave that filesystem. For folders other
 * people write (the textfile folders, the kernel log's folder), regfile_open_shared
 * looks at the type first and opens nothing else; that costs one more path walk per
 * open. Kernel attributes (procfs, sysfs, cgroupfs) are regular files, so every read
 * of plumb's goes through here. What no open flag prevents is a file on a hung NFS or
 * FUSE mount, whose open and reads wait for a server that does not answer: readers of
 * user-chosen paths run those under lib/deadline.h.
 */
#ifndef PLUMB_REGFILE_H
#define PLUMB_REGFILE_H

#include <errno.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

/* The error for "not a regular file": an errno no open or read of a regular file
 * returns, so it cannot be mistaken for another failure. Print it with
 * regfile_strerror, never strerror (which would say "Wrong medium type"). */
#define REGFILE_ENOTREG EMEDIUMTYPE

/* Open path for reading (relative to the directory dirfd, or to the working directory
 * when dirfd is AT_FDCWD; symlinks are followed) with O_RDONLY|O_NONBLOCK|O_NOCTTY|
 * O_CLOEXEC. When st is not NULL it gets the open file's fstat. Returns the descriptor,
 * which the caller owns and closes, or -errno: -EISDIR for a directory,
 * -REGFILE_ENOTREG for a FIFO, socket or device (a socket fails open with ENXIO, which
 * is reported the same way), -EWOULDBLOCK for a file someone holds a lease on, and
 * open's or fstat's own errors. */
int regfile_open(int dirfd, const char *path, struct stat *st);

/* regfile_open for a path in a folder others may write: what fstatat says is not a
 * regular file is refused without being opened. Same results as regfile_open. */
int regfile_open_shared(int dirfd, const char *path, struct stat *st);

/* Whether the directory dirfd lies on a cgroup filesystem (v1 or v2) that
 * regfile_open_cgroup can open beneath: fstatfs says cgroup or cgroup2 and openat2 works
 * (a seccomp profile may refuse it). Costs two calls: ask once per hierarchy root and
 * keep the answer. */
bool regfile_is_cgroupfs(int dirfd);

/* Open path below dirfd, which regfile_is_cgroupfs accepted, without the fstat
 * regfile_open makes: openat2 with RESOLVE_NO_XDEV, so what opens lies on that same
 * cgroup filesystem, where the kernel makes nothing but folders and regular files (no
 * FIFO, socket or device can be made there, and no symlink leads out). flags is
 * O_RDONLY for a file to read (a folder opens too; reading it fails with EISDIR) or
 * O_PATH | O_DIRECTORY for a folder to open files beneath (again with this call);
 * O_NONBLOCK, O_NOCTTY and O_CLOEXEC are added. A mount on the way (-EXDEV) or a
 * refusal the broker may overrule sends a file to regfile_open, type check included;
 * a folder gets the error, and its files should then be opened with regfile_open.
 * Returns the descriptor (the caller's) or -errno. */
int regfile_open_cgroup(int dirfd, const char *path, int flags);

/* The text for error number err (positive) in logs: "not a regular file" for
 * REGFILE_ENOTREG, else strerror(err). The string is static. */
const char *regfile_strerror(int err);

/* pread(2) of a file opened here, without glibc's cancellation point: in a process with
 * threads the wrapper switches the caller to asynchronous cancellation and back around
 * the call, two atomic updates that cost a tenth of a small sysfs read, and plumb reads
 * thousands of those a scrape and never cancels a thread. Sanitizer builds keep the
 * wrapper, which they intercept to check the buffer (MemorySanitizer to learn that the
 * kernel filled it), and so do 32-bit targets, whose system call takes the offset in two
 * registers. Returns what pread returns. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || !defined(__LP64__)
#define REGFILE_PREAD_WRAPPER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
	__has_feature(memory_sanitizer)
#define REGFILE_PREAD_WRAPPER 1
#endif
#endif
static inline ssize_t regfile_pread(int fd, void *buf, size_t n, off_t off)
{
#ifdef REGFILE_PREAD_WRAPPER
	return pread(fd, buf, n, off);
#else
	return (ssize_t)syscall(SYS_pread64, fd, buf, n, off);
#endif
}

#endif
