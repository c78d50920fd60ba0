// The counter sweep: one RTM_GETSTATS dump (IFLA_STATS_LINK_64 only) of a namespace, flattened on
// the worker thread into columns, so JS gets two typed arrays instead of one object per interface.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "netns.h"
#include "nl_socket.h"

namespace vnet {

struct StatsColumns {
  std::vector<int32_t> ifindex;
  std::vector<double> values;  // 8 per interface, protocol STATS_FIELDS order
};

// Caller holds sock.mu.
StatsColumns SweepStats(NlSocket& sock);

// One namespace's part of a sweep of many: its columns and when they were read, or its error.
struct StatsRead {
  int err = 0;          // 0 = ok
  std::string message;  // the error, naming the namespace
  double t = 0;         // CLOCK_MONOTONIC ms just before the dump was asked for
  StatsColumns cols;
};

// Dumps each namespace in turn on the calling thread (each socket is already bound to its
// namespace), taking each socket's lock for its own dump only. A null or closed state, or a failed
// dump, fails that entry alone.
std::vector<StatsRead> SweepStatsEach(const std::vector<std::shared_ptr<NsState>>& states);

}  // namespace vnet
