/*
 * test_bundle: the runtime records (lib/bundle.h): what containerd's, CRI-O's and
 * docker's records say about a container, the values that cannot be labels dropped,
 * the size bound, and the lookup in each runtime's folder of a scratch root (a FIFO in
 * a record's place is refused without blocking).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/bundle.h"
#include "t.h"
#include "tmptree.h"

#define ID1 "3f2d6c8e9a1b4c5d6e7f80918a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"
#define UID1 "0b6c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3"

static const char containerd_ctr[] =
	"{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"nginx\"]},\"annotations\":{"
	"\"io.kubernetes.cri.container-name\":\"nginx\","
	"\"io.kubernetes.cri.container-type\":\"container\","
	"\"io.kubernetes.cri.image-name\":\"docker.io/library/nginx:1.25.3\","
	"\"io.kubernetes.cri.sandbox-id\":\"" ID1 "\","
	"\"io.kubernetes.cri.sandbox-name\":\"web-0\","
	"\"io.kubernetes.cri.sandbox-namespace\":\"default\","
	"\"io.kubernetes.cri.sandbox-uid\":\"" UID1 "\"}}";

static const char containerd_sandbox[] =
	"{\"annotations\":{\"io.kubernetes.cri.container-type\":\"sandbox\","
	"\"io.kubernetes.cri.podsandbox.image-name\":\"registry.k8s.io/pause:3.9\","
	"\"io.kubernetes.cri.sandbox-name\":\"web-0\","
	"\"io.kubernetes.cri.sandbox-namespace\":\"default\","
	"\"io.kubernetes.cri.sandbox-uid\":\"" UID1 "\"}}";

/* CRI-O: the container's name only inside the Labels annotation's JSON */
static const char crio_ctr[] =
	"{\"annotations\":{\"io.kubernetes.cri-o.ContainerType\":\"container\","
	"\"io.kubernetes.cri-o.Name\":\"k8s_nginx_web-0_default_" UID1 "_0\","
	"\"io.kubernetes.cri-o.ImageName\":\"docker.io/library/nginx:1.25.3\","
	"\"io.kubernetes.cri-o.Labels\":\"{\\\"io.kubernetes.container.name\\\":\\\"nginx\\\","
	"\\\"io.kubernetes.pod.uid\\\":\\\"" UID1 "\\\"}\","
	"\"io.kubernetes.pod.name\":\"web-0\",\"io.kubernetes.pod.namespace\":\"default\"}}";

static const char docker_sandbox[] =
	"{\"ID\":\"" ID1 "\",\"Name\":\"/k8s_POD_web-0_default_" UID1 "_0\","
	"\"Config\":{\"Image\":\"registry.k8s.io/pause:3.9\",\"Labels\":{"
	"\"io.kubernetes.container.name\":\"POD\",\"io.kubernetes.docker.type\":\"podsandbox\","
	"\"io.kubernetes.pod.name\":\"web-0\",\"io.kubernetes.pod.namespace\":\"default\","
	"\"io.kubernetes.pod.uid\":\"" UID1 "\"}}}";

static int parse(const char *text, enum bundle_format f, struct bundle_ident *b)
{
	return bundle_parse(text, strlen(text), f, b);
}

static void test_runtimes(void)
{
	struct bundle_ident b;
	CHECK_INT(parse(containerd_ctr, BUNDLE_OCI, &b), 0);
	CHECK_STR(b.image, "docker.io/library/nginx:1.25.3");
	CHECK_STR(b.container, "nginx");
	CHECK_STR(b.pod, "web-0");
	CHECK_STR(b.ns, "default");
	CHECK_STR(b.pod_uid, UID1);
	CHECK_STR(b.name, "");
	CHECK(!b.sandbox);

	CHECK_INT(parse(containerd_sandbox, BUNDLE_OCI, &b), 0);
	CHECK(b.sandbox);
	CHECK_STR(b.image, "registry.k8s.io/pause:3.9");
	CHECK_STR(b.container, "");
	CHECK_STR(b.pod, "web-0");

	CHECK_INT(parse(crio_ctr, BUNDLE_OCI, &b), 0);
	CHECK(!b.sandbox);
	CHECK_STR(b.image, "docker.io/library/nginx:1.25.3");
	CHECK_STR(b.container, "nginx");
	CHECK_STR(b.pod, "web-0");
	CHECK_STR(b.ns, "default");
	CHECK_STR(b.pod_uid, UID1);
	CHECK_STR(b.name, "k8s_nginx_web-0_default_" UID1 "_0");

	CHECK_INT(parse(docker_sandbox, BUNDLE_DOCKER, &b), 0);
	CHECK(b.sandbox);
	CHECK_STR(b.image, "registry.k8s.io/pause:3.9");
	CHECK_STR(b.container, "POD");
	CHECK_STR(b.name, "k8s_POD_web-0_default_" UID1 "_0");
	CHECK_STR(b.pod_uid, UID1);

	/* a plain OCI bundle (no Kubernetes runtime's annotations) says nothing */
	CHECK_INT(parse("{\"ociVersion\":\"1.0.2\",\"annotations\":{\"a\":\"b\"}}", BUNDLE_OCI, &b), 0);
	CHECK_STR(b.image, "");
	CHECK_STR(b.pod, "");
}

static void test_hostile(void)
{
	struct bundle_ident b;
	/* newline, C0 and C1 controls, DEL, invalid UTF-8 (jansson refuses the whole
	 * text), a long value: dropped; a quote and non-ASCII letters are kept */
	static const char t[] =
		"{\"annotations\":{\"io.kubernetes.cri.container-type\":\"container\","
		"\"io.kubernetes.cri.image-name\":\"nginx\\n# HELP evil\","
		"\"io.kubernetes.cri.container-name\":\"c\\u0001\","
		"\"io.kubernetes.cri.sandbox-name\":\"p\\u0085\","
		"\"io.kubernetes.cri.sandbox-namespace\":\"n\\u007f\","
		"\"io.kubernetes.cri.sandbox-uid\":\"q\\\"\\u00e9\\u4e2d\"}}";
	CHECK_INT(parse(t, BUNDLE_OCI, &b), 0);
	CHECK_STR(b.image, "");
	CHECK_STR(b.container, "");
	CHECK_STR(b.pod, "");
	CHECK_STR(b.ns, "");
	CHECK_STR(b.pod_uid, "q\"\xc3\xa9\xe4\xb8\xad");
	CHECK_INT(parse("{\"Config\":{\"Image\":\"\xc3\x28\"}}", BUNDLE_DOCKER, &b), -EINVAL);
	CHECK_STR(b.image, "");

	char big[BUNDLE_IMAGE_MAX + 64];
	int n = snprintf(big, sizeof(big), "{\"Config\":{\"Image\":\"");
	memset(big + n, 'a', BUNDLE_IMAGE_MAX);
	snprintf(big + n + BUNDLE_IMAGE_MAX, sizeof(big) - n - BUNDLE_IMAGE_MAX, "\"}}");
	CHECK_INT(parse(big, BUNDLE_DOCKER, &b), 0);
	CHECK_STR(b.image, "");

	/* not JSON, truncated, not an object, duplicate keys, wrong types */
	CHECK_INT(parse("", BUNDLE_OCI, &b), -EINVAL);
	CHECK_INT(parse("{\"annotations\":{\"io.kubernetes.cri.cont", BUNDLE_OCI, &b), -EINVAL);
	CHECK_INT(parse("[1,2]", BUNDLE_OCI, &b), -EINVAL);
	CHECK_INT(parse("{\"Name\":\"a\",\"Name\":\"b\"}", BUNDLE_DOCKER, &b), -EINVAL);
	CHECK_INT(parse("{\"Config\":{\"Image\":7,\"Labels\":[]},\"Name\":null}", BUNDLE_DOCKER, &b), 0);
	CHECK_STR(b.image, "");
	CHECK_STR(b.name, "");
	/* CRI-O's Labels annotation holding something that is not JSON */
	CHECK_INT(parse("{\"annotations\":{\"io.kubernetes.cri-o.ContainerType\":\"container\","
			"\"io.kubernetes.cri-o.Labels\":\"{not json\"}}", BUNDLE_OCI, &b), 0);
	CHECK_STR(b.container, "");
	/* the size bound */
	CHECK_INT(bundle_parse(containerd_ctr, BUNDLE_MAX_BYTES + 1, BUNDLE_OCI, &b), -EFBIG);
}

static void test_lookup(void)
{
	struct tmptree t;
	struct bundle_ident b;
	if (tmptree_make(&t) != 0) {
		CHECK(0);
		return;
	}
	int root = open(t.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(root >= 0);
	CHECK_INT(bundle_lookup(root, CG_RT_CONTAINERD, ID1, &b), -ENOENT);
	CHECK_INT(bundle_lookup(root, CG_RT_CONTAINERD, "../../etc/passwd", &b), -EINVAL);

	CHECK_INT(tmptree_put(&t, "var/lib/docker/containers/" ID1 "/config.v2.json",
			      docker_sandbox), 0);
	/* the containerd folder is not docker's */
	CHECK_INT(bundle_lookup(root, CG_RT_CONTAINERD, ID1, &b), -ENOENT);
	CHECK_INT(bundle_lookup(root, CG_RT_DOCKER, ID1, &b), 0);
	CHECK_STR(b.container, "POD");
	/* a cgroupfs driver's bare ID: any runtime's folder */
	CHECK_INT(bundle_lookup(root, CG_RT_UNKNOWN, ID1, &b), 0);
	CHECK(b.sandbox);

	CHECK_INT(tmptree_put(&t, "run/containers/storage/overlay-containers/" ID1
			      "/userdata/config.json", crio_ctr), 0);
	CHECK_INT(bundle_lookup(root, CG_RT_CRIO, ID1, &b), 0);
	CHECK_STR(b.container, "nginx");

	/* containerd's record is a FIFO: refused at once, no writer needed */
	char path[PATH_MAX];
	CHECK_INT(tmptree_mkdir(&t, "run/containerd/io.containerd.runtime.v2.task/k8s.io/" ID1), 0);
	tmptree_path(&t, "run/containerd/io.containerd.runtime.v2.task/k8s.io/" ID1 "/config.json",
		     path, sizeof(path));
	CHECK_INT(mkfifo(path, 0600), 0);
	CHECK_INT(bundle_lookup(root, CG_RT_CONTAINERD, ID1, &b), -EMEDIUMTYPE);
	CHECK_STR(b.image, "");
	unlink(path);
	CHECK_INT(mkdir(path, 0700), 0);
	CHECK_INT(bundle_lookup(root, CG_RT_CONTAINERD, ID1, &b), -EISDIR);
	rmdir(path);
	CHECK_INT(tmptree_put(&t, "run/containerd/io.containerd.runtime.v2.task/k8s.io/" ID1
			      "/config.json", containerd_ctr), 0);
	CHECK_INT(bundle_lookup(root, CG_RT_CONTAINERD, ID1, &b), 0);
	CHECK_STR(b.image, "docker.io/library/nginx:1.25.3");
	close(root);
	tmptree_rm(&t);
}

int main(void)
{
	RUN(test_runtimes);
	RUN(test_hostile);
	RUN(test_lookup);
	return T_DONE("test_bundle");
}
