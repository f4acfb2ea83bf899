// models::adcgan, acgan and tacgan: one training step against ADC-GAN's official code
// (tests/fixtures/make_adcgan_step_fixtures.py runs houliangict/adcgan's BigGAN.py
// Generator, Discriminator and G_D with train_fns.py's classifier terms in float64, on the
// BigGAN CIFAR-flag weights plus the classifier heads): D's and G's losses with their
// classifier parts and every gradient by official name; then the step template with the
// classifier policy (what each update changes, what it logs, the settings).
#include <doctest/doctest.h>

#include <gantry/data/loader.hpp>
#include <gantry/models/adcgan.hpp>
#include <gantry/models/biggan_official.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "part_fixture.hpp"

#include "step_log.hpp"

using namespace gantry;
using test::logged;

namespace {

const std::string fixtures = std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/";
using Collect = part_fixture::detail::Collect<float, cpu>;

// The nets of the BigGAN forward-interop fixture (D_ch = G_ch = 4), with each paper's heads.
using AdcNets = models::adcgan_nets<Image<3, 32, 32>, 10, 4>;
using AcNets = models::acgan_nets<Image<3, 32, 32>, 10, 4>;
using TacNets = models::tacgan_nets<Image<3, 32, 32>, 10, 4>;

template <class Nets>
std::string official_d(const std::string& n) {
  return models::official_biggan_d_name<Nets>(n);
}
template <class Nets>
std::string official_g(const std::string& n) {
  return models::official_biggan_g_name<Nets>(n);
}

struct Step {
  Var<float> d_fake, d_real, d_aux, d_loss, g_aux, g_loss;
};

// train_fns.GAN_training_function's passes without the optimizer steps: G's fakes off the
// tape, D on cat(fake, real) (G_D's order) with all heads, hinge + the policy's classifier
// term, its backward, `after_d()`; then hinge + classifier term on D(G(z_g, y_g)).
template <class Policy, class G, class D, class AfterD>
Step run_step(const Policy& policy, G& g, D& d, const Var<float>& x, const io::TensorFile& f, AfterD after_d) {
  const Var<float> z_d(f.get<float>("z_d")), z_g(f.get<float>("z_g"));
  const auto y_real = f.get_ints("y_real"), y_fake = f.get_ints("y_fake"), y_g = f.get_ints("y_g");
  Step s;
  Var<float> fake;
  {
    no_grad guard;
    fake = Var<float>(g.forward(z_d, y_fake, true).value());
  }
  std::vector<int64_t> y = y_fake;
  y.insert(y.end(), y_real.begin(), y_real.end());
  const int64_t n = z_d.dim(0);
  const auto out = d.forward_all(concat(std::vector<Var<float>>{fake, x}, 0), y, true);
  const auto scores = split(out.adversarial, {n, n}, 0);
  const auto logits = split(out.classifier, {n, n}, 0);
  s.d_fake = scores[0];
  s.d_real = scores[1];
  s.d_aux = policy.d_loss(logits[1], y_real, logits[0], y_fake);
  s.d_loss = add(Hinge::d_loss(s.d_real, s.d_fake), s.d_aux);
  s.d_loss.backward();
  after_d(s);
  const auto gout = d.forward_all(g.forward(z_g, y_g, true), y_g, true);
  s.g_aux = policy.g_loss(gout.classifier, y_g);
  s.g_loss = add(Hinge::g_loss(gout.adversarial), s.g_aux);
  return s;
}

template <class Nets, class Policy>
void check_step(const std::string& name) {
  const io::TensorFile f = io::read_safetensors(fixtures + "models/adcgan_" + name + "_step.safetensors");
  io::TensorFile state = io::read_safetensors(fixtures + f.metadata.at("state_file"));
  {
    // The fixture started from this state file: a regenerated one is named, not a loss mismatch.
    double sum = 0;
    for (const auto& [key, e] : state.tensors)
      if (key.rfind("G.", 0) == 0 || key.rfind("D.", 0) == 0)
        for (double v : state.get<double>(key).to_vector()) sum += std::abs(v);
    const double expected = f.get<double>("state_sum").to_vector().at(0);
    REQUIRE_MESSAGE(std::abs(sum - expected) <= 1e-6 * expected, state.path,
                    " is not the state make_adcgan_step_fixtures.py started from: rerun that script");
  }
  // BigGAN's state without the projection embedding (these D heads are unconditional), plus
  // the case's classifier heads.
  for (auto it = state.tensors.begin(); it != state.tensors.end();)
    it = it->first.rfind("D.embed.", 0) == 0 ? state.tensors.erase(it) : std::next(it);
  for (const auto& [key, e] : f.tensors)
    if (key.rfind("D.", 0) == 0) state.tensors.emplace(key, e);
  Rng rng(0);
  Init init{rng, InitScheme::normal_002};
  typename Nets::G::template module<float, cpu> g(init);
  typename Nets::D::template module<float, cpu> d(init);
  models::load_official_biggan<Nets, float>(state, g, d);

  Policy policy;
  policy.lambda_d = policy.lambda_g = std::stod(f.metadata.at("lambda"));
  policy.hinge = f.metadata.at("hinge") == "True";
  Tensor<float, cpu> xs = f.get<float>("x_u8");
  for (int64_t i = 0; i < xs.numel(); ++i) xs.data()[i] = xs.data()[i] / 127.5f - 1.0f;
  const Var<float> x(xs);

  Collect gc, dc;
  g.visit(gc, "");
  d.visit(dc, "");
  part_fixture::WorstError worst{.tol = 1e-4};
  int grads = 0;
  const Step s = run_step(policy, g, d, x, f, [&](const Step& st) {
    worst.check(f, "d_fake", st.d_fake.value(), "D(G(z_d), y_fake)");
    worst.check(f, "d_real", st.d_real.value(), "D(x, y_real)");
    worst.check(f, "d_aux", st.d_aux.value().reshape({1}), "D's classifier term");
    worst.check(f, "d_loss", st.d_loss.value().reshape({1}), "D loss");
    for (auto& [dname, p] : dc.params) {
      worst.check(f, "grad.D." + official_d<Nets>(dname), p->grad().value(), "D gradient of D." + dname);
      ++grads;
    }
  });
  s.g_loss.backward();
  worst.check(f, "g_aux", s.g_aux.value().reshape({1}), "G's classifier term");
  worst.check(f, "g_loss", s.g_loss.value().reshape({1}), "G loss");
  // As in test_models_biggan_step.cpp: biases that only reach training-mode batch norms have
  // zero gradient in exact arithmetic; compared at 1e-3 of the largest G gradient rms.
  double g_scale = 0;
  const auto rms = [](const Tensor<float, cpu>& t) {
    double sq = 0;
    for (float v : t.to_vector()) sq += static_cast<double>(v) * v;
    return std::sqrt(sq / static_cast<double>(t.numel()));
  };
  for (auto& [gname, p] : gc.params) g_scale = std::max(g_scale, rms(f.get<float>("grad.G." + official_g<Nets>(gname))));
  for (auto& [gname, p] : gc.params) {
    const std::string key = "grad.G." + official_g<Nets>(gname);
    const bool zero = rms(f.get<float>(key)) < 1e-9 * g_scale;
    worst.check(f, key, p->grad().value(), "G gradient of G." + gname, zero ? 1e-3 * g_scale : 0.0);
    ++grads;
  }
  int in_file = 0;
  for (const auto& [key, e] : f.tensors) in_file += key.rfind("grad.", 0) == 0;
  CHECK(grads == in_file);
  MESSAGE(name, " step vs houliangict/adcgan (float64): ", grads, " gradients, worst relative error ", worst.error,
          " (", worst.where, "); d_loss ", s.d_loss.item(), " (classifier ", s.d_aux.item(), "), g_loss ",
          s.g_loss.item(), " (classifier ", s.g_aux.item(), ")");
  // The classifier terms matter: without them the losses are far from the reference.
  const double ref_d = f.get<double>("d_loss").to_vector().at(0), ref_g = f.get<double>("g_loss").to_vector().at(0);
  CHECK(std::abs(s.d_loss.item() - s.d_aux.item() - ref_d) > 1e-2 * std::abs(ref_d));
  CHECK(std::abs(s.g_loss.item() - s.g_aux.item() - ref_g) > 1e-2 * std::abs(ref_g));
}

}  // namespace

TEST_CASE("adcgan: one D and one G step match ADC-GAN's official code (losses, classifier terms, gradients)") {
  check_step<AdcNets, ADC>("adcgan");
}
TEST_CASE("adcgan with the multi-class hinge (--hinge, lambda 0.5) matches the official code") {
  check_step<AdcNets, ADC>("adcgan_hinge");
}
TEST_CASE("acgan (lambda 0.2): one D and one G step match ADC-GAN's AC-GAN baseline") {
  check_step<AcNets, ACGAN>("acgan");
}
TEST_CASE("tacgan: one D and one G step match ADC-GAN's TAC-GAN baseline (classifier and twin)") {
  check_step<TacNets, TACGAN>("tacgan");
}

namespace {
using Small = models::adcgan_nets<Image<1, 32, 32>, 3, 2, 0, 8>;
using Adc = models::adcgan<Image<1, 32, 32>, Classes<3>, Width<2>, Latent<8>>;
static_assert(std::is_same_v<Adc::Nets, Small>);

data::Batch batch(int64_t n, std::uint64_t seed) {
  Rng r(seed);
  data::Batch b;
  b.images = Tensor<float, cpu>({n, 1, 32, 32});
  for (int64_t i = 0; i < b.images.numel(); ++i) b.images.data()[i] = static_cast<float>(r.uniform() * 2 - 1);
  for (int64_t i = 0; i < n; ++i) b.labels.push_back(i % 3);
  return b;
}

template <class M>
std::vector<std::vector<float>> values(M& m) {
  Collect c;
  m.visit(c, "");
  std::vector<std::vector<float>> out;
  for (auto& [name, p] : c.params) out.push_back(p->value().to_vector());
  return out;
}

}  // namespace

TEST_CASE("the step template with a classifier policy: D's update learns the heads, G's changes only G, both log") {
  auto h = models::adcgan_hyper();
  h.batch_size = 4;
  h.ema_decay = 0;
  Adc model(h, 3);
  static_assert(Adc::has_classifier && !models::biggan<Image<3, 32, 32>, Classes<10>>::has_classifier);
  Rng rng(5);
  const std::vector<data::Batch> real{batch(4, 1)};
  const auto g0 = values(model.nets.G);
  const auto d0 = values(model.nets.D);
  const auto dl = model.d_step(real, rng);
  CHECK(std::isfinite(logged(dl, "d_aux")));
  CHECK(logged(dl, "d_aux") > 0);  // two cross-entropies
  CHECK(values(model.nets.G) == g0);
  const auto d1 = values(model.nets.D);
  std::size_t changed = 0;
  for (std::size_t i = 0; i < d0.size(); ++i) changed += d0[i] != d1[i];
  CHECK(changed == d0.size());  // every D parameter, the adc head's included
  const auto gl = model.g_step(1, rng);
  CHECK(std::isfinite(logged(gl, "g_aux")));
  CHECK(values(model.nets.D) == d1);
  CHECK(values(model.nets.G) != g0);

  // λ = 0: the classifier terms vanish from both losses.
  h.lambda_d = h.lambda_g = 0;
  Adc off(h, 3);
  Rng rng2(5);
  CHECK(logged(off.d_step(real, rng2), "d_aux") == 0.0);
  CHECK(logged(off.g_step(1, rng2), "g_aux") == 0.0);
}

TEST_CASE("ADC-GAN settings: the official scripts' values, JSON names, bad values named") {
  const auto c = models::adcgan_hyper();
  CHECK(c.lambda_d == 1.0);
  CHECK(c.d_steps == 4);
  CHECK(c.g_lr == 2e-4);
  CHECK(models::acgan_hyper().lambda_g == 0.2);
  const auto t = models::adcgan_tiny_imagenet_hyper();
  CHECK(t.lambda_d == 0.5);
  CHECK(t.d_lr == 4e-4);
  CHECK(t.g_lr == 1e-4);
  CHECK(t.d_steps == 2);
  CHECK(t.adam_eps == 1e-6);
  CHECK(models::AdcganOrthoPaper::init == InitScheme::orthogonal);
  std::vector<std::string> names;
  auto h = models::adcgan_hyper();
  h.fields([&](const char* n, auto&) { names.push_back(n); });
  CHECK(std::find(names.begin(), names.end(), "lambda_d") != names.end());
  CHECK(std::find(names.begin(), names.end(), "class_hinge") != names.end());
  h.lambda_g = -1;
  CHECK_THROWS_WITH_AS(Adc(h, 0), doctest::Contains("adcgan: lambda_g must be >= 0, found -1"), Error);
  // TAC-GAN's twin: the heads are named as the official attributes.
  Collect c2;
  models::tacgan<Image<1, 32, 32>, Classes<3>, Width<2>, Latent<8>> tac(models::adcgan_hyper(), 0);
  tac.nets.D.visit(c2, "");
  int ac = 0, mi = 0;
  for (auto& [n, p] : c2.params) {
    ac += n.find(".ac.") != std::string::npos;
    mi += n.find(".mi.") != std::string::npos;
  }
  CHECK(ac == 2);  // weight, bias
  CHECK(mi == 2);
}
