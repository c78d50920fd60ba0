// Kernel messages -> the plain records of native/types.ts (RawLink, RawAddr, RawRoute, RawFdb,
// RawEvent), written as JSON text on the thread that read them (worker or event thread) and
// parsed on Node's main thread by ParseJson.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

#include <linux/netlink.h>

namespace vnet {

enum class RecordKind { Link, Addr, Route, Fdb, Event };

// A JSON array of the records in a buffer of concatenated messages; messages a kind does not
// describe are skipped (a multicast route in a route dump, an ARP neighbour among FDB entries).
// For Event, NLMSG_OVERRUN carries our own 'resync' reason text.
std::string ToJsonArray(const std::vector<uint8_t>& blob, RecordKind kind);

// JSON.parse on the main thread.
Napi::Value ParseJson(Napi::Env env, const std::string& json);

// Reads RTM_NEWNSID's NETNSA_NSID (-1 = not assigned) from a reply blob.
int32_t NsidFromReply(const std::vector<uint8_t>& blob);

// "aa:bb:cc:dd:ee:ff" (any length, lowercase) and inet_ntop text.
std::string FormatMac(const void* data, size_t len);
std::string FormatIp(int family, const void* data, size_t len);

}  // namespace vnet
