#include "stats.h"

#include <sys/socket.h>
#include <time.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

namespace vnet {

StatsColumns SweepStats(NlSocket& sock) {
  MsgBuilder req(RTM_GETSTATS, NLM_F_REQUEST | NLM_F_DUMP);
  if_stats_msg* m = req.Family<if_stats_msg>();
  m->family = AF_UNSPEC;
  m->filter_mask = IFLA_STATS_FILTER_BIT(IFLA_STATS_LINK_64);
  std::vector<uint8_t> blob = sock.Dump(req, "stats dump");

  static const Policy kStatsPolicy(IFLA_STATS_MAX, {{IFLA_STATS_LINK_64, AttrKind::Binary}});
  StatsColumns out;
  out.ifindex.reserve(blob.size() / 256);
  out.values.reserve(blob.size() / 32);
  ForEachMsg(blob.data(), blob.size(), [&](const nlmsghdr* h) {
    const if_stats_msg* s = FamilyOf<if_stats_msg>(h);
    if (h->nlmsg_type != RTM_NEWSTATS || !s) return;
    Attrs tb(kStatsPolicy, h, sizeof(if_stats_msg));
    size_t len;
    const void* p = tb.Payload(IFLA_STATS_LINK_64, &len);
    uint64_t v[8] = {0};  // rtnl_link_stats64 starts with the 8 counters the protocol wants, in order
    if (p && len >= sizeof v) std::memcpy(v, p, sizeof v);
    out.ifindex.push_back(static_cast<int32_t>(s->ifindex));
    for (uint64_t x : v) out.values.push_back(static_cast<double>(x));
  });
  return out;
}

static double MonotonicMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

std::vector<StatsRead> SweepStatsEach(const std::vector<std::shared_ptr<NsState>>& states) {
  std::vector<StatsRead> out(states.size());
  for (size_t i = 0; i < states.size(); i++) {
    const std::shared_ptr<NsState>& st = states[i];
    StatsRead& r = out[i];
    try {
      if (!st) throw SysError(EBADF, "namespace handle is closed");
      std::lock_guard<std::mutex> lock(st->req->mu);
      if (st->closed) throw SysError(EBADF, "namespace handle is closed");
      r.t = MonotonicMs();
      r.cols = SweepStats(*st->req);
    } catch (const SysError& e) {
      r.err = e.err();
      r.message = st ? st->Name() + ": " + e.what() : e.what();
    } catch (const std::exception& e) {
      r.err = EIO;
      r.message = st ? st->Name() + ": " + e.what() : e.what();
    }
  }
  return out;
}

}  // namespace vnet
