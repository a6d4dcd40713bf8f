/*
 * drm: the parsers of the drm collector (AMD GPUs under /sys/class/drm), exposed for
 * tests and the fuzz target.
 */
#ifndef PLUMB_COLLECTOR_DRM_H
#define PLUMB_COLLECTOR_DRM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo/sink.h"
#include "lib/strparse.h"
#include "lib/sysfs.h"

#define DRM_NNUM 7 /* numeric attributes: gpu_busy_percent, mem_info_* sizes */
#define DRM_NSTR 3 /* text attributes: VRAM vendor, performance level, unique id */
/* Room for a label from one attribute made valid UTF-8 (a bad byte becomes 3 bytes). */
#define DRM_LABEL_MAX (SYSFS_ATTR_MAX * 3 + 1)

/* The attribute files of a card's device directory, as drm_card_record knows them. */
extern const char *const drm_num_files[DRM_NNUM];
extern const char *const drm_str_files[DRM_NSTR];

/* What one card's attributes said. Set it up with drm_card_reset before recording. */
struct drm_card {
	uint64_t num[DRM_NNUM]; /* 0 when the attribute was not read, as node_exporter */
	char str[DRM_NSTR][DRM_LABEL_MAX]; /* NUL-terminated, "" when not read */
};

/* Whether class entry `name` is one node_exporter looks at: "card" and one digit
 * (its glob card[0-9]), so neither card10 nor card0-DP-1. */
bool drm_card_name(const char *name);

/* Whether a device's uevent text (as read: its first SYSFS_ATTR_MAX bytes) names the
 * amdgpu driver: "DRIVER=amdgpu" anywhere in it, as node_exporter matches it. */
bool drm_is_amdgpu(struct span uevent);

/* Empty c: every count 0, every text "". */
void drm_card_reset(struct drm_card *c);

/* Record attribute `file` (others are ignored) with trimmed content value. A count is
 * read as Go's strconv.ParseUint(value, 0, 64) (so "0x10" is 16). Returns 0, or
 * -EINVAL / -ERANGE when a count is not such a number: node_exporter crashes on that,
 * plumb fails the collection. */
int drm_card_record(struct drm_card *c, const char *file, struct span value);

/* Emit node_drm_card_info and the seven gauges of card `card` (vendor "amd").
 * Returns 0 or -errno from the sink. */
int drm_card_emit(const struct drm_card *c, const char *card, struct metric_sink *out);

#endif
