#include "events.h"

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <vector>

#include "translate.h"

namespace vnet {

namespace {
const unsigned kGroups[] = {RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE,
                            RTNLGRP_IPV6_ROUTE, RTNLGRP_NSID, RTNLGRP_NEIGH};
constexpr int kDefaultRcvbuf = 4 << 20;
constexpr auto kWindow = std::chrono::milliseconds(5);  // at most this long between first event and delivery
constexpr int kQuietMs = 1;                              // deliver early once the socket is quiet this long
constexpr size_t kMaxBatchBytes = 1 << 20;

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

// Main thread: the batch arrives as JSON text written on the event thread.
void Deliver(Napi::Env env, Napi::Function cb, std::string* data, std::atomic<bool>* active) {
  std::unique_ptr<std::string> json(data);
  if (!env || !active->load()) return;
  Napi::Value events = ParseJson(env, *json);
  try {
    cb.Call({events});
  } catch (const Napi::Error& e) {
    // The listener threw. Exceptions escaping an N-API callback are only warned about by default,
    // so rethrow it from a microtask: Node reports that as an ordinary uncaughtException.
    Napi::Value err = e.Value();
    env.RunScript("(e) => queueMicrotask(() => { throw e; })").As<Napi::Function>().Call({err});
  }
}
}  // namespace

Subscription::Subscription(Napi::Env env, std::shared_ptr<NsState> st, Napi::Function onEvents, int rcvbuf, size_t maxQueued)
    : env_(env), st_(std::move(st)), active_(std::make_shared<std::atomic<bool>>(true)) {
  int fd = st_->eventFd;
  // Forget anything queued from an earlier subscription on this socket.
  char scratch[4096];
  while (recv(fd, scratch, sizeof scratch, MSG_DONTWAIT) > 0 || errno == ENOBUFS) {}
  SetRcvbuf(fd, rcvbuf > 0 ? rcvbuf : kDefaultRcvbuf);
  for (unsigned g : kGroups)
    if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g, sizeof g) < 0)
      throw SysError(errno, "subscribe " + st_->Name() + ": join group " + std::to_string(g));
  wake_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_ < 0) throw SysError(errno, "subscribe: eventfd");
  tsfn_ = Napi::ThreadSafeFunction::New(env, onEvents, "vnet-events", maxQueued, 1);
  napi_add_env_cleanup_hook(env_, CleanupHook, this);
  thread_ = std::thread([this] { Run(); });
}

Subscription::~Subscription() { Stop(); }

void Subscription::CleanupHook(void* self) { static_cast<Subscription*>(self)->Stop(); }

void Subscription::Stop() {
  if (stopped_) return;
  stopped_ = true;
  active_->store(false);
  uint64_t one = 1;
  if (write(wake_, &one, sizeof one) < 0) {}
  if (thread_.joinable()) thread_.join();
  close(wake_);
  for (unsigned g : kGroups) setsockopt(st_->eventFd, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, &g, sizeof g);
  tsfn_.Release();
  napi_remove_env_cleanup_hook(env_, CleanupHook, this);
}

void Subscription::Run() {
  using Clock = std::chrono::steady_clock;
  int fd = st_->eventFd;
  std::vector<uint8_t> buf(64 * 1024);
  Batch batch;
  Clock::time_point first;
  std::shared_ptr<std::atomic<bool>> active = active_;
  auto deliver = [&]() -> bool {
    if (batch.empty()) return true;
    std::string* b = new std::string(ToJsonArray(batch, RecordKind::Event));
    batch.clear();
    if (*b == "[]") { delete b; return true; }  // nothing the engine models
    for (;;) {
      napi_status s = tsfn_.NonBlockingCall(b, [active](Napi::Env env, Napi::Function cb, std::string* data) {
        Deliver(env, cb, data, active.get());
      });
      if (s == napi_ok) return true;
      if (s != napi_queue_full) break;  // Node is shutting down
      // The JS side is behind: stop reading (the kernel will overflow and say so) and wait,
      // waking for Stop(). Never block in BlockingCall: Stop() joins this thread on the JS thread.
      pollfd w = {wake_, POLLIN, 0};
      if (poll(&w, 1, 2) > 0) break;
    }
    delete b;
    return false;
  };
  for (;;) {
    int timeout = -1;
    if (!batch.empty()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(first + kWindow - Clock::now()).count();
      timeout = static_cast<int>(std::max<long long>(0, std::min<long long>(left, kQuietMs)));
    }
    pollfd fds[2] = {{fd, POLLIN, 0}, {wake_, POLLIN, 0}};
    int r = poll(fds, 2, timeout);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 || (fds[1].revents & POLLIN)) break;
    if (r == 0) {  // quiet, or the window is over
      if (!deliver()) break;
      continue;
    }
    // Drain everything readable now.
    for (;;) {
      ssize_t n = recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        if (batch.empty()) first = Clock::now();
        if (errno == ENOBUFS) {
          AppendResync(batch, "ENOBUFS: the kernel dropped notifications (event socket buffer full); re-dump this namespace");
          continue;
        }
        AppendResync(batch, std::string("event socket error: ") + std::strerror(errno));
        break;
      }
      if (n == 0) break;
      ForEachMsg(buf.data(), static_cast<size_t>(n), [&](const nlmsghdr* h) {
        if (!Wanted(h)) return;
        if (batch.empty()) first = Clock::now();
        const uint8_t* p = reinterpret_cast<const uint8_t*>(h);
        batch.insert(batch.end(), p, p + NLMSG_ALIGN(h->nlmsg_len));
      });
      if (batch.size() >= kMaxBatchBytes) break;
    }
    if (!batch.empty() && (batch.size() >= kMaxBatchBytes || Clock::now() - first >= kWindow))
      if (!deliver()) break;
  }
  deliver();
}

}  // namespace vnet
