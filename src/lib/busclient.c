/*
 * busclient: the system bus, queried under a time limit on an abandonable worker (see
 * busclient.h). One job, allocated with its work area in one block, carries the
 * connection and everything the worker touches; the busclient around it holds the
 * pool and what only the collecting thread reads.
 */
#include "lib/busclient.h"

#include <errno.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "lib/deadline.h"
#include "lib/dynlib.h"
#include "lib/log.h"

#define ADDRESS_MAX 1024
#define HANDSHAKE_LIMITS 6u /* a connection's handshake may take 6 query limits */

/* What the worker owns while it runs: the connection, the results, the work area. */
struct bc_job {
	struct dl_job dl; /* first: the pool hands this back */
	const struct busclient_ops *ops;
	uint64_t timeout_us;
	bool reset;       /* close the connection before querying (set between runs) */
	char address[ADDRESS_MAX];
	sd_bus *bus;      /* open connection, or NULL */
	int err;          /* the last query's result */
	alignas(max_align_t) unsigned char work[];
};

struct busclient {
	struct bc_job *job;
	struct dl_pool *pool;  /* made by the first query, on the collecting thread */
	int64_t timeout_ms;
	bool reset_next;       /* the last query was abandoned: reconnect next time */
	bool have_path;
	char path[ADDRESS_MAX]; /* the socket checked before each query */
};

/* The system bus address: DBUS_SYSTEM_BUS_ADDRESS or sd-bus's default. Borrowed. */
static const char *system_address(void)
{
	const char *a = secure_getenv("DBUS_SYSTEM_BUS_ADDRESS");
	return a && *a ? a : BUSCLIENT_DEFAULT_ADDRESS;
}

int busclient_socket_path(const char *addr, size_t len, char *out, size_t cap)
{
	static const char pre[] = "unix:";
	static const char key[] = "path=";
	/* the first entry only: entries are separated by ';' */
	size_t end = 0;
	while (end < len && addr[end] != ';')
		end++;
	if (end < sizeof(pre) - 1 || memcmp(addr, pre, sizeof(pre) - 1) != 0)
		return -ENOENT;
	/* key=value pairs separated by ',' */
	for (size_t i = sizeof(pre) - 1; i < end;) {
		size_t j = i;
		while (j < end && addr[j] != ',')
			j++;
		if (j - i > sizeof(key) - 1 && memcmp(addr + i, key, sizeof(key) - 1) == 0) {
			const char *v = addr + i + sizeof(key) - 1;
			size_t n = j - i - (sizeof(key) - 1);
			if (memchr(v, '%', n) || memchr(v, '\0', n) || v[0] != '/')
				return -ENOENT;
			if (n >= cap)
				return -ENAMETOOLONG;
			memcpy(out, v, n);
			out[n] = '\0';
			return 0;
		}
		i = j + 1;
	}
	return -ENOENT;
}

int busclient_declare(struct resources *res)
{
	char path[ADDRESS_MAX];
	const char *a = system_address();
	if (busclient_socket_path(a, strlen(a), path, sizeof(path)) < 0)
		return 0;
	char *slash = strrchr(path, '/');
	if (slash && slash != path)
		*slash = '\0';
	return res_path(res, NULL, path, RES_READ);
}

/* CLOCK_MONOTONIC in microseconds. */
static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Drive bus b through authentication and Hello until it is ready, for at most
 * timeout_us: sd-bus's own wait for that is its 90 s authentication limit, not the
 * method call timeout. (The caller gives more than a query's limit: scrapes fail at once
 * while a handshake runs abandoned, and a bus that comes back is found within it.)
 * Returns 0, -ETIMEDOUT, or sd-bus's -errno. */
static int wait_ready(sd_bus *b, uint64_t timeout_us)
{
	uint64_t deadline = now_us() + timeout_us;
	for (;;) {
		int r = dyn_sdbus.is_ready(b);
		if (r != 0)
			return r < 0 ? r : 0;
		if ((r = dyn_sdbus.process(b, NULL)) < 0)
			return r;
		if (r > 0)
			continue;
		uint64_t now = now_us();
		if (now >= deadline)
			return -ETIMEDOUT;
		if ((r = dyn_sdbus.wait(b, deadline - now)) < 0)
			return r;
	}
}

/* Open job j's connection. Returns 0 or -errno (j->bus stays NULL). */
static int bus_open(struct bc_job *j)
{
	sd_bus *b = NULL;
	int r = dyn_sdbus.new_(&b);
	if (r < 0)
		return r;
	if ((r = dyn_sdbus.set_address(b, j->address)) < 0 ||
	    (r = dyn_sdbus.set_bus_client(b, 1)) < 0 ||
	    (r = dyn_sdbus.set_method_call_timeout(b, j->timeout_us)) < 0 ||
	    (r = dyn_sdbus.start(b)) < 0 || (r = wait_ready(b, HANDSHAKE_LIMITS * j->timeout_us)) < 0)
		goto out_unref;
	j->bus = b;
	return 0;
out_unref:
	dyn_sdbus.close_unref(b);
	return r;
}

/* Worker side: (re)connect if needed, then run the collector's query. */
static void run_job(struct dl_job *dj)
{
	struct bc_job *j = (struct bc_job *)dj;
	int r = 0;
	if (j->bus && (j->reset || dyn_sdbus.is_open(j->bus) <= 0))
		j->bus = dyn_sdbus.close_unref(j->bus);
	j->reset = false;
	if (!j->bus)
		r = bus_open(j);
	if (r == 0)
		r = j->ops->query(j->bus, j->work);
	if (r < 0 && j->bus)
		j->bus = dyn_sdbus.close_unref(j->bus);
	j->err = r;
}

/* Free job dj, its connection and what its work area holds (dl_job_release's callback). */
static void job_free(struct dl_job *dj)
{
	struct bc_job *j = (struct bc_job *)dj;
	if (j->ops->free_work)
		j->ops->free_work(j->work);
	if (j->bus)
		dyn_sdbus.close_unref(j->bus);
	free(j);
}

int busclient_new(const char *flag, const struct busclient_ops *ops, size_t work_size,
		  int64_t timeout_ms, struct busclient **out)
{
	struct busclient *bc = NULL;
	const char *a = system_address();
	int r;
	*out = NULL;
	if (!ops || !ops->query || timeout_ms <= 0 || strlen(a) >= ADDRESS_MAX)
		return -EINVAL;
	if ((r = dyn_sdbus_open(flag)) < 0)
		return r;
	if (!(bc = calloc(1, sizeof(*bc))) ||
	    !(bc->job = calloc(1, sizeof(*bc->job) + work_size))) {
		r = -ENOMEM;
		goto out_free;
	}
	bc->timeout_ms = timeout_ms;
	bc->have_path = busclient_socket_path(a, strlen(a), bc->path, sizeof(bc->path)) == 0;
	bc->job->dl.fn = run_job;
	bc->job->ops = ops;
	bc->job->timeout_us = (uint64_t)timeout_ms * 1000;
	memcpy(bc->job->address, a, strlen(a) + 1);
	*out = bc;
	return 0;
out_free:
	free(bc);
	return r;
}

int busclient_read(sd_bus_message *m, char type, uint64_t *num, char *str, size_t cap)
{
	union {
		const char *s;
		uint32_t u;
		uint64_t t;
		int b;
	} v = { 0 };
	int r = dyn_sdbus.message_read_basic(m, type, &v);
	if (r < 0)
		return r;
	if (r == 0) /* nothing left where m stands */
		return -ENXIO;
	switch (type) {
	case 's':
	case 'o': {
		size_t n = strlen(v.s);
		if (!str || n >= cap)
			return -E2BIG;
		memcpy(str, v.s, n + 1);
		return 0;
	}
	case 'u':
		*num = v.u;
		return 0;
	case 't':
		*num = v.t;
		return 0;
	case 'b':
		*num = v.b != 0;
		return 0;
	default:
		return -EINVAL;
	}
}

int busclient_get(sd_bus *bus, const char *dest, const char *path, const char *iface,
		  const char *member, char type, uint64_t *num, char *str, size_t cap)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char sig[2] = { type, '\0' };
	int r = dyn_sdbus.get_property(bus, dest, path, iface, member, &err, &reply, sig);
	if (r >= 0)
		r = busclient_read(reply, type, num, str, cap);
	dyn_sdbus.message_unref(reply);
	dyn_sdbus.error_free(&err);
	return r < 0 ? r : 0;
}

void *busclient_work(struct busclient *bc)
{
	return bc->job->work;
}

const char *busclient_address(const struct busclient *bc)
{
	return bc->job->address;
}

int busclient_query(struct busclient *bc)
{
	struct stat st;
	struct dl_job *batch[1] = { &bc->job->dl };
	int r;
	if (bc->pool && dl_job_busy(bc->pool, &bc->job->dl))
		return -EBUSY;
	if (bc->have_path && stat(bc->path, &st) < 0 && errno == ENOENT)
		return -ENOENT;
	if (!bc->pool && (r = dl_pool_create(1, 2, &bc->pool)) < 0)
		return r;
	bc->job->reset = bc->reset_next;
	bc->reset_next = false;
	if ((r = dl_pool_run(bc->pool, batch, 1, bc->timeout_ms)) < 0)
		return r;
	switch (bc->job->dl.state) {
	case DL_DONE:
		return bc->job->err;
	case DL_TIMEDOUT:
		bc->reset_next = true;
		return -ETIMEDOUT;
	default:
		return -EAGAIN;
	}
}

void busclient_free(struct busclient *bc)
{
	if (!bc)
		return;
	if (bc->job) {
		if (bc->pool)
			dl_job_release(bc->pool, &bc->job->dl, job_free);
		else
			job_free(&bc->job->dl);
	}
	dl_pool_destroy(bc->pool);
	free(bc);
}
