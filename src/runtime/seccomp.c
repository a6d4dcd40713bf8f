/*
 * seccomp: the syscall allowlist, built with libseccomp.
 *
 * Anything not listed kills the whole process (SCMP_ACT_KILL_PROCESS; the kernel's
 * audit log records the syscall number: docs/sandbox.md says how to find it), as does
 * a syscall made through another architecture's ABI (x32, i386). The list is what
 * plumb uses, found by running the whole test suite under a logging filter, grouped by
 * purpose, plus what libcurl, the resolver and the push queue's file handling need.
 * A few arguments are checked where that is cheap and safe:
 *   - socket: only AF_UNIX, AF_INET, AF_INET6 and AF_NETLINK (the resolver's
 *     getifaddrs, the netdev collector);
 *   - clone: only with CLONE_THREAD, so threads but no new processes; clone3, whose
 *     flags a filter cannot see, fails with ENOSYS and glibc falls back to clone;
 *   - kill and tgkill: only to plumb itself (abort, pthread_kill);
 *   - prctl: only PR_SET_NAME / PR_GET_NAME (thread names) and PR_GET_DUMPABLE.
 * The perf collector opens its counters before the filter is installed, so
 * perf_event_open is not on the list.
 * Never allowed: execve, ptrace, mount, bpf, kexec, module loading, personality,
 * keyctl, and every other syscall not named below.
 *
 * Sanitizer builds (ASan with LeakSanitizer, TSan) need more: LeakSanitizer stops the
 * world at exit from a helper made with clone (without CLONE_THREAD) that
 * ptrace-attaches to every thread, and reports may run an external symbolizer (fork,
 * execve, wait4). Those are allowed only when compiled with a sanitizer
 * (PLUMB_SANITIZED, runtime.h).
 */
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/resources.h"
#include "lib/log.h"
#include "runtime/runtime.h"

/* Allowed with any arguments. */
static const char *const allowed[] = {
	/* files: reading kernel files and fixtures, the textfile collector, the queue */
	"read", "pread64", "readv", "preadv", "preadv2", "write", "pwrite64", "writev",
	"pwritev", "pwritev2", "open", "openat", "openat2", "close", "close_range", "lseek",
	"getdents64", "getdents", "stat", "fstat", "lstat", "newfstatat", "statx", "statfs",
	"fstatfs", "readlink", "readlinkat", "access", "faccessat", "faccessat2", "fcntl",
	"dup", "dup2", "dup3", "ioctl", "fsync", "fdatasync", "sync_file_range", "ftruncate",
	"fallocate", "rename", "renameat", "renameat2", "unlink", "unlinkat", "mkdir",
	"mkdirat", "rmdir", "fchmod", "fchmodat", "umask", "getcwd", "fadvise64", "flock",
	"inotify_init1", "inotify_add_watch", "inotify_rm_watch", "memfd_create", "link",
	"linkat", "utimensat", "syncfs", "copy_file_range", "readahead", "chdir", "fchdir",
	/* memory */
	"brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "msync", "mlock", "munlock",
	"membarrier",
	/* threads and scheduling */
	"futex", "futex_waitv", "set_robust_list", "get_robust_list", "set_tid_address",
	"rseq", "exit", "exit_group", "sched_yield", "sched_getaffinity", "sched_getparam",
	"sched_getscheduler", "sched_get_priority_max", "sched_get_priority_min",
	"getpriority", "gettid", "getpid", "getppid", "getuid", "geteuid", "getgid",
	"getegid", "getgroups", "getresuid", "getresgid", "capget", "prlimit64", "getrlimit",
	"getrusage", "times",
	/* signals */
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigtimedwait", "rt_sigpending",
	"rt_sigsuspend", "sigaltstack", "restart_syscall", "pause", "signalfd", "signalfd4",
	/* time */
	"clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday",
	"time", "timerfd_create", "timerfd_settime", "timerfd_gettime", "adjtimex",
	"clock_adjtime", "alarm", "setitimer", "getitimer",
	/* system information */
	"uname", "sysinfo", "getrandom", "getcpu",
	/* networking: libmicrohttpd, libcurl, the resolver */
	"connect", "accept", "accept4", "bind", "listen", "getsockname", "getpeername",
	"setsockopt", "getsockopt", "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg",
	"recvmmsg", "shutdown", "socketpair", "poll", "ppoll", "select", "pselect6",
	"epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait",
	"epoll_pwait2", "eventfd", "eventfd2", "pipe", "pipe2", "sendfile",
};

#ifdef PLUMB_SANITIZED
/* What sanitizer builds add (see the top of this file). */
static const char *const allowed_sanitized[] = {
	"ptrace", "clone", "clone3", "fork", "vfork", "execve", "wait4", "waitid", "kill",
	"tgkill", "tkill", "prctl", "setpgid", "getpgid", "getsid",
};
#endif

/* Add an allow rule for syscall name with cmps (n of them). A name this architecture
 * does not have is skipped. Returns 0 or -errno. */
static int allow(scmp_filter_ctx ctx, const char *name, unsigned n,
		 const struct scmp_arg_cmp *cmps)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return 0;
	return seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, n, cmps);
}

/* Allow syscall name when its first argument passes: arg0 == want (SCMP_CMP_EQ), or
 * (arg0 & mask) == want (SCMP_CMP_MASKED_EQ). Returns 0 or -errno. (libseccomp's SCMP_A0
 * leaves a field of struct scmp_arg_cmp out, which clang's -Wextra rejects.) */
static int allow_if(scmp_filter_ctx ctx, const char *name, enum scmp_compare op,
		    scmp_datum_t want, scmp_datum_t mask)
{
	struct scmp_arg_cmp c = { .arg = 0, .op = op, .datum_a = want, .datum_b = 0 };
	if (op == SCMP_CMP_MASKED_EQ) {
		c.datum_a = mask;
		c.datum_b = want;
	}
	return allow(ctx, name, 1, &c);
}

/* The rules with argument checks (see the top of this file). Returns 0 or -errno. */
static int add_checked(scmp_filter_ctx ctx)
{
	static const int domains[] = { AF_UNIX, AF_INET, AF_INET6, AF_NETLINK };
	int r = 0;
	for (size_t i = 0; i < sizeof(domains) / sizeof(*domains) && r == 0; i++)
		r = allow_if(ctx, "socket", SCMP_CMP_EQ, (scmp_datum_t)domains[i], 0);
#ifndef PLUMB_SANITIZED
	static const int prctls[] = { PR_SET_NAME, PR_GET_NAME, PR_GET_DUMPABLE };
	scmp_datum_t pid = (scmp_datum_t)getpid();
	for (size_t i = 0; i < sizeof(prctls) / sizeof(*prctls) && r == 0; i++)
		r = allow_if(ctx, "prctl", SCMP_CMP_EQ, (scmp_datum_t)prctls[i], 0);
	if (r == 0)
		r = allow_if(ctx, "clone", SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD);
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (r == 0)
		r = allow_if(ctx, "kill", SCMP_CMP_EQ, pid, 0);
	if (r == 0)
		r = allow_if(ctx, "tgkill", SCMP_CMP_EQ, pid, 0);
#endif
	return r;
}

/* A developer's aid (docs/sandbox.md): built with -DPLUMB_SECCOMP_LOG, a syscall
 * outside the list is logged by the kernel (audit type 1326) and then allowed. */
#ifdef PLUMB_SECCOMP_LOG
#define DENY_ACTION SCMP_ACT_LOG
#else
#define DENY_ACTION SCMP_ACT_KILL_PROCESS
#endif

int seccomp_apply(void)
{
	int r = -ENOMEM;
	scmp_filter_ctx ctx = seccomp_init(DENY_ACTION);
	if (!ctx)
		goto out_log;
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, DENY_ACTION);
	/* every thread: should one exist already (runtime.c logs it), it is confined too */
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	for (size_t i = 0; i < sizeof(allowed) / sizeof(*allowed) && r == 0; i++)
		r = allow(ctx, allowed[i], 0, NULL);
#ifdef PLUMB_SANITIZED
	for (size_t i = 0; i < sizeof(allowed_sanitized) / sizeof(*allowed_sanitized) && r == 0;
	     i++)
		r = allow(ctx, allowed_sanitized[i], 0, NULL);
#endif
	if (r == 0)
		r = add_checked(ctx);
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
out_log:
	if (r < 0)
		plog(LOG_ERROR, "sandbox: could not install the seccomp filter", "err",
		     strerror(-r), PLOG_END);
	return r;
}
