/* The bare baseline for the counter-sweep benchmark (scripts/bench-engine.js compiles it with gcc
 * into a temp dir): one RTM_GETSTATS dump (IFLA_STATS_LINK_64) of every interface of the calling
 * namespace, parsed just enough to sum the eight counters, repeated; prints the median and p90 of
 * one sweep in microseconds as "median_us p90_us interfaces". Usage: getstats RUNS */
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench-stats-dump.h"

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  int runs = argc > 1 ? atoi(argv[1]) : 200;
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) { perror("socket"); return 1; }
  struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) { perror("bind"); return 1; }
  double *t = calloc(runs, sizeof *t);
  uint64_t sink = 0; int n_if = 0;
  for (int i = 0; i < 10; i++) stats_dump(fd, 1000000 + i, &sink); /* warm up */
  for (int i = 0; i < runs; i++) {
    double t0 = now_us();
    n_if = stats_dump(fd, i + 1, &sink);
    t[i] = now_us() - t0;
  }
  qsort(t, runs, sizeof *t, cmp);
  printf("%.1f %.1f %d %llu\n", t[runs / 2], t[(runs * 9) / 10], n_if, (unsigned long long)(sink & 1));
  return 0;
}
