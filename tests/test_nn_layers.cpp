// Layer parts: static shapes at odd and even sizes, PyTorch fixtures
// (tests/fixtures/make_layer_fixtures.py), second-order gradchecks, initialisers.
#include "part_fixture.hpp"

using namespace gantry;

namespace {

template <class P, class In, class T = float>
auto make(std::uint64_t seed = 1, InitScheme scheme = InitScheme::pytorch_default) {
  Rng gen(seed);
  Init init{gen, scheme};
  return typename P::template module<In, T, cpu>(init);
}

template <class P, class In>
using out = typename P::template output<In>;

// The runtime shape of a forward equals the static output shape.
template <class P, class In>
void check_runtime_shape(std::vector<int64_t> labels = {}) {
  auto m = make<P, In>();
  Context<float, cpu> ctx;
  ctx.labels = labels.empty() ? std::vector<int64_t>{0, 0} : labels;
  Rng gen(3);
  auto x = Var<float>::constant(randn<float>(In::runtime(2), gen));
  CHECK(m.forward(x, ctx).shape() == out<P, In>::runtime(2));
}

template <class M>
void gradgrad_ok(M& m, const Shape& in, const Context<double, cpu>& ctx = {}) {
  const auto r = part_fixture::gradgrad(m, part_fixture::input(in), ctx);
  CHECK_MESSAGE(r.ok, r.report);
}

}  // namespace

// ---- static shapes, odd and even ----
static_assert(std::is_same_v<out<ConvTranspose2d<3, 3, 2, 1, 1>, Image<4, 5, 4>>, Image<3, 10, 8>>);
static_assert(std::is_same_v<out<ConvTranspose2d<2, 4, 2, 1>, Image<3, 4, 3>>, Image<2, 8, 6>>);
static_assert(std::is_same_v<out<ConvTranspose2d<8, 4, 1, 0>, Image<3, 1, 1>>, Image<8, 4, 4>>);  // DCGAN's first
static_assert(ConvTranspose2d<2, 1, 1, 1>::min_size == 3 && !ConvTranspose2d<2, 1, 1, 1>::accepts<Image<1, 2, 2>>);
static_assert(!ConvTranspose2d<2, 3>::accepts<Vector<4>>);
static_assert(std::is_same_v<ConvTranspose2d<2, 1, 1, 1>::expects<Image<1, 2, 2>>, ImageAtLeast<3, 3>>);

static_assert(std::is_same_v<out<Embedding<6, 4>, Vector<1>>, Vector<4>>);
static_assert(std::is_same_v<out<Embedding<6, 4>, Image<3, 2, 2>>, Vector<4>>);

static_assert(std::is_same_v<out<AvgPool2d<2>, Image<2, 5, 4>>, Image<2, 2, 2>>);
static_assert(std::is_same_v<out<AvgPool2d<2>, Image<2, 8, 9>>, Image<2, 4, 4>>);
static_assert(std::is_same_v<out<AvgPool2d<3, 2, 1>, Image<2, 7, 6>>, Image<2, 4, 3>>);
static_assert(!AvgPool2d<3>::accepts<Image<1, 2, 5>> && AvgPool2d<3, 1, 1>::accepts<Image<1, 1, 1>>);
static_assert(std::is_same_v<AvgPool2d<4, 4, 1>::expects<Image<1, 1, 1>>, ImageAtLeast<2, 2>>);
static_assert(std::is_same_v<out<MaxPool2d<2>, Image<2, 5, 4>>, Image<2, 2, 2>>);
static_assert(std::is_same_v<out<MaxPool2d<3, 2, 1>, Image<2, 7, 6>>, Image<2, 4, 3>>);
static_assert(std::is_same_v<out<MaxPool2d<2, 1>, Image<1, 3, 4>>, Image<1, 2, 3>>);
static_assert(!MaxPool2d<2>::accepts<Vector<4>> && !MaxPool2d<2>::accepts<Image<1, 1, 4>>);

static_assert(std::is_same_v<out<UpsampleNearest<>, Image<2, 3, 4>>, Image<2, 6, 8>>);
static_assert(std::is_same_v<out<UpsampleNearest<3>, Image<1, 2, 3>>, Image<1, 6, 9>>);
static_assert(!UpsampleNearest<>::accepts<Vector<3>>);

static_assert(std::is_same_v<out<UpsampleConv<3, 3>, Image<2, 3, 4>>, Image<3, 6, 8>>);
static_assert(std::is_same_v<out<UpsampleConv<2, 1>, Image<3, 3, 3>>, Image<2, 6, 6>>);
static_assert(std::is_same_v<out<ConvMeanPool<3, 3>, Image<2, 6, 4>>, Image<3, 3, 2>>);
static_assert(std::is_same_v<out<MeanPoolConv<3, 3>, Image<2, 6, 4>>, Image<3, 3, 2>>);
static_assert(!ConvMeanPool<3, 3>::accepts<Image<2, 5, 4>> && !MeanPoolConv<3, 1>::accepts<Image<2, 4, 7>>);
static_assert(std::is_same_v<ConvMeanPool<3, 3>::expects<Image<2, 5, 4>>, ImageWithEvenSides>);

static_assert(std::is_same_v<out<ReflectionPad2d<3>, Image<2, 5, 4>>, Image<2, 11, 10>>);
static_assert(std::is_same_v<out<ReflectionPad2d<1>, Image<1, 3, 2>>, Image<1, 5, 4>>);
static_assert(!ReflectionPad2d<3>::accepts<Image<2, 3, 8>> && !ReflectionPad2d<1>::accepts<Vector<9>>);
static_assert(std::is_same_v<ReflectionPad2d<3>::expects<Image<2, 3, 8>>, ImageAtLeast<4, 4>>);

static_assert(std::is_same_v<out<GlobalSumPool, Image<3, 5, 4>>, Vector<3>>);
static_assert(std::is_same_v<out<GlobalMeanPool, Image<7, 1, 1>>, Vector<7>>);
static_assert(!GlobalSumPool::accepts<Vector<3>>);

// The WGAN-GP CIFAR ResNet critic's resampling (32 -> 16 -> 8) and CycleGAN's ends.
static_assert(std::is_same_v<chain_output<Image<3, 32, 32>, MeanPoolConv<128, 1>, ConvMeanPool<128, 3>>,
                             Image<128, 8, 8>>);
static_assert(std::is_same_v<chain_output<Image<3, 256, 256>, ReflectionPad2d<3>, Conv2d<64, 7, 1, 0>>,
                             Image<64, 256, 256>>);
static_assert(std::is_same_v<chain_output<Image<256, 64, 64>, ConvTranspose2d<128, 3, 2, 1, 1>,
                                          ConvTranspose2d<64, 3, 2, 1, 1>>,
                             Image<64, 256, 256>>);

TEST_CASE("runtime shapes equal the static shapes") {
  check_runtime_shape<ConvTranspose2d<3, 3, 2, 1, 1>, Image<4, 5, 4>>();
  check_runtime_shape<ConvTranspose2d<2, 4, 2, 1, 0, Bias::off>, Image<3, 4, 3>>();
  check_runtime_shape<Embedding<6, 4>, Vector<3>>({5, 1});
  check_runtime_shape<AvgPool2d<2>, Image<2, 5, 4>>();
  check_runtime_shape<AvgPool2d<3, 2, 1>, Image<2, 7, 6>>();
  check_runtime_shape<MaxPool2d<2>, Image<2, 5, 4>>();
  check_runtime_shape<MaxPool2d<3, 2, 1>, Image<2, 7, 6>>();
  check_runtime_shape<UpsampleNearest<>, Image<2, 3, 4>>();
  check_runtime_shape<UpsampleNearest<3>, Image<1, 2, 3>>();
  check_runtime_shape<UpsampleConv<3, 3>, Image<2, 3, 5>>();
  check_runtime_shape<ConvMeanPool<3, 3>, Image<2, 6, 4>>();
  check_runtime_shape<MeanPoolConv<3, 1, Bias::off>, Image<2, 2, 4>>();
  check_runtime_shape<ReflectionPad2d<3>, Image<2, 5, 4>>();
  check_runtime_shape<ReflectionPad2d<1>, Image<1, 3, 2>>();
  check_runtime_shape<GlobalSumPool, Image<3, 5, 4>>();
  check_runtime_shape<GlobalMeanPool, Image<3, 2, 7>>();
}

// ---- PyTorch fixtures ----
TEST_CASE("fixture: Linear and Conv2d (the harness)") {
  auto lin = make<Linear<5>, Vector<7>>();
  part_fixture::check(lin, "linear");
  auto conv = make<Conv2d<4, 3, 2, 1>, Image<3, 7, 6>>();
  part_fixture::check(conv, "conv2d");
}

TEST_CASE("fixture: ConvTranspose2d") {
  auto a = make<ConvTranspose2d<3, 3, 2, 1, 1>, Image<4, 5, 4>>();
  part_fixture::check(a, "conv_transpose2d");
  auto b = make<ConvTranspose2d<2, 4, 2, 1, 0, Bias::off>, Image<3, 4, 3>>();
  part_fixture::check(b, "conv_transpose2d_k4_nobias");
}

TEST_CASE("fixture: Embedding") {
  auto m = make<Embedding<6, 4>, Vector<1>>();
  part_fixture::check(m, "embedding");
}

TEST_CASE("fixture: pools, upsampling, padding") {
  auto a = make<AvgPool2d<3, 2, 1>, Image<2, 7, 6>>();
  part_fixture::check(a, "avg_pool2d_k3s2p1");
  auto b = make<AvgPool2d<2>, Image<2, 5, 4>>();
  part_fixture::check(b, "avg_pool2d_k2");
  auto c = make<MaxPool2d<3, 2, 1>, Image<2, 7, 6>>();
  part_fixture::check(c, "max_pool2d_k3s2p1");
  auto d = make<MaxPool2d<2>, Image<2, 5, 4>>();
  part_fixture::check(d, "max_pool2d_k2");
  auto e = make<UpsampleNearest<2>, Image<2, 3, 4>>();
  part_fixture::check(e, "upsample_nearest2");
  auto f = make<UpsampleNearest<3>, Image<1, 2, 3>>();
  part_fixture::check(f, "upsample_nearest3");
  auto g = make<ReflectionPad2d<3>, Image<2, 5, 4>>();
  part_fixture::check(g, "reflection_pad2d_3");
  auto h = make<ReflectionPad2d<1>, Image<1, 3, 2>>();
  part_fixture::check(h, "reflection_pad2d_1");
  auto i = make<GlobalSumPool, Image<3, 5, 4>>();
  part_fixture::check(i, "global_sum_pool");
  auto j = make<GlobalMeanPool, Image<3, 5, 4>>();
  part_fixture::check(j, "global_mean_pool");
}

TEST_CASE("fixture: tflib resampling convolutions") {
  auto a = make<UpsampleConv<3, 3>, Image<2, 3, 4>>();
  part_fixture::check(a, "upsample_conv_k3");
  auto b = make<UpsampleConv<2, 1>, Image<3, 3, 3>>();
  part_fixture::check(b, "upsample_conv_k1");
  auto c = make<ConvMeanPool<3, 3>, Image<2, 6, 4>>();
  part_fixture::check(c, "conv_mean_pool_k3");
  auto d = make<ConvMeanPool<2, 1>, Image<3, 4, 2>>();
  part_fixture::check(d, "conv_mean_pool_k1");
  auto e = make<MeanPoolConv<3, 3>, Image<2, 6, 4>>();
  part_fixture::check(e, "mean_pool_conv_k3");
  auto f = make<MeanPoolConv<2, 1, Bias::off>, Image<3, 4, 2>>();
  part_fixture::check(f, "mean_pool_conv_k1_nobias");
}

TEST_CASE("fixture: a chain of layer parts") {
  using Chain = Sequential<ReflectionPad2d<1>, Conv2d<3, 3, 1, 0>, ReLU, AvgPool2d<2>, UpsampleConv<2, 3>,
                           ConvTranspose2d<2, 4, 2, 1>, GlobalSumPool>;
  static_assert(std::is_same_v<out<Chain, Image<2, 6, 5>>, Vector<2>>);
  auto m = make<Chain, Image<2, 6, 5>>();
  part_fixture::check(m, "layer_chain");
}

TEST_CASE("fixture: the parameter-free parts (Flatten, Reshape, activations) in a chain") {
  using Chain = Sequential<Flatten, Linear<12>, LeakyReLU<>, Reshape<3, 2, 2>, Conv2d<2, 1, 1, 0>, Tanh, Flatten,
                           Linear<3>, ReLU, Linear<4>, Sigmoid>;
  static_assert(std::is_same_v<out<Chain, Image<2, 3, 3>>, Vector<4>>);
  auto m = make<Chain, Image<2, 3, 3>>();
  part_fixture::check(m, "activation_chain");
}

// ---- second order, in double ----
TEST_CASE("second order: Linear and Conv2d") {
  auto lin = make<Linear<3>, Vector<4>, double>();
  gradgrad_ok(lin, {2, 4});
  auto conv = make<Conv2d<2, 3, 2, 1>, Image<2, 5, 4>, double>();
  gradgrad_ok(conv, {2, 2, 5, 4});
}

TEST_CASE("second order: ConvTranspose2d, Embedding") {
  auto a = make<ConvTranspose2d<2, 3, 2, 1, 1>, Image<2, 3, 2>, double>();
  gradgrad_ok(a, {2, 2, 3, 2});
  auto b = make<ConvTranspose2d<2, 4, 2, 1, 0, Bias::off>, Image<1, 2, 3>, double>();
  gradgrad_ok(b, {2, 1, 2, 3});
  auto e = make<Embedding<5, 3>, Vector<1>, double>();
  Context<double, cpu> ctx;
  ctx.labels = {4, 1, 4};
  gradgrad_ok(e, {3, 1}, ctx);
}

TEST_CASE("second order: pools, upsampling, padding") {
  auto a = make<AvgPool2d<3, 2, 1>, Image<2, 5, 4>, double>();
  gradgrad_ok(a, {2, 2, 5, 4});
  auto b = make<MaxPool2d<3, 2, 1>, Image<2, 5, 4>, double>();
  gradgrad_ok(b, {2, 2, 5, 4});
  auto c = make<MaxPool2d<2>, Image<1, 5, 4>, double>();
  gradgrad_ok(c, {2, 1, 5, 4});
  auto d = make<UpsampleNearest<2>, Image<2, 3, 2>, double>();
  gradgrad_ok(d, {2, 2, 3, 2});
  auto e = make<ReflectionPad2d<2>, Image<1, 3, 4>, double>();
  gradgrad_ok(e, {2, 1, 3, 4});
  auto f = make<GlobalSumPool, Image<2, 3, 3>, double>();
  gradgrad_ok(f, {2, 2, 3, 3});
  auto g = make<GlobalMeanPool, Image<2, 3, 3>, double>();
  gradgrad_ok(g, {2, 2, 3, 3});
}

TEST_CASE("second order: tflib resampling convolutions") {
  auto a = make<UpsampleConv<2, 3>, Image<2, 2, 3>, double>();
  gradgrad_ok(a, {2, 2, 2, 3});
  auto b = make<ConvMeanPool<2, 3>, Image<2, 4, 2>, double>();
  gradgrad_ok(b, {2, 2, 4, 2});
  auto c = make<MeanPoolConv<2, 1>, Image<2, 4, 2>, double>();
  gradgrad_ok(c, {2, 2, 4, 2});
}

// ---- errors ----
TEST_CASE("Embedding: labels out of range or of the wrong count") {
  auto m = make<Embedding<6, 4>, Vector<1>>();
  CHECK_THROWS_WITH_AS(m.forward_labels({0, 6}), "Embedding<6, 4>: label 6 at position 1 is outside [0, 6)",
                       ShapeError);
  CHECK_THROWS_WITH_AS(m.forward_labels({-1}), "Embedding<6, 4>: label -1 at position 0 is outside [0, 6)",
                       ShapeError);
  Context<float, cpu> ctx;
  ctx.labels = {1, 2};
  CHECK_THROWS_WITH_AS(m.forward(Var<float>::constant(Tensor<float, cpu>::zeros({3, 1})), ctx),
                       "Embedding<6, 4>: a batch of 3 needs as many labels, found 2", ShapeError);
  CHECK(m.forward_labels({5, 0, 5}).shape() == Shape{3, 4});
}

// ---- initialisers (init.hpp) against their definitions ----
namespace {
template <class P, class In>
auto first_params(InitScheme scheme = InitScheme::pytorch_default, bool zero_biases = false) {
  Rng gen(11);
  Init init{gen, scheme, zero_biases};
  typename P::template module<In, double, cpu> m(init);
  std::map<std::string, Tensor<double, cpu>> out;
  for_each_parameter<double, cpu>(m, [&](const std::string& n, Var<double>& p) { out[n] = p.value(); });
  return out;
}
double max_abs(const Tensor<double, cpu>& t) { return as_array(t).abs().maxCoeff(); }
double rms(const Tensor<double, cpu>& t) { return std::sqrt((as_array(t) * as_array(t)).mean()); }
}  // namespace

TEST_CASE("PyTorch default bounds: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases") {
  // Linear: fan_in = in features.
  auto lin = first_params<Linear<64>, Vector<100>>();
  CHECK(max_abs(lin["weight"]) <= 0.1);
  CHECK(max_abs(lin["weight"]) > 0.099);
  CHECK(rms(lin["weight"]) == doctest::Approx(0.1 / std::sqrt(3.0)).epsilon(0.02));
  CHECK(max_abs(lin["bias"]) <= 0.1);
  // Conv2d: fan_in = In * K * K.
  auto conv = first_params<Conv2d<32, 3>, Image<16, 4, 4>>();
  const double bc = 1 / std::sqrt(16.0 * 9);
  CHECK(max_abs(conv["weight"]) <= bc);
  CHECK(max_abs(conv["weight"]) > 0.99 * bc);
  CHECK(max_abs(conv["bias"]) <= bc);
  // ConvTranspose2d: PyTorch takes fan_in from the weight's second axis, Out * K * K.
  auto convt = first_params<ConvTranspose2d<8, 4, 2, 1>, Image<64, 4, 4>>();
  const double bt = 1 / std::sqrt(8.0 * 16);
  CHECK(convt["weight"].shape() == Shape{64, 8, 4, 4});
  CHECK(max_abs(convt["weight"]) <= bt);
  CHECK(max_abs(convt["weight"]) > 0.99 * bt);
  CHECK(max_abs(convt["bias"]) <= bt);
  // Embedding: N(0, 1).
  auto emb = first_params<Embedding<100, 64>, Vector<1>>();
  CHECK(rms(emb["weight"]) == doctest::Approx(1.0).epsilon(0.03));
  CHECK(std::abs(as_array(emb["weight"]).mean()) < 0.03);
}

TEST_CASE("Kaiming normal: N(0, 2 / fan_in); zero biases on request") {
  auto conv = first_params<Conv2d<64, 3>, Image<32, 4, 4>>(InitScheme::kaiming_normal, true);
  const auto& w = conv["weight"];
  CHECK(rms(w) == doctest::Approx(std::sqrt(2.0 / (32 * 9))).epsilon(0.02));
  CHECK(std::abs(as_array(w).mean()) < 0.003);
  // About 4.6% of a normal lies beyond 2 standard deviations.
  const double sd = std::sqrt(2.0 / (32 * 9));
  const double tail = (as_array(w).abs() > 2 * sd).template cast<double>().mean();
  CHECK(tail == doctest::Approx(0.0455).epsilon(0.15));
  CHECK(max_abs(conv["bias"]) == 0.0);
  auto emb = first_params<Embedding<200, 50>, Vector<1>>(InitScheme::kaiming_normal);
  CHECK(rms(emb["weight"]) == doctest::Approx(std::sqrt(2.0 / 50)).epsilon(0.03));
}

TEST_CASE("orthogonal init of an embedding table (BigGAN's shared embedding)") {
  auto emb = first_params<Embedding<10, 32>, Vector<1>>(InitScheme::orthogonal);
  auto m = as_matrix(emb["weight"]);
  CHECK((m * m.transpose() - Eigen::MatrixXd::Identity(10, 10)).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("the composition example of docs/parts.md") {
  using G = Generator<Latent<128>, Linear<4 * 4 * 64>, Reshape<64, 4, 4>, UpsampleConv<64, 3>, ReLU,
                      UpsampleConv<3, 3>, Tanh>;
  using D = Discriminator<Image<3, 16, 16>, MeanPoolConv<64, 1>, ReLU, ConvMeanPool<64, 3>, ReLU, GlobalMeanPool,
                          Linear<1>>;
  static_assert(std::is_same_v<G::output, Image<3, 16, 16>> && std::is_same_v<D::output, Vector<1>>);
  Rng rng(1);
  Init init{rng};
  G::module<float, cpu> g(init);
  D::module<float, cpu> d(init);
  auto z = Var<float>::constant(randn<float>({2, 128}, rng));
  auto score = d.forward(g.forward(z, {}, true), {}, true);
  CHECK(score.shape() == Shape{2, 1});
}
