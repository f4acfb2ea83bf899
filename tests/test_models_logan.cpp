// LOGAN (models/logan.hpp) on the step template: the D and G updates use the latent policy
// exactly as the policy's own test checks it against PyTorch (same z, mask, cost, loss), G's
// weights stay untouched by a D update that back-propagates through G, lo_steps = 0 is the
// plain step with the uniform prior, the nets are BigGAN-deep's with another activation,
// and the hyper-parameters round-trip and are checked.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "gantry/data/loader.hpp"
#include "gantry/models/logan.hpp"
#include "gantry/data/fashion_mnist.hpp"
#include "gantry/train/evaluate.hpp"
#include "gantry/train/trainer.hpp"
#include "resume_support.hpp"

using namespace gantry;

namespace {

using Small = models::logan_nets<Image<1, 32, 32>, 10, 4, 16>;
using Model = models::logan<Image<1, 32, 32>, Classes<10>, Width<4>, Latent<16>>;
static_assert(std::is_same_v<Model::Nets, Small>);

models::LoganHyper small_hyper() {
  auto h = models::logan_hyper();
  h.batch_size = 4;
  h.ema_decay = 0;
  return h;
}

std::vector<data::Batch> real_batch(int64_t n, Rng& rng) {
  data::Batch b;
  b.images = ops::add_scalar(ops::mul_scalar(rand<float, cpu>(Shape{n, 1, 32, 32}, rng), 2.0f), -1.0f);
  for (int64_t i = 0; i < n; ++i) b.labels.push_back(i % 10);
  return {b};
}

double value_of(const models::StepLosses& l, const std::string& key) {
  for (const auto& [k, v] : l)
    if (k == key) return v;
  FAIL("no ", key, " in the step's log");
  return 0;
}

bool has(const models::StepLosses& l, const std::string& key) {
  for (const auto& [k, v] : l)
    if (k == key) return true;
  return false;
}

template <class M>
std::vector<std::vector<float>> weights(M& m) {
  std::vector<std::vector<float>> out;
  for_each_parameter<float, cpu>(m, [&](const std::string&, Var<float, cpu>& p) { out.push_back(p.value().to_vector()); });
  return out;
}

}  // namespace

TEST_CASE("a LOGAN D step is the latent policy's: same z', cost and loss as computed by hand") {
  Model a(small_hyper(), 7), b(small_hyper(), 7);
  Rng data_rng(1);
  const auto real = real_batch(4, data_rng);
  Rng ra(42), rb(42);
  const auto log = a.d_step(real, ra);

  // By hand on the twin model: the same draws in the same order (fake labels, z, mask).
  auto& nets = b.nets;
  typename Model::Pair::FreezeG frozen(nets.G);
  const auto y_fake = nets.random_labels(4, rb);
  const auto z0 = nets.noise(4, rb);
  const auto lo = b.latent();
  const auto mask = lo.draw_mask<float, cpu>(4, 16, rb);
  const auto z = lo([&](const Var<float, cpu>& v) { return nets.D.forward(nets.G.forward(v, y_fake, true), y_fake, true); },
                    z0, mask);
  const Var<float, cpu> x(real[0].images);
  std::vector<int64_t> y = real[0].labels;
  y.insert(y.end(), y_fake.begin(), y_fake.end());
  const auto both =
      split(nets.D.forward(concat(std::vector<Var<float, cpu>>{x, nets.G.forward(z.z, y_fake, true)}, 0), y, true),
            {4, 4}, 0);
  const double d_loss = add(Hinge::d_loss(both[0], both[1]), z.cost).item();

  CHECK(value_of(log, "d_loss") == d_loss);
  CHECK(value_of(log, "lo_cost") == z.cost.item());
  CHECK(value_of(log, "dz_norm") == doctest::Approx(z.step_norm).epsilon(1e-12));
  CHECK(value_of(log, "dz_norm") > 0);
  for (int64_t i = 0; i < z0.numel(); ++i) {
    CHECK(z0[i] >= -1.0f);
    CHECK(z0[i] < 1.0f);
  }
}

TEST_CASE("a LOGAN D step back-propagates through G but changes only D; a G step only G") {
  Model m(small_hyper(), 3);
  Rng data_rng(2), rng(5);
  const auto real = real_batch(4, data_rng);
  const auto g0 = weights(m.nets.G), d0 = weights(m.nets.D);
  m.d_step(real, rng);
  CHECK(weights(m.nets.G) == g0);
  CHECK(weights(m.nets.D) != d0);
  const auto d1 = weights(m.nets.D);
  const auto log = m.g_step(1, rng);
  CHECK(weights(m.nets.D) == d1);
  CHECK(weights(m.nets.G) != g0);
  CHECK(std::isfinite(value_of(log, "g_loss")));
}

TEST_CASE("LOGAN's second-order terms reach D: with and without them the D update differs") {
  auto h = small_hyper();
  Model with(h, 3);
  h.lo_second_order = false;
  Model without(h, 3);
  Rng data_rng(2), r1(5), r2(5);
  const auto real = real_batch(4, data_rng);
  const auto l1 = with.d_step(real, r1), l2 = without.d_step(real, r2);
  // The same forward values (up to rounding: a create_graph backward runs other kernels).
  CHECK(value_of(l1, "d_loss") == doctest::Approx(value_of(l2, "d_loss")).epsilon(1e-5));
  CHECK(weights(with.nets.D) != weights(without.nets.D));  // other gradients
}

TEST_CASE("lo_steps = 0 is the plain hinge step with the uniform prior") {
  auto h = small_hyper();
  h.lo_steps = 0;
  Model m(h, 3);
  Rng data_rng(2), rng(5);
  const auto log = m.d_step(real_batch(4, data_rng), rng);
  CHECK_FALSE(has(log, "lo_cost"));
  CHECK(m.nets.prior() == LatentPrior::uniform);
  CHECK(models::biggan_deep<Image<3, 32, 32>, Classes<10>>::paper_hyper().batch_size == Model::paper_hyper().batch_size);
}

TEST_CASE("LOGAN's nets are BigGAN-deep's names with LeakyReLU; Act = ReLU gives BigGAN-deep's forward") {
  Rng g1(9), g2(9);
  Init i1{g1}, i2{g2};
  using Relu = models::logan_nets<Image<1, 32, 32>, 10, 4, 16, ReLU>;
  using Deep = models::biggan_deep_nets<Image<1, 32, 32>, 10, 4, 16>;
  Relu::G::module<double, cpu> a(i1);
  Deep::G::module<double, cpu> b(i2);
  std::vector<std::string> na, nb;
  for_each_parameter<double, cpu>(a, [&](const std::string& n, Var<double, cpu>&) { na.push_back(n); });
  for_each_parameter<double, cpu>(b, [&](const std::string& n, Var<double, cpu>&) { nb.push_back(n); });
  CHECK(na == nb);
  Rng r(1);
  const Var<double, cpu> z(draw_latents<double, cpu>(LatentPrior::uniform, 2, 16, r));
  CHECK(a.forward(z, {1, 2}, false).value().to_vector() == b.forward(z, {1, 2}, false).value().to_vector());
  Rng g3(9);
  Init i3{g3};
  Small::G::module<double, cpu> leaky(i3);
  CHECK(leaky.forward(z, {1, 2}, false).value().to_vector() != b.forward(z, {1, 2}, false).value().to_vector());
}

TEST_CASE("LOGAN's hyper-parameters: the paper's values, JSON round trip, bad values named") {
  const auto h = models::logan_hyper();
  CHECK(h.lo_alpha == 0.9);
  CHECK(h.lo_beta == 5.0);
  CHECK(h.lo_rate == 0.5);
  CHECK(h.lo_w_r == 300.0);
  CHECK(h.lo_steps == 1);
  CHECK(h.lo_natural_gradient);
  const auto back = models::hyper_from_json<models::LoganHyper>(models::hyper_to_json(h));
  CHECK(io::json::dump(models::hyper_to_json(back)) == io::json::dump(models::hyper_to_json(h)));
  auto bad = h;
  bad.lo_rate = 2;
  CHECK_THROWS_WITH(Model(bad, 1), doctest::Contains("rate (the fraction c optimised) must be in [0, 1], got 2"));
  auto studio = models::logan_studiogan_hyper();
  CHECK(studio.lo_beta == 0.1);
  CHECK(studio.lo_w_r == 0.1);
}

TEST_CASE("sampling with latent steps: the latents move (and stay in [-1, 1]); other models refuse it") {
  Model m(small_hyper(), 3);
  Rng r0(8), r1(8);
  const auto z = m.nets.noise(6, r0);
  const std::vector<int64_t> y = {0, 1, 2, 3, 4, 5};
  const auto moved = m.optimise_latents(z, y, 3, r1);
  double change = 0;
  for (int64_t i = 0; i < z.numel(); ++i) {
    change += std::abs(moved[i] - z[i]);
    CHECK(moved[i] >= -1.0f);
    CHECK(moved[i] <= 1.0f);
  }
  CHECK(change > 0);
  Rng a(4), b(4);
  const auto plain = train::generate(m, 6, a, {.labels = y});
  const auto optimised = train::generate(m, 6, b, {.labels = y, .latent_steps = 2});
  CHECK(plain.to_vector() != optimised.to_vector());
  models::biggan_deep<Image<1, 32, 32>, Classes<10>, Width<4>, Latent<16>> deep(models::biggan_deep_hyper(), 1);
  Rng c(4);
  CHECK_THROWS_WITH(train::generate(deep, 6, c, {.latent_steps = 2}),
                    doctest::Contains("latent_steps = 2 needs a model with latent optimisation (LOGAN)"));
}

TEST_CASE("LOGAN resumes bit for bit: 6 steps straight equal 3, a checkpoint, and 3 more") {
  test::resumes_bit_for_bit<Model>("logan", small_hyper(), 6);
}
