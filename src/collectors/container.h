/*
 * container: the pieces of the container collector (cgroup v1/v2 usage per container,
 * pod and service, with cAdvisor's names) that tests and fuzz targets reach directly:
 * the cgroup-path classifier and the small text parsers the collector reads cgroup
 * files with. The collector itself is collector_ops_container in container.c.
 */
#ifndef PLUMB_COLLECTOR_CONTAINER_H
#define PLUMB_COLLECTOR_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/strparse.h"

/* What a cgroup path stands for. */
enum ct_kind {
	CT_OTHER = 0,  /* an intermediate cgroup (QoS slice, user session...) */
	CT_ROOT,       /* "/" */
	CT_TOP,        /* a top-level cgroup: /kubepods.slice, /system.slice, /docker */
	CT_POD,        /* a Kubernetes pod: .../kubepods-burstable-pod<uid>.slice, /kubepods/pod<uid> */
	CT_CONTAINER,  /* a container: cri-containerd-<id>.scope, crio-<id>.scope, docker-<id>.scope,
			  libpod-<id>.scope, /kubepods/.../pod<uid>/<id>, /docker/<id> */
	CT_SERVICE,    /* a systemd service: /system.slice/<name>.service */
};

#define CT_UID_MAX 40  /* a pod UID (36) with its NUL */
#define CT_ID_MAX 72   /* a runtime container id (64 hex) with its NUL */
#define CT_NAME_MAX 256

/* A cgroup path's identity, as far as the path alone tells it. */
struct ct_ident {
	enum ct_kind kind;
	char pod_uid[CT_UID_MAX];     /* "" when not in a pod; dashes restored */
	char id[CT_ID_MAX];           /* the runtime's container id, "" when none */
	char name[CT_NAME_MAX];       /* the name label when the path gives one */
};

/* Classify the cgroup path (absolute, "/" for the root, no trailing slash) into *out.
 * Returns 0 (every path gets a kind; unknown shapes are CT_OTHER). */
int ct_identify(const char *path, size_t len, struct ct_ident *out);

/* The value of key in "key value" lines (memory.stat, cpu.stat, memory.events).
 * Returns 0, -ENOENT when the key is absent, -EINVAL/-ERANGE when its value is not a
 * number. */
int ct_kv(struct span text, const char *key, uint64_t *out);

/* The total= field (microseconds) of the "some" or "full" line of a PSI file.
 * Returns 0, -ENOENT when the line or field is absent, -EINVAL when malformed. */
int ct_psi_total(struct span text, const char *line, uint64_t *out);

/* A single-number cgroup file ("123\n"; "max" reads as UINT64_MAX). Returns 0 or
 * -EINVAL/-ERANGE. */
int ct_u64_or_max(struct span text, uint64_t *out);

/* Parse one container log file name of kubelet's containers/ folder,
 * "<pod>_<namespace>_<container>-<id>.log", into spans of name. Returns 0 or -EINVAL. */
int ct_parse_log_name(struct span name, struct span *pod, struct span *ns,
		      struct span *container, struct span *id);

#endif
