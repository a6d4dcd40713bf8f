/*
 * fuzz_cg_ident: cgroup path classification. Whatever the path, the result is
 * consistent: IDs are 64 lowercase hex and UIDs 32 hex or a dashed UUID exactly when
 * the kind calls for them, empty otherwise; a service ends in ".service"; every
 * buffer is NUL-terminated.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cgident.h"

static int all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static void check_uid(const char *u)
{
	size_t n = strnlen(u, CG_UID_MAX + 1);
	if (n == 32 && all_hex(u, 32))
		return;
	if (n != 36)
		abort();
	for (size_t i = 0; i < 36; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? u[i] != '-' : !all_hex(u + i, 1))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cg_ident id;
	int r = cg_ident_parse((struct span){ (const char *)data, size }, &id);
	size_t idl, uidl, sl;

	if (r != 0 && r != -EINVAL)
		abort();
	idl = strnlen(id.id, sizeof(id.id));
	uidl = strnlen(id.pod_uid, sizeof(id.pod_uid));
	sl = strnlen(id.service, sizeof(id.service));
	if (idl == sizeof(id.id) || uidl == sizeof(id.pod_uid) || sl == sizeof(id.service))
		abort();
	if (r < 0 && id.kind != CG_KIND_OTHER)
		abort();
	switch (id.kind) {
	case CG_KIND_CONTAINER:
		check_uid(id.pod_uid);
		if (idl != 64 || !all_hex(id.id, 64) || id.runtime == CG_RT_NONE || id.qos == CG_QOS_NONE)
			abort();
		break;
	case CG_KIND_POD:
		check_uid(id.pod_uid);
		if (idl || id.runtime != CG_RT_NONE || id.qos == CG_QOS_NONE)
			abort();
		break;
	case CG_KIND_RUNTIME:
		if (idl != 64 || !all_hex(id.id, 64) || uidl || id.runtime == CG_RT_NONE)
			abort();
		break;
	case CG_KIND_SERVICE:
		if (sl <= 8 || strcmp(id.service + sl - 8, ".service") || idl || uidl)
			abort();
		break;
	default:
		if (idl || uidl || sl || id.runtime != CG_RT_NONE)
			abort();
		break;
	}
	if (id.kind != CG_KIND_SERVICE && sl)
		abort();
	(void)cg_kind_name(id.kind);
	(void)cg_qos_name(id.qos);
	(void)cg_runtime_name(id.runtime);
	return 0;
}
