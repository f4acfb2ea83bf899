// Two-domain data for image-to-image translation: the three folder layouts on small generated
// PNG folders (stem matching, the side-by-side split, unpaired counts, every error), PairLoader
// (pairs stay pairs under crop and flip, random B for unaligned sets, crops in bounds, the
// documented counter layout, resume from state, epochs, evaluation passes) and the
// Fashion-MNIST edges task (edge_map on hand-made images, shapes, values, determinism).
#include <doctest/doctest.h>

#include "temp_dir.hpp"

#include <gantry/data/fashion_edges.hpp>
#include <gantry/data/image_pairs.hpp>
#include <gantry/data/pair_loader.hpp>
#include <gantry/io/png.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <set>
#include <string>
#include <unistd.h>
#include <vector>

using namespace gantry;
namespace fs = std::filesystem;
using data::ImagePairs;
using data::PairLoader;
using data::PairLoaderOptions;

namespace {

// A fresh directory under the system temp dir, removed at the end of the test.
struct TempDir : gantry_test::TempDir {
  explicit TempDir(const std::string& tag) : gantry_test::TempDir("image_pairs_" + tag) {}
  // A sub-directory, created.
  std::string sub(const std::string& name) const {
    fs::create_directories(path / name);
    return (path / name).string();
  }
};

// w x h grey image with pixel (y, x) = f(y, x).
template <class F>
io::Image8 grey(int64_t w, int64_t h, F f) {
  io::Image8 img(w, h, 1);
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) img.at(y, x)[0] = static_cast<uint8_t>(f(y, x));
  return img;
}
// Image k of a domain: 4 x 4, byte 40 k + 4 y + x (unique per image and pixel).
io::Image8 numbered(int k) {
  return grey(4, 4, [k](int64_t y, int64_t x) { return 40 * k + 4 * y + x; });
}
io::Image8 inverted(const io::Image8& img) {
  io::Image8 out = img;
  for (auto& p : out.pixels) p = static_cast<uint8_t>(255 - p);
  return out;
}
// prefix + k + ".png" (appended: GCC 12 warns, wrongly, about "literal" + std::string).
std::string png(const char* prefix, int k) {
  std::string s = prefix;
  s += std::to_string(k);
  s += ".png";
  return s;
}
void write(const std::string& dir, const std::string& name, const io::Image8& img) {
  io::write_png((fs::path(dir) / name).string(), img);
}

doctest::Contains has(const std::string& s) { return doctest::Contains(s.c_str()); }

float at(const Tensor<float, cpu>& t, int64_t i, int64_t c, int64_t y, int64_t x) {
  const Shape& s = t.shape();
  return t.data()[((i * s[1] + c) * s[2] + y) * s[3] + x];
}

}  // namespace

TEST_CASE("paired_folders: pairs matched by file stem, sorted, channels") {
  TempDir dir("paired");
  const std::string a = dir.sub("A"), b = dir.sub("B");
  // A: c, a, b (written in that order); B: the same stems, another extension case, inverted.
  write(a, "c.png", numbered(2));
  write(a, "a.png", numbered(0));
  write(a, "b.png", numbered(1));
  write(b, "b.PNG", inverted(numbered(1)));
  write(b, "a.png", inverted(numbered(0)));
  write(b, "c.png", inverted(numbered(2)));
  std::ofstream(fs::path(a) / "notes.txt") << "ignored";

  const ImagePairs p = data::paired_folders(a, b, {.channels_a = 1, .channels_b = 3});
  CHECK(p.aligned);
  CHECK(p.names == std::vector<std::string>{"a", "b", "c"});
  REQUIRE(p.a.shape() == Shape{3, 1, 4, 4});
  REQUIRE(p.b.shape() == Shape{3, 3, 4, 4});
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t y = 0; y < 4; ++y)
      for (int64_t x = 0; x < 4; ++x) {
        CHECK(at(p.a, i, 0, y, x) == float(40 * i + 4 * y + x) / 255.0f);
        for (int64_t c = 0; c < 3; ++c) CHECK(at(p.b, i, c, y, x) == float(255 - (40 * i + 4 * y + x)) / 255.0f);
      }

  SUBCASE("load_size resizes every image") {
    const ImagePairs r = data::paired_folders(a, b, {.channels_a = 1, .channels_b = 1, .load_size = 2});
    REQUIRE(r.a.shape() == Shape{3, 1, 2, 2});
    // 4 x 4 -> 2 x 2 averages 2 x 2 blocks: top-left of image 1 is 40 + (0 + 1 + 4 + 5) / 4.
    CHECK(at(r.a, 1, 0, 0, 0) == doctest::Approx((40.0 + 2.5) / 255.0).epsilon(1e-6));
    CHECK(at(r.b, 1, 0, 0, 0) == doctest::Approx(1.0 - (40.0 + 2.5) / 255.0).epsilon(1e-6));
  }
}

TEST_CASE("paired_folders: errors name what was expected and what was found") {
  TempDir dir("paired_errors");
  const std::string a = dir.sub("A"), b = dir.sub("B"), empty = dir.sub("empty");
  for (int k = 0; k < 3; ++k) write(a, png("p", k), numbered(k));
  write(b, "p0.png", numbered(0));
  write(b, "p2.png", numbered(2));
  write(b, "q9.png", numbered(3));
  const std::string missing = (dir.path / "nope").string();
  CHECK_THROWS_WITH_AS(data::paired_folders(missing, b),
                       has("expected the folder of domain A at " + missing + ", found no such directory"),
                       FormatError);
  CHECK_THROWS_WITH_AS(data::paired_folders(a, empty),
                       has("expected images (.png/.jpg/.jpeg) of domain B in " + empty + ", found none"),
                       FormatError);
  // p1.png in A and q9.png in B have no partner; both are named.
  CHECK_THROWS_WITH_AS(data::paired_folders(a, b), has("1 of 3 images in " + a), FormatError);
  CHECK_THROWS_WITH_AS(data::paired_folders(a, b), doctest::Contains(": p1.png"), FormatError);
  CHECK_THROWS_WITH_AS(data::paired_folders(a, b), has("1 of 3 images in " + b), FormatError);
  CHECK_THROWS_WITH_AS(data::paired_folders(a, b), doctest::Contains(": q9.png"), FormatError);
  // At most five names, then a count.
  const std::string many = dir.sub("many");
  for (int k = 0; k < 8; ++k) write(many, png("m", k), numbered(0));
  CHECK_THROWS_WITH_AS(data::paired_folders(many, b),
                       doctest::Contains("m0.png, m1.png, m2.png, m3.png, m4.png, ... (3 more)"), FormatError);
  // Two files with one stem.
  write(b, "p1.png", numbered(1));
  fs::remove(fs::path(b) / "q9.png");
  write(b, "p1.PNG", numbered(1));
  CHECK_THROWS_WITH_AS(data::paired_folders(a, b), doctest::Contains("found two with stem \"p1\""), FormatError);
  fs::remove(fs::path(b) / "p1.PNG");
  CHECK(data::paired_folders(a, b, {.channels_a = 1, .channels_b = 1}).a.shape() == Shape{3, 1, 4, 4});
  // Mixed sizes with load_size = 0; fine once they are resized.
  write(b, "p2.png", grey(6, 4, [](int64_t, int64_t) { return 9; }));
  CHECK_THROWS_WITH_AS(data::paired_folders(a, b),
                       has("expected every image to be 4 x 4 (W x H, the size of p0.png) with load_size = 0, "
                                         "found 6 x 4 for " +
                                         (fs::path(b) / "p2.png").string()),
                       ShapeError);
  CHECK(data::paired_folders(a, b, {.load_size = 4}).b.shape() == Shape{3, 3, 4, 4});
  CHECK_THROWS_WITH_AS(data::paired_folders(a, b, {.channels_a = 2}), doctest::Contains("channels_a must be 1 or 3, found 2"),
                       Error);
}

TEST_CASE("side_by_side: left half A, right half B") {
  TempDir dir("side");
  // 8 x 4 files: left half numbered(k), right half its inverse; channels 3 and 1.
  for (int k = 0; k < 3; ++k)
    write(dir.path.string(), std::to_string(k) + ".png", grey(8, 4, [k](int64_t y, int64_t x) {
            return x < 4 ? 40 * k + 4 * y + x : 255 - (40 * k + 4 * y + (x - 4));
          }));
  const ImagePairs p = data::side_by_side(dir.path.string(), {.channels_a = 3, .channels_b = 1});
  CHECK(p.aligned);
  CHECK(p.names == std::vector<std::string>{"0", "1", "2"});
  REQUIRE(p.a.shape() == Shape{3, 3, 4, 4});
  REQUIRE(p.b.shape() == Shape{3, 1, 4, 4});
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t y = 0; y < 4; ++y)
      for (int64_t x = 0; x < 4; ++x) {
        for (int64_t c = 0; c < 3; ++c) CHECK(at(p.a, i, c, y, x) == float(40 * i + 4 * y + x) / 255.0f);
        CHECK(at(p.b, i, 0, y, x) == float(255 - (40 * i + 4 * y + x)) / 255.0f);
      }
  // load_size: each half resized on its own (4 x 4 -> 2 x 2 block means).
  const ImagePairs r = data::side_by_side(dir.path.string(), {.channels_a = 1, .channels_b = 1, .load_size = 2});
  REQUIRE(r.a.shape() == Shape{3, 1, 2, 2});
  CHECK(at(r.a, 2, 0, 1, 1) == doctest::Approx((80.0 + 12.5) / 255.0).epsilon(1e-6));
  CHECK(at(r.b, 2, 0, 1, 1) == doctest::Approx(1.0 - (80.0 + 12.5) / 255.0).epsilon(1e-6));

  const std::string odd = (dir.path / "3.png").string();
  io::write_png(odd, grey(7, 4, [](int64_t, int64_t) { return 0; }));
  CHECK_THROWS_WITH_AS(data::side_by_side(dir.path.string()),
                       has("expected an even width (A | B side by side, each half W wide), found 7 x 4 (W x H) for " + odd),
                       FormatError);
  io::write_png(odd, grey(10, 4, [](int64_t, int64_t) { return 0; }));
  CHECK_THROWS_WITH_AS(data::side_by_side(dir.path.string()), has("found 5 x 4 for each half of " + odd),
                       ShapeError);
  CHECK(data::side_by_side(dir.path.string(), {.load_size = 4}).a.shape() == Shape{4, 3, 4, 4});
  CHECK_THROWS_WITH_AS(data::side_by_side((dir.path / "nope").string()), doctest::Contains("found no such directory"),
                       FormatError);
}

TEST_CASE("unpaired_folders: any counts, names of A") {
  TempDir dir("unpaired");
  const std::string a = dir.sub("trainA"), b = dir.sub("trainB");
  for (int k = 0; k < 3; ++k) write(a, png("a", k), numbered(k));
  for (int k = 0; k < 5; ++k) write(b, png("b", k), inverted(numbered(k)));
  const ImagePairs p = data::unpaired_folders(a, b, {.channels_a = 1, .channels_b = 1});
  CHECK_FALSE(p.aligned);
  CHECK(p.size_a() == 3);
  CHECK(p.size_b() == 5);
  CHECK(p.names == std::vector<std::string>{"a0", "a1", "a2"});
  CHECK(at(p.b, 4, 0, 3, 3) == float(255 - (160 + 15)) / 255.0f);
  write(b, "b5.png", grey(4, 5, [](int64_t, int64_t) { return 0; }));
  CHECK_THROWS_WITH_AS(data::unpaired_folders(a, b), doctest::Contains("found 4 x 5 for"), ShapeError);
  CHECK(data::unpaired_folders(a, b, {.load_size = 3}).b.shape() == Shape{6, 3, 3, 3});
  CHECK_THROWS_WITH_AS(data::unpaired_folders(a, dir.sub("empty")), doctest::Contains("of domain B in"), FormatError);
}

TEST_CASE("ImagePairs::validate") {
  ImagePairs p;
  CHECK_THROWS_WITH_AS(p.validate(), doctest::Contains("expected a of shape [N, C, H, W], found nothing"), ShapeError);
  p.a = Tensor<float, cpu>::zeros(Shape{2, 1, 4, 4});
  p.b = Tensor<float, cpu>::zeros(Shape{3, 3, 4, 5});
  CHECK_THROWS_WITH_AS(p.validate(), doctest::Contains("the same H and W"), ShapeError);
  p.b = Tensor<float, cpu>::zeros(Shape{3, 3, 4, 4});
  p.validate();
  p.aligned = true;
  CHECK_THROWS_WITH_AS(p.validate(), doctest::Contains("as many images in a as in b, found 2 and 3"), ShapeError);
  p.aligned = false;
  p.names = {"x"};
  CHECK_THROWS_WITH_AS(p.validate(), doctest::Contains("expected 2 names"), Error);
}

namespace {

constexpr int64_t kSide = 8;
// n images [c, 8, 8]; image i of a holds (i * 64 + y * 8 + x) / 4096 in every channel, so one
// value tells image, row and column apart. b = 1 - a when aligned, else its own numbering.
ImagePairs synthetic(int64_t na, int64_t nb, bool aligned, int64_t ca = 1, int64_t cb = 1) {
  ImagePairs p;
  p.a = Tensor<float, cpu>(Shape{na, ca, kSide, kSide});
  p.b = Tensor<float, cpu>(Shape{nb, cb, kSide, kSide});
  for (int64_t i = 0; i < na; ++i)
    for (int64_t c = 0; c < ca; ++c)
      for (int64_t k = 0; k < kSide * kSide; ++k) p.a.data()[(i * ca + c) * kSide * kSide + k] = float(i * 64 + k) / 4096.0f;
  for (int64_t i = 0; i < nb; ++i)
    for (int64_t c = 0; c < cb; ++c)
      for (int64_t k = 0; k < kSide * kSide; ++k)
        p.b.data()[(i * cb + c) * kSide * kSide + k] = aligned ? 1.0f - float(i * 64 + k) / 4096.0f : float(i * 64 + k) / 4096.0f;
  p.aligned = aligned;
  return p;
}

// Where a batch image came from: the source image, the crop's top-left corner and the flip,
// read from its values (see synthetic) and checked against every pixel.
struct View {
  int64_t image, top, left;
  bool flip;
};
View locate(const Tensor<float, cpu>& t, int64_t b, bool inverted) {
  const int64_t c = t.dim(1), ho = t.dim(2), wo = t.dim(3);
  auto code = [&](int64_t ch, int64_t y, int64_t x) {
    const float v = (at(t, b, ch, y, x) + 1.0f) / 2.0f;  // back to [0, 1]
    return static_cast<int64_t>(std::lround((inverted ? 1.0f - v : v) * 4096.0f));
  };
  const int64_t c00 = code(0, 0, 0), c01 = code(0, 0, 1);
  View v{c00 / 64, 0, 0, c01 < c00};
  v.top = (c00 % 64) / kSide;
  v.left = (c00 % 64) % kSide - (v.flip ? wo - 1 : 0);
  bool consistent = v.top >= 0 && v.left >= 0 && v.top + ho <= kSide && v.left + wo <= kSide;
  for (int64_t ch = 0; ch < c; ++ch)
    for (int64_t y = 0; y < ho; ++y)
      for (int64_t x = 0; x < wo; ++x) {
        const int64_t sx = v.left + (v.flip ? wo - 1 - x : x);
        consistent = consistent && code(ch, y, x) == v.image * 64 + (v.top + y) * kSide + sx;
      }
  CHECK(consistent);
  return v;
}

std::vector<std::vector<float>> take(PairLoader& l, int k) {
  std::vector<std::vector<float>> out;
  for (int i = 0; i < k; ++i) {
    const data::Batch b = l.next();
    CHECK(b.labels.empty());
    auto v = b.images.to_vector();
    const auto t = b.targets.to_vector();
    v.insert(v.end(), t.begin(), t.end());
    out.push_back(v);
  }
  return out;
}

}  // namespace

TEST_CASE("PairLoader, aligned: the same crop and flip for A and B, crops in bounds") {
  PairLoaderOptions o{.batch_size = 16, .fine_size = 5};
  PairLoader l(synthetic(16, 16, true, 1, 3), o, Rng(5));
  CHECK(l.size() == 16);
  CHECK(l.height() == 5);
  std::set<int64_t> tops, lefts, images;
  int flips = 0;
  for (int round = 0; round < 4; ++round) {
    const data::Batch b = l.next();
    REQUIRE(b.images.shape() == Shape{16, 1, 5, 5});
    REQUIRE(b.targets.shape() == Shape{16, 3, 5, 5});
    for (int64_t i = 0; i < 16; ++i) {
      const View va = locate(b.images, i, false), vb = locate(b.targets, i, true);
      CHECK(va.image == vb.image);  // still a pair: B = 1 - A, so targets = -images
      CHECK(va.top == vb.top);
      CHECK(va.left == vb.left);
      CHECK(va.flip == vb.flip);
      for (int64_t c = 0; c < 3; ++c)
        for (int64_t y = 0; y < 5; ++y)
          for (int64_t x = 0; x < 5; ++x) CHECK(at(b.targets, i, c, y, x) == -at(b.images, i, 0, y, x));
      tops.insert(va.top);
      lefts.insert(va.left);
      images.insert(va.image);
      flips += va.flip;
    }
  }
  CHECK(images.size() == 16);
  CHECK(tops == std::set<int64_t>{0, 1, 2, 3});  // every offset in [0, 8 - 5] occurs in 64 draws
  CHECK(lefts == std::set<int64_t>{0, 1, 2, 3});
  CHECK(flips > 16);
  CHECK(flips < 48);
}

TEST_CASE("PairLoader: the documented counter layout") {
  // Aligned, batch 3: 6 crop counters (top, left per sample), then 3 flip counters.
  PairLoader l(synthetic(3, 3, true), {.batch_size = 3, .shuffle = false, .fine_size = 6}, Rng(9, 100));
  const data::Batch b = l.next();
  CHECK(l.state().offset == 109);
  for (int64_t i = 0; i < 3; ++i) {
    const View v = locate(b.images, i, false);
    CHECK(v.image == i);
    CHECK(v.top == static_cast<int64_t>((1.0 - Philox::uniform(9, 100 + 2 * i)) * 3));
    CHECK(v.left == static_cast<int64_t>((1.0 - Philox::uniform(9, 100 + 2 * i + 1)) * 3));
    CHECK(v.flip == (Philox::uniform(9, 106 + i) <= 0.5));
  }
  // Unaligned, batch 2: 2 B indices, 8 crop counters (A then B per sample), 4 flip counters.
  PairLoader u(synthetic(2, 7, false), {.batch_size = 2, .shuffle = true, .fine_size = 6}, Rng(4));
  const data::Batch c = u.next();
  CHECK(u.state().offset == 14);
  for (int64_t i = 0; i < 2; ++i) {
    const View va = locate(c.images, i, false), vb = locate(c.targets, i, false);
    CHECK(va.image == u.permutation()[static_cast<size_t>(i)] % 2);
    CHECK(vb.image == static_cast<int64_t>((1.0 - Philox::uniform(4, i)) * 7));
    for (int64_t v = 0; v < 2; ++v) {
      const View& w = v == 0 ? va : vb;
      const auto k = static_cast<std::uint64_t>(2 * i + v);
      CHECK(w.top == static_cast<int64_t>((1.0 - Philox::uniform(4, 2 + 2 * k)) * 3));
      CHECK(w.left == static_cast<int64_t>((1.0 - Philox::uniform(4, 2 + 2 * k + 1)) * 3));
      CHECK(w.flip == (Philox::uniform(4, 10 + k) <= 0.5));
    }
  }
  // No crop (fine_size = stored size) and no flips: no counters.
  PairLoader n(synthetic(3, 3, true), {.batch_size = 3, .fine_size = 8, .random_flip = false}, Rng(1));
  n.next();
  CHECK(n.state().offset == 0);
}

TEST_CASE("PairLoader, unaligned: random B per sample, independent jitter, epochs of max(Na, Nb)") {
  PairLoader l(synthetic(4, 10, false), {.batch_size = 5, .fine_size = 6}, Rng(21));
  CHECK(l.size() == 10);
  CHECK(l.batches_per_epoch() == 2);
  std::multiset<int64_t> a_seen;
  std::set<int64_t> b_seen;
  int differ = 0;
  for (int round = 0; round < 2; ++round) {  // one epoch
    const data::Batch b = l.next();
    REQUIRE(b.targets.shape() == Shape{5, 1, 6, 6});
    for (int64_t i = 0; i < 5; ++i) {
      const View va = locate(b.images, i, false), vb = locate(b.targets, i, false);
      a_seen.insert(va.image);
      b_seen.insert(vb.image);
      differ += va.top != vb.top || va.left != vb.left || va.flip != vb.flip;
    }
  }
  // Samples s = 0..9 give A's image s mod 4: 0, 1 three times, 2, 3 twice.
  CHECK(a_seen == std::multiset<int64_t>{0, 0, 0, 1, 1, 1, 2, 2, 3, 3});
  CHECK(b_seen.size() >= 4);
  CHECK(differ >= 5);

}

TEST_CASE("PairLoader: shuffling covers each epoch once; state restores a run bit for bit") {
  for (bool aligned : {true, false}) {
    CAPTURE(aligned);
    const PairLoaderOptions o{.batch_size = 3, .fine_size = 5};
    PairLoader a(synthetic(12, 12, aligned), o, Rng(2024));
    std::vector<int64_t> order;
    for (int i = 0; i < 4; ++i) {
      const data::Batch b = a.next();
      for (int64_t k = 0; k < 3; ++k) order.push_back(locate(b.images, k, false).image);
    }
    std::sort(order.begin(), order.end());
    std::vector<int64_t> all(12);
    std::iota(all.begin(), all.end(), int64_t{0});
    CHECK(order == all);
    const auto p0 = a.permutation();
    a.next();
    CHECK(a.epoch() == 1);
    CHECK(a.permutation() != p0);

    take(a, 2);
    const data::LoaderState st = a.state();
    const auto expected = take(a, 7);  // crosses an epoch boundary
    PairLoader b(synthetic(12, 12, aligned), o, Rng(999));
    b.restore(st);
    CHECK(b.state() == st);
    CHECK(take(b, 7) == expected);
    CHECK(a.state() == b.state());
    CHECK_THROWS_WITH_AS(b.restore({0, 13, 1, 0}), doctest::Contains("position 13 is outside the epoch of 12"), Error);
  }
}

TEST_CASE("PairLoader: evaluation passes and bad options") {
  // 8 x 8 stored, fine 5: centre offset round((8 - 5) / 2) = round(1.5) = 2 (half to even).
  PairLoader e(synthetic(5, 5, true), PairLoaderOptions::evaluation(5, 2), Rng(3));
  CHECK(e.batches_per_epoch() == 3);
  std::vector<int64_t> order;
  for (int k = 0; k < 3; ++k) {
    const data::Batch b = e.next();
    CHECK(b.size() == (k < 2 ? 2 : 1));
    for (int64_t i = 0; i < b.size(); ++i) {
      const View v = locate(b.images, i, false);
      CHECK(v.top == 2);
      CHECK(v.left == 2);
      CHECK_FALSE(v.flip);
      CHECK(locate(b.targets, i, true).image == v.image);
      order.push_back(v.image);
    }
  }
  CHECK(order == std::vector<int64_t>{0, 1, 2, 3, 4});
  CHECK(e.state().offset == 0);
  CHECK(e.next().images.shape() == Shape{2, 1, 5, 5});  // the next pass starts again at 0

  // serial unaligned: B is sample s mod Nb.
  PairLoader s(synthetic(4, 3, false), PairLoaderOptions::evaluation(0, 4), Rng(2));
  const data::Batch b = s.next();
  for (int64_t i = 0; i < 4; ++i) {
    CHECK(locate(b.images, i, false).image == i);
    CHECK(locate(b.targets, i, false).image == i % 3);
  }

  CHECK_THROWS_WITH_AS(PairLoader(synthetic(4, 4, true), {.fine_size = 9}, Rng(0)),
                       doctest::Contains("expected fine_size in [0, 8] (a crop of the stored 8 x 8 images; 0: no crop), found 9"),
                       ShapeError);
  CHECK_THROWS_WITH_AS(PairLoader(synthetic(4, 4, true), {.batch_size = 5}, Rng(0)),
                       doctest::Contains("batch_size 5 exceeds the epoch's 4 samples"), Error);
  CHECK_THROWS_WITH_AS(PairLoader(synthetic(4, 3, true), {}, Rng(0)), doctest::Contains("as many images in a as in b"),
                       ShapeError);
}

TEST_CASE("edge_map: a filled square's edges are its outline") {
  const int64_t n = 12;
  for (float value : {1.0f, 0.3f}) {
    CAPTURE(value);
    Tensor<float, cpu> img = Tensor<float, cpu>::zeros(Shape{1, 1, n, n});
    for (int64_t y = 3; y <= 8; ++y)
      for (int64_t x = 2; x <= 9; ++x) img.at(0, 0, y, x) = value;
    const Tensor<float, cpu> e = data::edge_map(img);
    REQUIRE(e.shape() == Shape{1, 1, n, n});
    for (int64_t y = 0; y < n; ++y)
      for (int64_t x = 0; x < n; ++x) {
        const bool inside = y >= 3 && y <= 8 && x >= 2 && x <= 9;
        const bool border = inside && (y == 3 || y == 8 || x == 2 || x == 9);
        CAPTURE(y);
        CAPTURE(x);
        CHECK(e.at(0, 0, y, x) == (border ? 1.0f : 0.0f));
      }
  }
  // A step of 0.2 is below the threshold 0.25; touching the image border closes the outline.
  Tensor<float, cpu> faint = Tensor<float, cpu>::zeros(Shape{1, 1, 6, 6});
  for (int64_t k = 12; k < 24; ++k) faint.data()[k] = 0.2f;
  CHECK(data::edge_map(faint).to_vector() == std::vector<float>(36, 0.0f));
  Tensor<float, cpu> full(Shape{1, 1, 4, 4});
  std::fill(full.data(), full.data() + 16, 1.0f);
  const std::vector<float> ring = {1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1};
  CHECK(data::edge_map(full).to_vector() == ring);
  CHECK_THROWS_WITH_AS(data::edge_map(Tensor<float, cpu>::zeros(Shape{1, 3, 4, 4})),
                       doctest::Contains("expected grey images [N, 1, H, W], found [1, 3, 4, 4]"), ShapeError);
}

TEST_CASE("thicken_edges: a 3 x 3 maximum inside the image") {
  Tensor<float, cpu> e = Tensor<float, cpu>::zeros(Shape{1, 1, 5, 6});
  e.data()[0 * 6 + 0] = 1;  // a corner
  e.data()[2 * 6 + 3] = 1;  // an inner pixel
  const Tensor<float, cpu> t = data::thicken_edges(e);
  const std::vector<float> want{1, 1, 0, 0, 0, 0,  //
                                1, 1, 1, 1, 1, 0,  //
                                0, 0, 1, 1, 1, 0,  //
                                0, 0, 1, 1, 1, 0,  //
                                0, 0, 0, 0, 0, 0};
  CHECK(t.to_vector() == want);
  CHECK(data::thicken_edges(e, 0).to_vector() == e.to_vector());
  CHECK_THROWS_WITH_AS(data::thicken_edges(Tensor<float, cpu>::zeros(Shape{1, 2, 4, 4})),
                       doctest::Contains("expected edge maps [N, 1, H, W]"), ShapeError);
}

TEST_CASE("fashion_mnist_edges: shapes, values, padding, determinism") {
  if (!fs::exists(std::string(data::fashion_mnist_default_dir) + "/t10k-images-idx3-ubyte.gz")) {
    MESSAGE("Fashion-MNIST not installed; skipped");
    return;
  }
  const ImagePairs p = data::fashion_mnist_edges("test");
  CHECK(p.aligned);
  REQUIRE(p.a.shape() == Shape{10000, 1, 32, 32});
  REQUIRE(p.b.shape() == Shape{10000, 1, 32, 32});
  REQUIRE(p.names.size() == 10000);
  CHECK(p.names.front() == "0");
  CHECK(p.names.back() == "9999");
  const data::LabeledImages src = data::fashion_mnist("test");
  bool padded = true, values = true;
  double edges = 0.0;
  for (int64_t i = 0; i < 10000; ++i)
    for (int64_t y = 0; y < 32; ++y)
      for (int64_t x = 0; x < 32; ++x) {
        const bool in = y >= 2 && y < 30 && x >= 2 && x < 30;
        const float want = in ? src.images.at(i, 0, y - 2, x - 2) : 0.0f;
        padded = padded && at(p.b, i, 0, y, x) == want;
        const float e = at(p.a, i, 0, y, x);
        values = values && (e == 0.0f || e == 1.0f);
        edges += e;
      }
  CHECK(padded);
  CHECK(values);
  const double fraction = edges / (10000.0 * 32 * 32);
  CHECK(fraction > 0.22);  // about 30% with the threshold 0.25 and 3-pixel lines
  CHECK(fraction < 0.38);
  CHECK(data::thicken_edges(data::edge_map(p.b)).to_vector() == p.a.to_vector());
  const ImagePairs thin = data::fashion_mnist_edges("test", data::fashion_mnist_default_dir, 32, 0);
  CHECK(data::edge_map(p.b).to_vector() == thin.a.to_vector());
  const ImagePairs again = data::fashion_mnist_edges("test", data::fashion_mnist_default_dir, 28);
  REQUIRE(again.a.shape() == Shape{10000, 1, 28, 28});
  CHECK_THROWS_WITH_AS(data::fashion_mnist_edges("test", data::fashion_mnist_default_dir, 20),
                       doctest::Contains("expected pad_to >= 28"), ShapeError);

  // It trains through PairLoader: edges in images, garments in targets, in [-1, 1].
  PairLoader l(p, {.batch_size = 4, .fine_size = 28}, Rng(1));
  const data::Batch b = l.next();
  CHECK(b.images.shape() == Shape{4, 1, 28, 28});
  for (float v : b.images.to_vector()) CHECK((v == -1.0f || v == 1.0f));
}
