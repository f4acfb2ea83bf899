// The step template (models/gan.hpp): every regulariser hook runs at its place, penalties
// enter D's loss and the log, each of the four adversarial losses trains any paper, the
// concatenated D pass equals two passes, and the presets keep their schedules.
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <string>
#include <tuple>

#include "gantry/data/toy_stream.hpp"
#include "gantry/losses/hinge.hpp"
#include "gantry/models/dcgan.hpp"
#include "gantry/models/wgan.hpp"
#include "gantry/models/wgan_gp.hpp"
#include "gantry/models/wgan_nets.hpp"

using namespace gantry;

namespace {

using ToyNets = models::wgan_gp_toy<16>;

// Counts its hook calls and adds a known constant to D's loss.
struct Counting {
  static constexpr const char* log_name = "counted";
  std::map<std::string, int>* calls;
  template <class DModule>
  void before_d_step(DModule&) {
    ++(*calls)["before_d_step"];
  }
  template <class Critic, class T, class D>
  Var<T, D> d_penalty(Critic&& critic, const Var<T, D>& real, const Var<T, D>&, Rng&) const {
    ++(*calls)["d_penalty"];
    CHECK(critic(real).shape() == Shape{real.dim(0), 1});  // D on the real batch
    return Var<T, D>(from_vector<T>({T(0.25)}, Shape{}));
  }
  template <class GModule>
  void after_g_backward(GModule&) {
    ++(*calls)["after_g_backward"];
  }
};

std::map<std::string, int> calls;

template <class Loss>
struct ToyPaper : models::AdamGanPaper<Loss, models::dcgan_name> {
  static std::tuple<Counting> regularisers(const models::AdamGanHyper&) { return {Counting{&calls}}; }
};

double value(const models::StepLosses& l, const std::string& key) {
  for (const auto& [k, v] : l)
    if (k == key) return v;
  FAIL("no ", key, " in the step's losses");
  return 0;
}

models::AdamGanHyper toy_hyper() {
  models::AdamGanHyper h;
  h.batch_size = 16;
  return h;
}

template <class Loss>
void trains_with(const char* name) {
  INFO(name);
  calls.clear();
  models::Gan<ToyNets, ToyPaper<Loss>> m(toy_hyper(), 1);
  data::ToyStream stream(data::ToyDistribution::eight_gaussians, 16, Rng(2));
  Rng rng(3);
  const data::Batch b1 = stream.next(), b2 = stream.next();
  const data::Batch two[] = {b1, b2};
  const auto d = m.d_step(std::span<const data::Batch>(two, 2), rng);  // two micro-batches
  CHECK(calls["before_d_step"] == 1);
  CHECK(calls["d_penalty"] == 2);
  CHECK(value(d, "counted") == doctest::Approx(0.25));
  // d_loss is the adversarial loss plus the penalty: recompute the former from the logged means
  // for the losses where that is exact (linear in D's outputs).
  if constexpr (std::is_same_v<Loss, Wasserstein>)
    CHECK(value(d, "d_loss") == doctest::Approx(value(d, "d_fake") - value(d, "d_real") + 0.25).epsilon(1e-5));
  const auto g = m.g_step(1, rng);
  CHECK(calls["after_g_backward"] == 1);
  CHECK(models::all_finite(d));
  CHECK(models::all_finite(g));
  // A few more steps move G's samples.
  Rng fixed(9);
  const auto z = m.nets.noise(8, fixed);
  const auto before = m.sample(z, {}).to_vector();
  for (int i = 0; i < 5; ++i) {
    const data::Batch b = stream.next();
    m.d_step(std::span<const data::Batch>(&b, 1), rng);
    m.g_step(1, rng);
  }
  CHECK(m.sample(z, {}).to_vector() != before);
}

}  // namespace

TEST_CASE("gan: every adversarial loss trains a paper, and every regulariser hook runs at its place") {
  trains_with<Hinge>("hinge");
  trains_with<Wasserstein>("wasserstein");
  trains_with<NonSaturating>("non-saturating");
  trains_with<LeastSquares>("least squares");
}

TEST_CASE("gan: the log names the loss's estimate and the penalties") {
  models::wgan_gp<Vector<2>, Width<16>> m(models::WganGpHyper::toy(), 1);
  data::ToyStream stream(data::ToyDistribution::eight_gaussians, 16, Rng(2));
  Rng rng(3);
  const data::Batch b = stream.next();
  const auto d = m.d_step(std::span<const data::Batch>(&b, 1), rng);
  std::vector<std::string> keys;
  for (const auto& [k, v] : d) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"d_loss", "d_real", "d_fake", "wasserstein", "gp"});
  CHECK(value(d, "wasserstein") == doctest::Approx(value(d, "d_real") - value(d, "d_fake")).epsilon(1e-5));
  CHECK(value(d, "d_loss") == doctest::Approx(-value(d, "wasserstein") + value(d, "gp")).epsilon(1e-5));
}

TEST_CASE("gan: WGAN clips the critic before each critic step") {
  models::WganHyper h;
  h.batch_size = 16;
  models::wgan<Vector<2>, Width<16>> m(h, 1);
  float largest = 0;
  const auto measure = [&] {
    largest = 0;
    for_each_parameter<float, cpu>(m.nets.D, [&](const std::string&, Var<float, cpu>& p) {
      for (float v : p.value().to_vector()) largest = std::max(largest, std::abs(v));
    });
  };
  measure();
  CHECK(largest > 0.1f);  // PyTorch-style init is far outside [-0.01, 0.01]
  data::ToyStream stream(data::ToyDistribution::eight_gaussians, 16, Rng(2));
  Rng rng(3);
  const data::Batch b = stream.next();
  m.d_step(std::span<const data::Batch>(&b, 1), rng);
  measure();
  // Clamped to 0.01, then one RMSprop step of at most about lr / sqrt(1 - alpha) = 5e-4.
  CHECK(largest <= 0.01f + 6e-4f);
}

TEST_CASE("gan: one concatenated D pass and two separate passes give the same losses (no batch norm in D)") {
  struct Concat : models::AdamGanPaper<Hinge, models::dcgan_name> {
    static models::GanSettings settings(const Hyper& h) {
      return {.batch_size = h.batch_size, .g_batch_size = h.batch_size, .d_pass = models::DPass::concatenated};
    }
  };
  models::Gan<ToyNets, Concat> one(toy_hyper(), 1);
  models::Gan<ToyNets, models::AdamGanPaper<Hinge, models::dcgan_name>> two(toy_hyper(), 1);
  data::ToyStream stream(data::ToyDistribution::eight_gaussians, 16, Rng(2));
  const data::Batch b = stream.next();
  Rng r1(3), r2(3);
  const auto a = one.d_step(std::span<const data::Batch>(&b, 1), r1);
  const auto c = two.d_step(std::span<const data::Batch>(&b, 1), r2);
  for (const char* k : {"d_loss", "d_real", "d_fake"}) CHECK(value(a, k) == doctest::Approx(value(c, k)).epsilon(1e-5));
}

TEST_CASE("gan: presets carry their names, schedules and paper hyper-parameters") {
  using D = models::dcgan<Image<1, 32, 32>, Latent<16>, Width<8>>;
  using L = models::lsgan<Image<1, 32, 32>, Latent<16>, Width<8>>;
  CHECK(std::string(D::name) == "dcgan");
  CHECK(std::string(L::name) == "lsgan");
  CHECK(D::paper_hyper().lr == 2e-4);
  CHECK(D::paper_hyper().beta1 == 0.5);
  CHECK(D::paper_hyper().batch_size == 128);
  D d(D::paper_hyper(), 1);
  CHECK(d.d_steps(0) == 1);
  models::wgan<Vector<2>, Width<16>> w(models::WganHyper{}, 1);
  CHECK(w.d_steps(0) == 100);
  CHECK(w.d_steps(25) == 5);
  auto bad = toy_hyper();
  bad.batch_size = 0;
  CHECK_THROWS_WITH(D(bad, 1), doctest::Contains("dcgan: batch_size must be > 0, found 0"));
}
