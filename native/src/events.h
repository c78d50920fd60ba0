// Kernel notifications for one namespace: a background thread reads the handle's multicast socket
// (link, IPv4/IPv6 address and route, nsid, neighbour groups), batches what arrives close together
// and hands the bytes to JS through a ThreadSafeFunction. Overflows (ENOBUFS) become 'resync'.
#pragma once

#include <napi.h>

#include <atomic>
#include <memory>
#include <thread>

#include "netns.h"

namespace vnet {

class Subscription {
 public:
  // Joins the groups, sizes the receive buffer (bytes; <= 0 = 4 MiB) and starts the thread.
  // At most maxQueued batches wait for Node's main thread; past that the thread stops reading
  // (so a stalled JS side turns into a kernel overflow and a 'resync', not unbounded memory).
  Subscription(Napi::Env env, std::shared_ptr<NsState> st, Napi::Function onEvents, int rcvbuf, size_t maxQueued);
  ~Subscription();
  // Stops the thread promptly (an eventfd wakes its poll), leaves the groups and releases the
  // ThreadSafeFunction so Node can exit. Idempotent; main thread only.
  void Stop();

 private:
  void Run();
  static void CleanupHook(void* self);

  napi_env env_;
  std::shared_ptr<NsState> st_;
  int wake_ = -1;
  std::thread thread_;
  Napi::ThreadSafeFunction tsfn_;
  // Shared with queued deliveries: after Stop() nothing more reaches the JS callback.
  std::shared_ptr<std::atomic<bool>> active_;
  bool stopped_ = false;
};

}  // namespace vnet
