#include "translate.h"

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/neighbour.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <unistd.h>

#include <cstring>

#include "json_writer.h"
#include "nl_codec.h"

namespace vnet {

namespace {
using K = AttrKind;

// The policies: which attributes we read and what their payload must hold.
const Policy kLinkPolicy(IFLA_MAX, {
    {IFLA_IFNAME, K::Str}, {IFLA_ADDRESS, K::Binary}, {IFLA_MTU, K::U32}, {IFLA_MASTER, K::U32},
    {IFLA_LINK, K::U32}, {IFLA_LINK_NETNSID, K::U32}, {IFLA_OPERSTATE, K::U8},
    {IFLA_IFALIAS, K::Str}, {IFLA_LINKINFO, K::Nested}, {IFLA_STATS64, K::Binary}, {IFLA_GROUP, K::U32},
    {IFLA_NEW_NETNSID, K::U32},
});
const Policy kLinkInfoPolicy(IFLA_INFO_MAX, {
    {IFLA_INFO_KIND, K::Str}, {IFLA_INFO_DATA, K::Nested}, {IFLA_INFO_SLAVE_KIND, K::Str},
});
const Policy kTunPolicy(IFLA_TUN_MAX, {
    {IFLA_TUN_TYPE, K::U8}, {IFLA_TUN_PERSIST, K::U8}, {IFLA_TUN_OWNER, K::U32}, {IFLA_TUN_GROUP, K::U32},
});
const Policy kVxlanPolicy(IFLA_VXLAN_MAX, {
    {IFLA_VXLAN_ID, K::U32}, {IFLA_VXLAN_GROUP, K::Binary}, {IFLA_VXLAN_GROUP6, K::Binary},
    {IFLA_VXLAN_LOCAL, K::Binary}, {IFLA_VXLAN_LOCAL6, K::Binary}, {IFLA_VXLAN_PORT, K::U16},
    {IFLA_VXLAN_LINK, K::U32},
});
const Policy kAddrPolicy(IFA_MAX, {
    {IFA_ADDRESS, K::Binary}, {IFA_LOCAL, K::Binary}, {IFA_LABEL, K::Str}, {IFA_FLAGS, K::U32},
});
const Policy kRoutePolicy(RTA_MAX, {
    {RTA_DST, K::Binary}, {RTA_GATEWAY, K::Binary}, {RTA_OIF, K::U32}, {RTA_TABLE, K::U32},
    {RTA_PRIORITY, K::U32}, {RTA_PREFSRC, K::Binary}, {RTA_MULTIPATH, K::Binary},
});
const Policy kNeighPolicy(NDA_MAX, {
    {NDA_LLADDR, K::Binary}, {NDA_MASTER, K::U32}, {NDA_VLAN, K::U16}, {NDA_CACHEINFO, K::Binary},
});
const Policy kNsidPolicy(NETNSA_MAX, {{NETNSA_NSID, K::U32}});

void StrOrNull(JsonWriter& w, const Attrs& tb, int type) {
  bool found;
  std::string s = tb.Str(type, &found);
  w.StrOrNull(found, s);
}

// Writes the address in attribute `type` or null; returns whether it was there.
bool IpOrNull(JsonWriter& w, int family, const Attrs& tb, int type) {
  size_t len;
  const void* p = tb.Payload(type, &len);
  if (!p) { w.Null(); return false; }
  w.Str(FormatIp(family, p, len));
  return true;
}

// The first 8 counters of rtnl_link_stats64 are exactly protocol STATS_FIELDS order.
void Stats(JsonWriter& w, const Attrs& tb) {
  static const char* const kNames[8] = {"rxPackets", "txPackets", "rxBytes", "txBytes",
                                        "rxErrors", "txErrors", "rxDropped", "txDropped"};
  uint64_t v[8] = {0};
  size_t len;
  const void* p = tb.Payload(IFLA_STATS64, &len);
  if (p && len >= sizeof v) std::memcpy(v, p, sizeof v);
  w.BeginObject();
  for (int i = 0; i < 8; i++) w.Key(kNames[i]).Uint(v[i]);
  w.EndObject();
}

void Tun(JsonWriter& w, const Attrs& d) {
  w.BeginObject();
  w.Key("type").Str(d.U8(IFLA_TUN_TYPE) == IFF_TAP ? "tap" : "tun");
  w.Key("persist").Bool(d.U8(IFLA_TUN_PERSIST) != 0);
  // Absent owner/group means "anyone" (the kernel omits invalid uids): -1.
  w.Key("owner").Int(d.Has(IFLA_TUN_OWNER) ? static_cast<int64_t>(d.U32(IFLA_TUN_OWNER)) : -1);
  w.Key("group").Int(d.Has(IFLA_TUN_GROUP) ? static_cast<int64_t>(d.U32(IFLA_TUN_GROUP)) : -1);
  w.EndObject();
}

// Writes the v4 attribute if present, else the v6 one, else null.
void EitherIp(JsonWriter& w, const Attrs& d, int v4, int v6) {
  size_t len;
  if (const void* p = d.Payload(v4, &len)) w.Str(FormatIp(AF_INET, p, len));
  else if (const void* p6 = d.Payload(v6, &len)) w.Str(FormatIp(AF_INET6, p6, len));
  else w.Null();
}

void Vxlan(JsonWriter& w, const Attrs& d) {
  w.BeginObject();
  w.Key("id").Uint(d.U32(IFLA_VXLAN_ID));
  w.Key("group");
  EitherIp(w, d, IFLA_VXLAN_GROUP, IFLA_VXLAN_GROUP6);
  w.Key("local");
  EitherIp(w, d, IFLA_VXLAN_LOCAL, IFLA_VXLAN_LOCAL6);
  w.Key("port");
  if (d.Has(IFLA_VXLAN_PORT)) w.Uint(ntohs(d.U16(IFLA_VXLAN_PORT))); else w.Null();
  w.Key("link").Uint(d.U32(IFLA_VXLAN_LINK));
  w.EndObject();
}

bool Link(JsonWriter& w, const nlmsghdr* h) {
  const ifinfomsg* ifi = FamilyOf<ifinfomsg>(h);
  if (!ifi) return false;
  Attrs tb(kLinkPolicy, h, sizeof(ifinfomsg));
  std::string kind, slaveKind;
  const nlattr* data = nullptr;
  if (const nlattr* li = tb.Get(IFLA_LINKINFO)) {
    Attrs info(kLinkInfoPolicy, AttrData(li), AttrLen(li));
    kind = info.Str(IFLA_INFO_KIND);
    slaveKind = info.Str(IFLA_INFO_SLAVE_KIND);
    data = info.Get(IFLA_INFO_DATA);
  }
  w.BeginObject();
  w.Key("index").Int(ifi->ifi_index);
  w.Key("name").Str(tb.Str(IFLA_IFNAME));
  w.Key("kind").Str(kind);
  w.Key("slaveKind").Str(slaveKind);
  w.Key("type").Uint(ifi->ifi_type);
  w.Key("flags").Uint(ifi->ifi_flags);
  w.Key("operstate").Uint(tb.U8(IFLA_OPERSTATE));
  w.Key("mtu").Uint(tb.U32(IFLA_MTU));
  size_t maclen;
  const void* mac = tb.Payload(IFLA_ADDRESS, &maclen);
  w.Key("mac").StrOrNull(mac && maclen, mac ? FormatMac(mac, maclen) : "");
  w.Key("master").Uint(tb.U32(IFLA_MASTER));
  w.Key("link").Uint(tb.U32(IFLA_LINK));
  w.Key("linkNetnsid").Int(tb.S32(IFLA_LINK_NETNSID, -1));
  w.Key("alias");
  StrOrNull(w, tb, IFLA_IFALIAS);
  w.Key("group").Uint(tb.U32(IFLA_GROUP));
  w.Key("tun");
  if (data && kind == "tun") Tun(w, Attrs(kTunPolicy, AttrData(data), AttrLen(data))); else w.Null();
  w.Key("vxlan");
  if (data && kind == "vxlan") Vxlan(w, Attrs(kVxlanPolicy, AttrData(data), AttrLen(data))); else w.Null();
  w.Key("stats");
  Stats(w, tb);
  w.EndObject();
  return true;
}

bool Addr(JsonWriter& w, const nlmsghdr* h) {
  const ifaddrmsg* ifa = FamilyOf<ifaddrmsg>(h);
  if (!ifa || (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)) return false;
  Attrs tb(kAddrPolicy, h, sizeof(ifaddrmsg));
  int fam = ifa->ifa_family;
  size_t llen, alen;
  const void* local = tb.Payload(IFA_LOCAL, &llen);
  const void* addr = tb.Payload(IFA_ADDRESS, &alen);
  if (!local && !addr) return false;
  w.BeginObject();
  w.Key("index").Uint(ifa->ifa_index);
  w.Key("family").Uint(fam == AF_INET ? 4 : 6);
  w.Key("prefixlen").Uint(ifa->ifa_prefixlen);
  w.Key("address").Str(FormatIp(fam, local ? local : addr, local ? llen : alen));
  bool ptp = local && addr && (llen != alen || std::memcmp(local, addr, llen) != 0);
  w.Key("peer").StrOrNull(ptp, ptp ? FormatIp(fam, addr, alen) : "");
  w.Key("scope").Uint(ifa->ifa_scope);
  w.Key("flags").Uint(tb.U32(IFA_FLAGS, ifa->ifa_flags));
  w.Key("label");
  StrOrNull(w, tb, IFA_LABEL);
  w.EndObject();
  return true;
}

bool Route(JsonWriter& w, const nlmsghdr* h) {
  const rtmsg* r = FamilyOf<rtmsg>(h);
  if (!r || (r->rtm_family != AF_INET && r->rtm_family != AF_INET6)) return false;
  Attrs tb(kRoutePolicy, h, sizeof(rtmsg));
  int fam = r->rtm_family;
  uint32_t oif = tb.U32(RTA_OIF);
  std::string gw;
  size_t len;
  if (const void* g = tb.Payload(RTA_GATEWAY, &len)) gw = FormatIp(fam, g, len);
  // Multipath: report the first hop, so a route is never without a device when it has one.
  size_t mlen;
  const void* mp = tb.Payload(RTA_MULTIPATH, &mlen);
  if (mp && mlen >= sizeof(rtnexthop) && !oif) {
    const rtnexthop* nh = static_cast<const rtnexthop*>(mp);
    oif = nh->rtnh_ifindex;
    if (gw.empty() && nh->rtnh_len > sizeof(rtnexthop) && nh->rtnh_len <= mlen) {
      Attrs nt(kRoutePolicy, reinterpret_cast<const uint8_t*>(nh) + RTNH_LENGTH(0), nh->rtnh_len - RTNH_LENGTH(0));
      if (const void* g = nt.Payload(RTA_GATEWAY, &len)) gw = FormatIp(fam, g, len);
    }
  }
  w.BeginObject();
  w.Key("family").Uint(fam == AF_INET ? 4 : 6);
  w.Key("dst");
  if (r->rtm_dst_len == 0 && !tb.Has(RTA_DST)) w.Null(); else IpOrNull(w, fam, tb, RTA_DST);
  w.Key("dstLen").Uint(r->rtm_dst_len);
  w.Key("gateway").StrOrNull(!gw.empty(), gw);
  w.Key("oif").Uint(oif);
  w.Key("table").Uint(tb.U32(RTA_TABLE, r->rtm_table));
  w.Key("protocol").Uint(r->rtm_protocol);
  w.Key("scope").Uint(r->rtm_scope);
  w.Key("type").Uint(r->rtm_type);
  w.Key("priority");
  if (tb.Has(RTA_PRIORITY)) w.Uint(tb.U32(RTA_PRIORITY)); else w.Null();
  w.Key("prefsrc");
  IpOrNull(w, fam, tb, RTA_PREFSRC);
  w.EndObject();
  return true;
}

// USER_HZ, the unit of clock_t values the kernel reports (sysconf's answer never changes).
uint64_t ClockTicks() {
  static const uint64_t hz = [] { long v = sysconf(_SC_CLK_TCK); return v > 0 ? static_cast<uint64_t>(v) : 100; }();
  return hz;
}

bool Fdb(JsonWriter& w, const nlmsghdr* h) {
  const ndmsg* nd = FamilyOf<ndmsg>(h);
  if (!nd || nd->ndm_family != AF_BRIDGE) return false;
  Attrs tb(kNeighPolicy, h, sizeof(ndmsg));
  size_t len;
  const void* mac = tb.Payload(NDA_LLADDR, &len);
  if (!mac) return false;
  w.BeginObject();
  w.Key("index").Int(nd->ndm_ifindex);
  w.Key("mac").Str(FormatMac(mac, len));
  w.Key("master").Uint(tb.U32(NDA_MASTER));
  w.Key("vlan");
  if (tb.Has(NDA_VLAN)) w.Uint(tb.U16(NDA_VLAN)); else w.Null();
  w.Key("state").Uint(nd->ndm_state);
  w.Key("flags").Uint(nd->ndm_flags);
  // NDA_CACHEINFO's times are "ago" values in clock ticks (USER_HZ, as sysconf reports it): how
  // long since a frame from this address last refreshed the entry, in ms.
  w.Key("updatedMs");
  size_t ciLen;
  const void* ci = tb.Payload(NDA_CACHEINFO, &ciLen);
  if (ci && ciLen >= sizeof(nda_cacheinfo)) {
    nda_cacheinfo info;
    std::memcpy(&info, ci, sizeof info);
    w.Uint(static_cast<uint64_t>(info.ndm_updated) * 1000 / ClockTicks());
  } else {
    w.Null();
  }
  w.EndObject();
  return true;
}

// A RawEvent: {type, <key>: record}. The record is written into a scratch writer first, because a
// message the record writer rejects must leave no event behind.
bool Wrapped(JsonWriter& w, const char* type, const char* key, bool (*fn)(JsonWriter&, const nlmsghdr*), const nlmsghdr* h) {
  JsonWriter rec;
  if (!fn(rec, h)) return false;
  w.BeginObject();
  w.Key("type").Str(type);
  w.Key(key);
  w.Raw(rec.str());
  w.EndObject();
  return true;
}

bool Event(JsonWriter& w, const nlmsghdr* h) {
  switch (h->nlmsg_type) {
    case NLMSG_OVERRUN: {
      const char* s = static_cast<const char*>(NLMSG_DATA(h));
      w.BeginObject();
      w.Key("type").Str("resync");
      w.Key("reason").Str(std::string(s, strnlen(s, h->nlmsg_len - NLMSG_HDRLEN)));
      w.EndObject();
      return true;
    }
    case RTM_NEWLINK: return Wrapped(w, "newlink", "link", Link, h);
    case RTM_DELLINK: {
      const ifinfomsg* ifi = FamilyOf<ifinfomsg>(h);
      if (!ifi) return false;
      Attrs tb(kLinkPolicy, h, sizeof(ifinfomsg));
      w.BeginObject();
      w.Key("type").Str("dellink");
      w.Key("index").Int(ifi->ifi_index);
      w.Key("name").Str(tb.Str(IFLA_IFNAME));
      // Set when the device moved to another namespace (that namespace's nsid here), absent when
      // it was deleted.
      w.Key("newNetnsid").Int(tb.S32(IFLA_NEW_NETNSID, -1));
      w.EndObject();
      return true;
    }
    case RTM_NEWADDR: return Wrapped(w, "newaddr", "addr", Addr, h);
    case RTM_DELADDR: return Wrapped(w, "deladdr", "addr", Addr, h);
    case RTM_NEWROUTE: return Wrapped(w, "newroute", "route", Route, h);
    case RTM_DELROUTE: return Wrapped(w, "delroute", "route", Route, h);
    case RTM_NEWNEIGH: return Wrapped(w, "newneigh", "fdb", Fdb, h);
    case RTM_DELNEIGH: return Wrapped(w, "delneigh", "fdb", Fdb, h);
    case RTM_NEWNSID:
    case RTM_DELNSID: {
      Attrs tb(kNsidPolicy, h, sizeof(rtgenmsg));
      w.BeginObject();
      w.Key("type").Str(h->nlmsg_type == RTM_NEWNSID ? "newnsid" : "delnsid");
      w.Key("nsid").Int(tb.S32(NETNSA_NSID, -1));
      w.EndObject();
      return true;
    }
    default: return false;
  }
}
}  // namespace

std::string FormatMac(const void* data, size_t len) {
  static const char kHex[] = "0123456789abcdef";
  const uint8_t* p = static_cast<const uint8_t*>(data);
  std::string s;
  s.reserve(len * 3);
  for (size_t i = 0; i < len; i++) {
    if (i) s += ':';
    s += kHex[p[i] >> 4];
    s += kHex[p[i] & 15];
  }
  return s;
}

std::string FormatIp(int family, const void* data, size_t len) {
  char buf[INET6_ADDRSTRLEN];
  if (family == AF_INET && len >= 4 && inet_ntop(AF_INET, data, buf, sizeof buf)) return buf;
  if (family == AF_INET6 && len >= 16 && inet_ntop(AF_INET6, data, buf, sizeof buf)) return buf;
  return FormatMac(data, len);  // unknown shape: show the bytes rather than nothing
}

std::string ToJsonArray(const std::vector<uint8_t>& blob, RecordKind kind) {
  bool (*fn)(JsonWriter&, const nlmsghdr*) = nullptr;
  switch (kind) {
    case RecordKind::Link: fn = Link; break;
    case RecordKind::Addr: fn = Addr; break;
    case RecordKind::Route: fn = Route; break;
    case RecordKind::Fdb: fn = Fdb; break;
    case RecordKind::Event: fn = Event; break;
  }
  JsonWriter w;
  w.str().reserve(blob.size() / 2 + 16);
  w.BeginArray();
  ForEachMsg(blob.data(), blob.size(), [&](const nlmsghdr* h) {
    // A rejected message writes nothing: every writer checks before its first byte.
    fn(w, h);
  });
  w.EndArray();
  return std::move(w.str());
}

Napi::Value ParseJson(Napi::Env env, const std::string& json) {
  Napi::Object JSON = env.Global().Get("JSON").As<Napi::Object>();
  return JSON.Get("parse").As<Napi::Function>().Call(JSON, {Napi::String::New(env, json)});
}

int32_t NsidFromReply(const std::vector<uint8_t>& blob) {
  int32_t nsid = -1;
  ForEachMsg(blob.data(), blob.size(), [&](const nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWNSID) return;
    Attrs tb(kNsidPolicy, h, sizeof(rtgenmsg));
    nsid = tb.S32(NETNSA_NSID, -1);
  });
  return nsid;
}

}  // namespace vnet
