/*
 * tapestats: SCSI tape drive I/O statistics from /sys/class/scsi_tape/st<N>/stats/, as
 * node_exporter's tapestats collector reports them.
 *
 * Only the st<N> entries are read (the nst<N> and mode variants a/l/m are the same
 * drive). Every file of a drive's stats/ directory is read, as prometheus/procfs
 * does: one that cannot be read, or a known counter that is not a number, fails the
 * collection, and so does a drive without stats/ (as no data, like a host without
 * the class directory). Drives matching --collector.tapestats.ignored-devices are read
 * but not reported, as in node_exporter.
 *
 * Steady state: the class directory is a dirscan held in priv, each stats/ directory
 * is listed with an fdscan in priv, values go through a stack buffer: a scrape
 * allocates nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/tapestats.h"
#include "core/collector.h"
#include "lib/dirscan.h"
#include "lib/fdscan.h"
#include "lib/regex.h"
#include "lib/sysfs.h"

static const struct flag_def tape_flags[] = {
	{ "collector.tapestats.ignored-devices", FLAG_REGEX, "^$",
	  "Regexp of tape devices (st0...) to leave out.", false },
	{ NULL, 0, NULL, NULL, false },
};

const char *const tape_files[TAPE_NFILES] = {
	"in_flight", "io_ns",	  "other_cnt",	    "read_byte_cnt", "read_cnt",
	"read_ns",   "resid_cnt", "write_byte_cnt", "write_cnt",     "write_ns",
};

/* Per file of tape_files: its family and the factor to its unit. */
static const struct {
	struct metric_desc d;
	double scale;
} tape_series[TAPE_NFILES] = {
	{ { "node_tape_io_now", "I/O requests outstanding on the tape drive now.", METRIC_GAUGE },
	  1 },
	{ { "node_tape_io_time_seconds_total",
	    "Seconds spent waiting for any I/O of the drive, tape movement (seek, rewind) "
	    "included.",
	    METRIC_COUNTER },
	  1e-9 },
	{ { "node_tape_io_others_total",
	    "Commands other than reads and writes issued to the drive (their time is the I/O "
	    "time less read and write time).",
	    METRIC_COUNTER },
	  1 },
	{ { "node_tape_read_bytes_total", "Bytes read from the drive.", METRIC_COUNTER }, 1 },
	{ { "node_tape_reads_completed_total", "Read requests issued to the drive.",
	    METRIC_COUNTER },
	  1 },
	{ { "node_tape_read_time_seconds_total", "Seconds spent waiting for reads to complete.",
	    METRIC_COUNTER },
	  1e-9 },
	{ { "node_tape_residual_total",
	    "Reads and writes that ended with a residual: a read larger than the tape's block, "
	    "or a write not all of which reached the tape.",
	    METRIC_COUNTER },
	  1 },
	{ { "node_tape_written_bytes_total", "Bytes written to the drive.", METRIC_COUNTER }, 1 },
	{ { "node_tape_writes_completed_total", "Write requests issued to the drive.",
	    METRIC_COUNTER },
	  1 },
	{ { "node_tape_write_time_seconds_total", "Seconds spent waiting for writes to complete.",
	    METRIC_COUNTER },
	  1e-9 },
};

struct tape_priv {
	struct dirscan dir;    /* /sys/class/scsi_tape */
	struct fdscan stats;   /* one drive's stats/ */
	struct filter ignored; /* --collector.tapestats.ignored-devices */
	struct tape_counters counters;
};

bool tape_device_name(const char *name)
{
	size_t n = 0;
	if (name[0] != 's' || name[1] != 't')
		return false;
	while (ascii_digit(name[2 + n]))
		n++;
	return n > 0 && name[2 + n] == '\0';
}

int tape_record(struct tape_counters *c, const char *file, struct span value)
{
	for (size_t i = 0; i < TAPE_NFILES; i++) {
		if (strcmp(file, tape_files[i]) == 0)
			return span_u64_auto(value, &c->v[i]) < 0 ? -EINVAL : 0;
	}
	return 0;
}

int tape_emit(const struct tape_counters *c, const char *device, struct metric_sink *out)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < TAPE_NFILES; i++)
		r = sink_add(out, &tape_series[i].d, (double)c->v[i] * tape_series[i].scale,
			     LABELS(L("device", device)));
	return r;
}

/* Read every file of the stats/ directory statsfd into p->counters. Returns 0 or
 * -errno (-EINVAL for a counter that is not a number). */
static int tape_read_stats(struct tape_priv *p, int statsfd)
{
	char buf[SYSFS_ATTR_MAX + 1];
	const char *name;
	unsigned char type;
	struct span val;
	int r = fdscan_start(&p->stats, statsfd);
	memset(&p->counters, 0, sizeof(p->counters));
	while (r == 0 && (r = fdscan_next(&p->stats, &name, &type)) > 0) {
		r = sysfs_attr(statsfd, name, buf, sizeof(buf), &val);
		if (r == 0)
			r = tape_record(&p->counters, name, val);
	}
	return r;
}

/* Read drive `name` of the class directory and report it unless it is ignored.
 * Returns 0 or -errno; -ENOENT when it has no stats/ directory. */
static int tape_device(struct tape_priv *p, const char *name, struct metric_sink *out)
{
	int statsfd = -1, r;
	int fd = sysfs_open_dir(dirscan_fd(&p->dir), name);
	if (fd < 0)
		return fd;
	statsfd = openat(fd, "stats", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (statsfd < 0) {
		r = -errno;
		goto out_close;
	}
	r = tape_read_stats(p, statsfd);
	if (r == 0 && filter_pass(&p->ignored, name, strlen(name)))
		r = tape_emit(&p->counters, name, out);
	close(statsfd);
out_close:
	close(fd);
	return r;
}

static int tape_init(struct collector *c)
{
	struct tape_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->priv = p;
	p->dir.fd = -1;
	int r = filter_init(&p->ignored, NULL, cfg_str(c->cfg, "collector.tapestats.ignored-devices"));
	return r < 0 ? r : dirscan_init(&p->dir, cfg_sysfs(c->cfg), "class/scsi_tape");
}

static int tape_collect(struct collector *c, struct metric_sink *out)
{
	struct tape_priv *p = c->priv;
	const char *name;
	unsigned char type;
	int r = dirscan_rewind(&p->dir);
	while (r == 0 && (r = dirscan_next(&p->dir, &name, &type)) > 0)
		r = tape_device_name(name) ? tape_device(p, name, out) : 0;
	return r;
}

static void tape_fini(struct collector *c)
{
	struct tape_priv *p = c->priv;
	if (!p)
		return;
	dirscan_fini(&p->dir);
	filter_fini(&p->ignored);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_tapestats = {
	.name = "tapestats",
	.default_enabled = true,
	.reads = "/sys/class/scsi_tape/st*/stats",
	.flags = tape_flags,
	.init = tape_init,
	.collect = tape_collect,
	.fini = tape_fini,
};
