/*
 * nlbudget: one time limit shared by the several netlink requests of one collection
 * (tcpstat's IPv4 and IPv6 dumps, network_route's link and route dumps), so that
 * together they never hold a scrape longer than it allows. Each request gets what is
 * left (nl_request_within); none is sent once nothing is.
 */
#ifndef PLUMB_NLBUDGET_H
#define PLUMB_NLBUDGET_H

#include <time.h>

struct nl_budget {
	struct timespec start; /* CLOCK_MONOTONIC */
	unsigned ms;           /* the whole limit */
};

/* Start a limit of ms milliseconds now. */
void nl_budget_start(struct nl_budget *b, unsigned ms);

/* Milliseconds left, at least 1 while some time is left, 0 once it has passed. */
unsigned nl_budget_left(const struct nl_budget *b);

#endif
