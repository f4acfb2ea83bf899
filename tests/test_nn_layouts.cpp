// The papers' layouts assembled from the blocks, heads and conditioning specs (SPECS §3b,
// §6b, §7b, §8a): the full-size models as types only (conditioned blocks counted, condition
// sizes, every output's shape checked at compile time), and a small hierarchical-z G with
// ccbn projections feeding a U-Net D with real DBlocks and GBlock2s, run forward and backward
// (every parameter of both reached by the gradient).
#include "part_fixture.hpp"

#include <set>

using namespace gantry;

namespace {

template <int Dim>
using CCBN = ConditionalBatchNorm<Projected<Dim, 6>>;

// SPECS §3b: BigGAN 128 x 128, ch 96, G_shared, hier: ccbn inputs 128 + 20 = 148.
using BigGAN128G =
    Generator<Latent<120>, Classes<1000>, SharedEmbedding<128>, Hierarchical, SNLinear<4 * 4 * 1536, Bias::on, 6>,
              Reshape<1536, 4, 4>, GBlock<1536, CCBN<148>, 6>, GBlock<768, CCBN<148>, 6>, GBlock<384, CCBN<148>, 6>,
              GBlock<192, CCBN<148>, 6>, SNSelfAttention<6>, GBlock<96, CCBN<148>, 6>, BatchNorm2d<>, ReLU,
              SNConv2d<3, 3, 1, 1, Bias::on, 6>, Tanh>;
static_assert(BigGAN128G::conditioned_blocks == 5 && BigGAN128G::chunk_size == 20 && BigGAN128G::condition_size == 148);
static_assert(std::is_same_v<BigGAN128G::output, Image<3, 128, 128>>);

// SPECS §3b: its D, projection head on φ.
using BigGAN128D = Discriminator<Image<3, 128, 128>, DBlock<96, Down, Preactivation::off, 6>, SNSelfAttention<6>, DBlock<192, Down, Preactivation::on, 6>,
                                 DBlock<384, Down, Preactivation::on, 6>, DBlock<768, Down, Preactivation::on, 6>, DBlock<1536, Down, Preactivation::on, 6>,
                                 DBlock<1536, None, Preactivation::on, 6>, ProjectionHead<1000, 6>>;
static_assert(std::is_same_v<BigGAN128D::outputs, OutputShapes<Vector<1>>>);

// SPECS §8a: ADC-GAN CIFAR-10 (BigGAN arch[32], ch 64, non-shared ccbn tables).
using ADCGANG = Generator<Latent<128>, Classes<10>, SNLinear<4 * 4 * 256>, Reshape<256, 4, 4>,
                          GBlock<256, ConditionalBatchNorm<ClassTable<10>>>, GBlock<256, ConditionalBatchNorm<ClassTable<10>>>,
                          GBlock<256, ConditionalBatchNorm<ClassTable<10>>>, BatchNorm2d<>, ReLU, SNConv2d<3, 3>, Tanh>;
static_assert(ADCGANG::conditioned_blocks == 0 && ADCGANG::condition_size == 0);  // the tables read ctx.labels
static_assert(std::is_same_v<ADCGANG::output, Image<3, 32, 32>>);
using ADCGAND = Discriminator<Image<3, 32, 32>, DBlock<256, Down, Preactivation::off>, DBlock<256>, DBlock<256, None>,
                              DBlock<256, None>, Heads<LinearHead<>, ADCHead<10>>>;
static_assert(std::is_same_v<ADCGAND::outputs, OutputShapes<Vector<1>, Vector<20>, NoOutput>>);

// SPECS §6b: U-Net GAN's 128 x 128 discriminator, ch 64 (unconditional: LinearHead, PerPixelHead<>).
using UNetD128 = Discriminator<
    Image<3, 128, 128>,
    UNet<Encoder<DBlock<64, Down, Preactivation::off, 6>, DBlock<128, Down, Preactivation::on, 6>, DBlock<256, Down, Preactivation::on, 6>,
                 DBlock<512, Down, Preactivation::on, 6>, DBlock<1024, Down, Preactivation::on, 6>>,
         LinearHead<6>,
         Decoder<GBlock2<512, 6>, GBlock2<256, 6>, GBlock2<128, 6>, GBlock2<64, 6>, GBlock2<64, 6>>, PerPixelHead<>>>;
static_assert(std::is_same_v<UNetD128::outputs, OutputShapes<Vector<1>, NoOutput, Image<1, 128, 128>>>);

// SPECS §7b: IC-GAN 64 x 64 G (ch 64, 4 blocks, 5 slots of 24, ccbn 512 + 24 = 536) and D.
using ICGAN64G =
    Generator<Latent<120>, InstanceFeatures<2048, 512, 6>, Hierarchical, SNLinear<4 * 4 * 1024, Bias::on, 6>,
              Reshape<1024, 4, 4>, GBlock<1024, CCBN<536>, 6>, GBlock<512, CCBN<536>, 6>, GBlock<256, CCBN<536>, 6>,
              SNSelfAttention<6>, GBlock<128, CCBN<536>, 6>, BatchNorm2d<>, ReLU, SNConv2d<3, 3, 1, 1, Bias::on, 6>, Tanh>;
static_assert(ICGAN64G::condition_size == 536 && std::is_same_v<ICGAN64G::output, Image<3, 64, 64>>);

// Small instances that run.
using TinyG = Generator<Latent<12>, Classes<5>, SharedEmbedding<4>, Hierarchical, SNLinear<4 * 2 * 2>, Reshape<4, 2, 2>,
                        GBlock<4, CCBN<8>>, GBlock<2, CCBN<8>>, BatchNorm2d<>, ReLU, SNConv2d<3, 3>, Tanh>;
using TinyUNetD = Discriminator<Image<3, 8, 8>, UNet<Encoder<DBlock<4, Down, Preactivation::off>, DBlock<6>, DBlock<8>>, ProjectionHead<5>,
                                                     Decoder<GBlock2<6>, GBlock2<4>, GBlock2<3>>, PerPixelHead<5>>>;

}  // namespace

static_assert(TinyG::condition_size == 8 && std::is_same_v<TinyG::output, Image<3, 8, 8>>);

TEST_CASE("a tiny BigGAN-style G (hierarchical z into ccbn projections) and a U-Net D with two heads") {
  Rng gen(1);
  Init init{gen, InitScheme::orthogonal};
  TinyG::module<float, cpu> g(init);
  TinyUNetD::module<float, cpu> d(init);
  Rng noise(2);
  auto z = Var<float>(randn<float>({3, 12}, noise), true);
  const std::vector<int64_t> y{4, 0, 2};
  auto x = g.forward(z, y, true);
  CHECK(x.shape() == Shape{3, 3, 8, 8});
  const auto out = d.forward_all(x, y, true);
  CHECK(out.adversarial.shape() == Shape{3, 1});
  CHECK(out.per_pixel.shape() == Shape{3, 1, 8, 8});
  add(sum(out.adversarial), mean(out.per_pixel)).backward();
  CHECK(z.grad().defined());
  std::set<std::string> missing;
  for_each_parameter<float, cpu>(g, [&](const std::string& n, Var<float>& p) {
    if (!p.grad().defined()) missing.insert("G." + n);
  });
  for_each_parameter<float, cpu>(d, [&](const std::string& n, Var<float>& p) {
    if (!p.grad().defined()) missing.insert("D." + n);
  });
  CHECK(missing.empty());
  for (const auto& n : missing) MESSAGE("no gradient: ", n);
  std::set<std::string> names;
  for_each_parameter<float, cpu>(g, [&](const std::string& n, Var<float>&) { names.insert(n); });
  CHECK(names.count("shared.weight"));
  CHECK(names.count("blocks.2.bn1.gain.weight"));
}
