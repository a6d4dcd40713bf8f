/*
 * test_memtrim: lib/memtrim gives back the resident pages of read-only private file
 * mappings and nothing else.
 *
 * - a read-only mapping of a file this test wrote, every page touched, is resident
 *   before and not after, and still reads the file's bytes;
 * - a private mapping the test wrote to and then made read-only keeps its own bytes
 *   (smaps counts them as Anonymous, so it is left alone);
 * - a writable mapping keeps its pages;
 * - smaps text with garbage, reversed ranges and lines longer than the reader's
 *   buffer picks nothing and crashes nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/memtrim.h"
#include "t.h"

#define PAGES 32

/* Resident kB of the mapping starting at addr, from /proc/self/smaps; -1 if absent. */
static long rss_kb(const void *addr)
{
	char line[512], want[32];
	long kb = -1;
	bool in = false;
	FILE *f = fopen("/proc/self/smaps", "r");
	snprintf(want, sizeof(want), "%lx-", (unsigned long)(uintptr_t)addr);
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if ((line[0] >= '0' && line[0] <= '9') || (line[0] >= 'a' && line[0] <= 'f'))
			in = strncmp(line, want, strlen(want)) == 0; /* a mapping's header */
		else if (in && strncmp(line, "Rss:", 4) == 0) {
			kb = strtol(line + 4, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

/* Make a file of PAGES pages, page i filled with byte 'a' + i % 26; its fd or -errno.
 * The caller unlinks path (a deleted file's mapping is not given back). */
static int page_file(char *path, size_t pagesz)
{
	int fd = mkstemp(path);
	if (fd < 0)
		return -errno;
	char *page = malloc(pagesz);
	for (int i = 0; page && i < PAGES; i++) {
		memset(page, 'a' + i % 26, pagesz);
		if (write(fd, page, pagesz) != (ssize_t)pagesz)
			break;
	}
	free(page);
	return fd;
}

static void gives_back_clean_pages(void)
{
	size_t pagesz = (size_t)sysconf(_SC_PAGESIZE), len = PAGES * pagesz, bytes = 0;
	char path[] = "/tmp/test_memtrim.XXXXXX";
	int fd = page_file(path, pagesz);
	CHECK(fd >= 0);
	char *ro = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	char *cow = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	char *rw = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(ro != MAP_FAILED && cow != MAP_FAILED && rw != MAP_FAILED);
	volatile char sum = 0;
	for (size_t i = 0; i < len; i += pagesz) {
		sum += ro[i];
		sum += rw[i];
		cow[i] = 'Z'; /* a private copy of each page */
	}
	(void)sum;
	CHECK_INT(mprotect(cow, len, PROT_READ), 0);
	CHECK_INT((int)rss_kb(ro), (int)(len >> 10));
	CHECK_INT(memtrim_file_pages("/proc/self/smaps", &bytes), 0);
	CHECK(bytes >= len);
	CHECK_INT((int)rss_kb(ro), 0);           /* given back */
	CHECK_INT((int)rss_kb(rw), (int)(len >> 10)); /* writable: kept */
	CHECK_INT((int)rss_kb(cow), (int)(len >> 10)); /* its own copies: kept */
	for (int i = 0; i < PAGES; i++) {
		CHECK_INT(ro[i * pagesz + 7], 'a' + i % 26); /* the file's bytes, faulted back */
		CHECK_INT(cow[i * pagesz], 'Z');
		CHECK_INT(cow[i * pagesz + 1], 'a' + i % 26);
	}
	munmap(ro, len);
	munmap(cow, len);
	munmap(rw, len);
	close(fd);
	unlink(path);
}

/* Feed text to memtrim_line line by line; the number of mappings picked. */
static size_t picked(const char *text, struct memtrim *t)
{
	memset(t, 0, sizeof(*t));
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		memtrim_line(t, p, len);
		p += len + (nl ? 1 : 0);
	}
	memtrim_end(t);
	return t->n;
}

static void picks_only_qualifying_mappings(void)
{
	static struct memtrim t;
	CHECK_INT((int)picked("7f00-7f10 r-xp 00000000 08:01 42 /lib/x.so\n"
			      "Size:  64 kB\nAnonymous:  0 kB\n"
			      "7f10-7f20 r--p 00001000 08:01 42 /lib/x.so\nAnonymous:  4 kB\n"
			      "7f20-7f30 rw-p 00002000 08:01 42 /lib/x.so\nAnonymous:  0 kB\n"
			      "7f30-7f40 r--s 00000000 08:01 43 /dev/shm/y\nAnonymous:  0 kB\n"
			      "7f40-7f50 r--p 00000000 00:00 0 \nAnonymous:  0 kB\n"
			      "7f50-7f60 r--p 00000000 08:01 44 /tmp/z (deleted)\nAnonymous:  0 kB\n"
			      "7f60-7f70 r--p 00000000 08:01 45 /lib/no-anon-line.so\n"
			      "7f80-7f70 r--p 00000000 08:01 46 /lib/reversed.so\nAnonymous:  0 kB\n",
			      &t),
		  1);
	CHECK(t.ranges[0][0] == 0x7f00 && t.ranges[0][1] == 0x7f10);
	CHECK_INT((int)picked("garbage\n-\n7f-\nffffffffffffffffffff-1 r--p 0 0:0 0 /x\n"
			      "Anonymous: 0 kB\n\n\n",
			      &t),
		  0);
}

static void long_lines_are_skipped(void)
{
	char path[] = "/tmp/test_memtrim_smaps.XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	FILE *f = fdopen(fd, "w");
	/* an unmapped range with a path longer than the reader's buffer, then garbage */
	fprintf(f, "10000-20000 r--p 00000000 08:01 42 /");
	for (int i = 0; i < 20000; i++)
		fputc('a', f);
	fprintf(f, "\nAnonymous: 0 kB\nnot smaps at all");
	fclose(f);
	size_t bytes = 1;
	CHECK_INT(memtrim_file_pages(path, &bytes), 0);
	CHECK(bytes == 0);
	CHECK_INT(memtrim_file_pages("/nonexistent/smaps", &bytes), -ENOENT);
	unlink(path);
}

int main(void)
{
	RUN(gives_back_clean_pages);
	RUN(picks_only_qualifying_mappings);
	RUN(long_lines_are_skipped);
	return T_DONE("test_memtrim");
}
