// Request building: the one rtnetlink message of each mutation op (RTM_NEWLINK / RTM_DELLINK,
// RTM_NEWADDR / RTM_DELADDR, RTM_NEWROUTE / RTM_DELROUTE), names resolved against the batch's
// LinkTable, which learns what the request will do. Sending is mutate_batch.cc's.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <map>
#include <string>

#include "error.h"
#include "link_table.h"
#include "mutate.h"
#include "nl_codec.h"

namespace vnet {

// Namespace files opened for IFLA_NET_NS_FD, one fd per path, closed when the batch ends.
class NsFds {
 public:
  ~NsFds() { for (auto& kv : fds_) close(kv.second); }
  int Get(const std::string& path, const std::string& what) {
    auto it = fds_.find(path);
    if (it != fds_.end()) return it->second;
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw SysError(errno, what + ": namespace " + "\"" + path + "\"");
    fds_[path] = fd;
    return fd;
  }

 private:
  std::map<std::string, int> fds_;
};

// Builds the request for op, resolving names against links. Throws SysError (ENODEV, ...) when
// the op cannot be expressed; updates links to what the op will do.
MsgBuilder BuildRequest(Op& op, LinkTable& links, NsFds& fds);

// A veth, bridge or vxlan create (a tun/tap is made with ioctls: tuntap.cc).
bool IsNetlinkCreate(const Op& op);

// Zeroes the ifindexes the batch chose in op's create request (the link's, and a same-namespace
// veth peer's), so that the kernel picks them when it is sent again.
void ClearChosenIndexes(const Op& op, MsgBuilder& m);

}  // namespace vnet
