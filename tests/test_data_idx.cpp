// IDX reader (raw and gzip) and the Fashion-MNIST helper, including bad files.
#include <doctest/doctest.h>

#include <gantry/data/fashion_mnist.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

using namespace gantry;

namespace {
std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("gantry_test_" + name)).string();
}
void write_raw(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
}
void write_gz(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}
// A 2 x 2 x 3 unsigned-byte IDX file.
std::vector<std::uint8_t> small_idx() {
  std::vector<std::uint8_t> b = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3};
  for (int i = 0; i < 12; ++i) b.push_back(static_cast<std::uint8_t>(i * 20));
  return b;
}
}  // namespace

TEST_CASE("IDX files, raw and gzip") {
  const auto raw = temp_path("small.idx"), gz = temp_path("small.idx.gz");
  write_raw(raw, small_idx());
  write_gz(gz, small_idx());
  for (const auto& p : {raw, gz}) {
    auto a = data::read_idx(p);
    CHECK(a.dims == std::vector<int64_t>{2, 2, 3});
    CHECK(a.bytes.size() == 12);
    CHECK(a.bytes[11] == 220);
  }
}

TEST_CASE("bad IDX files are named and explained") {
  const auto missing = temp_path("does_not_exist.idx");
  CHECK_THROWS_WITH_AS(data::read_idx(missing), (missing + ": cannot open (expected an IDX file, raw or .gz)").c_str(),
                       FormatError);
  auto bytes = small_idx();
  bytes.resize(bytes.size() - 5);
  const auto trunc = temp_path("trunc.idx");
  write_raw(trunc, bytes);
  CHECK_THROWS_WITH_AS(data::read_idx(trunc),
                       (trunc + ": truncated: expected 12 bytes of the payload, found 7").c_str(), FormatError);
  auto wrong = small_idx();
  wrong[0] = 0x89;  // e.g. a PNG
  const auto bad = temp_path("bad.idx");
  write_raw(bad, wrong);
  CHECK_THROWS_WITH_AS(data::read_idx(bad),
                       (bad + ": not an IDX file: expected magic bytes 00 00, found 137 0").c_str(), FormatError);
  auto f32 = small_idx();
  f32[2] = 0x0D;
  write_raw(bad, f32);
  CHECK_THROWS_WITH_AS(data::read_idx(bad), (bad + ": expected unsigned-byte data (type 0x08), found type 0xd").c_str(),
                       FormatError);
  CHECK_THROWS_WITH(data::fashion_mnist("validation"), "fashion_mnist: split must be \"train\" or \"test\", found \"validation\"");
}

TEST_CASE("Fashion-MNIST from Debian's package") {
  if (!std::filesystem::exists(data::fashion_mnist_default_dir)) {
    MESSAGE("dataset-fashion-mnist is not installed: skipped (scripts/setup installs it)");
    return;
  }
  auto test = data::fashion_mnist("test");
  CHECK(test.images.shape() == Shape{10000, 1, 28, 28});
  CHECK(test.size() == 10000);
  std::vector<int> counts(10, 0);
  for (auto l : test.labels) counts[static_cast<size_t>(l)]++;
  for (int c : counts) CHECK(c == 1000);
  float lo = 1, hi = 0;
  for (int64_t i = 0; i < test.images.numel(); ++i) lo = std::min(lo, test.images[i]), hi = std::max(hi, test.images[i]);
  CHECK(lo == 0.0f);
  CHECK(hi == 1.0f);
}
