// A NETLINK_ROUTE socket and the request/reply discipline on it: dumps (with NLM_F_DUMP_INTR
// retry), single requests acknowledged by the kernel (with extended-ack text on refusal), and
// pipelined batches. A socket is bound to the namespace of the thread that created it, for life.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "error.h"
#include "nl_codec.h"

namespace vnet {

// Opens a NETLINK_ROUTE socket in the calling thread's network namespace with extended acks,
// capped acks and strict dump checking on. Throws SysError.
int OpenRouteSocket();

// Sets SO_RCVBUF (SO_RCVBUFFORCE first, so a root process can go below/above the sysctl limits).
void SetRcvbuf(int fd, int bytes);

// One op's outcome in a batch.
struct BatchResult {
  int err = 0;            // 0 = acknowledged
  std::string extack;     // kernel's words when it refused
};

class NlSocket {
 public:
  explicit NlSocket(int fd);
  ~NlSocket();
  NlSocket(const NlSocket&) = delete;
  NlSocket& operator=(const NlSocket&) = delete;

  int fd() const { return fd_; }

  // Sends a dump request (NLM_F_DUMP is added) and returns every reply message concatenated.
  // A dump the kernel marks NLM_F_DUMP_INTR is retried a few times, then fails with a message
  // containing 'interrupted'. `what` names the dump in errors.
  std::vector<uint8_t> Dump(MsgBuilder& req, const std::string& what);

  // Sends one request with NLM_F_ACK and waits for the ack; reply messages before the ack
  // (a GET's answer) are returned concatenated. Throws SysError naming `what`.
  std::vector<uint8_t> Request(MsgBuilder& req, const std::string& what);

  // Sends many requests pipelined (several per sendmsg) and collects every ack. The kernel runs
  // them in order; a refusal does not stop the following ones that were already sent, but no
  // further window is sent after a window with a failure when stopOnError is set (those ops get
  // err = ECANCELED).
  std::vector<BatchResult> Batch(std::vector<MsgBuilder>& reqs, bool stopOnError);

  // Serializes users of this socket: a dump's replies must not interleave with another request.
  std::mutex mu;

 private:
  void Send(const void* data, size_t len, const std::string& what);
  // Receives one datagram into the calling thread's buffer; returns it (valid until that
  // thread's next Recv) and its length in *len.
  const uint8_t* Recv(size_t* len, const std::string& what);
  // The one request/reply loop of Dump and Request: sends `req` with NLM_F_REQUEST | `flags` and
  // collects the reply messages of its sequence number up to the closing NLMSG_DONE or
  // NLMSG_ERROR (ack); throws SysError if that carries an error. Sets *interrupted if any reply
  // was marked NLM_F_DUMP_INTR.
  std::vector<uint8_t> Exchange(MsgBuilder& req, uint16_t flags, const std::string& what,
                                bool* interrupted);

  int fd_;
  uint32_t seq_;
};

// Reads an NLMSG_ERROR's (or NLMSG_DONE's) error code and the extended-ack message if any.
int ParseAck(const nlmsghdr* h, std::string* extack);

}  // namespace vnet
