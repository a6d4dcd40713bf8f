/*
 * regex: PCRE2 behind a small interface. See regex.h.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "lib/regex.h"

#include <errno.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>

struct regex {
	pcre2_code *code;
	pcre2_match_data *md;
};

int regex_compile(const char *pattern, struct regex **out, char *err, size_t errcap)
{
	int code;
	PCRE2_SIZE off;
	*out = NULL;
	if (err && errcap)
		snprintf(err, errcap, "out of memory"); /* what every failure but a bad pattern is */
	struct regex *re = calloc(1, sizeof(*re));
	if (!re)
		return -ENOMEM;
	re->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code,
				 &off, NULL);
	if (!re->code) {
		free(re);
		if (code == PCRE2_ERROR_HEAP_FAILED)
			return -ENOMEM; /* the pattern may be fine */
		if (err && errcap) {
			PCRE2_UCHAR msg[160];
			pcre2_get_error_message(code, msg, sizeof(msg));
			snprintf(err, errcap, "%s at offset %zu", (const char *)msg, (size_t)off);
		}
		return -EINVAL;
	}
	re->md = pcre2_match_data_create_from_pattern(re->code, NULL);
	if (!re->md) {
		pcre2_code_free(re->code);
		free(re);
		return -ENOMEM;
	}
	*out = re;
	return 0;
}

bool regex_match(const struct regex *re, const char *s, size_t len)
{
	/* match data is per regex: a regex is used by one collector at a time */
	return pcre2_match(re->code, (PCRE2_SPTR)s, len, 0, 0, re->md, NULL) >= 0;
}

void regex_free(struct regex *re)
{
	if (!re)
		return;
	pcre2_match_data_free(re->md);
	pcre2_code_free(re->code);
	free(re);
}

int filter_init(struct filter *f, const char *include, const char *exclude)
{
	f->include = f->exclude = NULL;
	int r = 0;
	if (include && *include && (r = regex_compile(include, &f->include, NULL, 0)) < 0)
		return r;
	if (exclude && *exclude && (r = regex_compile(exclude, &f->exclude, NULL, 0)) < 0) {
		regex_free(f->include);
		f->include = NULL;
	}
	return r;
}

bool filter_pass(const struct filter *f, const char *s, size_t len)
{
	if (f->include && !regex_match(f->include, s, len))
		return false;
	if (f->exclude && regex_match(f->exclude, s, len))
		return false;
	return true;
}

void filter_fini(struct filter *f)
{
	regex_free(f->include);
	regex_free(f->exclude);
	f->include = f->exclude = NULL;
}
