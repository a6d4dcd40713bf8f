/*
 * drbd: DRBD 8 device statistics from /proc/drbd, as node_exporter's drbd collector
 * reports them.
 *
 * The file is read as whitespace-separated words, each a "key:value" pair; a word
 * with no ':' or more than one is skipped (the version banner). "N:" with N a decimal
 * number starts device drbdN; the pairs after it belong to that device ("unknown"
 * before any). Counters (ns, nr, dw, dr, al, bm, lo, pe, ua, ap, ep, oos) must be
 * numbers, and the ones the kernel counts in KiB are reported in bytes; "ro" and "ds"
 * are local/remote pairs; "cs" is the connection state. Other keys are skipped.
 * node_exporter stops with a panic on a pair without '/'; plumb fails the collection.
 * DRBD 9 moved its statistics out of this file, which then gives no series.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "collectors/drbd.h"
#include "core/collector.h"

/* The counters: key in the file, family, and the factor to bytes (1 for counts). */
static const struct {
	const char *key;
	struct metric_desc desc;
	double mult;
} counters[] = {
	{ "ns",
	  { "node_drbd_network_sent_bytes_total", "Bytes sent to the peer over the network.",
	    METRIC_COUNTER },
	  1024 },
	{ "nr",
	  { "node_drbd_network_received_bytes_total",
	    "Bytes received from the peer over the network.", METRIC_COUNTER },
	  1 },
	{ "dw",
	  { "node_drbd_disk_written_bytes_total", "Bytes written to the local backing disk.",
	    METRIC_COUNTER },
	  1024 },
	{ "dr",
	  { "node_drbd_disk_read_bytes_total", "Bytes read from the local backing disk.",
	    METRIC_COUNTER },
	  1024 },
	{ "al",
	  { "node_drbd_activitylog_writes_total",
	    "Writes to the activity log area of the metadata.", METRIC_COUNTER },
	  1 },
	{ "bm",
	  { "node_drbd_bitmap_writes_total", "Writes to the bitmap area of the metadata.",
	    METRIC_COUNTER },
	  1 },
	{ "lo",
	  { "node_drbd_local_pending", "Requests open to the local disk.", METRIC_GAUGE },
	  1 },
	{ "pe",
	  { "node_drbd_remote_pending", "Requests sent to the peer and not yet answered.",
	    METRIC_GAUGE },
	  1 },
	{ "ua",
	  { "node_drbd_remote_unacknowledged",
	    "Requests the peer sent over the network that are not yet answered.",
	    METRIC_GAUGE },
	  1 },
	{ "ap",
	  { "node_drbd_application_pending",
	    "Block I/O requests handed to DRBD and not yet answered by it.", METRIC_GAUGE },
	  1 },
	{ "ep",
	  { "node_drbd_epochs", "Epochs (write barriers) currently in flight.", METRIC_GAUGE },
	  1 },
	{ "oos",
	  { "node_drbd_out_of_sync_bytes", "Bytes known to differ from the peer.",
	    METRIC_GAUGE },
	  1024 },
};

/* The local/remote pairs: key, family, and the value that counts as 1. */
static const struct {
	const char *key;
	struct metric_desc desc;
	const char *ok;
} pairs[] = {
	{ "ro",
	  { "node_drbd_node_role_is_primary", "1 when the node's role is Primary, else 0.",
	    METRIC_GAUGE },
	  "Primary" },
	{ "ds",
	  { "node_drbd_disk_state_is_up_to_date", "1 when the node's disk is UpToDate, else 0.",
	    METRIC_GAUGE },
	  "UpToDate" },
};

static const struct metric_desc desc_connected = {
	"node_drbd_connected", "1 when the device is connected to its peer, else 0.",
	METRIC_GAUGE
};

/* Take one key:value word for the device named in device[cap] ("drbdN" or "unknown"),
 * or start a new device there. With out NULL the word is only checked. Returns 0 or
 * -errno. */
static int drbd_word(struct span w, char *device, size_t cap, struct metric_sink *out)
{
	const char *colon = memchr(w.p, ':', w.len);
	if (!colon || memchr(colon + 1, ':', w.len - (size_t)(colon + 1 - w.p)))
		return 0;
	struct span key = { w.p, (size_t)(colon - w.p) };
	struct span val = { colon + 1, w.len - key.len - 1 };
	uint64_t id;
	double v;
	if (val.len == 0 && span_u64(key, &id) == 0) {
		snprintf(device, cap, "drbd%" PRIu64, id);
		return 0;
	}
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		if (!span_eq(key, counters[i].key))
			continue;
		if (span_double(val, &v) < 0)
			return -EINVAL;
		if (!out)
			return 0;
		return sink_add(out, &counters[i].desc, v * counters[i].mult,
				LABELS(L("device", device)));
	}
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		if (!span_eq(key, pairs[i].key))
			continue;
		struct span local, remote;
		if (!span_field(&val, '/', &local) || !span_field(&val, '/', &remote))
			return -EINVAL;
		if (!out)
			return 0;
		int r = sink_add(out, &pairs[i].desc, span_eq(local, pairs[i].ok),
				 LABELS(L("device", device), L("node", "local")));
		if (r == 0)
			r = sink_add(out, &pairs[i].desc, span_eq(remote, pairs[i].ok),
				     LABELS(L("device", device), L("node", "remote")));
		return r;
	}
	if (span_eq(key, "cs") && out)
		return sink_add(out, &desc_connected, span_eq(val, "Connected"),
				LABELS(L("device", device)));
	return 0;
}

/* Check every word (pass 0), then emit (pass 1): nothing is added for a bad file. */
int drbd_parse(const char *buf, size_t len, struct metric_sink *out)
{
	for (int pass = 0; pass < 2; pass++) {
		char device[32] = "unknown";
		struct span s = { buf, len }, w;
		while (span_word(&s, &w)) {
			int r = drbd_word(w, device, sizeof(device), pass ? out : NULL);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

const struct collector_ops collector_ops_drbd = {
	.name = "drbd",
	.default_enabled = false,
	.reads = "/proc/drbd",
	.file = &(const struct collector_file){ "drbd", 0, drbd_parse, false },
	COLLECTOR_FILE_OPS,
};
