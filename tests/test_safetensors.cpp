// safetensors checkpoints: JSON header parsing, round trips, a file written by PyTorch,
// every kind of broken file, lookup errors and the atomic-write guarantee.
#include <doctest/doctest.h>

#include "temp_dir.hpp"
#include <sys/stat.h>
#include <unistd.h>

#include <gantry/core/factories.hpp>
#include <gantry/io.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <numbers>

using namespace gantry;
namespace fs = std::filesystem;

namespace {

// A fresh directory for this test program's files, removed when the program ends.
// (A test makes a directory read-only: it is made writable again before the removal.)
struct TempDir : gantry_test::TempDir {
  TempDir() : gantry_test::TempDir("test_safetensors") {}
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path / "locked", fs::perms::owner_all, ec);
  }
};
const fs::path& temp_dir() {
  static const TempDir dir;
  return dir.path;
}
std::string temp_path(const std::string& name) { return (temp_dir() / name).string(); }

std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}
void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}
std::string le64(uint64_t n) {
  std::string s(8, '\0');
  std::memcpy(s.data(), &n, 8);
  return s;
}
// A file with the given header text and data bytes.
std::string make_file(const std::string& name, const std::string& header, const std::string& data) {
  const auto p = temp_path(name);
  write_bytes(p, le64(header.size()) + header + data);
  return p;
}
std::string float_bytes(std::initializer_list<float> v) {
  return std::string(reinterpret_cast<const char*>(std::data(v)), v.size() * sizeof(float));
}
// Files in the temp directory whose name contains ".tmp-".
int temp_files_left() {
  int n = 0;
  for (const auto& e : fs::directory_iterator(temp_dir()))
    if (e.path().filename().string().find(".tmp-") != std::string::npos) ++n;
  return n;
}
std::string pid() { return std::to_string(::getpid()); }

// What read_safetensors says about `path` ("no error" when it loads).
std::string read_error(const std::string& path) {
  try {
    io::read_safetensors(path);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("json: values, exact integers, escapes and round trips") {
  const auto v = io::json::parse(
      " {\"i\": 9223372036854775807, \"n\": -9223372036854775808, \"d\": -1.5e-3, \"z\": 0, \"big\": 18446744073709551616,"
      " \"s\": \"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\u20AC\\ud83d\\ude00\", \"t\": true, \"f\": false, \"nil\": null,"
      " \"arr\": [1, [2, {}], []], \"raw\": \"\xC3\xA9\"} \r\n");
  CHECK(v.find("i")->as_int() == std::numeric_limits<int64_t>::max());
  CHECK(v.find("n")->as_int() == std::numeric_limits<int64_t>::min());
  CHECK(v.find("d")->as_double() == -1.5e-3);
  CHECK(v.find("z")->is_int());
  CHECK(!v.find("big")->is_int());  // past int64: a double
  CHECK(v.find("big")->as_double() == 18446744073709551616.0);
  CHECK(v.find("s")->as_string() == "a\"b\\c/d\b\f\n\r\t\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  CHECK(v.find("raw")->as_string() == "\xC3\xA9");
  CHECK(v.find("t")->as_bool());
  CHECK(!v.find("f")->as_bool());
  CHECK(v.find("nil")->is_null());
  CHECK(v.find("arr")->as_array().size() == 3);
  CHECK(v.find("missing") == nullptr);
  CHECK(io::json::parse(io::json::dump(v)) == v);

  // Building values: key order is kept, doubles stay doubles, control characters are escaped.
  io::json::Value w;
  w["b"] = 2.0;
  w["a"] = io::json::Array{1, "x\n\x01", nullptr, true, 0.1};
  w["b"] = 3.0;  // replaces, keeps the position
  CHECK(io::json::dump(w) == "{\"b\":3.0,\"a\":[1,\"x\\n\\u0001\",null,true,0.1]}");
  CHECK(io::json::parse(io::json::dump(w)) == w);
  CHECK(io::json::parse("1e2").as_double() == 100.0);
  CHECK_THROWS_WITH_AS(io::json::parse("\"x\"").as_int(), "JSON: expected an integer, found a string", FormatError);
  CHECK_THROWS_WITH_AS(io::json::dump(io::json::Value(std::nan(""))), "JSON: cannot write the non-finite number nan",
                       Error);
}

TEST_CASE("json: errors give the byte offset") {
  auto err = [](std::string_view text) {
    try {
      io::json::parse(text);
    } catch (const io::json::ParseError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(err("{\"a\": 1,}") == "JSON: expected a string key, found '}' at byte 8");
  CHECK(err("{\"a\" 1}") == "JSON: expected ':' after a key, found '1' at byte 5");
  CHECK(err("[1 2]") == "JSON: expected ',' or ']' in an array, found '2' at byte 3");
  CHECK(err("{\"a\": 1, \"a\": 2}") == "JSON: duplicate key \"a\" at byte 9");
  CHECK(err("\"abc") == "JSON: unterminated string at byte 4");
  CHECK(err("\"a\\qb\"") == "JSON: invalid escape '\\q' at byte 2");
  CHECK(err("\"\\ud83d\"") == "JSON: unpaired surrogate \\ud83d at byte 1");
  CHECK(err("\"\\ude00\"") == "JSON: unpaired surrogate \\ude00 at byte 1");
  CHECK(err("\"\\u12g4\"") == "JSON: expected 4 hex digits after \\u, found 'g' at byte 5");
  CHECK(err("\"a\nb\"") == "JSON: control character (byte 0x0a) in a string; it must be escaped at byte 2");
  CHECK(err("\"\xC3\x28\"") == "JSON: invalid UTF-8 (byte 0xc3) at byte 1");
  CHECK(err("\"\xED\xA0\x80\"") == "JSON: invalid UTF-8 (byte 0xed) at byte 1");  // an encoded surrogate
  CHECK(err("{} x") == "JSON: unexpected 'x' after the JSON value at byte 3");
  CHECK(err("") == "JSON: expected a value, found end of input at byte 0");
  CHECK(err("[01]") == "JSON: expected ',' or ']' in an array, found '1' at byte 2");
  CHECK(err("-") == "JSON: expected a digit, found end of input at byte 1");
  CHECK(err("1.") == "JSON: expected a digit after '.', found end of input at byte 2");
  CHECK(err("tru") == "JSON: invalid literal (expected 'true') at byte 0");
  CHECK(err("1e999") == "JSON: number out of range at byte 0");
  CHECK(err(std::string(300, '[')) == "JSON: nesting deeper than 256 levels at byte 257");
}

TEST_CASE("safetensors: float, double and int64 tensors round trip with metadata") {
  Rng gen(7);
  auto w = randn<float>({4, 3, 3, 3}, gen);
  auto b = randn<float>({4}, gen);
  auto mean = randn<double>({2, 5}, gen);
  auto scalar = Tensor<double, cpu>::from(Shape{}, {0.125});
  auto empty = Tensor<float, cpu>::zeros({0, 7});
  const std::vector<int64_t> labels = {3, -1, std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min(), 0, 9};
  const std::string note = "caf\xC3\xA9 \"quoted\"\n\t\\ \xF0\x9F\x98\x80";

  io::SafetensorsWriter writer;
  writer.add("G.blocks.0.conv1.weight", w)
      .add("G.blocks.0.conv1.bias", b)
      .add("G.bn.running_mean", mean)
      .add("scalar", scalar)
      .add("empty", empty)
      .add_ints("labels", labels, std::vector<int64_t>{2, 3})
      .add_ints("step", {1000}, std::vector<int64_t>{})
      .metadata("step", "1000")
      .metadata("note", note)
      .metadata("hparams", io::json::dump(io::json::Object{{"lr", 2e-4}, {"n_critic", 5}}));
  const auto path = temp_path("round_trip.safetensors");
  writer.write(path);
  CHECK(temp_files_left() == 0);

  const auto f = io::read_safetensors(path);
  CHECK(f.path == path);
  CHECK(f.tensors.size() == 7);
  CHECK(f.metadata.at("step") == "1000");
  CHECK(f.metadata.at("note") == note);
  const auto hp = io::json::parse(f.metadata.at("hparams"));
  CHECK(hp.find("lr")->as_double() == 2e-4);
  CHECK(hp.find("n_critic")->as_int() == 5);

  CHECK(f.entry("G.blocks.0.conv1.weight").dtype == io::DType::F32);
  CHECK(f.entry("G.bn.running_mean").dtype == io::DType::F64);
  CHECK(f.entry("labels").dtype == io::DType::I64);
  CHECK(f.get<float>("G.blocks.0.conv1.weight", {4, 3, 3, 3}).to_vector() == w.to_vector());
  CHECK(f.get<float>("G.blocks.0.conv1.bias").to_vector() == b.to_vector());
  CHECK(f.get<double>("G.bn.running_mean", {2, 5}).to_vector() == mean.to_vector());
  CHECK(f.get<double>("scalar").shape() == Shape{});
  CHECK(f.get<double>("scalar").item() == 0.125);
  CHECK(f.get<float>("empty").shape() == Shape{0, 7});
  CHECK(f.get_ints("labels") == labels);
  CHECK(f.entry("labels").shape == std::vector<int64_t>{2, 3});
  CHECK(f.get_ints("step") == std::vector<int64_t>{1000});
  // Conversions: F32 read as double, F64 as float, I64 as float.
  const auto wd = f.get<double>("G.blocks.0.conv1.weight").to_vector();
  const auto wf = w.to_vector();
  for (std::size_t i = 0; i < wf.size(); ++i) CHECK(wd[i] == static_cast<double>(wf[i]));
  CHECK(f.get<float>("G.bn.running_mean").at(1, 4) == static_cast<float>(mean.at(1, 4)));
  CHECK(f.get<float>("labels").at(0, 1) == -1.0f);

  // Layout: header padded to 8 bytes, largest elements first so every tensor is aligned,
  // then by name; the metadata comes first in the header.
  const std::string bytes = read_bytes(path);
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  CHECK(n % 8 == 0);
  const std::string header = bytes.substr(8, n);
  CHECK(header.rfind("{\"__metadata__\":{\"hparams\":", 0) == 0);
  CHECK(header.find("\"G.bn.running_mean\"") < header.find("\"labels\""));
  CHECK(header.find("\"labels\"") < header.find("\"scalar\""));
  CHECK(header.find("\"scalar\"") < header.find("\"G.blocks.0.conv1.bias\""));
  CHECK(header.find("\"G.blocks.0.conv1.bias\"") < header.find("\"G.blocks.0.conv1.weight\""));
  const auto parsed = io::json::parse(header);
  for (const auto& [name, e] : f.tensors) {
    const auto* info = parsed.find(name);
    REQUIRE(info);
    CHECK(info->find("data_offsets")->as_array()[0].as_int() % static_cast<int64_t>(io::dtype_size(e.dtype)) == 0);
  }

  // A file read back writes the same bytes.
  const auto again = temp_path("round_trip_again.safetensors");
  io::write_safetensors(again, f);
  CHECK(read_bytes(again) == bytes);

  // The map overloads, and a file without metadata or tensors.
  io::write_safetensors(temp_path("map.safetensors"), std::map<std::string, Tensor<double, cpu>>{{"x", mean}},
                        {{"k", "v"}});
  CHECK(io::read_safetensors(temp_path("map.safetensors")).get<double>("x").to_vector() == mean.to_vector());
  io::write_safetensors(temp_path("none.safetensors"), std::map<std::string, Tensor<float, cpu>>{});
  CHECK(read_bytes(temp_path("none.safetensors")) == le64(8) + "{}      ");
  const auto none = io::read_safetensors(temp_path("none.safetensors"));
  CHECK(none.tensors.empty());
  CHECK(none.metadata.empty());
}

TEST_CASE("safetensors: a file written by PyTorch (tests/fixtures/make_safetensors_fixture.py)") {
  const std::string path = std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/safetensors_sample.safetensors";
  const auto f = io::read_safetensors(path);
  CHECK(f.tensors.size() == 9);
  CHECK(f.metadata.at("format") == "pt");
  CHECK(f.metadata.at("step") == "1234");
  CHECK(f.metadata.at("note") == "caf\xC3\xA9 \"quoted\" \xF0\x9F\x98\x80\ttab\\");  // written as \u escapes
  CHECK(io::json::parse(f.metadata.at("hparams")).find("betas")->as_array()[1].as_double() == 0.9);

  const auto w = f.get<float>("G.blocks.0.conv1.weight", {2, 3, 1, 2});
  for (int i = 0; i < 12; ++i) CHECK(w[i] == static_cast<float>(i) / 4 - 1);
  CHECK(f.get<float>("D.blocks.0.conv1.u").to_vector() == std::vector<float>{0.1f, -2.5f, 3.14159f});
  CHECK(f.get<double>("stats.mean", {2, 2}).to_vector() ==
        std::vector<double>{std::numbers::pi, std::numbers::e, -1.0 / 3.0, 1e-300});
  CHECK(f.get<double>("scalar", Shape{}).item() == 42.5);
  CHECK(f.get_ints("labels") == std::vector<int64_t>{0, 9, -1, int64_t{1} << 40, -(int64_t{1} << 62)});
  CHECK(f.entry("counts").dtype == io::DType::I32);
  CHECK(f.get_ints("counts") == std::vector<int64_t>{1, -2, 3, 2147483647});
  CHECK(f.get<float>("half").to_vector() == std::vector<float>{1.0f, -2.5f, 65504.0f});
  CHECK(f.get<double>("bf16").to_vector() == std::vector<double>{1.5, -3.0});
  CHECK(f.get<float>("empty", {0, 3}).numel() == 0);
}

TEST_CASE("safetensors: broken files are rejected with the file and the problem") {
  const auto msg = read_error;
  const std::string ok_entry = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
  const std::string two = float_bytes({1, 2});

  const auto missing = temp_path("missing.safetensors");
  CHECK(msg(missing) == "safetensors: " + missing + ": cannot open (No such file or directory)");
  CHECK(msg(temp_dir().string()) == "safetensors: " + temp_dir().string() + ": not a regular file");

  const auto shortf = temp_path("short.safetensors");
  write_bytes(shortf, std::string("\x10\0\0\0\0", 5));
  CHECK(msg(shortf) == "safetensors: " + shortf + ": the file has 5 bytes, too few for the 8-byte header length");

  const auto big = temp_path("big_header.safetensors");
  write_bytes(big, le64(1000) + "{}" + two);
  CHECK(msg(big) == "safetensors: " + big + ": the header length 1000 is larger than the rest of the file (10 bytes)");
  const auto huge = temp_path("huge_header.safetensors");
  write_bytes(huge, le64(~uint64_t{0}) + "{}");
  CHECK(msg(huge) == "safetensors: " + huge + ": the header length 18446744073709551615 is larger than the rest of the file (2 bytes)");

  auto p = make_file("bad_json.safetensors", "{" + ok_entry + ",}", two);
  CHECK(msg(p) == "safetensors: " + p +
                      ": the header is not valid JSON: expected a string key, found '}' at byte 54 of the header (byte 62 "
                      "of the file)");
  p = make_file("not_utf8.safetensors", "{\"\xFF\":1}", "");
  CHECK(msg(p) == "safetensors: " + p +
                      ": the header is not valid JSON: invalid UTF-8 (byte 0xff) at byte 2 of the header (byte 10 of the file)");
  p = make_file("dup.safetensors", "{" + ok_entry + "," + ok_entry + "}", two);
  CHECK(msg(p) == "safetensors: " + p +
                      ": the header is not valid JSON: duplicate key \"a\" at byte 54 of the header (byte 62 of the file)");
  p = make_file("array.safetensors", "[1, 2]", "");
  CHECK(msg(p) == "safetensors: " + p + ": the header must be a JSON object, found an array");
  p = make_file("entry.safetensors", "{\"a\": \"F32\"}", "");
  CHECK(msg(p) == "safetensors: " + p +
                      ": tensor 'a': expected an object with dtype, shape and data_offsets, found a string");
  p = make_file("no_shape.safetensors", "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", two);
  CHECK(msg(p) == "safetensors: " + p + ": tensor 'a' has no \"shape\"");
  p = make_file("dtype.safetensors", "{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", two);
  CHECK(msg(p) == "safetensors: " + p +
                      ": tensor 'a' has unknown dtype \"Q4\" (gantry reads BOOL, U8, I8, I16, U16, F16, BF16, I32, U32, "
                      "F32, F64, I64, U64)");
  p = make_file("dtype_type.safetensors", "{\"a\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}", two);
  CHECK(msg(p) == "safetensors: " + p + ": tensor 'a': dtype must be a string, found an integer");
  p = make_file("shape.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,-1],\"data_offsets\":[0,8]}}", two);
  CHECK(msg(p) == "safetensors: " + p + ": tensor 'a': shape must be an array of non-negative integers, found [2,-1]");
  p = make_file("shape2.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", two);
  CHECK(msg(p) == "safetensors: " + p + ": tensor 'a': shape must be an array of non-negative integers, found [2.0]");
  p = make_file("reversed.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", two);
  CHECK(msg(p) == "safetensors: " + p +
                      ": tensor 'a': data_offsets must be two integers [begin, end] with 0 <= begin <= end, found [8,0]");
  p = make_file("offsets3.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4,8]}}", two);
  CHECK(msg(p) == "safetensors: " + p +
                      ": tensor 'a': data_offsets must be two integers [begin, end] with 0 <= begin <= end, found [0,4,8]");
  p = make_file("size.safetensors", "{\"a\":{\"dtype\":\"F64\",\"shape\":[2,2],\"data_offsets\":[0,8]}}", two);
  CHECK(msg(p) == "safetensors: " + p +
                      ": tensor 'a': data_offsets [0, 8] hold 8 bytes, but dtype F64 and shape [2, 2] need 32");
  p = make_file("overflow.safetensors",
                "{\"a\":{\"dtype\":\"F64\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", two);
  CHECK(msg(p) == "safetensors: " + p +
                      ": tensor 'a': data_offsets [0, 8] hold 8 bytes, but dtype F64 and shape [4294967296, 4294967296] "
                      "need more than 2^63");
  p = make_file("range.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", two);
  CHECK(msg(p) == "safetensors: " + p +
                      ": tensor 'a' has data_offsets [8, 16] past the end of the data (8 bytes after the header): the "
                      "file is truncated or the offsets are wrong");
  p = make_file("overlap.safetensors",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                two);
  CHECK(msg(p) == "safetensors: " + p + ": tensors 'a' and 'b' overlap: data_offsets [0, 8] and [4, 8]");
  p = make_file("hole.safetensors",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
                float_bytes({1, 2, 3}));
  CHECK(msg(p) == "safetensors: " + p +
                      ": no tensor covers data bytes [4, 8) (the data of a safetensors file has no holes)");
  p = make_file("tail.safetensors", "{" + ok_entry + "}", float_bytes({1, 2, 3}));
  CHECK(msg(p) == "safetensors: " + p + ": the data has 12 bytes after the header, but the tensors cover only 8");
  p = make_file("meta.safetensors", "{\"__metadata__\":{\"step\":10}," + ok_entry + "}", two);
  CHECK(msg(p) == "safetensors: " + p + ": __metadata__ entry 'step' must be a string, found an integer");
  p = make_file("meta2.safetensors", "{\"__metadata__\":[]}", "");
  CHECK(msg(p) == "safetensors: " + p + ": __metadata__ must be an object of strings, found an array");

  // A good file cut short: the last tensor's data is missing.
  Rng gen(3);
  io::SafetensorsWriter w;
  w.add("a", randn<float>({3, 4}, gen)).add("b", randn<float>({5}, gen));
  const auto good = temp_path("good.safetensors");
  w.write(good);
  const auto bytes = read_bytes(good);
  const auto cut = temp_path("cut.safetensors");
  write_bytes(cut, bytes.substr(0, bytes.size() - 4));
  CHECK(msg(cut) == "safetensors: " + cut +
                        ": tensor 'b' has data_offsets [48, 68] past the end of the data (64 bytes after the header): "
                        "the file is truncated or the offsets are wrong");
  // Padding with spaces after the JSON and zero-sized tensors anywhere are fine.
  p = make_file("padded.safetensors",
                "{\"e\":{\"dtype\":\"I64\",\"shape\":[0],\"data_offsets\":[8,8]}," + ok_entry + "}      ", two);
  CHECK(io::read_safetensors(p).get<float>("a").to_vector() == std::vector<float>{1, 2});
  CHECK(io::read_safetensors(p).get_ints("e").empty());
  p = make_file("empty_huge.safetensors",
                "{\"e\":{\"dtype\":\"F64\",\"shape\":[4294967296,0,4294967296],\"data_offsets\":[0,0]}}", "");
  CHECK(io::read_safetensors(p).entry("e").bytes.empty());
}

TEST_CASE("safetensors: a missing tensor or a wrong shape names the tensor, the file and what it has") {
  io::SafetensorsWriter w;
  w.add("x", Tensor<float, cpu>::zeros({3, 4})).add_ints("labels", {1, 2});
  const auto path = temp_path("lookup.safetensors");
  w.write(path);
  const auto f = io::read_safetensors(path);
  CHECK_THROWS_WITH_AS(f.get<float>("G.blocks.0.conv1.weight"),
                       ("safetensors: " + path + " has no tensor 'G.blocks.0.conv1.weight' (it has 2 tensors: labels, x)").c_str(),
                       FormatError);
  CHECK_THROWS_WITH_AS(f.get<float>("x", {4, 3}),
                       ("safetensors: tensor 'x' in " + path + " has shape [3, 4], expected [4, 3]").c_str(), FormatError);
  CHECK_THROWS_WITH_AS(f.get_ints("x"),
                       ("safetensors: tensor 'x' in " + path +
                        " has dtype F32; get_ints needs an integer dtype (I64, I32, U8, ...)").c_str(),
                       FormatError);
  CHECK(f.contains("x"));
  CHECK(!f.contains("y"));

  io::TensorFile many;
  many.path = "many.safetensors";
  for (int i = 0; i < 12; ++i) many.tensors[std::string("t").append(std::to_string(i + 10))] = io::TensorEntry::from_ints({i});
  CHECK_THROWS_WITH(many.get<float>("a"),
                    "safetensors: many.safetensors has no tensor 'a' (it has 12 tensors: t10, t11, t12, t13, t14, t15, "
                    "t16, t17, t18, t19, ...)");
  io::TensorFile one;
  one.tensors["only"] = io::TensorEntry::from_ints({1});
  CHECK_THROWS_WITH(one.get<float>("a"), "safetensors: (tensors not read from a file) has no tensor 'a' (it has 1 tensor: only)");
  CHECK_THROWS_WITH(io::TensorFile{}.get<float>("a"), "safetensors: (tensors not read from a file) has no tensor 'a' (it has no tensors)");

  io::TensorFile deep;
  deep.path = "deep.safetensors";
  deep.tensors["d"] = io::TensorEntry::from_ints({1}, std::vector<int64_t>{1, 1, 1, 1, 1, 1, 1});
  CHECK_THROWS_WITH(deep.get<float>("d"),
                    "safetensors: tensor 'd' in deep.safetensors has shape [1, 1, 1, 1, 1, 1, 1] of rank 7; gantry "
                    "tensors have at most 6 dimensions");
  CHECK(deep.get_ints("d") == std::vector<int64_t>{1});
  io::TensorFile u64;
  u64.path = "u64.safetensors";
  io::TensorEntry e;
  e.dtype = io::DType::U64;
  e.shape = {2};
  e.bytes.resize(16, 0xFF);
  u64.tensors["u"] = e;
  CHECK_THROWS_WITH(u64.get_ints("u"),
                    "safetensors: tensor 'u' in u64.safetensors holds 18446744073709551615 at index 0, which does not "
                    "fit in int64");
}

TEST_CASE("safetensors: invalid contents are refused before anything is written") {
  CHECK_THROWS_WITH_AS(io::SafetensorsWriter{}.add("a", Tensor<float, cpu>{}),
                       "safetensors: tensor 'a' is undefined (a default-constructed Tensor)", Error);
  io::SafetensorsWriter w;
  w.add("a", Tensor<float, cpu>::zeros({2}));
  CHECK_THROWS_WITH_AS(w.add("a", Tensor<double, cpu>::zeros({2})), "safetensors: tensor 'a' was added twice", Error);
  CHECK_THROWS_WITH_AS(w.add_ints("l", {1, 2, 3}, std::vector<int64_t>{2, 2}),
                       "safetensors: shape [2, 2] needs 4 integers, found 3", ShapeError);

  const auto path = temp_path("keep.safetensors");
  io::SafetensorsWriter good;
  good.add("w", Tensor<float, cpu>::from({1.0f, 2.0f, 3.0f})).metadata("step", "1");
  good.write(path);
  const auto before = read_bytes(path);

  auto refused = [&](io::TensorFile file, const std::string& message) {
    CHECK_THROWS_WITH_AS(io::write_safetensors(path, file), message.c_str(), Error);
    CHECK(read_bytes(path) == before);
    CHECK(temp_files_left() == 0);
  };
  io::TensorFile f = good.contents();
  f.tensors["__metadata__"] = io::TensorEntry::from_ints({1});
  refused(f, "safetensors: \"__metadata__\" is reserved and cannot name a tensor");
  f = good.contents();
  f.tensors[""] = io::TensorEntry::from_ints({1});
  refused(f, "safetensors: a tensor name must not be empty");
  f = good.contents();
  f.tensors["bad\xFF"] = io::TensorEntry::from_ints({1});
  refused(f, "safetensors: tensor name 'bad\xFF' is not valid UTF-8");
  f = good.contents();
  f.metadata["note"] = "\xC3";
  refused(f, "safetensors: the metadata value for 'note' is not valid UTF-8");
  f = good.contents();
  f.tensors["w"].bytes.pop_back();
  refused(f, "safetensors: tensor 'w' has 11 bytes, but dtype F32 and shape [3] need 12");
  CHECK(io::read_safetensors(path).get<float>("w").to_vector() == std::vector<float>{1, 2, 3});
}

TEST_CASE("safetensors: a failed write leaves the existing file untouched") {
  const auto dir = temp_dir() / "locked";
  fs::create_directories(dir);
  const auto path = (dir / "ckpt.safetensors").string();
  io::SafetensorsWriter v1, v2;
  v1.add("w", Tensor<float, cpu>::from({1.0f, 2.0f})).metadata("step", "1");
  v2.add("w", Tensor<float, cpu>::from({5.0f, 6.0f, 7.0f})).metadata("step", "2");
  v1.write(path);
  const auto before = read_bytes(path);
  const std::string tmp = path + ".tmp-" + pid();

  // A directory that cannot be written to. root may write anyway, so this is checked only
  // where the permission holds; the cases below fail the same code paths for everyone.
  fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec);
  const bool enforced = ::access(dir.c_str(), W_OK) != 0;
  if (enforced) {
    CHECK_THROWS_WITH_AS(v2.write(path),
                         ("safetensors: cannot write " + path + ": cannot create " + tmp + " (Permission denied); " +
                          path + " is unchanged").c_str(),
                         io::WriteError);
    CHECK(read_bytes(path) == before);
  } else {
    MESSAGE("running as root: a read-only directory does not stop writes, so that case is skipped");
  }
  fs::permissions(dir, fs::perms::owner_all);

  // The temporary file cannot be created (its name is taken by a directory).
  fs::create_directory(tmp);
  CHECK_THROWS_WITH_AS(v2.write(path),
                       ("safetensors: cannot write " + path + ": cannot create " + tmp + " (Is a directory); " + path +
                        " is unchanged").c_str(),
                       io::WriteError);
  CHECK(read_bytes(path) == before);
  CHECK(fs::is_directory(tmp));  // not ours: left alone
  fs::remove(tmp);

  // The rename fails (the target is a non-empty directory): the temporary file is removed.
  const auto blocked = (dir / "blocked.safetensors").string();
  fs::create_directories(fs::path(blocked) / "inside");
  CHECK_THROWS_WITH_AS(v2.write(blocked),
                       ("safetensors: cannot write " + blocked + ": cannot rename " + blocked + ".tmp-" + pid() + " to " +
                        blocked + " (Is a directory); " + blocked + " is unchanged").c_str(),
                       io::WriteError);
  CHECK(fs::is_directory(fs::path(blocked) / "inside"));
  CHECK(!fs::exists(blocked + ".tmp-" + pid()));

  // A missing directory.
  const auto nowhere = (dir / "no_such_dir" / "x.safetensors").string();
  CHECK_THROWS_AS(v2.write(nowhere), io::WriteError);

  // A successful write replaces the file completely and leaves no temporary behind.
  v2.write(path);
  const auto f = io::read_safetensors(path);
  CHECK(f.metadata.at("step") == "2");
  CHECK(f.get<float>("w").to_vector() == std::vector<float>{5, 6, 7});
  for (const auto& e : fs::directory_iterator(dir)) CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);
}

TEST_CASE("safetensors: gantry's checksums find bytes changed after writing") {
  const auto msg = read_error;
  const auto p = temp_path("checksummed.safetensors");
  io::SafetensorsWriter w;
  w.add("G.weight", Tensor<float, cpu>::from({1.0f, 2.0f, 3.0f})).add_ints("step", {7}).metadata("note", "n");
  w.write(p);
  const auto f = io::read_safetensors(p);
  CHECK(f.checksummed);
  CHECK(f.metadata == std::map<std::string, std::string>{{"note", "n"}});  // the checksums are not the caller's
  const std::string good = read_bytes(p);
  // The CRC-32 of the float bytes 1, 2, 3 (Python: '%08x' % zlib.crc32(struct.pack('<3f', 1, 2, 3))).
  CHECK(good.find("\\\"G.weight\\\":\\\"b20e96b1\\\"") != std::string::npos);

  // One flipped bit in the data: the tensor is named, nothing loads.
  std::string bad = good;
  bad[bad.size() - 2] = static_cast<char>(bad[bad.size() - 2] ^ 0x01);
  write_bytes(p, bad);
  CHECK(msg(p).find("tensor 'G.weight' does not match the checksum written with it (CRC-32 b20e96b1, its bytes give ") !=
        std::string::npos);
  CHECK(msg(p).find("the file was changed or damaged after it was written") != std::string::npos);

  // A checksum removed, a tensor added, a broken checksum entry.
  std::string drop = good;
  const auto at = drop.find("\\\"G.weight\\\":\\\"b20e96b1\\\",");
  REQUIRE(at != std::string::npos);
  drop.replace(at, std::string("\\\"G.weight\\\":\\\"b20e96b1\\\",").size(),
               std::string("\\\"G.weight\\\":\\\"b20e96b1\\\",").size(), ' ');
  write_bytes(p, drop);
  CHECK(msg(p).find("tensor 'G.weight' has no checksum") != std::string::npos);
  std::string junk = good;
  junk.replace(junk.find("b20e96b1"), 8, "zzzzzzzz");
  write_bytes(p, junk);
  CHECK(msg(p).find("tensor 'G.weight' does not match the checksum written with it (CRC-32 zzzzzzzz") != std::string::npos);

  // Files of other writers (no checksums) load as they are; the key is gantry's own.
  const auto plain = make_file("plain.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                               float_bytes({1, 2}));
  CHECK_FALSE(io::read_safetensors(plain).checksummed);
  io::TensorFile reserved;
  reserved.tensors["a"] = io::TensorEntry::from_ints({1});
  reserved.metadata["gantry.crc32"] = "{}";
  CHECK_THROWS_WITH(io::write_safetensors(temp_path("reserved.safetensors"), reserved),
                    "safetensors: the metadata key 'gantry.crc32' is reserved (gantry writes the tensors' checksums there)");
}

TEST_CASE("shapes: element counts that overflow int64 are refused, empty shapes are not") {
  CHECK_THROWS_WITH(Shape({int64_t{1} << 62, int64_t{1} << 62, 4}),
                    "shape [4611686018427387904, 4611686018427387904, 4] has more than 2^63 - 1 elements");
  CHECK(Shape({int64_t{1} << 62, 0, int64_t{1} << 62}).numel() == 0);
  io::TensorEntry e;
  e.shape = {int64_t{1} << 62, int64_t{1} << 62, 0};
  CHECK(e.numel() == 0);
  e.shape = {int64_t{1} << 40, int64_t{1} << 40};
  CHECK_THROWS_AS(e.numel(), ShapeError);
}
