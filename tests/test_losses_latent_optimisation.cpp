// LOGAN's latent optimisation (losses/latent_optimisation.hpp) against its PyTorch twin
// (tests/fixtures/make_logan_fixtures.py: one D update and one G update, NGD and GD, 1-3
// latent steps, both mask modes, with and without the second-order path), in double and float;
// a finite-difference check of the gradients through the latent step; every step taken.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "gantry/autograd.hpp"
#include "gantry/io.hpp"
#include "gantry/losses/hinge.hpp"
#include "gantry/losses/latent_optimisation.hpp"
#include "gantry/nn.hpp"

using namespace gantry;

namespace {

using GNet = Generator<Latent<8>, Linear<16>, LeakyReLU<>, Linear<12>, Tanh>;
using DNet = Discriminator<Vector<12>, Linear<16>, LeakyReLU<>, Linear<1>>;

io::TensorFile fixture(const std::string& name) {
  return io::read_safetensors(std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/models/logan_" + name + ".safetensors");
}

LatentOptimisation policy_of(const io::TensorFile& f) {
  LatentOptimisation lo;
  lo.rule = f.metadata.at("rule") == "ngd" ? LatentStepRule::natural_gradient : LatentStepRule::gradient_descent;
  lo.steps = std::stoi(f.metadata.at("steps"));
  lo.mask = f.metadata.at("mask") == "sample" ? LatentMask::per_sample : LatentMask::per_dimension;
  lo.second_order = f.metadata.at("second_order") == "1";
  lo.alpha = std::stod(f.metadata.at("alpha"));
  lo.beta = std::stod(f.metadata.at("beta"));
  lo.rate = std::stod(f.metadata.at("rate"));
  lo.w_r = std::stod(f.metadata.at("w_r"));
  return lo;
}

template <class T>
struct Nets {
  Rng gen{3};
  Init init{gen};
  GNet::module<T, cpu> G{init};
  DNet::module<T, cpu> D{init};

  explicit Nets(const io::TensorFile& f) {
    for_each_parameter<T, cpu>(G, [&](const std::string& n, Var<T, cpu>& p) { p.value() = f.get<T>("G." + n, p.shape()); });
    for_each_parameter<T, cpu>(D, [&](const std::string& n, Var<T, cpu>& p) { p.value() = f.get<T>("D." + n, p.shape()); });
  }
  Var<T, cpu> score(const Var<T, cpu>& z) { return D.forward(G.forward(z, {}, true), {}, true); }
  template <class M>
  void set_trainable(M& m, bool on) {
    for_each_parameter<T, cpu>(m, [on](const std::string&, Var<T, cpu>& p) {
      p.requires_grad_(on);
      p.zero_grad();
    });
  }
};

// Worst relative error against the fixture's float64 values, relative to max(|e|, rms(e)).
struct Worst {
  double worst = 0;
  std::string where;
  template <class T>
  void check(const std::vector<T>& a, const io::TensorFile& f, const std::string& key) {
    const auto e = f.get<double>(key).to_vector();
    REQUIRE(e.size() == a.size());
    double ss = 0;
    for (double v : e) ss += v * v;
    const double rms = std::max(std::sqrt(ss / static_cast<double>(e.size())), 1e-300);
    for (std::size_t i = 0; i < e.size(); ++i) {
      double r = std::abs(static_cast<double>(a[i]) - e[i]) / std::max(std::abs(e[i]), rms);
      if (std::isnan(r)) r = INFINITY;
      if (r > worst) {
        worst = r;
        where = key;
      }
    }
  }
};

// One D update and one G update as the fixture script does them; returns what it compares.
template <class T>
struct StepResult {
  Tensor<T, cpu> zprime_d, zprime_g;
  double cost_d = 0, cost_g = 0, d_loss = 0, g_loss = 0;
};

template <class T>
StepResult<T> logan_step(Nets<T>& nets, const io::TensorFile& f, const LatentOptimisation& lo) {
  StepResult<T> r;
  const auto score = [&](const Var<T, cpu>& z) { return nets.score(z); };
  nets.set_trainable(nets.G, false);
  const auto d = lo(score, f.get<T>("z_d", Shape{6, 8}), f.get<T>("mask_d"));
  const Var<T, cpu> x(f.get<T>("x", Shape{6, 12}));
  const auto d_loss = add(Hinge::d_loss(nets.D.forward(x, {}, true), nets.score(d.z)), d.cost);
  d_loss.backward();
  r.zprime_d = d.z.value();
  r.cost_d = d.cost.item();
  r.d_loss = d_loss.item();
  nets.set_trainable(nets.G, true);

  for_each_parameter<T, cpu>(nets.D, [](const std::string&, Var<T, cpu>& p) { p.requires_grad_(false); });
  const auto g = lo(score, f.get<T>("z_g", Shape{6, 8}), f.get<T>("mask_g"));
  const auto g_loss = add(Hinge::g_loss(nets.score(g.z)), g.cost);
  g_loss.backward();
  r.zprime_g = g.z.value();
  r.cost_g = g.cost.item();
  r.g_loss = g_loss.item();
  for_each_parameter<T, cpu>(nets.D, [](const std::string&, Var<T, cpu>& p) { p.requires_grad_(true); });
  return r;
}

template <class T>
double check_case(const std::string& name, double tol) {
  CAPTURE(name);
  const auto f = fixture(name);
  Nets<T> nets(f);
  const auto r = logan_step<T>(nets, f, policy_of(f));
  Worst worst;
  worst.check(r.zprime_d.to_vector(), f, "zprime_d");
  worst.check(r.zprime_g.to_vector(), f, "zprime_g");
  worst.check(std::vector<T>{T(r.cost_d)}, f, "cost_d");
  worst.check(std::vector<T>{T(r.cost_g)}, f, "cost_g");
  worst.check(std::vector<T>{T(r.d_loss)}, f, "d_loss");
  worst.check(std::vector<T>{T(r.g_loss)}, f, "g_loss");
  for_each_parameter<T, cpu>(nets.D, [&](const std::string& n, Var<T, cpu>& p) {
    REQUIRE(p.grad().defined());
    worst.check(p.grad().value().to_vector(), f, "grad.D." + n);
  });
  for_each_parameter<T, cpu>(nets.G, [&](const std::string& n, Var<T, cpu>& p) {
    REQUIRE(p.grad().defined());
    worst.check(p.grad().value().to_vector(), f, "grad.G." + n);
  });
  MESSAGE(name, ": worst relative error ", worst.worst, " (", worst.where, ")");
  CHECK(worst.worst <= tol);
  return worst.worst;
}

const char* const cases[] = {"ngd_1_sample", "ngd_3_dim", "gd_2_sample", "ngd_1_sample_first_order"};

}  // namespace

TEST_CASE("one LOGAN D and G update match PyTorch in double (NGD/GD, 1-3 steps, both masks, 1st/2nd order)") {
  for (const char* c : cases) check_case<double>(c, 1e-10);
}

TEST_CASE("one LOGAN D and G update match PyTorch in float") {
  for (const char* c : cases) check_case<float>(c, 1e-4);
}

TEST_CASE("dropping the second-order path changes the gradients (the parity test can fail)") {
  const auto f = fixture("ngd_1_sample");
  Nets<double> nets(f);
  auto lo = policy_of(f);
  lo.second_order = false;
  logan_step<double>(nets, f, lo);
  Worst worst;
  for_each_parameter<double, cpu>(nets.D, [&](const std::string& n, Var<double, cpu>& p) {
    worst.check(p.grad().value().to_vector(), f, "grad.D." + n);
  });
  MESSAGE("D gradients without the second-order path: worst relative difference ", worst.worst);
  CHECK(worst.worst > 1e-3);
}

TEST_CASE("gradients through the latent steps match finite differences (double, whole D loss)") {
  const auto f = fixture("ngd_3_dim");
  const auto lo = policy_of(f);
  Nets<double> nets(f);
  const auto loss_at = [&] {
    const auto d = lo([&](const Var<double, cpu>& z) { return nets.score(z); }, f.get<double>("z_d", Shape{6, 8}),
                      f.get<double>("mask_d"));
    const Var<double, cpu> x(f.get<double>("x", Shape{6, 12}));
    return add(Hinge::d_loss(nets.D.forward(x, {}, true), nets.score(d.z)), d.cost);
  };
  nets.set_trainable(nets.G, false);
  loss_at().backward();
  const double h = 1e-6;
  int checked = 0;
  double worst = 0;
  for_each_parameter<double, cpu>(nets.D, [&](const std::string&, Var<double, cpu>& p) {
    const auto analytic = p.grad().value().to_vector();
    auto& v = p.value();
    for (int64_t i = 0; i < v.numel(); i += 7) {
      const double keep = v.data()[i];
      v.data()[i] = keep + h;
      const double up = loss_at().item();
      v.data()[i] = keep - h;
      const double down = loss_at().item();
      v.data()[i] = keep;
      const double numeric = (up - down) / (2 * h);
      worst = std::max(worst, std::abs(numeric - analytic[static_cast<std::size_t>(i)]) /
                                  std::max(1.0, std::abs(numeric)));
      ++checked;
    }
  });
  MESSAGE(checked, " D weights: worst |autograd - finite difference| ", worst);
  CHECK(checked > 20);
  CHECK(worst < 1e-6);
}

TEST_CASE("k latent steps are k steps: the score is evaluated k times and z moves each time (1st and 2nd order)") {
  const auto f = fixture("ngd_1_sample");
  Nets<double> nets(f);
  for (int k : {1, 2, 4})
  for (bool second_order : {true, false}) {
    CAPTURE(k);
    CAPTURE(second_order);
    LatentOptimisation lo;
    lo.steps = k;
    lo.second_order = second_order;
    lo.rate = 1.0;
    int calls = 0;
    std::vector<Tensor<double, cpu>> seen;
    const auto score = [&](const Var<double, cpu>& z) {
      ++calls;
      seen.push_back(z.value().clone());
      return nets.score(z);
    };
    const auto z0 = f.get<double>("z_d", Shape{6, 8});
    const auto r = lo(score, z0, ops::add_scalar(Tensor<double, cpu>::zeros({6, 1}), 1.0));
    CHECK(calls == k);
    seen.push_back(r.z.value());
    for (std::size_t s = 1; s < seen.size(); ++s) {
      double moved = 0;
      for (int64_t i = 0; i < z0.numel(); ++i) moved += std::abs(seen[s][i] - seen[s - 1][i]);
      CAPTURE(s);
      CHECK(moved > 1e-6);
    }
  }
}

TEST_CASE("masks: per sample whole rows, per dimension single entries, rate as the fraction; bad settings name the field") {
  LatentOptimisation lo;
  lo.rate = 0.3;
  Rng rng(5);
  const auto per_sample = lo.draw_mask<double, cpu>(4000, 16, rng);
  CHECK(per_sample.shape() == Shape{4000, 1});
  lo.mask = LatentMask::per_dimension;
  const auto per_dim = lo.draw_mask<double, cpu>(4000, 16, rng);
  CHECK(per_dim.shape() == Shape{4000, 16});
  CHECK(ops::mean(per_sample).item() == doctest::Approx(0.3).epsilon(0.05));
  CHECK(ops::mean(per_dim).item() == doctest::Approx(0.3).epsilon(0.02));
  lo.steps = -1;
  CHECK_THROWS_WITH(lo.validate(), doctest::Contains("steps must be >= 0 (0: no latent optimisation), got -1"));
  lo.steps = 1;
  lo.rate = 1.5;
  CHECK_THROWS_WITH(lo.validate(), doctest::Contains("rate (the fraction c optimised) must be in [0, 1], got 1.5"));
  const auto u = draw_latents<double, cpu>(LatentPrior::uniform, 1000, 8, rng);
  const auto v = u.to_vector();
  const auto [lo_it, hi_it] = std::minmax_element(v.begin(), v.end());
  CHECK(*lo_it >= -1.0);
  CHECK(*hi_it < 1.0);
  CHECK(*lo_it < -0.99);
  CHECK(*hi_it > 0.99);
}
