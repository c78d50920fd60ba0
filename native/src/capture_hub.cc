// The capture thread: every capture ring in one epoll, blocks walked as the kernel retires them,
// packets copied into one batch per socket per wake-up (framed as pcapng blocks when asked) and
// handed to JS. The thread, its wake-ups and commands are a PollThread (poll_thread.h); the
// caller waits until the thread has taken up, or let go of, a socket.
#include <linux/if_packet.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>

#include "capture.h"
#include "listener_call.h"
#include "error.h"
#include "worker.h"

namespace vnet {

namespace {
// Deliveries one socket may have waiting for JS; past that its packets are dropped and counted
// (a batch's bytes are bounded by maxQueuedBytes, this bounds the number of small ones).
constexpr size_t kMaxQueuedBatches = 256;

// One packet's place in a batch.
struct Meta {
  uint32_t sec, nsec, len, caplen, offset;
  uint8_t pkttype;
};

// A pcapng Enhanced Packet Block around a packet's bytes: kEpbHead bytes before them (block type,
// total length, interface id, the timestamp's high and low 32 bits in ns, captured and wire
// length), then the bytes padded to 4, then kEpbTail bytes (the epb_flags option, opt_endofopt,
// the total length again). Little-endian, as the section header electron/capture/pcapng.ts writes.
constexpr size_t kEpbHead = 28, kEpbTail = 16;
constexpr uint32_t kEpbType = 6;

inline void PutLe32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v); p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16); p[3] = static_cast<uint8_t>(v >> 24);
}

// epb_flags of an sll_pkttype: bits 0-1 direction (1 inbound, 2 outbound), bits 2-4 reception
// (1 unicast, 2 multicast, 3 broadcast, 4 promiscuous); the same as pcapng.ts's epbFlags.
inline uint32_t EpbFlags(uint8_t pkttype) {
  switch (pkttype) {
    case PACKET_OUTGOING: return 2;
    case PACKET_HOST: return 1 | (1 << 2);
    case PACKET_MULTICAST: return 1 | (2 << 2);
    case PACKET_BROADCAST: return 1 | (3 << 2);
    case PACKET_OTHERHOST: return 1 | (4 << 2);
    default: return 1;
  }
}

// A batch's bytes: grows geometrically (a batch reallocates rarely) and leaves what it adds
// uninitialized (the caller writes every byte of it).
class Bytes {
 public:
  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  const uint8_t* data() const { return p_.get(); }
  // Room for `more` bytes at the end.
  uint8_t* Extend(size_t more) {
    if (n_ + more > cap_) {
      size_t cap = std::max({n_ + more, 2 * cap_, size_t{16} << 10});
      std::unique_ptr<uint8_t[]> q(new uint8_t[cap]);
      if (n_) std::memcpy(q.get(), p_.get(), n_);
      p_ = std::move(q);
      cap_ = cap;
    }
    uint8_t* at = p_.get() + n_;
    n_ += more;
    return at;
  }

 private:
  std::unique_ptr<uint8_t[]> p_;
  size_t n_ = 0, cap_ = 0;
};
}  // namespace

struct CaptureHub::Sub {
  uint64_t id = 0;
  CaptureHub* hub = nullptr;
  std::shared_ptr<CaptureSock> sock;
  // Main thread only.
  Napi::FunctionReference cb;
  bool active = true;
  // Capture thread only.
  bool inEpoll = false;
};

struct CaptureHub::Delivery {
  std::shared_ptr<Sub> sub;
  std::vector<Meta> meta;
  Bytes data;
  uint64_t appDropped = 0;
  int err = 0;  // the socket failed; nothing follows
};

CaptureHub::CaptureHub(napi_env env)
    : env_(env), thread_(PollThread::Loop{{}, [this](void* tag, uint32_t events) { Ready(tag, events); }, {}, {}}) {}

CaptureHub::~CaptureHub() {
  if (thread_.Running()) StopThread();
}

uint64_t CaptureHub::Add(std::shared_ptr<CaptureSock> sock, Napi::Function onPackets) {
  if (gone_) throw SysError(ESHUTDOWN, "capture: the environment is shutting down");
  if (!thread_.Running()) Start();
  auto s = std::make_shared<Sub>();
  s->id = nextId_++;
  s->hub = this;
  s->sock = std::move(sock);
  s->cb = Napi::Persistent(onPackets);
  live_[s->id] = s;
  thread_.Call([this, s] { Watch(s); });
  return s->id;
}

void CaptureHub::Remove(uint64_t id) {
  auto it = live_.find(id);
  if (it == live_.end()) return;
  std::shared_ptr<Sub> s = it->second;
  live_.erase(it);
  s->active = false;
  s->cb.Reset();
  if (live_.empty()) StopThread();
  else thread_.Call([this, s] { Unwatch(*s); });
}

void CaptureHub::Start() {
  thread_.Open("capture");
  tsfn_ = Tsfn::New(env_, "vnet-capture", 0, 1);
  thread_.Start("vnet-capture");
  napi_add_env_cleanup_hook(env_, CleanupHook, this);
}

void CaptureHub::StopThread() {
  thread_.Stop();
  watched_.clear();
  tsfn_.Release();  // batches still queued run CallJs and are dropped there (inactive)
  napi_remove_env_cleanup_hook(env_, CleanupHook, this);
}

void CaptureHub::CleanupHook(void* self) {
  auto* hub = static_cast<CaptureHub*>(self);
  hub->gone_ = true;
  for (auto& [id, s] : hub->live_) {
    s->active = false;
    s->cb.Reset();
  }
  hub->live_.clear();
  if (hub->thread_.Running()) hub->StopThread();
}

void CaptureHub::CallJs(Napi::Env env, Napi::Function, std::nullptr_t*, Delivery* d) {
  std::unique_ptr<Delivery> own(d);
  Sub& s = *d->sub;
  s.sock->queuedBytes.fetch_sub(d->data.size());
  s.sock->queuedBatches.fetch_sub(1);
  if (!env || !s.active) return;
  size_t n = d->meta.size();
  // JS-owned memory (Electron refuses external buffers): allocated, then copied.
  Napi::Float64Array sec = Napi::Float64Array::New(env, n);
  Napi::Uint32Array nsec = Napi::Uint32Array::New(env, n);
  Napi::Uint32Array len = Napi::Uint32Array::New(env, n);
  Napi::Uint32Array caplen = Napi::Uint32Array::New(env, n);
  Napi::Uint32Array offset = Napi::Uint32Array::New(env, n);
  Napi::Uint8Array pkttype = Napi::Uint8Array::New(env, n);
  // A Buffer made as a copy: its memory is not zeroed first.
  Napi::Uint8Array data = d->data.empty() ? Napi::Uint8Array::New(env, 0)
                                          : Napi::Buffer<uint8_t>::Copy(env, d->data.data(), d->data.size());
  for (size_t i = 0; i < n; i++) {
    const Meta& m = d->meta[i];
    sec[i] = m.sec; nsec[i] = m.nsec; len[i] = m.len; caplen[i] = m.caplen; offset[i] = m.offset; pkttype[i] = m.pkttype;
  }
  Napi::Object batch = Napi::Object::New(env);
  batch.Set("count", Napi::Number::New(env, static_cast<double>(n)));
  batch.Set("sec", sec);
  batch.Set("nsec", nsec);
  batch.Set("len", len);
  batch.Set("caplen", caplen);
  batch.Set("offset", offset);
  batch.Set("pkttype", pkttype);
  batch.Set("data", data);
  batch.Set("appDropped", Napi::Number::New(env, static_cast<double>(d->appDropped)));
  if (d->err) {
    std::string msg = "capture on \"" + s.sock->ifname + "\": " + std::strerror(d->err) + " (" + ErrnoName(d->err) + ")";
    batch.Set("error", PromiseWorker::MakeError(env, msg, d->err, "").Value());
  }
  CallListener(env, s.cb.Value(), {batch});
}

// ---- the capture thread -------------------------------------------------------------------------

void CaptureHub::Ready(void* tag, uint32_t events) {
  Sub* raw = static_cast<Sub*>(tag);
  auto it = watched_.find(raw->id);
  if (it == watched_.end() || !raw->inEpoll) return;
  std::shared_ptr<Sub> s = it->second;
  Drain(s);  // what the ring holds first: packets before the error still count
  if (events & EPOLLERR) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(s->sock->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    // ENETDOWN: the interface went down (or was down when the socket was bound). The kernel
    // unhooks the socket and hooks it again when the interface comes up, so the capture goes on;
    // reading SO_ERROR cleared the error. An interface deleted or moved away also says ENETDOWN
    // here: the engine's model ends those captures.
    if (err && err != ENETDOWN) Fail(s, err);
  }
}

void CaptureHub::Watch(const std::shared_ptr<Sub>& s) {
  watched_[s->id] = s;
  if (int err = thread_.Watch(s->sock->fd, s.get())) Fail(s, err);
  else s->inEpoll = true;
  Drain(s);  // blocks retired before it was watched
}

void CaptureHub::Unwatch(Sub& s) {
  if (s.inEpoll) thread_.Unwatch(s.sock->fd);
  s.inEpoll = false;
  watched_.erase(s.id);
}

void CaptureHub::Fail(const std::shared_ptr<Sub>& s, int err) {
  if (s->inEpoll) thread_.Unwatch(s->sock->fd);
  s->inEpoll = false;
  auto d = std::make_unique<Delivery>();
  d->sub = s;
  d->err = err;
  d->appDropped = s->sock->appDropped.load();
  s->sock->queuedBatches.fetch_add(1);
  if (tsfn_.NonBlockingCall(d.get()) == napi_ok) d.release();
  else s->sock->queuedBatches.fetch_sub(1);
}

// Walks every block the kernel handed over (TP_STATUS_USER), in ring order, and gives each back.
void CaptureHub::Drain(const std::shared_ptr<Sub>& s) {
  CaptureSock& k = *s->sock;
  auto d = std::make_unique<Delivery>();
  d->sub = s;
  uint64_t droppedBefore = k.appDropped.load();
  const bool epb = k.epbInterface >= 0;
  for (unsigned seen = 0; seen < k.blocks; seen++) {
    auto* bd = reinterpret_cast<tpacket_block_desc*>(k.ring + static_cast<size_t>(k.next) * k.blockBytes);
    if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER)) break;
    uint32_t count = bd->hdr.bh1.num_pkts;
    auto* p = reinterpret_cast<uint8_t*>(bd) + bd->hdr.bh1.offset_to_first_pkt;
    for (uint32_t i = 0; i < count; i++) {
      auto* h = reinterpret_cast<tpacket3_hdr*>(p);
      auto* sll = reinterpret_cast<sockaddr_ll*>(p + TPACKET_ALIGN(sizeof(tpacket3_hdr)));
      if (!(k.loopback && sll->sll_pkttype == PACKET_OUTGOING)) {
        uint32_t cap = h->tp_snaplen;
        size_t padded = (cap + 3) & ~size_t{3};
        size_t bytes = epb ? kEpbHead + padded + kEpbTail : cap;
        size_t waiting = k.queuedBytes.load() + d->data.size();
        if (waiting + bytes > k.maxQueuedBytes || k.queuedBatches.load() >= kMaxQueuedBatches) {
          k.appDropped.fetch_add(1);  // JS is behind: this packet is not kept
        } else {
          uint8_t* at = d->data.Extend(bytes);
          uint8_t* bytesAt = epb ? at + kEpbHead : at;
          std::memcpy(bytesAt, p + h->tp_mac, cap);
          if (epb) {
            uint32_t total = static_cast<uint32_t>(bytes);
            uint64_t ns = uint64_t{h->tp_sec} * 1000000000u + h->tp_nsec;
            PutLe32(at, kEpbType); PutLe32(at + 4, total); PutLe32(at + 8, static_cast<uint32_t>(k.epbInterface));
            PutLe32(at + 12, static_cast<uint32_t>(ns >> 32)); PutLe32(at + 16, static_cast<uint32_t>(ns));
            PutLe32(at + 20, cap); PutLe32(at + 24, h->tp_len);
            uint8_t* tail = bytesAt + padded;
            std::memset(bytesAt + cap, 0, padded - cap);
            PutLe32(tail, 2 | (4u << 16));  // option epb_flags (code 2), 4 bytes
            PutLe32(tail + 4, EpbFlags(sll->sll_pkttype));
            PutLe32(tail + 8, 0);           // opt_endofopt
            PutLe32(tail + 12, total);
          }
          d->meta.push_back(Meta{h->tp_sec, h->tp_nsec, h->tp_len, cap, static_cast<uint32_t>(bytesAt - d->data.data()), sll->sll_pkttype});
        }
      }
      p += h->tp_next_offset;
    }
    __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    k.next = (k.next + 1) % k.blocks;
  }
  uint64_t dropped = k.appDropped.load();
  if (d->meta.empty() && (dropped == droppedBefore || k.queuedBatches.load() > 0)) return;  // a later batch says it
  d->appDropped = dropped;
  k.queuedBytes.fetch_add(d->data.size());
  k.queuedBatches.fetch_add(1);
  if (tsfn_.NonBlockingCall(d.get()) != napi_ok) {  // only while Node shuts down
    k.queuedBytes.fetch_sub(d->data.size());
    k.queuedBatches.fetch_sub(1);
    return;
  }
  d.release();
}

}  // namespace vnet
