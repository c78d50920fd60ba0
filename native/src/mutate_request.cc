#include "mutate_request.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sys/socket.h>

namespace vnet {
namespace {

void PutIp(MsgBuilder& m, uint16_t type, const IpAddr& a) { m.Put(type, a.bytes, a.Len()); }

// The request's ifinfomsg, looked up afresh (appends may move the buffer).
ifinfomsg* Ifi(MsgBuilder& m) { return static_cast<ifinfomsg*>(NLMSG_DATA(m.Header())); }

void LinkCommon(MsgBuilder& m, const Op& op, int masterIdx) {
  if (op.up >= 0) { Ifi(m)->ifi_change = IFF_UP; Ifi(m)->ifi_flags = op.up ? IFF_UP : 0; }
  if (op.mtu) m.PutU32(IFLA_MTU, op.mtu);
  if (op.hasMac) m.Put(IFLA_ADDRESS, op.mac, 6);
  if (op.hasMaster) m.PutU32(IFLA_MASTER, static_cast<uint32_t>(masterIdx));
  if (op.hasAlias) m.PutStr(IFLA_IFALIAS, op.alias);
  if (op.group) m.PutU32(IFLA_GROUP, op.group);
}

}  // namespace

MsgBuilder BuildRequest(Op& op, LinkTable& links, NsFds& fds) {
  auto resolve = [&](const LinkRef& r, const char* role) {
    int idx = links.Resolve(r);
    if (!idx) throw SysError(ENODEV, op.what + ": " + role + " " + r.Describe());
    return idx;
  };
  const uint16_t createFlags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
  switch (op.kind) {
    case OpKind::CreateVeth:
    case OpKind::CreateBridge:
    case OpKind::CreateVxlan: {
      if (links.Exists(op.name)) throw SysError(EEXIST, op.what);
      int masterIdx = op.hasMaster ? resolve(op.master, "master") : 0;
      int vxDev = op.kind == OpKind::CreateVxlan && op.vxDev.Set() ? resolve(op.vxDev, "dev") : 0;
      int peerNs = op.kind == OpKind::CreateVeth && !op.peerNsPath.empty() ? fds.Get(op.peerNsPath, op.what) : -1;
      if (op.kind == OpKind::CreateVeth && peerNs < 0 && links.Exists(op.peerName)) throw SysError(EEXIST, op.what + " peer \"" + op.peerName + "\"");
      MsgBuilder m(RTM_NEWLINK, createFlags);
      m.Family<ifinfomsg>();
      int idx = op.index ? op.index : links.Fresh();
      links.Reserve(idx);
      Ifi(m)->ifi_index = idx;
      m.PutStr(IFLA_IFNAME, op.name);
      LinkCommon(m, op, masterIdx);
      size_t info = m.BeginNested(IFLA_LINKINFO);
      if (op.kind == OpKind::CreateVeth) {
        m.PutStr(IFLA_INFO_KIND, "veth");
        size_t data = m.BeginNested(IFLA_INFO_DATA);
        size_t peer = m.BeginNested(VETH_INFO_PEER);
        ifinfomsg* pi = static_cast<ifinfomsg*>(m.Append(nullptr, sizeof(ifinfomsg)));
        if (op.peerUp >= 0) { pi->ifi_change = IFF_UP; pi->ifi_flags = op.peerUp ? IFF_UP : 0; }
        if (peerNs < 0) {  // same namespace: pick its index too, so later ops can name it
          int pidx = links.Fresh();
          pi->ifi_index = pidx;
          links.Add(op.peerName, pidx);
          op.peerIndex = pidx;
          op.peerIfiAt = static_cast<size_t>(reinterpret_cast<uint8_t*>(pi) - reinterpret_cast<uint8_t*>(m.Header()));
        }
        m.PutStr(IFLA_IFNAME, op.peerName);
        if (op.peerMtu || op.mtu) m.PutU32(IFLA_MTU, op.peerMtu ? op.peerMtu : op.mtu);
        if (op.group) m.PutU32(IFLA_GROUP, op.group);  // both ends in the lab's group
        if (peerNs >= 0) m.PutU32(IFLA_NET_NS_FD, static_cast<uint32_t>(peerNs));
        m.EndNested(peer);
        m.EndNested(data);
      } else if (op.kind == OpKind::CreateBridge) {
        m.PutStr(IFLA_INFO_KIND, "bridge");
      } else {
        m.PutStr(IFLA_INFO_KIND, "vxlan");
        size_t data = m.BeginNested(IFLA_INFO_DATA);
        m.PutU32(IFLA_VXLAN_ID, op.vni);
        if (op.remote.family) PutIp(m, op.remote.family == AF_INET ? IFLA_VXLAN_GROUP : IFLA_VXLAN_GROUP6, op.remote);
        if (op.local.family) PutIp(m, op.local.family == AF_INET ? IFLA_VXLAN_LOCAL : IFLA_VXLAN_LOCAL6, op.local);
        if (op.port > 0) m.PutU16(IFLA_VXLAN_PORT, htons(static_cast<uint16_t>(op.port)));
        if (vxDev) m.PutU32(IFLA_VXLAN_LINK, static_cast<uint32_t>(vxDev));
        m.EndNested(data);
      }
      m.EndNested(info);
      links.Add(op.name, idx);
      op.resultIndex = idx;
      return m;
    }
    case OpKind::DeleteLink: {
      int idx = resolve(op.dev, "no such link");
      MsgBuilder m(RTM_DELLINK, NLM_F_REQUEST);
      m.Family<ifinfomsg>()->ifi_index = idx;
      links.Remove(idx);
      op.resultIndex = idx;
      return m;
    }
    case OpKind::DeleteGroup: {
      MsgBuilder m(RTM_DELLINK, NLM_F_REQUEST);
      m.Family<ifinfomsg>();  // ifindex 0 + IFLA_GROUP = the whole group
      m.PutU32(IFLA_GROUP, op.group);
      return m;
    }
    case OpKind::SetLink: {
      int idx = resolve(op.dev, "no such link");
      int masterIdx = op.hasMaster && !op.noMaster ? resolve(op.master, "master") : 0;
      MsgBuilder m(RTM_NEWLINK, NLM_F_REQUEST);
      m.Family<ifinfomsg>()->ifi_index = idx;
      LinkCommon(m, op, masterIdx);
      if (!op.newName.empty()) {
        if (links.Exists(op.newName) && links.Resolve(LinkRef{0, op.newName}) != idx && op.nsPath.empty())
          throw SysError(EEXIST, op.what + ": rename to \"" + op.newName + "\"");
        m.PutStr(IFLA_IFNAME, op.newName);
      }
      if (!op.nsPath.empty()) {
        m.PutU32(IFLA_NET_NS_FD, static_cast<uint32_t>(fds.Get(op.nsPath, op.what)));
        links.Remove(idx);  // gone from this namespace
      } else if (!op.newName.empty()) {
        links.Rename(idx, op.newName);
      }
      op.resultIndex = idx;
      return m;
    }
    case OpKind::AddAddr:
    case OpKind::DelAddr: {
      int idx = resolve(op.dev, "no such link");
      bool add = op.kind == OpKind::AddAddr;
      MsgBuilder m(add ? RTM_NEWADDR : RTM_DELADDR, add ? createFlags : NLM_F_REQUEST);
      ifaddrmsg* ifa = m.Family<ifaddrmsg>();
      ifa->ifa_family = static_cast<uint8_t>(op.addr.family);
      ifa->ifa_prefixlen = static_cast<uint8_t>(op.prefix);
      ifa->ifa_index = static_cast<uint32_t>(idx);
      PutIp(m, IFA_LOCAL, op.addr);
      PutIp(m, IFA_ADDRESS, op.peer.family ? op.peer : op.addr);
      if (add && op.nodad) m.PutU32(IFA_FLAGS, IFA_F_NODAD);
      op.resultIndex = idx;
      return m;
    }
    case OpKind::AddRoute:
    case OpKind::DelRoute: {
      bool add = op.kind == OpKind::AddRoute;
      int oif = op.dev.Set() ? resolve(op.dev, "no such link") : 0;
      MsgBuilder m(add ? RTM_NEWROUTE : RTM_DELROUTE, add ? createFlags : NLM_F_REQUEST);
      rtmsg* r = m.Family<rtmsg>();
      r->rtm_family = static_cast<uint8_t>(op.addr.family);
      r->rtm_dst_len = static_cast<uint8_t>(op.prefix);
      r->rtm_table = static_cast<uint8_t>(op.table < 256 ? op.table : static_cast<uint32_t>(RT_TABLE_UNSPEC));
      if (add) {  // what `ip route add` sends
        r->rtm_protocol = RTPROT_BOOT;
        r->rtm_type = RTN_UNICAST;
        r->rtm_scope = op.gateway.family ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
      } else {    // what `ip route del` sends: match any scope
        r->rtm_scope = RT_SCOPE_NOWHERE;
      }
      if (op.table >= 256) m.PutU32(RTA_TABLE, op.table);
      if (!op.isDefault) PutIp(m, RTA_DST, op.addr);
      if (op.gateway.family) PutIp(m, RTA_GATEWAY, op.gateway);
      if (oif) m.PutU32(RTA_OIF, static_cast<uint32_t>(oif));
      if (op.hasMetric) m.PutU32(RTA_PRIORITY, op.metric);
      return m;
    }
    case OpKind::CreateTunTap:
      break;
  }
  throw SysError(EINVAL, op.what + ": not a netlink op");
}

bool IsNetlinkCreate(const Op& op) {
  return op.kind == OpKind::CreateVeth || op.kind == OpKind::CreateBridge || op.kind == OpKind::CreateVxlan;
}

void ClearChosenIndexes(const Op& op, MsgBuilder& m) {
  Ifi(m)->ifi_index = 0;
  if (op.peerIfiAt) reinterpret_cast<ifinfomsg*>(reinterpret_cast<uint8_t*>(m.Header()) + op.peerIfiAt)->ifi_index = 0;
}

}  // namespace vnet
