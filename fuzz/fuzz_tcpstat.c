/* fuzz_tcpstat: the sock_diag reply tally (TCP dumps for tcpstat, UDP ones for
 * udp_queues; seeds of both) and the tcpstat series made from it; the tally must account
 * for every socket it counted, once. */
#include "collectors/tcpstat.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char buf[65536] __attribute__((aligned(8)));
	static struct sockdiag_tally t;
	struct metric_sink *s = fuzz_sink();
	bool done = false;
	if (size > sizeof(buf))
		return 0;
	memcpy(buf, data, size); /* recv() gives an aligned buffer */
	memset(&t, 0, sizeof(t));
	if (sockdiag_parse(buf, size, &t, &done) < 0)
		return 0;
	uint64_t sum = 0;
	for (size_t i = 0; i < 256; i++)
		sum += t.state[i];
	if (sum != t.sockets)
		abort();
	if (tcpstat_emit(&t, s) < 0)
		abort(); /* at most 14 series: the sink never refuses them */
	if ((t.sockets == 0) != (s->nseries == 0))
		abort();
	fuzz_check_sink(s);
	return 0;
}
