/*
 * podlogs: names for pods and containers, from kubelet's log directories.
 *
 * cgroups only carry a pod UID and a container ID; cAdvisor's labels want the
 * namespace, pod and container names. Kubelet already writes them into its log
 * layout, which plumb can read without talking to any API:
 *   /var/log/pods/<namespace>_<pod>_<uid>/                 one directory per pod
 *   /var/log/containers/<pod>_<namespace>_<container>-<id>.log   one link per container
 * Namespaces, pod and container names are DNS labels or subdomains (lowercase
 * alphanumerics, '-', '.'; never '_'), the UID is a UUID (or a 32-hex hash for static
 * pods) and the ID is 64 hex digits, so a name splits unambiguously; a name that does
 * not follow those rules is rejected rather than guessed at.
 *
 * The parsers of one entry name are pure functions. The table object lists both
 * directories and keeps sorted lookup tables pointing into one grow-only string
 * buffer; it is rebuilt only when a directory's mtime (or inode) changed, so a steady
 * state allocates nothing. One thread at a time.
 */
#ifndef PLUMB_PODLOGS_H
#define PLUMB_PODLOGS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/dirscan.h"
#include "lib/strparse.h"

#define PODLOGS_MAX_ENTRIES 65536u /* per table; more entries are ignored */

/* "<namespace>_<pod>_<uid>": spans point into the input name. */
struct podlogs_pod_name {
	struct span ns, pod, uid;
};
/* Split a /var/log/pods entry name. Returns 0 or -EINVAL (not kubelet's layout). */
int podlogs_parse_pod_dir(struct span name, struct podlogs_pod_name *out);

/* "<pod>_<namespace>_<container>-<id>.log": spans point into the input name. */
struct podlogs_ctr_name {
	struct span pod, ns, container, id;
};
/* Split a /var/log/containers entry name. Returns 0 or -EINVAL. */
int podlogs_parse_container_file(struct span name, struct podlogs_ctr_name *out);

/* Lookup results: NUL-terminated strings owned by the table, valid until the next
 * podlogs_refresh() or podlogs_fini(). */
struct podlogs_pod_info {
	const char *ns, *pod;
};
struct podlogs_ctr_info {
	const char *container, *pod, *ns;
};

struct podlogs_pod_ent; /* internal: offsets into str */
struct podlogs_ctr_ent;

struct podlogs {
	struct dirscan pods_dir, ctrs_dir;
	bool built;                        /* a table was built at least once */
	struct timespec pods_mtime, ctrs_mtime;
	unsigned long long pods_ino, ctrs_ino;
	struct buf str;                    /* every string, NUL-separated */
	struct podlogs_pod_ent *pods;
	uint32_t npods, cap_pods;
	struct podlogs_ctr_ent *ctrs;
	uint32_t nctrs, cap_ctrs;
};

/* Set pl up for root/pods_rel and root/ctrs_rel (e.g. "/", "var/log/pods",
 * "var/log/containers"); nothing is read yet. Returns 0 or -ENAMETOOLONG. */
int podlogs_init(struct podlogs *pl, const char *root, const char *pods_rel,
		 const char *ctrs_rel);
/* Rebuild the tables if either directory changed since the last build. A directory
 * that does not exist gives an empty table (not an error). Returns 1 when rebuilt, 0
 * when unchanged, or -errno (-ENOMEM; the tables are then empty). */
int podlogs_refresh(struct podlogs *pl);
/* Find a pod by UID (with dashes). Returns 0, or -ENOENT. */
int podlogs_pod(const struct podlogs *pl, struct span uid, struct podlogs_pod_info *out);
/* Find a container by its 64-hex ID. Returns 0, or -ENOENT. */
int podlogs_container(const struct podlogs *pl, struct span id, struct podlogs_ctr_info *out);
/* Free everything; accepts a zeroed or half-initialised pl. */
void podlogs_fini(struct podlogs *pl);

#endif
