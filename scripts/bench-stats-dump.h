/* One RTM_GETSTATS dump (IFLA_STATS_LINK_64) of every interface of the namespace a netlink socket
 * is bound to, parsed just enough to sum the eight counters: the work of one counter sweep, shared
 * by the bench's C floors (bench-getstats.c, bench-scale-floor.c). Included, not linked: each
 * floor is one gcc call on one file. */
#ifndef VNET_BENCH_STATS_DUMP_H
#define VNET_BENCH_STATS_DUMP_H
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static char stats_buf[1 << 20];

/* One dump on one socket; returns the number of interfaces seen (their sum goes to *sink so the
 * counters are really read). */
static int stats_dump(int fd, uint32_t seq, uint64_t *sink) {
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
    ssize_t len = recv(fd, stats_buf, sizeof stats_buf, 0);
    if (len < 0) { perror("recv"); exit(1); }
    for (struct nlmsghdr *nh = (struct nlmsghdr *)stats_buf; NLMSG_OK(nh, (size_t)len); nh = NLMSG_NEXT(nh, len)) {
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

#endif
