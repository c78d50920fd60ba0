// One error type for everything that can fail below the N-API glue: an errno, the object it was
// about (named in the message, e.g. `veth "red-eth0"`), and the kernel's extended-ack text when it
// gave one. addon.cc turns it into a JS Error with `errno` and `code` ('EEXIST') properties.
#pragma once

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace vnet {

// 'EEXIST' for EEXIST; "E<n>" when libc does not know the number.
inline std::string ErrnoName(int err) {
  const char* n = strerrorname_np(err);
  return n ? std::string(n) : "E" + std::to_string(err);
}

class SysError : public std::runtime_error {
 public:
  // `context` names the object ("veth \"red-eth0\""); the message reads
  // `<context>: <strerror> (<CODE>)` plus `: <kernel words>` when the kernel explained itself.
  SysError(int err, const std::string& context, const std::string& extack = "")
      : std::runtime_error(Format(err, context, extack)), err_(err), extack_(extack) {}
  // A message already formatted by Format (e.g. carried over from a batch op's result).
  struct Preformatted {};
  SysError(Preformatted, int err, const std::string& message, const std::string& extack)
      : std::runtime_error(message), err_(err), extack_(extack) {}

  int err() const { return err_; }
  const std::string& extack() const { return extack_; }

  static std::string Format(int err, const std::string& context, const std::string& extack) {
    std::string m = context.empty() ? "" : context + ": ";
    m += std::strerror(err);
    m += " (" + ErrnoName(err) + ")";
    if (!extack.empty()) m += ": " + extack;
    return m;
  }

 private:
  int err_;
  std::string extack_;
};

// Errors that are about bad input, caught before the kernel is touched (EINVAL, named).
inline SysError InvalidArg(const std::string& what) { return SysError(EINVAL, what); }

}  // namespace vnet
