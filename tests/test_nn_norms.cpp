// Normalisation parts: BatchNorm2d, ConditionalBatchNorm (class tables, SAGAN tables, SN
// projections, self-modulation), InstanceNorm2d, LayerNorm (tflib). PyTorch fixtures in train
// and eval, running statistics (also under no_grad), second-order gradchecks, shapes, errors.
#include <doctest/doctest.h>

#include "part_fixture.hpp"

using namespace gantry;

namespace {
using I345 = Image<3, 5, 4>;
using I435 = Image<4, 3, 5>;

template <class M>
std::map<std::string, Shape> parameter_shapes(M& m) {
  std::map<std::string, Shape> out;
  for_each_parameter<double, cpu>(m, [&](const std::string& n, Var<double>& p) { out[n] = p.shape(); });
  return out;
}
template <class M>
std::map<std::string, Shape> buffer_shapes(M& m) {
  part_fixture::detail::Collect<double, cpu> c;
  m.visit(c, "");
  std::map<std::string, Shape> out;
  for (auto& [n, b] : c.buffers) out[n] = b->shape();
  return out;
}
}  // namespace

// Shapes: every norm keeps its input shape, at odd and even sizes; none takes a vector.
static_assert(std::is_same_v<BatchNorm2d<>::output<Image<3, 5, 4>>, Image<3, 5, 4>>);
static_assert(std::is_same_v<BatchNorm1d<>::output<Vector<7>>, Vector<7>> && !BatchNorm1d<>::accepts<Image<1, 2, 2>>);
static_assert(std::is_same_v<InstanceNorm2d<>::output<Image<2, 7, 7>>, Image<2, 7, 7>>);
static_assert(std::is_same_v<LayerNorm::output<Image<8, 4, 4>>, Image<8, 4, 4>>);
static_assert(std::is_same_v<ConditionalBatchNorm<ClassTable<10>>::output<Image<6, 9, 8>>, Image<6, 9, 8>>);
static_assert(std::is_same_v<SelfModulatedBatchNorm<16>::output<Image<6, 1, 1>>, Image<6, 1, 1>>);
static_assert(!BatchNorm2d<>::accepts<Vector<4>> && !LayerNorm::accepts<Vector<4>> &&
              !InstanceNorm2d<>::accepts<Vector<4>> && !ConditionalBatchNorm<Projected<4>>::accepts<Vector<4>>);
static_assert(ConditionalBatchNorm<Projected<20>>::conditioned && ConditionalBatchNorm<Projected<20>>::condition_size == 20 &&
              !ConditionalBatchNorm<ClassTable<3>>::conditioned && !SelfModulatedBatchNorm<4>::conditioned);
static_assert(BatchNorm2d<>::eps == 1e-5 && BatchNorm2d<Affine::on, 4>::eps == 1e-4 && LayerNorm::eps == 1e-5);
static_assert(std::is_same_v<chain_output<Image<3, 8, 8>, Conv2d<4, 3>, BatchNorm2d<>, ReLU, InstanceNorm2d<>, LayerNorm>,
                             Image<4, 8, 8>>);

TEST_CASE("BatchNorm2d matches torch.nn.BatchNorm2d (train, eval, no affine)") {
  Rng gen(1);
  Init init{gen};
  BatchNorm2d<>::module<I345, float, cpu> bn(init);
  part_fixture::check(bn, "batch_norm2d_train");  // running stats and num_batches_tracked 4 -> 5
  BatchNorm2d<>::module<I345, float, cpu> bn_eval(init);
  part_fixture::check(bn_eval, "batch_norm2d_eval");
  BatchNorm2d<Affine::off>::module<Image<4, 3, 3>, float, cpu> plain(init);
  part_fixture::check(plain, "batch_norm2d_noaffine_train");
}

TEST_CASE("BatchNorm1d matches torch.nn.BatchNorm1d on vectors (train, eval)") {
  Rng gen(1);
  Init init{gen};
  BatchNorm1d<>::module<Vector<5>, float, cpu> train(init), eval(init);
  part_fixture::check(train, "batch_norm1d_train");
  part_fixture::check(eval, "batch_norm1d_eval");
}

TEST_CASE("InstanceNorm2d and LayerNorm (tflib) match PyTorch") {
  Rng gen(1);
  Init init{gen};
  InstanceNorm2d<>::module<Image<3, 5, 6>, float, cpu> in(init);
  part_fixture::check(in, "instance_norm2d");
  InstanceNorm2d<Affine::on>::module<Image<3, 5, 6>, float, cpu> in_affine(init);
  part_fixture::check(in_affine, "instance_norm2d_affine");
  LayerNorm::module<Image<4, 3, 5>, float, cpu> ln(init);
  part_fixture::check(ln, "layer_norm_tflib");
}

TEST_CASE("ConditionalBatchNorm matches BigGAN-PyTorch's ccbn and SAGAN's CBN") {
  Rng gen(1);
  Init init{gen};
  SUBCASE("class tables, γ = 1 + gain[y]") {
    ConditionalBatchNorm<ClassTable<5>>::module<I435, float, cpu> m(init), e(init);
    part_fixture::check(m, "ccbn_class_table_train");
    part_fixture::check(e, "ccbn_class_table_eval");
  }
  SUBCASE("SAGAN tables, γ = gain[y]") {
    ConditionalBatchNorm<ClassTable<5, Gain::direct>>::module<I435, float, cpu> m(init);
    part_fixture::check(m, "cbn_sagan_table_train");
  }
  SUBCASE("SN projections of the shared condition (u and the running stats updated)") {
    ConditionalBatchNorm<Projected<6, 6>>::module<I435, float, cpu> m(init);
    part_fixture::check(m, "ccbn_projected_train");
  }
  SUBCASE("SN projections of the block's condition, eval, through forward(x, condition, ctx)") {
    ConditionalBatchNorm<Projected<6, 6>>::module<I435, float, cpu> m(init);
    part_fixture::check(m, "ccbn_projected_eval_block_conditions",
                        [](auto& mod, auto& x, auto& ctx) { return mod.forward(x, ctx.next_condition(), ctx); });
  }
  SUBCASE("self-modulation by the latent (U-Net GAN)") {
    SelfModulatedBatchNorm<5>::module<I435, float, cpu> m(init), e(init);
    part_fixture::check(m, "self_modulated_bn_train");
    part_fixture::check(e, "self_modulated_bn_eval");
  }
}

TEST_CASE("norms: names, initial values, running statistics under no_grad, eval after train") {
  Rng gen(2);
  Init init{gen};
  BatchNorm2d<>::module<Image<2, 3, 3>, double, cpu> bn(init);
  CHECK(parameter_shapes(bn) == std::map<std::string, Shape>{{"weight", Shape{2}}, {"bias", Shape{2}}});
  CHECK(buffer_shapes(bn) == std::map<std::string, Shape>{{"running_mean", Shape{2}},
                                                          {"running_var", Shape{2}},
                                                          {"num_batches_tracked", Shape{}}});
  CHECK(bn.weight.value().to_vector() == std::vector<double>{1, 1});
  CHECK(bn.stats.running_var.to_vector() == std::vector<double>{1, 1});

  // Channel 0 constant 2 (variance 0), channel 1 alternating ±1 over 2 x 3 x 3 = 18 values.
  auto xt = Tensor<double>::zeros(Shape{2, 2, 3, 3});
  for (int n = 0; n < 2; ++n)
    for (int i = 0; i < 9; ++i) {
      xt.at(n, 0, i / 3, i % 3) = 2.0;
      xt.at(n, 1, i / 3, i % 3) = ((n * 9 + i) % 2) ? 1.0 : -1.0;
    }
  Context<double, cpu> train;
  {
    no_grad ng;
    bn.forward(Var<double>::constant(xt), train);
  }
  // mean of channel 1 = 0; unbiased variance = 18/17.
  CHECK(bn.stats.running_mean[0] == doctest::Approx(0.2));
  CHECK(bn.stats.running_mean[1] == doctest::Approx(0.0));
  CHECK(bn.stats.running_var[0] == doctest::Approx(0.9));
  CHECK(bn.stats.running_var[1] == doctest::Approx(0.9 + 0.1 * 18.0 / 17.0));
  CHECK(bn.num_batches_tracked.item() == 1.0);
  Context<double, cpu> eval;
  eval.training = false;
  auto y = bn.forward(Var<double>::constant(xt), eval);
  CHECK(y.value().at(0, 0, 0, 0) == doctest::Approx((2.0 - 0.2) / std::sqrt(0.9 + 1e-5)));
  CHECK(bn.num_batches_tracked.item() == 1.0);  // eval changes nothing

  ConditionalBatchNorm<Projected<3>>::module<Image<2, 3, 3>, double, cpu> p(init);
  CHECK(parameter_shapes(p) == std::map<std::string, Shape>{{"gain.weight", Shape{2, 3}}, {"bias.weight", Shape{2, 3}}});
  CHECK(buffer_shapes(p) == std::map<std::string, Shape>{{"gain.u", Shape{1, 2}},
                                                         {"gain.sv", Shape{1}},
                                                         {"bias.u", Shape{1, 2}},
                                                         {"bias.sv", Shape{1}},
                                                         {"running_mean", Shape{2}},
                                                         {"running_var", Shape{2}}});
  SelfModulatedBatchNorm<4>::module<Image<2, 3, 3>, double, cpu> s(init);
  CHECK(parameter_shapes(s) == std::map<std::string, Shape>{{"gain.0.weight", Shape{4, 4}},
                                                            {"gain.0.bias", Shape{4}},
                                                            {"gain.2.weight", Shape{2, 4}},
                                                            {"bias.0.weight", Shape{4, 4}},
                                                            {"bias.0.bias", Shape{4}},
                                                            {"bias.2.weight", Shape{2, 4}}});
  ConditionalBatchNorm<ClassTable<7, Gain::direct>>::module<Image<2, 3, 3>, double, cpu> sagan(init);
  CHECK(sagan.source.gain.value().to_vector() == std::vector<double>(14, 1.0));
  CHECK(sagan.source.bias.value().to_vector() == std::vector<double>(14, 0.0));
  Init n02{gen, InitScheme::normal_002};
  ConditionalBatchNorm<ClassTable<7>>::module<Image<2, 3, 3>, double, cpu> biggan(n02);
  CHECK(parameter_shapes(biggan) == std::map<std::string, Shape>{{"gain.weight", Shape{7, 2}}, {"bias.weight", Shape{7, 2}}});
  for (double g : biggan.source.gain.value().to_vector()) CHECK(std::abs(g) < 0.2);  // γ ≈ 1 under N(0, 0.02)
  LayerNorm::module<Image<2, 3, 3>, double, cpu> ln(init);
  CHECK(parameter_shapes(ln) == std::map<std::string, Shape>{{"weight", Shape{2}}, {"bias", Shape{2}}});
  InstanceNorm2d<>::module<Image<2, 3, 3>, double, cpu> in(init);
  CHECK(parameter_shapes(in).empty());
  CHECK(buffer_shapes(in).empty());
}

TEST_CASE("norms: second derivatives in double (gradgradcheck)") {
  Rng gen(3);
  Init init{gen};
  const auto x = part_fixture::input({3, 2, 3, 2});
  Context<double, cpu> train, eval;
  eval.training = false;
  const auto perturb = [](auto& m) {  // parameters away from ones/zeros
    Rng g(9);
    for_each_parameter<double, cpu>(m, [&](const std::string&, Var<double>& p) {
      p.value() = ops::add(p.value(), rand<double>(p.shape(), g, -0.5, 0.5));
    });
  };
  using In = Image<2, 3, 2>;
  SUBCASE("BatchNorm2d train and eval") {
    BatchNorm2d<>::module<In, double, cpu> m(init);
    perturb(m);
    auto r = part_fixture::gradgrad(m, x, train);
    CHECK_MESSAGE(r, r.report);
    r = part_fixture::gradgrad(m, x, eval);  // running statistics moved by the calls above
    CHECK_MESSAGE(r, r.report);
  }
  SUBCASE("BatchNorm1d train and eval") {
    BatchNorm1d<>::module<Vector<3>, double, cpu> m(init);
    perturb(m);
    const auto v = part_fixture::input({4, 3});
    auto r = part_fixture::gradgrad(m, v, train);
    CHECK_MESSAGE(r, r.report);
    r = part_fixture::gradgrad(m, v, eval);
    CHECK_MESSAGE(r, r.report);
  }
  SUBCASE("InstanceNorm2d with affine, LayerNorm") {
    InstanceNorm2d<Affine::on>::module<In, double, cpu> in(init);
    perturb(in);
    auto r = part_fixture::gradgrad(in, x, train);
    CHECK_MESSAGE(r, r.report);
    LayerNorm::module<In, double, cpu> ln(init);
    perturb(ln);
    r = part_fixture::gradgrad(ln, x, train);
    CHECK_MESSAGE(r, r.report);
  }
  SUBCASE("ConditionalBatchNorm with class tables") {
    ConditionalBatchNorm<ClassTable<4>>::module<In, double, cpu> m(init);
    Context<double, cpu> c = train;
    c.labels = {1, 3, 1};
    auto r = part_fixture::gradgrad(m, x, c);
    CHECK_MESSAGE(r, r.report);
  }
  SUBCASE("ConditionalBatchNorm with SN projections (vectors held), w.r.t. the condition too") {
    ConditionalBatchNorm<Projected<3>>::module<In, double, cpu> m(init);
    Context<double, cpu> c = train;
    c.shared_condition = part_fixture::input({3, 3}, 11);
    spectral_norm_frozen frozen;
    auto r = part_fixture::gradgrad(m, x, c);
    CHECK_MESSAGE(r, r.report);
  }
  SUBCASE("SelfModulatedBatchNorm, w.r.t. the latent too, in eval") {
    SelfModulatedBatchNorm<3>::module<In, double, cpu> m(init);
    Context<double, cpu> c = eval;
    c.latent = part_fixture::input({3, 3}, 12);
    auto r = part_fixture::gradgrad(m, x, c);
    CHECK_MESSAGE(r, r.report);
  }
}

TEST_CASE("norms: shape and conditioning errors name the part and the shapes") {
  Rng gen(4);
  Init init{gen};
  Context<float, cpu> ctx;
  Rng noise(5);
  auto x = Var<float>::constant(randn<float>({2, 3, 4, 4}, noise));
  BatchNorm2d<>::module<Image<3, 4, 4>, float, cpu> bn(init);
  CHECK_THROWS_WITH_AS(bn.forward(Var<float>::constant(randn<float>({2, 5, 4, 4}, noise)), ctx),
                       "BatchNorm2d: expected input [N, 3, H, W], found [2, 5, 4, 4]", ShapeError);
  CHECK_THROWS_WITH_AS(bn.forward(Var<float>::constant(randn<float>({1, 3, 1, 1}, noise)), ctx),
                       "BatchNorm2d: expected more than 1 value per channel in training, found input [1, 3, 1, 1]",
                       ShapeError);
  BatchNorm1d<>::module<Vector<3>, float, cpu> bn1(init);
  CHECK_THROWS_WITH_AS(bn1.forward(Var<float>::constant(randn<float>({2, 4}, noise)), ctx),
                       "BatchNorm1d: expected input [N, 3], found [2, 4]", ShapeError);
  ConditionalBatchNorm<ClassTable<4>>::module<Image<3, 4, 4>, float, cpu> table(init);
  ctx.labels = {0};
  CHECK_THROWS_WITH_AS(table.forward(x, ctx), "ConditionalBatchNorm<ClassTable<4>>: a batch of 2 needs as many labels, found 1",
                       ShapeError);
  ctx.labels = {0, 4};
  CHECK_THROWS_WITH_AS(table.forward(x, ctx), "ConditionalBatchNorm<ClassTable<4>>: label 4 is outside [0, 4)",
                       ShapeError);
  ConditionalBatchNorm<Projected<6>>::module<Image<3, 4, 4>, float, cpu> proj(init);
  CHECK_THROWS_WITH_AS(proj.forward(x, ctx),
                       "ConditionalBatchNorm<Projected<6>>: no conditioning vector (the Context has none for this block)",
                       ShapeError);
  ctx.shared_condition = Var<float>::constant(randn<float>({2, 5}, noise));
  CHECK_THROWS_WITH_AS(proj.forward(x, ctx), "ConditionalBatchNorm<Projected<6>>: expected a condition of shape [2, 6], found [2, 5]",
                       ShapeError);
  SelfModulatedBatchNorm<8>::module<Image<3, 4, 4>, float, cpu> sm(init);
  CHECK_THROWS_WITH_AS(sm.forward(x, ctx), "SelfModulatedBatchNorm<8>: the Context has no latent", ShapeError);
  InstanceNorm2d<>::module<Image<3, 4, 4>, float, cpu> in(init);
  CHECK_THROWS_WITH_AS(in.forward(Var<float>::constant(randn<float>({2, 3, 1, 1}, noise)), ctx),
                       "InstanceNorm2d: expected more than 1 spatial element, found input [2, 3, 1, 1]", ShapeError);
  LayerNorm::module<Image<3, 4, 4>, float, cpu> ln(init);
  CHECK_THROWS_WITH_AS(ln.forward(Var<float>::constant(randn<float>({2, 4, 4, 4}, noise)), ctx),
                       "LayerNorm: expected input [N, 3, H, W], found [2, 4, 4, 4]", ShapeError);
}

TEST_CASE("a class-conditional generator with every kind of norm runs and reaches every parameter") {
  using G = Generator<Latent<8>, Classes<3>, Linear<4 * 2 * 2>, Reshape<4, 2, 2>, ConditionalBatchNorm<ClassTable<3>>,
                      ReLU, Conv2d<3, 3>, BatchNorm2d<>, LayerNorm, InstanceNorm2d<Affine::on>, Tanh>;
  Rng gen(6);
  Init init{gen, InitScheme::orthogonal};
  G::module<float, cpu> g(init);
  Rng noise(7);
  auto z = Var<float>::constant(randn<float>({3, 8}, noise));
  auto out = g.forward(z, {0, 2, 1}, true);
  CHECK(out.shape() == Shape{3, 3, 2, 2});
  sum(mul(out, Var<float>::constant(randn<float>({3, 3, 2, 2}, noise)))).backward();
  int count = 0;
  for_each_parameter<float, cpu>(g, [&](const std::string& n, Var<float>& p) {
    CAPTURE(n);
    ++count;
    CHECK(p.grad().defined());
  });
  CHECK(count == 12);
}
