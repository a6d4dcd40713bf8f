/*
 * bundle: a container's image and Kubernetes identity, from the record its runtime
 * writes on disk, with no API call.
 *
 * containerd keeps each task's OCI bundle (config.json, with io.kubernetes.cri.*
 * annotations), CRI-O its containers' config.json (io.kubernetes.cri-o.* and
 * io.kubernetes.pod.* annotations), docker and cri-dockerd a config.v2.json (Config.Image
 * and Config.Labels). bundle_lookup finds the record of one container ID under a root
 * directory (--path.rootfs) and bundle_parse reads it with jansson. The records are
 * written by the runtime but hold what the pod's author chose (names, image references),
 * so they are read with a size bound, and a value that is not valid UTF-8, holds a
 * control character or is too long is dropped, never passed on as a label.
 */
#ifndef PLUMB_BUNDLE_H
#define PLUMB_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "lib/cgident.h"

#define BUNDLE_MAX_BYTES (1u << 20) /* larger records are refused (-EFBIG) */
#define BUNDLE_IMAGE_MAX 512        /* an image reference kept, with its NUL */
#define BUNDLE_NAME_MAX 256         /* a name kept, with its NUL */

enum bundle_format {
	BUNDLE_OCI = 0, /* an OCI runtime config.json (containerd, CRI-O) */
	BUNDLE_DOCKER,  /* docker's config.v2.json */
};

/* What a record says. Each field is "" when the record does not say it, or says it in a
 * form that cannot be a label value. */
struct bundle_ident {
	char image[BUNDLE_IMAGE_MAX];
	char name[BUNDLE_NAME_MAX];      /* the runtime's own container name (CRI-O, docker) */
	char container[BUNDLE_NAME_MAX]; /* Kubernetes' container name ("POD" for CRI-O's and
					    docker's sandboxes, as their labels say) */
	char pod[BUNDLE_NAME_MAX];
	char ns[BUNDLE_NAME_MAX];
	char pod_uid[BUNDLE_NAME_MAX];
	bool sandbox;                    /* the pod's sandbox (pause) container */
};

/* Where the runtimes keep their records, relative to the root: folders holding one
 * entry per container ID. NULL-terminated; for declaring them to the sandbox. */
extern const char *const bundle_dirs[];

/* Parse the record text[0..len) of format fmt into *out (fully overwritten). Returns 0,
 * -EFBIG when len exceeds BUNDLE_MAX_BYTES, -EINVAL when it is not a JSON object, or
 * -ENOMEM. A well-formed record with none of the keys gives 0 and empty fields. */
int bundle_parse(const char *text, size_t len, enum bundle_format fmt, struct bundle_ident *out);

/* Open path (relative to dirfd) for reading without blocking, and refuse what is not a
 * regular file; st gets its fstat. Returns the descriptor (the caller closes it) or
 * -errno (-EMEDIUMTYPE for a FIFO, socket or device). The contract of regfile_open. */
int bundle_open(int dirfd, const char *path, struct stat *st);

/* Find and parse the record of container id (64 hex digits) run by rt under the
 * directory rootfd: only rt's places, or every runtime's for CG_RT_UNKNOWN (a cgroupfs
 * driver's bare ID). Returns 0 and *out, -ENOENT when no runtime has a record of it,
 * -EINVAL for an id that is not 64 lowercase hex digits, or the -errno of the first
 * record found that could not be read or parsed. Allocates while it runs, frees all. */
int bundle_lookup(int rootfd, enum cg_runtime rt, const char *id, struct bundle_ident *out);

#endif
