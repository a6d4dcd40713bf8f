/*
 * selinux: whether SELinux is on, and the mode it boots in and runs in, as
 * node_exporter's selinux collector (through go-selinux) reports them.
 *
 * SELinux counts as enabled when a selinuxfs is mounted read-write, at
 * --path.sysfs/fs/selinux or, if the kernel lists selinuxfs in /proc/filesystems, at
 * a mount point the process's mount table names (beneath --path.rootfs), and the
 * process's own label (thread-self/attr/current) is not "kernel" (no policy loaded).
 * go-selinux recognises a selinuxfs by its filesystem magic; plumb takes a folder that
 * holds an enforce file, which on a real host is the same thing and also lets a
 * made-up tree stand for one. Like go-selinux, plumb decides once, at start-up. When
 * enabled, each scrape reads the mode from the enforce file and the boot mode from
 * --path.rootfs/etc/selinux/config; when not, it reads nothing and reports
 * node_selinux_enabled 0, with success 1, as node_exporter does.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "collectors/selinux.h"
#include "core/collector.h"
#include "lib/procfile.h"

#define SELINUX_MAX_LINE 65535       /* bufio.Scanner's longest line */
#define SELINUX_CONFIG_MAX (64u << 10) /* of the config file, what is read */

static const struct metric_desc desc_enabled = {
	"node_selinux_enabled",
	"1 when SELinux is enabled (selinuxfs mounted read-write, a policy loaded), else 0.",
	METRIC_GAUGE
};
static const struct metric_desc desc_config = {
	"node_selinux_config_mode",
	"SELinux mode the config file sets for boot: 1 enforcing, 0 permissive, -1 disabled.",
	METRIC_GAUGE
};
static const struct metric_desc desc_current = {
	"node_selinux_current_mode",
	"SELinux mode in force now: 1 enforcing, 0 permissive, -1 when it cannot be read.",
	METRIC_GAUGE
};

int selinux_config_mode(const char *buf, size_t len)
{
	struct cursor cur = cursor_init(buf, len);
	struct span line;
	while (cursor_line(&cur, &line) && line.len <= SELINUX_MAX_LINE) {
		line = span_trim(line);
		if (line.len == 0 || line.p[0] == '#' || line.p[0] == ';')
			continue;
		const char *eq = memchr(line.p, '=', line.len);
		if (!eq || !span_eq((struct span){ line.p, (size_t)(eq - line.p) }, "SELINUX"))
			continue;
		struct span v = { eq + 1, (size_t)(line.p + line.len - eq - 1) };
		while (v.len && v.p[0] == '"') {
			v.p++;
			v.len--;
		}
		while (v.len && v.p[v.len - 1] == '"')
			v.len--;
		return span_eq(v, "enforcing") ? 1 : span_eq(v, "permissive") ? 0 : -1;
	}
	return -1;
}

int64_t selinux_enforce_mode(const char *buf, size_t len)
{
	int64_t v;
	return span_atoi((struct span){ buf, len }, &v) == 0 ? v : -1;
}

bool selinux_listed(const char *buf, size_t len)
{
	return memmem(buf, len, "\tselinuxfs\n", 11) != NULL;
}

bool selinux_next_mount(struct cursor *c, struct span *mnt)
{
	struct span line, f = { NULL, 0 };
	while (cursor_line(c, &line)) {
		if (line.len > SELINUX_MAX_LINE) {
			c->p = c->end; /* go-selinux's scanner gives up here */
			return false;
		}
		if (!memmem(line.p, line.len, " - selinuxfs ", 13))
			continue;
		/* split on single spaces: the fifth of at least six parts */
		struct span s = line;
		int i = 0;
		while (i < 5 && span_field(&s, ' ', &f))
			i++;
		if (i == 5 && s.p) {
			*mnt = f;
			return true;
		}
	}
	return false;
}

bool selinux_label_is_kernel(const char *buf, size_t len)
{
	if (len && buf[len - 1] == '\0')
		len--;
	return span_eq((struct span){ buf, len }, "kernel");
}

int selinux_emit(bool enabled, int config_mode, int64_t current_mode, struct metric_sink *out)
{
	int r = sink_add(out, &desc_enabled, enabled ? 1 : 0, NULL, 0);
	if (r == 0 && enabled)
		r = sink_add(out, &desc_config, config_mode, NULL, 0);
	if (r == 0 && enabled)
		r = sink_add(out, &desc_current, (double)current_mode, NULL, 0);
	return r;
}

struct selinux_priv {
	bool enabled;
	char mount[PATH_MAX];  /* the selinuxfs, when enabled */
	char *config;          /* SELINUX_CONFIG_MAX + 1 bytes for the config file */
};

/* Whether path is a selinuxfs plumb can use: mounted read-write, with an enforce file. */
static bool usable_mount(const char *path)
{
	struct statvfs vfs;
	struct stat st;
	char enforce[PATH_MAX];
	if (statvfs(path, &vfs) < 0 || (vfs.f_flag & ST_RDONLY))
		return false;
	return path_join(enforce, sizeof(enforce), path, "enforce") == 0 &&
	       stat(enforce, &st) == 0 && S_ISREG(st.st_mode);
}

/* Find the selinuxfs as go-selinux does (see the top of this file) into out[PATH_MAX].
 * Returns 0, -ENOENT when there is none, or -errno. */
static int find_mount(const struct plumb_config *cfg, char *out)
{
	char fs[16384];
	size_t len;
	struct procfile mi = { .fd = -1 };
	struct span mnt;
	int r = path_join(out, PATH_MAX, cfg_sysfs(cfg), "fs/selinux");
	if (r < 0 || usable_mount(out))
		return r;
	r = read_file_at(cfg_procfs(cfg), "filesystems", fs, sizeof(fs), &len);
	if ((r < 0 && r != -EFBIG) || !selinux_listed(fs, len))
		return -ENOENT;
	r = procfile_init(&mi, cfg_procfs(cfg), "self/mountinfo", 0);
	if (r == 0)
		r = procfile_read(&mi);
	if (r < 0)
		goto out;
	struct cursor c = cursor_init(mi.buf, mi.len);
	r = -ENOENT;
	while (r == -ENOENT && selinux_next_mount(&c, &mnt)) {
		char m[PATH_MAX];
		if (span_copy(mnt, m, sizeof(m)) == 0 &&
		    path_join(out, PATH_MAX, cfg_rootfs(cfg), m) == 0 && usable_mount(out))
			r = 0;
	}
out:
	procfile_fini(&mi);
	return r;
}

static int selinux_init(struct collector *c)
{
	char label[64];
	size_t len;
	struct selinux_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->priv = p;
	int r = find_mount(c->cfg, p->mount);
	if (r == -ENOENT)
		return 0; /* not enabled */
	if (r < 0)
		return r;
	/* a label that cannot be read, or is too long to be "kernel", is not "kernel" */
	r = read_file_at(cfg_procfs(c->cfg), "thread-self/attr/current", label, sizeof(label),
			 &len);
	if (r == 0 && selinux_label_is_kernel(label, len))
		return 0;
	p->config = malloc(SELINUX_CONFIG_MAX + 1);
	if (!p->config)
		return -ENOMEM;
	p->enabled = true;
	return 0;
}

static int selinux_collect(struct collector *c, struct metric_sink *out)
{
	struct selinux_priv *p = c->priv;
	char enforce[64];
	size_t len;
	int config = -1;
	int64_t current = -1;
	if (!p->enabled)
		return selinux_emit(false, 0, 0, out);
	int r = read_file_at(cfg_rootfs(c->cfg), "etc/selinux/config", p->config,
			     SELINUX_CONFIG_MAX + 1, &len);
	if (r == -EFBIG) { /* read what fits, to the last whole line */
		while (len && p->config[len - 1] != '\n')
			len--;
		r = 0;
	}
	if (r == 0)
		config = selinux_config_mode(p->config, len);
	if (read_file_at(p->mount, "enforce", enforce, sizeof(enforce), &len) == 0)
		current = selinux_enforce_mode(enforce, len);
	return selinux_emit(true, config, current, out);
}

static void selinux_fini(struct collector *c)
{
	struct selinux_priv *p = c->priv;
	if (!p)
		return;
	free(p->config);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_selinux = {
	.name = "selinux",
	.default_enabled = true,
	.reads = "/sys/fs/selinux/enforce, <rootfs>/etc/selinux/config",
	.init = selinux_init,
	.collect = selinux_collect,
	.fini = selinux_fini,
};
