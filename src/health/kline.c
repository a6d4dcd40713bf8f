/*
 * kline: kernel log parsing and problem patterns. See kline.h.
 */
#include "health/kline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/regex.h"

static const char *const event_reasons[KEVENT_COUNT] = {
	[KEVENT_OOM_KILLING] = "OOMKilling", [KEVENT_TASK_HUNG] = "TaskHung",
	[KEVENT_KERNEL_OOPS] = "KernelOops", [KEVENT_EXT4_ERROR] = "Ext4Error",
	[KEVENT_IO_ERROR] = "IOError",
};

const char *kevent_reason(enum kevent e)
{
	return (unsigned)e < KEVENT_COUNT ? event_reasons[e] : "?";
}

enum { NO_EVENT = -1, HIT_DEADLOCK = 1, HIT_READONLY = 2 };

/* The patterns: the facts node-problem-detector's kernel monitor matches, plus the
 * wording newer kernels use for the same problems. */
static const struct {
	const char *pattern;
	int event; /* enum kevent, or NO_EVENT */
	int cond;  /* HIT_* bits */
} rules[] = {
	{ "Killed process \\d+ \\(.+\\) total-vm:\\d+kB, anon-rss:\\d+kB, file-rss:\\d+kB",
	  KEVENT_OOM_KILLING, 0 },
	{ "task [\\S ]+:\\w+ blocked for more than \\w+ seconds\\.", KEVENT_TASK_HUNG,
	  HIT_DEADLOCK },
	{ "BUG: unable to handle kernel NULL pointer dereference at ", KEVENT_KERNEL_OOPS, 0 },
	{ "BUG: kernel NULL pointer dereference, address: ", KEVENT_KERNEL_OOPS, 0 },
	{ "divide error: 0000 \\[#\\d+\\] SMP", KEVENT_KERNEL_OOPS, 0 },
	{ "Oops: [0-9a-f]{4} \\[#\\d+\\]", KEVENT_KERNEL_OOPS, 0 },
	{ "EXT4-fs error ", KEVENT_EXT4_ERROR, 0 },
	{ "Buffer I/O error ", KEVENT_IO_ERROR, 0 },
	{ "I/O error, dev \\S+, sector \\d+", KEVENT_IO_ERROR, 0 },
	{ "Remounting filesystem read-only", NO_EVENT, HIT_READONLY },
};
#define NRULES (sizeof(rules) / sizeof(rules[0]))

struct kline_rules {
	struct regex *re[NRULES];
};

int kline_rules_new(struct kline_rules **out)
{
	int r;
	struct kline_rules *k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	for (size_t i = 0; i < NRULES; i++)
		if ((r = regex_compile(rules[i].pattern, &k->re[i], NULL, 0)) < 0)
			goto out_free;
	*out = k;
	return 0;
out_free:
	kline_rules_free(k);
	return r;
}

void kline_rules_free(struct kline_rules *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < NRULES; i++)
		regex_free(k->re[i]);
	free(k);
}

/* Parse the "prio,seq,usec,flags;" prefix of a /dev/kmsg record in s. Returns the
 * length of the prefix (up to and including ';') and the priority in *prio, or 0 when
 * s does not start with one. */
static size_t kmsg_prefix(struct span s, uint64_t *prio)
{
	const char *semi = memchr(s.p, ';', s.len > 128 ? 128 : s.len);
	if (!semi)
		return 0;
	struct span head = { s.p, (size_t)(semi - s.p) }, f;
	uint64_t v;
	int n = 0;
	while (span_field(&head, ',', &f)) {
		if (n < 3 && span_u64(f, &v) < 0)
			return 0;
		if (n == 0)
			*prio = v;
		n++;
	}
	return n >= 4 ? (size_t)(semi - s.p) + 1 : 0;
}

int kline_text(const char *buf, size_t len, struct span *text, bool *kernel_facility)
{
	struct span s = { buf, len };
	const char *nl = memchr(buf, '\n', len);
	if (nl)
		s.len = (size_t)(nl - buf);
	if (s.len == 0 || s.p[0] == ' ')
		return -EINVAL;
	uint64_t prio = 0;
	size_t pre = kmsg_prefix(s, &prio);
	*kernel_facility = (prio >> 3) == 0;
	*text = (struct span){ s.p + pre, s.len - pre };
	return 0;
}

struct kline_hits kline_match(const struct kline_rules *k, struct span text)
{
	struct kline_hits h = { 0 };
	for (size_t i = 0; i < NRULES; i++) {
		if (!regex_match(k->re[i], text.p, text.len))
			continue;
		if (rules[i].event != NO_EVENT)
			h.events |= 1u << rules[i].event;
		h.deadlock |= (rules[i].cond & HIT_DEADLOCK) != 0;
		h.readonly |= (rules[i].cond & HIT_READONLY) != 0;
	}
	return h;
}
