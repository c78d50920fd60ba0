#include "translate.h"

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/neighbour.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>

#include "nl_codec.h"

namespace vnet {

namespace {
using K = AttrKind;

// The policies: which attributes we read and what their payload must hold.
const Policy kLinkPolicy(IFLA_MAX, {
    {IFLA_IFNAME, K::Str}, {IFLA_ADDRESS, K::Binary}, {IFLA_MTU, K::U32}, {IFLA_MASTER, K::U32},
    {IFLA_LINK, K::U32}, {IFLA_LINK_NETNSID, K::U32}, {IFLA_OPERSTATE, K::U8},
    {IFLA_IFALIAS, K::Str}, {IFLA_LINKINFO, K::Nested}, {IFLA_STATS64, K::Binary},
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
    {NDA_LLADDR, K::Binary}, {NDA_MASTER, K::U32}, {NDA_VLAN, K::U16},
});
const Policy kNsidPolicy(NETNSA_MAX, {{NETNSA_NSID, K::U32}});

Napi::Value StrOrNull(Napi::Env env, const Attrs& tb, int type) {
  bool found;
  std::string s = tb.Str(type, &found);
  return found ? Napi::String::New(env, s) : env.Null();
}

Napi::Value IpOrNull(Napi::Env env, int family, const Attrs& tb, int type) {
  size_t len;
  const void* p = tb.Payload(type, &len);
  if (!p) return env.Null();
  return Napi::String::New(env, FormatIp(family, p, len));
}

// The first 8 counters of rtnl_link_stats64 are exactly protocol STATS_FIELDS order.
Napi::Object StatsToJs(Napi::Env env, const Attrs& tb) {
  static const char* const kNames[8] = {"rxPackets", "txPackets", "rxBytes", "txBytes",
                                        "rxErrors", "txErrors", "rxDropped", "txDropped"};
  uint64_t v[8] = {0};
  size_t len;
  const void* p = tb.Payload(IFLA_STATS64, &len);
  if (p && len >= sizeof v) std::memcpy(v, p, sizeof v);
  Napi::Object o = Napi::Object::New(env);
  for (int i = 0; i < 8; i++) o.Set(kNames[i], Napi::Number::New(env, static_cast<double>(v[i])));
  return o;
}

Napi::Value TunToJs(Napi::Env env, const Attrs& data) {
  Napi::Object t = Napi::Object::New(env);
  t.Set("type", Napi::String::New(env, data.U8(IFLA_TUN_TYPE) == IFF_TAP ? "tap" : "tun"));
  t.Set("persist", Napi::Boolean::New(env, data.U8(IFLA_TUN_PERSIST) != 0));
  // Absent owner/group means "anyone" (the kernel omits invalid uids): -1.
  t.Set("owner", Napi::Number::New(env, data.Has(IFLA_TUN_OWNER) ? static_cast<double>(data.U32(IFLA_TUN_OWNER)) : -1));
  t.Set("group", Napi::Number::New(env, data.Has(IFLA_TUN_GROUP) ? static_cast<double>(data.U32(IFLA_TUN_GROUP)) : -1));
  return t;
}

Napi::Value VxlanToJs(Napi::Env env, const Attrs& data) {
  Napi::Object v = Napi::Object::New(env);
  v.Set("id", Napi::Number::New(env, data.U32(IFLA_VXLAN_ID)));
  Napi::Value group = IpOrNull(env, AF_INET, data, IFLA_VXLAN_GROUP);
  if (group.IsNull()) group = IpOrNull(env, AF_INET6, data, IFLA_VXLAN_GROUP6);
  Napi::Value local = IpOrNull(env, AF_INET, data, IFLA_VXLAN_LOCAL);
  if (local.IsNull()) local = IpOrNull(env, AF_INET6, data, IFLA_VXLAN_LOCAL6);
  v.Set("group", group);
  v.Set("local", local);
  v.Set("port", data.Has(IFLA_VXLAN_PORT) ? Napi::Number::New(env, ntohs(data.U16(IFLA_VXLAN_PORT))) : env.Null());
  v.Set("link", Napi::Number::New(env, data.U32(IFLA_VXLAN_LINK)));
  return v;
}

Napi::Value RouteLike(Napi::Env env, const nlmsghdr* h) {
  const rtmsg* r = FamilyOf<rtmsg>(h);
  if (!r || (r->rtm_family != AF_INET && r->rtm_family != AF_INET6)) return env.Undefined();
  Attrs tb(kRoutePolicy, h, sizeof(rtmsg));
  Napi::Object o = Napi::Object::New(env);
  o.Set("family", Napi::Number::New(env, r->rtm_family == AF_INET ? 4 : 6));
  o.Set("dst", r->rtm_dst_len == 0 && !tb.Has(RTA_DST) ? env.Null() : IpOrNull(env, r->rtm_family, tb, RTA_DST));
  o.Set("dstLen", Napi::Number::New(env, r->rtm_dst_len));
  Napi::Value gw = IpOrNull(env, r->rtm_family, tb, RTA_GATEWAY);
  uint32_t oif = tb.U32(RTA_OIF);
  // Multipath: report the first hop, so a route is never without a device when it has one.
  size_t mlen;
  const void* mp = tb.Payload(RTA_MULTIPATH, &mlen);
  if (mp && mlen >= sizeof(rtnexthop) && !oif) {
    const rtnexthop* nh = static_cast<const rtnexthop*>(mp);
    oif = nh->rtnh_ifindex;
    if (nh->rtnh_len > sizeof(rtnexthop) && nh->rtnh_len <= mlen) {
      Attrs nt(kRoutePolicy, reinterpret_cast<const uint8_t*>(nh) + RTNH_LENGTH(0), nh->rtnh_len - RTNH_LENGTH(0));
      if (gw.IsNull()) gw = IpOrNull(env, r->rtm_family, nt, RTA_GATEWAY);
    }
  }
  o.Set("gateway", gw);
  o.Set("oif", Napi::Number::New(env, oif));
  o.Set("table", Napi::Number::New(env, tb.U32(RTA_TABLE, r->rtm_table)));
  o.Set("protocol", Napi::Number::New(env, r->rtm_protocol));
  o.Set("scope", Napi::Number::New(env, r->rtm_scope));
  o.Set("type", Napi::Number::New(env, r->rtm_type));
  o.Set("priority", tb.Has(RTA_PRIORITY) ? Napi::Number::New(env, tb.U32(RTA_PRIORITY)) : env.Null());
  o.Set("prefsrc", IpOrNull(env, r->rtm_family, tb, RTA_PREFSRC));
  return o;
}
}  // namespace

std::string FormatMac(const void* data, size_t len) {
  static const char kHex[] = "0123456789abcdef";
  const uint8_t* p = static_cast<const uint8_t*>(data);
  std::string s;
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

Napi::Value LinkToJs(Napi::Env env, const nlmsghdr* h) {
  const ifinfomsg* ifi = FamilyOf<ifinfomsg>(h);
  if (!ifi) return env.Undefined();
  Attrs tb(kLinkPolicy, h, sizeof(ifinfomsg));
  Napi::Object o = Napi::Object::New(env);
  o.Set("index", Napi::Number::New(env, ifi->ifi_index));
  o.Set("name", Napi::String::New(env, tb.Str(IFLA_IFNAME)));

  std::string kind, slaveKind;
  Napi::Value tun = env.Null(), vxlan = env.Null();
  if (const nlattr* li = tb.Get(IFLA_LINKINFO)) {
    Attrs info(kLinkInfoPolicy, AttrData(li), AttrLen(li));
    kind = info.Str(IFLA_INFO_KIND);
    slaveKind = info.Str(IFLA_INFO_SLAVE_KIND);
    if (const nlattr* d = info.Get(IFLA_INFO_DATA)) {
      if (kind == "tun") tun = TunToJs(env, Attrs(kTunPolicy, AttrData(d), AttrLen(d)));
      else if (kind == "vxlan") vxlan = VxlanToJs(env, Attrs(kVxlanPolicy, AttrData(d), AttrLen(d)));
    }
  }
  o.Set("kind", Napi::String::New(env, kind));
  o.Set("slaveKind", Napi::String::New(env, slaveKind));
  o.Set("type", Napi::Number::New(env, ifi->ifi_type));
  o.Set("flags", Napi::Number::New(env, ifi->ifi_flags));
  o.Set("operstate", Napi::Number::New(env, tb.U8(IFLA_OPERSTATE)));
  o.Set("mtu", Napi::Number::New(env, tb.U32(IFLA_MTU)));
  size_t maclen;
  const void* mac = tb.Payload(IFLA_ADDRESS, &maclen);
  o.Set("mac", mac && maclen ? Napi::String::New(env, FormatMac(mac, maclen)) : env.Null());
  o.Set("master", Napi::Number::New(env, tb.U32(IFLA_MASTER)));
  o.Set("link", Napi::Number::New(env, tb.U32(IFLA_LINK)));
  o.Set("linkNetnsid", Napi::Number::New(env, tb.S32(IFLA_LINK_NETNSID, -1)));
  o.Set("alias", StrOrNull(env, tb, IFLA_IFALIAS));
  o.Set("tun", tun);
  o.Set("vxlan", vxlan);
  o.Set("stats", StatsToJs(env, tb));
  return o;
}

Napi::Value AddrToJs(Napi::Env env, const nlmsghdr* h) {
  const ifaddrmsg* ifa = FamilyOf<ifaddrmsg>(h);
  if (!ifa || (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)) return env.Undefined();
  Attrs tb(kAddrPolicy, h, sizeof(ifaddrmsg));
  int fam = ifa->ifa_family;
  size_t llen, alen;
  const void* local = tb.Payload(IFA_LOCAL, &llen);
  const void* addr = tb.Payload(IFA_ADDRESS, &alen);
  if (!local && !addr) return env.Undefined();
  Napi::Object o = Napi::Object::New(env);
  o.Set("index", Napi::Number::New(env, ifa->ifa_index));
  o.Set("family", Napi::Number::New(env, fam == AF_INET ? 4 : 6));
  o.Set("prefixlen", Napi::Number::New(env, ifa->ifa_prefixlen));
  o.Set("address", Napi::String::New(env, FormatIp(fam, local ? local : addr, local ? llen : alen)));
  bool ptp = local && addr && (llen != alen || std::memcmp(local, addr, llen) != 0);
  o.Set("peer", ptp ? Napi::String::New(env, FormatIp(fam, addr, alen)) : env.Null());
  o.Set("scope", Napi::Number::New(env, ifa->ifa_scope));
  o.Set("flags", Napi::Number::New(env, tb.U32(IFA_FLAGS, ifa->ifa_flags)));
  o.Set("label", StrOrNull(env, tb, IFA_LABEL));
  return o;
}

Napi::Value RouteToJs(Napi::Env env, const nlmsghdr* h) { return RouteLike(env, h); }

Napi::Value FdbToJs(Napi::Env env, const nlmsghdr* h) {
  const ndmsg* nd = FamilyOf<ndmsg>(h);
  if (!nd || nd->ndm_family != AF_BRIDGE) return env.Undefined();
  Attrs tb(kNeighPolicy, h, sizeof(ndmsg));
  size_t len;
  const void* mac = tb.Payload(NDA_LLADDR, &len);
  if (!mac) return env.Undefined();
  Napi::Object o = Napi::Object::New(env);
  o.Set("index", Napi::Number::New(env, nd->ndm_ifindex));
  o.Set("mac", Napi::String::New(env, FormatMac(mac, len)));
  o.Set("master", Napi::Number::New(env, tb.U32(NDA_MASTER)));
  o.Set("vlan", tb.Has(NDA_VLAN) ? Napi::Number::New(env, tb.U16(NDA_VLAN)) : env.Null());
  o.Set("state", Napi::Number::New(env, nd->ndm_state));
  o.Set("flags", Napi::Number::New(env, nd->ndm_flags));
  return o;
}

Napi::Value EventToJs(Napi::Env env, const nlmsghdr* h) {
  auto ev = [&](const char* type, const char* key, Napi::Value v) -> Napi::Value {
    if (v.IsUndefined()) return v;
    Napi::Object o = Napi::Object::New(env);
    o.Set("type", Napi::String::New(env, type));
    o.Set(key, v);
    return o;
  };
  switch (h->nlmsg_type) {
    case NLMSG_OVERRUN: {
      Napi::Object o = Napi::Object::New(env);
      o.Set("type", Napi::String::New(env, "resync"));
      const char* s = static_cast<const char*>(NLMSG_DATA(h));
      o.Set("reason", Napi::String::New(env, std::string(s, strnlen(s, h->nlmsg_len - NLMSG_HDRLEN))));
      return o;
    }
    case RTM_NEWLINK: return ev("newlink", "link", LinkToJs(env, h));
    case RTM_DELLINK: {
      const ifinfomsg* ifi = FamilyOf<ifinfomsg>(h);
      if (!ifi) return env.Undefined();
      Attrs tb(kLinkPolicy, h, sizeof(ifinfomsg));
      Napi::Object o = Napi::Object::New(env);
      o.Set("type", Napi::String::New(env, "dellink"));
      o.Set("index", Napi::Number::New(env, ifi->ifi_index));
      o.Set("name", Napi::String::New(env, tb.Str(IFLA_IFNAME)));
      return o;
    }
    case RTM_NEWADDR: return ev("newaddr", "addr", AddrToJs(env, h));
    case RTM_DELADDR: return ev("deladdr", "addr", AddrToJs(env, h));
    case RTM_NEWROUTE: return ev("newroute", "route", RouteToJs(env, h));
    case RTM_DELROUTE: return ev("delroute", "route", RouteToJs(env, h));
    case RTM_NEWNEIGH: return ev("newneigh", "fdb", FdbToJs(env, h));
    case RTM_DELNEIGH: return ev("delneigh", "fdb", FdbToJs(env, h));
    case RTM_NEWNSID:
    case RTM_DELNSID: {
      Attrs tb(kNsidPolicy, h, sizeof(rtgenmsg));
      return ev(h->nlmsg_type == RTM_NEWNSID ? "newnsid" : "delnsid", "nsid",
                Napi::Number::New(env, tb.S32(NETNSA_NSID, -1)));
    }
    default: return env.Undefined();
  }
}

Napi::Array MessagesToArray(Napi::Env env, const std::vector<uint8_t>& blob,
                            Napi::Value (*fn)(Napi::Env, const nlmsghdr*)) {
  Napi::Array arr = Napi::Array::New(env);
  uint32_t n = 0;
  ForEachMsg(blob.data(), blob.size(), [&](const nlmsghdr* h) {
    Napi::Value v = fn(env, h);
    if (!v.IsUndefined()) arr.Set(n++, v);
  });
  return arr;
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
