/*
 * test_sdlisten: systemd socket activation's variables (good, foreign and hostile
 * values), and taking real sockets placed at descriptor 3 in a child process: a
 * listening TCP socket is taken, a connected or datagram one refused, and the
 * variables are gone afterwards either way.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "http/sdlisten.h"
#include "lib/log.h"
#include "t.h"

static void parse(void)
{
	static const struct {
		const char *pid, *fds;
		int want;
		unsigned count;
	} cases[] = {
		{ "100", "2", 0, 2 },
		{ "100", "1", 0, 1 },
		{ NULL, "1", -ENOENT, 0 },
		{ "100", NULL, -ENOENT, 0 },
		{ "101", "1", -ENOENT, 0 },  /* for another process */
		{ "100", "0", -ENOENT, 0 },
		{ "100", "x", -EINVAL, 0 },
		{ "100", "-1", -EINVAL, 0 },
		{ "100", "", -EINVAL, 0 },
		{ "", "1", -EINVAL, 0 },
		{ "0", "1", -EINVAL, 0 },
		{ "100", "2147483645", -EINVAL, 0 },
		{ "100", "99999999999999999999999", -EINVAL, 0 },
		{ "100 ", "1", 0, 1 },        /* the checked parser trims, as strtoul would */
		{ "1e2", "1", -EINVAL, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned n = 99;
		CHECK_INT(sdlisten_parse(cases[i].pid, cases[i].fds, 100, &n), cases[i].want);
		CHECK_INT(n, cases[i].count);
	}
}

/* In a child: put a socket of type at descriptor 3 (listening if listen_it), set the
 * variables for one descriptor, take it. Exit status: 0 taken (and the variables
 * gone), 1 refused (and the variables gone), 2 anything else. */
static int child_take(int type, int listen_it)
{
	pid_t pid = fork();
	if (pid == 0) {
		log_setup("error", "logfmt");
		int s = socket(AF_INET, type, 0);
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
		    (listen_it && listen(s, 4) < 0) || dup2(s, 3) != 3)
			_exit(2);
		if (s != 3)
			close(s);
		char self[24];
		snprintf(self, sizeof(self), "%d", (int)getpid());
		setenv("LISTEN_PID", self, 1);
		setenv("LISTEN_FDS", "1", 1);
		setenv("LISTEN_FDNAMES", "web", 1);
		int fds[4] = { -1 };
		size_t n = 0;
		int r = sdlisten_take(fds, 4, &n);
		if (getenv("LISTEN_PID") || getenv("LISTEN_FDS") || getenv("LISTEN_FDNAMES"))
			_exit(2);
		if (r == 0 && n == 1 && fds[0] == 3 && (fcntl(3, F_GETFD) & FD_CLOEXEC))
			_exit(0);
		_exit(r == -ENOTSOCK && n == 0 ? 1 : 2);
	}
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void take(void)
{
	CHECK_INT(child_take(SOCK_STREAM, 1), 0);
	CHECK_INT(child_take(SOCK_STREAM, 0), 1); /* bound, not listening */
	CHECK_INT(child_take(SOCK_DGRAM, 0), 1);
}

int main(void)
{
	RUN(parse);
	RUN(take);
	return T_DONE("test_sdlisten");
}
