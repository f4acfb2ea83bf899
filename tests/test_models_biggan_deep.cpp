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
#include <set>
#include <string>

using namespace gantry;

namespace {
using Small = models::biggan_deep_nets<Image<3, 32, 32>, 10, 8, 32, 16, 16, 0>;

std::string fixture_path() { return std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/models/biggan_deep_official.safetensors"; }

template <class T, class M>
int64_t count_parameters_as(M& m) {
  int64_t n = 0;
  for_each_parameter<T, cpu>(m, [&](const std::string&, Var<T, cpu>& p) { n += p.numel(); });
  return n;
}
template <class M>
int64_t count_parameters(M& m) {
  return count_parameters_as<float>(m);
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

TEST_CASE("biggan_deep: --D_attn 16 (attention after every D stage, as D_arch[32] lists them) loads and reproduces D") {
  // tests/fixtures/make_biggan_deep_official_fixtures.py --d-attn-16: the official D alone.
  using Attn16 = models::biggan_deep_nets<Image<3, 32, 32>, 10, 8, 32, 16, 0, 16>;
  const io::TensorFile f =
      io::read_safetensors(std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/models/biggan_deep_official_dattn16.safetensors");
  Rng gen(2);
  Init init{gen, InitScheme::orthogonal};
  Attn16::D::module<double, cpu> d(init);
  CHECK(count_parameters_as<double>(d) == f.get_ints("param_count_D").at(0));
  // The loader's helper and the public name map, on D alone.
  models::OfficialCheckpoint ckpt(f, "biggan_deep D_attn 16");
  ckpt.load(d, "D", models::official_biggan_deep_d_name<Attn16>);
  ckpt.check_all_used({"D."}, "gantry's D does not use");
  const auto names = models::official_names(d, models::official_biggan_deep_d_name<Attn16>);
  int attention = 0;
  for (const auto& [ours, official] : names) attention += official.find(".2.gamma") != std::string::npos;
  CHECK(attention == 3);  // blocks.{0,1,2}.2: one attention per stage
  std::size_t d_tensors = 0;
  for (const auto& [key, entry] : f.tensors) d_tensors += key.rfind("D.", 0) == 0;
  CHECK(names.size() == d_tensors);  // every official tensor has its gantry name, and back

  const auto x = Var<double, cpu>::constant(f.get<double>("x"));
  const std::vector<int64_t> y = f.get_ints("y");
  for (const char* mode : {"train", "eval"}) {
    const double err = relative_error(d.forward(x, y, std::string(mode) == "train").value(),
                                      f.get<double>(std::string("d_") + mode));
    MESSAGE(mode, " mode: D rel. err ", err);
    CHECK(err <= 1e-9);
  }
}

TEST_CASE("biggan_deep: the public name map covers every tensor of the official G and D") {
  const io::TensorFile f = io::read_safetensors(fixture_path());
  Rng gen(1);
  Init init{gen, InitScheme::orthogonal};
  Small::G::module<float, cpu> g(init);
  Small::D::module<float, cpu> d(init);
  std::set<std::string> mapped;
  for (const auto& [ours, official] : models::official_names(g, models::official_biggan_deep_g_name<Small>))
    mapped.insert("G." + official);
  for (const auto& [ours, official] : models::official_names(d, models::official_biggan_deep_d_name<Small>))
    mapped.insert("D." + official);
  std::set<std::string> in_file;
  for (const auto& [key, entry] : f.tensors)
    if (key.rfind("G.", 0) == 0 || key.rfind("D.", 0) == 0) in_file.insert(key);
  CHECK(mapped == in_file);
}

TEST_CASE("biggan_deep: one D step and one G step are finite") {
  auto h = models::biggan_deep_hyper();
  CHECK(h.d_steps == 1);
  CHECK(h.g_lr == 1e-4);
  CHECK(h.d_lr == 4e-4);
  CHECK(h.adam_eps == 1e-6);
  h.batch_size = 4;
  models::biggan_deep<Image<3, 32, 32>, Classes<10>, Width<8>, Latent<32>, SharedEmbedding<16>, AttentionAt<16, 0>> gan(h, 3);
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
