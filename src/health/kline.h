/*
 * kline: kernel log lines, parsed and matched against the known problems.
 *
 * A line comes either from /dev/kmsg, one record per read ("prio,seq,usec,flags;text"
 * then optional " KEY=value" continuation lines), or from a text log (syslog, journal
 * export, dmesg output) where the kernel's text sits somewhere in the line. kline_text
 * finds the text; kline_match compares it with node-problem-detector's kernel
 * patterns and says which problem it shows:
 *
 *   event OOMKilling    "Killed process 123 (name) total-vm:...kB, anon-rss:...kB, file-rss:...kB"
 *   event TaskHung      "task name:123 blocked for more than 120 seconds." (also sets the
 *                       KernelDeadlock condition)
 *   event KernelOops    NULL pointer dereferences, "divide error: 0000 [#1] SMP",
 *                       "Oops: 0002 [#1]"
 *   event Ext4Error     "EXT4-fs error ..."
 *   event IOError       "Buffer I/O error ..." and the block layer's "I/O error, dev X, sector N"
 *   condition ReadonlyFilesystem  "Remounting filesystem read-only"
 *
 * One line may show several problems. Matching allocates nothing once compiled.
 */
#ifndef PLUMB_HEALTH_KLINE_H
#define PLUMB_HEALTH_KLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/strparse.h"

enum kevent {
	KEVENT_OOM_KILLING = 0,
	KEVENT_TASK_HUNG,
	KEVENT_KERNEL_OOPS,
	KEVENT_EXT4_ERROR,
	KEVENT_IO_ERROR,
	KEVENT_COUNT
};

/* What a line shows: bit (1 << enum kevent) per event, and the kernel conditions. */
struct kline_hits {
	unsigned events;
	bool deadlock;
	bool readonly;
};

struct kline_rules;

/* Compile the patterns. The caller owns *out (kline_rules_free). 0 or -ENOMEM/-EINVAL. */
int kline_rules_new(struct kline_rules **out);
void kline_rules_free(struct kline_rules *r); /* accepts NULL */

/* The kernel's text in one line or /dev/kmsg record buf[0..len). A record's text runs
 * from after the ';' to its first newline; *kernel_facility says whether the record
 * came from the kernel (facility 0) rather than from a process writing to /dev/kmsg.
 * Anything else is a plain line, taken whole up to its first newline (*kernel_facility
 * true: a text log cannot say). Returns 0, or -EINVAL for a /dev/kmsg continuation line
 * (starting with a space) or an empty line, which hold no message. */
int kline_text(const char *buf, size_t len, struct span *text, bool *kernel_facility);

/* Match text against the rules. */
struct kline_hits kline_match(const struct kline_rules *r, struct span text);

/* node-problem-detector's reason for event e ("OOMKilling"). */
const char *kevent_reason(enum kevent e);

#endif
