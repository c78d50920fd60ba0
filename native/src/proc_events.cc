#include "proc_events.h"
#include "listener_call.h"

#include <fcntl.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <vector>

#include "error.h"
#include "netns.h"
#include "poll_thread.h"
#include "worker.h"

namespace vnet {
namespace {

constexpr int kRcvbuf = 4 << 20;
constexpr auto kWindow = std::chrono::milliseconds(10);  // a batch is delivered this long after its first event
constexpr size_t kMaxHeld = 1 << 16;  // events held while JS is behind; past that they are dropped and `lost` set
constexpr int kAckTimeoutMs = 500;
constexpr size_t kReadBuf = 64 * 1024;

using Clock = std::chrono::steady_clock;

struct ProcBatch {
  std::vector<int32_t> forks;  // (child, parent) pairs
  std::vector<int32_t> execs, exits;
  bool lost = false;
  size_t Size() const { return forks.size() / 2 + execs.size() + exits.size(); }
  bool Empty() const { return Size() == 0 && !lost; }
};

void SendOp(int fd, proc_cn_mcast_op op, uint32_t tag) {
  uint8_t buf[NLMSG_SPACE(sizeof(cn_msg) + sizeof(proc_cn_mcast_op))] = {};
  auto* h = reinterpret_cast<nlmsghdr*>(buf);
  h->nlmsg_len = NLMSG_LENGTH(sizeof(cn_msg) + sizeof op);
  h->nlmsg_type = NLMSG_DONE;
  h->nlmsg_pid = 0;  // the kernel
  cn_msg c{};
  c.id.idx = CN_IDX_PROC;
  c.id.val = CN_VAL_PROC;
  c.seq = 0;
  c.ack = tag;  // the kernel acknowledges with ack = tag + 1 (it does not echo seq)
  c.len = sizeof op;
  std::memcpy(buf + NLMSG_HDRLEN, &c, sizeof c);
  std::memcpy(buf + NLMSG_HDRLEN + sizeof c, &op, sizeof op);
  if (send(fd, buf, h->nlmsg_len, 0) < 0) {
    int e = errno;
    if (e == ECONNREFUSED)
      throw SysError(e, "process events: the kernel's proc connector answers only sockets in the initial network namespace, and this is not it");
    throw SysError(e, "process events: send the listen request");
  }
}

// Calls fn(event) for every proc connector event in one datagram.
template <typename Fn>
void ForEachEvent(const uint8_t* data, size_t n, Fn fn) {
  for (auto* h = reinterpret_cast<const nlmsghdr*>(data); NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
    if (h->nlmsg_len < NLMSG_LENGTH(sizeof(cn_msg))) continue;
    cn_msg c;
    std::memcpy(&c, NLMSG_DATA(h), sizeof c);
    if (c.id.idx != CN_IDX_PROC || c.id.val != CN_VAL_PROC) continue;
    size_t avail = h->nlmsg_len - NLMSG_LENGTH(sizeof(cn_msg));
    proc_event ev{};
    std::memcpy(&ev, static_cast<const uint8_t*>(NLMSG_DATA(h)) + sizeof(cn_msg), std::min<size_t>({avail, c.len, sizeof ev}));
    fn(c, ev);
  }
}

// Opens the socket, joins the group and asks the kernel to listen; waits for its acknowledgement.
// Runs on a pool thread (or a helper thread entered into the namespace that must hold the socket).
int OpenConnector() {
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
  if (fd < 0) {
    int e = errno;
    if (e == EPROTONOSUPPORT) throw SysError(e, "process events: this kernel has no connector (CONFIG_CONNECTOR, CONFIG_PROC_EVENTS)");
    throw SysError(e, "process events: socket(NETLINK_CONNECTOR)");
  }
  try {
    sockaddr_nl a{};
    a.nl_family = AF_NETLINK;
    a.nl_groups = CN_IDX_PROC;
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) {
      int e = errno;
      if (e == EPERM) throw SysError(e, "process events: joining the proc connector's group needs CAP_NET_ADMIN");
      throw SysError(e, "process events: bind to the proc connector's group");
    }
    SetRcvbuf(fd, kRcvbuf);
    // Told apart from other listeners' acknowledgements (all members of the group see them).
    uint32_t tag = (static_cast<uint32_t>(getpid()) * 2654435761u ^ static_cast<uint32_t>(Clock::now().time_since_epoch().count())) | 1;
    SendOp(fd, PROC_CN_MCAST_LISTEN, tag);
    std::vector<uint8_t> buf(kReadBuf);
    auto until = Clock::now() + std::chrono::milliseconds(kAckTimeoutMs);
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
      if (left <= 0) {
        throw SysError(ETIMEDOUT, "process events: the kernel did not acknowledge the listen request; it reports process "
                                  "events only to listeners in the initial pid and user namespaces");
      }
      pollfd p{fd, POLLIN, 0};
      int r = poll(&p, 1, static_cast<int>(left));
      if (r < 0 && errno != EINTR) throw SysError(errno, "process events: poll");
      if (r <= 0) continue;
      ssize_t n = recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR || errno == ENOBUFS) continue;
        throw SysError(errno, "process events: recv");
      }
      int ackErr = -1;
      // Events read here happened before the caller's first full look at /proc: dropped.
      ForEachEvent(buf.data(), static_cast<size_t>(n), [&](const cn_msg& c, const proc_event& ev) {
        if (ev.what == proc_event::PROC_EVENT_NONE && c.ack == tag + 1) ackErr = static_cast<int>(ev.event_data.ack.err);
      });
      if (ackErr == 0) return fd;
      if (ackErr > 0) throw SysError(ackErr, "process events: the kernel refused the listen request");
    }
  } catch (...) {
    close(fd);
    throw;
  }
}

// One watch: the socket, its thread (a PollThread watching that one socket) and the way to JS.
// Shared by the JS object's close() and the environment's cleanup hook; whichever comes first
// stops it.
class Watch {
 public:
  Watch(Napi::Env env, int fd, Napi::Function onEvents)
      : env_(env), fd_(fd), thread_(PollThread::Loop{[this] { return Timeout(); }, [this](void*, uint32_t) { Read(); }, {},
                                                    [this] { DeliverDue(); }}) {
    try {
      thread_.Open("process events");
      if (int e = thread_.Watch(fd_, this)) throw SysError(e, "process events: epoll_ctl");
    } catch (...) {
      thread_.Stop();
      close(fd_);
      throw;
    }
    buf_.resize(kReadBuf);
    tsfn_ = Tsfn::New(env, onEvents, "vnet-proc-events", 0, 1);
    // The watch alone does not keep Node's loop alive (the engine's own timers and sockets do).
    tsfn_.Unref(env);
    thread_.Start("vnet-procev");
    napi_add_env_cleanup_hook(env_, CleanupHook, this);
  }
  ~Watch() { Stop(); }
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;

  // Main thread. Nothing reaches the callback after it returns (batches in flight are dropped).
  void Stop() {
    if (stopped_) return;
    stopped_ = true;
    active_->store(false);
    thread_.Stop();
    try { SendOp(fd_, PROC_CN_MCAST_IGNORE, 0); } catch (const SysError&) { /* the socket goes anyway */ }
    close(fd_);
    tsfn_.Release();
    napi_remove_env_cleanup_hook(env_, CleanupHook, this);
  }

 private:
  struct Delivery {
    std::shared_ptr<std::atomic<bool>> active;
    std::shared_ptr<std::atomic<int>> queued;
    ProcBatch batch;
  };
  static void CallJs(Napi::Env env, Napi::Function cb, std::nullptr_t*, Delivery* d) {
    std::unique_ptr<Delivery> own(d);
    d->queued->fetch_sub(1);
    if (!env || !d->active->load()) return;
    auto ints = [&](const std::vector<int32_t>& v) {
      // JS-owned memory (Electron refuses external array buffers): allocate, then copy.
      Napi::Int32Array a = Napi::Int32Array::New(env, v.size());
      if (!v.empty()) std::memcpy(a.Data(), v.data(), v.size() * sizeof(int32_t));
      return a;
    };
    Napi::Object o = Napi::Object::New(env);
    o.Set("forks", ints(d->batch.forks));
    o.Set("execs", ints(d->batch.execs));
    o.Set("exits", ints(d->batch.exits));
    o.Set("lost", Napi::Boolean::New(env, d->batch.lost));
    CallListener(env, cb, {o});
  }
  using Tsfn = Napi::TypedThreadSafeFunction<std::nullptr_t, Delivery, &Watch::CallJs>;

  static void CleanupHook(void* self) { static_cast<Watch*>(self)->Stop(); }

  // The watch thread (the Loop given to thread_).
  int Timeout() {
    if (held_.Empty()) return -1;
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(first_ + kWindow - Clock::now()).count();
    return static_cast<int>(std::max<long long>(0, ms));
  }

  void Read() {
    bool had = !held_.Empty();
    Drain(buf_, held_);
    if (!had && !held_.Empty()) first_ = Clock::now();
  }

  void DeliverDue() {
    if (held_.Empty() || Clock::now() < first_ + kWindow) return;
    // One batch at a time waits for JS; while it does, what arrives is held (and merged) here.
    if (queued_->load() > 0) { first_ = Clock::now(); return; }
    auto d = std::make_unique<Delivery>();
    d->active = active_;
    d->queued = queued_;
    d->batch = std::move(held_);
    held_ = ProcBatch();
    queued_->fetch_add(1);
    if (tsfn_.NonBlockingCall(d.get()) != napi_ok) { queued_->fetch_sub(1); return; }  // Node is shutting down: dropped
    d.release();
  }

  void Drain(std::vector<uint8_t>& buf, ProcBatch& held) {
    for (;;) {
      ssize_t n = recv(fd_, buf.data(), buf.size(), MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == ENOBUFS) { held.lost = true; continue; }  // the kernel dropped events
        return;  // EAGAIN
      }
      if (n == 0) return;
      ForEachEvent(buf.data(), static_cast<size_t>(n), [&](const cn_msg&, const proc_event& ev) {
        switch (ev.what) {
          case proc_event::PROC_EVENT_FORK:
            // New threads are forks too; only a new thread group is a new process.
            if (ev.event_data.fork.child_pid != ev.event_data.fork.child_tgid) return;
            held.forks.push_back(ev.event_data.fork.child_tgid);
            held.forks.push_back(ev.event_data.fork.parent_tgid);
            break;
          case proc_event::PROC_EVENT_EXEC:
            held.execs.push_back(ev.event_data.exec.process_tgid);
            break;
          case proc_event::PROC_EVENT_EXIT:
            if (ev.event_data.exit.process_pid != ev.event_data.exit.process_tgid) return;  // a thread
            held.exits.push_back(ev.event_data.exit.process_tgid);
            break;
          default:
            return;
        }
        if (held.Size() > kMaxHeld) {
          // JS is far behind: forget the details, say they were lost (the caller rescans everything).
          held = ProcBatch();
          held.lost = true;
        }
      });
    }
  }

  Napi::Env env_;
  int fd_;
  bool stopped_ = false;
  std::shared_ptr<std::atomic<bool>> active_ = std::make_shared<std::atomic<bool>>(true);
  std::shared_ptr<std::atomic<int>> queued_ = std::make_shared<std::atomic<int>>(0);
  Tsfn tsfn_;
  // The watch thread's own.
  std::vector<uint8_t> buf_;
  ProcBatch held_;
  Clock::time_point first_{};
  PollThread thread_;  // last, so it stops before what it reads goes
};

// watchProcesses(onEvents, { nsPath? }): Promise<{ close() }>
Napi::Value WatchProcessesJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsFunction())
    return PromiseWorker::Rejected(env, InvalidArg("watchProcesses(onEvents, options?): onEvents must be a function"));
  std::string nsPath;
  if (info.Length() >= 2 && !info[1].IsUndefined()) {
    if (!info[1].IsObject()) return PromiseWorker::Rejected(env, InvalidArg("watchProcesses: options must be an object"));
    Napi::Value p = info[1].As<Napi::Object>().Get("nsPath");
    if (p.IsString()) {
      nsPath = p.As<Napi::String>();
      if (nsPath.empty()) return PromiseWorker::Rejected(env, InvalidArg("watchProcesses: options.nsPath is empty (use null for the own namespace)"));
    } else if (!p.IsNull() && !p.IsUndefined()) {
      return PromiseWorker::Rejected(env, InvalidArg("watchProcesses: options.nsPath must be a string or null"));
    }
  }
  auto cb = std::make_shared<Napi::FunctionReference>(Napi::Persistent(info[0].As<Napi::Function>()));
  // The descriptor between the pool thread and the main thread; closed if never handed over.
  auto fd = std::shared_ptr<int>(new int(-1), [](int* p) { if (*p >= 0) close(*p); delete p; });
  return PromiseWorker::Start(env,
      [nsPath, fd] {
        if (nsPath.empty()) { *fd = OpenConnector(); return; }
        int ns = open(nsPath.c_str(), O_RDONLY | O_CLOEXEC);
        if (ns < 0) throw SysError(errno, "process events: open namespace \"" + nsPath + "\"");
        try {
          RunInNamespace(ns, "process events: namespace \"" + nsPath + "\"", [&] { *fd = OpenConnector(); });
        } catch (...) {
          close(ns);
          throw;
        }
        close(ns);
      },
      [cb, fd](Napi::Env env) -> Napi::Value {
        int taken = *fd;
        *fd = -1;
        auto w = std::make_shared<Watch>(env, taken, cb->Value());
        cb->Reset();
        Napi::Object o = Napi::Object::New(env);
        o.Set("close", Napi::Function::New(env, [w](const Napi::CallbackInfo& i) -> Napi::Value {
          w->Stop();
          return i.Env().Undefined();
        }, "close"));
        return o;
      });
}

}  // namespace

void RegisterProcEvents(Napi::Env env, Napi::Object exports) {
  exports.Set("watchProcesses", Napi::Function::New(env, WatchProcessesJs, "watchProcesses"));
}

}  // namespace vnet
