#include "events.h"

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>

#include "translate.h"

namespace vnet {

namespace {
const unsigned kGroups[] = {RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE,
                            RTNLGRP_IPV6_ROUTE, RTNLGRP_NSID, RTNLGRP_NEIGH};
constexpr int kDefaultRcvbuf = 4 << 20;
constexpr auto kWindow = std::chrono::milliseconds(5);  // at most this long between first event and delivery
constexpr auto kQuiet = std::chrono::milliseconds(1);   // deliver early once the socket is quiet this long
constexpr size_t kMaxBatchBytes = 1 << 20;
constexpr size_t kReadBuf = 64 * 1024;  // the one read buffer, shared by every subscription
constexpr int kMaxEvents = 64;          // ready sockets taken per epoll_wait (level-triggered: the rest come next round)

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

EventHub::~EventHub() {
  // Subscriptions hold the hub, so none is left here; the thread stopped with the last of them.
  if (thread_.joinable()) StopThread();
}

uint64_t EventHub::Add(std::shared_ptr<NsState> st, Napi::Function onEvents, size_t maxQueued) {
  if (gone_) throw SysError(ESHUTDOWN, "subscribe " + st->Name() + ": the environment is shutting down");
  if (!thread_.joinable()) Start();
  auto s = std::make_shared<Sub>();
  s->id = nextId_++;
  s->hub = this;
  s->fd = st->eventFd;
  s->st = std::move(st);
  s->maxQueued = maxQueued;
  s->cb = Napi::Persistent(onEvents);
  live_[s->id] = s;
  // Not waited for: the socket's first events wait in the kernel until the thread picks it up.
  {
    std::lock_guard<std::mutex> lock(mu_);
    cmds_.push_back({Cmd::kAdd, s});
    posted_++;
  }
  Wake();
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
    Post({Cmd::kRemove, s});
  }
}

void EventHub::Start() {
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_ < 0) throw SysError(errno, "subscribe: epoll_create1");
  wake_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // the wake-up; subscriptions carry their Sub*
  if (wake_ < 0 || epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &ev) < 0) {
    int e = errno;
    if (wake_ >= 0) close(wake_);
    close(epoll_);
    epoll_ = wake_ = -1;
    throw SysError(e, "subscribe: eventfd");
  }
  // Referenced (the default) while subscriptions exist, as a single subscription's thread was;
  // released with the last one, so an unsubscribed process can exit.
  tsfn_ = Tsfn::New(env_, "vnet-events", 0, 1);
  {
    std::lock_guard<std::mutex> lock(mu_);
    exited_ = false;
  }
  thread_ = std::thread([this] { Run(); });
  pthread_setname_np(thread_.native_handle(), "vnet-events");
  napi_add_env_cleanup_hook(env_, CleanupHook, this);
}

void EventHub::StopThread() {
  Post({Cmd::kQuit, nullptr});
  thread_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    cmds_.clear();
  }
  // The thread is gone, so only this thread touches these now.
  watched_.clear();
  pending_.clear();
  paused_.clear();
  close(epoll_);
  close(wake_);
  epoll_ = wake_ = -1;
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
  if (hub->thread_.joinable()) hub->StopThread();
}

void EventHub::Post(Cmd cmd) {
  uint64_t seq;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cmds_.push_back(std::move(cmd));
    seq = ++posted_;
  }
  Wake();
  // The event thread never waits for this one (it hands batches over without blocking), so this
  // wait lasts at most one round of its loop.
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return done_ >= seq || exited_; });
}

void EventHub::Wake() {
  uint64_t one = 1;
  if (write(wake_, &one, sizeof one) < 0) {}  // EAGAIN: the counter is already non-zero
}

// Main thread: the batch arrives as JSON text written on the event thread.
void EventHub::CallJs(Napi::Env env, Napi::Function, std::nullptr_t*, Delivery* d) {
  std::unique_ptr<Delivery> own(d);
  Sub& s = *d->sub;
  s.queued.fetch_sub(1);
  if (!env || !s.active) return;  // unsubscribed, or the environment is going away
  // Reading of this socket stopped at maxQueued: one batch fewer waits now, so let it go on.
  // (Sub::active means the hub and its thread are still there.)
  if (s.paused.load()) s.hub->Wake();
  Napi::Value events = ParseJson(env, d->json);
  try {
    s.cb.Value().Call({events});
  } catch (const Napi::Error& e) {
    // The listener threw. Exceptions escaping an N-API callback are only warned about by default,
    // so rethrow it from a microtask: Node reports that as an ordinary uncaughtException.
    Napi::Value err = e.Value();
    env.RunScript("(e) => queueMicrotask(() => { throw e; })").As<Napi::Function>().Call({err});
  }
}

// ---- the event thread ---------------------------------------------------------------------------

void EventHub::Run() {
  std::vector<uint8_t> buf(kReadBuf);
  epoll_event evs[kMaxEvents];
  for (;;) {
    // Sleep until the earliest pending batch is due: its socket quiet for kQuiet, or kWindow
    // since its first message.
    int timeout = -1;
    Clock::time_point now = Clock::now();
    for (auto& s : pending_) {
      auto due = std::min(s->first + kWindow, s->last + kQuiet);
      auto ms = std::chrono::ceil<std::chrono::milliseconds>(due - now).count();  // never wake early and spin
      int t = static_cast<int>(std::max<long long>(0, ms));
      timeout = timeout < 0 ? t : std::min(timeout, t);
    }
    int n = epoll_wait(epoll_, evs, kMaxEvents, timeout);
    if (n < 0 && errno != EINTR) break;  // cannot happen with a valid epoll fd; Post() sees exited_
    bool woken = false;
    // Read first, then take commands: a Sub named in this round is still alive (a Remove waits
    // for the commands below), and whatever it read for an inactive subscription is dropped.
    for (int i = 0; i < n; i++) {
      if (evs[i].data.ptr == nullptr) {
        uint64_t v;
        if (read(wake_, &v, sizeof v) < 0) {}
        woken = true;
      } else {
        Read(*static_cast<Sub*>(evs[i].data.ptr), buf);
      }
    }
    if (woken) {
      if (!TakeCommands()) break;
      // Resume the sockets whose JS side caught up.
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
    now = Clock::now();
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
  std::lock_guard<std::mutex> lock(mu_);
  exited_ = true;
  cv_.notify_all();
}

bool EventHub::TakeCommands() {
  std::vector<Cmd> cmds;
  uint64_t upto;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cmds.swap(cmds_);
    upto = posted_;
  }
  bool quit = false;
  for (auto& c : cmds) {
    if (c.kind == Cmd::kQuit) {
      quit = true;
    } else if (c.kind == Cmd::kAdd) {
      watched_[c.sub->id] = c.sub;
      Watch(*c.sub, true);
    } else {
      Sub* s = c.sub.get();
      Watch(*s, false);
      auto drop = [s](std::vector<std::shared_ptr<Sub>>& v) {
        v.erase(std::remove_if(v.begin(), v.end(), [s](auto& p) { return p.get() == s; }), v.end());
      };
      drop(pending_);
      drop(paused_);
      watched_.erase(s->id);
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = upto;
  }
  cv_.notify_all();
  return !quit;
}

void EventHub::Watch(Sub& s, bool on) {
  if (s.inEpoll == on) return;
  epoll_event ev{};
  ev.events = EPOLLIN;  // EPOLLERR (the socket's ENOBUFS) is always reported
  ev.data.ptr = &s;
  // DEL, not MOD with no events: a socket left in epoll would still report its error over and over.
  epoll_ctl(epoll_, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, s.fd, &ev);
  s.inEpoll = on;
}

// Drains what is readable now from one socket into its batch (shared read buffer).
void EventHub::Read(Sub& s, std::vector<uint8_t>& buf) {
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
    if (s->queued.load() < s->maxQueued) Wake();
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
    for (unsigned g : kGroups)
      if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g, sizeof g) < 0)
        throw SysError(errno, "subscribe " + st_->Name() + ": join group " + std::to_string(g));
    id_ = hub_->Add(st_, onEvents, maxQueued);
  } catch (...) {
    LeaveGroups();
    throw;
  }
}

void Subscription::LeaveGroups() {
  for (unsigned g : kGroups) setsockopt(st_->eventFd, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, &g, sizeof g);
}

Subscription::~Subscription() { Stop(); }

void Subscription::Stop() {
  if (stopped_) return;
  stopped_ = true;
  hub_->Remove(id_);
  LeaveGroups();
}

}  // namespace vnet
