/*
 * container: the pieces of the container collector (cgroup v1/v2 usage per container,
 * pod and service, with cAdvisor's names) that tests and fuzz targets reach directly:
 * how a cgroup path is classified (on top of lib/cgident.h). The collector itself is
 * collector_ops_container in container.c.
 */
#ifndef PLUMB_COLLECTOR_CONTAINER_H
#define PLUMB_COLLECTOR_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/strparse.h"

/* The cgroup v1 mounts under <sysfs>/fs/cgroup the collector may read (and "unified",
 * a hybrid host's v2 mount), ended by NULL. Each is declared to the sandbox as a path
 * of its own (container_declare). */
extern const char *const container_v1_mounts[];

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
#define CT_NAME_MAX 264

/* A cgroup path's identity, as far as the path alone tells it. */
struct ct_ident {
	enum ct_kind kind;
	char pod_uid[CT_UID_MAX];     /* "" when not in a pod; dashes restored */
	char id[CT_ID_MAX];           /* the runtime's container id, "" when none */
	char name[CT_NAME_MAX];       /* the name label when the path gives one */
	int runtime;                  /* enum cg_runtime of a container, else CG_RT_NONE */
};

/* Classify the cgroup path (absolute, "/" for the root, no trailing slash) into *out,
 * as the collector does: cg_ident_parse's kinds, with the root and top-level cgroups
 * told apart. Returns 0 (every path gets a kind; unknown shapes are CT_OTHER). */
int ct_identify(const char *path, size_t len, struct ct_ident *out);

#endif
