// The link names and ifindexes of one namespace as a mutation batch goes along: read once (one
// link dump, names only), then kept up to date with the batch's own creates, renames, moves and
// deletes, with ifindexes chosen up front for new links so later ops of the batch can name them
// before the kernel answered.
#pragma once

#include <map>
#include <set>
#include <string>

#include "mutate.h"
#include "nl_socket.h"

namespace vnet {

class LinkTable {
 public:
  // Reads the namespace's links (names only) through sock.
  explicit LinkTable(NlSocket& sock);
  void Add(const std::string& name, int index) {
    byName_[name] = index;
    Reserve(index);
  }
  void Remove(int index) {
    for (auto it = byName_.begin(); it != byName_.end(); ++it)
      if (it->second == index) { byName_.erase(it); break; }
  }
  void Rename(int index, const std::string& to) { Remove(index); Add(to, index); }
  bool Exists(const std::string& name) const { return byName_.count(name) != 0; }
  // Resolves a reference; 0 when a name is unknown.
  int Resolve(const LinkRef& r) const {
    if (r.index > 0) return r.index;
    auto it = byName_.find(r.name);
    return it == byName_.end() ? 0 : it->second;
  }
  // An ifindex nobody uses in this namespace (the kernel would pick one too, but later ops of the
  // batch need to know it before the kernel answers).
  int Fresh() {
    while (used_.count(next_)) next_++;
    int idx = next_;
    Reserve(idx);
    return idx;
  }
  void Reserve(int index) {
    used_.insert(index);
    if (index >= next_) next_ = index + 1;  // new links go above every index seen (not into holes a
                                            // just-deleted device may still hold in the kernel)
  }

 private:
  std::map<std::string, int> byName_;
  std::set<int> used_;
  int next_ = 2;
};

}  // namespace vnet
