// ping(): one ICMP echo from inside a namespace (see ping.h). The work runs on a libuv pool
// thread that waits at most timeoutMs (the caller bounds it); only the socket is opened on a
// thread entered into the namespace, as every socket here is.
#include "ping.h"

#include <arpa/inet.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "error.h"
#include "worker.h"

namespace vnet {

namespace {

constexpr int kMaxPayload = 1024;
constexpr int kMaxTimeoutMs = 30000;

struct PingSpec {
  int family = 4;
  sockaddr_storage dst{};
  socklen_t dstLen = 0;
  uint16_t ident = 0, seq = 0;
  std::vector<uint8_t> payload;
  int timeoutMs = 1000;
};

struct PingOutcome {
  int sendErr = 0;
  bool answered = false;
  bool echoReply = false;  // else an ICMP error quoting the echo
  std::string from;
  int type = 0, code = 0;
  double rttUs = 0;
};

uint16_t Checksum(const uint8_t* p, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < n; i += 2) sum += (p[i] << 8) | p[i + 1];
  if (n & 1) sum += p[n - 1] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return htons(static_cast<uint16_t>(~sum));
}

uint16_t Be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

// An echo header (type, code, checksum, identifier, sequence) at p, of ours?
bool OurEcho(const uint8_t* p, size_t n, uint8_t type, const PingSpec& s) {
  return n >= 8 && p[0] == type && Be16(p + 4) == s.ident && Be16(p + 6) == s.seq;
}

// Reads one received message (IPv4: from the IP header; IPv6: from the ICMPv6 header) and fills
// `out` when it answers the echo of `s`.
bool Matches(const uint8_t* b, size_t n, const PingSpec& s, PingOutcome& out) {
  const uint8_t* icmp = b;
  size_t len = n;
  if (s.family == 4) {
    if (n < 20) return false;
    size_t ihl = (b[0] & 0x0f) * 4u;
    if (ihl < 20 || ihl > n) return false;
    icmp = b + ihl;
    len = n - ihl;
  }
  if (len < 8) return false;
  uint8_t type = icmp[0];
  uint8_t replyType = s.family == 4 ? ICMP_ECHOREPLY : ICMPV6_ECHO_REPLY;
  uint8_t requestType = s.family == 4 ? ICMP_ECHO : ICMPV6_ECHO_REQUEST;
  if (type == replyType) {
    if (!OurEcho(icmp, len, replyType, s)) return false;
    if (len - 8 < s.payload.size() || std::memcmp(icmp + 8, s.payload.data(), s.payload.size()) != 0) return false;
    out.echoReply = true;
  } else {
    // An error quotes the offending packet after its 8-byte header: its IP header, then our echo.
    const uint8_t* q = icmp + 8;
    size_t ql = len - 8;
    if (s.family == 4) {
      if (type != ICMP_DEST_UNREACH && type != ICMP_TIME_EXCEEDED && type != ICMP_PARAMETERPROB) return false;
      if (ql < 20) return false;
      size_t ihl = (q[0] & 0x0f) * 4u;
      if (ihl < 20 || ihl + 8 > ql || q[9] != IPPROTO_ICMP) return false;
      if (!OurEcho(q + ihl, ql - ihl, requestType, s)) return false;
    } else {
      if (type != ICMPV6_DEST_UNREACH && type != ICMPV6_PKT_TOOBIG && type != ICMPV6_TIME_EXCEED && type != ICMPV6_PARAMPROB) return false;
      if (ql < 48 || q[6] != IPPROTO_ICMPV6) return false;
      if (!OurEcho(q + 40, ql - 40, requestType, s)) return false;
    }
    out.echoReply = false;
  }
  out.answered = true;
  out.type = type;
  out.code = icmp[1];
  return true;
}

void RunPing(const NsState& st, const PingSpec& s, PingOutcome& out) {
  std::string what = "ping in " + st.Name();
  int fd = -1;
  RunInNamespace(st.nsFd, what, [&] {
    fd = s.family == 4 ? socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMP)
                       : socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMPV6);
    if (fd < 0) throw SysError(errno, what + ": raw ICMP socket");
  });
  struct Closer { int fd; ~Closer() { close(fd); } } closer{fd};
  // Only echo replies and errors reach the socket (the kernel filters by type).
  if (s.family == 4) {
    icmp_filter f{};
    f.data = ~((1u << ICMP_ECHOREPLY) | (1u << ICMP_DEST_UNREACH) | (1u << ICMP_TIME_EXCEEDED) | (1u << ICMP_PARAMETERPROB));
    setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof f);
  } else {
    icmp6_filter f;
    std::memset(&f, 0xff, sizeof f);  // a set bit blocks the type
    for (int t : {ICMPV6_ECHO_REPLY, ICMPV6_DEST_UNREACH, ICMPV6_PKT_TOOBIG, ICMPV6_TIME_EXCEED, ICMPV6_PARAMPROB})
      f.data[t >> 5] &= ~(1u << (t & 31));
    setsockopt(fd, IPPROTO_ICMPV6, ICMPV6_FILTER, &f, sizeof f);
  }
  std::vector<uint8_t> msg(8 + s.payload.size());
  msg[0] = s.family == 4 ? ICMP_ECHO : ICMPV6_ECHO_REQUEST;
  msg[4] = s.ident >> 8; msg[5] = s.ident & 0xff;
  msg[6] = s.seq >> 8; msg[7] = s.seq & 0xff;
  std::memcpy(msg.data() + 8, s.payload.data(), s.payload.size());
  // ICMPv6's checksum covers a pseudo-header: the kernel fills it in on raw ICMPv6 sockets.
  if (s.family == 4) {
    uint16_t c = Checksum(msg.data(), msg.size());
    std::memcpy(msg.data() + 2, &c, 2);
  }
  auto t0 = std::chrono::steady_clock::now();
  if (sendto(fd, msg.data(), msg.size(), 0, reinterpret_cast<const sockaddr*>(&s.dst), s.dstLen) < 0) {
    out.sendErr = errno;
    return;
  }
  auto deadline = t0 + std::chrono::milliseconds(s.timeoutMs);
  std::vector<uint8_t> buf(65536);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return;
    pollfd p{fd, POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw SysError(errno, what + ": poll");
    if (r == 0) return;
    for (;;) {
      sockaddr_storage from{};
      socklen_t fl = sizeof from;
      ssize_t n = recvfrom(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &fl);
      if (n < 0) break;  // EAGAIN: read all there was
      if (!Matches(buf.data(), static_cast<size_t>(n), s, out)) continue;
      out.rttUs = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
      char text[INET6_ADDRSTRLEN] = "";
      if (from.ss_family == AF_INET) inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&from)->sin_addr, text, sizeof text);
      else inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&from)->sin6_addr, text, sizeof text);
      out.from = text;
      return;
    }
  }
}

int IntOpt(Napi::Object o, const char* key, int min, int max) {
  Napi::Value v = o.Get(key);
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!std::isfinite(d) || d != std::floor(d) || d < min || d > max)
    throw InvalidArg("ping: options." + std::string(key) + " must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
  return static_cast<int>(d);
}

PingSpec ParseSpec(Napi::Object o) {
  PingSpec s;
  Napi::Value a = o.Get("address");
  if (!a.IsString()) throw InvalidArg("ping: options.address must be a string");
  std::string addr = a.As<Napi::String>();
  auto* v4 = reinterpret_cast<sockaddr_in*>(&s.dst);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&s.dst);
  if (inet_pton(AF_INET, addr.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    s.family = 4;
    s.dstLen = sizeof *v4;
  } else if (inet_pton(AF_INET6, addr.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    s.family = 6;
    s.dstLen = sizeof *v6;
  } else {
    throw InvalidArg("ping: options.address \"" + addr + "\" is not an IPv4 or IPv6 address");
  }
  s.ident = static_cast<uint16_t>(IntOpt(o, "ident", 0, 65535));
  s.seq = static_cast<uint16_t>(IntOpt(o, "seq", 0, 65535));
  s.timeoutMs = IntOpt(o, "timeoutMs", 1, kMaxTimeoutMs);
  Napi::Value p = o.Get("payload");
  if (!p.IsTypedArray() || p.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    throw InvalidArg("ping: options.payload must be a Uint8Array");
  Napi::Uint8Array pa = p.As<Napi::Uint8Array>();
  if (pa.ElementLength() > kMaxPayload) throw InvalidArg("ping: options.payload is longer than " + std::to_string(kMaxPayload) + " bytes");
  s.payload.assign(pa.Data(), pa.Data() + pa.ElementLength());
  return s;
}

}  // namespace

void RegisterPing(Napi::Env env, Napi::Object exports, std::function<std::shared_ptr<NsState>(Napi::Value)> stateOf) {
  // ping(handle, {address, ident, seq, payload, timeoutMs}):
  //   Promise<{sendError: Error | null, reply: {echoReply, from, type, code, rttUs} | null}>
  exports.Set("ping", Napi::Function::New(env, [stateOf](const Napi::CallbackInfo& info) -> Napi::Value {
    Napi::Env env = info.Env();
    std::shared_ptr<NsState> st;
    PingSpec spec;
    try {
      if (info.Length() < 2 || !info[1].IsObject()) throw InvalidArg("ping(handle, options): wrong argument types");
      st = stateOf(info[0]);
      if (!st || st->closed) throw SysError(EBADF, "ping: the first argument is not an open NamespaceHandle");
      spec = ParseSpec(info[1].As<Napi::Object>());
    } catch (const SysError& e) {
      return PromiseWorker::Rejected(env, e);
    }
    auto out = std::make_shared<PingOutcome>();
    return PromiseWorker::Start(env, [st, spec, out] { RunPing(*st, spec, *out); },
        [out, st](Napi::Env env) -> Napi::Value {
          Napi::Object r = Napi::Object::New(env);
          r.Set("sendError", out->sendErr
              ? PromiseWorker::MakeError(env, SysError::Format(out->sendErr, "ping in " + st->Name() + ": send", ""), out->sendErr, "").Value()
              : env.Null());
          if (!out->answered) {
            r.Set("reply", env.Null());
          } else {
            Napi::Object a = Napi::Object::New(env);
            a.Set("echoReply", out->echoReply);
            a.Set("from", out->from);
            a.Set("type", out->type);
            a.Set("code", out->code);
            a.Set("rttUs", out->rttUs);
            r.Set("reply", a);
          }
          return r;
        });
  }, "ping"));
}

}  // namespace vnet
