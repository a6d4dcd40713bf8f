/*
 * cgident: what a cgroup is, from its path alone.
 *
 * The container collector walks a cgroup hierarchy and must name each cgroup the way
 * cAdvisor does: a Kubernetes pod (by UID and QoS class), a container inside it (by
 * runtime and ID), a systemd service, a docker or podman container outside Kubernetes,
 * or just a slice. This module decides that from the path relative to the hierarchy
 * root ("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice/
 * cri-containerd-<id>.scope"), for both the systemd and the cgroupfs cgroup drivers.
 * A kubepods cgroup counts only at the root or one level below it (kubelet's
 * --cgroup-root), where only root can make cgroups: one deeper, in a subtree delegated
 * to a user or a container, is not Kubernetes' (so it cannot pass for a real pod).
 *
 * It is pure: no I/O, no allocation; the result goes into a caller-owned struct with
 * fixed buffers. Anything that does not match a known layout exactly (a truncated
 * name, a missing ".scope", an ID that is not 64 hex digits, a UID that is not a UUID)
 * is CG_KIND_OTHER (or CG_KIND_SLICE) with empty IDs, never a half-parsed pod or
 * container.
 */
#ifndef PLUMB_CGIDENT_H
#define PLUMB_CGIDENT_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/strparse.h"

enum cg_kind {
	CG_KIND_OTHER = 0,      /* anything unrecognised, including the root "/" */
	CG_KIND_KUBEPODS,       /* /kubepods(.slice) or a QoS slice under it */
	CG_KIND_POD,            /* a pod's cgroup: pod_uid and qos are set */
	CG_KIND_CONTAINER,      /* a container in a pod: pod_uid, qos, id, runtime set */
	CG_KIND_SERVICE,        /* a systemd unit: <name>.service (service is set) */
	CG_KIND_SLICE,          /* any other systemd slice (system.slice, user.slice...) */
	CG_KIND_RUNTIME,        /* container outside k8s (system.slice/docker-<id>.scope,
				   machine.slice/libpod-<id>.scope, /docker/<id>):
				   id and runtime set */
};

enum cg_qos {
	CG_QOS_NONE = 0,        /* not under kubepods */
	CG_QOS_GUARANTEED,      /* directly under kubepods */
	CG_QOS_BURSTABLE,
	CG_QOS_BESTEFFORT,
};

enum cg_runtime {
	CG_RT_NONE = 0,
	CG_RT_CONTAINERD,       /* cri-containerd-<id>.scope */
	CG_RT_CRIO,             /* crio-<id>.scope (systemd), crio-<id> (cgroupfs) */
	CG_RT_DOCKER,           /* docker-<id>.scope, /docker/<id> */
	CG_RT_PODMAN,           /* libpod-<id>.scope */
	CG_RT_UNKNOWN,          /* a bare <id> under a cgroupfs-driver pod: any runtime */
};

#define CG_UID_MAX 36           /* 8-4-4-4-12 hex UUID, or a 32-hex static-pod hash */
#define CG_ID_MAX 64            /* container IDs are 64 hex digits */
#define CG_SERVICE_MAX 256      /* systemd's unit name limit, suffix included */

struct cg_ident {
	enum cg_kind kind;
	enum cg_qos qos;
	enum cg_runtime runtime;
	char pod_uid[CG_UID_MAX + 1];   /* with dashes (systemd's '_' restored) or "" */
	char id[CG_ID_MAX + 1];         /* lowercase hex, or "" */
	char service[CG_SERVICE_MAX + 1]; /* "sshd.service" for CG_KIND_SERVICE, or "" */
};

/* Classify the cgroup at path (relative to the hierarchy root; a leading '/' and a
 * trailing '/' are optional) into *out, which is fully overwritten. Always succeeds
 * for any bytes (unknown -> CG_KIND_OTHER); returns 0, or -EINVAL when path holds a
 * NUL byte or an empty component ("a//b"), in which case *out is CG_KIND_OTHER too. */
int cg_ident_parse(struct span path, struct cg_ident *out);

/* Names for labels and logs: "containerd", "burstable", "pod", ... never NULL
 * ("" for CG_QOS_NONE and CG_RT_NONE). */
const char *cg_kind_name(enum cg_kind k);
const char *cg_qos_name(enum cg_qos q);
const char *cg_runtime_name(enum cg_runtime r);

#endif
