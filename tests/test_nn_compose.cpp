// Composition of parts: static shapes, parameter naming, a forward pass, seeds.
#include <doctest/doctest.h>

#include <gantry/autograd.hpp>
#include <gantry/nn.hpp>

#include <map>

using namespace gantry;

namespace {
using G = Generator<Latent<16>, Linear<4 * 3 * 3>, ReLU, Reshape<4, 3, 3>, Conv2d<2, 3>, Tanh>;
using Dsc = Discriminator<Image<2, 3, 3>, Conv2d<8, 3, 2, 1>, LeakyReLU<>, Flatten, Linear<1>>;

template <class M>
std::map<std::string, Shape> parameter_shapes(M& m) {
  std::map<std::string, Shape> out;
  for_each_parameter<float, cpu>(m, [&](const std::string& n, Var<float>& p) { out[n] = p.shape(); });
  return out;
}
}  // namespace

static_assert(std::is_same_v<G::output, Image<2, 3, 3>>);
static_assert(std::is_same_v<Dsc::output, Vector<1>>);
static_assert(std::is_same_v<chain_output<Image<3, 32, 32>, Conv2d<8, 4, 2, 1>>, Image<8, 16, 16>>);
static_assert(std::is_same_v<chain_output<Image<3, 33, 33>, Conv2d<8, 4, 2, 1>>, Image<8, 16, 16>>);
static_assert(std::is_same_v<chain_output<Image<3, 7, 5>, Conv2d<8, 3, 1, 0>>, Image<8, 5, 3>>);
static_assert(!Conv2d<8, 3>::accepts<Vector<9>>);
static_assert(!Reshape<2, 2, 2>::accepts<Vector<9>>);
static_assert(!Linear<3>::accepts<Image<1, 2, 2>>);

TEST_CASE("a generator and a discriminator built from parts") {
  Rng gen(1);
  Init init{gen};
  G::module<float, cpu> g(init);
  Dsc::module<float, cpu> d(init);
  const auto gp = parameter_shapes(g);
  CHECK(gp.size() == 4);
  CHECK(gp.at("blocks.0.weight") == Shape{36, 16});
  CHECK(gp.at("blocks.3.weight") == Shape{2, 4, 3, 3});
  CHECK(gp.at("blocks.3.bias") == Shape{2});
  const auto dp = parameter_shapes(d);
  CHECK(dp.at("blocks.0.weight") == Shape{8, 2, 3, 3});
  CHECK(dp.at("blocks.3.weight") == Shape{1, 8 * 2 * 2});
}

TEST_CASE("forward, backward and seeds") {
  Rng gen(1);
  Init init{gen};
  G::module<float, cpu> g(init);
  Dsc::module<float, cpu> d(init);
  Rng noise(5);
  auto z = Var<float>::constant(randn<float>({5, 16}, noise));
  auto x = g.forward(z, {}, true);
  CHECK(x.shape() == Shape{5, 2, 3, 3});
  auto score = d.forward(x, {}, true);
  CHECK(score.shape() == Shape{5, 1});
  sum(score).backward();
  for_each_parameter<float, cpu>(g, [](const std::string& n, Var<float>& p) {
    CAPTURE(n);
    CHECK(p.grad().defined());
  });
  // Same seed, same weights; another seed, other weights.
  Rng gen2(1), gen3(2);
  Init init2{gen2}, init3{gen3};
  G::module<float, cpu> g2(init2), g3(init3);
  CHECK(std::get<0>(g2.body.parts).weight.value().to_vector() == std::get<0>(g.body.parts).weight.value().to_vector());
  CHECK(std::get<0>(g3.body.parts).weight.value().to_vector() != std::get<0>(g.body.parts).weight.value().to_vector());
  CHECK_THROWS_WITH_AS(g.forward(Var<float>::constant(randn<float>({5, 15}, noise)), {}, true),
                       "Generator: expected z of shape [B, 16], found [5, 15]", ShapeError);
}

TEST_CASE("initialisers") {
  Rng gen(3);
  Init ortho{gen, InitScheme::orthogonal};
  auto w = init::weight<double, cpu>(Shape{8, 4, 3, 3}, 36, 72, ortho);  // 8 x 36: orthonormal rows
  auto m = as_matrix(w.reshape({8, 36}));
  Eigen::MatrixXd wwt = m * m.transpose();
  CHECK((wwt - Eigen::MatrixXd::Identity(8, 8)).cwiseAbs().maxCoeff() < 1e-12);
  auto tall = init::weight<double, cpu>(Shape{40, 6}, 6, 40, ortho);  // 40 x 6: orthonormal columns
  auto mt = as_matrix(tall);
  CHECK((mt.transpose() * mt - Eigen::MatrixXd::Identity(6, 6)).cwiseAbs().maxCoeff() < 1e-12);
  Init n02{gen, InitScheme::normal_002};
  auto n = init::weight<double, cpu>(Shape{256, 256}, 256, 256, n02);
  const double sd = std::sqrt((as_array(n) * as_array(n)).mean());
  CHECK(sd == doctest::Approx(0.02).epsilon(0.02));
  Init xav{gen, InitScheme::xavier_uniform};
  auto xw = init::weight<double, cpu>(Shape{100, 300}, 300, 100, xav);
  CHECK(as_array(xw).abs().maxCoeff() <= std::sqrt(6.0 / 400.0));
  CHECK(as_array(xw).abs().maxCoeff() > 0.95 * std::sqrt(6.0 / 400.0));
}

// When<Cond, Part>: present parts keep the positions of a pack written without the absent ones.
namespace {
template <bool Hidden>
using GWhen = Generator<Latent<16>, Linear<4 * 3 * 3>, When<Hidden, ReLU>, When<Hidden, Linear<4 * 3 * 3>>, ReLU,
                        Reshape<4, 3, 3>, Conv2d<2, 3>, Tanh>;
template <bool Hidden>
using DWhen = Discriminator<Image<2, 3, 3>, Conv2d<8, 3, 2, 1>, LeakyReLU<>, Flatten, When<Hidden, Linear<5>>,
                            Linear<1>>;
}  // namespace
static_assert(std::is_same_v<GWhen<false>::output, Image<2, 3, 3>>);
static_assert(std::is_same_v<DWhen<true>::output, Vector<1>>);
static_assert(std::is_same_v<chain_output<Vector<4>, When<false, Linear<9>>, Linear<3>>, Vector<3>>);
static_assert(std::is_same_v<chain_output<Vector<4>, When<true, Linear<9>>>, Vector<9>>);

TEST_CASE("When<Cond, Part>: a part present or absent by a flag, the others' names unshifted") {
  Rng gen(1);
  Init init{gen};
  GWhen<false>::module<float, cpu> off(init);
  G::module<float, cpu> same(init);
  CHECK(parameter_shapes(off) == parameter_shapes(same));  // When<false> left no trace
  GWhen<true>::module<float, cpu> on(init);
  const auto p = parameter_shapes(on);
  CHECK(p.size() == 6);
  CHECK(p.at("blocks.2.weight") == Shape{36, 36});  // Linear, ReLU, [ReLU, Linear], ...
  CHECK(p.at("blocks.5.weight") == Shape{2, 4, 3, 3});
  DWhen<false>::module<float, cpu> d_off(init);
  Dsc::module<float, cpu> d_same(init);
  CHECK(parameter_shapes(d_off) == parameter_shapes(d_same));
  DWhen<true>::module<float, cpu> d_on(init);
  CHECK(parameter_shapes(d_on).at("blocks.3.weight") == Shape{5, 32});
  CHECK(parameter_shapes(d_on).at("blocks.4.weight") == Shape{1, 5});
  const Var<float> x(randn<float, cpu>(Shape{2, 2, 3, 3}, gen));
  CHECK(d_off.forward(x, {}, true).shape() == Shape{2, 1});
  CHECK(d_on.forward(x, {}, true).shape() == Shape{2, 1});
}
