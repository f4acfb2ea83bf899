#pragma once
// IDX files (the MNIST / Fashion-MNIST format), raw or gzip-compressed: zlib's gzread
// reads both. Only unsigned-byte payloads (type 0x08) occur in these datasets.
#include <zlib.h>

#include <cstdint>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/shape.hpp"

namespace gantry::data {

struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<std::uint8_t> bytes;  // row-major
};

inline IdxArray read_idx(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) fail<FormatError>(path, ": cannot open (expected an IDX file, raw or .gz)");
  struct Closer {
    gzFile f;
    ~Closer() { gzclose(f); }
  } closer{f};
  // Reads n bytes of `what` into dst; `already` bytes of it came before (for the message).
  auto read_exact = [&](void* dst, std::size_t n, const char* what, std::size_t already = 0, std::size_t whole = 0) {
    std::size_t got = 0;
    while (got < n) {
      const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n - got, 1u << 30));
      const int r = gzread(f, static_cast<char*>(dst) + got, chunk);
      if (r < 0) {
        int err = 0;
        fail<FormatError>(path, ": corrupt data while reading ", what, " (", gzerror(f, &err), ")");
      }
      if (r == 0)
        fail<FormatError>(path, ": truncated: expected ", whole ? whole : n, " bytes of ", what, ", found ", already + got);
      got += static_cast<std::size_t>(r);
    }
  };
  std::uint8_t magic[4];
  read_exact(magic, 4, "the magic number");
  if (magic[0] != 0 || magic[1] != 0)
    fail<FormatError>(path, ": not an IDX file: expected magic bytes 00 00, found ", int(magic[0]), " ", int(magic[1]));
  if (magic[2] != 0x08)
    fail<FormatError>(path, ": expected unsigned-byte data (type 0x08), found type 0x", std::hex, int(magic[2]));
  const int rank = magic[3];
  if (rank < 1 || rank > 4) fail<FormatError>(path, ": expected 1 to 4 dimensions, found ", rank);
  IdxArray out;
  for (int i = 0; i < rank; ++i) {
    std::uint8_t b[4];
    read_exact(b, 4, "the dimensions");
    out.dims.push_back((int64_t{b[0]} << 24) | (int64_t{b[1]} << 16) | (int64_t{b[2]} << 8) | int64_t{b[3]});
  }
  std::size_t total = 0;
  try {
    total = static_cast<std::size_t>(checked_numel(out.dims.data(), out.dims.size()));
  } catch (const ShapeError&) {
    std::string dims;
    for (int64_t d : out.dims) dims += (dims.empty() ? "" : " x ") + std::to_string(d);
    fail<FormatError>(path, ": the dimensions ", dims, " describe more than 2^63 bytes");
  }
  // The payload grows as it arrives (16 MiB at a time), so a short or hostile file that claims
  // huge dimensions fails as truncated without gantry allocating what it claims.
  constexpr std::size_t step = std::size_t{1} << 24;
  for (std::size_t got = 0; got < total; got += step) {
    const std::size_t n = std::min(step, total - got);
    out.bytes.resize(got + n);
    read_exact(out.bytes.data() + got, n, "the payload", got, total);
  }
  return out;
}

}  // namespace gantry::data
