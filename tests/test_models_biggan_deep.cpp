// BigGAN-deep against the official BigGAN-PyTorch BigGANdeep.py: its state dict loaded into
// biggan_deep_nets reproduces its outputs in training and eval mode (fixture from
// tests/fixtures/make_biggan_deep_official_fixtures.py: Ch 8, dim_z 32, shared_dim 16, 10
// classes, G attention at 16x16, batch 4); the loader's errors; one training step.
#include <doctest/doctest.h>

#include <gantry/gantry.hpp>
#include <gantry/models/biggan_deep.hpp>
#include <gantry/models/biggan_deep_official.hpp>

#include <algorithm>
#include <cmath>
#include <string>

using namespace gantry;

namespace {
using Small = models::biggan_deep_nets<Image<3, 32, 32>, 10, 8, 32, 16, 16, 0>;

std::string fixture_path() { return std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/models/biggan_deep_official.safetensors"; }

template <class M>
int64_t count_parameters(M& m) {
  int64_t n = 0;
  for_each_parameter<float, cpu>(m, [&](const std::string&, Var<float>& p) { n += p.numel(); });
  return n;
}

// max |a - e| / max |e|
template <class T>
double relative_error(const Tensor<T, cpu>& a, const Tensor<double, cpu>& e) {
  REQUIRE(a.shape() == e.shape());
  double diff = 0, scale = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    diff = std::max(diff, std::abs(static_cast<double>(a.data()[i]) - e.data()[i]));
    scale = std::max(scale, std::abs(e.data()[i]));
  }
  return diff / scale;
}

template <class T>
void reproduce_official(double tolerance) {
  const io::TensorFile f = io::read_safetensors(fixture_path());
  Rng gen(5);
  Init init{gen, InitScheme::orthogonal};
  typename Small::G::template module<T, cpu> g(init);
  typename Small::D::template module<T, cpu> d(init);
  models::load_official_biggan_deep<Small, T>(f, g, d);

  const auto z = Var<T, cpu>::constant(f.get<T>("z"));
  const auto x = Var<T, cpu>::constant(f.get<T>("x"));
  const std::vector<int64_t> y = f.get_ints("y");
  for (const char* mode : {"train", "eval"}) {
    const bool training = std::string(mode) == "train";
    const double eg = relative_error(g.forward(z, y, training).value(), f.get<double>(std::string("g_") + mode));
    const double ed = relative_error(d.forward(x, y, training).value(), f.get<double>(std::string("d_") + mode));
    MESSAGE(std::string(mode), " mode: G rel. err ", eg, ", D rel. err ", ed);
    CHECK(eg <= tolerance);
    CHECK(ed <= tolerance);
  }
}
}  // namespace

TEST_CASE("biggan_deep: the official BigGANdeep.py state dict reproduces its outputs (train, then eval)") {
  SUBCASE("float") { reproduce_official<float>(1e-4); }
  SUBCASE("double") { reproduce_official<double>(1e-9); }
}

TEST_CASE("biggan_deep: parameter counts equal the official nets'") {
  const io::TensorFile f = io::read_safetensors(fixture_path());
  Rng gen(1);
  Init init{gen, InitScheme::orthogonal};
  Small::G::module<float, cpu> g(init);
  Small::D::module<float, cpu> d(init);
  CHECK(count_parameters(g) == f.get_ints("param_count_G").at(0));
  CHECK(count_parameters(d) == f.get_ints("param_count_D").at(0));
  CHECK(count_parameters(g) == 70036);
  CHECK(count_parameters(d) == 11569);
  // The default alias (Ch 32, dim_z 128, shared_dim 128, no attention): BigGANdeep.py's
  // Generator(G_ch=32, dim_z=128, shared_dim=128, hier=True, resolution=32, G_attn='0',
  // n_classes=10) and Discriminator(D_ch=32, resolution=32, D_attn='0') have these counts.
  models::biggan_deep_nets<>::G::module<float, cpu> g_default(init);
  models::biggan_deep_nets<>::D::module<float, cpu> d_default(init);
  CHECK(count_parameters(g_default) == 1380547);
  CHECK(count_parameters(d_default) == 166081);
}

TEST_CASE("biggan_deep: the loader names a missing, mis-shaped or unused tensor") {
  const io::TensorFile full = io::read_safetensors(fixture_path());
  Rng gen(1);
  Init init{gen, InitScheme::orthogonal};
  Small::G::module<float, cpu> g(init);
  Small::D::module<float, cpu> d(init);
  auto load = [&](const io::TensorFile& f) { models::load_official_biggan_deep<Small, float>(f, g, d); };

  io::TensorFile missing = full;
  missing.tensors.erase("G.blocks.1.0.bn3.gain.u0");
  CHECK_THROWS_WITH(load(missing), doctest::Contains("'G.blocks.1.0.bn3.gain.u0'"));

  io::TensorFile misshaped = full;
  misshaped.tensors["D.embed.weight"].shape = {32, 10};
  CHECK_THROWS_WITH(load(misshaped), doctest::Contains("'D.embed.weight' has shape [32, 10]"));

  io::TensorFile extra = full;
  extra.tensors["D.blocks.2.1.conv_sc.weight"] = extra.tensors["D.blocks.2.1.conv4.weight"];
  CHECK_THROWS_WITH(load(extra), doctest::Contains("'D.blocks.2.1.conv_sc.weight'"));
}

TEST_CASE("biggan_deep: one D step and one G step are finite") {
  auto h = models::biggan_deep_hyper();
  CHECK(h.d_steps == 1);
  CHECK(h.g_lr == 1e-4);
  CHECK(h.d_lr == 4e-4);
  CHECK(h.adam_eps == 1e-6);
  h.batch_size = 4;
  models::biggan_deep<Small> gan(h, 3);
  CHECK(std::string(gan.name) == "biggan-deep");
  Rng rng(7);
  data::Batch real{rand<float>({4, 3, 32, 32}, rng, -1.f, 1.f), {1, 2, 3, 4}, {}, {}};
  const auto dl = gan.d_step(std::span<const data::Batch>(&real, 1), rng);
  const auto gl = gan.g_step(1, rng);
  for (const auto& [k, v] : dl) CHECK_MESSAGE(std::isfinite(v), k);
  for (const auto& [k, v] : gl) CHECK_MESSAGE(std::isfinite(v), k);
  const auto img = gan.sample(randn<float>({2, 32}, rng), {0, 5});
  CHECK(img.shape() == Shape{2, 3, 32, 32});
}
