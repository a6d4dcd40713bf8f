/*
 * memtrim: give back the pages of read-only file mappings that start-up touched.
 *
 * Loading plumb's libraries runs their constructors (gnutls, which libmicrohttpd
 * pulls in, and p11-kit under it, read much of their code and tables), and start-up
 * touches code a scrape never runs again. Those pages stay mapped, and counted in
 * plumb's proportional set size, for the life of the process. memtrim_file_pages()
 * unmaps the resident pages of every private file mapping that cannot be written and
 * holds no page of its own (smaps' Anonymous: 0): their contents are the file's, so
 * a page a later scrape needs comes back from the page cache on its first touch, and
 * a page nothing needs stays out. Mappings with private copies (relocated data
 * protected read-only after the loader wrote it) are left alone: dropping them would
 * bring back the file's bytes in place of the relocated ones.
 */
#ifndef PLUMB_MEMTRIM_H
#define PLUMB_MEMTRIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEMTRIM_MAX 512 /* mappings given back at most; plumb has ~150 */

/* What the reader of smaps has found: the mappings to give back, ranges[0..n). */
struct memtrim {
	uintptr_t start, end; /* the mapping being read */
	bool candidate;       /* private, not writable, backed by a file */
	bool anon_zero;       /* its Anonymous: line said 0 */
	uintptr_t ranges[MEMTRIM_MAX][2];
	size_t n;
};

/* Take one line of smaps text (line[0..len), no newline) into t, which starts zeroed.
 * Any text is accepted; lines that are not a mapping's header or its Anonymous: field
 * are ignored. memtrim_end(t) closes the last mapping. Neither allocates. */
void memtrim_line(struct memtrim *t, const char *line, size_t len);
void memtrim_end(struct memtrim *t);

/* Read smaps_path (/proc/self/smaps; a test may name another file of that format, for
 * this process) and unmap the pages of the mappings described above. *bytes, if not
 * NULL, gets the total length of the ranges given back. Allocates nothing; call it
 * before a sandbox hides /proc. Returns 0 or -errno (the file could not be read). */
int memtrim_file_pages(const char *smaps_path, size_t *bytes);

#endif
