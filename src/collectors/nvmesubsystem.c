/*
 * nvmesubsystem: NVMe subsystems and the health of their controller paths, from
 * /sys/class/nvme-subsystem, as node_exporter's nvmesubsystem collector (added after
 * 1.5) reports them.
 *
 * Each class entry named nvme-subsys* is a subsystem (a link into /sys/devices, or a
 * link file in a flattened copy): subsysnqn, model, serial and iopolicy label
 * node_nvmesubsystem_info. In its directory, each nvme<N> entry is a controller, that
 * is one path to the subsystem (NVMe-oF multipath): its state gives one
 * node_nvmesubsystem_path_state series per known state, 1 for the current one; the
 * paths and the live ones are counted. Each nvme<N>n<M> entry is a namespace block
 * device (node_nvmesubsystem_namespace_info). Every attribute read must succeed, the
 * controller's address included (node_exporter reads it without reporting it): a
 * missing or forbidden one, or no class directory, is no data (success 0, logged at
 * debug level), any other failure fails the collection.
 *
 * Steady state: the class directory is a dirscan held in priv, a subsystem's directory
 * is listed with an fdscan in priv, values go through a stack buffer into records in
 * priv: a scrape allocates nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/nvmesubsystem.h"
#include "core/collector.h"
#include "lib/dirscan.h"
#include "lib/fdscan.h"
#include "lib/utf8valid.h"

const char *const nvmess_subsys_files[NVMESS_NSUB] = { "subsysnqn", "model", "serial",
						       "iopolicy" };
const char *const nvmess_ctrl_files[NVMESS_NCTRL] = { "state", "transport", "address" };
const char *const nvmess_states[NVMESS_NSTATES] = { "connecting", "dead",      "deleting", "live",
						    "new",	  "resetting", "unknown" };

/* Label names of nvmess_subsys_files, in order. */
static const char *const subsys_labels[NVMESS_NSUB] = { "nqn", "model", "serial", "iopolicy" };

static const struct metric_desc desc_info = {
	"node_nvmesubsystem_info",
	"Always 1; labels carry the NVMe subsystem's qualified name (NQN), model, serial number "
	"and multipath I/O policy.",
	METRIC_GAUGE
};
static const struct metric_desc desc_ns_info = {
	"node_nvmesubsystem_namespace_info",
	"Always 1; ties an NVMe namespace block device to the subsystem it belongs to.",
	METRIC_GAUGE
};
static const struct metric_desc desc_paths = {
	"node_nvmesubsystem_paths", "Controller paths of the NVMe subsystem, in any state.",
	METRIC_GAUGE
};
static const struct metric_desc desc_paths_live = {
	"node_nvmesubsystem_paths_live", "Controller paths of the NVMe subsystem in the live state.",
	METRIC_GAUGE
};
static const struct metric_desc desc_path_state = {
	"node_nvmesubsystem_path_state",
	"1 for the state a controller path of the NVMe subsystem is in, 0 for every other state.",
	METRIC_GAUGE
};

struct nvmess_priv {
	struct dirscan dir;  /* /sys/class/nvme-subsystem */
	struct fdscan sub;   /* one subsystem's directory */
	struct nvmess_subsys ss;
	struct nvmess_ctrl ctrl;
};

bool nvmess_subsys_name(const char *name)
{
	return strncmp(name, "nvme-subsys", 11) == 0;
}

/* Skip "nvme" and one or more digits at name; returns what follows, or NULL. */
static const char *after_nvme_digits(const char *name)
{
	if (strncmp(name, "nvme", 4) != 0 || !ascii_digit(name[4]))
		return NULL;
	name += 4;
	while (ascii_digit(*name))
		name++;
	return name;
}

bool nvmess_ctrl_name(const char *name)
{
	const char *rest = after_nvme_digits(name);
	return rest && *rest == '\0';
}

bool nvmess_ns_name(const char *name)
{
	const char *rest = after_nvme_digits(name);
	if (!rest || *rest++ != 'n' || !ascii_digit(*rest))
		return false;
	while (ascii_digit(*rest))
		rest++;
	return *rest == '\0';
}

const char *nvmess_state(struct span raw)
{
	for (size_t i = 0; i < NVMESS_NSTATES - 1; i++)
		if (span_eq(raw, nvmess_states[i]))
			return nvmess_states[i];
	return span_eq(raw, "deleting (no IO)") ? "deleting" : "unknown";
}

void nvmess_subsys_reset(struct nvmess_subsys *ss)
{
	memset(ss, 0, sizeof(*ss));
}

void nvmess_subsys_record(struct nvmess_subsys *ss, const char *file, struct span value)
{
	for (size_t i = 0; i < NVMESS_NSUB; i++)
		if (strcmp(file, nvmess_subsys_files[i]) == 0)
			utf8_valid_copy(value, ss->str[i], sizeof(ss->str[i]));
}

void nvmess_ctrl_record(struct nvmess_ctrl *c, const char *file, struct span value)
{
	for (size_t i = 0; i < NVMESS_NCTRL; i++)
		if (strcmp(file, nvmess_ctrl_files[i]) == 0)
			utf8_valid_copy(value, c->str[i], sizeof(c->str[i]));
}

int nvmess_ctrl_emit(struct nvmess_subsys *ss, const char *subsys, const struct nvmess_ctrl *c,
		     const char *ctrl, struct metric_sink *out)
{
	const char *state = nvmess_state(span_cstr(c->str[0]));
	int r = 0;
	for (size_t i = 0; r == 0 && i < NVMESS_NSTATES; i++)
		r = sink_add(out, &desc_path_state, nvmess_states[i] == state ? 1 : 0,
			     LABELS(L("subsystem", subsys), L("controller", ctrl),
				    L("transport", c->str[1]), L("state", nvmess_states[i])));
	ss->paths++;
	ss->live += strcmp(state, "live") == 0;
	return r;
}

int nvmess_ns_emit(const char *subsys, const char *ns, struct metric_sink *out)
{
	return sink_add(out, &desc_ns_info, 1, LABELS(L("subsystem", subsys), L("device", ns)));
}

int nvmess_subsys_emit(const struct nvmess_subsys *ss, const char *subsys,
		       struct metric_sink *out)
{
	struct label ls[NVMESS_NSUB + 1];
	int r;
	ls[0] = L("subsystem", subsys);
	for (size_t i = 0; i < NVMESS_NSUB; i++)
		ls[i + 1] = L(subsys_labels[i], ss->str[i]);
	r = sink_add(out, &desc_info, 1, ls, NVMESS_NSUB + 1);
	if (r == 0)
		r = sink_add(out, &desc_paths, (double)ss->paths, LABELS(L("subsystem", subsys)));
	if (r == 0)
		r = sink_add(out, &desc_paths_live, (double)ss->live, LABELS(L("subsystem", subsys)));
	return r;
}

/* Read the n attributes files[] of directory fd, each into rec with record. Returns 0
 * or -errno from sysfs_attr. */
static int read_attrs(int fd, const char *const *files, size_t n, void *rec,
		      void (*record)(void *rec, const char *file, struct span value))
{
	char buf[SYSFS_ATTR_MAX + 1];
	struct span val;
	int r = 0;
	for (size_t i = 0; r == 0 && i < n; i++) {
		r = sysfs_attr(fd, files[i], buf, sizeof(buf), &val);
		if (r == 0)
			record(rec, files[i], val);
	}
	return r;
}

/* read_attrs' recorders: rec is a struct nvmess_subsys, or a struct nvmess_ctrl. */
static void record_subsys(void *rec, const char *file, struct span value)
{
	nvmess_subsys_record(rec, file, value);
}

static void record_ctrl(void *rec, const char *file, struct span value)
{
	nvmess_ctrl_record(rec, file, value);
}

/* Read controller `name` of subsystem directory subfd and emit its path state.
 * Returns 0 or -errno. */
static int nvmess_controller(struct nvmess_priv *p, int subfd, const char *subsys,
			     const char *name, struct metric_sink *out)
{
	int r, fd = sysfs_open_dir(subfd, name);
	if (fd < 0)
		return fd;
	memset(&p->ctrl, 0, sizeof(p->ctrl));
	r = read_attrs(fd, nvmess_ctrl_files, NVMESS_NCTRL, &p->ctrl, record_ctrl);
	if (r == 0)
		r = nvmess_ctrl_emit(&p->ss, subsys, &p->ctrl, name, out);
	close(fd);
	return r;
}

/* Read subsystem `name` of the class directory with its controllers and namespaces
 * and emit them. Returns 0 or -errno. */
static int nvmess_subsystem(struct nvmess_priv *p, const char *name, struct metric_sink *out)
{
	const char *entry;
	unsigned char type;
	int r, fd = sysfs_open_dir(dirscan_fd(&p->dir), name);
	if (fd < 0)
		return fd;
	nvmess_subsys_reset(&p->ss);
	r = read_attrs(fd, nvmess_subsys_files, NVMESS_NSUB, &p->ss, record_subsys);
	if (r == 0)
		r = fdscan_start(&p->sub, fd);
	while (r == 0 && (r = fdscan_next(&p->sub, &entry, &type)) > 0) {
		r = 0;
		if (nvmess_ctrl_name(entry))
			r = nvmess_controller(p, fd, name, entry, out);
		else if (nvmess_ns_name(entry))
			r = nvmess_ns_emit(name, entry, out);
	}
	if (r == 0)
		r = nvmess_subsys_emit(&p->ss, name, out);
	close(fd);
	return r;
}

static int nvmess_init(struct collector *c)
{
	struct nvmess_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->priv = p;
	p->dir.fd = -1;
	return dirscan_init(&p->dir, cfg_sysfs(c->cfg), "class/nvme-subsystem");
}

static int nvmess_collect(struct collector *c, struct metric_sink *out)
{
	struct nvmess_priv *p = c->priv;
	const char *name;
	unsigned char type;
	int r = dirscan_rewind(&p->dir);
	while (r == 0 && (r = dirscan_next(&p->dir, &name, &type)) > 0)
		r = nvmess_subsys_name(name) ? nvmess_subsystem(p, name, out) : 0;
	/* node_exporter counts a file it may not read as missing: no data, not a failure */
	return r == -EACCES || r == -EPERM ? -ENOENT : r;
}

static void nvmess_fini(struct collector *c)
{
	struct nvmess_priv *p = c->priv;
	if (!p)
		return;
	dirscan_fini(&p->dir);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_nvmesubsystem = {
	.name = "nvmesubsystem",
	.default_enabled = false,
	.reads = "/sys/class/nvme-subsystem",
	.init = nvmess_init,
	.collect = nvmess_collect,
	.fini = nvmess_fini,
};
