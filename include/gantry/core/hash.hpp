#pragma once
// FNV-1a (64 bit): a content hash for cache keys (feature sets, weights files), not for
// security. Bytes are fed in order; hex() is 16 lowercase hex digits.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace gantry {

class Fnv1a {
 public:
  Fnv1a& add(const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) {
      h_ ^= p[i];
      h_ *= 0x100000001b3ull;
    }
    return *this;
  }
  // A string and its terminating zero, so that ("ab", "c") and ("a", "bc") differ.
  Fnv1a& add(std::string_view s) {
    add(s.data(), s.size());
    const char zero = 0;
    return add(&zero, 1);
  }
  Fnv1a& add_int(std::int64_t v) { return add(&v, sizeof v); }
  std::uint64_t value() const { return h_; }
  std::string hex() const {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h_));
    return buf;
  }

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ull;
};

}  // namespace gantry
