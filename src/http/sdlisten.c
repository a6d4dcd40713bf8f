/*
 * sdlisten: systemd socket activation, the receiving side. See sdlisten.h.
 */
#include "http/sdlisten.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/strparse.h"

const struct flag_def sdlisten_flags[] = {
	{ "web.systemd-socket", FLAG_BOOL, "false",
	  "Serve on the listening sockets systemd passes (socket activation: a .socket unit "
	  "or systemd-socket-activate) instead of binding --web.listen-address.", false },
	{ NULL, 0, NULL, NULL, false },
};

bool sdlisten_enabled(const struct plumb_config *cfg)
{
	return cfg_bool(cfg, "web.systemd-socket");
}

int sdlisten_parse(const char *listen_pid, const char *listen_fds, pid_t self,
		   unsigned *count)
{
	uint64_t pid, n;
	*count = 0;
	if (!listen_fds || !listen_pid)
		return -ENOENT;
	if (str_u64(listen_pid, &pid) < 0 || pid == 0 || str_u64(listen_fds, &n) < 0 ||
	    n > (uint64_t)INT_MAX - SDLISTEN_FIRST_FD)
		return -EINVAL;
	if (pid != (uint64_t)self || n == 0)
		return -ENOENT;
	*count = (unsigned)n;
	return 0;
}

/* Describe socket fd's local address into out[cap] ("127.0.0.1:9100", "[::]:9100",
 * "unix:/run/plumb.sock"), for the log. */
static void describe(int fd, char *out, size_t cap)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len = sizeof(ss);
	char host[NI_MAXHOST], port[NI_MAXSERV];
	snprintf(out, cap, "unknown");
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return;
	if (ss.ss_family == AF_UNIX) {
		const struct sockaddr_un *un = (const struct sockaddr_un *)&ss;
		size_t plen = len > offsetof(struct sockaddr_un, sun_path)
				      ? len - offsetof(struct sockaddr_un, sun_path)
				      : 0;
		/* an abstract socket's name starts with a NUL: shown with '@' as ss(8) does */
		if (plen && un->sun_path[0] == '\0')
			snprintf(out, cap, "unix:@%.*s", (int)(plen - 1), un->sun_path + 1);
		else
			snprintf(out, cap, "unix:%.*s", (int)strnlen(un->sun_path, plen), un->sun_path);
		return;
	}
	if (getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), port, sizeof(port),
			NI_NUMERICHOST | NI_NUMERICSERV) == 0)
		snprintf(out, cap, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, port);
}

/* Check that fd is a listening stream socket and mark it close-on-exec. Returns 0 or
 * -ENOTSOCK after logging what it is instead. */
static int check_socket(int fd)
{
	struct stat st;
	int type = 0, acc = 0;
	socklen_t len = sizeof(type), alen = sizeof(acc);
	const char *why = NULL;
	char num[16];
	if (fstat(fd, &st) < 0)
		why = "not open";
	else if (!S_ISSOCK(st.st_mode))
		why = "not a socket";
	else if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM)
		why = "not a stream socket (ListenStream= makes one)";
	else if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &alen) < 0 || !acc)
		why = "not listening (a connection: plumb needs Accept=no)";
	else if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		why = "cannot be made close-on-exec";
	if (!why)
		return 0;
	snprintf(num, sizeof(num), "%d", fd);
	plog(LOG_ERROR, "--web.systemd-socket: a passed descriptor is not a listening socket",
	     "fd", num, "problem", why, PLOG_END);
	return -ENOTSOCK;
}

int sdlisten_take(int *fds, size_t cap, size_t *n)
{
	unsigned count = 0;
	int r = sdlisten_parse(getenv("LISTEN_PID"), getenv("LISTEN_FDS"), getpid(), &count);
	*n = 0;
	if (r == -ENOENT) {
		plog(LOG_ERROR, "--web.systemd-socket: systemd passed no socket to this process "
				"(LISTEN_PID and LISTEN_FDS); start plumb from its .socket unit",
		     PLOG_END);
		goto out_unset;
	}
	if (r < 0) {
		plog(LOG_ERROR, "--web.systemd-socket: malformed LISTEN_PID or LISTEN_FDS", PLOG_END);
		r = -EBADMSG; /* not -EINVAL: that would read as a usage error */
		goto out_unset;
	}
	if (count > cap) {
		plog(LOG_ERROR, "--web.systemd-socket: more sockets passed than plumb serves on",
		     PLOG_END);
		r = -E2BIG;
		goto out_unset;
	}
	for (unsigned i = 0; i < count; i++) {
		if ((r = check_socket(SDLISTEN_FIRST_FD + (int)i)) < 0)
			goto out_unset;
		fds[i] = SDLISTEN_FIRST_FD + (int)i;
	}
	for (unsigned i = 0; i < count; i++) {
		char addr[128], num[16];
		describe(fds[i], addr, sizeof(addr));
		snprintf(num, sizeof(num), "%d", fds[i]);
		plog(LOG_INFO, "using a listening socket from systemd", "fd", num, "address", addr,
		     PLOG_END);
	}
	*n = count;
out_unset:
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return r;
}
