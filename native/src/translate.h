// Kernel messages -> the plain JS records of native/types.ts (RawLink, RawAddr, RawRoute, RawFdb,
// RawEvent). Runs on Node's main thread over bytes a worker or the event thread collected.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

#include <linux/netlink.h>

namespace vnet {

// Each returns undefined for a message it does not describe (e.g. a multicast route in a
// route dump, an ARP neighbour among FDB entries).
Napi::Value LinkToJs(Napi::Env env, const nlmsghdr* h);
Napi::Value AddrToJs(Napi::Env env, const nlmsghdr* h);
Napi::Value RouteToJs(Napi::Env env, const nlmsghdr* h);
Napi::Value FdbToJs(Napi::Env env, const nlmsghdr* h);
// A multicast notification as a RawEvent; NLMSG_OVERRUN carries our own 'resync' reason text.
Napi::Value EventToJs(Napi::Env env, const nlmsghdr* h);

// Maps a whole dump's bytes through one of the above into an array (skipping undefined).
Napi::Array MessagesToArray(Napi::Env env, const std::vector<uint8_t>& blob,
                            Napi::Value (*fn)(Napi::Env, const nlmsghdr*));

// Reads RTM_NEWNSID's NETNSA_NSID (-1 = not assigned) from a reply blob.
int32_t NsidFromReply(const std::vector<uint8_t>& blob);

// "aa:bb:cc:dd:ee:ff" (any length, lowercase) and inet_ntop text.
std::string FormatMac(const void* data, size_t len);
std::string FormatIp(int family, const void* data, size_t len);

}  // namespace vnet
