#pragma once
// What gantry's libFuzzer targets share (scripts/fuzz builds and runs them): the input as a
// file, for the readers that take a path, and the rule that a gantry error is the expected
// way to refuse bad bytes, while anything else (a crash, a sanitizer report, std::bad_alloc
// or another exception, a hang) is a finding.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "gantry/core/error.hpp"

namespace gantry_fuzz {

// The input written to a file of this process's own in $TMPDIR (or /tmp), its path returned.
inline const std::string& as_file(const std::uint8_t* data, std::size_t size, const char* suffix = "") {
  static const std::string path = [&] {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir && *dir ? dir : "/tmp") + "/gantry_fuzz_" + std::to_string(::getpid()) + suffix;
  }();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || (size && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) std::abort();
  return path;
}

// Runs f; gantry's own errors are how a reader refuses bad bytes.
template <class F>
void refusing_is_fine(F&& f) {
  try {
    f();
  } catch (const gantry::Error&) {
  }
}

// A property that must hold for any input a reader accepted.
inline void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "gantry fuzz: property violated: %s\n", what);
    std::abort();
  }
}

}  // namespace gantry_fuzz
