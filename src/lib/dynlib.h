/*
 * dynlib: libcurl, libsnappy and libsystemd, loaded only when a feature that needs them
 * is on.
 *
 * plumb does not link either library. Remote write (--push.remote-write.url) needs both
 * and the status webhook (--push.status.url) needs libcurl, the systemd and logind
 * collectors need libsystemd's sd-bus; a plain plumb needs none of them,
 * and linking them would map their dependency trees (OpenSSL, Kerberos, LDAP, libssh2,
 * libstdc++ ...) into every process. The feature that needs one calls dyn_curl_open or
 * dyn_snappy_open at start-up, from the main thread and before any thread starts or the
 * sandbox is entered; that dlopen()s the library by its soname, resolves every function
 * plumb calls into the table below, and (for libcurl) runs curl_global_init once per
 * process. A missing library or function is one error line naming the library and the
 * flag that needed it. A loaded library stays mapped until the process exits.
 *
 * The headers still give the types and constants. curl_easy_setopt and
 * curl_easy_getinfo are variadic, so a value of the wrong width would go through
 * unnoticed: they are called through the typed macros at the end, which pass each
 * value as the type its option takes and refuse at compile time an option whose number
 * says it takes another kind of value (CURLOPTTYPE_*, CURLINFO_TYPEMASK).
 */
#ifndef PLUMB_DYNLIB_H
#define PLUMB_DYNLIB_H

#include <curl/curl.h>
#include <snappy-c.h>
#include <systemd/sd-bus.h>

/* libcurl's functions that plumb calls; valid once dyn_curl_open has succeeded. */
struct dyn_curl {
	__typeof__(curl_global_init) *global_init;
	__typeof__(curl_global_cleanup) *global_cleanup;
	__typeof__(curl_easy_init) *easy_init;
	__typeof__(curl_easy_setopt) *easy_setopt;
	__typeof__(curl_easy_perform) *easy_perform;
	__typeof__(curl_easy_getinfo) *easy_getinfo;
	__typeof__(curl_easy_strerror) *easy_strerror;
	__typeof__(curl_easy_cleanup) *easy_cleanup;
	__typeof__(curl_slist_append) *slist_append;
	__typeof__(curl_slist_free_all) *slist_free_all;
};

/* libsnappy's functions that plumb calls; valid once dyn_snappy_open has succeeded. */
struct dyn_snappy {
	__typeof__(snappy_compress) *compress;
	__typeof__(snappy_uncompress) *uncompress;
	__typeof__(snappy_max_compressed_length) *max_compressed_length;
	__typeof__(snappy_uncompressed_length) *uncompressed_length;
};

/* libsystemd's sd-bus functions that plumb calls; valid once dyn_sdbus_open has
 * succeeded. Only the non-variadic readers are listed, so every value read is typed. */
struct dyn_sdbus {
	__typeof__(sd_bus_new) *new_;
	__typeof__(sd_bus_set_address) *set_address;
	__typeof__(sd_bus_set_bus_client) *set_bus_client;
	__typeof__(sd_bus_set_method_call_timeout) *set_method_call_timeout;
	__typeof__(sd_bus_start) *start;
	__typeof__(sd_bus_is_open) *is_open;
	__typeof__(sd_bus_is_ready) *is_ready;
	__typeof__(sd_bus_process) *process;
	__typeof__(sd_bus_wait) *wait;
	__typeof__(sd_bus_close_unref) *close_unref;
	__typeof__(sd_bus_call_method) *call_method;
	__typeof__(sd_bus_get_property) *get_property;
	__typeof__(sd_bus_message_enter_container) *message_enter_container;
	__typeof__(sd_bus_message_exit_container) *message_exit_container;
	__typeof__(sd_bus_message_read_basic) *message_read_basic;
	__typeof__(sd_bus_message_skip) *message_skip;
	__typeof__(sd_bus_message_unref) *message_unref;
	__typeof__(sd_bus_error_free) *error_free;
};

extern struct dyn_curl dyn_curl;
extern struct dyn_snappy dyn_snappy;
extern struct dyn_sdbus dyn_sdbus;

/* Load libcurl for the feature behind flag (e.g. "--push.status.url", named in the
 * error) and take a reference to it: the first call loads it and runs curl_global_init,
 * later ones only count. Main thread only, before any other thread exists. Returns 0,
 * -ELIBACC when the library or one of its functions is missing (logged), or -ENOMEM
 * when curl_global_init fails (logged). */
int dyn_curl_open(const char *flag);

/* Give back a reference dyn_curl_open took; the last one runs curl_global_cleanup.
 * Main thread only, after every thread that used libcurl has ended. The library stays
 * mapped (unloading OpenSSL in a running process is not safe). */
void dyn_curl_close(void);

/* Load libsnappy for the feature behind flag; loads once, later calls return 0 at
 * once. Main thread only, before any thread that compresses starts. Returns 0 or
 * -ELIBACC (logged). */
int dyn_snappy_open(const char *flag);

/* Load libsystemd (sd-bus) for the feature behind flag; loads once, later calls return
 * 0 at once. Main thread only, before any thread that uses the bus starts. Returns 0 or
 * -ELIBACC (logged). */
int dyn_sdbus_open(const char *flag);

/* Refuse at compile time an option o that does not take values of kind (its
 * CURLOPTTYPE_* base); o must be a constant. Evaluates to o. */
#define DYN_CURLOPT(o, kind)                                                            \
	__extension__({                                                                   \
		_Static_assert((o) / 10000 * 10000 == (kind), #o " takes another kind of value"); \
		(o);                                                                      \
	})

/* curl_easy_setopt through the table, one function per kind of value. */
static inline CURLcode dyn_setopt_long_(CURL *c, CURLoption o, long v)
{
	return dyn_curl.easy_setopt(c, o, v);
}
static inline CURLcode dyn_setopt_ptr_(CURL *c, CURLoption o, const void *v)
{
	return dyn_curl.easy_setopt(c, o, v);
}
static inline CURLcode dyn_setopt_off_(CURL *c, CURLoption o, curl_off_t v)
{
	return dyn_curl.easy_setopt(c, o, v);
}

/* Options taking a long, a pointer (string, struct curl_slist *, callback data) or a
 * curl_off_t; each returns the CURLcode of curl_easy_setopt. */
#define dyn_setopt_long(c, o, v) dyn_setopt_long_((c), DYN_CURLOPT(o, CURLOPTTYPE_LONG), (v))
#define dyn_setopt_ptr(c, o, v) dyn_setopt_ptr_((c), DYN_CURLOPT(o, CURLOPTTYPE_OBJECTPOINT), (v))
#define dyn_setopt_off(c, o, v) dyn_setopt_off_((c), DYN_CURLOPT(o, CURLOPTTYPE_OFF_T), (v))

/* The two callbacks plumb sets, each with its own prototype checked by the compiler. */
static inline CURLcode dyn_setopt_writefunction(CURL *c, curl_write_callback f)
{
	return dyn_curl.easy_setopt(c, CURLOPT_WRITEFUNCTION, f);
}
static inline CURLcode dyn_setopt_xferinfofunction(CURL *c, curl_xferinfo_callback f)
{
	return dyn_curl.easy_setopt(c, CURLOPT_XFERINFOFUNCTION, f);
}

/* curl_easy_getinfo of a long-valued item (a constant CURLINFO_LONG + n). */
static inline CURLcode dyn_getinfo_long_(CURL *c, CURLINFO i, long *v)
{
	return dyn_curl.easy_getinfo(c, i, v);
}
#define dyn_getinfo_long(c, i, v)                                                          \
	dyn_getinfo_long_((c), __extension__({                                             \
				  _Static_assert(((i) & CURLINFO_TYPEMASK) == CURLINFO_LONG,  \
						 #i " is not a long");                        \
				  (i);                                                \
			  }),                                                                 \
			  (v))

#endif
