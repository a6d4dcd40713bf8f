/*
 * cgident: classify a cgroup path as a pod, container, service or slice (see
 * cgident.h).
 *
 * The path is split into components in a fixed array of spans; the kubepods
 * component (cgroupfs "kubepods", systemd "kubepods.slice" or "<x>-kubepods.slice")
 * anchors the Kubernetes layout, which is then matched level by level: optional QoS,
 * pod, container, and nothing deeper. Systemd slice names repeat their parent's name
 * ("kubepods-burstable-pod<uid>.slice" under "kubepods-burstable.slice"), and the
 * match insists on that, so a stray component cannot pass for a pod. Outside
 * kubepods only the last component matters: a runtime's scope, a service, a slice.
 */
#include "lib/cgident.h"

#include <errno.h>
#include <string.h>

#define CG_MAX_DEPTH 64 /* deeper paths are classified by their last components */
#define KUBEPODS_MAX_DEPTH 2 /* components above a kubepods cgroup: none or one */

static const char *const kind_names[] = {
	[CG_KIND_OTHER] = "other",     [CG_KIND_KUBEPODS] = "kubepods",
	[CG_KIND_POD] = "pod",         [CG_KIND_CONTAINER] = "container",
	[CG_KIND_SERVICE] = "service", [CG_KIND_SLICE] = "slice",
	[CG_KIND_RUNTIME] = "runtime",
};
static const char *const qos_names[] = {
	[CG_QOS_NONE] = "",
	[CG_QOS_GUARANTEED] = "guaranteed",
	[CG_QOS_BURSTABLE] = "burstable",
	[CG_QOS_BESTEFFORT] = "besteffort",
};
static const char *const rt_names[] = {
	[CG_RT_NONE] = "",         [CG_RT_CONTAINERD] = "containerd",
	[CG_RT_CRIO] = "crio",     [CG_RT_DOCKER] = "docker",
	[CG_RT_PODMAN] = "podman", [CG_RT_UNKNOWN] = "unknown",
};

/* Name of k, or "other" when out of range. */
const char *cg_kind_name(enum cg_kind k)
{
	return (unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : "other";
}

/* Name of q, or "" when out of range. */
const char *cg_qos_name(enum cg_qos q)
{
	return (unsigned)q < sizeof(qos_names) / sizeof(qos_names[0]) ? qos_names[q] : "";
}

/* Name of r, or "" when out of range. */
const char *cg_runtime_name(enum cg_runtime r)
{
	return (unsigned)r < sizeof(rt_names) / sizeof(rt_names[0]) ? rt_names[r] : "";
}

/* Whether c is a lowercase hex digit. */
static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* Drop n bytes from the front of *s (caller checked s->len >= n). */
static void span_skip(struct span *s, size_t n)
{
	s->p += n;
	s->len -= n;
}

/* Strip suffix from *s if it ends with it; false (and *s unchanged) otherwise. */
static bool strip_suffix(struct span *s, const char *suffix)
{
	size_t n = strlen(suffix);
	if (!span_ends(*s, suffix))
		return false;
	s->len -= n;
	return true;
}

/* Strip prefix from *s if it starts with it. */
static bool strip_prefix(struct span *s, const char *prefix)
{
	size_t n = strlen(prefix);
	if (!span_starts(*s, prefix))
		return false;
	span_skip(s, n);
	return true;
}

/* A container ID: exactly 64 lowercase hex digits. Copies into out[CG_ID_MAX + 1]. */
static bool take_id(struct span s, char *out)
{
	if (s.len != CG_ID_MAX)
		return false;
	for (size_t i = 0; i < s.len; i++)
		if (!is_hex(s.p[i]))
			return false;
	memcpy(out, s.p, s.len);
	out[s.len] = '\0';
	return true;
}

/* A pod UID: a UUID (8-4-4-4-12 lowercase hex, with sep in the dash positions: '-'
 * for cgroupfs, '_' for systemd) or a 32-hex static-pod hash. Copied with dashes into
 * out[CG_UID_MAX + 1]. */
static bool take_uid(struct span s, char sep, char *out)
{
	if (s.len == 32) {
		for (size_t i = 0; i < 32; i++)
			if (!is_hex(s.p[i]))
				return false;
	} else if (s.len == 36) {
		for (size_t i = 0; i < 36; i++) {
			bool dash = i == 8 || i == 13 || i == 18 || i == 23;
			if (dash ? s.p[i] != sep : !is_hex(s.p[i]))
				return false;
		}
	} else {
		return false;
	}
	for (size_t i = 0; i < s.len; i++)
		out[i] = s.p[i] == sep ? '-' : s.p[i];
	out[s.len] = '\0';
	return true;
}

/* "<prefix>-<id>.scope" for the runtimes we know; with_scope false accepts the
 * cgroupfs forms "crio-<id>" and a bare "<id>" instead. Sets *rt and id. */
static bool take_runtime(struct span c, bool with_scope, enum cg_runtime *rt, char *id)
{
	static const struct {
		const char *prefix;
		enum cg_runtime rt;
	} scopes[] = {
		{ "cri-containerd-", CG_RT_CONTAINERD },
		{ "crio-", CG_RT_CRIO },
		{ "docker-", CG_RT_DOCKER },
		{ "libpod-", CG_RT_PODMAN },
	};
	if (!with_scope) {
		if (strip_prefix(&c, "crio-")) {
			*rt = CG_RT_CRIO;
			return take_id(c, id);
		}
		*rt = CG_RT_UNKNOWN;
		return take_id(c, id);
	}
	if (!strip_suffix(&c, ".scope"))
		return false;
	for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
		struct span rest = c;
		if (strip_prefix(&rest, scopes[i].prefix) && take_id(rest, id)) {
			*rt = scopes[i].rt;
			return true;
		}
	}
	return false;
}

/* Systemd names a child slice after its parent: c == stem + "-" + rest + ".slice".
 * On a match *rest gets the part in between. */
static bool child_slice(struct span c, struct span stem, struct span *rest)
{
	if (c.len <= stem.len + 1 || memcmp(c.p, stem.p, stem.len) || c.p[stem.len] != '-')
		return false;
	span_skip(&c, stem.len + 1);
	if (!strip_suffix(&c, ".slice"))
		return false;
	*rest = c;
	return true;
}

/* One level below stem: under systemd the child slice's own part, under cgroupfs the
 * component itself. False when a systemd name does not extend its parent's. */
static bool kube_level(struct span c, struct span stem, bool systemd, struct span *rest)
{
	if (!systemd) {
		*rest = c;
		return true;
	}
	return child_slice(c, stem, rest);
}

/* The Kubernetes part of a path: comps[0] is the kubepods component, n >= 1.
 * systemd tells which driver's naming to expect. Fills *out, or leaves it OTHER with
 * nothing set when the layout does not match exactly. */
static void ident_kube(const struct span *comps, size_t n, bool systemd, struct cg_ident *out)
{
	struct span stem = comps[0], rest;
	enum cg_qos qos = CG_QOS_GUARANTEED;
	size_t i = 1;

	if (systemd)
		stem.len -= sizeof(".slice") - 1;
	if (i == n) {
		out->kind = CG_KIND_KUBEPODS;
		return;
	}
	/* An optional QoS level; guaranteed pods sit right under kubepods. */
	if (kube_level(comps[i], stem, systemd, &rest)) {
		if (span_eq(rest, "burstable"))
			qos = CG_QOS_BURSTABLE;
		else if (span_eq(rest, "besteffort"))
			qos = CG_QOS_BESTEFFORT;
	}
	if (qos != CG_QOS_GUARANTEED) {
		if (systemd) /* children are named "kubepods-burstable-..." */
			stem = (struct span){ comps[i].p, (size_t)(rest.p + rest.len - comps[i].p) };
		if (++i == n) {
			out->kind = CG_KIND_KUBEPODS;
			out->qos = qos;
			return;
		}
	}
	/* The pod. */
	if (!kube_level(comps[i], stem, systemd, &rest) || !strip_prefix(&rest, "pod") ||
	    !take_uid(rest, systemd ? '_' : '-', out->pod_uid))
		goto not_ours;
	out->qos = qos;
	if (++i == n) {
		out->kind = CG_KIND_POD;
		return;
	}
	/* The container, and nothing below it. */
	if (i + 1 == n && take_runtime(comps[i], systemd, &out->runtime, out->id)) {
		out->kind = CG_KIND_CONTAINER;
		return;
	}
not_ours:
	out->pod_uid[0] = '\0';
	out->id[0] = '\0';
	out->qos = CG_QOS_NONE;
	out->runtime = CG_RT_NONE;
}

/* A systemd unit name we are willing to report: the characters systemd allows. */
static bool unit_name_ok(struct span s)
{
	if (s.len == 0 || s.len > CG_SERVICE_MAX)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		char c = s.p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == ':' || c == '_' || c == '.' || c == '-' || c == '@' || c == '\\'))
			return false;
	}
	return true;
}

/* A path outside kubepods: judged by its last component (and its parent for the
 * cgroupfs docker form). */
static void ident_host(const struct span *comps, size_t n, struct cg_ident *out)
{
	struct span last = comps[n - 1];

	if (n == 2 && span_eq(comps[0], "docker") && take_id(last, out->id)) {
		out->kind = CG_KIND_RUNTIME;
		out->runtime = CG_RT_DOCKER;
		return;
	}
	if (take_runtime(last, true, &out->runtime, out->id)) {
		out->kind = CG_KIND_RUNTIME;
		return;
	}
	out->runtime = CG_RT_NONE;
	out->id[0] = '\0';
	if (!unit_name_ok(last))
		return;
	if (span_ends(last, ".service") && last.len > sizeof(".service") - 1) {
		out->kind = CG_KIND_SERVICE;
		span_copy(last, out->service, sizeof(out->service));
	} else if (span_ends(last, ".slice") && last.len > sizeof(".slice") - 1) {
		out->kind = CG_KIND_SLICE;
	}
}

/* Classify path into *out. 0, or -EINVAL for a NUL byte or an empty component. */
int cg_ident_parse(struct span path, struct cg_ident *out)
{
	struct span comps[CG_MAX_DEPTH];
	size_t n = 0, skipped = 0;
	struct span s = path, c;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (memchr(s.p, '\0', s.len)) {
		r = -EINVAL;
		goto out;
	}
	if (s.len && s.p[0] == '/')
		span_skip(&s, 1);
	if (s.len && s.p[s.len - 1] == '/')
		s.len--;
	if (!s.len)
		goto out; /* the root */
	while (span_field(&s, '/', &c)) {
		if (!c.len) {
			r = -EINVAL;
			goto out;
		}
		if (n == CG_MAX_DEPTH) { /* keep the last CG_MAX_DEPTH components */
			memmove(comps, comps + 1, sizeof(comps) - sizeof(comps[0]));
			n--;
			skipped++;
		}
		comps[n++] = c;
	}
	/* kubelet's cgroups hang off the root, or off one root-level cgroup (its
	 * --cgroup-root: /kubelet.slice/kubelet-kubepods.slice, /foo/kubepods). Only root
	 * can make cgroups that high; deeper down a user's or a container's delegated
	 * subtree could hold a "kubepods" copying a real pod's UID and container ID,
	 * and would be named after it. */
	for (size_t i = 0; i < n && skipped + i < KUBEPODS_MAX_DEPTH; i++) {
		if (span_eq(comps[i], "kubepods")) {
			ident_kube(comps + i, n - i, false, out);
			goto out;
		}
		if (span_eq(comps[i], "kubepods.slice") || span_ends(comps[i], "-kubepods.slice")) {
			ident_kube(comps + i, n - i, true, out);
			goto out;
		}
	}
	if (skipped || n == 0) /* n > 0 here (s was not empty); the analyzer cannot tell */
		goto out; /* too deep to know whether kubepods was above: leave it OTHER */
	ident_host(comps, n, out);
out:
	return r;
}
