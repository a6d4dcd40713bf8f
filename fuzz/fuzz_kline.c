/*
 * fuzz_kline: kernel log lines and /dev/kmsg records. kline_text either refuses the
 * input or returns a text inside it that holds no newline; matching any text against
 * the problem patterns terminates with hits only among the known events. The text
 * then goes through the UTF-8 repair health applies before storing messages, whose
 * output must be NUL-terminated within its buffer.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "health/kline.h"
#include "lib/utf8valid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kline_rules *rules;
	const char *b = (const char *)data;
	struct span text;
	bool kernel;
	char msg[512];
	if (!rules && kline_rules_new(&rules) < 0)
		abort();
	int r = kline_text(b, size, &text, &kernel);
	if (r != 0 && r != -EINVAL)
		abort();
	if (r < 0)
		return 0;
	if (text.p < b || text.p + text.len > b + size || memchr(text.p, '\n', text.len))
		abort();
	struct kline_hits h = kline_match(rules, text);
	if (h.events & ~((1u << KEVENT_COUNT) - 1))
		abort();
	size_t n = utf8_valid_copy(text, msg, sizeof(msg));
	if (n >= sizeof(msg) || msg[n] != '\0')
		abort();
	return 0;
}
