// One capture socket: the filter compiled by libpcap, the AF_PACKET socket opened in the
// interface's namespace, its TPACKET_V3 ring, and the kernel's counts.
// <net/if.h> before the <linux/...> headers: they then leave struct ifreq and IFF_* to glibc.
#include <net/if.h>
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <pcap/pcap.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <mutex>

#include "capture.h"
#include "error.h"

namespace vnet {

int LinkTypeOfArphrd(int arphrd) {
  switch (arphrd) {
    case ARPHRD_ETHER:
    case ARPHRD_LOOPBACK:  // the kernel gives lo's packets an (all-zero) Ethernet header
      return kLinkEthernet;
    case ARPHRD_NONE:      // tun, wireguard: the packet starts at its IP header
    case ARPHRD_TUNNEL:
    case ARPHRD_TUNNEL6:
    case ARPHRD_SIT:
    case ARPHRD_IPGRE:
    case ARPHRD_RAWIP:
      return kLinkRaw;
    default:
      return 0;
  }
}

std::vector<uint8_t> CompileFilter(const std::string& filter, int linkType, int snaplen) {
  // Older libpcaps kept the parser's state in globals; one compile at a time costs nothing here.
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  pcap_t* dead = pcap_open_dead(linkType == kLinkRaw ? DLT_RAW : DLT_EN10MB, snaplen);
  if (!dead) throw SysError(ENOMEM, "filter: pcap_open_dead");
  bpf_program prog{};
  if (pcap_compile(dead, &prog, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) < 0) {
    std::string msg = pcap_geterr(dead);
    pcap_close(dead);
    // libpcap's words are the message (no errno text after them).
    throw SysError(SysError::Preformatted{}, EINVAL, "filter \"" + filter + "\" does not compile: " + msg, "");
  }
  std::vector<uint8_t> out(prog.bf_len * sizeof(sock_filter));
  static_assert(sizeof(bpf_insn) == sizeof(sock_filter), "libpcap's and the kernel's BPF instructions differ");
  std::memcpy(out.data(), prog.bf_insns, out.size());
  pcap_freecode(&prog);
  pcap_close(dead);
  return out;
}

CaptureSock::~CaptureSock() {
  if (ring) munmap(ring, ringBytes);
  if (fd >= 0) close(fd);
}

void CaptureSock::ReadKernelStats() {
  tpacket_stats_v3 st{};
  socklen_t len = sizeof st;
  if (fd >= 0 && getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) {
    kernelPackets += st.tp_packets;
    kernelDrops += st.tp_drops;
  }
}

namespace {
void SetOpt(int fd, int level, int name, const void* v, socklen_t len, const std::string& what) {
  if (setsockopt(fd, level, name, v, len) < 0) throw SysError(errno, what);
}
}  // namespace

std::shared_ptr<CaptureSock> OpenCapture(const NsState& st, const CaptureSpec& spec) {
  auto s = std::make_shared<CaptureSock>();
  s->ifindex = spec.ifindex;
  s->maxQueuedBytes = spec.maxQueuedBytes;
  s->epbInterface = spec.epbInterface;
  std::string what = "capture on ifindex " + std::to_string(spec.ifindex) + " in " + st.Name();
  auto open = [&] {
    // Protocol 0: the socket receives nothing until bind() below, after the filter is attached.
    s->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s->fd < 0) {
      int e = errno;
      throw SysError(e, what + (e == EPERM ? ": a packet socket needs CAP_NET_RAW (run as root)" : ": socket(AF_PACKET)"));
    }
    ifreq ifr{};
    ifr.ifr_ifindex = spec.ifindex;
    if (ioctl(s->fd, SIOCGIFNAME, &ifr) < 0) throw SysError(errno, what + ": no such interface");
    s->ifname = ifr.ifr_name;
    what = "capture on \"" + s->ifname + "\" in " + st.Name();
    if (ioctl(s->fd, SIOCGIFHWADDR, &ifr) < 0) throw SysError(errno, what + ": SIOCGIFHWADDR");
    s->arphrd = ifr.ifr_hwaddr.sa_family;
    s->linkType = LinkTypeOfArphrd(s->arphrd);
    if (!s->linkType) throw SysError(EPROTONOSUPPORT, what + ": link type ARPHRD " + std::to_string(s->arphrd) + " is not supported");
    s->loopback = s->arphrd == ARPHRD_LOOPBACK;

    std::vector<uint8_t> code = CompileFilter(spec.filter, s->linkType, spec.snaplen);
    sock_fprog prog{};
    prog.len = static_cast<unsigned short>(code.size() / sizeof(sock_filter));
    prog.filter = reinterpret_cast<sock_filter*>(code.data());
    SetOpt(s->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog, what + ": SO_ATTACH_FILTER");

    int version = TPACKET_V3;
    SetOpt(s->fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version, what + ": PACKET_VERSION");
    tpacket_req3 req{};
    req.tp_block_size = static_cast<unsigned>(spec.blockBytes);
    req.tp_block_nr = spec.blocks;
    req.tp_frame_size = 2048;  // only checked by the kernel for V3 (frames are variable-length)
    req.tp_frame_nr = static_cast<unsigned>(spec.blockBytes * spec.blocks / req.tp_frame_size);
    req.tp_retire_blk_tov = 10;  // ms: a block with packets goes to us this soon even when not full
    SetOpt(s->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req, what + ": PACKET_RX_RING");
    s->blockBytes = spec.blockBytes;
    s->blocks = spec.blocks;
    s->ringBytes = spec.blockBytes * spec.blocks;
    void* m = mmap(nullptr, s->ringBytes, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
    if (m == MAP_FAILED) throw SysError(errno, what + ": mmap of the ring");
    s->ring = static_cast<uint8_t*>(m);

    // Promiscuous while the socket lives, as tcpdump does: a bridge passes frames between its
    // ports up to its own device (where the capture sees them) only when that is promiscuous.
    // The kernel counts the membership and drops it when the socket closes.
    if (spec.promisc) {
      packet_mreq mr{};
      mr.mr_ifindex = spec.ifindex;
      mr.mr_type = PACKET_MR_PROMISC;
      SetOpt(s->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr, what + ": promiscuous mode");
    }
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = spec.ifindex;
    if (bind(s->fd, reinterpret_cast<sockaddr*>(&sll), sizeof sll) < 0) throw SysError(errno, what + ": bind");
    // Counting starts now (the first read resets what bind may have counted).
    s->ReadKernelStats();
    s->kernelPackets = s->kernelDrops = 0;
  };
  RunInNamespace(st.path.empty() ? -1 : st.nsFd, what, open);
  return s;
}

}  // namespace vnet
