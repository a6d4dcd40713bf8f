/*
 * fuzz_broker_conf: the privilege broker's configuration message (broker_cfg_build and
 * broker_cfg_parse in src/runtime/broker_proto.c), which the broker, still root and
 * unconfined, reads from plumb before it enters its sandbox.
 *
 * The first byte picks the mode. Even: the rest is a raw message of that many bytes
 * (oversized ones cut to one byte past the struct, as the kernel's MSG_TRUNC reports
 * them), parsed. Odd: the rest is a uid (4 bytes), a group count (1 byte), an open-root
 * count (1 byte) and roots separated by '\n', built into a message as plumb would.
 * Invariants, beyond "no crash": a parsed message has uid != 0, at most
 * BROKER_MAX_ROOTS roots of each kind, every root absolute and canonical and inside
 * the message's text; building it again from what the parse gave reproduces the
 * message byte for byte; a built message always parses, to the same roots and user.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "runtime/broker.h"

static struct broker_cfgmsg msg, again; /* 12 KiB each: not on the stack */
static struct priv_user user, back;
static struct broker_conf conf, conf2;
static char text[BROKER_CONF_TEXT * 2];

/* Abort unless c's roots are canonical and lie inside m's text. */
static void check_roots(const struct broker_conf *c, const struct broker_cfgmsg *m)
{
	if (c->nopen > BROKER_MAX_ROOTS || c->nstatfs > BROKER_MAX_ROOTS)
		abort();
	for (size_t i = 0; i < c->nopen + c->nstatfs; i++) {
		const char *r = i < c->nopen ? c->open_roots[i] : c->statfs_roots[i - c->nopen];
		if (r < m->text || r >= m->text + sizeof(m->text))
			abort();
		size_t n = strnlen(r, (size_t)(m->text + sizeof(m->text) - r));
		if (r + n >= m->text + sizeof(m->text) || broker_path_check(r, n) != 0)
			abort();
	}
}

static void raw(const uint8_t *data, size_t size)
{
	size_t len = size;
	memset(&msg, 0, sizeof(msg));
	memcpy(&msg, data, len < sizeof(msg) ? len : sizeof(msg));
	if (len > sizeof(msg))
		len = sizeof(msg) + 1;
	int r = broker_cfg_parse(&msg, len, &conf, &user);
	if (r > 0 || r <= -4096)
		abort();
	if (r < 0) {
		if (conf.nopen || conf.nstatfs) /* a refusal leaves no root behind */
			abort();
		return;
	}
	if (user.uid == 0)
		abort();
	check_roots(&conf, &msg);
	if (broker_cfg_build(&again, &conf, &user) != 0 || memcmp(&again, &msg, sizeof(msg)) != 0)
		abort();
}

static void built(const uint8_t *data, size_t size)
{
	if (size < 6)
		return;
	memset(&user, 0, sizeof(user));
	memcpy(&user.uid, data, 4);
	user.gid = user.uid ^ 0x5a5a;
	user.ngroups = data[4] % 8;
	for (int i = 0; i < user.ngroups; i++)
		user.groups[i] = (gid_t)(i * 7 + 1);
	size_t nopen = data[5];
	size_t n = size - 6 < sizeof(text) - 1 ? size - 6 : sizeof(text) - 1;
	memcpy(text, data + 6, n);
	text[n] = '\0';
	memset(&conf, 0, sizeof(conf));
	size_t total = 0;
	for (char *p = text, *nl; p && total < (size_t)2 * BROKER_MAX_ROOTS; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (total < nopen && conf.nopen < BROKER_MAX_ROOTS)
			conf.open_roots[conf.nopen++] = p;
		else if (conf.nstatfs < BROKER_MAX_ROOTS)
			conf.statfs_roots[conf.nstatfs++] = p;
		total++;
	}
	int r = broker_cfg_build(&msg, &conf, &user);
	if (r != 0 && r != -EINVAL && r != -E2BIG && r != -EPERM)
		abort();
	if ((user.uid == 0) != (r == -EPERM))
		abort();
	if (r != 0)
		return;
	if (broker_cfg_parse(&msg, sizeof(msg), &conf2, &back) != 0)
		abort();
	check_roots(&conf2, &msg);
	if (back.uid != user.uid || back.gid != user.gid || back.ngroups != user.ngroups ||
	    memcmp(back.groups, user.groups, sizeof(gid_t) * (size_t)user.ngroups) != 0 ||
	    conf2.nopen != conf.nopen || conf2.nstatfs != conf.nstatfs)
		abort();
	for (size_t i = 0; i < conf.nopen + conf.nstatfs; i++) {
		const char *a = i < conf.nopen ? conf.open_roots[i] : conf.statfs_roots[i - conf.nopen];
		const char *b = i < conf.nopen ? conf2.open_roots[i] : conf2.statfs_roots[i - conf.nopen];
		if (strcmp(a, b) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		log_setup("error", "logfmt");
		ready = 1;
	}
	if (size < 1)
		return 0;
	if (data[0] % 2 == 0)
		raw(data + 1, size - 1);
	else
		built(data + 1, size - 1);
	return 0;
}
