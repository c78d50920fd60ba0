// Running a validated batch: names resolved to ifindexes (one link dump, then tracked through the
// batch's own creates/renames/deletes, with ifindexes chosen up front for new links so later ops
// can name them), messages built, sent pipelined; tun/tap creation (an ioctl, not netlink) splits
// the pipeline.
#include "mutate.h"

#include <fcntl.h>
#include <sched.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <set>

#include "translate.h"

namespace vnet {
namespace {

// Link names and indexes of the handle's namespace as the batch goes along.
class LinkTable {
 public:
  explicit LinkTable(NlSocket& sock) {
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
  void Add(const std::string& name, int index) {
    byName_[name] = index;
    Reserve(index);
  }
  void Remove(int index) {
    for (auto it = byName_.begin(); it != byName_.end(); ++it)
      if (it->second == index) { byName_.erase(it); break; }
  }
  void Rename(int index, const std::string& to) { Remove(index); Add(to, index); }
  bool Exists(const std::string& name) const { return byName_.count(name) != 0; }
  // Resolves a reference; 0 when a name is unknown.
  int Resolve(const LinkRef& r) const {
    if (r.index > 0) return r.index;
    auto it = byName_.find(r.name);
    return it == byName_.end() ? 0 : it->second;
  }
  // An ifindex nobody uses in this namespace (the kernel would pick one too, but later ops of the
  // batch need to know it before the kernel answers).
  int Fresh() {
    while (used_.count(next_)) next_++;
    int idx = next_;
    Reserve(idx);
    return idx;
  }
  void Reserve(int index) {
    used_.insert(index);
    if (index >= next_) next_ = index + 1;  // new links go above every index seen (not into holes a
                                            // just-deleted device may still hold in the kernel)
  }

 private:
  std::map<std::string, int> byName_;
  std::set<int> used_;
  int next_ = 2;
};

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

// Builds the request for op, resolving names against links. Throws SysError (ENODEV, ...) when
// the op cannot be expressed; updates links to what the op will do.
MsgBuilder Build(Op& op, LinkTable& links, NsFds& fds) {
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

void Fail(Op& op, int err, const std::string& extack = "") {
  op.err = err;
  op.extack = extack;
  op.message = SysError::Format(err, op.what, extack);
}

bool IsNetlinkCreate(const Op& op) {
  return op.kind == OpKind::CreateVeth || op.kind == OpKind::CreateBridge || op.kind == OpKind::CreateVxlan;
}

// The ifindex of the link called `name` in the socket's namespace (one RTM_GETLINK by name).
int IndexByName(NlSocket& sock, const std::string& name, const std::string& what) {
  MsgBuilder req(RTM_GETLINK, NLM_F_REQUEST);
  req.Family<ifinfomsg>()->ifi_family = AF_UNSPEC;
  req.PutStr(IFLA_IFNAME, name);
  req.PutU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  std::vector<uint8_t> reply = sock.Request(req, what + ": read back \"" + name + "\"");
  int index = 0;
  ForEachMsg(reply.data(), reply.size(), [&](const nlmsghdr* h) {
    const ifinfomsg* ifi = FamilyOf<ifinfomsg>(h);
    if (ifi && h->nlmsg_type == RTM_NEWLINK) index = ifi->ifi_index;
  });
  return index;
}

// A create sent with ifindexes the batch picked itself came back EEXIST (the link's own index:
// the kernel found a device there) or EBUSY (a same-namespace veth peer's index). Between the
// batch's read of the link list and this request another program (docker starting a container,
// NetworkManager, a user's `ip link add`) may have taken that index: the name is still free and
// failing would roll a lab back for nothing. So the create is sent once more with ifindex 0 for the
// link and its peer: the kernel picks free indexes itself, atomically, so a second failure is the
// real answer (a true name clash is EEXIST again, naming the op as before). No GETLINK-by-name
// check first: the create's own NLM_F_EXCL already checks the name, without a window between check
// and act. An index the caller asked for (op.index) is theirs: no retry. The new index is read back
// by name (the op's result); the caller re-reads the link table, so later ops use the real one.
// Returns true when the retry succeeded; otherwise r carries the retry's error.
bool RetryWithKernelIndex(Op& op, MsgBuilder& m, NlSocket& sock, BatchResult& r) {
  if (!IsNetlinkCreate(op) || op.index || (r.err != EEXIST && r.err != EBUSY)) return false;
  Ifi(m)->ifi_index = 0;
  if (op.peerIfiAt) reinterpret_cast<ifinfomsg*>(reinterpret_cast<uint8_t*>(m.Header()) + op.peerIfiAt)->ifi_index = 0;
  try {
    sock.Request(m, op.what);
    op.resultIndex = IndexByName(sock, op.name, op.what);
    op.peerIndex = 0;  // not known any more (nothing reads it after the ack)
  } catch (const SysError& e) {
    r.err = e.err();
    r.extack = e.extack();
    return false;
  }
  return true;
}

}  // namespace

int CreateTunTap(const TunTapSpec& spec, int nsFd) {
  std::string what = std::string(spec.tap ? "tap" : "tun") + " \"" + spec.name + "\"";
  bool ownFd = false;
  if (nsFd < 0 && !spec.nsPath.empty()) {
    nsFd = open(spec.nsPath.c_str(), O_RDONLY | O_CLOEXEC);
    if (nsFd < 0) throw SysError(errno, what + ": namespace \"" + spec.nsPath + "\"");
    ownFd = true;
  }
  int index = 0;
  try {
    // /dev/net/tun creates the device in the namespace of the calling thread: a helper entered
    // into the target namespace does it.
    RunInNamespace(nsFd, what, [&] {
      if (if_nametoindex(spec.name.c_str()) != 0) throw SysError(EEXIST, what);  // TUNSETIFF would attach, not create
      int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
      if (fd < 0) throw SysError(errno, what + ": /dev/net/tun");
      auto fail = [&](const char* step) { int e = errno; close(fd); throw SysError(e, what + ": " + step); };
      if (spec.index > 0) {
        unsigned int want = static_cast<unsigned int>(spec.index);
        if (ioctl(fd, TUNSETIFINDEX, &want) < 0) fail("TUNSETIFINDEX");
      }
      ifreq ifr{};
      std::strncpy(ifr.ifr_name, spec.name.c_str(), IFNAMSIZ - 1);
      ifr.ifr_flags = static_cast<short>((spec.tap ? IFF_TAP : IFF_TUN) | IFF_NO_PI);
      if (ioctl(fd, TUNSETIFF, &ifr) < 0) fail("TUNSETIFF");
      if (spec.owner >= 0 && ioctl(fd, TUNSETOWNER, spec.owner) < 0) fail("TUNSETOWNER");
      if (spec.group >= 0 && ioctl(fd, TUNSETGROUP, spec.group) < 0) fail("TUNSETGROUP");
      if (!spec.alias.empty()) {
        // The alias (an ownership mark) before the device is made persistent: until then it
        // lives only as long as this fd, so no crash can leave it behind without its mark.
        try {
          MsgBuilder m(RTM_NEWLINK, NLM_F_REQUEST);
          m.Family<ifinfomsg>()->ifi_index = static_cast<int>(if_nametoindex(spec.name.c_str()));
          m.PutStr(IFLA_IFALIAS, spec.alias);
          NlSocket sock(OpenRouteSocket());
          sock.Request(m, what + ": alias");
        } catch (...) { close(fd); throw; }
      }
      if (ioctl(fd, TUNSETPERSIST, 1) < 0) fail("TUNSETPERSIST");
      index = static_cast<int>(if_nametoindex(spec.name.c_str()));
      close(fd);
    });
  } catch (...) {
    if (ownFd) close(nsFd);
    throw;
  }
  if (ownFd) close(nsFd);
  return index;
}

namespace {
// A namespace the batch touches: its socket (the handle's own, or one opened there for this batch)
// and its link table, dumped on first use and dropped when another op may have changed it.
struct Target {
  NlSocket* sock = nullptr;
  std::unique_ptr<NlSocket> owned;
  int nsFd = -1;
  std::unique_ptr<LinkTable> links;
  // Links created or renamed by requests sent but not yet acknowledged. An op that names one waits
  // for those acks: if the chosen ifindex was taken meanwhile, the create is retried with one the
  // kernel picks (or fails), and the old index must not reach a later request, where it would
  // mean somebody else's device. Hence also: no request in a segment depends on another's index.
  std::set<int> pending;
};

// The ifindexes an op refers to (0 for names not known).
std::vector<int> Refs(const Op& op, const LinkTable& links) {
  std::vector<int> out;
  for (const LinkRef* r : {&op.dev, &op.master, &op.vxDev})
    if (r->Set()) out.push_back(links.Resolve(*r));
  return out;
}
}  // namespace

void RunBatch(NsState& st, MutationBatch& batch) {
  std::lock_guard<std::mutex> lock(st.req->mu);
  if (st.closed) throw SysError(EBADF, "namespace handle is closed");
  NsFds fds;
  std::map<std::string, Target> targets;
  std::map<std::string, int> unreachableErr_;
  // Sockets in every other namespace the batch names, opened up front by one helper thread that
  // enters each in turn (cheaper than a thread per namespace). A namespace that cannot be entered
  // fails only the ops that run there.
  std::map<std::string, std::string> unreachable;  // path -> error message
  {
    std::vector<std::string> paths;
    for (const Op& op : batch.ops)
      if (!op.ns.empty() && !targets.count(op.ns)) { targets[op.ns]; paths.push_back(op.ns); }
    std::map<std::string, int> errs;
    for (const std::string& p : paths) {
      try { targets[p].nsFd = fds.Get(p, "namespace \"" + p + "\""); } catch (const SysError& e) { errs[p] = e.err(); unreachable[p] = e.what(); }
    }
    if (!paths.empty()) {
      RunInNamespace(-1, "batch", [&] {
        for (const std::string& p : paths) {
          Target& t = targets[p];
          if (t.nsFd < 0) continue;
          if (setns(t.nsFd, CLONE_NEWNET) < 0) { errs[p] = errno; unreachable[p] = SysError::Format(errno, "namespace \"" + p + "\": setns", ""); continue; }
          try { t.owned.reset(new NlSocket(OpenRouteSocket())); t.sock = t.owned.get(); }
          catch (const SysError& e) { errs[p] = e.err(); unreachable[p] = e.what(); }
        }
      });
    }
    for (auto& kv : errs) targets.erase(kv.first);
    unreachableErr_ = errs;
  }
  auto target = [&](const std::string& path, const std::string& what) -> Target& {
    auto it = targets.find(path);
    if (it != targets.end()) return it->second;
    if (path.empty()) {
      Target& t = targets[path];
      t.sock = st.req.get();
      t.nsFd = st.nsFd;
      return t;
    }
    auto u = unreachable.find(path);
    throw SysError(SysError::Preformatted{}, unreachableErr_[path], what + ": " + (u != unreachable.end() ? u->second : "namespace unreachable"), "");
  };
  auto links = [&](Target& t) -> LinkTable& {
    if (!t.links) t.links.reset(new LinkTable(*t.sock));
    return *t.links;
  };
  // Another namespace's links change under an op here (veth peer created there, link moved there).
  auto invalidate = [&](const std::string& path) {
    auto it = targets.find(path);
    if (it != targets.end()) it->second.links.reset();
  };

  bool failed = false;
  // Requests go out in segments: consecutive netlink ops for one namespace, pipelined. A change
  // of namespace or a tun/tap op (an ioctl) ends a segment.
  Target* segTarget = nullptr;
  std::vector<MsgBuilder> segment;
  std::vector<size_t> segmentOps;
  auto flush = [&] {
    if (segment.empty()) return;
    // Usually one round: the whole segment pipelined. A create whose chosen ifindex was taken
    // meanwhile is retried on its own (RetryWithKernelIndex); the ops a stopOnError batch then
    // left unsent (ECANCELED: later windows) go out in another round. None of them depends on the
    // retried link: an op naming a link still in flight ends the segment before it (see below).
    std::vector<size_t> pos(segment.size());  // positions in segment of the round's requests
    for (size_t j = 0; j < pos.size(); j++) pos[j] = j;
    std::vector<MsgBuilder> again;
    std::vector<MsgBuilder>* round = &segment;
    bool segmentFailed = false, retried = false;
    for (;;) {
      std::vector<BatchResult> res = segTarget->sock->Batch(*round, batch.stopOnError);
      std::vector<size_t> unsent;  // indexes into this round
      bool refused = false;
      for (size_t j = 0; j < res.size(); j++) {
        Op& op = batch.ops[segmentOps[pos[j]]];
        if (!res[j].err) continue;
        if (res[j].err == ECANCELED) { unsent.push_back(j); continue; }
        if (RetryWithKernelIndex(op, (*round)[j], *segTarget->sock, res[j])) { retried = true; continue; }
        Fail(op, res[j].err, res[j].extack);
        refused = true;
      }
      if (refused || unsent.empty()) {
        for (size_t j : unsent) Fail(batch.ops[segmentOps[pos[j]]], ECANCELED, "not attempted: an earlier op of the batch failed");
        if (refused) failed = segmentFailed = true;
        break;
      }
      std::vector<MsgBuilder> next;
      std::vector<size_t> nextPos;
      for (size_t j : unsent) { next.push_back(std::move((*round)[j])); nextPos.push_back(pos[j]); }
      again.swap(next);
      round = &again;
      pos.swap(nextPos);
    }
    segTarget->pending.clear();
    // The table assumed every op succeeded with the indexes it picked: after a failure or a retry
    // (the link got another index), ask the kernel again when next needed.
    if (segmentFailed || retried) segTarget->links.reset();
    segment.clear();
    segmentOps.clear();
  };
  for (size_t i = 0; i < batch.ops.size(); i++) {
    Op& op = batch.ops[i];
    try {
      Target& t = target(op.ns, op.what);
      if (&t != segTarget || op.kind == OpKind::CreateTunTap) {
        flush();
        segTarget = &t;
      }
      if (failed && batch.stopOnError) { Fail(op, ECANCELED, "not attempted: an earlier op of the batch failed"); continue; }
      if (op.kind == OpKind::CreateTunTap) {
        LinkTable& lt = links(t);
        if (lt.Exists(op.name)) throw SysError(EEXIST, op.what);
        TunTapSpec spec = op.tun;
        bool picked = !spec.index;
        if (picked) spec.index = lt.Fresh();
        try {
          op.resultIndex = CreateTunTap(spec, t.nsFd);
        } catch (const SysError& e) {
          // Our index taken meanwhile (TUNSETIFF: EBUSY): once more with the kernel's choice, as
          // RetryWithKernelIndex does for netlink creates. (A name clash is EEXIST, checked first.)
          if (!picked || e.err() != EBUSY) throw;
          spec.index = 0;
          op.resultIndex = CreateTunTap(spec, t.nsFd);
        }
        lt.Add(op.name, op.resultIndex);
        continue;
      }
      for (int ref : Refs(op, links(t)))
        if (ref && t.pending.count(ref)) { flush(); break; }
      if (failed && batch.stopOnError) { Fail(op, ECANCELED, "not attempted: an earlier op of the batch failed"); continue; }
      segment.push_back(Build(op, links(t), fds));
      segmentOps.push_back(i);
      bool creates = op.kind == OpKind::CreateVeth || op.kind == OpKind::CreateBridge || op.kind == OpKind::CreateVxlan;
      if (creates || (op.kind == OpKind::SetLink && !op.newName.empty())) t.pending.insert(op.resultIndex);
      if (op.peerIndex) t.pending.insert(op.peerIndex);
      if (op.kind == OpKind::CreateVeth && !op.peerNsPath.empty()) invalidate(op.peerNsPath);
      if (op.kind == OpKind::SetLink && !op.nsPath.empty()) invalidate(op.nsPath);
      if (op.kind == OpKind::DeleteGroup) {  // which links went is the kernel's to say: re-read later
        flush();
        t.links.reset();
      }
    } catch (const SysError& e) {
      // Refused before sending (unknown name, namespace file missing): send what came before so
      // the batch's order of effects holds, then record this one.
      flush();
      op.err = e.err();
      op.extack = e.extack();
      op.message = e.what();
      failed = true;
    }
  }
  flush();
}

Napi::Value BatchResultsToJs(Napi::Env env, MutationBatch& batch) {
  // Follow-ups report on their parent op: the first failure wins.
  for (Op& op : batch.ops) {
    if (op.parent < 0 || !op.err) continue;
    Op& p = batch.ops[op.parent];
    if (!p.err) { p.err = op.err; p.extack = op.extack; p.message = op.message; }
  }
  Napi::Array out = Napi::Array::New(env);
  uint32_t n = 0;
  for (size_t i = 0; i < batch.ops.size(); i++) {
    const Op& op = batch.ops[i];
    if (op.parent >= 0) continue;
    Napi::Object r = Napi::Object::New(env);
    r.Set("ok", Napi::Boolean::New(env, op.err == 0));
    if (op.err == 0) {
      r.Set("index", Napi::Number::New(env, op.resultIndex));
    } else {
      Napi::Error e = Napi::Error::New(env, op.message);
      e.Set("errno", Napi::Number::New(env, op.err));
      e.Set("code", Napi::String::New(env, ErrnoName(op.err)));
      if (!op.extack.empty()) e.Set("kernelMessage", Napi::String::New(env, op.extack));
      r.Set("error", e.Value());
    }
    out.Set(n++, r);
  }
  return out;
}

}  // namespace vnet
