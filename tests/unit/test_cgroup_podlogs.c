/*
 * test_cgroup_podlogs: kubelet log names split by lib/podlogs, and the lookup tables
 * built from a scratch /var/log tree: found by UID and ID, rebuilt when a directory
 * changes, not rebuilt (and allocating nothing) when it does not.
 */
#include <errno.h>
#include <time.h>

#include "alloc_probe.h"
#include "lib/podlogs.h"
#include "t.h"
#include "tmptree.h"

#define ID1 "3f2d6c8e9a1b4c5d6e7f80918a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"
#define ID2 "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define UID1 "0b6c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3"
#define UID2 "9e8d7c6b-5a49-4382-a716-0f1e2d3c4b5a"

static bool span_is(struct span s, const char *z)
{
	return span_eq(s, z);
}

static void test_parse_pod_dir(void)
{
	struct podlogs_pod_name p;
	CHECK_INT(podlogs_parse_pod_dir(span_cstr("kube-system_coredns-5d78c9869d-x7k2p_" UID1), &p),
		  0);
	CHECK(span_is(p.ns, "kube-system"));
	CHECK(span_is(p.pod, "coredns-5d78c9869d-x7k2p"));
	CHECK(span_is(p.uid, UID1));
	/* Pod names may hold dots; static pods have a hash UID. */
	CHECK_INT(podlogs_parse_pod_dir(span_cstr("kube-system_etcd-node1.example.com_"
						  "6b2d1d4b8f0e6a2c3d4e5f60718293a4"),
					&p),
		  0);
	CHECK(span_is(p.pod, "etcd-node1.example.com"));
	CHECK(span_is(p.uid, "6b2d1d4b8f0e6a2c3d4e5f60718293a4"));

	static const char *const bad[] = {
		"default_web_" UID1 "_x",             /* an extra field */
		"default_web",                        /* no UID */
		"default_web_0b6c1d2e-3f40-4a5b-8c6d", /* truncated UID */
		"default_we_b_" UID1,                 /* '_' in a name */
		"Default_web_" UID1,                  /* upper case */
		"default__" UID1,                     /* empty pod */
		"_web_" UID1,                         /* empty namespace */
		"default_-web_" UID1,                 /* a label starts alphanumeric */
		"de.fault_web_" UID1,                 /* a namespace has no dots */
		"default_web_0B6C1D2E-3F40-4A5B-8C6D-7E8F90A1B2C3",
		"",
		"___",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = podlogs_parse_pod_dir(span_cstr(bad[i]), &p);
		if (r != -EINVAL)
			fprintf(stderr, "  accepted: %s\n", bad[i]);
		CHECK_INT(r, -EINVAL);
	}
}

static void test_parse_container_file(void)
{
	struct podlogs_ctr_name c;
	CHECK_INT(podlogs_parse_container_file(
			  span_cstr("coredns-5d78c9869d-x7k2p_kube-system_coredns-" ID1 ".log"), &c),
		  0);
	CHECK(span_is(c.pod, "coredns-5d78c9869d-x7k2p"));
	CHECK(span_is(c.ns, "kube-system"));
	CHECK(span_is(c.container, "coredns"));
	CHECK(span_is(c.id, ID1));
	/* A container name with dashes: the ID is split off from the right. */
	CHECK_INT(podlogs_parse_container_file(
			  span_cstr("web-0_shop_istio-proxy-" ID2 ".log"), &c),
		  0);
	CHECK(span_is(c.container, "istio-proxy"));
	CHECK(span_is(c.pod, "web-0"));
	CHECK(span_is(c.id, ID2));

	static const char *const bad[] = {
		"web-0_shop_app-" ID1,                 /* no .log */
		"web-0_shop_app-" ID1 ".log.1",        /* rotated */
		"web-0_shop_app" ID1 ".log",           /* no dash before the ID */
		"web-0_shop_app-" ID1 "0.log",         /* 65 hex */
		"web-0_shop_app-3f2d.log",             /* short ID */
		"web-0_shop_-" ID1 ".log",             /* empty container */
		"web_0_shop_app-" ID1 ".log",          /* '_' in a name */
		"web-0_shop-" ID1 ".log",              /* no container part */
		"web-0_shop_App-" ID1 ".log",
		".log",
		"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = podlogs_parse_container_file(span_cstr(bad[i]), &c);
		if (r != -EINVAL)
			fprintf(stderr, "  accepted: %s\n", bad[i]);
		CHECK_INT(r, -EINVAL);
	}
}

/* Push a directory's mtime forward so a change within one clock tick still shows. */
static void touch_later(const struct tmptree *t, const char *rel, int secs)
{
	char p[PATH_MAX];
	struct timespec ts[2];
	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec += secs;
	ts[1] = ts[0];
	if (tmptree_path(t, rel, p, sizeof(p)))
		utimensat(AT_FDCWD, p, ts, 0);
}

static void test_table(void)
{
	struct tmptree t;
	struct podlogs pl;
	struct podlogs_pod_info pi;
	struct podlogs_ctr_info ci;

	CHECK_INT(tmptree_make(&t), 0);
	CHECK_INT(tmptree_mkdir(&t, "var/log/pods/kube-system_coredns-5d78c9869d-x7k2p_" UID1), 0);
	CHECK_INT(tmptree_mkdir(&t, "var/log/pods/shop_web-0_" UID2), 0);
	CHECK_INT(tmptree_mkdir(&t, "var/log/pods/not-a-pod"), 0);
	CHECK_INT(tmptree_link(&t, "var/log/containers/coredns-5d78c9869d-x7k2p_kube-system_coredns-" ID1
				   ".log",
			       "/var/log/pods/kube-system_coredns-5d78c9869d-x7k2p_" UID1
			       "/coredns/0.log"),
		  0);
	CHECK_INT(tmptree_put(&t, "var/log/containers/junk.log", "x"), 0);

	CHECK_INT(podlogs_init(&pl, t.root, "var/log/pods", "var/log/containers"), 0);
	CHECK_INT(podlogs_refresh(&pl), 1);
	CHECK_INT(pl.npods, 2);
	CHECK_INT(pl.nctrs, 1);
	CHECK_INT(podlogs_pod(&pl, span_cstr(UID2), &pi), 0);
	CHECK_STR(pi.ns, "shop");
	CHECK_STR(pi.pod, "web-0");
	CHECK_INT(podlogs_pod(&pl, span_cstr(UID1), &pi), 0);
	CHECK_STR(pi.ns, "kube-system");
	CHECK_STR(pi.pod, "coredns-5d78c9869d-x7k2p");
	CHECK_INT(podlogs_pod(&pl, span_cstr("0b6c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c4"), &pi), -ENOENT);
	CHECK_INT(podlogs_pod(&pl, span_cstr("0b6c1d2e"), &pi), -ENOENT);
	CHECK_INT(podlogs_container(&pl, span_cstr(ID1), &ci), 0);
	CHECK_STR(ci.container, "coredns");
	CHECK_STR(ci.pod, "coredns-5d78c9869d-x7k2p");
	CHECK_STR(ci.ns, "kube-system");
	CHECK_INT(podlogs_container(&pl, span_cstr(ID2), &ci), -ENOENT);

	/* Unchanged: no rebuild, and nothing allocated. */
	if (alloc_probe_ready()) {
		alloc_probe_start();
		CHECK_INT(podlogs_refresh(&pl), 0);
		CHECK_INT(podlogs_container(&pl, span_cstr(ID1), &ci), 0);
		CHECK_INT(podlogs_pod(&pl, span_cstr(UID1), &pi), 0);
		CHECK_INT(alloc_probe_stop(), 0);
	}

	/* A new container appears: rebuilt. */
	CHECK_INT(tmptree_link(&t, "var/log/containers/web-0_shop_istio-proxy-" ID2 ".log",
			       "/var/log/pods/shop_web-0_" UID2 "/istio-proxy/0.log"),
		  0);
	touch_later(&t, "var/log/containers", 5);
	CHECK_INT(podlogs_refresh(&pl), 1);
	CHECK_INT(podlogs_container(&pl, span_cstr(ID2), &ci), 0);
	CHECK_STR(ci.container, "istio-proxy");
	CHECK_STR(ci.ns, "shop");

	/* A rebuild of the same size allocates nothing either: the buffers are kept. */
	touch_later(&t, "var/log/pods", 10);
	if (alloc_probe_ready()) {
		alloc_probe_start();
		CHECK_INT(podlogs_refresh(&pl), 1);
		CHECK_INT(alloc_probe_stop(), 0);
	}

	/* The pod goes away. */
	CHECK_INT(tmptree_del(&t, "var/log/pods/shop_web-0_" UID2), 0);
	touch_later(&t, "var/log/pods", 20);
	CHECK_INT(podlogs_refresh(&pl), 1);
	CHECK_INT(podlogs_pod(&pl, span_cstr(UID2), &pi), -ENOENT);
	CHECK_INT(pl.npods, 1);

	/* Both directories gone: empty tables, not an error. */
	CHECK_INT(tmptree_del(&t, "var/log/pods"), 0);
	CHECK_INT(tmptree_del(&t, "var/log/containers"), 0);
	CHECK_INT(podlogs_refresh(&pl), 1);
	CHECK_INT(pl.npods, 0);
	CHECK_INT(pl.nctrs, 0);
	CHECK_INT(podlogs_container(&pl, span_cstr(ID1), &ci), -ENOENT);
	CHECK_INT(podlogs_refresh(&pl), 0);
	podlogs_fini(&pl);
	podlogs_fini(&pl);
	tmptree_rm(&t);

	struct podlogs zero;
	memset(&zero, 0, sizeof(zero));
	podlogs_fini(&zero);
}

static void test_many(void)
{
	struct tmptree t;
	struct podlogs pl;
	struct podlogs_pod_info pi;
	char rel[256];

	CHECK_INT(tmptree_make(&t), 0);
	for (int i = 0; i < 300; i++) {
		snprintf(rel, sizeof(rel), "pods/ns%d_pod-%d_%08x-0000-4000-8000-%012d", i % 7, i,
			 (unsigned)i * 2654435761u, i);
		CHECK_INT(tmptree_mkdir(&t, rel), 0);
	}
	CHECK_INT(podlogs_init(&pl, t.root, "pods", "containers"), 0);
	CHECK_INT(podlogs_refresh(&pl), 1);
	CHECK_INT(pl.npods, 300);
	for (int i = 0; i < 300; i++) {
		char uid[40], want[16];
		snprintf(uid, sizeof(uid), "%08x-0000-4000-8000-%012d", (unsigned)i * 2654435761u, i);
		snprintf(want, sizeof(want), "pod-%d", i);
		CHECK_INT(podlogs_pod(&pl, span_cstr(uid), &pi), 0);
		CHECK_STR(pi.pod, want);
	}
	podlogs_fini(&pl);
	tmptree_rm(&t);
}

int main(void)
{
	RUN(test_parse_pod_dir);
	RUN(test_parse_container_file);
	RUN(test_table);
	RUN(test_many);
	return T_DONE("test_cgroup_podlogs");
}
