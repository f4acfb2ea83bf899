// PNG writer/decoder and image grids.
#include <zlib.h>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "gantry/core.hpp"
#include "gantry/io/grid.hpp"
#include "gantry/io/png.hpp"

using namespace gantry;
namespace fs = std::filesystem;

namespace {
std::string temp_path(const std::string& name) {
  return (fs::temp_directory_path() / ("gantry_png_" + std::to_string(::getpid()) + "_" + name)).string();
}
uint32_t be32(const std::string& b, std::size_t i) {
  const auto* p = reinterpret_cast<const unsigned char*>(b.data() + i);
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}
}  // namespace

TEST_CASE("encode_png: signature, IHDR and CRCs are valid; pixels decode back") {
  io::Image8 img(5, 3, 3);
  for (std::size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<uint8_t>(i * 17 % 256);
  const std::string b = io::encode_png(img);
  CHECK(b.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
  CHECK(be32(b, 8) == 13);
  CHECK(b.substr(12, 4) == "IHDR");
  CHECK(be32(b, 16) == 5);
  CHECK(be32(b, 20) == 3);
  CHECK(b[24] == 8);
  CHECK(b[25] == 2);  // RGB
  // Walk every chunk and check its CRC independently of the decoder.
  std::size_t i = 8;
  int chunks = 0;
  while (i < b.size()) {
    const uint32_t len = be32(b, i);
    const auto crc = ::crc32(0L, reinterpret_cast<const Bytef*>(b.data() + i + 4), len + 4);
    CHECK(crc == be32(b, i + 8 + len));
    i += 12 + len;
    ++chunks;
  }
  CHECK(i == b.size());
  CHECK(chunks == 3);
  const io::Image8 back = io::decode_png(b);
  CHECK(back.width == 5);
  CHECK(back.height == 3);
  CHECK(back.channels == 3);
  CHECK(back.pixels == img.pixels);
}

TEST_CASE("decode_png rejects a corrupted CRC and a bad signature") {
  io::Image8 img(2, 2, 1, 7);
  std::string b = io::encode_png(img);
  std::string bad = b;
  bad[20] ^= 1;  // inside IHDR data
  CHECK_THROWS_AS(io::decode_png(bad), FormatError);
  bad = b;
  bad[1] = 'X';
  CHECK_THROWS_AS(io::decode_png(bad), FormatError);
}

TEST_CASE("decode_png undoes all five row filters") {
  // A 3x2 grey image, rows filtered with Sub (1) and Paeth (4), built by hand.
  const uint8_t px[2][3] = {{10, 20, 35}, {12, 25, 30}};
  std::string raw;
  raw += char(1);
  raw += char(10), raw += char(10), raw += char(15);
  raw += char(4);
  // Paeth predictions for row 1: x0: a=0,b=10,c=0 -> b=10; x1: a=12,b=20,c=10 -> p=22 -> b=20; x2: a=25,b=35,c=20 -> p=40 -> b=35.
  raw += char(2), raw += char(5), raw += char(uint8_t(30 - 35));
  uLongf zl = compressBound(uLong(raw.size()));
  std::string z(zl, '\0');
  REQUIRE(compress(reinterpret_cast<Bytef*>(z.data()), &zl, reinterpret_cast<const Bytef*>(raw.data()), uLong(raw.size())) == Z_OK);
  z.resize(zl);
  std::string out(io::detail::png_signature);
  std::string ihdr;
  io::detail::put_u32(ihdr, 3);
  io::detail::put_u32(ihdr, 2);
  ihdr += '\x08', ihdr += '\0', ihdr.append(3, '\0');
  io::detail::put_chunk(out, "IHDR", ihdr);
  io::detail::put_chunk(out, "IDAT", z);
  io::detail::put_chunk(out, "IEND", {});
  const io::Image8 img = io::decode_png(out);
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x) CHECK(int(*img.at(y, x)) == px[y][x]);
}

TEST_CASE("write_png maps [-1, 1] to 0..255 with clamping, [C,H,W] and [H,W]") {
  const std::string path = temp_path("map.png");
  auto t = Tensor<float, cpu>::from({1, 1, 5}, {-2.0f, -1.0f, 0.0f, 1.0f, 3.0f});
  io::write_png(path, t);
  io::Image8 img = io::read_png(path);
  CHECK(img.channels == 1);
  CHECK(img.pixels == std::vector<uint8_t>{0, 0, 128, 255, 255});
  auto hw = Tensor<float, cpu>::from({2, 2}, {0.0f, 0.5f, 1.0f, 0.25f});
  io::write_png(path, hw, {0.0f, 1.0f});
  img = io::read_png(path);
  CHECK(img.width == 2);
  CHECK(img.pixels == std::vector<uint8_t>{0, 128, 255, 64});
  // RGB: channel planes become interleaved pixels.
  auto rgb = Tensor<float, cpu>::from({3, 1, 2}, {1.0f, -1.0f, -1.0f, 1.0f, -1.0f, -1.0f});
  io::write_png(path, rgb);
  img = io::read_png(path);
  CHECK(img.pixels == std::vector<uint8_t>{255, 0, 0, 0, 255, 0});
  CHECK_THROWS_AS(io::write_png(path, Tensor<float, cpu>::zeros({2, 4, 4})), ShapeError);
  fs::remove(path);
}

TEST_CASE("write_png leaves no temporary file and replaces the old one") {
  const std::string path = temp_path("atomic.png");
  io::write_png(path, io::Image8(4, 4, 1, 1));
  io::write_png(path, io::Image8(2, 2, 1, 9));
  CHECK(io::read_png(path).width == 2);
  int files = 0;
  for (const auto& e : fs::directory_iterator(fs::path(path).parent_path()))
    if (e.path().filename().string().rfind(fs::path(path).filename().string(), 0) == 0) ++files;
  CHECK(files == 1);
  fs::remove(path);
}

TEST_CASE("make_grid: tile layout, padding and partial last row like torchvision") {
  // 5 images 1x2x3, value k+1 for image k; nrow 2 -> 3 rows x 2 cols, padding 1, pad value -1.
  std::vector<float> v;
  for (int k = 0; k < 5; ++k)
    for (int i = 0; i < 6; ++i) v.push_back(float(k + 1));
  auto imgs = Tensor<float, cpu>::from({5, 1, 2, 3}, v);
  auto g = io::make_grid(imgs, {.nrow = 2, .padding = 1, .pad_value = -1.0f});
  CHECK(g.shape() == Shape{1, 3 * 3 + 1, 2 * 4 + 1});
  CHECK(g.at(0, 0, 0) == -1.0f);
  CHECK(g.at(0, 1, 1) == 1.0f);   // image 0 top-left
  CHECK(g.at(0, 2, 3) == 1.0f);   // image 0 bottom-right
  CHECK(g.at(0, 1, 4) == -1.0f);  // separator column
  CHECK(g.at(0, 1, 5) == 2.0f);   // image 1
  CHECK(g.at(0, 4, 1) == 3.0f);   // image 2, second row
  CHECK(g.at(0, 7, 1) == 5.0f);   // image 4, third row
  CHECK(g.at(0, 7, 5) == -1.0f);  // empty cell stays padding
  // torchvision.utils.make_grid(x, nrow=8, padding=2) on 3 images of 3x4x4 gives [3, 8, 20].
  auto g2 = io::make_grid(Tensor<float, cpu>::zeros({3, 3, 4, 4}));
  CHECK(g2.shape() == Shape{3, 8, 20});

  const std::string path = temp_path("grid.png");
  io::save_grid(imgs, path, {.nrow = 5, .padding = 2}, {0.0f, 5.0f});
  const io::Image8 img = io::read_png(path);
  CHECK(img.width == 5 * 5 + 2);
  CHECK(img.height == 4 + 2);
  CHECK(int(*img.at(2, 2)) == 51);
  CHECK(int(*img.at(2, 2 + 4 * 5)) == 255);
  fs::remove(path);
}
