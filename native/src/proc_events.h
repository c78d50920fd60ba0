// Process events from the kernel's proc connector (NETLINK_CONNECTOR, CN_IDX_PROC): new processes
// (fork of a new thread group), exec and exit. The engine uses them to look at the few processes
// that changed instead of rescanning all of /proc. One socket and ONE background thread per watch;
// the thread batches what arrives close together and hands it to JS through one
// ThreadSafeFunction, as typed arrays copied into JS-owned memory.
//
// The connector has limits the caller must know about, so opening a watch fails with an error
// that names them: it needs CAP_NET_ADMIN, it exists only in kernels built with
// CONFIG_PROC_EVENTS, it answers only sockets in the initial network namespace, and it ignores
// listeners outside the initial pid and user namespaces (silently: no acknowledgement comes back,
// which is how that case is told apart).
#pragma once

#include <napi.h>

namespace vnet {

// Adds watchProcesses(onEvents, options?) to exports (see native/types.ts).
void RegisterProcEvents(Napi::Env env, Napi::Object exports);

}  // namespace vnet
