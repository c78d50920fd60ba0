// Every process's network namespace, read from /proc in one call, and a process's command: discovery's
// full pass (the engine's namespaces.ts). In C because on a host of a thousand pods the pass runs every second
// and a readdir plus a readlink per process cost twice as much through Node's fs as the kernel
// calls themselves.
#pragma once

#include <napi.h>

namespace vnet {

// Adds scanProcNet(keep?) and readComm(pid) to exports (see native/types.ts).
void RegisterProcScan(Napi::Env env, Napi::Object exports);

}  // namespace vnet
