// Toy 2-D distributions (sample statistics against their modes) and the CIFAR binary
// readers on small generated files, including truncated and missing ones.
#include <doctest/doctest.h>

#include <gantry/data/cifar.hpp>
#include <gantry/data/toy2d.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>

using namespace gantry;

namespace {
// Assigns each sample to its nearest centre; checks every mode is hit with roughly equal
// frequency, that samples sit within 5 std of their centre, and the per-mode spread.
void check_mixture(const Tensor<float, cpu>& x, const toy::Modes& m) {
  const int64_t n = x.shape()[0];
  const size_t k = m.centres.size();
  std::vector<int64_t> count(k, 0);
  std::vector<double> sq(k, 0.0), mx(k, 0.0), my(k, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    const double px = x.at(i, 0), py = x.at(i, 1);
    size_t best = 0;
    double bd = 1e30;
    for (size_t c = 0; c < k; ++c) {
      const double d = std::hypot(px - m.centres[c][0], py - m.centres[c][1]);
      if (d < bd) bd = d, best = c;
    }
    CHECK(bd < 5.5 * m.std * std::sqrt(2.0));
    ++count[best];
    mx[best] += px - m.centres[best][0];
    my[best] += py - m.centres[best][1];
    sq[best] += (px - m.centres[best][0]) * (px - m.centres[best][0]) +
                (py - m.centres[best][1]) * (py - m.centres[best][1]);
  }
  const double expect = double(n) / double(k);
  for (size_t c = 0; c < k; ++c) {
    CHECK(std::abs(count[c] - expect) < 5 * std::sqrt(expect));
    CHECK(std::abs(mx[c] / count[c]) < 0.1 * m.std);  // centre estimate
    CHECK(std::abs(my[c] / count[c]) < 0.1 * m.std);
    CHECK(std::sqrt(sq[c] / (2.0 * count[c])) == doctest::Approx(m.std).epsilon(0.05));
  }
}

std::string temp_dir(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() / ("gantry_test_" + name);
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d.string();
}
// n records; record r: label bytes `labels(r)`, pixel k = (r * 7 + k) % 256.
template <class Labels>
void write_records(const std::string& path, int n, Labels labels, int64_t cut = 0) {
  std::vector<char> bytes;
  for (int r = 0; r < n; ++r) {
    for (int l : labels(r)) bytes.push_back(static_cast<char>(l));
    for (int k = 0; k < 3072; ++k) bytes.push_back(static_cast<char>((r * 7 + k) % 256));
  }
  bytes.resize(bytes.size() - static_cast<size_t>(cut));
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}
}  // namespace

TEST_CASE("toy: eight gaussians match gan_toy.py's modes and spread") {
  auto m = toy::eight_gaussians_modes();
  REQUIRE(m.centres.size() == 8);
  CHECK(m.centres[0][0] == doctest::Approx(2.0 / 1.414));
  CHECK(std::hypot(m.centres[4][0], m.centres[4][1]) == doctest::Approx(2.0 / 1.414));
  CHECK(m.std == doctest::Approx(0.02 / 1.414));
  Rng rng(5);
  auto x = toy::eight_gaussians(40000, rng);
  CHECK(x.shape() == Shape{40000, 2});
  check_mixture(x, m);
  CHECK(rng.offset() == 3 * 40000);
  Rng again(5);
  CHECK(toy::eight_gaussians(40000, again).to_vector() == x.to_vector());
}

TEST_CASE("toy: twenty-five gaussians on the grid -4..4 / 2.828") {
  auto m = toy::twentyfive_gaussians_modes();
  REQUIRE(m.centres.size() == 25);
  CHECK(m.centres.front()[0] == doctest::Approx(-4.0 / 2.828));
  CHECK(m.centres.back()[1] == doctest::Approx(4.0 / 2.828));
  CHECK(m.std == doctest::Approx(0.05 / 2.828));
  Rng rng(6);
  check_mixture(toy::twentyfive_gaussians(100000, rng), m);
}

TEST_CASE("toy: swiss roll statistics") {
  Rng rng(7);
  const int64_t n = 200000;
  auto x = toy::swiss_roll(n, rng);
  // t ~ U[1.5 pi, 4.5 pi]; E[t cos t] and E[t sin t] in closed form over that interval:
  // the antiderivatives are cos t + t sin t and sin t - t cos t.
  const double a = 1.5 * std::numbers::pi, b = 4.5 * std::numbers::pi, w = b - a;
  const double ex = ((std::cos(b) + b * std::sin(b)) - (std::cos(a) + a * std::sin(a))) / w / 7.5;
  const double ey = ((std::sin(b) - b * std::cos(b)) - (std::sin(a) - a * std::cos(a))) / w / 7.5;
  // E[t^2] / 7.5^2 + noise: the mean squared radius.
  const double er2 = ((b * b * b - a * a * a) / (3 * w) + 2 * 0.0625) / 56.25;
  double sx = 0, sy = 0, sr = 0, rmax = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double px = x.at(i, 0), py = x.at(i, 1);
    sx += px, sy += py, sr += px * px + py * py;
    rmax = std::max(rmax, std::hypot(px, py));
  }
  CHECK(std::abs(sx / n - ex) < 0.01);
  CHECK(std::abs(sy / n - ey) < 0.01);
  CHECK(sr / n == doctest::Approx(er2).epsilon(0.01));
  CHECK(rmax < (b + 5 * 0.25 * std::sqrt(2.0)) / 7.5);
}

TEST_CASE("cifar10: reads the binary batches") {
  const auto dir = temp_dir("cifar10");
  for (int i = 1; i <= 5; ++i)
    write_records(dir + "/data_batch_" + std::to_string(i) + ".bin", 2, [&](int r) {
      return std::vector<int>{(i * 2 + r) % 10};
    });
  write_records(dir + "/test_batch.bin", 3, [](int r) { return std::vector<int>{9 - r}; });
  auto tr = data::cifar10(dir, "train");
  CHECK(tr.images.shape() == Shape{10, 3, 32, 32});
  CHECK(tr.labels == std::vector<int64_t>{2, 3, 4, 5, 6, 7, 8, 9, 0, 1});
  auto te = data::cifar10(dir, "test");
  REQUIRE(te.images.shape() == Shape{3, 3, 32, 32});
  CHECK(te.labels == std::vector<int64_t>{9, 8, 7});
  // Record 2, channel 1 (green), row 3, column 5: byte (2 * 7 + 1024 + 3 * 32 + 5) % 256.
  CHECK(te.images.at(2, 1, 3, 5) == static_cast<float>((14 + 1024 + 96 + 5) % 256) / 255.0f);
  CHECK(te.images.at(0, 0, 0, 0) == 0.0f);
  CHECK(te.images.at(0, 2, 31, 31) == 255.0f / 255.0f);

  write_records(dir + "/test_batch.bin", 3, [](int) { return std::vector<int>{0}; }, 100);
  CHECK_THROWS_WITH_AS(data::cifar10(dir, "test"),
                       doctest::Contains("test_batch.bin: expected a whole number of 3073-byte records (1 label "
                                         "byte + 3072 pixel bytes), found 9119 bytes (2 records and 2973 bytes"),
                       FormatError);
  write_records(dir + "/test_batch.bin", 1, [](int) { return std::vector<int>{10}; });
  CHECK_THROWS_WITH_AS(data::cifar10(dir, "test"), doctest::Contains("expected a label in 0..9, found 10"),
                       FormatError);
  std::filesystem::remove(dir + "/data_batch_4.bin");
  CHECK_THROWS_WITH_AS(data::cifar10(dir, "train"), doctest::Contains("data_batch_4.bin: cannot open"), FormatError);
  CHECK_THROWS_WITH_AS(data::cifar10(dir, "valid"), doctest::Contains("found \"valid\""), Error);
  std::filesystem::remove_all(dir);
}

TEST_CASE("cifar100: coarse and fine labels") {
  const auto dir = temp_dir("cifar100");
  write_records(dir + "/train.bin", 4, [](int r) { return std::vector<int>{r * 5, r * 25}; });
  auto fine = data::cifar100(dir, "train");
  CHECK(fine.images.shape() == Shape{4, 3, 32, 32});
  CHECK(fine.labels == std::vector<int64_t>{0, 25, 50, 75});
  auto coarse = data::cifar100(dir, "train", false);
  CHECK(coarse.labels == std::vector<int64_t>{0, 5, 10, 15});
  CHECK(coarse.images.at(3, 0, 0, 1) == static_cast<float>(22) / 255.0f);
  CHECK_THROWS_WITH_AS(data::cifar100(dir, "test"), doctest::Contains("test.bin: cannot open"), FormatError);
  write_records(dir + "/test.bin", 1, [](int) { return std::vector<int>{0, 0}; }, 1);
  CHECK_THROWS_WITH_AS(data::cifar100(dir, "test"),
                       doctest::Contains("expected a whole number of 3074-byte records (2 label bytes + 3072 "
                                         "pixel bytes), found 3073 bytes"),
                       FormatError);
  std::filesystem::remove_all(dir);
}
