// JS op objects -> validated Op structs. This is the privileged boundary: every field is checked
// here (types, ranges, names, addresses, unknown keys) before anything reaches the kernel.
#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstdlib>
#include <set>

#include "mutate.h"

namespace vnet {
namespace {

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

class Reader {
 public:
  Reader(Napi::Object o, std::string what) : o_(o), what_(std::move(what)) {}

  void AllowOnly(std::initializer_list<const char*> keys) {
    std::set<std::string> ok(keys.begin(), keys.end());
    ok.insert("op");
    ok.insert("ns");
    Napi::Array names = o_.GetPropertyNames();
    for (uint32_t i = 0; i < names.Length(); i++) {
      std::string k = names.Get(i).As<Napi::String>();
      if (!ok.count(k)) throw InvalidArg(what_ + ": unknown field " + Quote(k));
    }
  }
  bool Has(const char* k) { Napi::Value v = o_.Get(k); return !v.IsUndefined(); }
  Napi::Value Get(const char* k) { return o_.Get(k); }

  std::string Str(const char* k, bool required = true) {
    Napi::Value v = o_.Get(k);
    if (v.IsUndefined() && !required) return "";
    if (!v.IsString()) throw InvalidArg(what_ + ": " + k + " must be a string");
    return v.As<Napi::String>();
  }
  double Num(const char* k, double min, double max, double def) {
    Napi::Value v = o_.Get(k);
    if (v.IsUndefined()) return def;
    if (!v.IsNumber()) throw InvalidArg(what_ + ": " + k + " must be a number");
    double d = v.As<Napi::Number>().DoubleValue();
    if (d != static_cast<double>(static_cast<long long>(d)) || d < min || d > max)
      throw InvalidArg(what_ + ": " + k + " must be an integer from " + std::to_string(static_cast<long long>(min)) +
                       " to " + std::to_string(static_cast<long long>(max)));
    return d;
  }
  int Tri(const char* k) {  // optional boolean: -1 absent
    Napi::Value v = o_.Get(k);
    if (v.IsUndefined()) return -1;
    if (!v.IsBoolean()) throw InvalidArg(what_ + ": " + k + " must be true or false");
    return v.As<Napi::Boolean>().Value() ? 1 : 0;
  }
  LinkRef Ref(const char* k, bool required = true) {
    Napi::Value v = o_.Get(k);
    LinkRef r;
    if (v.IsUndefined() && !required) return r;
    if (v.IsString()) {
      r.name = v.As<Napi::String>();
      CheckIfName(r.name, what_ + ": " + k);
    } else if (v.IsNumber()) {
      double d = v.As<Napi::Number>().DoubleValue();
      if (d < 1 || d > 0x7fffffff || d != static_cast<int>(d)) throw InvalidArg(what_ + ": " + k + " must be an ifindex >= 1 or a name");
      r.index = static_cast<int>(d);
    } else {
      throw InvalidArg(what_ + ": " + k + " must be an interface name or ifindex");
    }
    return r;
  }
  const std::string& what() const { return what_; }

 private:
  Napi::Object o_;
  std::string what_;
};

IpAddr ParseIp(const std::string& s, const std::string& what) {
  IpAddr a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes) == 1) a.family = AF_INET;
  else if (inet_pton(AF_INET6, s.c_str(), a.bytes) == 1) a.family = AF_INET6;
  else throw InvalidArg(what + ": " + Quote(s) + " is not an IPv4 or IPv6 address");
  return a;
}

// "10.0.0.1/24" -> address + prefix; a bare address gets the full-length prefix.
IpAddr ParseCidr(const std::string& s, int* prefix, const std::string& what) {
  size_t slash = s.find('/');
  IpAddr a = ParseIp(s.substr(0, slash), what);
  int max = a.family == AF_INET ? 32 : 128;
  if (slash == std::string::npos) { *prefix = max; return a; }
  std::string p = s.substr(slash + 1);
  char* end = nullptr;
  long n = p.empty() ? -1 : std::strtol(p.c_str(), &end, 10);
  if (p.empty() || *end || n < 0 || n > max) throw InvalidArg(what + ": " + Quote(s) + " has a bad prefix length (0-" + std::to_string(max) + ")");
  *prefix = static_cast<int>(n);
  return a;
}

bool HostBitsZero(const IpAddr& a, int prefix) {
  size_t len = a.Len();
  for (size_t bit = prefix; bit < len * 8; bit++)
    if (a.bytes[bit / 8] & (0x80 >> (bit % 8))) return false;
  return true;
}

void ParseMac(const std::string& s, uint8_t out[6], const std::string& what) {
  unsigned v[6];
  char tail;
  if (s.size() != 17 || sscanf(s.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
    throw InvalidArg(what + ": mac " + Quote(s) + " is not aa:bb:cc:dd:ee:ff");
  for (int i = 0; i < 6; i++) out[i] = static_cast<uint8_t>(v[i]);
  if (out[0] & 1) throw InvalidArg(what + ": mac " + Quote(s) + " is a multicast address");
}

void CheckNsPath(const std::string& p, const std::string& what) {
  if (p.empty() || p[0] != '/' || p.find('\0') != std::string::npos)
    throw InvalidArg(what + ": namespace path " + Quote(p) + " must be an absolute path");
}

// Fields shared by every link-creating op.
void CommonCreate(Reader& r, Op& op) {
  op.name = r.Str("name");
  CheckIfName(op.name, op.what);
  op.mtu = static_cast<uint32_t>(r.Num("mtu", 68, 65535, 0));
  op.up = r.Tri("up");
  op.index = static_cast<int>(r.Num("index", 1, 0x7fffffff, 0));
  if (r.Has("alias")) { op.alias = r.Str("alias"); op.hasAlias = true; }
  if (op.alias.size() > 255) throw InvalidArg(op.what + ": alias is longer than 255 bytes");
  if (r.Has("mac")) { ParseMac(r.Str("mac"), op.mac, op.what); op.hasMac = true; }
  if (r.Has("master")) { op.master = r.Ref("master"); op.hasMaster = true; }
  op.group = static_cast<uint32_t>(r.Num("group", 1, 0xffffffff, 0));
}

std::string KindWord(const std::string& opName) {
  if (opName == "createVeth") return "veth";
  if (opName == "createBridge") return "bridge";
  if (opName == "createVxlan") return "vxlan";
  if (opName == "createTunTap") return "tun/tap";
  return "link";
}

Op ParseOp(Napi::Value v, size_t i) {
  std::string at = "op " + std::to_string(i);
  if (!v.IsObject() || v.IsArray()) throw InvalidArg(at + ": must be an object");
  Napi::Object o = v.As<Napi::Object>();
  Napi::Value kind = o.Get("op");
  if (!kind.IsString()) throw InvalidArg(at + ": field \"op\" must name the operation");
  std::string k = kind.As<Napi::String>();
  Op op{};
  // Provisional name for errors found while reading the name itself.
  Napi::Value nm = o.Get("name");
  std::string label = nm.IsString() ? Quote(nm.As<Napi::String>()) : at;
  op.what = KindWord(k) + " " + label;
  Reader r(o, op.what);

  if (k == "createVeth") {
    op.kind = OpKind::CreateVeth;
    r.AllowOnly({"name", "peerName", "peerNsPath", "mtu", "up", "peerUp", "peerMtu", "index", "alias", "mac", "master", "group"});
    CommonCreate(r, op);
    op.peerName = r.Str("peerName");
    CheckIfName(op.peerName, op.what + " peer");
    if (r.Has("peerNsPath")) { op.peerNsPath = r.Str("peerNsPath"); CheckNsPath(op.peerNsPath, op.what); }
    if (op.peerNsPath.empty() && op.peerName == op.name) throw InvalidArg(op.what + ": both ends have the same name in one namespace");
    op.peerUp = r.Tri("peerUp");
    op.peerMtu = static_cast<uint32_t>(r.Num("peerMtu", 68, 65535, 0));
  } else if (k == "createBridge") {
    op.kind = OpKind::CreateBridge;
    r.AllowOnly({"name", "mtu", "up", "index", "alias", "mac", "master", "group"});
    CommonCreate(r, op);
  } else if (k == "createVxlan") {
    op.kind = OpKind::CreateVxlan;
    r.AllowOnly({"name", "id", "remote", "local", "port", "dev", "mtu", "up", "index", "alias", "mac", "master", "group"});
    CommonCreate(r, op);
    if (!r.Has("id")) throw InvalidArg(op.what + ": id (the VNI) is required");
    op.vni = static_cast<uint32_t>(r.Num("id", 0, 0xffffff, 0));
    if (r.Has("remote")) op.remote = ParseIp(r.Str("remote"), op.what + ": remote");
    if (r.Has("local")) op.local = ParseIp(r.Str("local"), op.what + ": local");
    if (op.remote.family && op.local.family && op.remote.family != op.local.family)
      throw InvalidArg(op.what + ": remote and local must be the same IP family");
    op.port = static_cast<int>(r.Num("port", 1, 65535, -1));
    op.vxDev = r.Ref("dev", false);
  } else if (k == "createTunTap") {
    op.kind = OpKind::CreateTunTap;
    r.AllowOnly({"name", "mode", "owner", "group", "index", "persist", "alias"});
    op.name = r.Str("name");
    CheckIfName(op.name, op.what);
    std::string mode = r.Str("mode");
    if (mode != "tun" && mode != "tap") throw InvalidArg(op.what + ": mode must be \"tun\" or \"tap\"");
    if (r.Tri("persist") == 0) throw InvalidArg(op.what + ": persist must be true (a non-persistent device would vanish when created)");
    op.what = mode + " " + Quote(op.name);
    op.tun.name = op.name;
    op.tun.tap = mode == "tap";
    op.tun.owner = static_cast<long>(r.Num("owner", 0, 0xfffffffe, -1));
    op.tun.group = static_cast<long>(r.Num("group", 0, 0xfffffffe, -1));
    op.tun.index = static_cast<int>(r.Num("index", 1, 0x7fffffff, 0));
    // Not a follow-up request as for other links: set while the device still dies with our fd.
    if (r.Has("alias")) op.tun.alias = r.Str("alias");
    if (op.tun.alias.size() > 255) throw InvalidArg(op.what + ": alias is longer than 255 bytes");
  } else if (k == "deleteLink") {
    op.kind = OpKind::DeleteLink;
    r.AllowOnly({"dev"});
    op.dev = r.Ref("dev");
    op.what = "link " + op.dev.Describe();
  } else if (k == "deleteGroup") {
    // Every link of one netdev group in one request: the kernel unregisters them together, far
    // faster than one request each. Group 0 is every device's default group: never.
    op.kind = OpKind::DeleteGroup;
    r.AllowOnly({"group"});
    if (!r.Has("group")) throw InvalidArg(at + ": deleteGroup needs a group");
    op.group = static_cast<uint32_t>(r.Num("group", 1, 0xffffffff, 0));
    op.what = "link group " + std::to_string(op.group);
  } else if (k == "setLink") {
    op.kind = OpKind::SetLink;
    op.dev = r.Ref("dev");
    op.what = "link " + op.dev.Describe();
    Reader r2(o, op.what);
    r2.AllowOnly({"dev", "up", "mtu", "mac", "name", "master", "nsPath", "alias", "group"});
    op.up = r2.Tri("up");
    op.mtu = static_cast<uint32_t>(r2.Num("mtu", 68, 65535, 0));
    if (r2.Has("mac")) { ParseMac(r2.Str("mac"), op.mac, op.what); op.hasMac = true; }
    if (r2.Has("name")) { op.newName = r2.Str("name"); CheckIfName(op.newName, op.what + ": new name"); }
    if (r2.Has("master")) {
      Napi::Value m = r2.Get("master");
      op.hasMaster = true;
      if (m.IsNull() || (m.IsNumber() && m.As<Napi::Number>().DoubleValue() == 0)) op.noMaster = true;
      else op.master = r2.Ref("master");
    }
    if (r2.Has("nsPath")) { op.nsPath = r2.Str("nsPath"); CheckNsPath(op.nsPath, op.what); }
    if (r2.Has("alias")) { op.alias = r2.Str("alias"); op.hasAlias = true; }
    op.group = static_cast<uint32_t>(r2.Num("group", 1, 0xffffffff, 0));
    if (op.alias.size() > 255) throw InvalidArg(op.what + ": alias is longer than 255 bytes");
  } else if (k == "addAddr" || k == "delAddr") {
    op.kind = k == "addAddr" ? OpKind::AddAddr : OpKind::DelAddr;
    r.AllowOnly({"dev", "cidr", "peer", "nodad"});
    op.dev = r.Ref("dev");
    std::string cidr = r.Str("cidr");
    op.what = "address " + cidr + " on " + op.dev.Describe();
    op.addr = ParseCidr(cidr, &op.prefix, op.what);
    if (r.Has("peer")) {
      op.peer = ParseIp(r.Str("peer"), op.what + ": peer");
      if (op.peer.family != op.addr.family) throw InvalidArg(op.what + ": peer must be the same IP family");
    }
    op.nodad = r.Tri("nodad") == 1;
  } else if (k == "addRoute" || k == "delRoute") {
    op.kind = k == "addRoute" ? OpKind::AddRoute : OpKind::DelRoute;
    r.AllowOnly({"dst", "gateway", "dev", "family", "table", "metric"});
    std::string dst = r.Str("dst");
    op.dev = r.Ref("dev", false);
    int fam = static_cast<int>(r.Num("family", 4, 6, 0));
    if (fam && fam != 4 && fam != 6) throw InvalidArg("route " + dst + ": family must be 4 or 6");
    if (r.Has("gateway")) op.gateway = ParseIp(r.Str("gateway"), "route " + dst + ": gateway");
    op.what = "route " + dst + (op.gateway.family ? " via " + r.Str("gateway") : "") + (op.dev.Set() ? " dev " + op.dev.Describe() : "");
    if (dst == "default") {
      op.isDefault = true;
      op.addr.family = op.gateway.family ? op.gateway.family : (fam == 6 ? AF_INET6 : AF_INET);
      op.prefix = 0;
    } else {
      op.addr = ParseCidr(dst, &op.prefix, op.what);
      if (!HostBitsZero(op.addr, op.prefix)) throw InvalidArg(op.what + ": " + dst + " has host bits set (did you mean the network address?)");
    }
    int want = fam == 6 ? AF_INET6 : fam == 4 ? AF_INET : 0;
    if (want && op.addr.family != want) throw InvalidArg(op.what + ": family does not match the destination");
    if (op.gateway.family && op.gateway.family != op.addr.family) throw InvalidArg(op.what + ": gateway must be the same IP family as the destination");
    if (op.kind == OpKind::AddRoute && !op.gateway.family && !op.dev.Set()) throw InvalidArg(op.what + ": needs a gateway or a dev");
    op.table = static_cast<uint32_t>(r.Num("table", 1, 0xfffffffe, RT_TABLE_MAIN));
    if (r.Has("metric")) { op.metric = static_cast<uint32_t>(r.Num("metric", 0, 0xffffffff, 0)); op.hasMetric = true; }
  } else {
    throw InvalidArg(at + ": unknown op " + Quote(k) +
                     " (createVeth, createBridge, createVxlan, createTunTap, deleteLink, deleteGroup, setLink, addAddr, delAddr, addRoute, delRoute)");
  }
  Napi::Value ns = o.Get("ns");
  if (ns.IsString()) { op.ns = ns.As<Napi::String>(); CheckNsPath(op.ns, op.what); }
  else if (!ns.IsUndefined() && !ns.IsNull()) throw InvalidArg(op.what + ": ns must be a namespace path or null");
  return op;
}

// Ops as the batch runs them. Some settings the kernel ignores or refuses while creating a link
// become follow-up setLink requests right after it: an alias (only applied by a link change) and
// a veth peer's "up" (a veth end cannot be opened before the pair is joined).
void Push(MutationBatch& b, Op op) {
  bool creates = op.kind == OpKind::CreateVeth || op.kind == OpKind::CreateBridge || op.kind == OpKind::CreateVxlan;
  int peerUp = op.kind == OpKind::CreateVeth ? op.peerUp : -1;
  bool alias = creates && op.hasAlias;
  std::string aliasText = op.alias;
  op.peerUp = -1;
  if (alias) { op.hasAlias = false; op.alias.clear(); }
  b.ops.push_back(op);
  int parent = static_cast<int>(b.ops.size() - 1);
  if (alias) {
    Op a{};
    a.kind = OpKind::SetLink;
    a.what = op.what + " alias";
    a.dev.name = op.name;
    a.alias = aliasText;
    a.hasAlias = true;
    a.ns = op.ns;
    a.parent = parent;
    b.ops.push_back(a);
  }
  if (peerUp == 1) {
    Op up{};
    up.kind = OpKind::SetLink;
    up.what = op.what + " peer \"" + op.peerName + "\"";
    up.dev.name = op.peerName;
    up.up = 1;
    up.ns = op.peerNsPath.empty() ? op.ns : op.peerNsPath;
    up.parent = parent;
    b.ops.push_back(up);
  }
}
}  // namespace

std::shared_ptr<MutationBatch> ParseBatch(const Napi::CallbackInfo& info, bool single) {
  auto b = std::make_shared<MutationBatch>();
  Napi::Value v = info.Length() ? info[0] : info.Env().Undefined();
  if (single) {
    Push(*b, ParseOp(v, 0));
    return b;
  }
  if (!v.IsArray()) throw InvalidArg("batch(ops, options?): ops must be an array");
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); i++) Push(*b, ParseOp(a.Get(i), i));
  if (info.Length() >= 2 && info[1].IsObject()) {
    Napi::Value s = info[1].As<Napi::Object>().Get("stopOnError");
    if (!s.IsUndefined()) {
      if (!s.IsBoolean()) throw InvalidArg("batch: options.stopOnError must be true or false");
      b->stopOnError = s.As<Napi::Boolean>().Value();
    }
  }
  return b;
}

TunTapSpec ParseTunTap(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsObject()) throw InvalidArg("createTunTap(spec): spec must be an object");
  Napi::Object o = info[0].As<Napi::Object>();
  Napi::Value nm = o.Get("name");
  std::string what = std::string("tun/tap ") + (nm.IsString() ? Quote(nm.As<Napi::String>()) : "");
  Reader r(o, what);
  r.AllowOnly({"name", "mode", "persist", "owner", "group", "nsPath", "index", "alias"});
  TunTapSpec s;
  s.name = r.Str("name");
  CheckIfName(s.name, what);
  std::string mode = r.Str("mode");
  if (mode != "tun" && mode != "tap") throw InvalidArg(what + ": mode must be \"tun\" or \"tap\"");
  if (r.Tri("persist") == 0) throw InvalidArg(what + ": persist must be true (a non-persistent device would vanish when created)");
  s.tap = mode == "tap";
  s.owner = static_cast<long>(r.Num("owner", 0, 0xfffffffe, -1));
  s.group = static_cast<long>(r.Num("group", 0, 0xfffffffe, -1));
  s.index = static_cast<int>(r.Num("index", 1, 0x7fffffff, 0));
  if (r.Has("alias")) s.alias = r.Str("alias");
  if (s.alias.size() > 255) throw InvalidArg(what + ": alias is longer than 255 bytes");
  Napi::Value ns = o.Get("nsPath");
  if (ns.IsString()) { s.nsPath = ns.As<Napi::String>(); CheckNsPath(s.nsPath, what); }
  else if (!ns.IsUndefined() && !ns.IsNull()) throw InvalidArg(what + ": nsPath must be a string or null");
  return s;
}

}  // namespace vnet
