/*
 * readfloor: what reading a set of files costs the kernel alone, with no parsing and no
 * output, so that a collector's cost can be set against the least any reader of those
 * files pays.
 *
 * bench_containers.py gives it, on stdin, one path per line: the files the container
 * collector reads for the cgroups plumb reported. It reads each file as the collector
 * does: one pread of up to 64 KiB from offset 0, which returns a cgroup file whole (each
 * is a single seq_file record, handed out in one piece when the buffer has room) and a
 * regular file whole up to its end. Only a read that fills the buffer is followed by
 * more. It does so in two ways:
 *   held:   every file opened once, then read ROUNDS times through the held descriptors
 *           (in batches that fit the descriptor limit, the batches' times added up);
 *   reopen: every file opened, read and closed, ROUNDS times.
 * For each way it prints the median CPU time of one round (CLOCK_PROCESS_CPUTIME_ID,
 * user and system) in microseconds, as one JSON object on stdout:
 *   {"files": N, "rounds": R, "held_us": X, "reopen_us": Y}
 * A file that cannot be opened or read is counted in "failed" and left out.
 *
 * Usage: readfloor [ROUNDS] < paths      (ROUNDS defaults to 11; at most 101)
 * Exit status 0, or 1 on bad usage or no memory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define MAX_ROUNDS 101

static char readbuf[65536];

/* CPU time of this process in microseconds. */
static double cpu_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Read fd from offset 0 as the collector does: until a read comes back short of the
 * buffer. Returns 0 or -errno. */
static int read_whole(int fd)
{
	off_t off = 0;
	for (;;) {
		ssize_t n = pread(fd, readbuf, sizeof(readbuf), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if ((size_t)n < sizeof(readbuf))
			return 0;
		off += n;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 11;
	if (argc > 2 || rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "usage: readfloor [ROUNDS 1..%d] < paths\n", MAX_ROUNDS);
		return 1;
	}
	/* the paths, one per line */
	size_t n = 0, cap = 0;
	char **paths = NULL, *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	while ((len = getline(&line, &lcap, stdin)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (len == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			char **np = realloc(paths, cap * sizeof(*paths));
			if (!np)
				return 1;
			paths = np;
		}
		if (!(paths[n++] = strdup(line)))
			return 1;
	}
	free(line);

	/* as many descriptors as the hard limit allows, as plumb takes */
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	getrlimit(RLIMIT_NOFILE, &rl);
	size_t batch = rl.rlim_cur > 64 + 16 ? (size_t)rl.rlim_cur - 64 : 16;
	if (batch > n)
		batch = n ? n : 1;
	int *fds = calloc(batch, sizeof(*fds));
	if (!fds)
		return 1;

	double held[MAX_ROUNDS] = { 0 }, reopen[MAX_ROUNDS];
	size_t failed = 0;
	for (size_t first = 0; first < n; first += batch) {
		size_t cnt = n - first < batch ? n - first : batch;
		for (size_t i = 0; i < cnt; i++) {
			fds[i] = open(paths[first + i], O_RDONLY | O_CLOEXEC);
			if (fds[i] >= 0 && read_whole(fds[i]) < 0) {
				close(fds[i]);
				fds[i] = -1;
			}
			failed += fds[i] < 0;
		}
		for (int r = 0; r < rounds; r++) {
			double t0 = cpu_us();
			for (size_t i = 0; i < cnt; i++)
				if (fds[i] >= 0)
					read_whole(fds[i]);
			held[r] += cpu_us() - t0;
		}
		for (size_t i = 0; i < cnt; i++)
			if (fds[i] >= 0)
				close(fds[i]);
	}
	for (int r = 0; r < rounds; r++) {
		double t0 = cpu_us();
		for (size_t i = 0; i < n; i++) {
			int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			read_whole(fd);
			close(fd);
		}
		reopen[r] = cpu_us() - t0;
	}
	printf("{\"files\": %zu, \"failed\": %zu, \"rounds\": %d, \"batch\": %zu, "
	       "\"held_us\": %.1f, \"reopen_us\": %.1f}\n",
	       n - failed, failed, rounds, batch, median(held, rounds), median(reopen, rounds));
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	free(fds);
	return 0;
}
