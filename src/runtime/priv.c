/*
 * priv: the switch to an unprivileged user and the drop of every capability.
 *
 * Started as root, plumb has done its privileged work by the time it gets here
 * (ports bound, /dev/kmsg and collectors' files opened), so it keeps nothing: the
 * capability bounding set is emptied while CAP_SETPCAP is still held, then the
 * groups, gid and uid change (setresuid from 0 to another uid clears the permitted
 * and effective sets), and finally the ambient, inheritable, permitted and effective
 * sets are cleared explicitly, which also covers a start as a non-root user that was
 * given capabilities (systemd's AmbientCapabilities, file capabilities) and a
 * --runtime.user of root (uid 0 kept, without capabilities). capget then proves the
 * result. The process also becomes non-dumpable by the uid change, so other processes
 * of the same user cannot ptrace it or read its memory.
 *
 * The user and its groups are looked up in a short-lived child process. The lookup
 * goes through NSS, which loads the modules nsswitch.conf names (libnss_systemd, and
 * with it libm and libcap, about 0.6 MiB resident) and would keep them mapped for
 * plumb's whole life for a question asked once; the child takes them with it.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/strparse.h"
#include "runtime/runtime.h"

#define PW_BUF_MAX (1u << 20) /* a passwd entry larger than 1 MiB is refused */

/* What the lookup child sends back: its result, then the user when r is 0. */
struct lookup_reply {
	int r;
	struct priv_user u;
};

/* In the lookup child: resolve user through NSS into *out (r 0, -ENOENT, -E2BIG for
 * more than PRIV_MAX_GROUPS groups, or -errno). Allocates and frees its own buffer. */
static void lookup_here(const char *user, struct lookup_reply *out)
{
	struct passwd pw, *res = NULL;
	size_t cap = 4096;
	char *buf = NULL;
	uint64_t num = 0;
	bool numeric = str_u64(user, &num) == 0 && num <= (uid_t)-2;

	for (;;) {
		char *nb = realloc(buf, cap);
		if (!nb) {
			out->r = -ENOMEM;
			goto out_free;
		}
		buf = nb;
		int e = numeric ? getpwuid_r((uid_t)num, &pw, buf, cap, &res)
				: getpwnam_r(user, &pw, buf, cap, &res);
		if (e == ERANGE && cap < PW_BUF_MAX) {
			cap *= 2;
			continue;
		}
		if (e) {
			out->r = -e;
			goto out_free;
		}
		break;
	}
	if (!res) {
		out->r = -ENOENT;
		goto out_free;
	}
	out->u.uid = pw.pw_uid;
	out->u.gid = pw.pw_gid;
	out->u.ngroups = PRIV_MAX_GROUPS;
	/* the primary group is in the list too, as initgroups() would set it */
	out->r = getgrouplist(pw.pw_name, pw.pw_gid, out->u.groups, &out->u.ngroups) < 0
			 ? -E2BIG : 0;
out_free:
	free(buf);
}

/* The lookup child: resolve user and write the reply to fd, then exit. _exit, so that
 * nothing of the parent's (atexit handlers, stdio buffers) runs twice; whatever NSS
 * loads goes with this process. */
static _Noreturn void lookup_child(const char *user, int fd)
{
	struct lookup_reply rep;
	memset(&rep, 0, sizeof(rep));
	lookup_here(user, &rep);
	const char *p = (const char *)&rep;
	size_t left = sizeof(rep);
	while (left) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(1);
		p += n;
		left -= (size_t)n;
	}
	_exit(0);
}

int priv_lookup(const char *user, struct priv_user *u)
{
	struct lookup_reply rep;
	int fds[2], st, r = 0;
	size_t got = 0;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		lookup_child(user, fds[1]);
	}
	if (pid < 0)
		r = -errno;
	close(fds[1]);
	while (pid > 0 && got < sizeof(rep)) {
		ssize_t n = read(fds[0], (char *)&rep + got, sizeof(rep) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fds[0]);
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (r == 0)
		r = got < sizeof(rep) ? -EIO : rep.r; /* -EIO: the child died before it answered */
	if (r == 0)
		*u = rep.u;
	return r;
}

/* Empty the capability bounding set, so that no later execve (there is none; this is
 * defence in depth) can regain a capability. Needs CAP_SETPCAP: called as root only. */
static int drop_bounding_set(void)
{
	for (unsigned long cap = 0; cap <= 63; cap++) {
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0)
			break; /* past the kernel's last capability */
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return -errno;
	}
	return 0;
}

/* Clear the ambient, inheritable, permitted and effective sets and check with capget
 * that they are empty. Returns 0, or -EPERM if one is not. */
static int clear_caps(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	/* EINVAL: a kernel without ambient capabilities (before 4.3) has none to clear */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (data[i].effective || data[i].permitted || data[i].inheritable)
			return -EPERM;
	return 0;
}

int priv_drop(const char *user, const struct priv_user *u, bool *switched)
{
	int r = 0;
	*switched = false;
	if (geteuid() == 0) {
		if ((r = drop_bounding_set()) < 0) {
			plog(LOG_ERROR, "could not drop the capability bounding set", "err",
			     strerror(-r), PLOG_END);
			return r;
		}
		if (setgroups((size_t)u->ngroups, u->groups) < 0 ||
		    setresgid(u->gid, u->gid, u->gid) < 0 || setresuid(u->uid, u->uid, u->uid) < 0) {
			r = -errno;
			plog(LOG_ERROR, "could not switch to the runtime user", "user", user,
			     "err", strerror(-r), PLOG_END);
			return r;
		}
		*switched = u->uid != 0;
	}
	if ((r = clear_caps()) < 0) {
		plog(LOG_ERROR, "could not drop every capability; refusing to run with some",
		     "err", strerror(-r), PLOG_END);
		return r;
	}
	return 0;
}
