/*
 * broker_jail: what the freshly forked broker gives up before it serves (broker.h).
 *
 * At once after the fork (broker_jail_early) it keeps only its channels (moved to
 * descriptors 3, 4, ...) and the three standard ones, so nothing else plumb had open
 * stays reachable and plumb's ends of the channels are closed in the broker (plumb's
 * exit then reads as end-of-file); it resets signals (the ones an operator or a
 * terminal sends are ignored: the broker lives exactly as long as plumb) and asks for
 * SIGKILL when plumb dies. Then it waits for its configuration. Once it has it
 * (broker_jail_enter), it empties the capability
 * bounding set but for CAP_DAC_READ_SEARCH, switches to the runtime user with
 * PR_SET_KEEPCAPS and sets its effective and permitted sets to that one capability,
 * which capget then proves; it asks for SIGKILL when plumb dies (after the uid change,
 * which clears that setting) and checks plumb is still its parent; it sets
 * no_new_privs and confines its reading to the open roots with Landlock. The seccomp
 * allowlist comes last, once the serving threads exist (broker_serve.c).
 *
 * The allowlist is what serving needs: receive and send on the channels, openat with no
 * flag that writes (checked by argument, so a broker tricked or taken over still cannot
 * create, truncate or write a file), close, fstat, fstatfs, readlinkat, poll, futex and
 * exit. Not openat2 (its flags are out of the filter's sight), not open_by_handle_at
 * (which CAP_DAC_READ_SEARCH would otherwise make a way around every path check).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/log.h"
#include "runtime/broker.h"

/* Move fds[0..n) to 3, 4, ... and close every other descriptor above 2. First each is
 * copied above the target range, then the range is cleared and the copies moved down,
 * so no copy lands on a descriptor still in use. Returns 0 or -errno. */
static int keep_only(int *fds, size_t n)
{
	int high[BROKER_CHANNELS];
	int base = 3, top = 3 + (int)n;
	if (n > BROKER_CHANNELS)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if ((high[i] = fcntl(fds[i], F_DUPFD, top)) < 0)
			return -errno;
	for (int fd = base; fd < top; fd++)
		close(fd);
	for (size_t i = 0; i < n; i++) {
		if (dup2(high[i], base + (int)i) < 0)
			return -errno;
		fds[i] = base + (int)i;
	}
	if (syscall(SYS_close_range, (unsigned)top, ~0u, 0) == 0)
		return 0;
	struct rlimit rl; /* a kernel before 5.9: one by one */
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	for (rlim_t fd = (rlim_t)top; fd < rl.rlim_cur && fd < (1u << 20); fd++)
		close((int)fd);
	return 0;
}

/* Ignore the signals people and terminals send, take the default for the rest (a
 * fault still kills), and unblock everything plumb had blocked. Returns 0 or -errno. */
static int reset_signals(void)
{
	static const int ignored[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE,
				       SIGUSR1, SIGUSR2, SIGALRM, SIGTSTP, SIGTTIN, SIGTTOU };
	sigset_t none;
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL); /* errors: numbers that are no signal */
	for (size_t i = 0; i < sizeof(ignored) / sizeof(*ignored); i++)
		if (signal(ignored[i], SIG_IGN) == SIG_ERR)
			return -errno;
	sigemptyset(&none);
	return sigprocmask(SIG_SETMASK, &none, NULL) < 0 ? -errno : 0;
}

#define KEPT_CAP CAP_DAC_READ_SEARCH

/* Become u holding CAP_DAC_READ_SEARCH alone in the effective, permitted and bounding
 * sets (nothing inheritable or ambient). Called as root. Returns 0, -EPERM if capget
 * or the bounding set shows anything else, or -errno. */
static int keep_dac_read_search(const struct priv_user *u)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	uid_t ru, eu, su;

	for (unsigned long cap = 0; cap <= 63; cap++) {
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0)
			break; /* past the kernel's last capability */
		if (cap != KEPT_CAP && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return -errno;
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 ||
	    setgroups((size_t)u->ngroups, u->groups) < 0 ||
	    setresgid(u->gid, u->gid, u->gid) < 0 || setresuid(u->uid, u->uid, u->uid) < 0 ||
	    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	memset(data, 0, sizeof(data));
	data[0].effective = data[0].permitted = 1u << KEPT_CAP;
	if (syscall(SYS_capset, &hdr, data) < 0 || syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	if (data[0].effective != 1u << KEPT_CAP || data[0].permitted != 1u << KEPT_CAP ||
	    data[0].inheritable || data[1].effective || data[1].permitted || data[1].inheritable)
		return -EPERM;
	for (unsigned long cap = 0; cap <= 63; cap++) {
		int in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (in < 0)
			break;
		if (in != (cap == KEPT_CAP))
			return -EPERM;
	}
	if (getresuid(&ru, &eu, &su) < 0)
		return -errno;
	return ru == 0 || eu == 0 || su == 0 ? -EPERM : 0;
}

/* Die with plumb: SIGKILL when the thread that forked us ends, and at once if plumb
 * is already gone. Returns 0 or -errno. */
static int tie_to_parent(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return -errno;
	return getppid() == parent ? 0 : -ESRCH;
}

/* Landlock: reading beneath the open roots and nothing else. A kernel without
 * Landlock leaves the walk's own checks alone (logged). Returns 0 or -errno. */
static int confine_reads(const struct broker_conf *c)
{
	struct ll_paths p = { 0 };
	int abi = 0, r = 0;
	for (size_t i = 0; i < c->nopen && r == 0; i++)
		r = ll_paths_add(&p, c->open_roots[i], false);
	if (r == 0)
		r = landlock_apply(&p, &abi);
	return r == -EOPNOTSUPP ? 0 : r;
}

int broker_jail_early(pid_t parent, int *fds, size_t n)
{
	const char *step = "descriptors";
	int r;
	if ((r = keep_only(fds, n)) < 0)
		goto out_log;
	step = "signals";
	if ((r = reset_signals()) < 0)
		goto out_log;
	step = "parent";
	r = tie_to_parent(parent);
out_log:
	if (r < 0)
		plog(LOG_ERROR, "broker: could not set itself apart from plumb", "step", step,
		     "err", strerror(-r), PLOG_END);
	return r;
}

int broker_jail_enter(const struct broker_conf *c, const struct priv_user *u, pid_t parent)
{
	const char *step = "CAP_DAC_READ_SEARCH";
	int r;
	if ((r = keep_dac_read_search(u)) < 0)
		goto out_log;
	step = "parent";
	if ((r = tie_to_parent(parent)) < 0)
		goto out_log;
	step = "no_new_privs";
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		r = -errno;
		goto out_log;
	}
	step = "Landlock";
	r = confine_reads(c);
out_log:
	if (r < 0)
		plog(LOG_ERROR, "broker: could not enter its sandbox", "step", step, "err",
		     strerror(-r), PLOG_END);
	return r;
}

/* Allowed with any arguments. */
static const char *const allowed[] = {
	"recvmsg", "sendmsg", "poll", "ppoll", "close", "fstat", "newfstatat", "fstatfs",
	"readlinkat", "futex", "exit", "exit_group", "rt_sigreturn", "restart_syscall",
	"clock_gettime",
};

#ifdef PLUMB_SANITIZED
/* Sanitizer runtimes (reports, the symbolizer, their allocators); nothing that writes
 * a file. */
static const char *const allowed_sanitized[] = {
	"mmap", "munmap", "mprotect", "madvise", "mremap", "brk", "sched_yield", "nanosleep",
	"clock_nanosleep", "getpid", "gettid", "kill", "tgkill", "tkill", "rt_sigaction",
	"rt_sigprocmask", "sigaltstack", "prctl", "ptrace", "clone", "clone3", "fork", "vfork",
	"execve", "wait4", "waitid", "write", "writev", "read", "pread64", "lseek", "getrlimit",
	"prlimit64", "sched_getaffinity", "uname", "readlink", "dup", "dup2", "pipe", "pipe2",
	"getdents64", "setpgid", "getpgid", "getsid", "getppid", "set_robust_list", "rseq",
};
#endif

/* openat's flags (argument 2) may hold none of these. */
#define WRITE_FLAGS                                                                        \
	((scmp_datum_t)(O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | (O_TMPFILE & ~O_DIRECTORY)))

int broker_seccomp_apply(void)
{
	struct scmp_arg_cmp ro = { .arg = 2, .op = SCMP_CMP_MASKED_EQ, .datum_a = WRITE_FLAGS,
				   .datum_b = 0 };
	int r = -ENOMEM;
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx)
		goto out_log;
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	for (size_t i = 0; i < sizeof(allowed) / sizeof(*allowed) && r == 0; i++) {
		int nr = seccomp_syscall_resolve_name(allowed[i]);
		if (nr != __NR_SCMP_ERROR)
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	}
#ifdef PLUMB_SANITIZED
	for (size_t i = 0; i < sizeof(allowed_sanitized) / sizeof(*allowed_sanitized) && r == 0;
	     i++) {
		int nr = seccomp_syscall_resolve_name(allowed_sanitized[i]);
		if (nr != __NR_SCMP_ERROR)
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	}
#endif
	if (r == 0)
		r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1, &ro);
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
out_log:
	if (r < 0)
		plog(LOG_ERROR, "broker: could not install its seccomp filter", "err",
		     strerror(-r), PLOG_END);
	return r;
}
