// The image-folder dataset on small generated folders: class discovery and labels, box
// averaging when shrinking, bilinear enlarging, the centre crop, channel conversion, a
// JPEG (when stb_image_write is available) and the errors for bad folders and files.
#include <doctest/doctest.h>

#include "temp_dir.hpp"

#include <gantry/data/image_folder.hpp>
#include <gantry/io/png.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#if __has_include(<stb/stb_image_write.h>)
#define GANTRY_TEST_HAVE_STB_WRITE 1
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop
#endif

using namespace gantry;
namespace fs = std::filesystem;

namespace {

// A fresh directory under the system temp dir, removed at the end of the test.
struct TempDir : gantry_test::TempDir {
  explicit TempDir(const std::string& tag) : gantry_test::TempDir("image_folder_" + tag) {}
};

io::Image8 checkerboard(int64_t n) {
  io::Image8 img(n, n, 1);
  for (int64_t y = 0; y < n; ++y)
    for (int64_t x = 0; x < n; ++x) img.at(y, x)[0] = (x + y) % 2 ? 255 : 0;
  return img;
}

// 12 wide, 4 high: red = 20 x, green = 50 y, blue = 7.
io::Image8 wide_rgb() {
  io::Image8 img(12, 4, 3);
  for (int64_t y = 0; y < 4; ++y)
    for (int64_t x = 0; x < 12; ++x) {
      img.at(y, x)[0] = static_cast<uint8_t>(20 * x);
      img.at(y, x)[1] = static_cast<uint8_t>(50 * y);
      img.at(y, x)[2] = 7;
    }
  return img;
}

float px(const data::LabeledImages& d, int64_t i, int64_t c, int64_t y, int64_t x) {
  const Shape& s = d.images.shape();
  return d.images.data()[((i * s[1] + c) * s[2] + y) * s[3] + x];
}

}  // namespace

TEST_CASE("image_folder: classes, labels, shapes, resize and crop") {
  TempDir dir("classes");
  fs::create_directories(dir.path / "b_dogs");
  fs::create_directories(dir.path / "a_cats" / "nested");
  io::write_png((dir.path / "a_cats" / "1_check.png").string(), checkerboard(8));
  io::write_png((dir.path / "a_cats" / "2_wide.PNG").string(), wide_rgb());
  io::write_png((dir.path / "a_cats" / "nested" / "3_small.png").string(), checkerboard(2));
  io::write_png((dir.path / "b_dogs" / "tall.png").string(), io::Image8(4, 10, 1, 200));
  std::ofstream(dir.path / "a_cats" / "notes.txt") << "not an image";
  std::ofstream(dir.path / "b_dogs" / "image.gif") << "ignored extension";
  io::write_png((dir.path / "in_root.png").string(), checkerboard(4));  // ignored: the root has classes

  CHECK(data::image_folder_classes(dir.path.string()) == std::vector<std::string>{"a_cats", "b_dogs"});
  const data::LabeledImages d = data::image_folder(dir.path.string(), {.size = 4, .channels = 3});
  REQUIRE(d.images.shape() == Shape{4, 3, 4, 4});
  CHECK(d.labels == std::vector<int64_t>{0, 0, 0, 1});
  for (float v : d.images.to_vector()) {
    CHECK(v >= 0.0f);
    CHECK(v <= 1.0f);
  }
  // 8x8 checkerboard to 4x4: each output pixel is the mean of a 2x2 block, exactly 0.5;
  // grey is replicated into all three channels.
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t y = 0; y < 4; ++y)
      for (int64_t x = 0; x < 4; ++x) CHECK(px(d, 0, c, y, x) == doctest::Approx(0.5f).epsilon(1e-6));
  // 12x4 keeps its height of 4 and the crop takes columns 4..7.
  for (int64_t y = 0; y < 4; ++y)
    for (int64_t x = 0; x < 4; ++x) {
      CHECK(px(d, 1, 0, y, x) == doctest::Approx(20.0f * float(x + 4) / 255.0f).epsilon(1e-5));
      CHECK(px(d, 1, 1, y, x) == doctest::Approx(50.0f * float(y) / 255.0f).epsilon(1e-5));
      CHECK(px(d, 1, 2, y, x) == doctest::Approx(7.0f / 255.0f).epsilon(1e-5));
    }
  // 2x2 checkerboard [0 255; 255 0] enlarged to 4x4 bilinearly (half-pixel centres, edges
  // clamped): row 0 is 0, 0.25, 0.75, 1 times 255 along x.
  const float row0[4] = {0.0f, 0.25f, 0.75f, 1.0f};
  for (int64_t x = 0; x < 4; ++x) CHECK(px(d, 2, 0, 0, x) == doctest::Approx(row0[x]).epsilon(1e-6));
  CHECK(px(d, 2, 0, 1, 1) == doctest::Approx(0.75f * 0.25f + 0.25f * 0.75f).epsilon(1e-6));
  // 4x10 uniform grey: shorter side already 4, so a uniform crop.
  CHECK(px(d, 3, 2, 3, 3) == doctest::Approx(200.0f / 255.0f).epsilon(1e-6));

  SUBCASE("non-recursive classes skip nested directories") {
    const data::LabeledImages flat = data::image_folder(dir.path.string(), {.size = 4, .channels = 1, .recursive = false});
    CHECK(flat.images.shape() == Shape{3, 1, 4, 4});
    CHECK(flat.labels == std::vector<int64_t>{0, 0, 1});
  }
}

TEST_CASE("image_folder: channel conversion and a flat folder is one class 0") {
  TempDir dir("flat");
  io::write_png((dir.path / "a.png").string(), wide_rgb());
  io::write_png((dir.path / "b.png").string(), checkerboard(6));
  CHECK(data::image_folder_classes(dir.path.string()).empty());
  const data::LabeledImages g = data::image_folder(dir.path.string(), {.size = 4, .channels = 1});
  REQUIRE(g.images.shape() == Shape{2, 1, 4, 4});
  CHECK(g.labels == std::vector<int64_t>{0, 0});
  // RGB to grey with stb's integer luminance (77 R + 150 G + 29 B) >> 8.
  for (int64_t y = 0; y < 4; ++y)
    for (int64_t x = 0; x < 4; ++x) {
      const int r = 20 * int(x + 4), gr = 50 * int(y), b = 7;
      CHECK(px(g, 0, 0, y, x) == doctest::Approx(float((77 * r + 150 * gr + 29 * b) >> 8) / 255.0f).epsilon(1e-5));
    }
  // 6x6 checkerboard to 4x4: box weights 1, 0.5 per axis over 1.5 pixels; the mean stays 0.5.
  double mean = 0.0;
  for (int64_t y = 0; y < 4; ++y)
    for (int64_t x = 0; x < 4; ++x) mean += px(g, 1, 0, y, x) / 16.0;
  CHECK(mean == doctest::Approx(0.5).epsilon(1e-5));
  CHECK(px(g, 1, 0, 0, 0) == doctest::Approx((0.0 * 1 + 1.0 * 0.5 + 1.0 * 0.5 + 0.0 * 0.25) / 2.25).epsilon(1e-5));
}

TEST_CASE("image_folder: JPEG files") {
#ifdef GANTRY_TEST_HAVE_STB_WRITE
  TempDir dir("jpeg");
  std::vector<unsigned char> rgb(16 * 16 * 3);
  for (size_t i = 0; i < rgb.size(); i += 3) rgb[i] = 200, rgb[i + 1] = 100, rgb[i + 2] = 30;
  REQUIRE(stbi_write_jpg((dir.path / "x.JPG").string().c_str(), 16, 16, 3, rgb.data(), 100) != 0);
  REQUIRE(stbi_write_jpg((dir.path / "y.jpeg").string().c_str(), 16, 16, 3, rgb.data(), 100) != 0);
  const data::LabeledImages d = data::image_folder(dir.path.string(), {.size = 8, .channels = 3});
  REQUIRE(d.images.shape() == Shape{2, 3, 8, 8});
  const float want[3] = {200.0f / 255.0f, 100.0f / 255.0f, 30.0f / 255.0f};
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t c = 0; c < 3; ++c) CHECK(std::abs(px(d, i, c, 4, 4) - want[c]) < 0.03f);
#else
  MESSAGE("stb_image_write.h not available: JPEG decoding not tested");
#endif
}

TEST_CASE("image_folder: errors") {
  CHECK_THROWS_AS(data::image_folder("/nonexistent/gantry_image_folder"), FormatError);
  CHECK_THROWS_AS(data::image_folder_classes("/nonexistent/gantry_image_folder"), FormatError);

  TempDir empty("empty");
  std::ofstream(empty.path / "readme.txt") << "no images here";
  CHECK_THROWS_AS(data::image_folder(empty.path.string()), FormatError);

  TempDir empty_class("empty_class");
  fs::create_directories(empty_class.path / "full");
  fs::create_directories(empty_class.path / "hollow");
  io::write_png((empty_class.path / "full" / "a.png").string(), checkerboard(4));
  CHECK_THROWS_WITH_AS(data::image_folder(empty_class.path.string()), doctest::Contains("hollow"), FormatError);

  TempDir corrupt("corrupt");
  io::write_png((corrupt.path / "good.png").string(), checkerboard(4));
  std::string bytes = io::encode_png(checkerboard(4));
  bytes.resize(bytes.size() / 2);
  std::ofstream(corrupt.path / "broken.png", std::ios::binary) << bytes;
  try {
    data::image_folder(corrupt.path.string(), {.size = 4});
    FAIL("expected a FormatError");
  } catch (const FormatError& e) {
    const std::string msg = e.what();
    CHECK(msg.find("broken.png") != std::string::npos);
    CHECK(msg.find("stb_image") != std::string::npos);
  }

  CHECK_THROWS_AS(data::image_folder(corrupt.path.string(), {.size = 0}), Error);
  CHECK_THROWS_AS(data::image_folder(corrupt.path.string(), {.size = 4, .channels = 2}), Error);
}
