// A minimal JSON text writer for the translation of kernel records (translate.cc). Records are
// written as JSON on the thread that read them and parsed once on Node's main thread: V8's
// JSON.parse builds objects far faster than one N-API call per property, and most of the work
// moves off the main thread.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace vnet {

class JsonWriter {
 public:
  std::string& str() { return out_; }

  void BeginObject() { Sep(); out_ += '{'; first_.push_back(true); }
  void EndObject() { out_ += '}'; first_.pop_back(); }
  void BeginArray() { Sep(); out_ += '['; first_.push_back(true); }
  void EndArray() { out_ += ']'; first_.pop_back(); }

  JsonWriter& Key(const char* k) {
    Sep();
    out_ += '"';
    out_ += k;
    out_ += "\":";
    pendingValue_ = true;
    return *this;
  }
  void Null() { Sep(); out_ += "null"; }
  void Bool(bool b) { Sep(); out_ += b ? "true" : "false"; }
  void Int(int64_t v) { Sep(); out_ += std::to_string(v); }
  void Uint(uint64_t v) { Sep(); out_ += std::to_string(v); }
  void Str(const std::string& s) {
    Sep();
    out_ += '"';
    for (unsigned char c : s) {
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        default:
          if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out_ += buf;
          } else {
            out_ += static_cast<char>(c);  // bytes >= 0x80 pass through; invalid UTF-8 becomes U+FFFD in JS
          }
      }
    }
    out_ += '"';
  }
  // An already complete JSON value (e.g. from another writer).
  void Raw(const std::string& json) { Sep(); out_ += json; }
  void StrOrNull(bool present, const std::string& s) { if (present) Str(s); else Null(); }

 private:
  // Writes the comma between siblings; a value right after its key needs none.
  void Sep() {
    if (pendingValue_) { pendingValue_ = false; return; }
    if (!first_.empty()) {
      if (!first_.back()) out_ += ',';
      first_.back() = false;
    }
  }

  std::string out_;
  std::vector<bool> first_;
  bool pendingValue_ = false;
};

}  // namespace vnet
