/*
 * resources: what each part of plumb says it needs, and the one place that grants it.
 *
 * At start-up, before anything is opened, every enabled collector (its ops->declare)
 * and every other part (HTTP, health, push) declares here: the paths it reads outside
 * the --path.* roots, the paths it writes, which of them the privilege broker may open
 * or statfs for it, and how many descriptors it would like to hold open across
 * collections. res_plan() then raises the soft RLIMIT_NOFILE to the hard limit once,
 * keeps a reserve for transient opens, and splits the rest between the claims,
 * max-min fair: claims that want less than an equal share get all they want, and the
 * large ones (connections, the container collector's held cgroup files) share what is
 * left equally. Each part reads its grant before it starts. The sandbox's Landlock
 * rules and the broker's allowed roots are read from the same declarations, so no
 * module reads another module's flags to learn what it needs.
 *
 * A struct resources is filled by one thread at start-up and read-only afterwards.
 */
#ifndef PLUMB_RESOURCES_H
#define PLUMB_RESOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RES_MAX_PATHS 64
#define RES_ROOM (32u << 10)   /* bytes for the declared paths' text */
#define RES_MAX_CLAIMS 128
/* Descriptors kept out of every grant: the listen sockets, the log, netlink and
 * transient opens (a textfile, a sysfs attribute read once), the broker's channels. */
#define RES_RESERVE 64
/* A claim for as many descriptors as the limit allows (the container collector's held
 * cgroups): never logged as short. */
#define RES_AS_MANY (UINT64_C(1) << 20)
/* What a part that claims nothing is assumed to hold (a procfile or two); counted in
 * the reserve for each such part. */
#define RES_SMALL 4

enum res_flags {
	RES_READ = 0,            /* read files and list folders beneath the path */
	RES_WRITE = 1u << 0,     /* also create, write, rename and delete beneath it */
	RES_BROKER_OPEN = 1u << 1, /* the broker may open files beneath it read-only */
	RES_BROKER_STATFS = 1u << 2, /* the broker may statfs paths beneath it */
};

struct res_claim {
	const char *who;   /* for logs: "collector container", "http"; borrowed */
	uint64_t want;     /* descriptors it would like to hold */
	uint64_t granted;  /* what res_plan gave it (<= want) */
};

struct resources {
	char room[RES_ROOM];            /* the paths' text, NUL-separated */
	size_t used;
	uint32_t path_off[RES_MAX_PATHS];
	unsigned path_flags[RES_MAX_PATHS];
	size_t npaths;
	struct res_claim claims[RES_MAX_CLAIMS];
	size_t nclaims;
	size_t nsmall;    /* parts that hold a few descriptors without a claim */
	uint64_t limit;   /* the soft descriptor limit res_plan settled on */
	uint64_t reserve; /* descriptors res_plan kept out of the grants */
};

/* Start an empty set of declarations. */
void res_init(struct resources *r);

/* Declare root/rel (root may be NULL or "" for rel alone; rel may be NULL or "" for
 * root alone) with flags (enum res_flags). A path declared twice keeps the union of its
 * flags. NULL or empty paths are ignored. The text is copied. Returns 0, or -E2BIG when
 * the table or the room is full, -ENAMETOOLONG when the joined path does not fit
 * PATH_MAX. */
int res_path(struct resources *r, const char *root, const char *rel, unsigned flags);

/* Claim want descriptors to hold for who (a static string). Returns the claim's id
 * (>= 0) for res_granted, or -E2BIG when the table is full. */
int res_claim(struct resources *r, const char *who, uint64_t want);

/* Note one part that holds a few descriptors (RES_SMALL) without claiming them. */
void res_small(struct resources *r);

/* Raise the soft RLIMIT_NOFILE to the hard limit (a failure leaves it as it is), then
 * split it between the claims (res_split) after the reserve. Logs, at info, each claim
 * that got less than it wanted (the part says more if that matters to it). Returns 0 or -errno from getrlimit. */
int res_plan(struct resources *r);

/* The split itself, for res_plan and the tests: give avail descriptors to the n claims,
 * max-min fair (see the top of this file), setting each claim's granted. Claims are
 * not reordered. */
void res_split(uint64_t avail, struct res_claim *claims, size_t n);

/* The grant of claim id (0 for an id that is negative or unknown). */
uint64_t res_granted(const struct resources *r, int id);

/* The i-th declared path and its flags, i < r->npaths. */
static inline const char *res_path_at(const struct resources *r, size_t i, unsigned *flags)
{
	*flags = r->path_flags[i];
	return r->room + r->path_off[i];
}

#endif
