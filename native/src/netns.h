// Network namespaces: entering one on a short-lived helper thread (never a libuv pool thread or
// Node's main thread: setns changes the calling thread for good), the per-namespace handle state,
// and what `ip netns add/del` do (a bind-mounted namespace file under /run/netns).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nl_socket.h"

namespace vnet {

// Runs fn on a new thread that first entered the network namespace of nsFd (-1 = stay in the
// process's namespace); rethrows what fn threw. `what` names the namespace in errors.
void RunInNamespace(int nsFd, const std::string& what, const std::function<void()>& fn);

// Everything a NamespaceHandle holds. Shared between the JS object and in-flight workers, so the
// sockets outlive a close() that races a dump; fds close with the last owner.
struct NsState {
  ~NsState();
  std::string path;               // "" = the process's own namespace
  int nsFd = -1;                  // keeps the namespace reachable for helpers that must enter it
  uint64_t inode = 0;
  std::unique_ptr<NlSocket> req;  // requests and dumps (NlSocket::mu serializes them)
  int eventFd = -1;               // the multicast socket, handed to the event thread
  std::atomic<bool> closed{false};

  std::string Name() const { return path.empty() ? std::string("host namespace") : "namespace \"" + path + "\""; }
};

// Opens the namespace file (or the process's own), enters it on a helper thread and opens the
// sockets there. Throws SysError naming the path.
std::shared_ptr<NsState> OpenNamespace(const std::string& path);

// One entry of OpenNamespaces: the state, or why that namespace could not be opened.
struct OpenResult {
  std::shared_ptr<NsState> st;
  int err = 0;
  std::string message;
};

// OpenNamespace for many paths at once: a helper thread enters them in turn and opens each one's
// sockets there (a thread per namespace costs ten times more on a host of a thousand pods; a long
// list is shared by a few helpers, one per core). "" is the process's own namespace, opened on the
// calling thread. A path that fails fails its entry only.
std::vector<OpenResult> OpenNamespaces(const std::vector<std::string>& paths);

// `ip netns add NAME` for many names at once: /run/netns made a shared mount point, one file per
// name, each bind-mounted from a fresh namespace made by unshare on one helper thread.
// Returns the created paths; on error removes what it made and throws.
void CreateNamedNamespaces(const std::vector<std::string>& names);

// `ip netns del NAME`: lazy unmount and unlink.
void DeleteNamedNamespaces(const std::vector<std::string>& names);

// Writes one allow-listed sysctl (e.g. net.ipv4.ip_forward) inside the namespace at nsPath
// ("" = own) from a thread entered into it, so /proc/sys/net shows that namespace.
void SetSysctl(const std::string& nsPath, const std::string& key, const std::string& value);

// Validates a `ip netns` name (what iproute2 accepts: no '/', not . or .., not empty, < NAME_MAX).
void CheckNetnsName(const std::string& name);

// Validates an interface name: 1..15 bytes, no '/', ':', whitespace, not . or ..
void CheckIfName(const std::string& name, const std::string& what);

}  // namespace vnet
