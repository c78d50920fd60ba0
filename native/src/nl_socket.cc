#include "nl_socket.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <ctime>

namespace vnet {

namespace {
constexpr int kDumpRetries = 5;
constexpr size_t kRecvBuf = 64 * 1024;  // kernel dump skbs are at most 32 KiB
constexpr size_t kBatchWindowBytes = 48 * 1024;
constexpr size_t kBatchWindowMsgs = 256;

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif
}  // namespace

int OpenRouteSocket() {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) throw SysError(errno, "netlink socket");
  int one = 1;
  // Extended acks: the kernel's own words on refusal. Capped acks: an error does not echo the
  // whole request back. Strict checking: dump requests with bad headers are refused, not guessed.
  setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof one);
  // Large enough that a pipelined batch's acks never overflow the queue (acks are dropped, not
  // blocked, when it is full).
  SetRcvbuf(fd, 4 << 20);
  // A safety net: never hang a worker thread forever on a kernel that does not answer.
  timeval tv{30, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_nl sa{};
  sa.nl_family = AF_NETLINK;
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
    int e = errno;
    close(fd);
    throw SysError(e, "netlink bind");
  }
  return fd;
}

void SetRcvbuf(int fd, int bytes) {
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) < 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
}

int ParseAck(const nlmsghdr* h, std::string* extack) {
  if (h->nlmsg_len < NLMSG_LENGTH(sizeof(int))) return EPROTO;
  int error = *static_cast<const int*>(NLMSG_DATA(h));
  if (extack) extack->clear();
  // Where the TLVs start: after the nlmsgerr (and after the echoed request unless capped).
  size_t off;
  if (h->nlmsg_type == NLMSG_DONE) {
    off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(int));
  } else {
    if (h->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) return -error;
    const nlmsgerr* e = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
    off = NLMSG_HDRLEN + sizeof(nlmsgerr);
    if (!(h->nlmsg_flags & NLM_F_CAPPED)) off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
  }
  if (extack && (h->nlmsg_flags & NLM_F_ACK_TLVS) && off < h->nlmsg_len) {
    static const Policy kAckPolicy(NLMSGERR_ATTR_MAX, {{NLMSGERR_ATTR_MSG, AttrKind::Str}});
    Attrs tb(kAckPolicy, reinterpret_cast<const uint8_t*>(h) + off, h->nlmsg_len - off);
    *extack = tb.Str(NLMSGERR_ATTR_MSG);
  }
  return -error;  // the kernel sends -errno; 0 is an ack
}

NlSocket::NlSocket(int fd) : fd_(fd), seq_(static_cast<uint32_t>(time(nullptr))) {}

NlSocket::~NlSocket() {
  if (fd_ >= 0) close(fd_);
}

void NlSocket::Send(const void* data, size_t len, const std::string& what) {
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  for (;;) {
    ssize_t n = sendto(fd_, data, len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
    if (n >= 0) return;
    if (errno == EINTR) continue;
    throw SysError(errno, what + ": netlink send");
  }
}

const uint8_t* NlSocket::Recv(size_t* len, const std::string& what) {
  // The buffer belongs to the calling thread, not to the socket: a host with 1,000 namespaces has
  // 1,000 handles but only a few threads reading replies at any time (the libuv pool, a batch's
  // helper thread), and 64 KiB per handle would be ~64 MB resident for nothing.
  thread_local std::vector<uint8_t> buf(kRecvBuf);
  for (;;) {
    ssize_t n = recv(fd_, buf.data(), buf.size(), 0);
    if (n >= 0) {
      *len = static_cast<size_t>(n);
      return buf.data();
    }
    if (errno == EINTR) continue;
    throw SysError(errno, what + ": netlink receive");
  }
}

std::vector<uint8_t> NlSocket::Exchange(MsgBuilder& req, uint16_t flags, const std::string& what,
                                        bool* interrupted) {
  uint32_t seq = ++seq_;
  req.Header()->nlmsg_seq = seq;
  req.Header()->nlmsg_flags |= NLM_F_REQUEST | flags;
  Send(req.Data(), req.Size(), what);
  std::vector<uint8_t> out;
  bool done = false;
  int err = 0;
  std::string extack;
  *interrupted = false;
  while (!done) {
    size_t n;
    const uint8_t* data = Recv(&n, what);
    ForEachMsg(data, n, [&](const nlmsghdr* h) {
      if (done || h->nlmsg_seq != seq) return;  // stale replies of an earlier request
      if (h->nlmsg_flags & NLM_F_DUMP_INTR) *interrupted = true;
      // A dump ends with NLMSG_DONE; a request with NLM_F_ACK with its ack (an NLMSG_ERROR).
      if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
        err = ParseAck(h, &extack);
        done = true;
        return;
      }
      const uint8_t* p = reinterpret_cast<const uint8_t*>(h);
      out.insert(out.end(), p, p + NLMSG_ALIGN(h->nlmsg_len));
    });
  }
  if (err) throw SysError(err, what, extack);
  return out;
}

std::vector<uint8_t> NlSocket::Dump(MsgBuilder& req, const std::string& what) {
  for (int attempt = 0; attempt < kDumpRetries; attempt++) {
    bool interrupted = false;
    std::vector<uint8_t> out = Exchange(req, NLM_F_DUMP, what, &interrupted);
    if (!interrupted) return out;
  }
  throw SysError(EINTR, what + ": dump interrupted " + std::to_string(kDumpRetries) +
                            " times in a row (the kernel's tables kept changing)");
}

std::vector<uint8_t> NlSocket::Request(MsgBuilder& req, const std::string& what) {
  bool interrupted = false;  // only dumps are marked
  return Exchange(req, NLM_F_ACK, what, &interrupted);
}

std::vector<BatchResult> NlSocket::Batch(std::vector<MsgBuilder>& reqs, bool stopOnError) {
  std::vector<BatchResult> results(reqs.size());
  std::vector<uint8_t> window;
  size_t i = 0;
  bool failed = false;
  while (i < reqs.size()) {
    if (failed && stopOnError) {
      for (; i < reqs.size(); i++) results[i].err = ECANCELED;
      break;
    }
    // Pack a window of requests into one datagram: the kernel runs them one after another within
    // the one sendmsg and queues one ack each.
    window.clear();
    uint32_t firstSeq = seq_ + 1;
    size_t start = i;
    while (i < reqs.size() && i - start < kBatchWindowMsgs &&
           (window.empty() || window.size() + reqs[i].Size() <= kBatchWindowBytes)) {
      nlmsghdr* h = reqs[i].Header();
      h->nlmsg_seq = ++seq_;
      h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
      window.insert(window.end(), reqs[i].Data(), reqs[i].Data() + reqs[i].Size());
      i++;
    }
    Send(window.data(), window.size(), "batch");
    size_t pending = i - start;
    while (pending > 0) {
      size_t n;
      const uint8_t* data = Recv(&n, "batch");
      ForEachMsg(data, n, [&](const nlmsghdr* h) {
        if (h->nlmsg_type != NLMSG_ERROR) return;  // batches carry no GETs
        uint32_t d = h->nlmsg_seq - firstSeq;  // unsigned: wraps safely
        if (d >= i - start) return;
        BatchResult& r = results[start + d];
        r.err = ParseAck(h, &r.extack);
        if (r.err) failed = true;
        pending--;
      });
    }
  }
  return results;
}

}  // namespace vnet
