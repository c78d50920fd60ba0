// One ICMP echo sent from inside a network namespace and its answer: a raw ICMP (or ICMPv6)
// socket opened on a helper thread that entered the namespace, the echo built here with the
// caller's identifier, sequence number and payload, and the socket read until the matching echo
// reply, an ICMP error quoting the echo, or the timeout. What the kernel said on sending (no
// route: ENETUNREACH) is returned, not thrown: it is where a traced packet stopped.
#pragma once

#include <napi.h>

#include <functional>
#include <memory>

#include "netns.h"

namespace vnet {

// ping(handle, {address, ident, seq, payload, timeoutMs}) is exported by addon.cc through this
// (it owns the NamespaceHandle class); stateOf gives a handle's state, null when it is not one.
void RegisterPing(Napi::Env env, Napi::Object exports, std::function<std::shared_ptr<NsState>(Napi::Value)> stateOf);

}  // namespace vnet
