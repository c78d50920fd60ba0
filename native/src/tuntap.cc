#include "tuntap.h"

#include <fcntl.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstring>

#include "error.h"
#include "netns.h"
#include "nl_codec.h"
#include "nl_socket.h"

namespace vnet {

int CreateTunTap(const TunTapSpec& spec, int nsFd) {
  std::string what = std::string(spec.tap ? "tap" : "tun") + " \"" + spec.name + "\"";
  bool ownFd = false;
  if (nsFd < 0 && !spec.nsPath.empty()) {
    nsFd = open(spec.nsPath.c_str(), O_RDONLY | O_CLOEXEC);
    if (nsFd < 0) throw SysError(errno, what + ": namespace \"" + spec.nsPath + "\"");
    ownFd = true;
  }
  int index = 0;
  try {
    // /dev/net/tun creates the device in the namespace of the calling thread: a helper entered
    // into the target namespace does it.
    RunInNamespace(nsFd, what, [&] {
      if (if_nametoindex(spec.name.c_str()) != 0) throw SysError(EEXIST, what);  // TUNSETIFF would attach, not create
      int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
      if (fd < 0) throw SysError(errno, what + ": /dev/net/tun");
      auto fail = [&](const char* step) { int e = errno; close(fd); throw SysError(e, what + ": " + step); };
      if (spec.index > 0) {
        unsigned int want = static_cast<unsigned int>(spec.index);
        if (ioctl(fd, TUNSETIFINDEX, &want) < 0) fail("TUNSETIFINDEX");
      }
      ifreq ifr{};
      std::strncpy(ifr.ifr_name, spec.name.c_str(), IFNAMSIZ - 1);
      ifr.ifr_flags = static_cast<short>((spec.tap ? IFF_TAP : IFF_TUN) | IFF_NO_PI);
      if (ioctl(fd, TUNSETIFF, &ifr) < 0) fail("TUNSETIFF");
      if (spec.owner >= 0 && ioctl(fd, TUNSETOWNER, spec.owner) < 0) fail("TUNSETOWNER");
      if (spec.group >= 0 && ioctl(fd, TUNSETGROUP, spec.group) < 0) fail("TUNSETGROUP");
      if (!spec.alias.empty()) {
        // The alias (an ownership mark) before the device is made persistent: until then it
        // lives only as long as this fd, so no crash can leave it behind without its mark.
        try {
          MsgBuilder m(RTM_NEWLINK, NLM_F_REQUEST);
          m.Family<ifinfomsg>()->ifi_index = static_cast<int>(if_nametoindex(spec.name.c_str()));
          m.PutStr(IFLA_IFALIAS, spec.alias);
          NlSocket sock(OpenRouteSocket());
          sock.Request(m, what + ": alias");
        } catch (...) { close(fd); throw; }
      }
      if (ioctl(fd, TUNSETPERSIST, 1) < 0) fail("TUNSETPERSIST");
      index = static_cast<int>(if_nametoindex(spec.name.c_str()));
      close(fd);
    });
  } catch (...) {
    if (ownFd) close(nsFd);
    throw;
  }
  if (ownFd) close(nsFd);
  return index;
}

}  // namespace vnet
