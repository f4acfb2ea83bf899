#pragma once
// A folder of PNG/JPEG images as a LabeledImages set, with torchvision's ImageFolder
// semantics: classes are the sorted names of the root's sub-directories, label k = the
// k-th name; with no sub-directories, the images directly in the root form one class 0.
// Each image is resized so that its shorter side is `size` and centre-cropped to
// size x size, like torchvision's Resize(size) + CenterCrop(size).
//
// Decoding uses stb_image (Debian's libstb-dev). Its implementation is compiled here with
// STB_IMAGE_STATIC, so every translation unit gets private copies and two units that
// include this header do not define the same symbols twice. A unit that includes
// <stb/stb_image.h> itself must do so after this header (the declarations are shared).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/parallel.hpp"
#include "../core/tensor.hpp"
#include "../io/png.hpp"
#include "fashion_mnist.hpp"

#ifndef GANTRY_STB_IMAGE_INCLUDED
#define GANTRY_STB_IMAGE_INCLUDED
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wdouble-promotion"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wshadow"
#endif
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#include <stb/stb_image.h>
#undef STB_IMAGE_IMPLEMENTATION
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
#endif

namespace gantry::data {

struct ImageFolderOptions {
  int64_t size = 64;  // side S of the square images
  int channels = 3;   // 1 (grey: stb's luminance) or 3 (RGB; grey is replicated); alpha is dropped
  bool recursive = true;  // also take images in nested directories of each class directory
};

namespace detail {

inline bool is_image_file(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

inline std::filesystem::path image_folder_root(const std::string& root) {
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec))
    fail<FormatError>("image_folder: ", root, " is not a directory", ec ? " (" + ec.message() + ")" : std::string());
  return root;
}

// The image files under `dir`, sorted by path so that the order is deterministic.
inline std::vector<std::string> image_files(const std::filesystem::path& dir, bool recursive) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  auto take = [&](const fs::directory_entry& e) {
    if (e.is_regular_file() && is_image_file(e.path())) files.push_back(e.path().string());
  };
  if (recursive) {
    for (const auto& e : fs::recursive_directory_iterator(dir, fs::directory_options::follow_directory_symlink)) take(e);
  } else {
    for (const auto& e : fs::directory_iterator(dir)) take(e);
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Output sample i of n covers the source interval [i * scale, (i + 1) * scale) with
// scale = in / out. Shrinking averages every source pixel by its overlap with that
// interval (a box filter, which is exact area averaging); enlarging interpolates linearly
// between pixel centres (half-pixel convention, edges clamped), as bilinear resizing does.
struct Taps {
  std::vector<int64_t> first;      // first source index per output sample
  std::vector<int64_t> count;      // number of source pixels per output sample
  std::vector<std::vector<float>> w;  // their weights, summing to 1
};

inline Taps resize_taps(int64_t in, int64_t out) {
  Taps t;
  const double scale = double(in) / double(out);
  for (int64_t i = 0; i < out; ++i) {
    std::vector<float> w;
    int64_t first = 0;
    if (in > out) {
      const double lo = i * scale, hi = (i + 1) * scale;
      first = static_cast<int64_t>(std::floor(lo));
      const int64_t last = std::min<int64_t>(in - 1, static_cast<int64_t>(std::ceil(hi)) - 1);
      for (int64_t s = first; s <= last; ++s)
        w.push_back(static_cast<float>((std::min(hi, double(s + 1)) - std::max(lo, double(s))) / scale));
    } else {
      const double src = std::clamp((i + 0.5) * scale - 0.5, 0.0, double(in - 1));
      first = static_cast<int64_t>(std::floor(src));
      const double f = src - double(first);
      w.push_back(static_cast<float>(1.0 - f));
      if (first + 1 < in) w.push_back(static_cast<float>(f));
    }
    t.first.push_back(first);
    t.count.push_back(static_cast<int64_t>(w.size()));
    t.w.push_back(std::move(w));
  }
  return t;
}

// torchvision's CenterCrop offset: int(round((in - out) / 2.0)), Python rounding half to even.
inline int64_t centre_offset(int64_t in, int64_t out) {
  const int64_t d = in - out, k = d / 2;
  return (d % 2 == 0 || k % 2 == 0) ? k : k + 1;
}

// Resizes interleaved 8-bit pixels (h x w x c) so the shorter side becomes s, crops the
// centre s x s and writes it planar ([c, s, s], values / 255) to `dst`.
inline void resize_crop(const unsigned char* px, int64_t w, int64_t h, int c, int64_t s, float* dst) {
  // Resize(size) keeps the aspect ratio: the longer side becomes int(s * long / short).
  const int64_t rw = w <= h ? s : std::max<int64_t>(s, s * w / h);
  const int64_t rh = h < w ? s : std::max<int64_t>(s, s * h / w);
  const int64_t x0 = centre_offset(rw, s), y0 = centre_offset(rh, s);
  const Taps tx = resize_taps(w, rw), ty = resize_taps(h, rh);
  // Horizontal pass over all source rows, for the s cropped columns only: [h, s, c].
  std::vector<float> mid(static_cast<size_t>(h * s * c), 0.0f);
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < s; ++x) {
      const int64_t ox = x + x0;
      float* m = mid.data() + (y * s + x) * c;
      for (int64_t k = 0; k < tx.count[ox]; ++k) {
        const unsigned char* p = px + (y * w + tx.first[ox] + k) * c;
        for (int ch = 0; ch < c; ++ch) m[ch] += tx.w[ox][k] * float(p[ch]);
      }
    }
  // Vertical pass for the s cropped rows.
  for (int64_t y = 0; y < s; ++y) {
    const int64_t oy = y + y0;
    for (int64_t x = 0; x < s; ++x)
      for (int ch = 0; ch < c; ++ch) {
        float v = 0.0f;
        for (int64_t k = 0; k < ty.count[oy]; ++k) v += ty.w[oy][k] * mid[((ty.first[oy] + k) * s + x) * c + ch];
        dst[(ch * s + y) * s + x] = std::clamp(v / 255.0f, 0.0f, 1.0f);
      }
  }
}

// A file decoded by stb_image: interleaved 8-bit pixels, height x width x channels.
struct DecodedImage {
  struct Free {
    void operator()(unsigned char* p) const { stbi_image_free(p); }
  };
  int64_t width = 0, height = 0;
  int channels = 0;
  std::unique_ptr<unsigned char, Free> pixels;
};

// Debian 12's stb_image (v2.27) mishandles two kinds of Huffman table (both found by
// scripts/fuzz): it writes past the table when a JPEG's DHT segment declares more than 256
// codes, and with exactly 256 codes none longer than 9 bits its fast lookup (one byte per
// entry, 255 meaning "not here") sends the 256th code down the slow path, which decodes it as
// another symbol (an assertion fails where assertions are on; 2.28 bounds-checks it). Neither
// table occurs in a real JPEG (a scan uses at most 162 symbols), so those files are refused
// before stb sees them: the markers are walked to the end of the file as stb walks them (a
// scan's entropy-coded bytes skipped, 0xFF 0x00 and RSTn inside it), every DHT table is
// checked, and a segment running past the end (which stb would read as zeros) is refused.
inline void check_jpeg_huffman_tables(const std::string& path, std::string_view b) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(b[i]); };
  const auto bad = [&](auto&&... what) {
    fail<FormatError>("image_folder: ", path, ": cannot decode (a corrupt JPEG: ", what..., ")");
  };
  // A JPEG to stb: 0xFF fill bytes, then SOI (0xFF 0xD8).
  std::size_t i = 0;
  while (i < b.size() && byte(i) == 0xFF) ++i;
  if (i == 0 || i >= b.size() || byte(i) != 0xD8) return;  // not a JPEG
  ++i;
  while (i + 4 <= b.size()) {
    if (byte(i) != 0xFF) {
      ++i;  // entropy-coded data of a scan
      continue;
    }
    const unsigned char m = byte(i + 1);
    if (m == 0x00 || m == 0xFF || (m >= 0xD0 && m <= 0xD7) || m == 0x01) {
      i += m == 0xFF ? 1 : 2;  // stuffing, fill bytes, restart markers
      continue;
    }
    if (m == 0xD9) return;  // EOI
    const std::size_t len = (std::size_t{byte(i + 2)} << 8) | byte(i + 3);
    if (len < 2 || i + 2 + len > b.size()) bad("marker segment 0xFF", std::hex, std::uppercase, int(m), " runs past the end of the file");
    if (m == 0xC4) {
      std::size_t t = i + 4;
      const std::size_t end = i + 2 + len;
      while (t < end) {
        if (t + 17 > end) bad("a Huffman table is cut short");
        std::size_t codes = 0, longest = 0;
        for (std::size_t k = 1; k <= 16; ++k) {
          codes += byte(t + k);
          if (byte(t + k) != 0) longest = k;
        }
        if (codes > 256) bad("a Huffman table declares ", codes, " codes, at most 256 are possible");
        if (codes == 256 && longest <= 9)  // stb's FAST_BITS
          bad("a Huffman table of 256 codes, none longer than 9 bits, which stb_image 2.27 cannot decode");
        t += 17 + codes;
      }
    }
    i += 2 + len;
  }
}

// The same stb_image reserves memory for a PNG chunk as its length field claims, before
// reading it: every chunk must fit in the file (a 73-byte file claiming a 4 GB chunk is refused
// here instead of allocated).
inline void check_png_chunks(const std::string& path, std::string_view b) {
  if (b.substr(0, 8) != io::detail::png_signature) return;
  const auto* p = reinterpret_cast<const unsigned char*>(b.data());
  std::size_t i = 8;
  while (i + 8 <= b.size()) {  // a chunk's length and type; stb reserves as soon as it has read them
    const std::size_t len = io::detail::get_u32(p + i);
    if (len + 4 > b.size() - i - 8)
      fail<FormatError>("image_folder: ", path, ": cannot decode (a corrupt PNG: the chunk at byte ", i, " claims ", len,
                        " bytes, past the end of the file)");
    if (b.substr(i + 4, 4) == "IEND") return;
    i += 12 + len;
  }
}

// Reads and decodes `path` with `channels` channels (stb's conversion: grey is replicated,
// RGB to grey is its luminance, alpha is dropped). FormatError names the file and stb's reason.
inline DecodedImage decode_image(const std::string& path, int channels) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail<FormatError>("image_folder: ", path, ": cannot open for reading");
  const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) fail<FormatError>("image_folder: ", path, ": file too large");
  check_jpeg_huffman_tables(path, bytes);
  check_png_chunks(path, bytes);
  int w = 0, h = 0, n = 0;
  // A header that claims far more pixels than the bytes could encode (PNG expands at most
  // ~1032:1, baseline JPEG a few hundred pixels a byte) is refused before stb allocates them.
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  if (stbi_info_from_memory(data, static_cast<int>(bytes.size()), &w, &h, &n) &&
      static_cast<double>(w) * h > 4096.0 * static_cast<double>(bytes.size()) + 1e6)
    fail<FormatError>("image_folder: ", path, ": its header says ", w, " x ", h, " pixels, more than its ", bytes.size(),
                      " bytes can hold (a truncated or corrupt file)");
  unsigned char* px = stbi_load_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()), static_cast<int>(bytes.size()),
                                            &w, &h, &n, channels);
  if (!px) fail<FormatError>("image_folder: ", path, ": cannot decode (stb_image: ", stbi_failure_reason(), ")");
  DecodedImage img;
  img.pixels.reset(px);
  img.width = w;
  img.height = h;
  img.channels = channels;
  return img;
}

inline void load_image(const std::string& path, int channels, int64_t size, float* dst) {
  const DecodedImage img = decode_image(path, channels);
  resize_crop(img.pixels.get(), img.width, img.height, channels, size, dst);
}

}  // namespace detail

// The class names: the root's sub-directories, sorted; empty when there are none (then
// every image in the root has label 0).
inline std::vector<std::string> image_folder_classes(const std::string& root) {
  namespace fs = std::filesystem;
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(detail::image_folder_root(root)))
    if (e.is_directory()) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// Every image as [N, C, S, S] floats in [0, 1], in class order then sorted path order.
inline LabeledImages image_folder(const std::string& root, ImageFolderOptions opt = {}) {
  check<Error>(opt.size > 0, "image_folder: size must be positive, found ", opt.size);
  check<Error>(opt.channels == 1 || opt.channels == 3, "image_folder: channels must be 1 or 3, found ", opt.channels);
  const std::filesystem::path dir = detail::image_folder_root(root);
  const std::vector<std::string> classes = image_folder_classes(root);
  std::vector<std::string> files;
  std::vector<int64_t> labels;
  if (classes.empty()) {
    files = detail::image_files(dir, false);
    labels.assign(files.size(), 0);
    if (files.empty()) fail<FormatError>("image_folder: ", root, ": no .png/.jpg/.jpeg files and no class directories");
  } else {
    for (size_t k = 0; k < classes.size(); ++k) {
      const std::vector<std::string> f = detail::image_files(dir / classes[k], opt.recursive);
      if (f.empty()) fail<FormatError>("image_folder: ", root, ": class directory ", classes[k], " has no .png/.jpg/.jpeg files");
      files.insert(files.end(), f.begin(), f.end());
      labels.insert(labels.end(), f.size(), static_cast<int64_t>(k));
    }
  }
  const auto n = static_cast<int64_t>(files.size());
  const int64_t s = opt.size, per = opt.channels * s * s;
  LabeledImages out;
  out.images = Tensor<float, cpu>(Shape{n, opt.channels, s, s});
  out.labels = std::move(labels);
  // parallel_for does not carry exceptions across threads: each image records its own
  // error and the first failing image (in file order) is reported.
  std::vector<std::exception_ptr> errors(static_cast<size_t>(n));
  float* base = out.images.data();
  parallel_for(0, n, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      try {
        detail::load_image(files[static_cast<size_t>(i)], opt.channels, s, base + i * per);
      } catch (...) {
        errors[static_cast<size_t>(i)] = std::current_exception();
      }
    }
  });
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  return out;
}

}  // namespace gantry::data
