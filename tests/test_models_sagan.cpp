// models::sagan (include/gantry/models/sagan.hpp): one training step against PyTorch
// (tests/fixtures/make_sagan_fixtures.py: the same G and D re-implemented in PyTorch, the
// same starting values, D loss and every D gradient, G loss and every G gradient, buffers
// afterwards), parameters counted by hand, HingeGan steps and samples.
#include <doctest/doctest.h>

#include <gantry/models/sagan.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "hashed_step.hpp"
#include "part_fixture.hpp"

using namespace gantry;
using test::ends_with;
using test::hashed_uniform;
using test::initial_value;
using test::count_parameters;
using test::set_initial;

namespace {

// The fixture's net: small enough that its gradients fit a ~300 KB file.
using Small = models::sagan<Image<1, 32, 32>, Classes<10>, Width<8>, Latent<8>>;

static_assert(std::is_same_v<models::sagan_nets<Image<3, 32, 32>, 10>::G::output, Image<3, 32, 32>>);
static_assert(std::is_same_v<models::sagan_nets<Image<3, 32, 32>, 10>::D::output, Vector<1>>);

struct Collect : ParamVisitor<float, cpu> {
  std::map<std::string, Var<float, cpu>*> params;
  std::map<std::string, Tensor<float, cpu>*> buffers;
  void parameter(const std::string& name, Var<float, cpu>& p) override { params[name] = &p; }
  void buffer(const std::string& name, Tensor<float, cpu>& b) override { buffers[name] = &b; }
};


// Gradients of a bias that only feeds a batch norm in training are zero in exact
// arithmetic: both sides hold rounding noise, compared at this absolute scale.
double min_scale_for(const std::string& name) {
  const bool before_bn = (ends_with(name, "conv1.bias") && name.rfind("G.", 0) == 0) ||
                         name == "G.blocks.5.conv2.bias" || name == "G.blocks.5.conv_sc.bias";
  return before_bn ? 1e-3 : 0.0;
}


}  // namespace

TEST_CASE("sagan: one D step and one G step match PyTorch (losses, every gradient, buffers)") {
  const auto f = io::read_safetensors(std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/models/sagan_step.safetensors");
  Small m(models::sagan_hyper(), 1);
  part_fixture::WorstError worst;
  set_initial(m.nets.G, "G.");
  set_initial(m.nets.D, "D.");
  const int compared = test::check_hashed_step<Hinge>(f, m.nets.G, m.nets.D, Shape{4, 1, 32, 32}, 8, worst, min_scale_for);
  MESSAGE("sagan step vs PyTorch (float64 reference): ", compared, " tensors, worst relative error ", worst.error,
          " (", worst.where, ")");
}

TEST_CASE("sagan: parameters counted by hand (Image<1, 32, 32>, 10 classes, Ch 8, z 8)") {
  Small m(models::sagan_hyper(), 1);
  const auto conv = [](int64_t in, int64_t out, int64_t k) { return in * out * k * k + out; };
  const auto cbn = [](int64_t c) { return 2 * 10 * c; };  // per-class scale and offset tables
  const auto gblock = [&](int64_t in, int64_t out) {
    return conv(in, out, 3) + conv(out, out, 3) + conv(in, out, 1) + cbn(in) + cbn(out);
  };
  const auto attention = [](int64_t c) { return 2 * c * (c / 8) + 2 * c * (c / 2) + 1; };  // no biases, gamma
  const int64_t ch = 8;
  const int64_t g = (8 * 16 * 4 * ch + 16 * 4 * ch) + gblock(4 * ch, 4 * ch) + gblock(4 * ch, 2 * ch) +
                    attention(2 * ch) + gblock(2 * ch, ch) + 2 * ch + conv(ch, 1, 3);
  CHECK(g == 36642);
  CHECK(count_parameters(m.nets.G) == g);
  const int64_t d = (conv(1, ch, 3) + conv(ch, ch, 3) + conv(1, ch, 1)) + attention(ch) +
                    (conv(ch, 2 * ch, 3) + conv(2 * ch, 2 * ch, 3) + conv(ch, 2 * ch, 1)) +
                    (conv(2 * ch, 4 * ch, 3) + conv(4 * ch, 4 * ch, 3) + conv(2 * ch, 4 * ch, 1)) +
                    (2 * conv(4 * ch, 4 * ch, 3)) + (4 * ch + 1) + 10 * 4 * ch;
  CHECK(d == 37674);
  CHECK(count_parameters(m.nets.D) == d);
}

TEST_CASE("sagan: parameters of the default nets (Image<3, 32, 32>, 10 classes, Ch 64, z 128)") {
  // The same sums as above with Ch = 64, Z = 128, C = 3:
  // G 128*4096 + 4096 + gblock(256, 256) + gblock(256, 128) + attention(128) + gblock(128, 64) + 128 + 64*3*9 + 3;
  // D (3 -> 64 optimized) + attention(64) + (64 -> 128) + (128 -> 256) + (256 -> 256, no down) + 257 + 2560.
  using Nets = models::sagan_nets<Image<3, 32, 32>, 10>;
  Rng gen(1);
  Init init{gen, models::SaganPaper::init, models::SaganPaper::zero_biases};
  Nets::G::module<float, cpu> g(init);
  Nets::D::module<float, cpu> d(init);
  CHECK(count_parameters(g) == 2412932);
  CHECK(count_parameters(d) == 2375106);
}

TEST_CASE("sagan: hyper-parameters, Xavier init with zero biases and SAGAN's CBN start") {
  const auto h = models::sagan_hyper();
  CHECK(h.d_lr == 4e-4);
  CHECK(h.g_lr == 1e-4);
  CHECK(h.beta1 == 0.0);
  CHECK(h.beta2 == 0.999);
  CHECK(h.d_steps == 1);
  CHECK(h.ema_decay == 0.0);
  CHECK(h.batch_size == 64);
  CHECK_FALSE(h.concat_real_fake);
  CHECK(std::string(Small::name) == "sagan");
  Small m(h, 3);
  CHECK_FALSE(m.nets.has_ema());
  Collect c;
  m.nets.G.visit(c, "");
  for (auto& [name, p] : c.params) {
    const auto v = p->value().to_vector();
    if (ends_with(name, "gain.weight")) CHECK(std::all_of(v.begin(), v.end(), [](float a) { return a == 1.0f; }));
    if (ends_with(name, ".bias") || ends_with(name, "bias.weight"))
      CHECK_MESSAGE(std::all_of(v.begin(), v.end(), [](float a) { return a == 0.0f; }), name);
  }
  // Xavier uniform: the input linear's weight [512, 8] lies within sqrt(6 / (8 + 512)).
  const auto w = c.params.at("blocks.0.weight")->value().to_vector();
  const float bound = static_cast<float>(std::sqrt(6.0 / 520.0));
  CHECK(std::all_of(w.begin(), w.end(), [&](float a) { return std::abs(a) <= bound; }));
  CHECK(*std::max_element(w.begin(), w.end()) > 0.9f * bound);
}

TEST_CASE("sagan: HingeGan steps run, losses are finite, samples are [N, C, 32, 32] in [-1, 1]") {
  auto h = models::sagan_hyper();
  h.batch_size = 4;
  Small m(h, 7);
  Rng rng(11);
  data::Batch b{rand<float>(Shape{4, 1, 32, 32}, rng, -1.0f, 1.0f), {0, 3, 9, 5}, {}, {}};
  const std::vector<data::Batch> real{b};
  for (int step = 0; step < 2; ++step) {
    const auto d = m.d_step(real, rng);
    const auto g = m.g_step(1, rng);
    CHECK(models::all_finite(d));
    CHECK(models::all_finite(g));
    CHECK(d.size() == 3);
    CHECK(g.size() == 1);
    m.set_step(step + 1);
  }
  const auto x = m.sample(randn<float>(Shape{6, 8}, rng), {0, 1, 2, 7, 8, 9});
  CHECK(x.shape() == Shape{6, 1, 32, 32});
  const auto v = x.to_vector();
  CHECK(std::all_of(v.begin(), v.end(), [](float a) { return std::isfinite(a) && a >= -1.0f && a <= 1.0f; }));
}
