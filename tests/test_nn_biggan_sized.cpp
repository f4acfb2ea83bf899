// A BigGAN-sized generator and discriminator for 32x32 images (BigGAN-PyTorch's CIFAR
// configuration, SPECS.md §3a: 256 channels, per-class ccbn tables, projection D) with
// self-attention added at 16x16 in both. This unit is also the compile-cost yardstick of
// docs/performance.md ("Compile cost"): it instantiates every part of both networks.
#include <doctest/doctest.h>

#include <gantry/autograd.hpp>
#include <gantry/nn.hpp>

using namespace gantry;

namespace {
using TableBN = ConditionalBatchNorm<ClassTable<10>>;
using BigGAN32G = Generator<Latent<128>, Classes<10>, SNLinear<4 * 4 * 256>, Reshape<256, 4, 4>, GBlock<256, TableBN>,
                            GBlock<256, TableBN>, SelfAttention, GBlock<256, TableBN>, BatchNorm2d<>, ReLU,
                            SNConv2d<3, 3>, Tanh>;
using BigGAN32D = Discriminator<Image<3, 32, 32>, DBlock<256, Down, Preactivation::off>, SelfAttention, DBlock<256>,
                                DBlock<256, None>, DBlock<256, None>, ProjectionHead<10>>;

template <class M>
int64_t count_parameters(M& m) {
  int64_t n = 0;
  for_each_parameter<float, cpu>(m, [&](const std::string&, Var<float>& p) { n += p.numel(); });
  return n;
}
}  // namespace

static_assert(std::is_same_v<BigGAN32G::output, Image<3, 32, 32>>);
static_assert(std::is_same_v<BigGAN32D::output, Vector<1>>);

TEST_CASE("BigGAN-sized G and D at 32x32: parameters, a forward and a backward pass") {
  Rng gen(1);
  Init init{gen, InitScheme::normal_002};
  BigGAN32G::module<float, cpu> g(init);
  BigGAN32D::module<float, cpu> d(init);
  // Counted by hand from SPECS.md §3a (plus the two attention blocks):
  // G: linear 128*4096 + 4096; 3 GBlocks of 2 * (256*256*9 + 256) + (256*256 + 256) + 4 tables of 10*256;
  //    attention 3 * 256*32 + 256*128 + 128*256 + 1; BN 2*256; output conv 256*3*9 + 3.
  const int64_t attention = 2 * 256 * 32 + 256 * 128 + 128 * 256 + 1;
  const int64_t gblock = 2 * (256 * 256 * 9 + 256) + (256 * 256 + 256) + 4 * 10 * 256;
  const int64_t g_expected = 128 * 4096 + 4096 + 3 * gblock + attention + 2 * 256 + 256 * 3 * 9 + 3;
  CHECK(count_parameters(g) == g_expected);
  // D: first block 3->256 (conv 3*256*9 + 256, conv 256*256*9 + 256, shortcut 3*256 + 256), three
  //    256->256 blocks (the first with a learnable shortcut because it downsamples), head 256 + 1 + 10*256.
  const int64_t d_expected = (3 * 256 * 9 + 256) + (256 * 256 * 9 + 256) + (3 * 256 + 256) +
                             3 * (2 * (256 * 256 * 9 + 256)) + (256 * 256 + 256) + attention + 256 + 1 + 10 * 256;
  CHECK(count_parameters(d) == d_expected);

  Rng noise(2);
  const std::vector<int64_t> y{3, 7};
  auto z = Var<float>::constant(randn<float>({2, 128}, noise));
  auto x = g.forward(z, y, true);
  CHECK(x.shape() == Shape{2, 3, 32, 32});
  auto score = d.forward(x, y, true);
  CHECK(score.shape() == Shape{2, 1});
  sum(score).backward();
  int64_t without_grad = 0;
  for_each_parameter<float, cpu>(g, [&](const std::string&, Var<float>& p) { without_grad += !p.grad().defined(); });
  for_each_parameter<float, cpu>(d, [&](const std::string&, Var<float>& p) { without_grad += !p.grad().defined(); });
  CHECK(without_grad == 0);
}
