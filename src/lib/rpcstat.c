/*
 * rpcstat: line splitting and procedure names for the sunrpc statistics files. See
 * rpcstat.h.
 */
#include "lib/rpcstat.h"

#include <errno.h>

/* The names node_exporter gives the procedures (its label values). */
const char *const rpcstat_v2_procs[RPCSTAT_V2_PROCS] = {
	"Null",     "GetAttr",  "SetAttr",  "Root",     "Lookup",   "ReadLink",
	"Read",     "WrCache",  "Write",    "Create",   "Remove",   "Rename",
	"Link",     "SymLink",  "MkDir",    "RmDir",    "ReadDir",  "FsStat",
};

const char *const rpcstat_v3_procs[RPCSTAT_V3_PROCS] = {
	"Null",        "GetAttr",     "SetAttr",     "Lookup",      "Access",      "ReadLink",
	"Read",        "Write",       "Create",      "MkDir",       "SymLink",     "MkNod",
	"Remove",      "RmDir",       "Rename",      "Link",        "ReadDir",     "ReadDirPlus",
	"FsStat",      "FsInfo",      "PathConf",    "Commit",
};

int rpcstat_u64s(struct span *rest, size_t limit, uint64_t *v, size_t cap, size_t *n)
{
	struct span w;
	size_t k = 0;
	while (k < limit && span_word(rest, &w)) {
		uint64_t x;
		if (span_u64(w, &x) < 0)
			return -EINVAL;
		if (k < cap)
			v[k] = x;
		k++;
	}
	*n = k;
	return 0;
}
