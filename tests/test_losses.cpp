// GAN losses (losses/) against PyTorch values and gradients (tests/fixtures/
// make_loss_fixtures.py), including logits of +-100; first- and second-order gradchecks in
// double; the WGAN-GP penalty of a small critic and its double backward to the weights.
#include <doctest/doctest.h>

#include <gantry/autograd.hpp>
#include <gantry/io.hpp>
#include <gantry/losses.hpp>

#include <cmath>
#include <string>
#include <vector>

using namespace gantry;

namespace {

const io::TensorFile& fixture() {
  static const io::TensorFile f = io::read_safetensors(std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/loss_fixtures.safetensors");
  return f;
}

// The auxiliary classifier terms of ADC-GAN, AC-GAN, TAC-GAN (make_classifier_loss_fixtures.py).
const io::TensorFile& classifier_fixture() {
  static const io::TensorFile f =
      io::read_safetensors(std::string(GANTRY_TEST_DATA_DIR) + "/fixtures/classifier_loss_fixtures.safetensors");
  return f;
}

template <class T>
Var<T, cpu> leaf(const std::string& name, const io::TensorFile& f = fixture()) {
  return Var<T, cpu>(f.get<T>(name), true);
}

// |a - e| <= tol (1 + |e|) elementwise, every value finite.
template <class T>
void check_close(const Tensor<T, cpu>& actual, const std::string& name, double tol,
                 const io::TensorFile& f = fixture()) {
  const auto expected = f.get<double>(name);
  REQUIRE_MESSAGE(actual.numel() == expected.numel(), name);
  for (int64_t i = 0; i < actual.numel(); ++i) {
    const double a = static_cast<double>(actual.data()[i]), e = expected.data()[i];
    INFO(name, " element ", i, ": gantry ", a, ", torch ", e);
    CHECK(std::isfinite(a));
    CHECK(std::abs(a - e) <= tol * (1 + std::abs(e)));
  }
}

template <class T>
double tol() {
  return std::is_same_v<T, double> ? 1e-12 : 2e-6;
}

template <class Loss, class T>
void check_policy(const std::string& name) {
  auto real = leaf<T>("real"), fake = leaf<T>("fake");
  const auto d = Loss::d_loss(real, fake);
  check_close(d.value(), name + ".d", tol<T>());
  const auto gd = grad(std::vector<Var<T, cpu>>{d}, std::vector<Var<T, cpu>>{real, fake});
  check_close(gd[0].value(), name + ".d.grad_real", tol<T>());
  check_close(gd[1].value(), name + ".d.grad_fake", tol<T>());
  const auto g = Loss::g_loss(fake);
  check_close(g.value(), name + ".g", tol<T>());
  check_close(grad(g, fake).value(), name + ".g.grad_fake", tol<T>());
}

using V = Var<double, cpu>;
using Vs = std::vector<V>;

// Random logits away from the kinks of relu (hinge) and including an exact 0.
Vs random_logits(uint64_t seed) {
  Rng gen(seed);
  auto r = rand<double>({7}, gen, -3, 3), f = rand<double>({2, 5}, gen, -3, 3);
  r.data()[3] = 0.0;
  return {V(r, true), V(f, true)};
}

template <class Loss>
void gradchecks(bool second_order) {
  const Vs x = random_logits(11);
  const GradFn d = [](const Vs& v) { return Loss::d_loss(v[0], v[1]); };
  const GradFn g = [](const Vs& v) { return Loss::g_loss(v[0]); };
  auto r = gradcheck(d, x);
  CHECK_MESSAGE(r.ok, r.report);
  r = gradcheck(g, {x[1]});
  CHECK_MESSAGE(r.ok, r.report);
  if (second_order) {
    r = gradgradcheck(d, x);
    CHECK_MESSAGE(r.ok, r.report);
    r = gradgradcheck(g, {x[1]});
    CHECK_MESSAGE(r.ok, r.report);
  }
}

// D(x) = flatten(tanh(conv3x3(x, w1, b1, pad 1))) @ w2 + b2, as in the fixture.
template <class T>
struct ConvCritic {
  Var<T, cpu> w1, b1, w2, b2;
  Var<T, cpu> operator()(const Var<T, cpu>& x) const {
    auto h = tanh(conv2d(x, w1, b1, ops::Conv2dOptions::same(1, 1)));
    return add(matmul(reshape(h, {x.dim(0), -1}), w2), b2);
  }
};

template <class T>
ConvCritic<T> fixture_critic() {
  return {leaf<T>("gp.w1"), leaf<T>("gp.b1"), leaf<T>("gp.w2"), leaf<T>("gp.b2")};
}

}  // namespace

TEST_CASE_TEMPLATE("loss policies match PyTorch, logits of +-100 included", T, double, float) {
  check_policy<NonSaturating, T>("ns");
  check_policy<Hinge, T>("hinge");
  check_policy<Wasserstein, T>("wgan");
  check_policy<LeastSquares, T>("ls");
}

TEST_CASE_TEMPLATE("bce_with_logits with a per-pixel soft target matches PyTorch", T, double, float) {
  auto x = leaf<T>("bce.logits");
  const auto t = fixture().get<T>("bce.target");
  const auto v = bce_with_logits(x, t);
  check_close(v.value(), "bce.value", tol<T>());
  check_close(grad(v, x).value(), "bce.grad", tol<T>());
  // Constant targets 1 and 0 agree with the general form.
  const auto ones = ops::add_scalar(Tensor<T, cpu>::zeros(x.shape()), T(1));
  CHECK(bce_with_logits(x, T(1)).item() == doctest::Approx(bce_with_logits(x, ones).item()).epsilon(1e-6));
  CHECK(bce_with_logits(x, T(0)).item() ==
        doctest::Approx(bce_with_logits(x, Tensor<T, cpu>::zeros(x.shape())).item()).epsilon(1e-6));
}

TEST_CASE_TEMPLATE("cross_entropy and the ADC-GAN terms match PyTorch", T, double, float) {
  auto logits = leaf<T>("ce.logits");
  const auto ce = cross_entropy(logits, fixture().get_ints("ce.labels"));
  check_close(ce.value(), "ce.value", tol<T>());
  check_close(grad(ce, logits).value(), "ce.grad", tol<T>());

  auto real = leaf<T>("adc.real"), fake = leaf<T>("adc.fake");
  const auto y_real = fixture().get_ints("adc.y_real"), y_fake = fixture().get_ints("adc.y_fake");
  const auto d = ADC{}.d_loss(real, y_real, fake, y_fake);
  check_close(d.value(), "adc.d", tol<T>());
  const auto gd = grad(std::vector<Var<T, cpu>>{d}, std::vector<Var<T, cpu>>{real, fake});
  check_close(gd[0].value(), "adc.d.grad_real", tol<T>());
  check_close(gd[1].value(), "adc.d.grad_fake", tol<T>());
  const auto g = ADC{}.g_loss(fake, y_fake);
  check_close(g.value(), "adc.g", tol<T>());
  check_close(grad(g, fake).value(), "adc.g.grad_fake", tol<T>());
  CHECK(ADC::real_labels({0, 3}) == std::vector<int64_t>{0, 6});
  CHECK(ADC::fake_labels({0, 3}) == std::vector<int64_t>{1, 7});
}

// One auxiliary classifier policy against the official code's terms, with cross-entropy and
// with the multi-class hinge, λ_D = 0.7 and λ_G = 0.3.
template <class T, class Policy>
void check_classifier_policy(const std::string& name, const std::string& logits) {
  const io::TensorFile& f = classifier_fixture();
  const auto y_real = f.get_ints("y_real"), y_fake = f.get_ints("y_fake");
  for (const bool hinge : {false, true}) {
    const std::string key = name + (hinge ? ".hinge" : ".ce");
    Policy p;
    p.lambda_d = 0.7;
    p.lambda_g = 0.3;
    p.hinge = hinge;
    auto real = leaf<T>(logits + ".real", f), fake = leaf<T>(logits + ".fake", f);
    const auto d = p.d_loss(real, y_real, fake, y_fake);
    check_close(d.value().reshape({1}), key + ".d", tol<T>(), f);
    const auto gd = grad(std::vector<Var<T, cpu>>{d}, std::vector<Var<T, cpu>>{real, fake}, {},
                         GradOptions{.allow_unused = true});
    check_close(gd[0].value(), key + ".d.grad_real", tol<T>(), f);
    if (gd[1].defined()) check_close(gd[1].value(), key + ".d.grad_fake", tol<T>(), f);
    else check_close(Tensor<T, cpu>::zeros(fake.shape()), key + ".d.grad_fake", tol<T>(), f);
    auto fake_g = leaf<T>(logits + ".fake", f);
    const auto g = p.g_loss(fake_g, y_fake);
    check_close(g.value().reshape({1}), key + ".g", tol<T>(), f);
    check_close(grad(g, fake_g).value(), key + ".g.grad_fake", tol<T>(), f);
  }
}

TEST_CASE_TEMPLATE("ADC-GAN, AC-GAN and TAC-GAN classifier terms match the official code (CE and multi-class hinge)",
                   T, double, float) {
  check_classifier_policy<T, ADC>("adc", "logits2k");
  check_classifier_policy<T, ACGAN>("ac", "logitsk");
  check_classifier_policy<T, TACGAN>("tac", "logits2k");
  static_assert(AuxiliaryClassifier<ADC> && AuxiliaryClassifier<ACGAN> && AuxiliaryClassifier<TACGAN>);
  static_assert(!AuxiliaryClassifier<Hinge>);
}

TEST_CASE("multi-class hinge: by hand, gradcheck and gradgradcheck; classifier shape errors") {
  // Row 0: label 1 of logits (0, 2, 1.5): relu(1 - 2 + 0) = 0 and relu(1 - 2 + 1.5) = 0.5;
  // row 1: label 0 of (1, 1, -3): relu(1) = 1 and relu(-3) = 0. Mean over 4 entries: 0.375.
  const auto l = V(Tensor<double, cpu>::from({2, 3}, {0, 2, 1.5, 1, 1, -3}), true);
  CHECK(multi_class_hinge(l, {1, 0}, true).item() == doctest::Approx(0.375));
  // Without relu: (0 - 2) + (1.5 - 2) + (1 - 1) + (-3 - 1) = -6.5, over 4.
  CHECK(multi_class_hinge(l, {1, 0}, false).item() == doctest::Approx(-1.625));
  Rng gen(3);
  const std::vector<int64_t> y = {1, 0, 2};
  const Vs x = {random_input({3, 4}, gen, -3, 3)};
  for (const bool relu_form : {true, false}) {
    const GradFn f = [&](const Vs& v) { return multi_class_hinge(v[0], y, relu_form); };
    auto r = gradcheck(f, x);
    CHECK_MESSAGE(r.ok, r.report);
    r = gradgradcheck(f, x);
    CHECK_MESSAGE(r.ok, r.report);
  }
  const std::vector<int64_t> y2 = {1, 0};
  const GradFn tac_d = [&](const Vs& v) { return TACGAN{}.d_loss(v[0], y2, v[1], y2); };
  const GradFn tac_g = [&](const Vs& v) { return TACGAN{}.g_loss(v[0], y2); };
  const Vs t = {random_input({2, 4}, gen, -3, 3), random_input({2, 4}, gen, -3, 3)};
  auto r = gradgradcheck(tac_d, t);
  CHECK_MESSAGE(r.ok, r.report);
  r = gradgradcheck(tac_g, {t[1]});
  CHECK_MESSAGE(r.ok, r.report);
  // AC-GAN's on_fake (the original AC-GAN): D's term adds the classifier's loss on generated images.
  ACGAN ac;
  ac.lambda_d = 0.5;
  const auto lr = V(Tensor<double, cpu>::from({2, 3}, {1, 0, 0, 0, 2, 0}));
  const auto lf = V(Tensor<double, cpu>::from({2, 3}, {0, 0, 3, 1, 1, 1}));
  const double real_only = ac.d_loss(lr, {0, 1}, lf, {2, 0}).item();
  ac.on_fake = true;
  CHECK(ac.d_loss(lr, {0, 1}, lf, {2, 0}).item() ==
        doctest::Approx(real_only + 0.5 * cross_entropy(lf, {2, 0}).item()).epsilon(1e-14));
  CHECK_THROWS_WITH_AS(multi_class_hinge(l, {3, 0}, true), doctest::Contains("label 3 of row 0 is outside [0, 3)"),
                       ShapeError);
  CHECK_THROWS_WITH_AS(TACGAN{}.g_loss(l, {0, 1}), doctest::Contains("TACGAN: expects [N, 2K] logits"), ShapeError);
}

TEST_CASE("softplus: stable and exact at the extremes, first and second derivative") {
  auto x = Var<float, cpu>(Tensor<float, cpu>::from({5}, {-1000.f, -100.f, 0.f, 100.f, 1000.f}), true);
  const auto y = softplus(x);
  const auto v = y.value().to_vector();
  CHECK(v[0] == 0.f);
  CHECK(v[1] == doctest::Approx(0.0).epsilon(1e-30));
  CHECK(v[2] == doctest::Approx(std::log(2.0)));
  CHECK(v[3] == 100.f);
  CHECK(v[4] == 1000.f);
  const auto g = grad(std::vector<Var<float, cpu>>{sum(y)}, std::vector<Var<float, cpu>>{x}, {},
                      GradOptions{.create_graph = true})[0];
  const auto gv = g.value().to_vector();  // sigmoid(x)
  CHECK(gv[0] == 0.f);
  CHECK(gv[2] == 0.5f);
  CHECK(gv[4] == 1.f);
  const auto h = grad(sum(g), x).value().to_vector();  // sigmoid'(x)
  for (float e : h) CHECK(std::isfinite(e));
  CHECK(h[0] == 0.f);
  CHECK(h[2] == 0.25f);
  CHECK(h[4] == 0.f);
}

TEST_CASE("loss policies: gradcheck, and gradgradcheck where the loss is smooth") {
  gradchecks<NonSaturating>(true);
  gradchecks<LeastSquares>(true);
  gradchecks<Hinge>(false);
  gradchecks<Wasserstein>(false);
  Rng gen(5);
  const V t = V::constant(rand<double>({2, 1, 3, 3}, gen));
  const GradFn bce = [t](const Vs& v) { return bce_with_logits(v[0], t); };
  const Vs x = {random_input({2, 1, 3, 3}, gen, -4, 4)};
  auto r = gradgradcheck(bce, x);
  CHECK_MESSAGE(r.ok, r.report);
  const std::vector<int64_t> y = {1, 0, 2};
  const GradFn adc_d = [y](const Vs& v) { return ADC{}.d_loss(v[0], y, v[1], y); };
  const GradFn adc_g = [y](const Vs& v) { return ADC{}.g_loss(v[0], y); };
  const Vs l = {random_input({3, 6}, gen, -3, 3), random_input({3, 6}, gen, -3, 3)};
  r = gradgradcheck(adc_d, l);
  CHECK_MESSAGE(r.ok, r.report);
  r = gradgradcheck(adc_g, {l[1]});
  CHECK_MESSAGE(r.ok, r.report);
}

TEST_CASE("losses: shape errors name the op and the shapes") {
  const auto x = V(Tensor<double, cpu>::zeros({2, 3}), true);
  CHECK_THROWS_WITH_AS(bce_with_logits(x, Tensor<double, cpu>::zeros({3, 2})),
                       doctest::Contains("bce_with_logits: logits of shape [2, 3] and target of shape [3, 2]"),
                       ShapeError);
  CHECK_THROWS_WITH_AS(cross_entropy(x, {0, 3}), doctest::Contains("cross_entropy: label 3 of row 1 is outside [0, 3)"),
                       ShapeError);
  CHECK_THROWS_WITH_AS(cross_entropy(x, {0}), doctest::Contains("cross_entropy: logits of shape [2, 3] and 1 labels"),
                       ShapeError);
  CHECK_THROWS_AS(ADC{}.g_loss(x, {1, 0}), ShapeError);  // label 2y + 1 = 3 needs 4 logits
}

TEST_CASE_TEMPLATE("WGAN-GP penalty and its gradient in the critic's weights match PyTorch", T, double, float) {
  auto c = fixture_critic<T>();
  const auto& f = fixture();
  const auto x_hat = GradientPenalty::interpolate(f.get<T>("gp.real"), f.get<T>("gp.fake"), f.get<T>("gp.alpha"));
  const auto p = GradientPenalty{}.at(c, x_hat);
  const double t = std::is_same_v<T, double> ? 1e-11 : 2e-5;
  check_close(p.value(), "gp.value", t);
  // backward() reaches the weights through the recorded gradient (double backprop); b2
  // does not change grad_x D, so it gets nothing.
  p.backward();
  check_close(c.w1.grad().value(), "gp.grad.w1", t);
  check_close(c.b1.grad().value(), "gp.grad.b1", t);
  check_close(c.w2.grad().value(), "gp.grad.w2", t);
  CHECK_FALSE(c.b2.grad().defined());
}

TEST_CASE("WGAN-GP penalty: gradcheck in the critic's weights") {
  const auto& f = fixture();
  const auto x_hat = GradientPenalty::interpolate(f.get<double>("gp.real"), f.get<double>("gp.fake"),
                                                  f.get<double>("gp.alpha"));
  const auto c = fixture_critic<double>();
  const GradFn pen = [&](const Vs& w) { return GradientPenalty{}.at(ConvCritic<double>{w[0], w[1], w[2], w[3]}, x_hat); };
  auto r = gradcheck(pen, {c.w1, c.b1, c.w2, c.b2}, {.eps = 1e-6, .atol = 1e-6, .rtol = 1e-5});
  CHECK_MESSAGE(r.ok, r.report);
}

TEST_CASE("WGAN-GP penalty: alpha per sample, reproducible from the seed") {
  const auto c = fixture_critic<double>();
  const auto& f = fixture();
  const V real(f.get<double>("gp.real")), fake(f.get<double>("gp.fake"));
  const GradientPenalty gp{.lambda = 10.0};
  Rng a(42), b(42), d(43);
  const double p1 = gp(c, real, fake, a).item(), p2 = gp(c, real, fake, b).item(), p3 = gp(c, real, fake, d).item();
  CHECK(p1 == p2);
  CHECK(p1 != p3);
  CHECK(a.offset() == 3);  // one draw per sample
  // The same as drawing alpha = rand({N, 1, 1, 1}) from the seed by hand.
  Rng e(42);
  const auto alpha = rand<double>({3, 1, 1, 1}, e);
  Rng g(42);
  CHECK(GradientPenalty::draw_alpha<double, cpu>(real.shape(), g).to_vector() == alpha.to_vector());
  CHECK(gp.at(c, GradientPenalty::interpolate(real.value(), fake.value(), alpha)).item() == p1);
  const auto av = alpha.to_vector();
  for (double v : av) CHECK((v >= 0 && v < 1));
  CHECK(av[0] != av[1]);
}

TEST_CASE("WGAN-GP penalty on a linear critic over feature vectors: lambda (|w| - 1)^2") {
  // D(x) = x . w: grad_x D = w for every sample, so the penalty is lambda (|w| - 1)^2.
  Rng gen(9);
  V w(Tensor<double, cpu>::from({3, 1}, {0.5, -1.0, 2.0}), true);
  const auto critic = [&](const V& x) { return matmul(x, w); };
  const V real(randn<double>({4, 3}, gen)), fake(randn<double>({4, 3}, gen));
  const auto p = GradientPenalty{.lambda = 2.0}(critic, real, fake, gen);
  const double norm = std::sqrt(0.25 + 1.0 + 4.0);
  CHECK(p.item() == doctest::Approx(2.0 * (norm - 1) * (norm - 1)).epsilon(1e-12));
  // d/dw = 2 lambda (|w| - 1) w / |w|
  const auto gw = grad(p, w).value().to_vector();
  const std::vector<double> wv = {0.5, -1.0, 2.0};
  for (int i = 0; i < 3; ++i) CHECK(gw[i] == doctest::Approx(4.0 * (norm - 1) * wv[i] / norm).epsilon(1e-12));
}
