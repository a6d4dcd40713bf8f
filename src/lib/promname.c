/*
 * promname: node_exporter's metric-name sanitising. See promname.h.
 */
#include <errno.h>

#include "lib/promname.h"

int promname_sanitize(struct span name, char *out, size_t cap)
{
	size_t i = 0, o = 0;
	int r = 0;
	if (cap == 0)
		return -ENAMETOOLONG;
	while (i < name.len) {
		size_t j = i;
		while (j < name.len && name.p[j] == '_')
			j++;
		if (j == name.len || promname_char((unsigned char)name.p[j])) {
			/* underscores followed by a name character (or the end): kept */
			size_t k = j == i ? i + 1 : j;
			for (; i < k; i++) {
				if (o + 1 >= cap) {
					r = -ENAMETOOLONG;
					goto out;
				}
				out[o++] = name.p[i];
			}
			continue;
		}
		while (j < name.len && !promname_char((unsigned char)name.p[j]))
			j++;
		while (j < name.len && name.p[j] == '_')
			j++;
		if (o + 1 >= cap) {
			r = -ENAMETOOLONG;
			goto out;
		}
		out[o++] = '_';
		i = j;
	}
out:
	out[o] = '\0';
	return r < 0 ? r : (int)o;
}
