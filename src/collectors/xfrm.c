/*
 * xfrm: IPsec (XFRM) error counters from /proc/net/xfrm_stat, as node_exporter's xfrm
 * collector reports them.
 *
 * The file is one "XfrmInError   12" pair a line. As in node_exporter (prometheus/procfs),
 * every line must be exactly a name and a decimal integer, else the collection fails;
 * names it does not know are skipped, and a counter the file lacks reports 0. Without
 * the file (a kernel built without CONFIG_XFRM_STATISTICS) there is no data.
 */
#include <errno.h>

#include "collectors/xfrm.h"
#include "core/collector.h"

/* Each counter: its name in the file and its family. */
static const struct {
	const char *key;
	struct metric_desc desc;
} counters[XFRM_COUNTERS] = {
	{ "XfrmInError",
	  { "node_xfrm_in_error_packets_total",
	    "Inbound packets dropped for an error no other counter covers.", METRIC_COUNTER } },
	{ "XfrmInBufferError",
	  { "node_xfrm_in_buffer_error_packets_total",
	    "Inbound packets dropped because no buffer was free.", METRIC_COUNTER } },
	{ "XfrmInHdrError",
	  { "node_xfrm_in_hdr_error_packets_total", "Inbound packets with a bad header.",
	    METRIC_COUNTER } },
	{ "XfrmInNoStates",
	  { "node_xfrm_in_no_states_packets_total",
	    "Inbound packets matching no state (wrong SPI, address or IPsec protocol).",
	    METRIC_COUNTER } },
	{ "XfrmInStateProtoError",
	  { "node_xfrm_in_state_proto_error_packets_total",
	    "Inbound packets failing in the transform protocol (a wrong key, say).",
	    METRIC_COUNTER } },
	{ "XfrmInStateModeError",
	  { "node_xfrm_in_state_mode_error_packets_total",
	    "Inbound packets failing in the transform mode.", METRIC_COUNTER } },
	{ "XfrmInStateSeqError",
	  { "node_xfrm_in_state_seq_error_packets_total",
	    "Inbound packets whose sequence number was outside the replay window.",
	    METRIC_COUNTER } },
	{ "XfrmInStateExpired",
	  { "node_xfrm_in_state_expired_packets_total",
	    "Inbound packets that met an expired state.", METRIC_COUNTER } },
	{ "XfrmInStateMismatch",
	  { "node_xfrm_in_state_mismatch_packets_total",
	    "Inbound packets whose options did not match the state's (UDP encapsulation type).",
	    METRIC_COUNTER } },
	{ "XfrmInStateInvalid",
	  { "node_xfrm_in_state_invalid_packets_total",
	    "Inbound packets that met an invalid state.", METRIC_COUNTER } },
	{ "XfrmInTmplMismatch",
	  { "node_xfrm_in_tmpl_mismatch_packets_total",
	    "Inbound packets whose states matched no policy template.", METRIC_COUNTER } },
	{ "XfrmInNoPols",
	  { "node_xfrm_in_no_pols_packets_total",
	    "Inbound packets whose states were right but that matched no policy.",
	    METRIC_COUNTER } },
	{ "XfrmInPolBlock",
	  { "node_xfrm_in_pol_block_packets_total", "Inbound packets a policy discarded.",
	    METRIC_COUNTER } },
	{ "XfrmInPolError",
	  { "node_xfrm_in_pol_error_packets_total", "Inbound packets dropped by a policy error.",
	    METRIC_COUNTER } },
	{ "XfrmOutError",
	  { "node_xfrm_out_error_packets_total",
	    "Outbound packets dropped for an error no other counter covers.", METRIC_COUNTER } },
	{ "XfrmOutBundleGenError",
	  { "node_xfrm_out_bundle_gen_error_packets_total",
	    "Outbound packets for which no bundle could be made.", METRIC_COUNTER } },
	{ "XfrmOutBundleCheckError",
	  { "node_xfrm_out_bundle_check_error_packets_total",
	    "Outbound packets whose bundle failed its check.", METRIC_COUNTER } },
	{ "XfrmOutNoStates",
	  { "node_xfrm_out_no_states_packets_total", "Outbound packets matching no state.",
	    METRIC_COUNTER } },
	{ "XfrmOutStateProtoError",
	  { "node_xfrm_out_state_proto_error_packets_total",
	    "Outbound packets failing in the transform protocol.", METRIC_COUNTER } },
	{ "XfrmOutStateModeError",
	  { "node_xfrm_out_state_mode_error_packets_total",
	    "Outbound packets failing in the transform mode.", METRIC_COUNTER } },
	{ "XfrmOutStateSeqError",
	  { "node_xfrm_out_state_seq_error_packets_total",
	    "Outbound packets dropped because the sequence number would wrap.",
	    METRIC_COUNTER } },
	{ "XfrmOutStateExpired",
	  { "node_xfrm_out_state_expired_packets_total",
	    "Outbound packets that met an expired state.", METRIC_COUNTER } },
	{ "XfrmOutPolBlock",
	  { "node_xfrm_out_pol_block_packets_total", "Outbound packets a policy discarded.",
	    METRIC_COUNTER } },
	{ "XfrmOutPolDead",
	  { "node_xfrm_out_pol_dead_packets_total", "Outbound packets that met a dead policy.",
	    METRIC_COUNTER } },
	{ "XfrmOutPolError",
	  { "node_xfrm_out_pol_error_packets_total", "Outbound packets dropped by a policy error.",
	    METRIC_COUNTER } },
	{ "XfrmFwdHdrError",
	  { "node_xfrm_fwd_hdr_error_packets_total",
	    "Packets whose forwarding a policy did not allow.", METRIC_COUNTER } },
	{ "XfrmOutStateInvalid",
	  { "node_xfrm_out_state_invalid_packets_total",
	    "Outbound packets that met an invalid (perhaps expired) state.", METRIC_COUNTER } },
	{ "XfrmAcquireError",
	  { "node_xfrm_acquire_error_packets_total",
	    "Packets that needed a state not yet fully acquired.", METRIC_COUNTER } },
};

int xfrm_parse(const char *buf, size_t len, struct metric_sink *out)
{
	int64_t v[XFRM_COUNTERS] = { 0 };
	struct cursor cur = cursor_init(buf, len);
	struct span line, key, val, extra;
	while (cursor_line(&cur, &line)) {
		int64_t n;
		if (!span_word(&line, &key) || !span_word(&line, &val) ||
		    span_word(&line, &extra) || span_i64(val, &n) < 0)
			return -EINVAL;
		for (size_t i = 0; i < XFRM_COUNTERS; i++) {
			if (span_eq(key, counters[i].key)) {
				v[i] = n;
				break;
			}
		}
	}
	for (size_t i = 0; i < XFRM_COUNTERS; i++) {
		int r = sink_gauge(out, &counters[i].desc, (double)v[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

const struct collector_ops collector_ops_xfrm = {
	.name = "xfrm",
	.default_enabled = false,
	.reads = "/proc/net/xfrm_stat",
	.file = &(const struct collector_file){ "net/xfrm_stat", 0, xfrm_parse, false },
	COLLECTOR_FILE_OPS,
};
