// One background thread around one epoll: the descriptors it watches, an eventfd that wakes it,
// and a queue of commands the main thread hands it (carried out on the thread, between two
// waits, so the thread's own state needs no lock). What a ready descriptor means, and what goes to
// JS, is the owner's: it says so through the Loop it gives. The event thread (events.cc), the
// capture thread (capture_hub.cc) and each process-events watch (proc_events.cc) are one each.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vnet {

class PollThread {
 public:
  // Called on the thread, every round in this order: timeout() before waiting, ready() for each
  // watched descriptor that is ready (with its tag and epoll events), then, when the round was
  // woken, the queued commands followed by woken(), and last round(). Unset ones are skipped.
  struct Loop {
    std::function<int()> timeout;  // milliseconds the next wait may last, -1 for no limit (unset: -1)
    std::function<void(void* tag, uint32_t events)> ready;
    std::function<void()> woken;
    std::function<void()> round;
  };
  using Command = std::function<void()>;

  explicit PollThread(Loop loop) : loop_(std::move(loop)) {}
  ~PollThread() { Stop(); }
  PollThread(const PollThread&) = delete;
  PollThread& operator=(const PollThread&) = delete;

  // Main thread. Opens the epoll and the wake eventfd; throws SysError prefixed with `what`.
  void Open(const std::string& what);
  // Main thread, after Open. Starts the thread, named `name` (15 characters at most).
  void Start(const char* name);
  bool Running() const { return thread_.joinable(); }
  // Main thread. The thread quits at its next wake-up and is joined; commands it did not carry out
  // are dropped here, and the descriptors closed. Harmless when it is not running.
  void Stop();

  // Main thread: carry out cmd on the thread; Call returns once it has (or the thread ended),
  // Queue at once. The thread never waits for the main thread, so a Call lasts one round at most.
  void Call(Command cmd);
  void Queue(Command cmd);
  // Any thread, while it runs: a round with woken() soon.
  void Wake();

  // Watches fd for input (errors are always reported) with `tag` given back to ready(); 0 or the
  // errno of epoll_ctl. Unwatch takes it out. Either thread; the thread's own state is the
  // caller's to keep in step.
  int Watch(int fd, void* tag);
  void Unwatch(int fd);

 private:
  void Run();
  bool TakeCommands();  // false once Stop() asked the thread to quit
  uint64_t Push(Command cmd);

  Loop loop_;
  int epoll_ = -1, wake_ = -1;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Command> cmds_;
  uint64_t posted_ = 0, done_ = 0;  // done_: how many of the posted commands the thread carried out
  bool quit_ = false, exited_ = false;
};

}  // namespace vnet
