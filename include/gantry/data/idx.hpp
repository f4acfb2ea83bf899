#pragma once
// IDX files (the MNIST / Fashion-MNIST format), raw or gzip-compressed: zlib's gzread
// reads both. Only unsigned-byte payloads (type 0x08) occur in these datasets.
#include <zlib.h>

#include <cstdint>
#include <string>
#include <vector>

#include "../core/error.hpp"

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
  auto read_exact = [&](void* dst, std::size_t n, const char* what) {
    std::size_t got = 0;
    while (got < n) {
      const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n - got, 1u << 30));
      const int r = gzread(f, static_cast<char*>(dst) + got, chunk);
      if (r < 0) {
        int err = 0;
        fail<FormatError>(path, ": corrupt data while reading ", what, " (", gzerror(f, &err), ")");
      }
      if (r == 0) fail<FormatError>(path, ": truncated: expected ", n, " bytes of ", what, ", found ", got);
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
  std::size_t total = 1;
  for (int i = 0; i < rank; ++i) {
    std::uint8_t b[4];
    read_exact(b, 4, "the dimensions");
    const int64_t d = (int64_t{b[0]} << 24) | (int64_t{b[1]} << 16) | (int64_t{b[2]} << 8) | int64_t{b[3]};
    out.dims.push_back(d);
    total *= static_cast<std::size_t>(d);
  }
  out.bytes.resize(total);
  read_exact(out.bytes.data(), total, "the payload");
  return out;
}

}  // namespace gantry::data
