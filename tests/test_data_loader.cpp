// data::Loader: batching, exact transform values, reproducibility and resume from state.
#include <doctest/doctest.h>

#include <gantry/data/loader.hpp>

#include <algorithm>
#include <filesystem>
#include <set>

using namespace gantry;
using data::Loader;
using data::LoaderOptions;
using data::PixelRange;

namespace {
// N images of shape [1, 2, 3]; image i holds (i * 6 + k) / 255 at flat position k.
data::LabeledImages tiny(int64_t n) {
  data::LabeledImages d;
  d.images = Tensor<float, cpu>(Shape{n, 1, 2, 3});
  for (int64_t i = 0; i < n * 6; ++i) d.images.data()[i] = static_cast<float>(i) / 255.0f;
  for (int64_t i = 0; i < n; ++i) d.labels.push_back(i % 10);
  return d;
}
std::vector<std::vector<float>> take(Loader& l, int k) {
  std::vector<std::vector<float>> out;
  for (int i = 0; i < k; ++i) {
    auto b = l.next();
    auto v = b.images.to_vector();
    for (auto lab : b.labels) v.push_back(static_cast<float>(lab));
    out.push_back(v);
  }
  return out;
}
}  // namespace

TEST_CASE("Loader without shuffling: order, drop_last, epoch rollover") {
  LoaderOptions o;
  o.batch_size = 3;
  o.shuffle = false;
  o.range = PixelRange::unit;
  Loader l(tiny(7), o, Rng(1));
  CHECK(l.batches_per_epoch() == 2);
  auto b = l.next();
  CHECK(b.images.shape() == Shape{3, 1, 2, 3});
  CHECK(b.labels == std::vector<int64_t>{0, 1, 2});
  CHECK(b.images.at(2, 0, 1, 2) == doctest::Approx(17.0 / 255));
  CHECK(l.next().labels == std::vector<int64_t>{3, 4, 5});
  CHECK(l.next().labels == std::vector<int64_t>{0, 1, 2});  // sample 6 dropped, epoch 1
  CHECK(l.epoch() == 1);

  o.drop_last = false;
  Loader k(tiny(7), o, Rng(1));
  CHECK(k.batches_per_epoch() == 3);
  k.next();
  k.next();
  auto last = k.next();
  CHECK(last.labels == std::vector<int64_t>{6});
  CHECK(last.images.shape() == Shape{1, 1, 2, 3});
}

TEST_CASE("Loader: padding, scaling and flips give exact values") {
  LoaderOptions o;
  o.batch_size = 4;
  o.shuffle = false;
  o.pad_to = 4;  // 2 x 3 -> 4 x 4: one row above, left pad 0, one column right
  o.range = PixelRange::symmetric;
  o.random_flip = true;
  Loader l(tiny(4), o, Rng(7));
  auto b = l.next();
  REQUIRE(b.images.shape() == Shape{4, 1, 4, 4});
  int flipped = 0;
  for (int64_t i = 0; i < 4; ++i) {
    // Padding rows and columns: 0 in [0, 1], -1 after scaling.
    for (int64_t x = 0; x < 4; ++x) {
      CHECK(b.images.at(i, 0, 0, x) == -1.0f);
      CHECK(b.images.at(i, 0, 3, x) == -1.0f);
    }
    CHECK(b.images.at(i, 0, 1, 3) == -1.0f);
    CHECK(b.images.at(i, 0, 2, 3) == -1.0f);
    const bool f = b.images.at(i, 0, 1, 0) != 2.0f * float(i * 6) / 255.0f - 1.0f;
    flipped += f;
    for (int64_t y = 0; y < 2; ++y)
      for (int64_t x = 0; x < 3; ++x) {
        const int64_t sx = f ? 2 - x : x;
        CHECK(b.images.at(i, 0, y + 1, x) == 2.0f * (float(i * 6 + y * 3 + sx) / 255.0f) - 1.0f);
      }
  }
  // Flip decisions are Philox draws: check against the stream directly.
  int expected = 0;
  for (int i = 0; i < 4; ++i) expected += Philox::uniform(7, static_cast<std::uint64_t>(i)) <= 0.5;
  CHECK(flipped == expected);
}

TEST_CASE("Loader: flips occur with probability 0.5") {
  LoaderOptions o;
  o.batch_size = 1000;
  o.shuffle = false;
  o.random_flip = true;
  o.range = PixelRange::unit;
  data::LabeledImages d;
  d.images = Tensor<float, cpu>(Shape{1000, 1, 1, 2});
  for (int64_t i = 0; i < 1000; ++i) {
    d.images.data()[2 * i] = 0.0f;
    d.images.data()[2 * i + 1] = 1.0f;
    d.labels.push_back(0);
  }
  Loader l(d, o, Rng(3));
  auto b = l.next();
  int flipped = 0;
  for (int64_t i = 0; i < 1000; ++i) flipped += b.images.at(i, 0, 0, 0) == 1.0f;
  CHECK(flipped > 430);
  CHECK(flipped < 570);
}

TEST_CASE("Loader: dequantisation as in improved_wgan_training") {
  LoaderOptions o;
  o.batch_size = 4;
  o.shuffle = false;
  o.range = PixelRange::dequantized;
  Loader l(tiny(4), o, Rng(11));
  auto b = l.next();
  auto v = b.images.to_vector();
  for (size_t k = 0; k < v.size(); ++k) {
    const double base = 2.0 * (double(k) / 256.0 - 0.5);  // byte value k
    CHECK(v[k] >= base - 1e-6);
    CHECK(v[k] < base + 1.0 / 128 + 1e-6);
    const double u = 1.0 - Philox::uniform(11, k);
    CHECK(v[k] == doctest::Approx(base + u / 128).epsilon(1e-6));
  }
  CHECK(l.state().offset == 24);
}

TEST_CASE("Loader: shuffling is a permutation, new each epoch, same seed same batches") {
  LoaderOptions o;
  o.batch_size = 5;
  o.random_flip = true;
  Loader a(tiny(20), o, Rng(42)), b(tiny(20), o, Rng(42)), c(tiny(20), o, Rng(43));
  const auto p0 = a.permutation();
  std::set<int64_t> seen(p0.begin(), p0.end());
  CHECK(seen.size() == 20);
  CHECK(p0 != c.permutation());
  std::vector<int64_t> order;
  for (int i = 0; i < 4; ++i)
    for (auto lab : a.next().labels) order.push_back(lab);
  std::sort(order.begin(), order.end());
  std::vector<int64_t> all;
  for (int64_t i = 0; i < 20; ++i) all.push_back(i % 10);
  std::sort(all.begin(), all.end());
  CHECK(order == all);  // one epoch visits every sample once
  a.next();
  CHECK(a.epoch() == 1);
  CHECK(a.permutation() != p0);
  take(b, 5);
  CHECK(take(a, 7) == take(b, 7));
}

TEST_CASE("Loader: state restores a run bit for bit") {
  LoaderOptions o;
  o.batch_size = 3;
  o.pad_to = 4;
  o.random_flip = true;
  o.range = PixelRange::dequantized;
  Loader a(tiny(11), o, Rng(2024));
  take(a, 5);
  const data::LoaderState st = a.state();
  const auto expected = take(a, 5);  // crosses an epoch boundary (3 batches per epoch)
  Loader b(tiny(11), o, Rng(999));
  b.restore(st);
  CHECK(b.state() == st);
  CHECK(take(b, 5) == expected);
  CHECK(a.state() == b.state());
}

TEST_CASE("Loader: bad arguments") {
  LoaderOptions o;
  o.batch_size = 8;
  CHECK_THROWS_WITH_AS(Loader(tiny(4), o, Rng(0)), doctest::Contains("exceeds the dataset size 4"), Error);
  o.batch_size = 2;
  o.pad_to = 2;
  CHECK_THROWS_WITH_AS(Loader(tiny(4), o, Rng(0)), doctest::Contains("pad_to 2 is smaller"), ShapeError);
}

TEST_CASE("Loader on Fashion-MNIST: 28 x 28 padded to 32 x 32 in [-1, 1]") {
  if (!std::filesystem::exists(std::string(data::fashion_mnist_default_dir) + "/t10k-images-idx3-ubyte.gz")) {
    MESSAGE("Fashion-MNIST not installed; skipped");
    return;
  }
  LoaderOptions o;
  o.batch_size = 64;
  o.pad_to = 32;
  o.random_flip = true;
  Loader l(data::fashion_mnist("test"), o, Rng(1));
  CHECK(l.batches_per_epoch() == 10000 / 64);
  auto b = l.next();
  CHECK(b.images.shape() == Shape{64, 1, 32, 32});
  auto v = b.images.to_vector();
  CHECK(*std::min_element(v.begin(), v.end()) == -1.0f);
  CHECK(*std::max_element(v.begin(), v.end()) <= 1.0f);
  for (int64_t x = 0; x < 32; ++x) CHECK(b.images.at(5, 0, 1, x) == -1.0f);  // padding row
}
