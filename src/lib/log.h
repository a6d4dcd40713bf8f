/*
 * log: structured logs on stderr, as logfmt or JSON (--log.format), filtered by level
 * (--log.level). A message is one line; key/value pairs follow it. Values are escaped,
 * so a hostile mount point or file name cannot forge a log line.
 */
#ifndef PLUMB_LOG_H
#define PLUMB_LOG_H

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Configure from flag text. Returns 0 or -EINVAL for an unknown level or format. */
int log_setup(const char *level, const char *format);

/* Log msg with key/value pairs: plog(LOG_WARN, "read failed", "path", p, "err", e, PLOG_END).
 * Keys and values are C strings; the list ends with PLOG_END. */
void plog(enum log_level lvl, const char *msg, ...) __attribute__((sentinel));

/* The sentinel that ends plog's list. A plain NULL may be an int 0 where pointers are
 * wider (cppcheck's varFuncNullUB); a typed null pointer is always read back right. */
#define PLOG_END ((const char *)NULL)

/* Whether lvl would be written (to skip building expensive values). */
int log_enabled(enum log_level lvl);

#endif
