/*
 * bundle: a container's identity from its runtime's record on disk (see bundle.h).
 *
 * The record is read whole (bounded by BUNDLE_MAX_BYTES) into one buffer, parsed with
 * jansson, and only the few keys each runtime writes are looked at; every value taken
 * passes one check (valid UTF-8, no control character, fits its field). CRI-O writes the
 * pod's Kubernetes labels both as annotations of their own and inside one annotation
 * holding a JSON object (io.kubernetes.cri-o.Labels): a key missing from the first is
 * looked for in the second, parsed with the same bounds.
 */
#include "lib/bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/regfile.h"

const char *const bundle_dirs[] = {
	"run/containerd/io.containerd.runtime.v2.task/k8s.io",
	"run/containers/storage/overlay-containers",
	"var/lib/containers/storage/overlay-containers",
	"var/lib/docker/containers",
	NULL,
};

/* One place a runtime keeps a record: bundle_dirs[dir]/<id><suffix>. */
static const struct {
	int dir;
	const char *suffix;
	enum bundle_format fmt;
	enum cg_runtime rt;
} places[] = {
	{ 0, "/config.json", BUNDLE_OCI, CG_RT_CONTAINERD },
	{ 1, "/userdata/config.json", BUNDLE_OCI, CG_RT_CRIO },
	{ 2, "/userdata/config.json", BUNDLE_OCI, CG_RT_CRIO },
	{ 3, "/config.v2.json", BUNDLE_DOCKER, CG_RT_DOCKER },
};

/* Whether s[0..n) may be a label value: valid UTF-8 (no overlong form, surrogate or code
 * point past U+10FFFF) with no C0 or C1 control character and no DEL. */
static bool text_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		if (c < 0x20 || c == 0x7f)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
		if (len == 0 || c > 0xF4 || len > n - i)
			return false;
		for (size_t k = 1; k < len; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
		if ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] >= 0xA0) ||
		    (c == 0xF0 && s[i + 1] < 0x90) || (c == 0xF4 && s[i + 1] >= 0x90))
			return false;
		if (c == 0xC2 && s[i + 1] < 0xA0)
			return false; /* U+0080..U+009F: C1 controls */
		i += len;
	}
	return true;
}

/* Copy s[0..n) into dst[cap] when it is not empty, passes text_ok and fits; otherwise
 * leave dst as it is. Returns whether it was copied. */
static bool take_text(const char *s, size_t n, char *dst, size_t cap)
{
	if (n == 0 || n >= cap || !text_ok((const unsigned char *)s, n))
		return false;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return true;
}

/* take_text of the string value v; false when v is not a string. */
static bool take(const json_t *v, char *dst, size_t cap)
{
	return json_is_string(v) && take_text(json_string_value(v), json_string_length(v), dst, cap);
}

/* The value of key in object o (any JSON type), or NULL. */
static const json_t *get(const json_t *o, const char *key)
{
	return json_is_object(o) ? json_object_get(o, key) : NULL;
}

/* Whether string value v equals lit. */
static bool is(const json_t *v, const char *lit)
{
	return json_is_string(v) && strcmp(json_string_value(v), lit) == 0;
}

/* The Kubernetes labels kubelet gives every container, taken from labels (an object of
 * strings) into out where out does not have them yet. */
static void kube_labels(const json_t *labels, struct bundle_ident *out)
{
	if (!out->container[0])
		take(get(labels, "io.kubernetes.container.name"), out->container, sizeof(out->container));
	if (!out->pod[0])
		take(get(labels, "io.kubernetes.pod.name"), out->pod, sizeof(out->pod));
	if (!out->ns[0])
		take(get(labels, "io.kubernetes.pod.namespace"), out->ns, sizeof(out->ns));
	if (!out->pod_uid[0])
		take(get(labels, "io.kubernetes.pod.uid"), out->pod_uid, sizeof(out->pod_uid));
}

/* containerd's CRI plugin: io.kubernetes.cri.* annotations. */
static void parse_containerd(const json_t *ann, struct bundle_ident *out)
{
	out->sandbox = is(get(ann, "io.kubernetes.cri.container-type"), "sandbox");
	if (!take(get(ann, "io.kubernetes.cri.image-name"), out->image, sizeof(out->image)) &&
	    out->sandbox)
		take(get(ann, "io.kubernetes.cri.podsandbox.image-name"), out->image,
		     sizeof(out->image));
	if (!out->sandbox)
		take(get(ann, "io.kubernetes.cri.container-name"), out->container,
		     sizeof(out->container));
	take(get(ann, "io.kubernetes.cri.sandbox-name"), out->pod, sizeof(out->pod));
	take(get(ann, "io.kubernetes.cri.sandbox-namespace"), out->ns, sizeof(out->ns));
	take(get(ann, "io.kubernetes.cri.sandbox-uid"), out->pod_uid, sizeof(out->pod_uid));
}

/* CRI-O: io.kubernetes.cri-o.* annotations, the Kubernetes labels as annotations of
 * their own, and, for any still missing, the Labels annotation's JSON object. Returns 0
 * or -ENOMEM. */
static int parse_crio(const json_t *ann, struct bundle_ident *out)
{
	int r = 0;
	out->sandbox = is(get(ann, "io.kubernetes.cri-o.ContainerType"), "sandbox");
	if (!take(get(ann, "io.kubernetes.cri-o.ImageName"), out->image, sizeof(out->image)))
		take(get(ann, "io.kubernetes.cri-o.Image"), out->image, sizeof(out->image));
	take(get(ann, "io.kubernetes.cri-o.Name"), out->name, sizeof(out->name));
	kube_labels(ann, out);
	const json_t *lv = get(ann, "io.kubernetes.cri-o.Labels");
	if (json_is_string(lv) && (!out->container[0] || !out->pod[0] || !out->ns[0] ||
				   !out->pod_uid[0])) {
		size_t n = json_string_length(lv);
		json_error_t err;
		json_t *labels = json_loadb(json_string_value(lv), n, JSON_REJECT_DUPLICATES, &err);
		if (!labels && json_error_code(&err) == json_error_out_of_memory)
			r = -ENOMEM;
		kube_labels(labels, out);
		json_decref(labels);
	}
	return r;
}

/* docker's config.v2.json: Name, Config.Image, Config.Labels. */
static void parse_docker(const json_t *root, struct bundle_ident *out)
{
	const json_t *cfg = get(root, "Config"), *labels = get(cfg, "Labels");
	const json_t *name = get(root, "Name");
	take(get(cfg, "Image"), out->image, sizeof(out->image));
	if (json_is_string(name)) { /* "/k8s_nginx_web-0_default_<uid>_0": without the '/' */
		const char *s = json_string_value(name);
		size_t n = json_string_length(name), skip = n && s[0] == '/';
		take_text(s + skip, n - skip, out->name, sizeof(out->name));
	}
	out->sandbox = is(get(labels, "io.kubernetes.docker.type"), "podsandbox");
	kube_labels(labels, out);
}

int bundle_parse(const char *text, size_t len, enum bundle_format fmt, struct bundle_ident *out)
{
	json_error_t err;
	json_t *root = NULL;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (len > BUNDLE_MAX_BYTES) {
		r = -EFBIG;
		goto out;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (!root) {
		r = json_error_code(&err) == json_error_out_of_memory ? -ENOMEM : -EINVAL;
		goto out;
	}
	if (!json_is_object(root)) {
		r = -EINVAL;
		goto out;
	}
	if (fmt == BUNDLE_DOCKER) {
		parse_docker(root, out);
		goto out;
	}
	const json_t *ann = get(root, "annotations");
	if (get(ann, "io.kubernetes.cri.container-type"))
		parse_containerd(ann, out);
	else if (get(ann, "io.kubernetes.cri-o.ContainerType"))
		r = parse_crio(ann, out);
out:
	json_decref(root);
	if (r < 0)
		memset(out, 0, sizeof(*out));
	return r;
}

int bundle_open(int dirfd, const char *path, struct stat *st)
{
	/* a folder the runtime, not plumb, writes: look before opening (regfile.h); a
	 * root-only one is opened through the broker when one runs */
	return regfile_open_shared(dirfd, path, st);
}

/* Read and parse the record at path under rootfd. 0, -ENOENT, or -errno. */
static int read_record(int rootfd, const char *path, enum bundle_format fmt,
		       struct bundle_ident *out)
{
	struct stat st = { 0 };
	char *text = NULL;
	size_t have = 0;
	int r, fd = bundle_open(rootfd, path, &st);
	if (fd < 0)
		return fd;
	if (st.st_size < 0 || (uint64_t)st.st_size > BUNDLE_MAX_BYTES) {
		r = -EFBIG;
		goto out;
	}
	size_t want = (size_t)st.st_size;
	if (!(text = malloc(want + 1))) {
		r = -ENOMEM;
		goto out;
	}
	while (have < want) {
		ssize_t n = read(fd, text + have, want - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		have += (size_t)n;
	}
	r = bundle_parse(text, have, fmt, out);
out:
	free(text);
	close(fd);
	return r;
}

/* Whether id is 64 lowercase hex digits. */
static bool id_ok(const char *id)
{
	size_t n = 0;
	for (; id[n]; n++)
		if (!((id[n] >= '0' && id[n] <= '9') || (id[n] >= 'a' && id[n] <= 'f')))
			return false;
	return n == CG_ID_MAX;
}

int bundle_lookup(int rootfd, enum cg_runtime rt, const char *id, struct bundle_ident *out)
{
	int r = -ENOENT;
	memset(out, 0, sizeof(*out));
	if (!id_ok(id))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
		bool mine = places[i].rt == rt || rt == CG_RT_UNKNOWN ||
			    (rt == CG_RT_PODMAN && places[i].rt == CG_RT_CRIO);
		if (!mine)
			continue;
		char path[512];
		int n = snprintf(path, sizeof(path), "%s/%s%s", bundle_dirs[places[i].dir], id,
				 places[i].suffix);
		if (n < 0 || (size_t)n >= sizeof(path))
			return -ENAMETOOLONG;
		r = read_record(rootfd, path, places[i].fmt, out);
		if (r != -ENOENT && r != -ENOTDIR)
			return r;
	}
	return -ENOENT;
}
