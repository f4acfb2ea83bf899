#pragma once
// PNG images: 8-bit grey or RGB, written with zlib (deflate + crc32), which gantry links
// already. A PNG writer is ~60 lines on top of zlib, so this avoids a second image
// library (stb) in the installed package's dependencies; the decoder exists for tests and
// tools and reads the 8-bit grey/RGB/RGBA, non-interlaced files that common writers make.
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "atomic_file.hpp"

namespace gantry::io {

// The value range that maps to 0..255 (values outside it are clamped).
struct PixelRange {
  float lo = -1.0f, hi = 1.0f;
};

// 8-bit pixels, interleaved (H, W, C) row-major: the layout PNG stores.
struct Image8 {
  int64_t width = 0, height = 0;
  int channels = 1;  // 1 (grey), 3 (RGB) or 4 (RGBA, only from read_png)
  std::vector<uint8_t> pixels;

  Image8() = default;
  Image8(int64_t w, int64_t h, int c, uint8_t fill = 0)
      : width(w), height(h), channels(c), pixels(static_cast<std::size_t>(w * h * c), fill) {}
  uint8_t* at(int64_t y, int64_t x) { return pixels.data() + (y * width + x) * channels; }
  const uint8_t* at(int64_t y, int64_t x) const { return pixels.data() + (y * width + x) * channels; }
};

namespace detail {

inline void put_u32(std::string& out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out += static_cast<char>((v >> s) & 0xFF);
}
inline uint32_t get_u32(const unsigned char* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}
// A chunk: length, type, data, CRC over type + data.
inline void put_chunk(std::string& out, const char type[4], std::string_view data) {
  put_u32(out, static_cast<uint32_t>(data.size()));
  const std::size_t start = out.size();
  out.append(type, 4);
  out.append(data);
  const auto* p = reinterpret_cast<const Bytef*>(out.data() + start);
  put_u32(out, static_cast<uint32_t>(::crc32(0L, p, static_cast<uInt>(out.size() - start))));
}
inline constexpr std::string_view png_signature{"\x89PNG\r\n\x1a\n", 8};

inline uint8_t to_byte(double v, PixelRange r) {
  const double t = (v - r.lo) / (static_cast<double>(r.hi) - r.lo) * 255.0;
  return static_cast<uint8_t>(std::lround(std::clamp(t, 0.0, 255.0)));
}

}  // namespace detail

// The PNG file's bytes. Every row uses filter 0 (none): images here are small and
// this keeps the writer trivially correct.
inline std::string encode_png(const Image8& img) {
  check<Error>(img.channels == 1 || img.channels == 3 || img.channels == 4, "write_png: ", img.channels,
               " channels (expected 1, 3 or 4)");
  check<Error>(img.width > 0 && img.height > 0 && img.width < (1 << 30) && img.height < (1 << 30),
               "write_png: invalid size ", img.width, "x", img.height);
  const std::size_t row = static_cast<std::size_t>(img.width * img.channels);
  std::vector<uint8_t> raw;
  raw.reserve((row + 1) * static_cast<std::size_t>(img.height));
  for (int64_t y = 0; y < img.height; ++y) {
    raw.push_back(0);
    raw.insert(raw.end(), img.at(y, 0), img.at(y, 0) + row);
  }
  uLongf zlen = ::compressBound(static_cast<uLong>(raw.size()));
  std::string z(zlen, '\0');
  const int rc = ::compress2(reinterpret_cast<Bytef*>(z.data()), &zlen, raw.data(), static_cast<uLong>(raw.size()), 6);
  check<Error>(rc == Z_OK, "write_png: zlib compress2 failed (", rc, ")");
  z.resize(zlen);

  std::string ihdr;
  detail::put_u32(ihdr, static_cast<uint32_t>(img.width));
  detail::put_u32(ihdr, static_cast<uint32_t>(img.height));
  const char color_type = img.channels == 1 ? 0 : img.channels == 3 ? 2 : 6;
  ihdr += '\x08';  // bit depth
  ihdr += color_type;
  ihdr.append(3, '\0');  // compression, filter method, no interlace

  std::string out(detail::png_signature);
  detail::put_chunk(out, "IHDR", ihdr);
  detail::put_chunk(out, "IDAT", z);
  detail::put_chunk(out, "IEND", {});
  return out;
}

// Writes `img` to `path` atomically (a reader never sees a half-written PNG).
inline void write_png(const std::string& path, const Image8& img) {
  const std::string bytes = encode_png(img);
  AtomicFile f(path, "write_png");
  f.write(bytes.data(), bytes.size());
  f.commit();
}

// A [C, H, W] (C = 1 or 3) or [H, W] tensor as 8-bit pixels: `range` maps to 0..255,
// values outside it are clamped.
template <class T>
Image8 to_image8(const Tensor<T, cpu>& image, PixelRange range = {}) {
  const Shape& s = image.shape();
  const bool chw = s.rank() == 3 && (s[0] == 1 || s[0] == 3);
  check<ShapeError>(s.rank() == 2 || chw, "write_png: image shape ", s, " is not [H, W] or [C, H, W] with C = 1 or 3");
  check<Error>(range.hi > range.lo, "write_png: empty range [", range.lo, ", ", range.hi, "]");
  const int c = chw ? static_cast<int>(s[0]) : 1;
  const int64_t h = s[s.rank() - 2], w = s[s.rank() - 1];
  Image8 img(w, h, c);
  const T* src = image.data();
  for (int k = 0; k < c; ++k)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) img.at(y, x)[k] = detail::to_byte(src[(k * h + y) * w + x], range);
  return img;
}

template <class T>
void write_png(const std::string& path, const Tensor<T, cpu>& image, PixelRange range = {}) {
  write_png(path, to_image8(image, range));
}

// Decodes PNG bytes: 8-bit grey, RGB or RGBA, non-interlaced, any row filter. Checks the
// signature and every chunk's CRC.
inline Image8 decode_png(std::string_view bytes) {
  using detail::get_u32;
  check<FormatError>(bytes.substr(0, 8) == detail::png_signature, "read_png: not a PNG file (bad signature)");
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t i = 8;
  Image8 img;
  std::string z;
  bool have_header = false, ended = false;
  while (!ended) {
    check<FormatError>(i + 12 <= bytes.size(), "read_png: truncated file at byte ", i);
    const uint32_t len = get_u32(p + i);
    check<FormatError>(len <= bytes.size() - i - 12, "read_png: chunk at byte ", i, " runs past the end");
    const std::string_view type = bytes.substr(i + 4, 4);
    const unsigned char* data = p + i + 8;
    const uint32_t crc = static_cast<uint32_t>(::crc32(0L, p + i + 4, len + 4));
    check<FormatError>(crc == get_u32(data + len), "read_png: CRC mismatch in chunk ", type);
    if (type == "IHDR") {
      check<FormatError>(len == 13, "read_png: IHDR has ", len, " bytes");
      img.width = get_u32(data);
      img.height = get_u32(data + 4);
      const int depth = data[8], color = data[9], interlace = data[12];
      check<FormatError>(depth == 8 && (color == 0 || color == 2 || color == 6) && interlace == 0,
                         "read_png: unsupported format (bit depth ", depth, ", colour type ", color, ", interlace ",
                         interlace, "); only 8-bit grey/RGB/RGBA non-interlaced");
      img.channels = color == 0 ? 1 : color == 2 ? 3 : 4;
      have_header = img.width > 0 && img.height > 0;
    } else if (type == "IDAT") {
      z.append(reinterpret_cast<const char*>(data), len);
    } else if (type == "IEND") {
      ended = true;
    }
    i += 12 + len;
  }
  check<FormatError>(have_header, "read_png: missing or empty IHDR");
  // zlib expands at most ~1032:1, so the data bounds the image: a small file that claims a huge
  // one is refused before anything that size is allocated (and the products cannot overflow).
  check<FormatError>(img.width <= (int64_t{1} << 31) - 1 && img.height <= (int64_t{1} << 31) - 1,
                     "read_png: IHDR's size ", img.width, " x ", img.height, " exceeds PNG's limit of 2^31 - 1");
  const std::size_t row = static_cast<std::size_t>(img.width * img.channels);
  const double claimed = static_cast<double>(row + 1) * static_cast<double>(img.height);
  check<FormatError>(claimed <= 1032.0 * static_cast<double>(z.size()) + 1024.0, "read_png: IHDR says ", img.width,
                     " x ", img.height, " pixels, but the image data has only ", z.size(),
                     " compressed bytes, which cannot hold that many");
  uLongf rawlen = static_cast<uLongf>((row + 1) * static_cast<std::size_t>(img.height));
  std::vector<uint8_t> raw(rawlen);
  const int rc = ::uncompress(raw.data(), &rawlen, reinterpret_cast<const Bytef*>(z.data()), static_cast<uLong>(z.size()));
  check<FormatError>(rc == Z_OK && rawlen == raw.size(), "read_png: corrupt image data (zlib ", rc, ")");
  img.pixels.assign(row * static_cast<std::size_t>(img.height), 0);
  const int bpp = img.channels;
  for (int64_t y = 0; y < img.height; ++y) {
    const uint8_t filter = raw[static_cast<std::size_t>(y) * (row + 1)];
    const uint8_t* in = raw.data() + static_cast<std::size_t>(y) * (row + 1) + 1;
    uint8_t* out = img.pixels.data() + static_cast<std::size_t>(y) * row;
    const uint8_t* up = y > 0 ? out - row : nullptr;
    check<FormatError>(filter <= 4, "read_png: row ", y, " has unknown filter ", int(filter));
    for (std::size_t x = 0; x < row; ++x) {
      const int a = x >= std::size_t(bpp) ? out[x - bpp] : 0, b = up ? up[x] : 0,
                c = (up && x >= std::size_t(bpp)) ? up[x - bpp] : 0;
      int pred = 0;
      switch (filter) {
        case 1: pred = a; break;
        case 2: pred = b; break;
        case 3: pred = (a + b) / 2; break;
        case 4: {
          const int pp = a + b - c, pa = std::abs(pp - a), pb = std::abs(pp - b), pc = std::abs(pp - c);
          pred = (pa <= pb && pa <= pc) ? a : pb <= pc ? b : c;
          break;
        }
        default: break;
      }
      out[x] = static_cast<uint8_t>(in[x] + pred);
    }
  }
  return img;
}

inline Image8 read_png(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  check<Error>(bool(f), "read_png: cannot open ", path);
  const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return decode_png(bytes);
}

}  // namespace gantry::io
