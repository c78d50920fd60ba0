// Mutations as rtnetlink requests (no shelling out). An op is parsed and validated from JS on the
// main thread (mutate_parse.cc: nothing touches the kernel until a whole batch is valid), then on
// a pool thread turned into messages (mutate_request.cc) and sent pipelined (mutate_batch.cc), with
// one result per op (mutate_results.cc). A tun/tap is made with ioctls instead (tuntap.cc).
#pragma once

#include <linux/rtnetlink.h>
#include <napi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "netns.h"
#include "tuntap.h"

namespace vnet {

// An interface named by ifindex (index > 0) or by name (resolved when the batch runs, including
// names created earlier in the same batch).
struct LinkRef {
  int index = 0;
  std::string name;
  bool Set() const { return index > 0 || !name.empty(); }
  std::string Describe() const { return name.empty() ? "#" + std::to_string(index) : "\"" + name + "\""; }
};

struct IpAddr {
  int family = 0;  // AF_INET / AF_INET6; 0 = none
  uint8_t bytes[16] = {0};
  size_t Len() const { return family == 0 ? 0 : family == 2 /*AF_INET*/ ? 4 : 16; }
};

enum class OpKind { CreateVeth, CreateBridge, CreateVxlan, CreateTunTap, DeleteLink, DeleteGroup, SetLink, AddAddr, DelAddr, AddRoute, DelRoute };

struct Op {
  OpKind kind;
  std::string what;  // names the object in errors: veth "red-eth0"
  // links
  std::string name, peerName, peerNsPath, nsPath, alias, newName;
  bool hasAlias = false;
  LinkRef dev, master;
  bool hasMaster = false;  // master given (index 0 / "" with hasMaster = nomaster)
  bool noMaster = false;
  uint8_t mac[6] = {0};
  bool hasMac = false;
  uint32_t group = 0;        // IFLA_GROUP (netdev group); 0 = leave as is
  uint32_t mtu = 0, peerMtu = 0;
  int up = -1, peerUp = -1;  // -1 = leave as is
  int index = 0;             // requested ifindex for a created link
  // vxlan
  uint32_t vni = 0;
  IpAddr remote, local;
  int port = -1;
  LinkRef vxDev;
  // addresses and routes
  IpAddr addr, peer, gateway;
  int prefix = 0;
  bool nodad = false;
  bool isDefault = false;
  uint32_t table = RT_TABLE_MAIN, metric = 0;
  bool hasMetric = false;
  // tun/tap
  TunTapSpec tun;
  // Where the op runs: "" = the handle's namespace, else a namespace file path (the batch opens
  // a socket there through a helper thread, once per path).
  std::string ns;
  // >= 0: a follow-up the batch added itself (bringing a new veth peer up, which the kernel cannot
  // do while creating the pair); its failure is reported on op `parent`.
  int parent = -1;
  // outcome
  int err = 0;
  std::string extack, message;
  int resultIndex = 0;  // ifindex of a created/changed link, when known
  int peerIndex = 0;    // ifindex chosen for a veth peer made in the same namespace
  size_t peerIfiAt = 0; // where that peer's ifinfomsg sits in the create request (a retry zeroes its index)
};

struct MutationBatch {
  std::vector<Op> ops;
  bool stopOnError = true;
};

// info[0]: one op object (single = true) or an array of them; info[1]: {stopOnError?}.
std::shared_ptr<MutationBatch> ParseBatch(const Napi::CallbackInfo& info, bool single);
void RunBatch(NsState& st, MutationBatch& batch);
// [{ok:true, index} | {ok:false, error: Error}]
Napi::Value BatchResultsToJs(Napi::Env env, MutationBatch& batch);

// createTunTap's spec object (mutate_parse.cc).
TunTapSpec ParseTunTap(const Napi::CallbackInfo& info);

}  // namespace vnet
