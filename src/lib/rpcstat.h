/*
 * rpcstat: what the NFS client and server statistics files have in common.
 *
 * /proc/net/rpc/nfs (the nfs collector) and /proc/net/rpc/nfsd (nfsd) are lines of a
 * key and unsigned decimal counters: "net 70 70 69 45", "proc3 22 0 1061909262 ...".
 * A procN line starts with how many counters follow, then one counter per procedure of
 * that protocol version. Both collectors split lines the same way and name the
 * NFSv2 and NFSv3 procedures the same way, so that lives here.
 */
#ifndef PLUMB_RPCSTAT_H
#define PLUMB_RPCSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/strparse.h"

/* Procedures counted on a proc2 and a proc3 line, in the kernel's order (NULL first). */
#define RPCSTAT_V2_PROCS 18
#define RPCSTAT_V3_PROCS 22
extern const char *const rpcstat_v2_procs[RPCSTAT_V2_PROCS];
extern const char *const rpcstat_v3_procs[RPCSTAT_V3_PROCS];

/* Parse at most limit words of *rest as unsigned decimals (digits only, as Go's
 * strconv.ParseUint takes them), advancing *rest past them: v[0..cap) gets the first
 * cap values, *n how many words were parsed (which may exceed cap). Returns 0, or
 * -EINVAL for a word that is not such a number (or overflows). */
int rpcstat_u64s(struct span *rest, size_t limit, uint64_t *v, size_t cap, size_t *n);

/* Whether the n values of a procN line are well formed: v[0] says how many follow,
 * exactly n - 1 do, and that is at least min. */
static inline bool rpcstat_proc_ok(const uint64_t *v, size_t n, size_t min)
{
	return n >= 1 && v[0] == (uint64_t)(n - 1) && n - 1 >= min;
}

#endif
