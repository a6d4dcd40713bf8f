/*
 * infiniband: InfiniBand and RDMA adapters from /sys/class/infiniband, as
 * node_exporter's infiniband collector reports them.
 *
 * Each device gives an info series (board id, firmware, HCA type) and each of its
 * ports/<N> its state, physical state and rate, then the counters of counters/ (with
 * counters_ext/, the 64-bit ones of old kernels, when counters/ exists) and
 * hw_counters/. Counter files a driver cannot read (no permission, not supported,
 * "N/A (no PMA)") are skipped; a missing fw_ver, ports/, state, phys_state or rate is
 * no data, as node_exporter makes it; a value that does not parse fails the collection.
 * --collector.infiniband.device-include / device-exclude pick the devices reported
 * (all are read, as in node_exporter). node_guid and link_layer, which node_exporter
 * reads but does not report, are not read.
 *
 * Steady state: the class directory is a dirscan held in priv, a device's ports/ and a
 * port's counter directories are listed with fdscans in priv, values go through stack
 * buffers into records in priv: a scrape allocates nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collectors/infiniband.h"
#include "core/collector.h"
#include "lib/dirscan.h"
#include "lib/fdscan.h"
#include "lib/gofloat.h"
#include "lib/regex.h"

static const struct flag_def ib_flags[] = {
	{ "collector.infiniband.device-include", FLAG_REGEX, NULL,
	  "Regexp of InfiniBand devices to report; the others are left out.", false },
	{ "collector.infiniband.device-exclude", FLAG_REGEX, NULL,
	  "Regexp of InfiniBand devices to leave out.", false },
	{ NULL, 0, NULL, NULL, false },
};

/* How a counter file turns into its sample. */
enum ib_kind {
	IB_PLAIN,    /* a counter as it is */
	IB_LANES,    /* data counters count 4-byte words per lane: times 4 gives bytes */
	IB_LIFESPAN, /* hw_counters/lifespan: milliseconds, reported as whole seconds */
};

struct ib_counter {
	enum ib_dir dir;
	const char *file;
	enum ib_kind kind;
	struct metric_desc d;
};

#define C(dir, file, kind, name, help)                                                      \
	{ dir, file, kind, { "node_infiniband_" name, help, METRIC_COUNTER } }
#define P(file, name, help) C(IB_COUNTERS, file, IB_PLAIN, name, help)
#define X(file, kind, name, help) C(IB_COUNTERS_EXT, file, kind, name, help)
#define H(file, name, help) C(IB_HW_COUNTERS, file, IB_PLAIN, name, help)
static const struct ib_counter counters[] = {
	P("excessive_buffer_overrun_errors", "excessive_buffer_overrun_errors_total",
	  "Times overruns in consecutive flow control update periods passed their limit."),
	P("link_downed", "link_downed_total",
	  "Times the link failed to recover from errors and went down."),
	P("link_error_recovery", "link_error_recovery_total",
	  "Times the link recovered from an error state."),
	P("local_link_integrity_errors", "local_link_integrity_errors_total",
	  "Times local physical errors exceeded their threshold."),
	P("multicast_rcv_packets", "multicast_packets_received_total",
	  "Multicast packets received, errors included."),
	P("multicast_xmit_packets", "multicast_packets_transmitted_total",
	  "Multicast packets sent, errors included."),
	P("port_rcv_constraint_errors", "port_constraint_errors_received_total",
	  "Packets received that a switch port discarded for constraints."),
	C(IB_COUNTERS, "port_rcv_data", IB_LANES, "port_data_received_bytes_total",
	  "Data bytes received on all lanes."),
	P("port_rcv_discards", "port_discards_received_total",
	  "Packets received and dropped because the port was down or congested."),
	P("port_rcv_errors", "port_errors_received_total", "Packets received with errors."),
	P("port_rcv_packets", "port_packets_received_total",
	  "Packets received on all virtual lanes, errors included."),
	P("port_rcv_remote_physical_errors", "port_receive_remote_physical_errors_total",
	  "Packets received marked bad (EBP delimiter) by the sender."),
	P("port_rcv_switch_relay_errors", "port_receive_switch_relay_errors_total",
	  "Packets a switch could not forward."),
	P("port_xmit_constraint_errors", "port_constraint_errors_transmitted_total",
	  "Packets a switch port did not send for constraints."),
	C(IB_COUNTERS, "port_xmit_data", IB_LANES, "port_data_transmitted_bytes_total",
	  "Data bytes sent on all lanes."),
	P("port_xmit_discards", "port_discards_transmitted_total",
	  "Outbound packets dropped because the port was down or congested."),
	P("port_xmit_packets", "port_packets_transmitted_total",
	  "Packets sent on all virtual lanes, errors included."),
	P("port_xmit_wait", "port_transmit_wait_total",
	  "Ticks in which the port had data to send but sent none."),
	P("symbol_error", "symbol_error_total", "Minor link errors on the physical lanes."),
	P("unicast_rcv_packets", "unicast_packets_received_total",
	  "Unicast packets received, errors included."),
	P("unicast_xmit_packets", "unicast_packets_transmitted_total",
	  "Unicast packets sent, errors included."),
	P("VL15_dropped", "vl15_dropped_total",
	  "Incoming packets of virtual lane 15 dropped for lack of resources."),

	X("port_multicast_rcv_packets", IB_PLAIN, "legacy_multicast_packets_received_total",
	  "Multicast packets received (64-bit counter of old kernels)."),
	X("port_multicast_xmit_packets", IB_PLAIN, "legacy_multicast_packets_transmitted_total",
	  "Multicast packets sent (64-bit counter of old kernels)."),
	X("port_rcv_data_64", IB_LANES, "legacy_data_received_bytes_total",
	  "Data bytes received on all lanes (64-bit counter of old kernels)."),
	X("port_rcv_packets_64", IB_PLAIN, "legacy_packets_received_total",
	  "Packets received (64-bit counter of old kernels)."),
	X("port_unicast_rcv_packets", IB_PLAIN, "legacy_unicast_packets_received_total",
	  "Unicast packets received (64-bit counter of old kernels)."),
	X("port_unicast_xmit_packets", IB_PLAIN, "legacy_unicast_packets_transmitted_total",
	  "Unicast packets sent (64-bit counter of old kernels)."),
	X("port_xmit_data_64", IB_LANES, "legacy_data_transmitted_bytes_total",
	  "Data bytes sent on all lanes (64-bit counter of old kernels)."),
	X("port_xmit_packets_64", IB_PLAIN, "legacy_packets_transmitted_total",
	  "Packets sent (64-bit counter of old kernels)."),

	H("duplicate_request", "duplicate_requests_packets_total",
	  "Requests received that had been executed before."),
	H("implied_nak_seq_err", "implied_nak_seq_errors_total",
	  "ACKs received with a PSN above the one expected for an RDMA read or response."),
	{ IB_HW_COUNTERS, "lifespan", IB_LIFESPAN,
	  { "node_infiniband_lifespan_seconds",
	    "Seconds for which consecutive reads of the counters may return the same values.",
	    METRIC_GAUGE } },
	H("local_ack_timeout_err", "local_ack_timeout_errors_total",
	  "Times a queue pair's ACK timer expired at the sender, within the retry limit."),
	H("np_cnp_sent", "np_cnp_packets_sent_total",
	  "Congestion notification packets sent by the notification point."),
	H("np_ecn_marked_roce_packets", "np_ecn_marked_roce_packets_received_total",
	  "RoCEv2 packets received marked as having met congestion (ECN)."),
	H("out_of_buffer", "out_of_buffer_drops_total",
	  "Packets dropped for lack of receive work queue entries."),
	H("out_of_sequence", "out_of_sequence_packets_received_total",
	  "Packets received out of sequence."),
	H("packet_seq_err", "packet_sequence_errors_total",
	  "NAK sequence error packets received, within the retry limit."),
	H("req_cqe_error", "req_cqes_errors_total",
	  "Completions with errors the requester saw."),
	H("req_cqe_flush_error", "req_cqes_flush_errors_total",
	  "Completions flushed with errors the requester saw."),
	H("req_remote_access_errors", "req_remote_access_errors_total",
	  "Remote access errors the requester saw."),
	H("req_remote_invalid_request", "req_remote_invalid_request_errors_total",
	  "Remote invalid request errors the requester saw."),
	H("resp_cqe_error", "resp_cqes_errors_total",
	  "Completions with errors the responder saw."),
	H("resp_cqe_flush_error", "resp_cqes_flush_errors_total",
	  "Completions flushed with errors the responder saw."),
	H("resp_local_length_error", "resp_local_length_errors_total",
	  "Local length errors the responder saw."),
	H("resp_remote_access_errors", "resp_remote_access_errors_total",
	  "Remote access errors the responder saw."),
	H("rnr_nak_retry_err", "rnr_nak_retry_packets_received_total",
	  "Receiver-not-ready NAKs received, within the retry limit."),
	H("roce_adp_retrans", "roce_adp_retransmits_total",
	  "Adaptive retransmissions of RoCE traffic."),
	H("roce_adp_retrans_to", "roce_adp_retransmits_timeout_total",
	  "Times RoCE traffic timed out under adaptive retransmission."),
	H("roce_slow_restart", "roce_slow_restart_used_total", "Times RoCE slow restart was used."),
	H("roce_slow_restart_cnps", "roce_slow_restart_cnps_total",
	  "Congestion notification packets RoCE slow restart generated."),
	H("roce_slow_restart_trans", "roce_slow_restart_total",
	  "Times RoCE changed state to slow restart."),
	H("rp_cnp_handled", "rp_cnp_packets_handled_total",
	  "Congestion notification packets the reaction point acted on by slowing down."),
	H("rp_cnp_ignored", "rp_cnp_ignored_packets_received_total",
	  "Congestion notification packets the reaction point received and ignored."),
	H("rx_atomic_requests", "rx_atomic_requests_total", "Atomic requests received."),
	H("rx_dct_connect", "rx_dct_connect_requests_total",
	  "Connection requests received for dynamically connected targets."),
	H("rx_icrc_encapsulated", "rx_icrc_encapsulated_errors_total",
	  "RoCE packets received with ICRC errors."),
	H("rx_read_requests", "rx_read_requests_total", "RDMA read requests received."),
	H("rx_write_requests", "rx_write_requests_total", "RDMA write requests received."),
};
#undef H
#undef X
#undef P
#undef C
_Static_assert(sizeof(counters) / sizeof(counters[0]) == IB_NVALUES, "IB_NVALUES");

static const struct metric_desc desc_info = {
	"node_infiniband_info", "Always 1; labels carry the device's board id, firmware version "
				"and HCA type.",
	METRIC_GAUGE
};
static const struct metric_desc desc_state = {
	"node_infiniband_state_id",
	"Logical state of the port (1 down, 2 init, 3 armed, 4 active, 5 active defer).",
	METRIC_GAUGE
};
static const struct metric_desc desc_phys = {
	"node_infiniband_physical_state_id",
	"Physical state of the port (1 sleep, 2 polling, 3 disabled, 4 training, 5 link up, "
	"6 error recovery, 7 phy test).",
	METRIC_GAUGE
};
static const struct metric_desc desc_rate = { "node_infiniband_rate_bytes_per_second",
					      "Signalling rate of the port in bytes per second.",
					      METRIC_GAUGE };

/* The device files, in struct ib_device order, and their labels. */
static const char *const device_files[3] = { "board_id", "fw_ver", "hca_type" };
static const char *const device_labels[3] = { "board_id", "firmware_version", "hca_type" };

struct ib_priv {
	struct dirscan dir;   /* /sys/class/infiniband */
	struct fdscan ports;  /* one device's ports/ */
	struct fdscan files;  /* one of a port's counter directories */
	struct filter filter; /* device-include / device-exclude */
	struct ib_device dev;
	struct ib_port port;
};

int ib_parse_state(struct span text, uint32_t *id)
{
	const char *colon = memchr(text.p, ':', text.len);
	uint64_t v;
	if (!colon || memchr(colon + 1, ':', text.len - (size_t)(colon + 1 - text.p)))
		return -EINVAL;
	struct span num = span_trim((struct span){ text.p, (size_t)(colon - text.p) });
	int r = span_u64(num, &v);
	if (r < 0)
		return r;
	if (v > UINT32_MAX)
		return -ERANGE;
	*id = (uint32_t)v;
	return 0;
}

int ib_parse_rate(struct span text, uint64_t *bps)
{
	const char *sp = memchr(text.p, ' ', text.len);
	double d;
	if (!sp)
		return -EINVAL;
	int r = go_parse_float(span_trim((struct span){ text.p, (size_t)(sp - text.p) }), &d);
	if (r < 0)
		return r;
	float f = (float)d; /* node_exporter parses the rate as a 32-bit float */
	if (isinf(f) && !isinf(d))
		return -ERANGE;
	double x = (double)f * 125000000;
	if (!(x >= 0) || x >= 18446744073709551616.0)
		return -ERANGE;
	*bps = (uint64_t)x;
	return 0;
}

bool ib_port_number(const char *name, uint32_t *port)
{
	uint64_t v;
	for (const char *c = name; *c; c++)
		if (!ascii_digit(*c))
			return false;
	if (span_u64(span_cstr(name), &v) < 0 || v > UINT32_MAX)
		return false;
	*port = (uint32_t)v;
	return true;
}

void ib_port_reset(struct ib_port *p)
{
	memset(p, 0, sizeof(*p));
}

int ib_record(struct ib_port *p, enum ib_dir dir, const char *file, struct span value)
{
	for (size_t i = 0; i < IB_NVALUES; i++) {
		uint64_t v;
		if (counters[i].dir != dir || strcmp(file, counters[i].file) != 0)
			continue;
		if (span_u64_auto(value, &v) < 0) {
			static const char na[] = "N/A (no PMA)";
			for (size_t k = 0; k + sizeof(na) - 1 <= value.len; k++)
				if (memcmp(value.p + k, na, sizeof(na) - 1) == 0)
					return 0;
			return -EINVAL;
		}
		p->v[i] = counters[i].kind == IB_LANES ? v * 4 : v; /* wraps as node_exporter's */
		p->have |= 1ull << i;
		return 0;
	}
	return 0;
}

int ib_emit_port(const struct ib_port *p, const char *device, uint32_t port,
		 struct metric_sink *out)
{
	char num[12];
	size_t n = sizeof(num);
	uint32_t x = port;
	do { /* port in decimal, written backwards from the end of num */
		num[--n] = (char)('0' + x % 10);
		x /= 10;
	} while (x);
	uint32_t ls;
	int r = sink_labelset(out,
			      LABELS(L("device", device),
				     ((struct label){ "port", num + n, sizeof(num) - n })),
			      &ls);
	if (r == 0)
		r = sink_add_ls(out, &desc_state, p->state, ls, NULL, 0);
	if (r == 0)
		r = sink_add_ls(out, &desc_phys, p->phys_state, ls, NULL, 0);
	if (r == 0)
		r = sink_add_ls(out, &desc_rate, (double)p->rate, ls, NULL, 0);
	for (size_t i = 0; r == 0 && i < IB_NVALUES; i++) {
		if (!(p->have >> i & 1))
			continue;
		uint64_t v = counters[i].kind == IB_LIFESPAN ? p->v[i] / 1000 : p->v[i];
		r = sink_add_ls(out, &counters[i].d, (double)v, ls, NULL, 0);
	}
	return r;
}

void ib_device_record(struct ib_device *d, const char *file, struct span value)
{
	for (size_t i = 0; i < 3; i++) {
		if (strcmp(file, device_files[i]) == 0) {
			d->len[i] = value.len < SYSFS_ATTR_MAX ? value.len : SYSFS_ATTR_MAX;
			memcpy(d->str[i], value.p, d->len[i]);
		}
	}
}

int ib_emit_device(const struct ib_device *d, const char *name, struct metric_sink *out)
{
	struct label ls[4];
	ls[0] = L("device", name);
	for (size_t i = 0; i < 3; i++)
		ls[i + 1] = (struct label){ device_labels[i], d->str[i], d->len[i] };
	return sink_add(out, &desc_info, 1, ls, 4);
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

/* Whether a counter file's read error means "skip this file" for directory dir, as
 * prometheus/procfs decides (only counters/ also skips EINVAL). */
static bool skippable(enum ib_dir dir, int err)
{
	return err == -ENOENT || err == -EACCES || err == -EPERM || err == -EOPNOTSUPP ||
	       (dir == IB_COUNTERS && err == -EINVAL);
}

/* Read counter directory `rel` (of kind dir) of the port directory portfd into
 * p->port. A missing directory is skipped. Returns 0 or -errno. */
static int ib_read_counters(struct ib_priv *p, int portfd, const char *rel, enum ib_dir dir)
{
	char buf[SYSFS_ATTR_MAX + 1];
	const char *name;
	unsigned char type;
	struct span val;
	int r;
	int fd = openat(portfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	r = fdscan_start(&p->files, fd);
	while (r == 0 && (r = fdscan_next(&p->files, &name, &type)) > 0) {
		r = 0;
		if (!regular_file(fd, name, type))
			continue;
		r = sysfs_attr(fd, name, buf, sizeof(buf), &val);
		if (r < 0 && skippable(dir, r)) {
			r = 0;
			continue;
		}
		if (r == 0)
			r = ib_record(&p->port, dir, name, val);
	}
	close(fd);
	return r;
}

/* Read a whole state-like attribute `name` of dirfd and parse it with parse. Returns 0
 * or -errno. */
static int ib_read_parse(int dirfd, const char *name, int (*parse)(struct span, uint32_t *),
			 uint32_t *out)
{
	char buf[256];
	size_t n;
	int r = sysfs_read(dirfd, name, buf, sizeof(buf), &n);
	return r < 0 ? r : parse((struct span){ buf, n }, out);
}

/* Read port `entry` of the ports/ directory portsfd of device `device` and emit it
 * when report is set. Returns 0 or -errno (-EINVAL for an entry that is no number). */
static int ib_port(struct ib_priv *p, int portsfd, const char *entry, const char *device,
		   bool report, struct metric_sink *out)
{
	char buf[256];
	size_t n;
	uint32_t num;
	int fd, r;
	if (!ib_port_number(entry, &num))
		return -EINVAL;
	fd = sysfs_open_dir(portsfd, entry);
	if (fd < 0)
		return fd;
	ib_port_reset(&p->port);
	r = ib_read_parse(fd, "state", ib_parse_state, &p->port.state);
	if (r == 0)
		r = ib_read_parse(fd, "phys_state", ib_parse_state, &p->port.phys_state);
	if (r == 0)
		r = sysfs_read(fd, "rate", buf, sizeof(buf), &n);
	if (r == 0)
		r = ib_parse_rate((struct span){ buf, n }, &p->port.rate);
	if (r == 0 && faccessat(fd, "counters", F_OK, 0) == 0) {
		r = ib_read_counters(p, fd, "counters", IB_COUNTERS);
		if (r == 0)
			r = ib_read_counters(p, fd, "counters_ext", IB_COUNTERS_EXT);
	}
	if (r == 0)
		r = ib_read_counters(p, fd, "hw_counters", IB_HW_COUNTERS);
	if (r == 0 && report)
		r = ib_emit_port(&p->port, device, num, out);
	close(fd);
	return r;
}

/* Read device `name` of the class directory with its ports, and emit it unless the
 * device filter leaves it out. Returns 0 or -errno. */
static int ib_device(struct ib_priv *p, const char *name, struct metric_sink *out)
{
	char buf[SYSFS_ATTR_MAX + 1];
	struct span val;
	const char *entry;
	unsigned char type;
	bool report = filter_pass(&p->filter, name, strlen(name));
	int portsfd = -1, r = 0;
	int fd = sysfs_open_dir(dirscan_fd(&p->dir), name);
	if (fd < 0)
		return fd;
	memset(&p->dev, 0, sizeof(p->dev));
	for (size_t i = 0; r == 0 && i < 3; i++) {
		r = sysfs_attr(fd, device_files[i], buf, sizeof(buf), &val);
		if (r == 0)
			ib_device_record(&p->dev, device_files[i], val);
		else if (r == -ENOENT && i != 1)
			r = 0; /* only fw_ver is required */
	}
	if (r == 0 && report)
		r = ib_emit_device(&p->dev, name, out);
	if (r < 0)
		goto out_close;
	portsfd = openat(fd, "ports", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = portsfd < 0 ? -errno : fdscan_start(&p->ports, portsfd);
	while (r == 0 && (r = fdscan_next(&p->ports, &entry, &type)) > 0)
		r = ib_port(p, portsfd, entry, name, report, out);
	if (portsfd >= 0)
		close(portsfd);
out_close:
	close(fd);
	return r;
}

static int ib_init(struct collector *c)
{
	struct ib_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->priv = p;
	p->dir.fd = -1;
	int r = filter_init(&p->filter, cfg_str(c->cfg, "collector.infiniband.device-include"),
			    cfg_str(c->cfg, "collector.infiniband.device-exclude"));
	return r < 0 ? r : dirscan_init(&p->dir, cfg_sysfs(c->cfg), "class/infiniband");
}

static int ib_collect(struct collector *c, struct metric_sink *out)
{
	struct ib_priv *p = c->priv;
	const char *name;
	unsigned char type;
	int r = dirscan_rewind(&p->dir);
	while (r == 0 && (r = dirscan_next(&p->dir, &name, &type)) > 0)
		r = ib_device(p, name, out);
	return r;
}

static void ib_fini(struct collector *c)
{
	struct ib_priv *p = c->priv;
	if (!p)
		return;
	dirscan_fini(&p->dir);
	filter_fini(&p->filter);
	free(p);
	c->priv = NULL;
}

const struct collector_ops collector_ops_infiniband = {
	.name = "infiniband",
	.default_enabled = true,
	.reads = "/sys/class/infiniband",
	.flags = ib_flags,
	.init = ib_init,
	.collect = ib_collect,
	.fini = ib_fini,
};
