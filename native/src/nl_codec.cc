#include "nl_codec.h"

namespace vnet {

MsgBuilder::MsgBuilder(uint16_t type, uint16_t flags) {
  buf_.reserve(512);
  buf_.resize(NLMSG_HDRLEN, 0);
  nlmsghdr* h = Header();
  h->nlmsg_len = NLMSG_HDRLEN;
  h->nlmsg_type = type;
  h->nlmsg_flags = flags;
}

void* MsgBuilder::Append(const void* data, size_t len) {
  size_t off = buf_.size();
  buf_.resize(off + NLMSG_ALIGN(len), 0);
  if (data && len) std::memcpy(buf_.data() + off, data, len);
  Header()->nlmsg_len = static_cast<uint32_t>(buf_.size());
  return buf_.data() + off;
}

void MsgBuilder::Put(uint16_t type, const void* data, size_t len) {
  nlattr a{};
  a.nla_len = static_cast<uint16_t>(NLA_HDRLEN + len);
  a.nla_type = type;
  size_t off = buf_.size();
  buf_.resize(off + NLA_HDRLEN + NLA_ALIGN(len), 0);
  std::memcpy(buf_.data() + off, &a, sizeof a);
  if (data && len) std::memcpy(buf_.data() + off + NLA_HDRLEN, data, len);
  Header()->nlmsg_len = static_cast<uint32_t>(buf_.size());
}

size_t MsgBuilder::BeginNested(uint16_t type) {
  size_t off = buf_.size();
  Put(type | NLA_F_NESTED, nullptr, 0);
  return off;
}

void MsgBuilder::EndNested(size_t marker) {
  nlattr* a = reinterpret_cast<nlattr*>(buf_.data() + marker);
  a->nla_len = static_cast<uint16_t>(buf_.size() - marker);
}

Policy::Policy(int max, std::initializer_list<std::pair<int, AttrKind>> kinds)
    : max_(max), kinds_(static_cast<size_t>(max) + 1, AttrKind::Unspec) {
  for (auto& k : kinds)
    if (k.first >= 0 && k.first <= max) kinds_[k.first] = k.second;
}

// Minimum payload size for a kind (Binary/Nested/Str/Unspec accept anything, even empty).
static size_t MinLen(AttrKind k) {
  switch (k) {
    case AttrKind::U8: return 1;
    case AttrKind::U16: return 2;
    case AttrKind::U32: return 4;
    case AttrKind::U64: return 8;
    default: return 0;
  }
}

Attrs::Attrs(const Policy& policy, const void* data, size_t len) { Parse(policy, data, len); }

Attrs::Attrs(const Policy& policy, const nlmsghdr* h, size_t hdrlen) {
  size_t total = h->nlmsg_len;
  size_t start = NLMSG_LENGTH(NLMSG_ALIGN(hdrlen));
  if (total < start) { tb_.assign(policy.max() + 1, nullptr); return; }
  Parse(policy, reinterpret_cast<const uint8_t*>(h) + start, total - start);
}

void Attrs::Parse(const Policy& policy, const void* data, size_t len) {
  tb_.assign(policy.max() + 1, nullptr);
  const uint8_t* p = static_cast<const uint8_t*>(data);
  while (len >= NLA_HDRLEN) {
    const nlattr* a = reinterpret_cast<const nlattr*>(p);
    if (a->nla_len < NLA_HDRLEN || a->nla_len > len) break;  // malformed: stop, keep what we have
    int type = a->nla_type & NLA_TYPE_MASK;
    if (type <= policy.max() && AttrLen(a) >= MinLen(policy.Kind(type))) tb_[type] = a;
    size_t step = NLA_ALIGN(a->nla_len);
    if (step >= len) break;
    p += step;
    len -= step;
  }
}

const nlattr* Attrs::Get(int type) const {
  return (type >= 0 && static_cast<size_t>(type) < tb_.size()) ? tb_[type] : nullptr;
}

uint8_t Attrs::U8(int type, uint8_t def) const {
  const nlattr* a = Get(type);
  return a && AttrLen(a) >= 1 ? *static_cast<const uint8_t*>(AttrData(a)) : def;
}
uint16_t Attrs::U16(int type, uint16_t def) const {
  const nlattr* a = Get(type);
  uint16_t v = def;
  if (a && AttrLen(a) >= 2) std::memcpy(&v, AttrData(a), 2);
  return v;
}
uint32_t Attrs::U32(int type, uint32_t def) const {
  const nlattr* a = Get(type);
  uint32_t v = def;
  if (a && AttrLen(a) >= 4) std::memcpy(&v, AttrData(a), 4);
  return v;
}
uint64_t Attrs::U64(int type, uint64_t def) const {
  const nlattr* a = Get(type);
  uint64_t v = def;
  if (a && AttrLen(a) >= 8) std::memcpy(&v, AttrData(a), 8);
  return v;
}
std::string Attrs::Str(int type, bool* found) const {
  const nlattr* a = Get(type);
  if (found) *found = a != nullptr;
  if (!a) return std::string();
  const char* s = static_cast<const char*>(AttrData(a));
  size_t n = AttrLen(a);
  return std::string(s, strnlen(s, n));
}
const void* Attrs::Payload(int type, size_t* len) const {
  const nlattr* a = Get(type);
  if (!a) { *len = 0; return nullptr; }
  *len = AttrLen(a);
  return AttrData(a);
}

}  // namespace vnet
