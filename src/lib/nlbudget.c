/*
 * nlbudget: a time limit shared by a collection's netlink requests. See nlbudget.h.
 */
#include "lib/nlbudget.h"

void nl_budget_start(struct nl_budget *b, unsigned ms)
{
	clock_gettime(CLOCK_MONOTONIC, &b->start);
	b->ms = ms;
}

unsigned nl_budget_left(const struct nl_budget *b)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long used_us = (long long)(now.tv_sec - b->start.tv_sec) * 1000000 +
			    (now.tv_nsec - b->start.tv_nsec) / 1000;
	long long left_us = (long long)b->ms * 1000 - used_us;
	if (left_us <= 0)
		return 0;
	return (unsigned)((left_us + 999) / 1000);
}
