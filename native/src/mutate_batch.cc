// Running a validated batch: names resolved to ifindexes (a LinkTable per namespace), requests built
// (mutate_request.cc) and sent pipelined in segments, one per run of netlink ops for one namespace,
// across every namespace the batch names (sockets opened there up front); acks and errors matched
// to their ops. A tun/tap creation (an ioctl, tuntap.cc) splits the pipeline.
#include <sched.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <map>
#include <memory>
#include <set>

#include "link_table.h"
#include "mutate.h"
#include "mutate_request.h"
#include "tuntap.h"

namespace vnet {
namespace {

void Fail(Op& op, int err, const std::string& extack = "") {
  op.err = err;
  op.extack = extack;
  op.message = SysError::Format(err, op.what, extack);
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
  ClearChosenIndexes(op, m);
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
      segment.push_back(BuildRequest(op, links(t), fds));
      segmentOps.push_back(i);
      if (IsNetlinkCreate(op) || (op.kind == OpKind::SetLink && !op.newName.empty())) t.pending.insert(op.resultIndex);
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

}  // namespace vnet
