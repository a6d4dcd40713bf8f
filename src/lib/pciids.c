/*
 * pciids: building and searching the PCI ID database (see pciids.h for the format and
 * the keys). Parsing follows node_exporter's reading of the file line by line with the
 * same context rules, so the same odd file gives the same names.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/pciids.h"
#include "lib/sort.h"

#define PCIIDS_LINE_MAX ((size_t)64 << 10) /* Go's bufio.Scanner gives up on longer lines */
#define PCIIDS_MAX_ENTRIES (4u << 20)

/* What the parser remembers between lines: spans into the input. */
struct ctx {
	struct span vendor, device, base_class, subclass_key;
	char subclass[64]; /* base class + subclass id, as the progif prefix */
	size_t subclass_len;
	bool in_class;
	uint32_t seq;
};

/* Split line at the first double space into trimmed id and name. Returns false
 * when it has none. */
static bool split_id(struct span line, struct span *id, struct span *name)
{
	for (size_t i = 0; i + 1 < line.len; i++) {
		if (line.p[i] == ' ' && line.p[i + 1] == ' ') {
			*id = span_trim((struct span){ line.p, i });
			*name = span_trim((struct span){ line.p + i + 2, line.len - i - 2 });
			return true;
		}
	}
	return false;
}

/* Append the parts of a key (joined by nothing; callers pass separators as parts) and
 * the name to the arena, and index them. Returns 0 or -errno. */
static int add(struct pciids *db, struct ctx *cx, enum pciids_kind kind, const struct span *parts,
	       size_t nparts, struct span name)
{
	struct pciids_entry e = { .kind = (uint8_t)kind, .seq = cx->seq++ };
	int r = 0;
	if (db->n >= PCIIDS_MAX_ENTRIES)
		return -E2BIG;
	if (db->n == db->cap) {
		r = grow_array((void **)&db->e, &db->cap, db->n + 1, sizeof(*db->e));
		if (r < 0)
			return r;
	}
	e.key_off = (uint32_t)db->arena.len;
	for (size_t i = 0; r == 0 && i < nparts; i++)
		r = buf_append(&db->arena, parts[i].p, parts[i].len);
	e.key_len = (uint32_t)(db->arena.len - e.key_off);
	e.name_off = (uint32_t)db->arena.len;
	if (r == 0)
		r = buf_append(&db->arena, name.p, name.len);
	e.name_len = (uint32_t)(db->arena.len - e.name_off);
	if (r < 0)
		return r;
	db->e[db->n++] = e;
	return 0;
}

/* One line (without its end). Returns 0 or -errno. */
static int parse_line(struct pciids *db, struct ctx *cx, struct span line)
{
	struct span id, name;
	bool tab1 = line.len >= 1 && line.p[0] == '\t';
	bool tab2 = line.len >= 2 && tab1 && line.p[1] == '\t';
	bool tab3 = line.len >= 3 && tab2 && line.p[2] == '\t';
	if (line.len == 0 || line.p[0] == '#')
		return 0;
	if (span_starts(line, "C ")) {
		if (!split_id(line, &id, &name))
			return 0;
		id = span_trim((struct span){ id.p + 1, id.len - 1 }); /* id starts with "C" */
		cx->base_class = id;
		cx->in_class = true;
		return add(db, cx, PCIIDS_CLASS, &id, 1, name);
	}
	if (tab1 && !tab2 && cx->in_class) {
		line.p++, line.len--;
		if (!split_id(line, &id, &name) || cx->base_class.len == 0)
			return 0;
		if (cx->base_class.len + id.len > sizeof(cx->subclass))
			return 0; /* no real class id is this long */
		memcpy(cx->subclass, cx->base_class.p, cx->base_class.len);
		memcpy(cx->subclass + cx->base_class.len, id.p, id.len);
		cx->subclass_len = cx->base_class.len + id.len;
		struct span key = { cx->subclass, cx->subclass_len };
		return add(db, cx, PCIIDS_SUBCLASS, &key, 1, name);
	}
	if (tab2 && !tab3 && cx->in_class) {
		line.p += 2, line.len -= 2;
		if (!split_id(line, &id, &name) || cx->subclass_len == 0)
			return 0;
		struct span parts[2] = { { cx->subclass, cx->subclass_len }, id };
		return add(db, cx, PCIIDS_PROGIF, parts, 2, name);
	}
	if (!tab1) {
		if (!split_id(line, &id, &name))
			return 0;
		cx->vendor = id;
		cx->device = (struct span){ NULL, 0 };
		cx->in_class = false;
		return add(db, cx, PCIIDS_VENDOR, &id, 1, name);
	}
	if (!tab2) {
		line.p++, line.len--;
		if (!split_id(line, &id, &name) || cx->vendor.len == 0)
			return 0;
		cx->device = id;
		struct span parts[3] = { cx->vendor, SPAN_LIT("\n"), id };
		return add(db, cx, PCIIDS_DEVICE, parts, 3, name);
	}
	line.p += 2, line.len -= 2;
	if (!split_id(line, &id, &name) || cx->vendor.len == 0 || cx->device.len == 0)
		return 0;
	struct span sv, sd, extra;
	if (!span_word(&id, &sv) || !span_word(&id, &sd) || span_word(&id, &extra))
		return 0; /* a subsystem is exactly "vendor device" */
	struct span parts[7] = { cx->vendor, SPAN_LIT(":"), cx->device, SPAN_LIT("\n"),
				 sv,	     SPAN_LIT(":"), sd };
	return add(db, cx, PCIIDS_SUBSYS, parts, 7, name);
}

/* Order by kind, key bytes, then line order. */
static int cmp_entry(const void *a, const void *b, void *ctx)
{
	const struct pciids_entry *x = a, *y = b;
	const char *arena = ctx;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = n ? memcmp(arena + x->key_off, arena + y->key_off, n) : 0;
	if (c)
		return c;
	if (x->key_len != y->key_len)
		return x->key_len < y->key_len ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int pciids_parse(struct pciids *db, const char *buf, size_t len)
{
	struct cursor cur = cursor_init(buf, len);
	struct ctx cx = { 0 };
	struct span line;
	int r = 0;
	db->arena.max = (size_t)PCIIDS_MAX * 2;
	while (r == 0 && cursor_line(&cur, &line)) {
		if (line.len >= PCIIDS_LINE_MAX)
			break;
		if (line.len && line.p[line.len - 1] == '\r')
			line.len--;
		r = parse_line(db, &cx, line);
	}
	if (db->arena.p)
		sort_heap(db->e, db->n, sizeof(*db->e), cmp_entry, db->arena.p);
	return r;
}

bool pciids_lookup(const struct pciids *db, enum pciids_kind kind, struct span key,
		   struct span *name)
{
	struct pciids_entry probe = { .kind = (uint8_t)kind, .seq = UINT32_MAX };
	size_t lo = 0, hi = db->n;
	if (!db->n)
		return false;
	/* compare key with entry i, as cmp_entry would with a probe whose seq is largest */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct pciids_entry *e = &db->e[mid];
		int c;
		if (e->kind != probe.kind) {
			c = e->kind < probe.kind ? -1 : 1;
		} else {
			size_t n = e->key_len < key.len ? e->key_len : key.len;
			c = n ? memcmp(db->arena.p + e->key_off, key.p, n) : 0;
			if (c == 0)
				c = e->key_len < key.len ? -1 : e->key_len > key.len ? 1 : -1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return false;
	const struct pciids_entry *e = &db->e[lo - 1]; /* the last entry not after key */
	if (e->kind != kind || e->key_len != key.len ||
	    (key.len && memcmp(db->arena.p + e->key_off, key.p, key.len) != 0))
		return false;
	*name = (struct span){ db->arena.p + e->name_off, e->name_len };
	return true;
}

void pciids_fini(struct pciids *db)
{
	buf_fini(&db->arena);
	free(db->e);
	memset(db, 0, sizeof(*db));
}
