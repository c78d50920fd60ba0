// Tun/tap devices: made with /dev/net/tun and its ioctls (TUNSETIFF, TUNSETPERSIST, ...), not
// rtnetlink, on a helper thread entered into the target namespace (the device is created in the
// namespace of the calling thread).
#pragma once

#include <string>

namespace vnet {

struct TunTapSpec {
  std::string name;
  bool tap = false;
  long owner = -1;
  long group = -1;
  std::string nsPath;  // "" = own namespace (addon-level call) / the handle's namespace (batch)
  int index = 0;       // ifindex to ask for (TUNSETIFINDEX); 0 = kernel's choice
  std::string alias;   // set before TUNSETPERSIST: a crash before it takes the device with it
};

// Creates a persistent tun/tap with /dev/net/tun on a helper thread entered into spec.nsPath
// (or nsFd when >= 0). Returns the new ifindex.
int CreateTunTap(const TunTapSpec& spec, int nsFd = -1);

}  // namespace vnet
