// Kernel notifications. Every subscribed namespace has a multicast socket (link, IPv4/IPv6
// address and route, nsid, neighbour groups); ONE event thread per Node environment watches all
// of them with epoll, batches what arrives close together on each socket and hands the bytes to JS
// through ONE ThreadSafeFunction, each batch tagged with its subscription. So the thread count does
// not grow with the number of namespaces (a host with 1,000 pod namespaces needs one thread, not
// 1,000). Overflows (ENOBUFS) become 'resync'.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "netns.h"
#include "poll_thread.h"

namespace vnet {

// The event thread and what it watches. One per environment (AddonData holds it). The thread,
// its epoll and eventfd descriptors and the ThreadSafeFunction exist only while at least one
// subscription does: with none left nothing lingers and nothing keeps Node's loop alive.
class EventHub {
 public:
  struct Sub;
  explicit EventHub(napi_env env);
  ~EventHub();
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  // Main thread. Starts watching st's event socket (the groups already joined) and delivering its
  // batches to onEvents; starts the thread if this is the first subscription. Returns its id.
  uint64_t Add(std::shared_ptr<NsState> st, Napi::Function onEvents, size_t maxQueued);
  // Main thread. After it returns the event thread no longer reads that socket and nothing more
  // reaches the callback (batches already queued for JS are dropped). Stops the thread when it was
  // the last. Unknown ids (already removed, or the environment is gone) are ignored.
  void Remove(uint64_t id);

 private:
  struct Delivery;
  static void CallJs(Napi::Env env, Napi::Function unused, std::nullptr_t* context, Delivery* d);
  using Tsfn = Napi::TypedThreadSafeFunction<std::nullptr_t, Delivery, &EventHub::CallJs>;

  void Start();
  void StopThread();  // main thread: stop the thread, release the TSFN
  static void CleanupHook(void* self);

  // Event thread (the Loop given to thread_).
  int Timeout();
  void Resume();
  void DeliverDue();
  void Read(Sub& s);
  void Deliver(const std::shared_ptr<Sub>& s);
  void Watch(Sub& s, bool on);
  void Forget(Sub* s);

  napi_env env_;
  bool gone_ = false;  // the environment is being torn down: no new subscriptions
  uint64_t nextId_ = 1;
  std::map<uint64_t, std::shared_ptr<Sub>> live_;  // main thread's view of the subscriptions
  Tsfn tsfn_;  // present while the thread runs

  // Event thread only.
  std::map<uint64_t, std::shared_ptr<Sub>> watched_;  // subscriptions it knows (in epoll or paused)
  std::vector<std::shared_ptr<Sub>> pending_;           // those with a batch not yet delivered
  std::vector<std::shared_ptr<Sub>> paused_;            // taken out of epoll: too many batches wait for JS
  std::vector<uint8_t> readBuf_;                        // the one read buffer, shared by every subscription

  // Last, so it stops before what it reads goes.
  PollThread thread_;
};

// One handle's subscription: joins the groups, sizes the receive buffer (bytes; <= 0 = 4 MiB) and
// registers with the hub. At most maxQueued batches wait for Node's main thread; past that the
// hub stops reading this socket (so a stalled JS side turns into a kernel overflow and a 'resync',
// not unbounded memory).
class Subscription {
 public:
  Subscription(std::shared_ptr<EventHub> hub, std::shared_ptr<NsState> st, Napi::Function onEvents, int rcvbuf,
               size_t maxQueued);
  ~Subscription();
  // Prompt (the hub's thread lets go before it returns), leaves the groups. Idempotent; main thread only.
  void Stop();

 private:
  void LeaveGroups();

  std::shared_ptr<EventHub> hub_;
  std::shared_ptr<NsState> st_;
  uint64_t id_ = 0;
  bool stopped_ = false;
};

}  // namespace vnet
