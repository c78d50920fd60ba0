#include "link_table.h"

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

namespace vnet {

LinkTable::LinkTable(NlSocket& sock) {
  MsgBuilder req(RTM_GETLINK, NLM_F_REQUEST);
  req.Family<ifinfomsg>()->ifi_family = AF_UNSPEC;
  // Only names are needed: skip the counters to keep the dump small.
  req.PutU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  std::vector<uint8_t> blob = sock.Dump(req, "link dump");
  static const Policy kNamePolicy(IFLA_MAX, {{IFLA_IFNAME, AttrKind::Str}});
  ForEachMsg(blob.data(), blob.size(), [&](const nlmsghdr* h) {
    const ifinfomsg* ifi = FamilyOf<ifinfomsg>(h);
    if (!ifi || h->nlmsg_type != RTM_NEWLINK) return;
    Attrs tb(kNamePolicy, h, sizeof(ifinfomsg));
    Add(tb.Str(IFLA_IFNAME), ifi->ifi_index);
  });
}

}  // namespace vnet
