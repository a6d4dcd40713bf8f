/*
 * fibrechannel: Fibre Channel host adapters from /sys/class/fc_host, as node_exporter's
 * fibrechannel collector reports them.
 *
 * Each class entry (a link into /sys/devices, or a link file in a flattened copy) is a
 * host port: its text attributes become the labels of node_fibrechannel_info and the
 * files of its statistics/ directory its counters. Drivers leave attributes out, so a
 * missing one is "" and a missing statistics/ means no counters; any other read error,
 * or a counter that is not a number, fails the collection. Without the class directory
 * there is no data, as in node_exporter.
 *
 * Steady state: the class directory is a dirscan held in priv, each statistics/ is
 * listed with an fdscan in priv, values go through a stack buffer into a record in
 * priv: a scrape allocates nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collectors/fibrechannel.h"
#include "core/collector.h"
#include "lib/dirscan.h"
#include "lib/fdscan.h"

const char *const fc_attr_files[FC_NATTR] = {
	"speed",	"port_state",	"port_type",	     "node_name",
	"port_id",	"port_name",	"fabric_name",	     "dev_loss_tmo",
	"symbolic_name", "supported_classes", "supported_speeds",
};

/* Attributes whose value starts with "0x" that node_exporter shows without it. */
#define FC_HEX_ATTRS ((1u << 3) | (1u << 4) | (1u << 5) | (1u << 6))
#define FC_PORT_STATE 1

/* The info series' label per attribute, NULL for node_name, which it does not show. */
static const char *const attr_labels[FC_NATTR] = {
	"speed",   "port_state",   "port_type",	    NULL,	       "port_id",	   "port_name",
	"fabric_name", "dev_loss_tmo", "symbolic_name", "supported_classes", "supported_speeds",
};

const char *const fc_stat_files[FC_NSTAT] = {
	"dumped_frames",	    "error_frames",	     "invalid_crc_count",  "rx_frames",
	"rx_words",		    "tx_frames",	     "tx_words",	   "seconds_since_last_reset",
	"invalid_tx_word_count", "link_failure_count", "loss_of_sync_count", "loss_of_signal_count",
	"nos_count",		    "fcp_packet_aborts",
};

#define C(n, h) { "node_fibrechannel_" n, h, METRIC_COUNTER }
static const struct metric_desc stat_descs[FC_NSTAT] = {
	C("dumped_frames_total", "Frames the host port dropped."),
	C("error_frames_total", "Frames received with errors."),
	C("invalid_crc_total", "Frames received with a bad CRC."),
	C("rx_frames_total", "Frames received by the host port."),
	C("rx_words_total", "Words received by the host port."),
	C("tx_frames_total", "Frames sent by the host port."),
	C("tx_words_total", "Words sent by the host port."),
	C("seconds_since_last_reset_total", "Seconds since the host port's statistics were reset."),
	C("invalid_tx_words_total", "Invalid transmission words the host port counted."),
	C("link_failure_total", "Link failures of the host port."),
	C("loss_of_sync_total", "Times the host port lost bit or word synchronisation."),
	C("loss_of_signal_total", "Times the host port lost the signal."),
	C("nos_total", "Not Operational primitive sequences the host port received."),
	C("fcp_packet_aborts_total", "FCP exchanges the host port aborted."),
};
#undef C

static const struct metric_desc desc_info = {
	"node_fibrechannel_info",
	"Always 1; labels carry the host port's speed, state, type, port id and names, "
	"classes of service, supported speeds and dev_loss_tmo.",
	METRIC_GAUGE
};

struct fc_priv {
	struct dirscan dir;   /* /sys/class/fc_host */
	struct fdscan stats;  /* one host's statistics/ */
	struct fc_host host;
};

void fc_record_attr(struct fc_host *h, const char *file, struct span value)
{
	for (size_t i = 0; i < FC_NATTR; i++) {
		if (strcmp(file, fc_attr_files[i]) != 0)
			continue;
		if ((FC_HEX_ATTRS >> i & 1) && value.len > 2) {
			value.p += 2;
			value.len -= 2;
		}
		h->len[i] = value.len < SYSFS_ATTR_MAX ? value.len : SYSFS_ATTR_MAX;
		memcpy(h->str[i], value.p, h->len[i]);
		h->have_attr |= 1u << i;
	}
}

int fc_record_stat(struct fc_host *h, const char *file, struct span value)
{
	for (size_t i = 0; i < FC_NSTAT; i++) {
		if (strcmp(file, fc_stat_files[i]) != 0)
			continue;
		if (span_u64_auto(value, &h->stat[i]) < 0)
			return -EINVAL;
		h->have_stat |= 1u << i;
	}
	return 0;
}

int fc_emit(const struct fc_host *h, const char *name, struct metric_sink *out)
{
	struct label ls[FC_NATTR];
	size_t n = 0;
	ls[n++] = L("fc_host", name);
	for (size_t i = 0; i < FC_NATTR; i++) {
		if (attr_labels[i])
			ls[n++] = (struct label){ attr_labels[i], h->str[i], h->len[i] };
	}
	int r = sink_add(out, &desc_info, 1, ls, n);
	struct span state = { h->str[FC_PORT_STATE], h->len[FC_PORT_STATE] };
	bool down = !(h->have_attr >> FC_PORT_STATE & 1) || span_eq(state, "Unknown");
	for (size_t i = 0; r == 0 && i < FC_NSTAT; i++) {
		if (down)
			r = sink_add(out, &stat_descs[i], 0, LABELS(L("fc_host", name)));
		else if ((h->have_stat >> i & 1) && h->stat[i] != UINT64_MAX)
			r = sink_add(out, &stat_descs[i], (double)h->stat[i], LABELS(L("fc_host", name)));
	}
	return r;
}

/* Whether entry `name` (of type `type`) of directory dirfd is a regular file, looking
 * at the entry itself when the directory listing did not say. */
static bool regular_file(int dirfd, const char *name, unsigned char type)
{
	struct stat st;
	if (type != DT_UNKNOWN)
		return type == DT_REG;
	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

/* Read the statistics/ directory of the host directory hostfd into p->host; a host
 * without one has no counters. Files that are write-only or not supported by the
 * driver are skipped. Returns 0 or -errno. */
static int fc_read_stats(struct fc_priv *p, int hostfd)
{
	char buf[SYSFS_ATTR_MAX + 1];
	const char *name;
	unsigned char type;
	struct span val;
	int r;
	int fd = openat(hostfd, "statistics", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	r = fdscan_start(&p->stats, fd);
	while (r == 0 && (r = fdscan_next(&p->stats, &name, &type)) > 0) {
		r = 0;
		if (!regular_file(fd, name, type) || strcmp(name, "reset_statistics") == 0)
			continue;
		r = sysfs_attr(fd, name, buf, sizeof(buf), &val);
		if (r == -ENOENT || r == -EOPNOTSUPP) {
			r = 0;
			continue;
		}
		if (r == 0)
			r = fc_record_stat(&p->host, name, val);
	}
	close(fd);
	return r;
}

/* Read and emit host `name` of the class directory. An entry whose directory is gone
 * (a dangling link) has no attributes and is still reported, as in node_exporter.
 * Returns 0 or -errno. */
static int fc_host(struct fc_priv *p, const char *name, struct metric_sink *out)
{
	char buf[SYSFS_ATTR_MAX + 1];
	struct span val;
	int r = 0;
	int fd = sysfs_open_dir(dirscan_fd(&p->dir), name);
	memset(&p->host, 0, sizeof(p->host));
	if (fd < 0 && fd != -ENOENT)
		return fd;
	for (size_t i = 0; fd >= 0 && i < FC_NATTR; i++) {
		r = sysfs_attr(fd, fc_attr_files[i], buf, sizeof(buf), &val);
		if (r == 0)
			fc_record_attr(&p->host, fc_attr_files[i], val);
		else if (r != -ENOENT)
			goto out_close;
		r = 0;
	}
	if (fd >= 0)
		r = fc_read_stats(p, fd);
	if (r == 0)
		r = fc_emit(&p->host, name, out);
out_close:
	if (fd >= 0)
		close(fd);
	return r;
}

static int fc_init(struct collector *c)
{
	struct fc_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->priv = p;
	p->dir.fd = -1;
	return dirscan_init(&p->dir, cfg_sysfs(c->cfg), "class/fc_host");
}

static int fc_collect(struct collector *c, struct metric_sink *out)
{
	struct fc_priv *p = c->priv;
	const char *name;
	unsigned char type;
	int r = dirscan_rewind(&p->dir);
	while (r == 0 && (r = dirscan_next(&p->dir, &name, &type)) > 0)
		r = fc_host(p, name, out);
	return r;
}

static void fc_fini(struct collector *c)
{
	struct fc_priv *p = c->priv;
	if (!p)
		return;
	dirscan_fini(&p->dir);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_fibrechannel = {
	.name = "fibrechannel",
	.default_enabled = true,
	.reads = "/sys/class/fc_host",
	.init = fc_init,
	.collect = fc_collect,
	.fini = fc_fini,
};
