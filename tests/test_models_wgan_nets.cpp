// The WGAN and WGAN-GP networks (models/wgan_nets.hpp, SPECS.md §1): static shapes, parameter
// counts computed by hand from the reference code, a forward and backward at batch 2 (small
// widths), and the gradient-penalty double backward through the ResNet critic.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include <gantry/autograd.hpp>
#include <gantry/models/wgan_nets.hpp>

using namespace gantry;
using namespace gantry::models;

namespace {

template <class M>
int64_t count_parameters(M& m) {
  int64_t n = 0;
  for_each_parameter<float, cpu>(m, [&](const std::string&, Var<float>& p) { n += p.numel(); });
  return n;
}

template <class M>
int64_t parameters_without_grad(M& m) {
  int64_t n = 0;
  for_each_parameter<float, cpu>(m, [&](const std::string&, Var<float>& p) { n += !p.grad().defined(); });
  return n;
}

// Builds G and D, checks the output shapes at batch 2 and that one backward of sum(D(G(z)))
// reaches every parameter of both.
template <class Nets>
void forward_backward(const Shape& image) {
  Rng gen(1);
  Init init{gen};
  typename Nets::G::template module<float, cpu> g(init);
  typename Nets::D::template module<float, cpu> d(init);
  Rng noise(2);
  auto z = Var<float>::constant(randn<float>({2, Nets::G::latent_size}, noise));
  auto x = g.forward(z, {}, true);
  CHECK(x.shape() == image);
  auto score = d.forward(x, {}, true);
  CHECK(score.shape() == Shape{2, 1});
  sum(score).backward();
  CHECK(parameters_without_grad(g) == 0);
  CHECK(parameters_without_grad(d) == 0);
}

// gan_cifar_resnet.py, width d, C image channels, latent z.
int64_t resnet_g_parameters(int64_t d, int64_t c, int64_t z, int64_t base, int64_t ups) {
  const int64_t up_block = (d * d + d)      // shortcut UpsampleConv1x1
                           + 2 * d          // BN1
                           + (9 * d * d + d)  // conv1 UpsampleConv3x3
                           + 2 * d          // BN2
                           + (9 * d * d + d);  // conv2 Conv3x3
  return (z * base * base * d + base * base * d) + ups * up_block + 2 * d + (9 * d * c + c);
}
int64_t resnet_d_parameters(int64_t d, int64_t c) {
  const int64_t optimized = (c * d + d) + (9 * c * d + d) + (9 * d * d + d);
  const int64_t down = (9 * d * d + d) + (9 * d * d + d) + (d * d + d);
  const int64_t plain = 2 * (9 * d * d + d);  // identity shortcut
  return optimized + down + 2 * plain + (d + 1);
}

}  // namespace

// Static shapes.
static_assert(std::is_same_v<wgan_gp_resnet<Image<3, 32, 32>>::G::output, Image<3, 32, 32>>);
static_assert(std::is_same_v<wgan_gp_resnet<Image<3, 32, 32>>::D::output, Vector<1>>);
static_assert(std::is_same_v<wgan_gp_resnet<Image<1, 28, 28>>::G::output, Image<1, 28, 28>>);
static_assert(std::is_same_v<wgan_gp_resnet<Image<1, 28, 28>>::D::output, Vector<1>>);
static_assert(std::is_same_v<wgan_gp_resnet<Image<1, 32, 32>, 16, 32>::G::output, Image<1, 32, 32>>);
static_assert(wgan_gp_resnet<Image<3, 32, 32>>::G::latent_size == 128);
static_assert(std::is_same_v<wgan_gp_64<Image<3, 64, 64>>::G::output, Image<3, 64, 64>>);
static_assert(std::is_same_v<wgan_gp_64<Image<3, 64, 64>>::D::output, Vector<1>>);
static_assert(std::is_same_v<wgan_gp_toy<>::G::output, Vector<2>>);
static_assert(std::is_same_v<wgan_gp_toy<>::D::output, Vector<1>>);
static_assert(wgan_gp_toy<>::G::latent_size == 2);
static_assert(std::is_same_v<wgan_dcgan<Image<3, 32, 32>>::G::output, Image<3, 32, 32>>);
static_assert(std::is_same_v<wgan_dcgan<Image<1, 32, 32>>::D::output, Vector<1>>);
static_assert(wgan_dcgan<Image<3, 32, 32>>::G::latent_size == 100);

TEST_CASE("wgan_gp_resnet: parameter counts of gan_cifar_resnet.py (DIM 128)") {
  Rng gen(1);
  Init init{gen};
  {
    wgan_gp_resnet<Image<3, 32, 32>>::G::module<float, cpu> g(init);
    wgan_gp_resnet<Image<3, 32, 32>>::D::module<float, cpu> d(init);
    CHECK(count_parameters(g) == resnet_g_parameters(128, 3, 128, 4, 3));
    CHECK(count_parameters(d) == resnet_d_parameters(128, 3));
    // The same numbers written out: G 264,192 + 3 * 312,192 + 256 + 3,459 = 1,204,483; D 1,053,825.
    CHECK(count_parameters(g) == 128 * 2048 + 2048 + 3 * (19 * 128 * 128 + 7 * 128) + 256 + 128 * 27 + 3);
    CHECK(count_parameters(g) == 1204483);
    CHECK(count_parameters(d) == 1053825);
  }
  wgan_gp_resnet<Image<1, 28, 28>>::G::module<float, cpu> g28(init);
  wgan_gp_resnet<Image<1, 28, 28>>::D::module<float, cpu> d28(init);
  CHECK(count_parameters(g28) == resnet_g_parameters(128, 1, 128, 7, 2));
  CHECK(count_parameters(d28) == resnet_d_parameters(128, 1));
}

TEST_CASE("wgan_gp_64: parameter counts of gan_64x64.py's Good nets (DIM 64)") {
  Rng gen(1);
  Init init{gen};
  wgan_gp_64<Image<3, 64, 64>>::G::module<float, cpu> g(init);
  wgan_gp_64<Image<3, 64, 64>>::D::module<float, cpu> d(init);
  const int64_t dim = 64;
  // ResidualBlock 'up' (64x64 layout): shortcut UpsampleConv1x1 with bias, BN1 [In], conv1
  // UpsampleConv3x3 In->Out without bias, BN2 [Out], conv2 Conv3x3 Out->Out with bias.
  auto up = [](int64_t in, int64_t out) {
    return (in * out + out) + 2 * in + 9 * in * out + 2 * out + (9 * out * out + out);
  };
  // ResidualBlock 'down': shortcut MeanPoolConv1x1 with bias, LN1 [In], conv1 Conv3x3 In->In
  // without bias, LN2 [In], conv2 ConvMeanPool3x3 In->Out with bias.
  auto down = [](int64_t in, int64_t out) {
    return (in * out + out) + 2 * in + 9 * in * in + 2 * in + (9 * in * out + out);
  };
  const int64_t g_expected = (128 * 16 * 8 * dim + 16 * 8 * dim) + up(8 * dim, 8 * dim) + up(8 * dim, 4 * dim) +
                             up(4 * dim, 2 * dim) + up(2 * dim, dim) + 2 * dim + (9 * dim * 3 + 3);
  const int64_t d_expected = (9 * 3 * dim + dim) + down(dim, 2 * dim) + down(2 * dim, 4 * dim) +
                             down(4 * dim, 8 * dim) + down(8 * dim, 8 * dim) + (16 * 8 * dim + 1);
  CHECK(count_parameters(g) == g_expected);
  CHECK(count_parameters(d) == d_expected);
}

TEST_CASE("wgan_gp_toy: parameter counts of gan_toy.py (DIM 512)") {
  Rng gen(1);
  Init init{gen};
  wgan_gp_toy<>::G::module<float, cpu> g(init);
  wgan_gp_toy<>::D::module<float, cpu> d(init);
  const int64_t hidden = (2 * 512 + 512) + 2 * (512 * 512 + 512);
  CHECK(count_parameters(g) == hidden + 512 * 2 + 2);
  CHECK(count_parameters(d) == hidden + 512 + 1);
}

TEST_CASE("wgan_dcgan: parameter counts of WassersteinGAN's DCGAN_G / DCGAN_D at 32 px (nz 100, ngf = ndf = 64)") {
  Rng gen(1);
  Init init{gen};
  wgan_dcgan<Image<3, 32, 32>>::G::module<float, cpu> g(init);
  wgan_dcgan<Image<3, 32, 32>>::D::module<float, cpu> d(init);
  // Bias-free convolutions; ConvTranspose2d weights [In, Out, 4, 4]; BN weight and bias.
  CHECK(count_parameters(g) ==
        100 * 256 * 16 + 2 * 256 + 256 * 128 * 16 + 2 * 128 + 128 * 64 * 16 + 2 * 64 + 64 * 3 * 16);
  CHECK(count_parameters(d) == 3 * 64 * 16 + 64 * 128 * 16 + 2 * 128 + 128 * 256 * 16 + 2 * 256 + 256 * 16);
}

TEST_CASE("WGAN nets: forward and backward at batch 2") {
  SUBCASE("resnet 32 px colour") { forward_backward<wgan_gp_resnet<Image<3, 32, 32>, 8, 16>>(Shape{2, 3, 32, 32}); }
  SUBCASE("resnet 28 px grayscale") { forward_backward<wgan_gp_resnet<Image<1, 28, 28>, 8, 16>>(Shape{2, 1, 28, 28}); }
  SUBCASE("64x64") { forward_backward<wgan_gp_64<Image<3, 64, 64>, 4, 16>>(Shape{2, 3, 64, 64}); }
  SUBCASE("toy") { forward_backward<wgan_gp_toy<16>>(Shape{2, 2}); }
  SUBCASE("dcgan") { forward_backward<wgan_dcgan<Image<3, 32, 32>, 16, 8, 8>>(Shape{2, 3, 32, 32}); }
}

TEST_CASE("wgan_gp_resnet critic: gradient-penalty double backward") {
  using Nets = wgan_gp_resnet<Image<3, 32, 32>, 8, 16>;
  Rng gen(1);
  Init init{gen};
  Nets::D::module<float, cpu> d(init);
  Rng noise(3);
  Var<float> x(rand<float>({2, 3, 32, 32}, noise, -1, 1), true);
  auto score = d.forward(x, {}, true);
  auto gx = grad(std::vector<Var<float>>{sum(score)}, std::vector<Var<float>>{x}, {},
                 GradOptions{.create_graph = true})[0];
  REQUIRE(gx.shape() == x.shape());
  auto penalty = sum(mul(gx, gx));
  CHECK_NOTHROW(penalty.backward());
  // Every weight gets a gradient; the biases reach ∇_x D only through the ReLU pattern (locally
  // constant), so the tape may hold no path to them.
  int64_t weights = 0, weights_without_grad = 0;
  for_each_parameter<float, cpu>(d, [&](const std::string& name, Var<float>& p) {
    if (name.size() < 6 || name.compare(name.size() - 6, 6, "weight") != 0) return;
    ++weights;
    if (!p.grad().defined()) {
      ++weights_without_grad;
      MESSAGE("no gradient: ", name);
      return;
    }
    bool finite = true;
    for (float v : p.grad().value().to_vector()) finite = finite && std::isfinite(v);
    CHECK_MESSAGE(finite, name);
  });
  CHECK(weights == 11);  // optimized block 3, down block 3, two plain blocks 2 each, linear 1
  CHECK(weights_without_grad == 0);
}
