// The netlink wire codec: building requests (header, family header, attributes, nested attributes)
// and reading replies (walking messages, indexing attributes by type under a small policy table).
// It knows nothing about links or routes or JavaScript: translate.cc gives the bytes meaning.
#pragma once

#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

namespace vnet {

// ---- building ------------------------------------------------------------------------------

// One request message in a growable buffer. nlmsg_len is kept right after every append, so the
// bytes are always a valid message; pointers into the buffer are only valid until the next append.
class MsgBuilder {
 public:
  MsgBuilder(uint16_t type, uint16_t flags);

  // Appends the zeroed family header (ifinfomsg, rtmsg, ...) and returns it for filling in.
  template <class T>
  T* Family() { return static_cast<T*>(Append(nullptr, sizeof(T))); }

  void Put(uint16_t type, const void* data, size_t len);
  void PutU8(uint16_t type, uint8_t v) { Put(type, &v, 1); }
  void PutU16(uint16_t type, uint16_t v) { Put(type, &v, 2); }
  void PutU32(uint16_t type, uint32_t v) { Put(type, &v, 4); }
  void PutS32(uint16_t type, int32_t v) { Put(type, &v, 4); }
  void PutStr(uint16_t type, const std::string& s) { Put(type, s.c_str(), s.size() + 1); }
  void PutFlag(uint16_t type) { Put(type, nullptr, 0); }

  // Nested attributes: Begin returns a marker, End patches the nest's length.
  size_t BeginNested(uint16_t type);
  void EndNested(size_t marker);

  // A second message header inside an attribute (VETH_INFO_PEER carries an ifinfomsg) is just
  // bytes; Append exposes the raw append for that.
  void* Append(const void* data, size_t len);

  nlmsghdr* Header() { return reinterpret_cast<nlmsghdr*>(buf_.data()); }
  const uint8_t* Data() const { return buf_.data(); }
  size_t Size() const { return buf_.size(); }

 private:
  std::vector<uint8_t> buf_;
};

// ---- reading -------------------------------------------------------------------------------

// What an attribute's payload must look like to be accepted. An attribute shorter than its kind
// needs is treated as absent rather than read past its end (a kernel newer or odder than us).
enum class AttrKind : uint8_t { Unspec = 0, U8, U16, U32, U64, Str, Binary, Nested };

// A policy: attribute type -> kind, for types 0..max. Types beyond max are ignored.
class Policy {
 public:
  Policy(int max, std::initializer_list<std::pair<int, AttrKind>> kinds);
  int max() const { return max_; }
  AttrKind Kind(int type) const { return kinds_[type]; }

 private:
  int max_;
  std::vector<AttrKind> kinds_;
};

// Attributes of one message (or one nest) indexed by type. Lookups of absent types return null.
class Attrs {
 public:
  Attrs(const Policy& policy, const void* data, size_t len);
  // The family-header variant: attributes start after `hdrlen` bytes of payload of `h`.
  Attrs(const Policy& policy, const nlmsghdr* h, size_t hdrlen);

  const nlattr* Get(int type) const;
  bool Has(int type) const { return Get(type) != nullptr; }
  uint8_t U8(int type, uint8_t def = 0) const;
  uint16_t U16(int type, uint16_t def = 0) const;
  uint32_t U32(int type, uint32_t def = 0) const;
  int32_t S32(int type, int32_t def = 0) const { return static_cast<int32_t>(U32(type, static_cast<uint32_t>(def))); }
  uint64_t U64(int type, uint64_t def = 0) const;
  // String attribute (NUL-terminated or not); `found` says whether it was present.
  std::string Str(int type, bool* found = nullptr) const;
  const void* Payload(int type, size_t* len) const;

 private:
  void Parse(const Policy& policy, const void* data, size_t len);
  std::vector<const nlattr*> tb_;
};

inline const void* AttrData(const nlattr* a) { return reinterpret_cast<const uint8_t*>(a) + NLA_HDRLEN; }
inline size_t AttrLen(const nlattr* a) { return a->nla_len - NLA_HDRLEN; }

// Calls fn(const nlmsghdr*) for every complete message in a buffer of concatenated messages.
template <class Fn>
void ForEachMsg(const uint8_t* data, size_t len, Fn fn) {
  const nlmsghdr* h = reinterpret_cast<const nlmsghdr*>(data);
  int left = static_cast<int>(len);
  for (; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) fn(h);
}

// Payload of a message, past its family header; null when the message is too short for it.
template <class T>
const T* FamilyOf(const nlmsghdr* h) {
  if (h->nlmsg_len < NLMSG_LENGTH(sizeof(T))) return nullptr;
  return static_cast<const T*>(NLMSG_DATA(h));
}

}  // namespace vnet
