// models::biggan: the nets against the official BigGAN-PyTorch modules (state dicts and
// outputs from tests/fixtures/make_biggan_official_fixtures.py, which runs ajbrock's own
// BigGAN.py / layers.py), the parameter count by hand, one training step, truncated noise.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include <gantry/autograd.hpp>
#include <gantry/models/biggan.hpp>
#include <gantry/models/biggan_official.hpp>

using namespace gantry;

namespace {
const std::string fixtures = std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/biggan/";

using Cifar = models::biggan_nets<Image<3, 32, 32>, 10, 4>;           // 16 channels
using Hier = models::biggan_hier_nets<Image<3, 32, 32>, 10, 4, 16>;   // shared + hier + attention

template <class M>
int64_t count_parameters(M& m) {
  int64_t n = 0;
  for_each_parameter<float, cpu>(m, [&](const std::string&, Var<float>& p) { n += p.numel(); });
  return n;
}

// max |a - b| / max |b|
double rel_error(const Tensor<float, cpu>& a, const Tensor<float, cpu>& b) {
  REQUIRE(a.shape() == b.shape());
  const auto x = a.to_vector(), y = b.to_vector();
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    diff = std::max(diff, std::abs(double(x[i]) - y[i]));
    scale = std::max(scale, std::abs(double(y[i])));
  }
  return diff / scale;
}

template <class Nets>
void check_against_official(const std::string& name) {
  Rng rng(0);
  Init init{rng, InitScheme::normal_002};
  typename Nets::G::template module<float, cpu> g(init);
  typename Nets::D::template module<float, cpu> d(init);
  const io::TensorFile state = io::read_safetensors(fixtures + name + "_state.safetensors");
  models::load_official_biggan<Nets, float>(state, g, d);
  const io::TensorFile out = io::read_safetensors(fixtures + name + "_outputs.safetensors");
  const Var<float, cpu> z(out.get<float>("z")), x(out.get<float>("x"));
  std::vector<int64_t> y;
  for (float v : out.get<float>("y").to_vector()) y.push_back(static_cast<int64_t>(v));
  no_grad guard;
  // The official order: eval, train (u, sv and the BN statistics move), eval again.
  for (const auto& [tag, training] : {std::pair{"eval", false}, {"train", true}, {"eval2", false}}) {
    const double eg = rel_error(g.forward(z, y, training).value(), out.get<float>(std::string("g_") + tag));
    const double ed = rel_error(d.forward(x, y, training).value(), out.get<float>(std::string("d_") + tag));
    MESSAGE(name, " ", std::string(tag), ": G rel. error ", eg, ", D rel. error ", ed);
    CHECK(eg <= 1e-4);
    CHECK(ed <= 1e-4);
  }
}
}  // namespace

TEST_CASE("biggan_nets reproduces the official BigGAN-PyTorch G and D (CIFAR flags)") {
  check_against_official<Cifar>("cifar");
}

TEST_CASE("biggan_hier_nets reproduces the official G and D with G_shared, hier and attention at 16") {
  check_against_official<Hier>("hier");
}

TEST_CASE("load_official_biggan names the missing, unexpected or mis-shaped tensor") {
  Rng rng(0);
  Init init{rng, InitScheme::normal_002};
  Cifar::G::module<float, cpu> g(init);
  Cifar::D::module<float, cpu> d(init);
  io::TensorFile f = io::read_safetensors(fixtures + "cifar_state.safetensors");
  const auto load = [&](const io::TensorFile& file) { models::load_official_biggan<Cifar, float>(file, g, d); };
  {
    io::TensorFile missing = f;
    missing.tensors.erase("G.blocks.1.0.bn2.gain.weight");
    CHECK_THROWS_WITH(load(missing),
                      doctest::Contains("G.blocks.1.0.bn2.gain.weight"));
  }
  // The hier file has G.shared.weight, which the CIFAR nets do not have (and differently shaped
  // ccbn layers, reported first).
  const io::TensorFile hier = io::read_safetensors(fixtures + "hier_state.safetensors");
  CHECK_THROWS_WITH(load(hier), doctest::Contains("G.linear.weight"));
  {
    io::TensorFile extra = f;
    extra.tensors.emplace("G.shared.weight", f.tensors.at("D.embed.weight"));
    CHECK_THROWS_WITH(load(extra),
                      doctest::Contains("G.shared.weight"));
  }
}

TEST_CASE("the public name maps give every tensor of the official G and D its gantry name") {
  Rng rng(0);
  Init init{rng, InitScheme::normal_002};
  Hier::G::module<float, cpu> g(init);
  Hier::D::module<float, cpu> d(init);
  const io::TensorFile f = io::read_safetensors(fixtures + "hier_state.safetensors");
  std::set<std::string> mapped, in_file;
  for (const auto& [ours, official] : models::official_names(g, models::official_biggan_g_name<Hier>))
    mapped.insert("G." + official);
  for (const auto& [ours, official] : models::official_names(d, models::official_biggan_d_name<Hier>))
    mapped.insert("D." + official);
  for (const auto& [key, entry] : f.tensors)
    if (key.rfind("G.", 0) == 0 || key.rfind("D.", 0) == 0) in_file.insert(key);
  CHECK(mapped == in_file);
  CHECK(models::official_biggan_g_name<Hier>("blocks.0.weight") == "linear.weight");
  CHECK(models::official_biggan_g_name<Hier>("blocks.2.bn1.running_mean") == "blocks.0.0.bn1.stored_mean");
  CHECK(models::official_biggan_d_name<Hier>("blocks.0.conv1.u") == "blocks.0.0.conv1.u0");
}

TEST_CASE("biggan_nets parameter count by hand (Ch = 4: 16 channels)") {
  Rng rng(0);
  Init init{rng, InitScheme::normal_002};
  Cifar::G::module<float, cpu> g(init);
  Cifar::D::module<float, cpu> d(init);
  const int64_t c = 16;
  // G: linear 128 -> 4*4*c; 3 GBlocks of two 3x3 convs, a 1x1 shortcut and four [10, c] tables;
  //    output BN (gain, bias) and 3x3 conv c -> 3.
  const int64_t gblock = 2 * (c * c * 9 + c) + (c * c + c) + 4 * 10 * c;
  CHECK(count_parameters(g) == 128 * 16 * c + 16 * c + 3 * gblock + 2 * c + c * 3 * 9 + 3);
  // D: first block 3 -> c with a 1x1 shortcut, a downsampling block with a shortcut, two plain
  //    blocks; head linear c -> 1 and embedding [10, c].
  const int64_t d_expected = (3 * c * 9 + c) + (c * c * 9 + c) + (3 * c + c) + 3 * 2 * (c * c * 9 + c) +
                             (c * c + c) + (c + 1) + 10 * c;
  CHECK(count_parameters(d) == d_expected);
  // The official modules of the fixture script: 50147 and 17201.
  CHECK(count_parameters(g) == 50147);
  CHECK(count_parameters(d) == 17201);
}

TEST_CASE("biggan: one D step and one G step are finite") {
  models::HingeGanHyper h = models::biggan_hyper();
  CHECK(h.batch_size == 50);
  CHECK(h.d_steps == 4);
  h.batch_size = 4;
  models::biggan<Image<3, 32, 32>, Classes<10>, Width<4>> m(h, 3);
  Rng rng(4);
  data::Batch b{rand<float>({4, 3, 32, 32}, rng, -1.f, 1.f), {0, 1, 2, 3}, {}, {}};
  const auto dl = m.d_step(std::span<const data::Batch>(&b, 1), rng);
  const auto gl = m.g_step(1, rng);
  CHECK(models::all_finite(dl));
  CHECK(models::all_finite(gl));
  const auto s = m.sample(models::truncated_noise(2, 128, 0.5, rng), {1, 2});
  CHECK(s.shape() == Shape{2, 3, 32, 32});
}

TEST_CASE("truncated_noise: every |z| <= threshold, the same rng state gives the same z") {
  for (double t : {0.04, 0.5, 2.0}) {
    Rng a(11), b(11);
    const auto za = models::truncated_noise(8, 128, t, a);
    const auto zb = models::truncated_noise(8, 128, t, b);
    CHECK(za.to_vector() == zb.to_vector());
    CHECK(a.offset() == 8 * 128);
    for (float v : za.to_vector()) CHECK(std::abs(v) <= t);
  }
  Rng c(11);
  const auto z1 = models::truncated_noise(2, 16, 1.0, c);
  const auto z2 = models::truncated_noise(2, 16, 1.0, c);
  CHECK(z1.to_vector() != z2.to_vector());
}
