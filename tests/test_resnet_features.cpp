// ResNet-50 (nn/blocks/resnet.hpp), bicubic resizing (data/resize.hpp) and IC-GAN's feature extractor
// (metrics/resnet_features.hpp) against torchvision and PyTorch: tests/fixtures/
// make_resnet50_fixtures.py fills torchvision's resnet50() from a formula that this file
// regenerates (a real ResNet-50 is 100 MB), so the weights are written here by torchvision's
// names, which proves the names, and the outputs are compared with torchvision's (float64
// references on the float32 weights).
//
// Tolerances: the net's outputs within 1e-4 of the largest reference value (float32 through
// 53 layers; PyTorch's own float32 forward is within 3e-7 of its float64 one at the fixture, so
// this leaves room for another summation order and FMA), normalised features within 1e-4
// absolute (their entries are ~1/45), the resize within 1e-5 absolute on values of order 1
// (float32 with a different tap order than PyTorch).
#include <doctest/doctest.h>

#include <gantry/data/resize.hpp>
#include <gantry/io/json.hpp>
#include <gantry/metrics/resnet_features.hpp>
#include <gantry/nn/blocks/resnet.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

using namespace gantry;
namespace fs = std::filesystem;

namespace {

const std::string fixtures = std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/";

const io::TensorFile& fixture() {
  static const io::TensorFile f = io::read_safetensors(fixtures + "resnet/resnet50_fixtures.safetensors");
  return f;
}
Tensor<float, cpu> fx(const std::string& name) { return fixture().get<float>(name); }

// ---- The fixture script's weight formula (see its docstring) ----
std::uint64_t fnv1a64(const std::string& s) {
  std::uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001B3ull;
  return h;
}
std::uint64_t splitmix_output(std::uint64_t key, std::uint64_t i) {  // output number i (1-based)
  std::uint64_t z = key + i * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
int he_exponent(int64_t fan_in) {
  int e = 0;
  while (fan_in > 24 * (int64_t{1} << (2 * e))) ++e;
  return e;
}
bool ends_with(const std::string& s, const std::string& x) {
  return s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0;
}
// Tensor `name` of `shape`; undefined for num_batches_tracked (left at 0).
Tensor<float, cpu> synthetic(const std::string& name, const std::vector<int64_t>& shape) {
  if (ends_with(name, "num_batches_tracked")) return {};
  float offset = 0, scale = 0.5f;
  if (shape.size() >= 2) {
    int64_t fan_in = 1;
    for (std::size_t i = 1; i < shape.size(); ++i) fan_in *= shape[i];
    scale = std::ldexp(1.0f, -he_exponent(fan_in));
  } else if (ends_with(name, "running_var")) {
    offset = 1, scale = 1;
  } else if (ends_with(name, "running_mean") || ends_with(name, "bias")) {
    offset = 0, scale = 0.5f;
  } else {
    REQUIRE(ends_with(name, "weight"));
    offset = 1, scale = 0.5f;
  }
  Tensor<float, cpu> t{Shape(shape)};
  const std::uint64_t key = fnv1a64(name);
  for (int64_t i = 0; i < t.numel(); ++i) {
    const float u = static_cast<float>(splitmix_output(key, static_cast<std::uint64_t>(i + 1)) >> 40) * 0x1p-24f;
    t.data()[i] = (u - 0.5f) * scale + offset;
  }
  return t;
}

// torchvision's state dict: names and shapes in order (the fixture's metadata).
std::vector<std::pair<std::string, std::vector<int64_t>>> torchvision_state() {
  std::vector<std::pair<std::string, std::vector<int64_t>>> out;
  const io::json::Value list = io::json::parse(fixture().metadata.at("state_dict"));
  for (const auto& item : list.as_array()) {
    const auto& pair = item.as_array();
    std::vector<int64_t> shape;
    for (const auto& d : pair.at(1).as_array()) shape.push_back(d.as_int());
    out.emplace_back(pair.at(0).as_string(), shape);
  }
  return out;
}

// The fixture's weights as a converted checkpoint would hold them: every torchvision tensor by
// name, float32, num_batches_tracked as I64 0 (as torch keeps it).
const io::TensorFile& synthetic_weights() {
  static const io::TensorFile f = [] {
    io::TensorFile file;
    for (const auto& [name, shape] : torchvision_state()) {
      const auto t = synthetic(name, shape);
      file.tensors.emplace(name, t.defined() ? io::TensorEntry::from(t) : io::TensorEntry::from_ints({0}, shape));
    }
    return file;
  }();
  return f;
}

template <class Net>
std::vector<std::pair<std::string, std::vector<int64_t>>> names_of(Net& net) {
  struct V : ParamVisitor<float, cpu> {
    std::vector<std::pair<std::string, std::vector<int64_t>>> out;
    void parameter(const std::string& n, Var<float, cpu>& p) override { out.emplace_back(n, p.shape().vec()); }
    void buffer(const std::string& n, Tensor<float, cpu>& b) override { out.emplace_back(n, b.shape().vec()); }
  } v;
  net.visit(v, "");
  return v.out;
}

double max_abs(const Tensor<float, cpu>& t) {
  double m = 0;
  for (int64_t i = 0; i < t.numel(); ++i) m = std::max(m, std::abs(static_cast<double>(t.data()[i])));
  return m;
}
double max_diff(const Tensor<float, cpu>& a, const Tensor<float, cpu>& b) {
  REQUIRE(a.shape() == b.shape());
  double m = 0;
  for (int64_t i = 0; i < a.numel(); ++i)
    m = std::max(m, std::abs(static_cast<double>(a.data()[i]) - static_cast<double>(b.data()[i])));
  return m;
}

ResNet50::module<float, cpu> make_resnet50() {
  Rng gen(1);
  Init init{gen};
  return ResNet50::module<float, cpu>(init);
}

struct TempFile {
  fs::path p = fs::temp_directory_path() / "gantry_test_resnet_features.safetensors";
  ~TempFile() { fs::remove(p); }
};

}  // namespace

TEST_CASE("ResNet50: names and shapes are torchvision's state-dict keys, in its order") {
  auto net = make_resnet50();
  const auto ours = names_of(net);
  const auto theirs = torchvision_state();
  REQUIRE(ours.size() == theirs.size());  // 320: 161 tensors, 53 BNs x 5 buffers/params + fc
  for (std::size_t i = 0; i < ours.size(); ++i) {
    INFO("entry ", i);
    CHECK(ours[i].first == theirs[i].first);
    CHECK(ours[i].second == theirs[i].second);
  }
  struct Count : ParamVisitor<float, cpu> {
    int64_t n = 0;
    void parameter(const std::string&, Var<float, cpu>& p) override { n += p.numel(); }
  } count;
  net.visit(count, "");
  CHECK(count.n == 25557032);  // torchvision's resnet50: 25.6 M parameters
  CHECK(ResNet50::feature_size == 2048);
  CHECK(metrics::ResNet50Features::feature_size == 2048);
}

TEST_CASE("ResNet: a narrow, shallow layout keeps the structure and runs at any input size") {
  using Tiny = ResNet<4, 10, 1, 2, 1, 1>;
  Rng gen(3);
  Init init{gen};
  Tiny::module<float, cpu> net(init);
  const auto names = names_of(net);
  const auto has = [&](const std::string& n) {
    return std::any_of(names.begin(), names.end(), [&](const auto& p) { return p.first == n; });
  };
  CHECK(has("layer1.0.downsample.0.weight"));  // 4 -> 16 channels: a projection even at stride 1
  CHECK(has("layer2.0.downsample.1.running_var"));
  CHECK(has("layer2.1.conv3.weight"));
  CHECK_FALSE(has("layer2.1.downsample.0.weight"));
  CHECK_FALSE(has("layer1.0.conv1.bias"));
  CHECK(Tiny::feature_size == 128);
  Rng xg(4);
  for (int64_t size : {1, 17, 40}) {
    Var<float, cpu> x(randn<float>(Shape{2, 3, size, size}, xg));
    CHECK(net.features(x, false).shape() == Shape{2, 128});
    CHECK(net.forward(x, true).shape() == Shape{2, 10});
  }
  Var<float, cpu> bad(randn<float>(Shape{2, 1, 8, 8}, xg));
  CHECK_THROWS_WITH_AS(net.features(bad, false), "ResNet: expected images [N, 3, H, W], found [2, 1, 8, 8]",
                       ShapeError);
}

TEST_CASE("resize_bicubic matches F.interpolate(mode=\"bicubic\", align_corners=False)") {
  for (const char* c : {"up32", "up28", "down", "odd"}) {
    const std::string name = c;
    INFO("case ", name);
    const auto in = fx("resize_" + name + "_in");
    const auto ref = fx("resize_" + name + "_out");
    const auto out = data::resize_bicubic(in, ref.dim(2), ref.dim(3));
    REQUIRE(out.shape() == ref.shape());
    CHECK(max_diff(out, ref) < 1e-5);
    MESSAGE("resize ", name, ": max |diff| ", max_diff(out, ref), " of max |ref| ", max_abs(ref));
  }
  // The same size is the identity; double works as float does.
  const auto in = fx("resize_odd_in");
  CHECK(max_diff(data::resize_bicubic(in, 5, 7), in) == 0);
  Tensor<double, cpu> d(Shape{1, 1, 2, 2});
  for (int i = 0; i < 4; ++i) d.data()[i] = 1.5;
  const auto up = data::resize_bicubic(d, 7, 3);
  // (16 weighted taps summing to 1: a few ulps of rounding, more without fused multiply-adds)
  for (int64_t i = 0; i < up.numel(); ++i) CHECK(up.data()[i] == doctest::Approx(1.5).epsilon(1e-14));

  CHECK_THROWS_WITH_AS(data::resize_bicubic(Tensor<float, cpu>(Shape{3, 4, 4}), 8, 8),
                       "resize_bicubic: expected images [N, C, H, W], found [3, 4, 4]", ShapeError);
  CHECK_THROWS_WITH_AS(data::resize_bicubic(in, 0, 8),
                       "resize_bicubic: expected an output size with out_h, out_w > 0, found 0 x 8 "
                       "(input [1, 2, 5, 7])",
                       ShapeError);
}

TEST_CASE("ResNet50 on torchvision-named weights matches torchvision: pooled features and logits") {
  auto net = make_resnet50();
  metrics::detail::load_torchvision_state(synthetic_weights(), net, [](const std::string&) { return false; }, "test");
  no_grad guard;
  const Var<float, cpu> x(fx("direct_x"));
  const auto f = net.features(x, false).value();
  const auto ref_f = fx("direct_features");
  CHECK(max_diff(f, ref_f) <= 1e-4 * max_abs(ref_f));
  MESSAGE("features: max |diff| ", max_diff(f, ref_f), " of max |ref| ", max_abs(ref_f));
  Context<float, cpu> ctx;
  ctx.training = false;
  const auto logits = net.fc.forward(Var<float, cpu>(f), ctx).value();
  const auto ref_l = fx("direct_logits");
  CHECK(max_diff(logits, ref_l) <= 1e-4 * max_abs(ref_l));
  MESSAGE("logits: max |diff| ", max_diff(logits, ref_l), " of max |ref| ", max_abs(ref_l));
  CHECK(max_diff(net.forward(x, false).value(), logits) == 0);
}

TEST_CASE("ResNet50Features: IC-GAN's pre-processing, L2 normalisation, h-flip and grey images") {
  metrics::ResNet50Features ext(synthetic_weights(), /*chunk=*/1);  // 1: the 2-image batches run in 2 chunks
  CHECK(ext.has_fc());
  const auto x = fx("pre_x");
  const auto f = ext.features(x);
  CHECK(f.shape() == Shape{2, 2048});
  CHECK(max_diff(f, fx("pre_features")) < 1e-4);
  MESSAGE("pre-processed features: max |diff| ", max_diff(f, fx("pre_features")));
  for (int64_t i = 0; i < 2; ++i) {
    double ss = 0;
    for (int k = 0; k < 2048; ++k) ss += static_cast<double>(f.at(i, k)) * f.at(i, k);
    CHECK(std::sqrt(ss) == doctest::Approx(1.0).epsilon(1e-6));
  }
  const auto fl = ext.features_hflip(x);
  CHECK(max_diff(fl, fx("pre_features_hflip")) < 1e-4);
  CHECK(max_diff(fl, f) > 1e-3);  // the flip changes the features

  const auto g = ext.features(fx("gray_x"));
  CHECK(g.shape() == Shape{1, 2048});
  CHECK(max_diff(g, fx("gray_features")) < 1e-4);

  CHECK_THROWS_WITH_AS(ext.features(Tensor<float, cpu>(Shape{2, 2, 8, 8})),
                       "ResNet50Features: expected images [N, 1 or 3, H, W] in [-1, 1], found [2, 2, 8, 8]",
                       ShapeError);
}

TEST_CASE("ResNet50Features: loading from a file, identity, and errors naming the tensor") {
  const io::TensorFile& good = synthetic_weights();
  TempFile tmp;
  io::write_safetensors(tmp.p.string(), good);
  metrics::ResNet50Features from_file(tmp.p.string());
  const std::string id = from_file.identity();
  CHECK(id.rfind("resnet50-", 0) == 0);
  CHECK(id.size() == 9 + 16);
  fs::remove(tmp.p);

  // A SwAV trunk: no fc. It loads (features need no fc); the identity is the trunk's, so it
  // is the same without fc and changes with one bit of the trunk.
  io::TensorFile swav = good;
  swav.tensors.erase("fc.weight");
  swav.tensors.erase("fc.bias");
  metrics::ResNet50Features trunk_only(swav);
  CHECK_FALSE(trunk_only.has_fc());
  CHECK(trunk_only.identity() == id);
  swav.tensors.at("layer4.2.bn3.bias").bytes[0] ^= 1;
  CHECK(metrics::ResNet50Features(swav).identity() != id);

  io::TensorFile missing = good;
  missing.tensors.erase("layer3.2.bn2.running_var");
  CHECK_THROWS_WITH_AS(metrics::ResNet50Features{missing},
                       doctest::Contains("missing tensor 'layer3.2.bn2.running_var' (expected shape [256])"),
                       FormatError);

  io::TensorFile wrong = good;
  wrong.tensors.at("layer1.0.downsample.0.weight").shape = {256, 64, 1, 1, 1};
  CHECK_THROWS_WITH_AS(metrics::ResNet50Features{wrong},
                       doctest::Contains("tensor 'layer1.0.downsample.0.weight' has shape [256, 64, 1, 1, 1], expected "
                                         "[256, 64, 1, 1]"),
                       FormatError);

  io::TensorFile half = good;
  half.tensors.erase("fc.bias");
  CHECK_THROWS_WITH_AS(metrics::ResNet50Features{half}, doctest::Contains("found only fc.weight"), FormatError);

  io::TensorFile raw;  // an unconverted SwAV checkpoint
  for (const auto& [name, e] : good.tensors) raw.tensors.emplace("module." + name, e);
  CHECK_THROWS_WITH_AS(metrics::ResNet50Features{raw}, doctest::Contains("convert it with scripts/convert_resnet50.py"),
                       FormatError);
}
