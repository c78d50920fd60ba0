#include "poll_thread.h"

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

#include "error.h"

namespace vnet {

namespace {
constexpr int kMaxEvents = 64;  // ready descriptors taken per wait (level-triggered: the rest come next round)
}  // namespace

void PollThread::Open(const std::string& what) {
  if (!Running()) Stop();  // closes what an Open never followed by Start left
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_ < 0) throw SysError(errno, what + ": epoll_create1");
  wake_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // the wake-up; watched descriptors carry their tag
  if (wake_ < 0 || epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &ev) < 0) {
    int e = errno;
    if (wake_ >= 0) close(wake_);
    close(epoll_);
    epoll_ = wake_ = -1;
    throw SysError(e, what + ": eventfd");
  }
}

void PollThread::Start(const char* name) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    quit_ = exited_ = false;
  }
  thread_ = std::thread([this] { Run(); });
  pthread_setname_np(thread_.native_handle(), name);
}

void PollThread::Stop() {
  if (thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      quit_ = true;
    }
    Wake();
    thread_.join();
  }
  std::vector<Command> left;
  {
    std::lock_guard<std::mutex> lock(mu_);
    left.swap(cmds_);
  }
  left.clear();  // here, outside the lock: what the commands hold may go with them
  if (epoll_ >= 0) close(epoll_);
  if (wake_ >= 0) close(wake_);
  epoll_ = wake_ = -1;
}

uint64_t PollThread::Push(Command cmd) {
  uint64_t seq;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cmds_.push_back(std::move(cmd));
    seq = ++posted_;
  }
  Wake();
  return seq;
}

void PollThread::Call(Command cmd) {
  uint64_t seq = Push(std::move(cmd));
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return done_ >= seq || exited_; });
}

void PollThread::Queue(Command cmd) { Push(std::move(cmd)); }

void PollThread::Wake() {
  uint64_t one = 1;
  if (write(wake_, &one, sizeof one) < 0) {}  // EAGAIN: the counter is already non-zero
}

int PollThread::Watch(int fd, void* tag) {
  epoll_event ev{};
  ev.events = EPOLLIN;  // EPOLLERR is always reported
  ev.data.ptr = tag;
  return epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : errno;
}

// DEL, not MOD with no events: a descriptor left in epoll would still report its error over and over.
void PollThread::Unwatch(int fd) { epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr); }

void PollThread::Run() {
  epoll_event evs[kMaxEvents];
  for (;;) {
    int timeout = loop_.timeout ? loop_.timeout() : -1;
    int n = epoll_wait(epoll_, evs, kMaxEvents, timeout);
    if (n < 0 && errno != EINTR) break;  // cannot happen with a valid epoll fd; Call() sees exited_
    bool woken = false;
    // Ready descriptors first, then commands: a tag named in this round is still alive (whoever
    // lets go of one waits for a command below), and what was read for it may then be dropped.
    for (int i = 0; i < n; i++) {
      if (evs[i].data.ptr == nullptr) {
        uint64_t v;
        if (read(wake_, &v, sizeof v) < 0) {}
        woken = true;
      } else if (loop_.ready) {
        loop_.ready(evs[i].data.ptr, evs[i].events);
      }
    }
    if (woken) {
      if (!TakeCommands()) break;
      if (loop_.woken) loop_.woken();
    }
    if (loop_.round) loop_.round();
  }
  std::lock_guard<std::mutex> lock(mu_);
  exited_ = true;
  cv_.notify_all();
}

bool PollThread::TakeCommands() {
  std::vector<Command> cmds;
  uint64_t upto;
  bool quit;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cmds.swap(cmds_);
    upto = posted_;
    quit = quit_;
  }
  for (auto& c : cmds) c();
  cmds.clear();
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = upto;
  }
  cv_.notify_all();
  return !quit;
}

}  // namespace vnet
