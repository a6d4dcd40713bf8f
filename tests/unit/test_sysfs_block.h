/*
 * test_sysfs_block.h: small helpers for building temporary sysfs trees in tests of the
 * edac, thermal_zone and powersupplyclass collectors.
 */
#ifndef PLUMB_TEST_SYSFS_BLOCK_H
#define PLUMB_TEST_SYSFS_BLOCK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Write text to root/rel, creating parent directories. */
static inline void tree_put(const char *root, const char *rel, const char *text)
{
	char path[4096], cmd[4200];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	if (system(cmd) != 0)
		return;
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

/* Remove a temporary tree. */
static inline void tree_rm(const char *root)
{
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", root);
}

#endif
