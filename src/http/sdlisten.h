/*
 * sdlisten: listening sockets handed over by systemd's socket activation.
 *
 * With --web.systemd-socket, plumb serves on the sockets its service manager opened
 * for it (a .socket unit, or systemd-socket-activate) instead of binding
 * --web.listen-address, as node_exporter does with the same flag. The protocol is
 * sd_listen_fds(3)'s, written out here rather than linked from libsystemd: LISTEN_PID
 * names the process the sockets are for, LISTEN_FDS how many there are, from
 * descriptor 3 up. Each must be a listening stream socket (TCP or a Unix socket);
 * anything else (Accept=yes connections, datagram sockets) is refused by name.
 */
#ifndef PLUMB_SDLISTEN_H
#define PLUMB_SDLISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/config.h"

#define SDLISTEN_FIRST_FD 3 /* SD_LISTEN_FDS_START */

/* --web.systemd-socket, listed in src/core/modules.c. */
extern const struct flag_def sdlisten_flags[];

/* Whether cfg asks for systemd's sockets (--web.systemd-socket). */
bool sdlisten_enabled(const struct plumb_config *cfg);

/* Read the variables' values (NULL when unset) for process self: *count gets how many
 * descriptors were passed. Returns 0, -ENOENT when none were passed or they are for
 * another process (LISTEN_PID differs), or -EINVAL for a value that is not a number or
 * a count beyond INT_MAX - 3. */
int sdlisten_parse(const char *listen_pid, const char *listen_fds, pid_t self,
		   unsigned *count);

/* Take the sockets passed to this process: check each (a listening stream socket),
 * mark it close-on-exec and put it in fds[0..*n), then unset LISTEN_PID, LISTEN_FDS
 * and LISTEN_FDNAMES so that no child inherits them. The caller owns the descriptors.
 * Call once, before any thread starts. Returns 0, or -errno after logging why:
 * -ENOENT (none passed), -EBADMSG (malformed variables), -ENOTSOCK (a descriptor that
 * is not a listening stream socket), -E2BIG (more than cap). On error no descriptor is taken
 * and none is closed: a count that does not match what was passed could name
 * descriptors plumb opened itself, and start-up stops anyway. */
int sdlisten_take(int *fds, size_t cap, size_t *n);

#endif
