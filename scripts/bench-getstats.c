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

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static char buf[1 << 20];

/* One sweep; returns the number of interfaces seen (sum goes to *sink so nothing is skipped). */
static int sweep(int fd, uint32_t seq, uint64_t *sink) {
  struct { struct nlmsghdr nh; struct if_stats_msg ifsm; } req;
  memset(&req, 0, sizeof req);
  req.nh.nlmsg_len = sizeof req;
  req.nh.nlmsg_type = RTM_GETSTATS;
  req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.nh.nlmsg_seq = seq;
  req.ifsm.filter_mask = IFLA_STATS_FILTER_BIT(IFLA_STATS_LINK_64);
  if (send(fd, &req, sizeof req, 0) < 0) { perror("send"); exit(1); }
  int n_if = 0;
  for (;;) {
    ssize_t len = recv(fd, buf, sizeof buf, 0);
    if (len < 0) { perror("recv"); exit(1); }
    for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)len); nh = NLMSG_NEXT(nh, len)) {
      if (nh->nlmsg_type == NLMSG_DONE) return n_if;
      if (nh->nlmsg_type == NLMSG_ERROR) { fprintf(stderr, "netlink error\n"); exit(1); }
      struct if_stats_msg *ifsm = NLMSG_DATA(nh);
      struct rtattr *rta = (struct rtattr *)((char *)ifsm + NLMSG_ALIGN(sizeof *ifsm));
      int alen = nh->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof *ifsm));
      for (; RTA_OK(rta, alen); rta = RTA_NEXT(rta, alen)) {
        if (rta->rta_type != IFLA_STATS_LINK_64) continue;
        struct rtnl_link_stats64 s;
        memcpy(&s, RTA_DATA(rta), sizeof s);
        *sink += s.rx_packets + s.tx_packets + s.rx_bytes + s.tx_bytes + s.rx_errors + s.tx_errors +
                 s.rx_dropped + s.tx_dropped + (uint64_t)ifsm->ifindex;
        n_if++;
      }
    }
  }
}

int main(int argc, char **argv) {
  int runs = argc > 1 ? atoi(argv[1]) : 200;
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) { perror("socket"); return 1; }
  struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) { perror("bind"); return 1; }
  double *t = calloc(runs, sizeof *t);
  uint64_t sink = 0; int n_if = 0;
  for (int i = 0; i < 10; i++) sweep(fd, 1000000 + i, &sink); /* warm up */
  for (int i = 0; i < runs; i++) {
    double t0 = now_us();
    n_if = sweep(fd, i + 1, &sink);
    t[i] = now_us() - t0;
  }
  qsort(t, runs, sizeof *t, cmp);
  printf("%.1f %.1f %d %llu\n", t[runs / 2], t[(runs * 9) / 10], n_if, (unsigned long long)(sink & 1));
  return 0;
}
