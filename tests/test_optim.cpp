// Optimisers against torch.optim (fixtures/make_optim_fixtures.py), schedules, EMA, clipping.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <gantry/autograd.hpp>
#include <gantry/io/safetensors.hpp>
#include <gantry/nn.hpp>
#include <gantry/losses/weight_clipping.hpp>
#include <gantry/optim.hpp>
#include <map>
#include <string>

using namespace gantry;

namespace {

const io::TensorFile& fixtures() {
  static const io::TensorFile f = io::read_safetensors(std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/optim_fixtures.safetensors");
  return f;
}

constexpr int steps = 5;
const char* const names[] = {"w", "b"};

// Largest |a − b| / max(|b|, 1e-3) over the elements.
template <class T>
double max_rel_err(const Tensor<T, cpu>& a, const Tensor<T, cpu>& b) {
  REQUIRE(a.shape() == b.shape());
  double worst = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const double x = a[i], y = b[i];
    worst = std::max(worst, std::abs(x - y) / std::max(std::abs(y), 1e-3));
  }
  return worst;
}

// Replays the fixture's 5 gradients through an optimiser made by `make` and compares the
// parameters after every step with PyTorch's; returns the worst relative error.
template <class T, class Make>
double replay(const std::string& run, Make make) {
  const auto& f = fixtures();
  const std::string tag = std::is_same_v<T, double> ? "f64" : "f32";
  std::vector<Var<T>> vars;
  for (const char* n : names) vars.push_back(Var<T>(f.get<T>(std::string("init.") + n), true));
  ParamList<T, cpu> params{{"w", vars[0]}, {"b", vars[1]}};
  auto opt = make(params);
  double worst = 0;
  for (int t = 0; t < steps; ++t) {
    for (int k = 0; k < 2; ++k) vars[k].set_grad(Var<T>(f.get<T>("grad." + std::to_string(t) + "." + names[k])));
    opt.step();
    for (int k = 0; k < 2; ++k)
      worst = std::max(
          worst, max_rel_err(vars[k].value(), f.get<T>(run + "." + tag + "." + std::to_string(t) + "." + names[k])));
  }
  CHECK(opt.step_count() == steps);
  return worst;
}

template <class T>
void check_all_runs(double tol) {
  using P = ParamList<T, cpu>;
  const std::map<std::string, std::function<double()>> runs = {
      {"adam_b0",
       [] { return replay<T>("adam_b0", [](P p) { return Adam<T>(p, {.lr = 0.1, .beta1 = 0, .beta2 = 0.99}); }); }},
      {"adam_b0_wd",
       [] {
         return replay<T>("adam_b0_wd",
                          [](P p) { return Adam<T>(p, {.lr = 0.1, .beta1 = 0, .beta2 = 0.99, .weight_decay = 0.01}); });
       }},
      {"adam_b05",
       [] {
         return replay<T>("adam_b05", [](P p) { return Adam<T>(p, {.lr = 0.05, .beta1 = 0.5, .beta2 = 0.999}); });
       }},
      {"adam_b05_wd",
       [] {
         return replay<T>("adam_b05_wd", [](P p) {
           return Adam<T>(p, {.lr = 0.05, .beta1 = 0.5, .beta2 = 0.999, .weight_decay = 0.01});
         });
       }},
      {"rmsprop", [] { return replay<T>("rmsprop", [](P p) { return RMSprop<T>(p, {.lr = 0.01}); }); }},
      {"rmsprop_mc",
       [] {
         return replay<T>("rmsprop_mc", [](P p) {
           return RMSprop<T>(p, {.lr = 0.01, .weight_decay = 0.01, .momentum = 0.9, .centered = true});
         });
       }},
      {"sgd", [] { return replay<T>("sgd", [](P p) { return SGD<T>(p, {.lr = 0.1, .momentum = 0.9}); }); }},
      {"sgd_nesterov",
       [] {
         return replay<T>("sgd_nesterov", [](P p) {
           return SGD<T>(p, {.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true});
         });
       }},
      {"sgd_damp",
       [] {
         return replay<T>("sgd_damp", [](P p) { return SGD<T>(p, {.lr = 0.1, .momentum = 0.9, .dampening = 0.5}); });
       }},
  };
  for (const auto& [name, run] : runs) {
    const double err = run();
    const std::string type = std::is_same_v<T, double> ? "double" : "float";
    MESSAGE(name, " (", type, "): worst relative error ", err);
    CHECK(err <= tol);
  }
}

// A module with one parameter and one buffer, for EMA and clipping.
struct Toy {
  Var<float> weight{Tensor<float, cpu>::from({2, 2}, {0.5f, -3.f, 2.f, 0.25f}), true};
  Tensor<float, cpu> running_mean = Tensor<float, cpu>::from({2}, {1.f, -1.f});
  void visit(ParamVisitor<float, cpu>& v, const std::string& prefix) {
    v.parameter(join_name(prefix, "weight"), weight);
    v.buffer(join_name(prefix, "running_mean"), running_mean);
  }
};

}  // namespace

TEST_CASE("Adam, RMSprop and SGD match torch.optim step by step (double)") { check_all_runs<double>(1e-12); }

// float: worst 8.9e-7 with FMA (AVX2/AVX-512 builds), 2.9e-6 without (the portable build).
TEST_CASE("Adam, RMSprop and SGD match torch.optim step by step (float)") { check_all_runs<float>(1e-5); }

TEST_CASE("parameters without a gradient are skipped; zero_grad clears") {
  Var<double> a(Tensor<double, cpu>::from({2}, {1.0, 2.0}), true), b(Tensor<double, cpu>::from({1}, {5.0}), true);
  SGD<double> opt(std::vector<Var<double>>{a, b}, {.lr = 0.5});
  a.set_grad(Var<double>(Tensor<double, cpu>::from({2}, {2.0, -2.0})));
  opt.step();
  CHECK(a.value().to_vector() == std::vector<double>{0.0, 3.0});
  CHECK(b.value().to_vector() == std::vector<double>{5.0});
  CHECK(opt.params()[1].name == "1");
  opt.zero_grad();
  CHECK_FALSE(a.grad().defined());
}

TEST_CASE("a gradient of the wrong shape is rejected with the names and shapes") {
  Var<float> a(Tensor<float, cpu>::zeros({2, 3}), true);
  Adam<float> opt(ParamList<float, cpu>{{"blocks.0.weight", a}}, {});
  a.set_grad(Var<float>(Tensor<float, cpu>::zeros({3, 2})));
  CHECK_THROWS_WITH_AS(opt.step(),
                       "Adam.step: the gradient of parameter 'blocks.0.weight' "
                       "has shape [3, 2] but the parameter has "
                       "shape [2, 3]",
                       ShapeError);
  CHECK_THROWS_WITH_AS(Adam<float>(std::vector<Var<float>>{a}, {.beta1 = 1.0}), "Adam: beta1 must be in [0, 1), got 1",
                       Error);
  CHECK_THROWS_WITH_AS(SGD<float>(ParamList<float, cpu>{{"x", a}, {"x", a}}, {}), "SGD: two parameters are named 'x'",
                       Error);
  CHECK_THROWS_AS(opt.set_lr(-1), Error);
}

TEST_CASE("optimiser state is visitable by name, and the step count can be set") {
  using G = Generator<Latent<4>, Linear<6>, ReLU, Linear<2>>;
  Rng gen(3);
  Init init{gen};
  G::module<float, cpu> g(init);
  Adam<float> adam(named_parameters<float, cpu>(g), {.lr = 2e-4, .beta1 = 0, .beta2 = 0.9});
  std::vector<std::string> seen;
  adam.visit_state([&](const std::string& n, Tensor<float, cpu>& t) {
    seen.push_back(n);
    CHECK(t.numel() > 0);
  });
  CHECK(seen == std::vector<std::string>{"blocks.0.weight.exp_avg", "blocks.0.weight.exp_avg_sq",
                                         "blocks.0.bias.exp_avg", "blocks.0.bias.exp_avg_sq", "blocks.2.weight.exp_avg",
                                         "blocks.2.weight.exp_avg_sq", "blocks.2.bias.exp_avg",
                                         "blocks.2.bias.exp_avg_sq"});
  adam.set_step_count(1000);
  CHECK(adam.step_count() == 1000);

  RMSprop<float> rms(named_parameters<float, cpu>(g), {.momentum = 0.5, .centered = true});
  seen.clear();
  rms.visit_state([&](const std::string& n, Tensor<float, cpu>&) { seen.push_back(n); });
  CHECK(seen.size() == 12);
  CHECK(seen[0] == "blocks.0.weight.square_avg");
  CHECK(seen[1] == "blocks.0.weight.momentum_buffer");
  CHECK(seen[2] == "blocks.0.weight.grad_avg");
}

TEST_CASE("a step writes into the model's own parameters") {
  using G = Generator<Latent<4>, Linear<6>, ReLU, Linear<2>>;
  Rng gen(7);
  Init init{gen};
  G::module<double, cpu> g(init);
  std::map<std::string, std::vector<double>> before;
  for_each_parameter<double, cpu>(g, [&](const std::string& n, Var<double>& p) { before[n] = p.value().to_vector(); });
  Adam<double> opt(named_parameters<double, cpu>(g), {.lr = 1e-2, .beta1 = 0.5, .beta2 = 0.999});
  Var<double> z(randn<double>({3, 4}, gen));
  auto out = g.forward(z, {}, true);
  sum(mul(out, out)).backward();
  opt.step();
  CHECK(opt.step_count() == 1);
  // Adam's first step moves every element with a nonzero gradient by lr (up to ε).
  for_each_parameter<double, cpu>(g, [&](const std::string& n, Var<double>& p) {
    const auto now = p.value().to_vector();
    const auto grad = p.grad().value().to_vector();
    for (std::size_t i = 0; i < now.size(); ++i) {
      if (grad[i] == 0) continue;
      CHECK(std::abs(now[i] - before[n][i]) == doctest::Approx(1e-2).epsilon(1e-6));
    }
  });
  opt.zero_grad();
  for_each_parameter<double, cpu>(g, [&](const std::string&, Var<double>& p) { CHECK_FALSE(p.grad().defined()); });
}

TEST_CASE("learning-rate schedules") {
  ConstantLR c(2e-4);
  CHECK(c(0) == 2e-4);
  CHECK(c(123456) == 2e-4);
  LinearDecayLR lin(2e-4, 100000);
  CHECK(lin(0) == 2e-4);
  CHECK(lin(25000) == doctest::Approx(1.5e-4).epsilon(1e-15));
  CHECK(lin(50000) == doctest::Approx(1e-4).epsilon(1e-15));
  CHECK(lin(100000) == 0.0);
  CHECK(lin(200000) == 0.0);
  Var<float> a(Tensor<float, cpu>::zeros({1}), true);
  Adam<float> opt(std::vector<Var<float>>{a}, {.lr = 1});
  opt.set_lr(lin(75000));
  CHECK(opt.lr() == doctest::Approx(5e-5).epsilon(1e-15));
  CHECK_THROWS_WITH_AS(LinearDecayLR(1e-4, 0), "LinearDecayLR: total steps must be > 0, got 0", Error);
}

TEST_CASE("EMA averages parameters and buffers, copying before the start step") {
  Toy g;
  EMA<float> ema(g, 0.9, /*start_step=*/2);
  // Step 0 and 1 (< start): copies.
  g.weight.value().data()[0] = 1.5f;
  g.running_mean.data()[1] = 3.f;
  ema.update(g, 0);
  ema.update(g, 1);
  Toy target;
  ema.copy_to(target);
  CHECK(target.weight.value().to_vector() == std::vector<float>{1.5f, -3.f, 2.f, 0.25f});
  CHECK(target.running_mean.to_vector() == std::vector<float>{1.f, 3.f});
  // Step 2: 0.9·ema + 0.1·θ.
  g.weight.value().data()[0] = 2.5f;
  g.running_mean.data()[0] = 11.f;
  ema.update(g, 2);
  ema.copy_to(target);
  CHECK(target.weight.value().at(0, 0) == doctest::Approx(0.9 * 1.5 + 0.1 * 2.5).epsilon(1e-6));
  CHECK(target.weight.value().at(0, 1) == doctest::Approx(-3.0).epsilon(1e-6));
  CHECK(target.running_mean.at(0) == doctest::Approx(0.9 * 1 + 0.1 * 11).epsilon(1e-6));
  CHECK(target.running_mean.at(1) == doctest::Approx(3.0).epsilon(1e-6));
  // Step 3 again.
  ema.update(g, 3);
  ema.copy_to(target);
  CHECK(target.weight.value().at(0, 0) == doctest::Approx(0.9 * (0.9 * 1.5 + 0.1 * 2.5) + 0.1 * 2.5).epsilon(1e-6));
  // The source is untouched and the target does not share storage with the EMA.
  CHECK(g.weight.value().at(0, 0) == 2.5f);
  std::vector<std::string> seen;
  ema.visit_state([&](const std::string& n, Tensor<float, cpu>& t) {
    seen.push_back(n);
    CHECK_FALSE(t.shares_storage(target.weight.value()));
  });
  CHECK(seen == std::vector<std::string>{"weight", "running_mean"});
}

TEST_CASE("EMA of a generator; mismatched modules are named") {
  using G = Generator<Latent<4>, Linear<6>, ReLU, Linear<2>>;
  using H = Generator<Latent<4>, Linear<5>, ReLU, Linear<2>>;
  Rng gen(5);
  Init init{gen};
  G::module<float, cpu> g(init), sample(init);
  EMA<float> ema(g, 0.999);
  ema.copy_to(sample);
  for_each_parameter<float, cpu>(sample, [&](const std::string& n, Var<float>& p) {
    bool found = false;
    for_each_parameter<float, cpu>(g, [&](const std::string& m, Var<float>& q) {
      if (m == n) {
        found = true;
        CHECK(p.value().to_vector() == q.value().to_vector());
      }
    });
    CHECK(found);
  });
  H::module<float, cpu> h(init);
  CHECK_THROWS_WITH_AS(ema.copy_to(h),
                       "EMA.copy_to: 'blocks.0.weight' has shape [5, 4] in the "
                       "module but [6, 4] in the EMA",
                       ShapeError);
  CHECK_THROWS_AS(EMA<float>(g, 1.5), Error);
}

TEST_CASE("EMA follows batch-norm running statistics (buffers) of a trained generator") {
  using G = Generator<Latent<4>, Linear<3>, BatchNorm1d<>>;
  Rng gen(11);
  Init init{gen};
  G::module<float, cpu> g(init), sample(init);
  auto running_mean = [](G::module<float, cpu>& m) {
    std::vector<float> out;
    struct V : ParamVisitor<float, cpu> {
      std::vector<float>& out;
      explicit V(std::vector<float>& o) : out(o) {}
      void parameter(const std::string&, Var<float>&) override {}
      void buffer(const std::string& n, Tensor<float, cpu>& b) override {
        if (n == "blocks.1.running_mean") out = b.to_vector();
      }
    } v(out);
    m.visit(v, "");
    return out;
  };
  EMA<float> ema(g, 0.5, /*start_step=*/1);
  g.forward(Var<float>(randn<float>({8, 4}, gen)), {}, true);
  const auto m1 = running_mean(g);
  REQUIRE(m1.size() == 3);
  CHECK(m1 != std::vector<float>(3, 0.f));
  ema.update(g, 0);  // copy
  g.forward(Var<float>(randn<float>({8, 4}, gen)), {}, true);
  const auto m2 = running_mean(g);
  ema.update(g, 1);  // 0.5·m1 + 0.5·m2
  ema.copy_to(sample);
  const auto got = running_mean(sample);
  for (int c = 0; c < 3; ++c) CHECK(got[c] == doctest::Approx(0.5 * m1[c] + 0.5 * m2[c]).epsilon(1e-6));
}

TEST_CASE("clip_parameters clamps every parameter in place") {
  Toy m;
  clip_parameters<float>(m, 1.0);
  CHECK(m.weight.value().to_vector() == std::vector<float>{0.5f, -1.f, 1.f, 0.25f});
  CHECK(m.running_mean.to_vector() == std::vector<float>{1.f, -1.f});  // buffers are not parameters
  CHECK_THROWS_WITH_AS(clip_parameters<float>(m, -0.01), "clip_parameters: the bound c must be >= 0, got -0.01", Error);
}
