/*
 * net_tmp.h: temporary fixture trees under /tmp for the network collectors' tests.
 * tmp_tree() makes a fresh directory; tmp_put() writes one file in it (creating
 * parent directories). Removal is left to tmp_rm() (rm -rf of our own mkdtemp dir).
 */
#ifndef PLUMB_NET_TMP_H
#define PLUMB_NET_TMP_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Make a fresh temporary directory; its path goes to dir[PATH_MAX]. 0 or -1. */
static inline int tmp_tree(char *dir)
{
	snprintf(dir, PATH_MAX, "/tmp/plumb-net-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

/* Write text to dir/rel, making parent directories. 0 or -1. */
static inline int tmp_put(const char *dir, const char *rel, const char *text)
{
	char path[PATH_MAX];
	if (strlen(dir) + strlen(rel) + 2 > sizeof(path))
		return -1;
	snprintf(path, sizeof(path), "%.2000s/%.2000s", dir, rel);
	for (char *p = path + strlen(dir) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -1;
}

/* Remove a tree made by tmp_tree. */
static inline void tmp_rm(const char *dir)
{
	char cmd[PATH_MAX + 16];
	if (strncmp(dir, "/tmp/plumb-net-", 15) != 0)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* Run collectors (extra flags) with --path.procfs and --path.sysfs at dir/proc and
 * dir/sys, and --collector.disable-defaults. */
static inline int harness_run_tmp(const char *dir, const char *const *extra, struct buf *out)
{
	static char paths[2][PATH_MAX + 32];
	snprintf(paths[0], sizeof(paths[0]), "--path.procfs=%.4000s/proc", dir);
	snprintf(paths[1], sizeof(paths[1]), "--path.sysfs=%.4000s/sys", dir);
	const char *flags[64] = { paths[0], paths[1], "--collector.disable-defaults" };
	size_t n = 3;
	for (size_t i = 0; extra[i] && n < 63; i++)
		flags[n++] = extra[i];
	flags[n] = NULL;
	return harness_run(flags, out);
}

#endif
