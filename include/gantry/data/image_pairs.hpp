#pragma once
// Two-domain image sets for image-to-image translation (pix2pix, CycleGAN, CSGAN), read the
// way the official pytorch-CycleGAN-and-pix2pix data options read them:
//
// - paired_folders(dir_a, dir_b): A and B in two folders, pairs matched by file stem
//   (a/0001.png with b/0001.jpg), sorted by stem. Aligned.
// - side_by_side(dir): pix2pix's "aligned" layout (--dataset_mode aligned): each file is A and B
//   concatenated horizontally, left half A, right half B. Aligned.
// - unpaired_folders(dir_a, dir_b): CycleGAN's "unaligned" layout (trainA/, trainB/), any counts.
//
// Images are decoded by image_folder.hpp's stb_image code (PNG and JPEG, `.png`, `.jpg`, `.jpeg`
// in any case, the files directly in the folder, sorted; other files are ignored). With
// load_size > 0 every image is resized on loading to load_size x load_size by image_folder's
// resize (shorter side to load_size, then the centre square; box filter when shrinking, bilinear
// when enlarging). For square images that is the official code's Resize([load_size,
// load_size]) (which stretches non-square images, with PIL's bicubic filter). With
// load_size = 0 the files keep their size, which must then be the same for every image of both
// domains. PairLoader (pair_loader.hpp) crops and flips at batch time.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <exception>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/parallel.hpp"
#include "../core/tensor.hpp"
#include "image_folder.hpp"

namespace gantry::data {

// Two image domains in memory: values in [0, 1], both domains with the same H and W.
struct ImagePairs {
  Tensor<float, cpu> a;  // [Na, Ca, H, W]
  Tensor<float, cpu> b;  // [Nb, Cb, H, W]
  bool aligned = false;  // true: a[i] and b[i] are a pair (then Na == Nb)
  std::vector<std::string> names;  // of a's images (file stems); Na entries, or empty

  int64_t size_a() const { return a.defined() && a.rank() == 4 ? a.dim(0) : 0; }
  int64_t size_b() const { return b.defined() && b.rank() == 4 ? b.dim(0) : 0; }

  // Throws ShapeError/Error naming what was expected and what was found.
  void validate() const {
    for (const auto* t : {&a, &b}) {
      const char* which = t == &a ? "a" : "b";
      check<ShapeError>(t->defined() && t->rank() == 4, "ImagePairs: expected ", which,
                        " of shape [N, C, H, W], found ", t->defined() ? t->shape().str() : std::string("nothing"));
      check<ShapeError>(t->dim(0) > 0 && t->dim(1) > 0 && t->dim(2) > 0 && t->dim(3) > 0, "ImagePairs: expected ",
                        which, " with N, C, H, W > 0, found ", t->shape());
    }
    check<ShapeError>(a.dim(2) == b.dim(2) && a.dim(3) == b.dim(3),
                      "ImagePairs: both domains must have the same H and W, found a ", a.shape(), " and b ", b.shape());
    check<ShapeError>(!aligned || a.dim(0) == b.dim(0), "ImagePairs: aligned pairs need as many images in a as in b, found ",
                      a.dim(0), " and ", b.dim(0));
    check<Error>(names.empty() || static_cast<int64_t>(names.size()) == a.dim(0), "ImagePairs: expected ", a.dim(0),
                 " names (one per image of a) or none, found ", names.size());
  }
};

struct ImagePairOptions {
  int channels_a = 3;    // 1 (grey: stb's luminance) or 3 (RGB; grey is replicated); alpha is dropped
  int channels_b = 3;
  int64_t load_size = 0;  // > 0: every image resized to load_size x load_size; 0: the files' own size
};

namespace detail {

inline void check_pair_options(const char* fn, const ImagePairOptions& opt) {
  check<Error>(opt.channels_a == 1 || opt.channels_a == 3, fn, ": channels_a must be 1 or 3, found ", opt.channels_a);
  check<Error>(opt.channels_b == 1 || opt.channels_b == 3, fn, ": channels_b must be 1 or 3, found ", opt.channels_b);
  check<Error>(opt.load_size >= 0, fn, ": load_size must be positive (or 0: keep the files' size), found ", opt.load_size);
}

// The sorted image files directly in `dir`; FormatError for a missing folder or one without images.
inline std::vector<std::string> domain_files(const char* fn, const char* role, const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    fail<FormatError>(fn, ": expected the folder of ", role, " at ", dir, ", found no such directory",
                      ec ? " (" + ec.message() + ")" : std::string());
  std::vector<std::string> files = image_files(dir, false);
  if (files.empty()) fail<FormatError>(fn, ": expected images (.png/.jpg/.jpeg) of ", role, " in ", dir, ", found none");
  return files;
}

inline std::string file_stem(const std::string& path) { return std::filesystem::path(path).stem().string(); }
inline std::string file_name(const std::string& path) { return std::filesystem::path(path).filename().string(); }

// At most 5 file names, then how many more.
inline std::string name_list(const std::vector<std::string>& paths) {
  std::string s;
  for (size_t i = 0; i < paths.size() && i < 5; ++i) s += (i ? ", " : "") + file_name(paths[i]);
  if (paths.size() > 5) s += ", ... (" + std::to_string(paths.size() - 5) + " more)";
  return s;
}

// Interleaved 8-bit pixels (h x w x c) as planar floats / 255: resized to [c, s, s] by
// resize_crop when s > 0, else copied as they are ([c, h, w]).
inline void to_planar(const unsigned char* px, int64_t w, int64_t h, int c, int64_t s, float* dst) {
  if (s > 0) return resize_crop(px, w, h, c, s, dst);
  for (int ch = 0; ch < c; ++ch)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) dst[(ch * h + y) * w + x] = float(px[(y * w + x) * c + ch]) / 255.0f;
}

// fn(i) for i in [0, n) on gantry's threads; the first failure in index order is rethrown
// (parallel_for does not carry exceptions across threads).
template <class F>
void for_each_image(int64_t n, F&& fn) {
  std::vector<std::exception_ptr> errors(static_cast<size_t>(n));
  parallel_for(0, n, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      try {
        fn(i);
      } catch (...) {
        errors[static_cast<size_t>(i)] = std::current_exception();
      }
    }
  });
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

// The size every image must have: load_size x load_size, or with load_size = 0 the size of
// `first` (its left half for a side-by-side file), which the others are checked against.
struct PairGeometry {
  int64_t load_size = 0;
  int64_t width = 0, height = 0;
  std::string first;  // the file the size comes from (load_size = 0)

  void check_size(const char* fn, const std::string& path, int64_t w, int64_t h, const char* what) const {
    if (load_size > 0) return;
    if (w != width || h != height)
      fail<ShapeError>(fn, ": expected every image to be ", width, " x ", height, " (W x H, the size of ", file_name(first),
                       ") with load_size = 0, found ", w, " x ", h, " for ", what, path,
                       " (set load_size to resize the images to one size)");
  }
};

inline PairGeometry pair_geometry(const std::string& first, int channels, int64_t load_size, bool side_by_side) {
  PairGeometry g;
  g.load_size = load_size;
  g.first = first;
  if (load_size > 0) {
    g.width = g.height = load_size;
  } else {
    const DecodedImage img = decode_image(first, channels);
    g.width = side_by_side ? img.width / 2 : img.width;
    g.height = img.height;
  }
  return g;
}

// One domain's files as [N, C, H, W] (see PairGeometry).
inline Tensor<float, cpu> load_domain(const char* fn, const std::vector<std::string>& files, int channels,
                                      const PairGeometry& g) {
  const auto n = static_cast<int64_t>(files.size());
  Tensor<float, cpu> out(Shape{n, channels, g.height, g.width});
  const int64_t per = channels * g.height * g.width;
  float* base = out.data();
  for_each_image(n, [&](int64_t i) {
    const std::string& path = files[static_cast<size_t>(i)];
    const DecodedImage img = decode_image(path, channels);
    g.check_size(fn, path, img.width, img.height, "");
    to_planar(img.pixels.get(), img.width, img.height, channels, g.load_size, base + i * per);
  });
  return out;
}

// Columns [x0, x0 + w) of interleaved pixels (h x full_w x c), contiguous.
inline std::vector<unsigned char> columns(const DecodedImage& img, int64_t x0, int64_t w) {
  const int c = img.channels;
  std::vector<unsigned char> out(static_cast<size_t>(w * img.height * c));
  for (int64_t y = 0; y < img.height; ++y)
    std::memcpy(out.data() + y * w * c, img.pixels.get() + (y * img.width + x0) * c, static_cast<size_t>(w * c));
  return out;
}

}  // namespace detail

// Aligned pairs from two folders, matched by file stem (a/x.png with b/x.jpg) and sorted by
// stem; names are the stems. An image in one folder without a partner in the other, or two
// images with one stem in a folder, is a FormatError naming the files.
inline ImagePairs paired_folders(const std::string& dir_a, const std::string& dir_b, ImagePairOptions opt = {}) {
  constexpr const char* fn = "paired_folders";
  detail::check_pair_options(fn, opt);
  const std::vector<std::string> fa = detail::domain_files(fn, "domain A", dir_a);
  const std::vector<std::string> fb = detail::domain_files(fn, "domain B", dir_b);
  auto by_stem = [&](const std::vector<std::string>& files, const std::string& dir) {
    std::map<std::string, std::string> m;
    for (const std::string& f : files) {
      auto [it, fresh] = m.emplace(detail::file_stem(f), f);
      if (!fresh)
        fail<FormatError>(fn, ": expected one image per file stem in ", dir, ", found two with stem \"", it->first,
                          "\": ", detail::file_name(it->second), " and ", detail::file_name(f));
    }
    return m;
  };
  const auto ma = by_stem(fa, dir_a), mb = by_stem(fb, dir_b);
  std::vector<std::string> lone_a, lone_b, pa, pb;
  ImagePairs out;
  for (const auto& [stem, path] : ma) {
    const auto it = mb.find(stem);
    if (it == mb.end()) {
      lone_a.push_back(path);
      continue;
    }
    pa.push_back(path);
    pb.push_back(it->second);
    out.names.push_back(stem);
  }
  for (const auto& [stem, path] : mb)
    if (!ma.count(stem)) lone_b.push_back(path);
  if (!lone_a.empty() || !lone_b.empty()) {
    std::string msg;
    if (!lone_a.empty())
      msg += gantry::detail::concat(lone_a.size(), " of ", fa.size(), " images in ", dir_a, " have no partner with the same stem in ",
                            dir_b, ": ", detail::name_list(lone_a));
    if (!lone_b.empty())
      msg += gantry::detail::concat(msg.empty() ? "" : "; ", lone_b.size(), " of ", fb.size(), " images in ", dir_b,
                            " have no partner with the same stem in ", dir_a, ": ", detail::name_list(lone_b));
    fail<FormatError>(fn, ": expected every image to have a partner (pairs are matched by file stem), found ", msg);
  }
  const detail::PairGeometry g = detail::pair_geometry(pa.front(), opt.channels_a, opt.load_size, false);
  out.a = detail::load_domain(fn, pa, opt.channels_a, g);
  out.b = detail::load_domain(fn, pb, opt.channels_b, g);
  out.aligned = true;
  out.validate();
  return out;
}

// pix2pix's aligned layout: each file is A|B side by side (width 2W: columns [0, W) are A,
// [W, 2W) are B), files sorted by name, names their stems. An odd width is a FormatError.
inline ImagePairs side_by_side(const std::string& dir, ImagePairOptions opt = {}) {
  constexpr const char* fn = "side_by_side";
  detail::check_pair_options(fn, opt);
  const std::vector<std::string> files = detail::domain_files(fn, "A|B images", dir);
  const auto n = static_cast<int64_t>(files.size());
  const detail::PairGeometry g = detail::pair_geometry(files.front(), opt.channels_a, opt.load_size, true);
  ImagePairs out;
  out.a = Tensor<float, cpu>(Shape{n, opt.channels_a, g.height, g.width});
  out.b = Tensor<float, cpu>(Shape{n, opt.channels_b, g.height, g.width});
  const int64_t per_a = opt.channels_a * g.height * g.width, per_b = opt.channels_b * g.height * g.width;
  float *pa = out.a.data(), *pb = out.b.data();
  detail::for_each_image(n, [&](int64_t i) {
    const std::string& path = files[static_cast<size_t>(i)];
    const detail::DecodedImage img = detail::decode_image(path, opt.channels_a);
    if (img.width % 2 != 0)
      fail<FormatError>(fn, ": expected an even width (A | B side by side, each half W wide), found ", img.width, " x ",
                        img.height, " (W x H) for ", path);
    const int64_t half = img.width / 2;
    g.check_size(fn, path, half, img.height, "each half of ");
    std::vector<unsigned char> part = detail::columns(img, 0, half);
    detail::to_planar(part.data(), half, img.height, opt.channels_a, opt.load_size, pa + i * per_a);
    if (opt.channels_b == opt.channels_a) {
      part = detail::columns(img, half, half);
    } else {
      part = detail::columns(detail::decode_image(path, opt.channels_b), half, half);
    }
    detail::to_planar(part.data(), half, img.height, opt.channels_b, opt.load_size, pb + i * per_b);
  });
  for (const std::string& f : files) out.names.push_back(detail::file_stem(f));
  out.aligned = true;
  out.validate();
  return out;
}

// CycleGAN's unaligned layout: every image of each folder (sorted by name), any counts; names
// are the stems of A's files.
inline ImagePairs unpaired_folders(const std::string& dir_a, const std::string& dir_b, ImagePairOptions opt = {}) {
  constexpr const char* fn = "unpaired_folders";
  detail::check_pair_options(fn, opt);
  const std::vector<std::string> fa = detail::domain_files(fn, "domain A", dir_a);
  const std::vector<std::string> fb = detail::domain_files(fn, "domain B", dir_b);
  const detail::PairGeometry g = detail::pair_geometry(fa.front(), opt.channels_a, opt.load_size, false);
  ImagePairs out;
  out.a = detail::load_domain(fn, fa, opt.channels_a, g);
  out.b = detail::load_domain(fn, fb, opt.channels_b, g);
  for (const std::string& f : fa) out.names.push_back(detail::file_stem(f));
  out.aligned = false;
  out.validate();
  return out;
}

}  // namespace gantry::data
