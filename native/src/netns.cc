#include "netns.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <thread>

namespace vnet {

namespace {
const char kNetnsDir[] = "/run/netns";

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

int OpenOrThrow(const std::string& path, int flags, const std::string& what) {
  int fd = open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) throw SysError(errno, what);
  return fd;
}

// iproute2's recipe: /run/netns must be a shared mount so namespace files bind-mounted under it
// propagate to other mount namespaces (and can be unmounted from them).
void MakeNetnsDirShared() {
  if (mkdir(kNetnsDir, 0755) < 0 && errno != EEXIST) throw SysError(errno, std::string("mkdir ") + kNetnsDir);
  for (bool bound = false;; bound = true) {
    if (mount("", kNetnsDir, "none", MS_SHARED | MS_REC, nullptr) == 0) return;
    if (errno != EINVAL || bound) throw SysError(errno, std::string("make ") + kNetnsDir + " a shared mount");
    // Not a mount point yet: bind it onto itself, then try again.
    if (mount(kNetnsDir, kNetnsDir, "none", MS_BIND | MS_REC, nullptr) < 0)
      throw SysError(errno, std::string("bind-mount ") + kNetnsDir + " onto itself");
  }
}
}  // namespace

void RunInNamespace(int nsFd, const std::string& what, const std::function<void()>& fn) {
  std::exception_ptr failure;
  std::thread t([&] {
    try {
      // The helper thread is the only thread that ever changes namespace; it dies right after.
      if (nsFd >= 0 && setns(nsFd, CLONE_NEWNET) < 0) throw SysError(errno, what + ": setns");
      fn();
    } catch (...) {
      failure = std::current_exception();
    }
  });
  t.join();
  if (failure) std::rethrow_exception(failure);
}

NsState::~NsState() {
  req.reset();
  if (eventFd >= 0) close(eventFd);
  if (nsFd >= 0) close(nsFd);
}

std::shared_ptr<NsState> OpenNamespace(const std::string& path) {
  auto st = std::make_shared<NsState>();
  st->path = path;
  std::string what = path.empty() ? std::string("openNamespace(own namespace)") : "openNamespace " + Quote(path);
  // /proc/self is the process, i.e. the namespace of Node's main thread, which never moves.
  st->nsFd = OpenOrThrow(path.empty() ? "/proc/self/ns/net" : path, O_RDONLY, what);
  struct stat sb;
  if (fstat(st->nsFd, &sb) < 0) throw SysError(errno, what + ": fstat");
  st->inode = sb.st_ino;
  auto openSockets = [&] {
    st->req.reset(new NlSocket(OpenRouteSocket()));
    st->eventFd = OpenRouteSocket();
  };
  if (path.empty()) openSockets();  // we are on a pool thread, which never left the process's namespace
  else RunInNamespace(st->nsFd, what, openSockets);
  return st;
}

std::vector<OpenResult> OpenNamespaces(const std::vector<std::string>& paths) {
  std::vector<OpenResult> out(paths.size());
  auto fail = [&](size_t i, const SysError& e) { out[i].st.reset(); out[i].err = e.err(); out[i].message = e.what(); };
  // The namespace files and their inodes first, on this thread (which never changes namespace).
  std::vector<size_t> elsewhere;
  for (size_t i = 0; i < paths.size(); i++) {
    const std::string& path = paths[i];
    std::string what = path.empty() ? std::string("openNamespace(own namespace)") : "openNamespace " + Quote(path);
    try {
      auto st = std::make_shared<NsState>();
      st->path = path;
      st->nsFd = OpenOrThrow(path.empty() ? "/proc/self/ns/net" : path, O_RDONLY, what);
      struct stat sb;
      if (fstat(st->nsFd, &sb) < 0) throw SysError(errno, what + ": fstat");
      st->inode = sb.st_ino;
      out[i].st = std::move(st);
      if (path.empty()) {
        out[i].st->req.reset(new NlSocket(OpenRouteSocket()));
        out[i].st->eventFd = OpenRouteSocket();
      } else {
        elsewhere.push_back(i);
      }
    } catch (const SysError& e) {
      fail(i, e);
    }
  }
  if (elsewhere.empty()) return out;
  // A helper thread enters each of the others in turn (it dies after the last: no thread that JS
  // or the pool uses ever changes namespace); a long list is shared by a few, one per core (up to
  // 4), each taking every k-th entry.
  size_t cores = std::max(1u, std::thread::hardware_concurrency());
  size_t k = std::min<size_t>({4, cores, (elsewhere.size() + 127) / 128});
  auto enter = [&](size_t first) {
    for (size_t j = first; j < elsewhere.size(); j += k) {
      size_t i = elsewhere[j];
      NsState& st = *out[i].st;
      std::string what = "openNamespace " + Quote(paths[i]);
      try {
        if (setns(st.nsFd, CLONE_NEWNET) < 0) throw SysError(errno, what + ": setns");
        st.req.reset(new NlSocket(OpenRouteSocket()));
        st.eventFd = OpenRouteSocket();
      } catch (const SysError& e) {
        fail(i, e);
      } catch (const std::exception& e) {
        fail(i, SysError(EIO, what + ": " + e.what()));
      }
    }
  };
  std::vector<std::thread> helpers;
  for (size_t h = 0; h < k; h++) helpers.emplace_back(enter, h);
  for (auto& t : helpers) t.join();
  return out;
}

void CheckNetnsName(const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.size() > 200 ||
      name.find('/') != std::string::npos || name.find('\0') != std::string::npos)
    throw InvalidArg("namespace name " + Quote(name) + " is not valid (1-200 characters, no '/', not . or ..)");
  for (unsigned char c : name)
    if (c <= ' ' || c == 0x7f)
      throw InvalidArg("namespace name " + Quote(name) + " contains whitespace or control characters");
}

void CheckIfName(const std::string& name, const std::string& what) {
  const char* why = nullptr;
  if (name.empty()) why = "is empty";
  else if (name.size() > 15) why = "is longer than 15 bytes (IFNAMSIZ)";
  else if (name == "." || name == "..") why = "is . or ..";
  for (unsigned char c : name) {
    if (why) break;
    if (c == '/' || c == ':') why = "contains '/' or ':'";
    else if (c <= ' ' || c == 0x7f) why = "contains whitespace or control characters";
  }
  if (why) throw InvalidArg(what + ": interface name " + Quote(name) + " " + why);
}

void CreateNamedNamespaces(const std::vector<std::string>& names) {
  for (auto& n : names) CheckNetnsName(n);
  MakeNetnsDirShared();
  std::vector<std::string> made;  // files created so far, removed again on failure
  auto undo = [&] {
    for (auto& p : made) {
      umount2(p.c_str(), MNT_DETACH);
      unlink(p.c_str());
    }
  };
  try {
    for (auto& n : names) {
      std::string p = std::string(kNetnsDir) + "/" + n;
      int fd = open(p.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
      if (fd < 0) throw SysError(errno, "namespace " + Quote(n));
      close(fd);
      made.push_back(p);
    }
    // Helper threads make the namespaces: unshare gives a thread a fresh one each time, and the
    // bind mount keeps it alive after the thread moves on (and exits). Creating a namespace is
    // mostly kernel time, so a few threads side by side finish a large lab sooner.
    size_t threads = std::min<size_t>(4, (names.size() + 15) / 16);
    std::vector<std::thread> pool;
    std::vector<std::exception_ptr> failures(threads);
    for (size_t k = 0; k < threads; k++) {
      pool.emplace_back([&, k] {
        try {
          std::string self = "/proc/self/task/" + std::to_string(syscall(SYS_gettid)) + "/ns/net";
          for (size_t i = k; i < names.size(); i += threads) {
            if (unshare(CLONE_NEWNET) < 0) throw SysError(errno, "namespace " + Quote(names[i]) + ": unshare");
            if (mount(self.c_str(), made[i].c_str(), "none", MS_BIND, nullptr) < 0)
              throw SysError(errno, "namespace " + Quote(names[i]) + ": bind mount");
          }
        } catch (...) {
          failures[k] = std::current_exception();
        }
      });
    }
    for (auto& t : pool) t.join();
    for (auto& f : failures)
      if (f) std::rethrow_exception(f);
  } catch (...) {
    undo();
    throw;
  }
}

void DeleteNamedNamespaces(const std::vector<std::string>& names) {
  for (auto& n : names) CheckNetnsName(n);
  std::exception_ptr first;
  for (auto& n : names) {
    std::string p = std::string(kNetnsDir) + "/" + n;
    umount2(p.c_str(), MNT_DETACH);  // fails harmlessly when not mounted; unlink tells the truth
    if (unlink(p.c_str()) < 0 && !first) first = std::make_exception_ptr(SysError(errno, "namespace " + Quote(n)));
  }
  if (first) std::rethrow_exception(first);
}

void SetSysctl(const std::string& nsPath, const std::string& key, const std::string& value) {
  static const char* const kAllowed[] = {
      "net.ipv4.ip_forward",
      "net.ipv6.conf.all.forwarding",
      "net.ipv4.conf.all.forwarding",
  };
  bool ok = false;
  for (auto* k : kAllowed) ok = ok || key == k;
  if (!ok) throw InvalidArg("sysctl " + Quote(key) + " is not one this app may set (allowed: net.ipv4.ip_forward, net.ipv6.conf.all.forwarding, net.ipv4.conf.all.forwarding)");
  if (value != "0" && value != "1") throw InvalidArg("sysctl " + Quote(key) + ": value must be \"0\" or \"1\"");
  std::string file = "/proc/sys/" + key;
  for (auto& c : file) if (c == '.') c = '/';
  std::string what = "sysctl " + key + " in " + (nsPath.empty() ? std::string("own namespace") : Quote(nsPath));
  int nsFd = nsPath.empty() ? -1 : OpenOrThrow(nsPath, O_RDONLY, what);
  try {
    RunInNamespace(nsFd, what, [&] {
      // /proc/sys/net resolves against the opening thread's namespace: this helper's.
      int fd = OpenOrThrow(file, O_WRONLY, what);
      ssize_t n = write(fd, value.data(), value.size());
      int e = errno;
      close(fd);
      if (n < 0) throw SysError(e, what);
    });
  } catch (...) {
    if (nsFd >= 0) close(nsFd);
    throw;
  }
  if (nsFd >= 0) close(nsFd);
}

}  // namespace vnet
