#include "events.h"
#include "listener_call.h"

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>

#include "translate.h"

namespace vnet {

namespace {
constexpr unsigned kGroups[] = {RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE,
                            RTNLGRP_IPV6_ROUTE, RTNLGRP_NSID, RTNLGRP_NEIGH};
// All of them below 32: one bind() with their bitmask joins them at once. Each join (a bind or a
// NETLINK_ADD_MEMBERSHIP) takes the netlink table's lock and walks every multicast socket of
// every namespace, so on a host of 1,000 namespaces seven setsockopt calls per socket cost 7x the
// one bind (≈70 ms against ≈10 ms at start).
constexpr uint32_t GroupMask() {
  uint32_t m = 0;
  for (unsigned g : kGroups) m |= 1u << (g - 1);
  return m;
}
constexpr bool AllBelow33() {
  for (unsigned g : kGroups) if (g < 1 || g > 32) return false;
  return true;
}
static_assert(AllBelow33(), "every group fits bind()'s 32-bit mask");

// Sets the socket's groups below 32 to `mask` (0: leaves them). A socket already bound (by a
// request sent on it, or an earlier subscription) must name its own port id.
int BindGroups(int fd, uint32_t mask) {
  sockaddr_nl a{};
  socklen_t len = sizeof a;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) < 0) return -1;
  a.nl_family = AF_NETLINK;
  a.nl_groups = mask;
  return bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
}
constexpr int kDefaultRcvbuf = 4 << 20;
constexpr auto kWindow = std::chrono::milliseconds(5);  // at most this long between first event and delivery
constexpr auto kQuiet = std::chrono::milliseconds(1);   // deliver early once the socket is quiet this long
constexpr size_t kMaxBatchBytes = 1 << 20;
constexpr size_t kReadBuf = 64 * 1024;  // the one read buffer, shared by every subscription

using Clock = std::chrono::steady_clock;
using Batch = std::vector<uint8_t>;

// Our own marker in the byte stream: an NLMSG_OVERRUN message whose payload is the reason text,
// so a resync keeps its place among the events around it.
void AppendResync(Batch& b, const std::string& reason) {
  nlmsghdr h{};
  h.nlmsg_type = NLMSG_OVERRUN;
  h.nlmsg_len = static_cast<uint32_t>(NLMSG_LENGTH(reason.size() + 1));
  size_t off = b.size();
  b.resize(off + NLMSG_ALIGN(h.nlmsg_len), 0);
  std::memcpy(b.data() + off, &h, sizeof h);
  std::memcpy(b.data() + off + NLMSG_HDRLEN, reason.c_str(), reason.size() + 1);
}

// Only what the engine models: neighbour events are FDB entries only when AF_BRIDGE.
bool Wanted(const nlmsghdr* h) {
  switch (h->nlmsg_type) {
    case RTM_NEWNEIGH:
    case RTM_DELNEIGH: {
      const ndmsg* nd = FamilyOf<ndmsg>(h);
      return nd && nd->ndm_family == AF_BRIDGE;
    }
    case RTM_NEWLINK: case RTM_DELLINK: case RTM_NEWADDR: case RTM_DELADDR:
    case RTM_NEWROUTE: case RTM_DELROUTE: case RTM_NEWNSID: case RTM_DELNSID:
      return true;
    default:
      return false;
  }
}
}  // namespace

// One subscription as the hub sees it. Kept small: a pending batch is the only buffer it owns, and
// only until it is delivered.
struct EventHub::Sub {
  uint64_t id = 0;
  EventHub* hub = nullptr;
  std::shared_ptr<NsState> st;  // keeps the socket open while the event thread may read it
  int fd = -1;
  size_t maxQueued = 64;
  // Main thread only.
  Napi::FunctionReference cb;
  bool active = true;  // false once removed: queued batches are dropped, the hub is not touched
  // Both threads.
  std::atomic<size_t> queued{0};    // batches handed to the TSFN and not yet run on the main thread
  std::atomic<bool> paused{false};  // out of epoll until queued drops below maxQueued
  // Event thread only.
  Batch batch;
  Clock::time_point first, last;  // first message of the batch, latest read
  bool inEpoll = false;
};

struct EventHub::Delivery {
  std::shared_ptr<Sub> sub;
  std::string json;
};

EventHub::EventHub(napi_env env)
    : env_(env),
      thread_(PollThread::Loop{[this] { return Timeout(); },
                               [this](void* tag, uint32_t) { Read(*static_cast<Sub*>(tag)); },
                               [this] { Resume(); }, [this] { DeliverDue(); }}) {}

EventHub::~EventHub() {
  // Subscriptions hold the hub, so none is left here; the thread stopped with the last of them.
  if (thread_.Running()) StopThread();
}

uint64_t EventHub::Add(std::shared_ptr<NsState> st, Napi::Function onEvents, size_t maxQueued) {
  if (gone_) throw SysError(ESHUTDOWN, "subscribe " + st->Name() + ": the environment is shutting down");
  if (!thread_.Running()) Start();
  auto s = std::make_shared<Sub>();
  s->id = nextId_++;
  s->hub = this;
  s->fd = st->eventFd;
  s->st = std::move(st);
  s->maxQueued = maxQueued;
  s->cb = Napi::Persistent(onEvents);
  live_[s->id] = s;
  // Not waited for: the socket's first events wait in the kernel until the thread picks it up.
  thread_.Queue([this, s] {
    watched_[s->id] = s;
    Watch(*s, true);
  });
  return s->id;
}

void EventHub::Remove(uint64_t id) {
  auto it = live_.find(id);
  if (it == live_.end()) return;
  std::shared_ptr<Sub> s = it->second;
  live_.erase(it);
  s->active = false;
  s->cb.Reset();  // here, on the main thread; the Sub itself may die on the event thread
  if (live_.empty()) {
    StopThread();  // joins: the socket is let go of too
  } else {
    thread_.Call([this, s] { Forget(s.get()); });
  }
}

void EventHub::Start() {
  thread_.Open("subscribe");
  // Referenced (the default) while subscriptions exist, as a single subscription's thread was;
  // released with the last one, so an unsubscribed process can exit.
  tsfn_ = Tsfn::New(env_, "vnet-events", 0, 1);
  readBuf_.assign(kReadBuf, 0);
  thread_.Start("vnet-events");
  napi_add_env_cleanup_hook(env_, CleanupHook, this);
}

void EventHub::StopThread() {
  thread_.Stop();
  // The thread is gone, so only this thread touches these now.
  watched_.clear();
  pending_.clear();
  paused_.clear();
  std::vector<uint8_t>().swap(readBuf_);
  // Batches still queued run CallJs later and are dropped there (their Sub is inactive).
  tsfn_.Release();
  napi_remove_env_cleanup_hook(env_, CleanupHook, this);
}

// The environment is going away (worker exit, process exit): stop everything now, while the
// callbacks' references can still be deleted. Later Remove calls find nothing.
void EventHub::CleanupHook(void* self) {
  auto* hub = static_cast<EventHub*>(self);
  hub->gone_ = true;
  for (auto& [id, s] : hub->live_) {
    s->active = false;
    s->cb.Reset();
  }
  hub->live_.clear();
  if (hub->thread_.Running()) hub->StopThread();
}

// Main thread: the batch arrives as JSON text written on the event thread.
void EventHub::CallJs(Napi::Env env, Napi::Function, std::nullptr_t*, Delivery* d) {
  std::unique_ptr<Delivery> own(d);
  Sub& s = *d->sub;
  s.queued.fetch_sub(1);
  if (!env || !s.active) return;  // unsubscribed, or the environment is going away
  // Reading of this socket stopped at maxQueued: one batch fewer waits now, so let it go on.
  // (Sub::active means the hub and its thread are still there.)
  if (s.paused.load()) s.hub->thread_.Wake();
  Napi::Value events = ParseJson(env, d->json);
  CallListener(env, s.cb.Value(), {events});
}

// ---- the event thread ---------------------------------------------------------------------------

// Sleep until the earliest pending batch is due: its socket quiet for kQuiet, or kWindow since its
// first message.
int EventHub::Timeout() {
  int timeout = -1;
  Clock::time_point now = Clock::now();
  for (auto& s : pending_) {
    auto due = std::min(s->first + kWindow, s->last + kQuiet);
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(due - now).count();  // never wake early and spin
    int t = static_cast<int>(std::max<long long>(0, ms));
    timeout = timeout < 0 ? t : std::min(timeout, t);
  }
  return timeout;
}

// After a wake-up: resume the sockets whose JS side caught up.
void EventHub::Resume() {
  for (size_t i = 0; i < paused_.size();) {
    Sub& s = *paused_[i];
    if (s.queued.load() < s.maxQueued) {
      s.paused.store(false);
      Watch(s, true);
      paused_[i] = paused_.back();
      paused_.pop_back();
    } else {
      i++;
    }
  }
}

void EventHub::DeliverDue() {
  Clock::time_point now = Clock::now();
  for (size_t i = 0; i < pending_.size();) {
    std::shared_ptr<Sub> s = pending_[i];
    if (s->batch.size() >= kMaxBatchBytes || now >= s->first + kWindow || now >= s->last + kQuiet) {
      pending_[i] = pending_.back();
      pending_.pop_back();
      Deliver(s);
    } else {
      i++;
    }
  }
}

// An unsubscribed socket: out of epoll and out of every list (a batch it had is dropped).
void EventHub::Forget(Sub* s) {
  Watch(*s, false);
  auto drop = [s](std::vector<std::shared_ptr<Sub>>& v) {
    v.erase(std::remove_if(v.begin(), v.end(), [s](auto& p) { return p.get() == s; }), v.end());
  };
  drop(pending_);
  drop(paused_);
  watched_.erase(s->id);
}

void EventHub::Watch(Sub& s, bool on) {
  if (s.inEpoll == on) return;
  if (on) thread_.Watch(s.fd, &s);  // EPOLLERR (the socket's ENOBUFS) is always reported
  else thread_.Unwatch(s.fd);
  s.inEpoll = on;
}

// Drains what is readable now from one socket into its batch (shared read buffer).
void EventHub::Read(Sub& s) {
  std::vector<uint8_t>& buf = readBuf_;
  if (!s.inEpoll) return;  // taken out earlier in this round
  bool had = !s.batch.empty();
  for (;;) {
    ssize_t n = recv(s.fd, buf.data(), buf.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (s.batch.empty()) s.first = Clock::now();
      if (errno == ENOBUFS) {
        AppendResync(s.batch, "ENOBUFS: the kernel dropped notifications (event socket buffer full); re-dump this namespace");
        continue;
      }
      AppendResync(s.batch, std::string("event socket error: ") + std::strerror(errno));
      break;
    }
    if (n == 0) break;
    ForEachMsg(buf.data(), static_cast<size_t>(n), [&](const nlmsghdr* h) {
      if (!Wanted(h)) return;
      if (s.batch.empty()) s.first = Clock::now();
      const uint8_t* p = reinterpret_cast<const uint8_t*>(h);
      s.batch.insert(s.batch.end(), p, p + NLMSG_ALIGN(h->nlmsg_len));
    });
    if (s.batch.size() >= kMaxBatchBytes) break;  // delivered below; level-triggered epoll brings the rest
  }
  s.last = Clock::now();
  if (!had && !s.batch.empty()) pending_.push_back(watched_.at(s.id));
}

void EventHub::Deliver(const std::shared_ptr<Sub>& s) {
  auto d = std::make_unique<Delivery>();
  d->sub = s;
  d->json = ToJsonArray(s->batch, RecordKind::Event);
  Batch().swap(s->batch);  // give the memory back: 1,000 idle subscriptions hold no buffers
  if (d->json == "[]") return;  // nothing the engine models
  s->queued.fetch_add(1);
  if (tsfn_.NonBlockingCall(d.get()) != napi_ok) {  // the queue is unbounded: only when Node shuts down
    s->queued.fetch_sub(1);
    return;
  }
  d.release();
  if (s->queued.load() >= s->maxQueued) {
    // The JS side is behind: stop reading this socket (the kernel will overflow and say so, which
    // becomes a 'resync') until CallJs has run enough batches; it wakes us when paused is set.
    Watch(*s, false);
    paused_.push_back(s);
    s->paused.store(true);
    // CallJs may have run between the check and the store without seeing paused: look again.
    if (s->queued.load() < s->maxQueued) thread_.Wake();
  }
}

// ---- one handle's subscription --------------------------------------------------------------------

Subscription::Subscription(std::shared_ptr<EventHub> hub, std::shared_ptr<NsState> st, Napi::Function onEvents,
                           int rcvbuf, size_t maxQueued)
    : hub_(std::move(hub)), st_(std::move(st)) {
  int fd = st_->eventFd;
  // Forget anything queued from an earlier subscription on this socket (the hub has let go of it).
  char scratch[4096];
  while (recv(fd, scratch, sizeof scratch, MSG_DONTWAIT) > 0 || errno == ENOBUFS) {}
  SetRcvbuf(fd, rcvbuf > 0 ? rcvbuf : kDefaultRcvbuf);
  try {
    if (BindGroups(fd, GroupMask()) < 0)
      throw SysError(errno, "subscribe " + st_->Name() + ": join the link, address, route, nsid and neighbour groups");
    id_ = hub_->Add(st_, onEvents, maxQueued);
  } catch (...) {
    LeaveGroups();
    throw;
  }
}

void Subscription::LeaveGroups() {
  BindGroups(st_->eventFd, 0);
}

Subscription::~Subscription() { Stop(); }

void Subscription::Stop() {
  if (stopped_) return;
  stopped_ = true;
  hub_->Remove(id_);
  LeaveGroups();
}

}  // namespace vnet
