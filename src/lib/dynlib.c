/*
 * dynlib: loading libcurl, libsnappy and libsystemd at start-up when a feature needs them (see
 * dynlib.h). Each library has a table of (symbol name, slot in its struct); a load
 * resolves every name or none, so a half-filled table is never used.
 */
#include "lib/dynlib.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "lib/log.h"

struct dyn_curl dyn_curl;
struct dyn_snappy dyn_snappy;
struct dyn_sdbus dyn_sdbus;

/* One function to resolve: its name and where its address goes. */
struct dyn_sym {
	const char *name;
	size_t slot; /* offset of the function pointer in the library's struct */
};

/* One library: its soname, the Debian package that ships it, its functions. */
struct dyn_lib {
	const char *soname;
	const char *package;
	const struct dyn_sym *syms;
	size_t nsyms;
	void *table;  /* struct dyn_curl, dyn_snappy or dyn_sdbus */
	size_t size;  /* of *table */
	void *handle; /* dlopen's, once loaded; never closed */
};

#define CURL_SYM(f) { "curl_" #f, offsetof(struct dyn_curl, f) }
static const struct dyn_sym curl_syms[] = {
	CURL_SYM(global_init),  CURL_SYM(global_cleanup), CURL_SYM(easy_init),
	CURL_SYM(easy_setopt),  CURL_SYM(easy_perform),   CURL_SYM(easy_getinfo),
	CURL_SYM(easy_strerror), CURL_SYM(easy_cleanup),  CURL_SYM(slist_append),
	CURL_SYM(slist_free_all),
};

#define SNAPPY_SYM(f) { "snappy_" #f, offsetof(struct dyn_snappy, f) }
static const struct dyn_sym snappy_syms[] = {
	SNAPPY_SYM(compress),
	SNAPPY_SYM(uncompress),
	SNAPPY_SYM(max_compressed_length),
	SNAPPY_SYM(uncompressed_length),
};

/* sd_bus_new's slot is new_ (new is no keyword in C, but reads like one) */
#define SDBUS_SYM(f) { "sd_bus_" #f, offsetof(struct dyn_sdbus, f) }
static const struct dyn_sym sdbus_syms[] = {
	{ "sd_bus_new", offsetof(struct dyn_sdbus, new_) },
	SDBUS_SYM(set_address),
	SDBUS_SYM(set_bus_client),
	SDBUS_SYM(set_method_call_timeout),
	SDBUS_SYM(start),
	SDBUS_SYM(is_open),
	SDBUS_SYM(is_ready),
	SDBUS_SYM(process),
	SDBUS_SYM(wait),
	SDBUS_SYM(close_unref),
	SDBUS_SYM(call_method),
	SDBUS_SYM(get_property),
	SDBUS_SYM(message_enter_container),
	SDBUS_SYM(message_exit_container),
	SDBUS_SYM(message_read_basic),
	SDBUS_SYM(message_skip),
	SDBUS_SYM(message_unref),
	SDBUS_SYM(error_free),
};

static struct dyn_lib curl_lib = { "libcurl.so.4", "libcurl4", curl_syms,
				   sizeof(curl_syms) / sizeof(curl_syms[0]), &dyn_curl,
				   sizeof(dyn_curl), NULL };
static struct dyn_lib snappy_lib = { "libsnappy.so.1", "libsnappy1v5", snappy_syms,
				     sizeof(snappy_syms) / sizeof(snappy_syms[0]), &dyn_snappy,
				     sizeof(dyn_snappy), NULL };

static struct dyn_lib sdbus_lib = { "libsystemd.so.0", "libsystemd0", sdbus_syms,
				    sizeof(sdbus_syms) / sizeof(sdbus_syms[0]), &dyn_sdbus,
				    sizeof(dyn_sdbus), NULL };

static unsigned curl_refs; /* dyn_curl_open calls not yet closed */

/* Load l (once) and fill its table, for the feature behind flag. Returns 0 or -ELIBACC
 * after logging which library, function and flag. */
static int load(struct dyn_lib *l, const char *flag)
{
	const char *missing = NULL;
	if (l->handle)
		return 0;
	void *h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		plog(LOG_ERROR, "cannot load a library this flag needs; install its package",
		     "flag", flag, "library", l->soname, "package", l->package, "err", dlerror(),
		     PLOG_END);
		return -ELIBACC;
	}
	for (size_t i = 0; i < l->nsyms; i++) {
		void *f = dlsym(h, l->syms[i].name);
		if (!f) {
			missing = l->syms[i].name;
			goto out_close;
		}
		/* POSIX guarantees a function's address fits a void * and back */
		memcpy((char *)l->table + l->syms[i].slot, &f, sizeof(f));
	}
	l->handle = h;
	return 0;
out_close:
	plog(LOG_ERROR, "a library this flag needs lacks a function; install its package",
	     "flag", flag, "library", l->soname, "package", l->package, "function", missing,
	     PLOG_END);
	memset(l->table, 0, l->size);
	dlclose(h);
	return -ELIBACC;
}

int dyn_curl_open(const char *flag)
{
	int r;
	if (curl_refs > 0) {
		curl_refs++;
		return 0;
	}
	if ((r = load(&curl_lib, flag)) < 0)
		return r;
	if (dyn_curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		plog(LOG_ERROR, "libcurl failed to initialise", "flag", flag, PLOG_END);
		return -ENOMEM;
	}
	curl_refs = 1;
	return 0;
}

void dyn_curl_close(void)
{
	if (curl_refs > 0 && --curl_refs == 0)
		dyn_curl.global_cleanup();
}

int dyn_snappy_open(const char *flag)
{
	return load(&snappy_lib, flag);
}

int dyn_sdbus_open(const char *flag)
{
	return load(&sdbus_lib, flag);
}
