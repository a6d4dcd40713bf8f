/*
 * pickmemo: remember which names of a kernel file a --collector.*.fields regex picked.
 *
 * netstat and vmstat match every field name of their files against a regex each
 * scrape, though the kernel writes the same names in the same order every time. A
 * pickmemo keeps the sequence of names met during the last pass with the regex's
 * decision for each. A pass walks the names in file order: while they equal the
 * remembered ones, the remembered decision is returned and the regex is not run; from
 * the first name that differs on, the caller runs the regex and records the decision,
 * which replaces the rest of the memory. A decision is only ever returned for the very
 * same bytes it was computed for, so the memo can cost speed but never change a pick.
 *
 * A name is given in two parts (proto and field for netstat; the caller decides how
 * they are joined for the regex, the memo compares both exactly). Memory grows with
 * the names met, up to a hard limit past which names are simply not remembered; once
 * a host's files have been seen a pass allocates nothing. One owner, one thread.
 */
#ifndef PLUMB_PICKMEMO_H
#define PLUMB_PICKMEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PICKMEMO_MAX ((size_t)1 << 20) /* bytes of remembered names, at most */

struct pickmemo {
	char *mem;   /* owned: records (u32 alen, u32 blen, u8 pick, a, b), in pass order */
	size_t len;  /* bytes of records */
	size_t cap;  /* allocated bytes of mem */
	size_t at;   /* offset of the next record to compare in this pass */
};

/* Start a pass from the first remembered name. Accepts a zeroed memo. */
static inline void pickmemo_rewind(struct pickmemo *m)
{
	m->at = 0;
}

/* Look up the next name a[0..alen) b[0..blen) of this pass. Returns 1 (picked) or 0
 * (not picked) when it equals the name remembered at this position, and moves on;
 * -ENOENT when it does not, or nothing is remembered here: then run the regex and
 * call pickmemo_record with the same name. */
int pickmemo_next(struct pickmemo *m, const char *a, size_t alen, const char *b,
		  size_t blen);

/* Remember `pick` for the name just looked up (after -ENOENT), replacing whatever was
 * remembered from this position on. Returns 0, or -ENOMEM/-E2BIG when it could not be
 * remembered (harmless: the name is then looked up again next pass). */
int pickmemo_record(struct pickmemo *m, const char *a, size_t alen, const char *b,
		    size_t blen, bool pick);

/* Free the memory; accepts a zeroed memo; the memo is empty and usable afterwards. */
void pickmemo_fini(struct pickmemo *m);

#endif
