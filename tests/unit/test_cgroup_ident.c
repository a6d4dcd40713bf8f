/*
 * test_cgroup_ident: cgroup paths as kubelet (systemd and cgroupfs drivers), docker,
 * podman and systemd lay them out, classified by lib/cgident; and hostile paths that
 * must come out as "other" or "slice", never as a wrong pod or container.
 */
#include <errno.h>

#include "lib/cgident.h"
#include "t.h"

#define ID "3f2d6c8e9a1b4c5d6e7f80918a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"
#define UID "0b6c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3"
#define UID_ "0b6c1d2e_3f40_4a5b_8c6d_7e8f90a1b2c3"

static struct cg_ident id;

static int parse(const char *path)
{
	return cg_ident_parse(span_cstr(path), &id);
}

static void test_systemd_kubepods(void)
{
	CHECK_INT(parse("/kubepods.slice"), 0);
	CHECK_INT(id.kind, CG_KIND_KUBEPODS);
	CHECK_INT(id.qos, CG_QOS_NONE);

	CHECK_INT(parse("/kubepods.slice/kubepods-burstable.slice"), 0);
	CHECK_INT(id.kind, CG_KIND_KUBEPODS);
	CHECK_INT(id.qos, CG_QOS_BURSTABLE);

	CHECK_INT(parse("/kubepods.slice/kubepods-besteffort.slice/"), 0);
	CHECK_INT(id.qos, CG_QOS_BESTEFFORT);

	CHECK_INT(parse("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
			".slice"),
		  0);
	CHECK_INT(id.kind, CG_KIND_POD);
	CHECK_INT(id.qos, CG_QOS_BURSTABLE);
	CHECK_STR(id.pod_uid, UID);
	CHECK_STR(id.id, "");

	CHECK_INT(parse("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
			".slice/cri-containerd-" ID ".scope"),
		  0);
	CHECK_INT(id.kind, CG_KIND_CONTAINER);
	CHECK_INT(id.qos, CG_QOS_BURSTABLE);
	CHECK_INT(id.runtime, CG_RT_CONTAINERD);
	CHECK_STR(id.pod_uid, UID);
	CHECK_STR(id.id, ID);
	CHECK_STR(cg_runtime_name(id.runtime), "containerd");
	CHECK_STR(cg_qos_name(id.qos), "burstable");
	CHECK_STR(cg_kind_name(id.kind), "container");

	/* Guaranteed: the pod slice sits right under kubepods. */
	CHECK_INT(parse("kubepods.slice/kubepods-pod" UID_ ".slice/crio-" ID ".scope"), 0);
	CHECK_INT(id.kind, CG_KIND_CONTAINER);
	CHECK_INT(id.qos, CG_QOS_GUARANTEED);
	CHECK_INT(id.runtime, CG_RT_CRIO);
	CHECK_STR(id.pod_uid, UID);

	/* Static pod: the UID is a 32-hex config hash. */
	CHECK_INT(parse("/kubepods.slice/kubepods-burstable.slice/"
			"kubepods-burstable-pod6b2d1d4b8f0e6a2c3d4e5f60718293a4.slice/docker-" ID
			".scope"),
		  0);
	CHECK_INT(id.kind, CG_KIND_CONTAINER);
	CHECK_INT(id.runtime, CG_RT_DOCKER);
	CHECK_STR(id.pod_uid, "6b2d1d4b8f0e6a2c3d4e5f60718293a4");

	/* kind-style nesting under the kubelet's own slice. */
	CHECK_INT(parse("/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
			"kubelet-kubepods-besteffort-pod" UID_ ".slice"),
		  0);
	CHECK_INT(id.kind, CG_KIND_POD);
	CHECK_INT(id.qos, CG_QOS_BESTEFFORT);
	CHECK_STR(id.pod_uid, UID);
}

static void test_cgroupfs_kubepods(void)
{
	CHECK_INT(parse("/kubepods"), 0);
	CHECK_INT(id.kind, CG_KIND_KUBEPODS);
	CHECK_INT(parse("/kubepods/besteffort"), 0);
	CHECK_INT(id.kind, CG_KIND_KUBEPODS);
	CHECK_INT(id.qos, CG_QOS_BESTEFFORT);

	CHECK_INT(parse("/kubepods/burstable/pod" UID), 0);
	CHECK_INT(id.kind, CG_KIND_POD);
	CHECK_INT(id.qos, CG_QOS_BURSTABLE);
	CHECK_STR(id.pod_uid, UID);

	CHECK_INT(parse("/kubepods/burstable/pod" UID "/" ID), 0);
	CHECK_INT(id.kind, CG_KIND_CONTAINER);
	CHECK_INT(id.runtime, CG_RT_UNKNOWN);
	CHECK_STR(id.id, ID);

	CHECK_INT(parse("/kubepods/pod" UID "/" ID), 0);
	CHECK_INT(id.kind, CG_KIND_CONTAINER);
	CHECK_INT(id.qos, CG_QOS_GUARANTEED);

	CHECK_INT(parse("/kubepods/besteffort/pod" UID "/crio-" ID), 0);
	CHECK_INT(id.kind, CG_KIND_CONTAINER);
	CHECK_INT(id.runtime, CG_RT_CRIO);
}

static void test_host(void)
{
	CHECK_INT(parse("/"), 0);
	CHECK_INT(id.kind, CG_KIND_OTHER);
	CHECK_INT(parse(""), 0);
	CHECK_INT(id.kind, CG_KIND_OTHER);

	CHECK_INT(parse("/system.slice"), 0);
	CHECK_INT(id.kind, CG_KIND_SLICE);
	CHECK_INT(parse("/system.slice/containerd.service"), 0);
	CHECK_INT(id.kind, CG_KIND_SERVICE);
	CHECK_STR(id.service, "containerd.service");
	CHECK_INT(parse("/system.slice/system-getty.slice/getty@tty1.service"), 0);
	CHECK_STR(id.service, "getty@tty1.service");
	CHECK_INT(parse("/user.slice/user-1000.slice/user@1000.service"), 0);
	CHECK_INT(id.kind, CG_KIND_SERVICE);
	CHECK_STR(id.service, "user@1000.service");
	CHECK_INT(parse("/init.scope"), 0);
	CHECK_INT(id.kind, CG_KIND_OTHER);
	CHECK_INT(parse("/user.slice/user-1000.slice/session-3.scope"), 0);
	CHECK_INT(id.kind, CG_KIND_OTHER);

	CHECK_INT(parse("/system.slice/docker-" ID ".scope"), 0);
	CHECK_INT(id.kind, CG_KIND_RUNTIME);
	CHECK_INT(id.runtime, CG_RT_DOCKER);
	CHECK_STR(id.id, ID);
	CHECK_INT(parse("/docker/" ID), 0);
	CHECK_INT(id.kind, CG_KIND_RUNTIME);
	CHECK_INT(id.runtime, CG_RT_DOCKER);
	CHECK_INT(parse("/machine.slice/libpod-" ID ".scope"), 0);
	CHECK_INT(id.kind, CG_KIND_RUNTIME);
	CHECK_INT(id.runtime, CG_RT_PODMAN);
	CHECK_INT(parse("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID
			".scope"),
		  0);
	CHECK_INT(id.runtime, CG_RT_PODMAN);
	/* conmon's scope is not the container. */
	CHECK_INT(parse("/machine.slice/libpod-conmon-" ID ".scope"), 0);
	CHECK_INT(id.kind, CG_KIND_OTHER);
	CHECK_STR(id.id, "");
}

/* Everything here must be OTHER (or SLICE) with no pod, container or service. */
static void check_not_k8s(const char *path, enum cg_kind want)
{
	int r = parse(path);
	CHECK(r == 0 || r == -EINVAL);
	if (id.kind != want)
		fprintf(stderr, "  path: %s\n", path);
	CHECK_INT(id.kind, want);
	CHECK_STR(id.pod_uid, "");
	CHECK_STR(id.id, "");
	CHECK_INT(id.runtime, CG_RT_NONE);
	CHECK_INT(id.qos, CG_QOS_NONE);
}

static void test_hostile(void)
{
	/* Truncated or altered pod names. */
	check_not_k8s("/kubepods/burstable/pod0b6c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c", CG_KIND_OTHER);
	check_not_k8s("/kubepods/burstable/pod" UID "x", CG_KIND_OTHER);
	check_not_k8s("/kubepods/burstable/pod" UID_, CG_KIND_OTHER); /* systemd sep, cgroupfs */
	check_not_k8s("/kubepods/burstable/pod0B6C1D2E-3F40-4A5B-8C6D-7E8F90A1B2C3", CG_KIND_OTHER);
	check_not_k8s("/kubepods/burstable/" UID, CG_KIND_OTHER);
	check_not_k8s("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_,
		      CG_KIND_OTHER); /* no .slice */
	check_not_k8s("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID ".slice",
		      CG_KIND_OTHER); /* dashes: systemd would have split them */
	check_not_k8s("/kubepods.slice/kubepods-burstable.slice/kubepods-besteffort-pod" UID_
		      ".slice",
		      CG_KIND_OTHER); /* a child must extend its parent's name */
	check_not_k8s("/kubepods.slice/kubepods-gold.slice", CG_KIND_OTHER);
	check_not_k8s("/kubepods/gold/pod" UID, CG_KIND_OTHER);
	/* Container names: missing suffix, non-hex, short, upper case, unknown runtime. */
	check_not_k8s("/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" ID,
		      CG_KIND_OTHER);
	check_not_k8s("/kubepods.slice/kubepods-pod" UID_
		      ".slice/cri-containerd-3f2d6c8e9a1b4c5d6e7f80918a2b3c4d5e6f708192a3b4c5d6e7f8091"
		      "a2b3c4g.scope",
		      CG_KIND_OTHER);
	check_not_k8s("/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-3f2d.scope",
		      CG_KIND_OTHER);
	check_not_k8s("/kubepods.slice/kubepods-pod" UID_
		      ".slice/cri-containerd-3F2D6C8E9A1B4C5D6E7F80918A2B3C4D5E6F708192A3B4C5D6E7F80"
		      "91A2B3C4D.scope",
		      CG_KIND_OTHER);
	check_not_k8s("/kubepods.slice/kubepods-pod" UID_ ".slice/runq-" ID ".scope", CG_KIND_OTHER);
	check_not_k8s("/kubepods.slice/kubepods-pod" UID_ ".slice/crio-conmon-" ID ".scope",
		      CG_KIND_OTHER);
	/* Anything below a container is not the container. */
	check_not_k8s("/kubepods/pod" UID "/" ID "/init.scope", CG_KIND_OTHER);
	check_not_k8s("/kubepods.slice/kubepods-pod" UID_ ".slice/crio-" ID ".scope/container",
		      CG_KIND_OTHER);
	/* Empty components and NULs. */
	CHECK_INT(parse("/kubepods//pod" UID), -EINVAL);
	CHECK_INT(id.kind, CG_KIND_OTHER);
	CHECK_INT(cg_ident_parse((struct span){ "/kubepods\0/pod", 14 }, &id), -EINVAL);
	CHECK_INT(id.kind, CG_KIND_OTHER);
	/* Service look-alikes. */
	check_not_k8s("/system.slice/.service", CG_KIND_OTHER);
	check_not_k8s("/system.slice/bad name.service", CG_KIND_OTHER);
	check_not_k8s("/system.slice/.slice", CG_KIND_OTHER);
	check_not_k8s("/docker/" ID "/extra", CG_KIND_OTHER);
	check_not_k8s("/x/docker/" ID, CG_KIND_OTHER);

	/* A service name longer than systemd allows is not reported truncated. */
	static char path[600];
	memcpy(path, "/system.slice/", 14);
	memset(path + 14, 'a', 300);
	memcpy(path + 314, ".service", 9);
	check_not_k8s(path, CG_KIND_OTHER);
	CHECK_STR(id.service, "");

	/* Very deep paths: classified without overflow. */
	static char deep[200 * 3 + 200];
	size_t len = 0;
	for (int i = 0; i < 200; i++) {
		memcpy(deep + len, "/a", 2);
		len += 2;
	}
	memcpy(deep + len, "/x.slice", 9);
	check_not_k8s(deep, CG_KIND_OTHER);
	len = 0;
	for (int i = 0; i < 10; i++) {
		memcpy(deep + len, "/a", 2);
		len += 2;
	}
	memcpy(deep + len, "/x.slice", 9);
	check_not_k8s(deep, CG_KIND_SLICE);
}

/* kubepods below the root's children is not kubelet's: a user's session subtree or a
 * container's delegated cgroup could hold a copy named after a real pod. One level
 * down (kubelet's --cgroup-root) still is. */
static void test_delegated_kubepods(void)
{
	CHECK_INT(parse("/user.slice/user-1000.slice/user@1000.service/kubepods.slice/"
			"kubepods-pod" UID_ ".slice/cri-containerd-" ID ".scope"), 0);
	CHECK_INT(id.kind, CG_KIND_RUNTIME); /* a containerd scope, but in no pod */
	CHECK_STR(id.pod_uid, "");
	CHECK_INT(id.qos, CG_QOS_NONE);
	check_not_k8s("/user.slice/user-1000.slice/user@1000.service/kubepods.slice/"
		      "kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice",
		      CG_KIND_SLICE);
	check_not_k8s("/system.slice/docker-" ID ".scope/kubepods/burstable/pod" UID "/" ID,
		      CG_KIND_OTHER);
	check_not_k8s("/a/b/kubepods/pod" UID, CG_KIND_OTHER);
	/* one level down */
	CHECK_INT(parse("/foo/kubepods/burstable/pod" UID "/" ID), 0);
	CHECK_INT(id.kind, CG_KIND_CONTAINER);
	CHECK_STR(id.pod_uid, UID);
	CHECK_INT(parse("/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-pod" UID_
			".slice/crio-" ID ".scope"), 0);
	CHECK_INT(id.kind, CG_KIND_CONTAINER);
}

int main(void)
{
	RUN(test_systemd_kubepods);
	RUN(test_cgroupfs_kubepods);
	RUN(test_host);
	RUN(test_hostile);
	RUN(test_delegated_kubepods);
	return T_DONE("test_cgroup_ident");
}
