// Packet capture. A capture socket is an AF_PACKET socket bound to one interface, opened on a
// helper thread entered into that interface's namespace, with a memory-mapped TPACKET_V3 ring (a
// burst costs no system call per packet) and a classic BPF filter compiled by libpcap for the
// interface's link type and attached in the kernel. ONE capture thread per Node environment polls
// every capture ring (epoll) and hands batches of packets to JS through ONE ThreadSafeFunction,
// copied into JS-owned buffers. Bounded: when JS falls behind, packets are dropped here and counted.
// On request each packet is copied already framed as a pcapng Enhanced Packet Block, so the writer
// moves whole blocks (runs of them) instead of building one per packet.
#pragma once

#include <napi.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "netns.h"
#include "poll_thread.h"

namespace vnet {

// pcap link types the captures produce (LINKTYPE_ETHERNET, LINKTYPE_RAW).
constexpr int kLinkEthernet = 1;
constexpr int kLinkRaw = 101;

// The link type of an ARPHRD_* hardware type, or 0 when captures do not support it.
int LinkTypeOfArphrd(int arphrd);

// Compiles `filter` with libpcap for `linkType` and `snaplen`; throws InvalidArg carrying
// libpcap's own message when it does not compile. The program's instructions are returned.
std::vector<uint8_t> CompileFilter(const std::string& filter, int linkType, int snaplen);

struct CaptureSpec {
  int ifindex = 0;
  std::string filter;
  int snaplen = 262144;
  // One TPACKET_V3 block: it holds a 64 KiB GSO packet; a larger frame is cut to what fits (the
  // kernel says so in its length). The kernel hands a block over when full or tp_retire_blk_tov
  // after its first packet, so under a flood a block holds about that long's packets, and the ring
  // holds blocks × that: many small blocks ride out a capture thread kept off the CPU longer
  // than few large ones of the same memory.
  size_t blockBytes = 256 << 10;
  unsigned blocks = 16;          // the ring is blocks × blockBytes
  size_t maxQueuedBytes = 16 << 20;  // packet bytes waiting for JS at most; past that, dropped
  bool promisc = true;
  int epbInterface = -1;  // >= 0: each packet framed as a pcapng Enhanced Packet Block of this interface id
};

// One open capture socket and its ring. Shared by the JS object and the capture thread.
struct CaptureSock {
  ~CaptureSock();
  int fd = -1;
  uint8_t* ring = nullptr;
  size_t ringBytes = 0, blockBytes = 0;
  unsigned blocks = 0, next = 0;  // next: the block the capture thread reads next
  int ifindex = 0, arphrd = 0, linkType = 0;
  std::string ifname;
  bool loopback = false;          // lo shows each packet twice (out and in): outgoing ones are skipped
  int epbInterface = -1;          // as in CaptureSpec
  size_t maxQueuedBytes = 0;
  std::atomic<size_t> queuedBytes{0};
  std::atomic<size_t> queuedBatches{0};  // deliveries waiting for JS (bounded by kMaxQueuedBatches)
  std::atomic<uint64_t> appDropped{0};
  // PACKET_STATISTICS resets on every read: the totals are kept here (main thread only).
  uint64_t kernelPackets = 0, kernelDrops = 0;
  void ReadKernelStats();
};

// Opens the socket inside st's namespace (on a helper thread that entered it), sets up the ring,
// attaches the compiled filter, then binds to the interface, so nothing unfiltered is ever queued.
// Throws SysError naming the interface (EPERM without CAP_NET_RAW) or InvalidArg for the filter.
std::shared_ptr<CaptureSock> OpenCapture(const NsState& st, const CaptureSpec& spec);

// The capture thread and the sockets it watches (one per environment). Like EventHub, the thread
// and its TSFN exist only while a capture does, so an idle process holds nothing.
class CaptureHub {
 public:
  struct Sub;
  explicit CaptureHub(napi_env env);
  ~CaptureHub();
  CaptureHub(const CaptureHub&) = delete;
  CaptureHub& operator=(const CaptureHub&) = delete;

  // Main thread: start delivering the socket's packets to onPackets(batch).
  uint64_t Add(std::shared_ptr<CaptureSock> sock, Napi::Function onPackets);
  // Main thread: after it returns the thread no longer reads the socket and nothing more reaches
  // its callback. Unknown ids are ignored.
  void Remove(uint64_t id);

 private:
  struct Delivery;
  static void CallJs(Napi::Env env, Napi::Function unused, std::nullptr_t* context, Delivery* d);
  using Tsfn = Napi::TypedThreadSafeFunction<std::nullptr_t, Delivery, &CaptureHub::CallJs>;

  void Start();
  void StopThread();
  static void CleanupHook(void* self);

  // Capture thread (the Loop given to thread_).
  void Ready(void* tag, uint32_t events);
  void Watch(const std::shared_ptr<Sub>& s);
  void Unwatch(Sub& s);
  void Drain(const std::shared_ptr<Sub>& s);
  void Fail(const std::shared_ptr<Sub>& s, int err);

  napi_env env_;
  bool gone_ = false;
  uint64_t nextId_ = 1;
  std::map<uint64_t, std::shared_ptr<Sub>> live_;
  Tsfn tsfn_;
  std::map<uint64_t, std::shared_ptr<Sub>> watched_;  // capture thread only
  PollThread thread_;  // last, so it stops before what it reads goes
};

// The JS face: openCapture(handleState, spec, onPackets) and compileFilter(...) are exported by
// addon.cc through these (it owns the NamespaceHandle class and the environment's data).
using StateOf = std::function<std::shared_ptr<NsState>(Napi::Value)>;
void RegisterCapture(Napi::Env env, Napi::Object exports, std::shared_ptr<CaptureHub> hub, StateOf stateOf);

}  // namespace vnet
