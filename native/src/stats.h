// The counter sweep: one RTM_GETSTATS dump (IFLA_STATS_LINK_64 only) of a namespace, flattened on
// the worker thread into columns, so JS gets two typed arrays instead of one object per interface.
#pragma once

#include <cstdint>
#include <vector>

#include "nl_socket.h"

namespace vnet {

struct StatsColumns {
  std::vector<int32_t> ifindex;
  std::vector<double> values;  // 8 per interface, protocol STATS_FIELDS order
};

// Caller holds sock.mu.
StatsColumns SweepStats(NlSocket& sock);

}  // namespace vnet
