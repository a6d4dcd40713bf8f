/*
 * busclient: a connection to the D-Bus system bus, queried on a worker thread that a
 * scrape can abandon, for the collectors that ask systemd and logind over D-Bus.
 *
 * The bus address is DBUS_SYSTEM_BUS_ADDRESS, else the standard system socket, read
 * as sd-bus reads it. The connection (libsystemd's sd-bus, loaded on demand through
 * lib/dynlib.h) is opened by the first query, kept between queries, and opened again
 * after an error that breaks it. Each query runs the collector's function on a
 * lib/deadline.h worker with a time limit, every method call inside it has the same
 * limit (sd_bus_set_method_call_timeout), and a new connection's handshake six times
 * that (a wait of plumb's own: sd-bus would give it 90 s). A bus that does not answer
 * makes the
 * query return -ETIMEDOUT once the limit passes; the worker stays behind until its
 * call gives up, and until then each query returns -EBUSY at once, so no scrape waits
 * for a dead bus.
 *
 * What the query writes (the "work" area) belongs to the busclient, not the caller,
 * because an abandoned worker may still be writing there: the caller reads it only
 * after a query returned 0, and the busclient frees it once no worker uses it.
 */
#ifndef PLUMB_BUSCLIENT_H
#define PLUMB_BUSCLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "core/resources.h"

/* The address used when DBUS_SYSTEM_BUS_ADDRESS is not set (sd-bus's default). */
#define BUSCLIENT_DEFAULT_ADDRESS "unix:path=/run/dbus/system_bus_socket"

/* What a collector does with the bus. */
struct busclient_ops {
	/* On a worker thread: query bus and write the results into work. Must touch
	 * nothing but bus and work. Returns 0 or -errno; after an error the connection is
	 * closed and the next query opens a new one. */
	int (*query)(sd_bus *bus, void *work);
	/* Free what work points to (not work itself), once no worker uses it. May be NULL. */
	void (*free_work)(void *work);
};

struct busclient;

/* The socket path of the first unix:path= entry of a D-Bus address (addr[0..len)),
 * into out[cap] NUL-terminated. Returns 0, -ENOENT when the address names no such
 * path (tcp:, unix:abstract=, an escaped path: then nothing is checked before
 * connecting), or -ENAMETOOLONG. */
int busclient_socket_path(const char *addr, size_t len, char *out, size_t cap);

/* For a collector's declare(): the folder of the system bus's socket, so the sandbox
 * lets plumb reach it. Returns 0 or -errno from res_path. */
int busclient_declare(struct resources *res);

/* Load libsystemd for the collector behind flag ("--collector.systemd"), and make a
 * client whose query runs ops with a zeroed work area of work_size bytes and a time
 * limit of timeout_ms. Main thread, before the sandbox (the worker thread starts at
 * the first query). The caller owns *out (busclient_free). Returns 0, -ELIBACC (logged),
 * -EINVAL or -ENOMEM. */
int busclient_new(const char *flag, const struct busclient_ops *ops, size_t work_size,
		  int64_t timeout_ms, struct busclient **out);

/* The work area, to set up before the first query (options it reads) and to read after
 * a query returned 0. Never touch it after another result. */
void *busclient_work(struct busclient *bc);

/* Run one query. Returns 0 (work holds the results), -ENOENT when the address's socket
 * does not exist (checked first, without connecting or allocating), -ETIMEDOUT when
 * the query overran its limit (abandoned), -EBUSY when an earlier abandoned query is
 * still running, -EAGAIN when no worker could run it, or the query's -errno. */
int busclient_query(struct busclient *bc);

/* For a query: read the basic value of D-Bus type `type` ('s', 'o', 'u', 't', 'b')
 * where m stands: a number into *num (a boolean as 0 or 1), a string or object path
 * copied into str[cap]. Returns 0, -E2BIG when the string does not fit, or sd-bus's
 * -errno (-ENXIO for another type). */
int busclient_read(sd_bus_message *m, char type, uint64_t *num, char *str, size_t cap);

/* For a query: read property member of interface iface on object path of service dest,
 * as busclient_read reads a value of type `type`. Returns 0 or -errno (the call's
 * error, or busclient_read's). */
int busclient_get(sd_bus *bus, const char *dest, const char *path, const char *iface,
		  const char *member, char type, uint64_t *num, char *str, size_t cap);

/* The address in use, for logs. */
const char *busclient_address(const struct busclient *bc);

/* Free bc; a worker still running keeps the work area until its call returns. Accepts
 * NULL. */
void busclient_free(struct busclient *bc);

#endif
