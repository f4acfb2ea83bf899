// BigGAN's residual blocks (GBlock, DBlock), U-Net GAN's GBlock2 and BigGAN-deep's bottleneck
// blocks: static shapes at odd and even sizes, conditioning, PyTorch fixtures
// (tests/fixtures/make_block_fixtures.py), second-order gradchecks in double.
#include <gantry/nn/blocks/biggan_deep_blocks.hpp>
#include <gantry/nn/blocks/dblock.hpp>
#include <gantry/nn/blocks/gblock.hpp>
#include <gantry/nn/blocks/gblock2.hpp>

#include "block_test_helpers.hpp"

using namespace gantry;
using namespace block_test;

namespace {
template <int K>
using TableBN = ConditionalBatchNorm<ClassTable<K>>;
template <int Dim, int Eps = 8>
using ProjBN = ConditionalBatchNorm<Projected<Dim, Eps>>;

// Gradients of the biases of convolutions followed by batch norm in training are zero in exact
// arithmetic (the norm subtracts the mean); they are compared at this absolute scale.
constexpr double bn_zero_scale = 1.0;  // every other gradient of these fixtures has rms >= 1

// check() for a block whose convolutions feed batch norms in training.
template <class M>
void check_bn_block(M& m, const std::string& name) {
  part_fixture::check(m, name, part_fixture::Default{}, 1e-4, bn_zero_scale);
}

Context<float, cpu> with_labels(std::vector<int64_t> y) {
  Context<float, cpu> ctx;
  ctx.labels = std::move(y);
  return ctx;
}
Context<float, cpu> with_condition(int64_t dim) {
  Context<float, cpu> ctx;
  Rng gen(5);
  ctx.shared_condition = Var<float>::constant(randn<float>({2, dim}, gen));
  return ctx;
}
}  // namespace

// ---- static shapes, odd and even -----------------------------------------------------------
static_assert(std::is_same_v<out<GBlock<8>, Image<6, 3, 4>>, Image<8, 6, 8>>);
static_assert(std::is_same_v<out<GBlock<4, BatchNorm2d<>, 8, None>, Image<4, 5, 3>>, Image<4, 5, 3>>);
static_assert(!GBlock<8>::accepts<Vector<8>>);
static_assert(std::is_same_v<out<DBlock<8>, Image<3, 6, 5>>, Image<8, 3, 2>>);
static_assert(std::is_same_v<out<DBlock<8, Down, Preactivation::off>, Image<3, 7, 7>>, Image<8, 3, 3>>);
static_assert(std::is_same_v<out<DBlock<6, None>, Image<6, 3, 3>>, Image<6, 3, 3>>);
static_assert(!DBlock<8>::accepts<Image<3, 1, 4>> && DBlock<8, None>::accepts<Image<3, 1, 4>>);
static_assert(std::is_same_v<DBlock<8>::expects<Image<3, 1, 4>>, ImageAtLeast<2, 2>>);
static_assert(std::is_same_v<out<GBlock2<6>, Image<4, 3, 4>>, Image<6, 6, 8>>);
static_assert(std::is_same_v<out<GBlockDeep<8>, Image<16, 3, 4>>, Image<8, 6, 8>>);
static_assert(std::is_same_v<out<GBlockDeep<8, None>, Image<8, 5, 3>>, Image<8, 5, 3>>);
static_assert(!GBlockDeep<8>::accepts<Image<4, 4, 4>> && !GBlockDeep<2>::accepts<Image<3, 4, 4>>);
static_assert(std::is_same_v<GBlockDeep<8>::expects<Image<4, 4, 4>>, ImageWithAtLeastChannels<8>>);
static_assert(std::is_same_v<out<DBlockDeep<12>, Image<4, 6, 5>>, Image<12, 3, 2>>);
static_assert(std::is_same_v<out<DBlockDeep<8, None>, Image<8, 3, 3>>, Image<8, 3, 3>>);
static_assert(!DBlockDeep<8>::accepts<Image<12, 4, 4>> && !DBlockDeep<8>::accepts<Image<4, 1, 1>>);
static_assert(std::is_same_v<DBlockDeep<8>::expects<Image<12, 4, 4>>, ImageWithAtMostChannels<8>>);

// BigGAN's CIFAR G and D bodies (SPECS §3a), ch = 64: 4 -> 32 and 32 -> 8.
static_assert(std::is_same_v<chain_output<Image<256, 4, 4>, GBlock<256, TableBN<10>>, GBlock<256, TableBN<10>>,
                                          GBlock<256, TableBN<10>>>,
                             Image<256, 32, 32>>);
static_assert(std::is_same_v<chain_output<Image<3, 32, 32>, DBlock<256, Down, Preactivation::off>, DBlock<256>, DBlock<256, None>,
                                          DBlock<256, None>>,
                             Image<256, 8, 8>>);

// Conditioning: a block is conditioned (takes ctx.next_condition()) exactly when its norm takes
// the block's vector; it declares the norm's condition_size.
static_assert(GBlock<8, ProjBN<148>>::conditioned && GBlock<8, ProjBN<148>>::condition_size == 148);
static_assert(!GBlock<8, TableBN<10>>::conditioned && !GBlock<8>::conditioned);
static_assert(GBlockDeep<8, Up, ProjBN<256>>::conditioned && GBlockDeep<8, Up, ProjBN<256>>::condition_size == 256);
static_assert(detail::conditioned_blocks_of<Sequential<GBlock<8, ProjBN<5>>, SelfAttention, GBlock<8, ProjBN<5>>>>::value == 2);
static_assert(detail::conditioned_blocks_of<Sequential<GBlock<8, TableBN<3>>, DBlock<8>>>::value == 0);

TEST_CASE("GBlock, DBlock, GBlock2, GBlockDeep, DBlockDeep: runtime shapes at odd and even sizes") {
  check_runtime_shape<GBlock<8, TableBN<5>>, Image<6, 3, 5>>(with_labels({0, 4}));
  check_runtime_shape<GBlock<4, ProjBN<7>>, Image<4, 4, 4>>(with_condition(7));
  check_runtime_shape<GBlock<4, BatchNorm2d<>, 8, None>, Image<6, 5, 3>>();
  check_runtime_shape<DBlock<8, Down, Preactivation::off>, Image<3, 7, 7>>();
  check_runtime_shape<DBlock<8>, Image<4, 6, 5>>();
  check_runtime_shape<DBlock<6, None>, Image<6, 3, 3>>();
  check_runtime_shape<GBlock2<6>, Image<4, 3, 4>>();
  check_runtime_shape<GBlockDeep<8, Up, ProjBN<6>>, Image<16, 3, 5>>(with_condition(6));
  check_runtime_shape<GBlockDeep<8, None, TableBN<3>>, Image<8, 4, 4>>(with_labels({1, 2}));
  check_runtime_shape<DBlockDeep<12>, Image<4, 7, 6>>();
  check_runtime_shape<DBlockDeep<8, None>, Image<8, 3, 3>>();
}

TEST_CASE("GBlock: names, learnable shortcut only when needed, one condition per forward") {
  auto up = make<GBlock<6, TableBN<5>>, Image<6, 2, 2>>();  // Up: conv_sc although 6 == 6
  CHECK(parameter_names(up) ==
        std::vector<std::string>{"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "conv_sc.weight",
                                 "conv_sc.bias", "bn1.gain.weight", "bn1.bias.weight", "bn2.gain.weight",
                                 "bn2.bias.weight", "conv1.u", "conv1.sv", "conv2.u", "conv2.sv", "conv_sc.u",
                                 "conv_sc.sv", "bn1.running_mean", "bn1.running_var", "bn2.running_mean",
                                 "bn2.running_var"});
  auto same = make<GBlock<4, BatchNorm2d<>, 8, None>, Image<4, 2, 2>>();
  for (const auto& n : parameter_names(same)) CHECK(n.rfind("conv_sc", 0) != 0);

  // Two block conditions: one GBlock consumes exactly one, for both of its norms.
  auto m = make<GBlock<4, ProjBN<3>>, Image<4, 2, 2>>();
  Context<float, cpu> ctx;
  Rng gen(2);
  ctx.block_conditions = {Var<float>::constant(randn<float>({2, 3}, gen)),
                          Var<float>::constant(randn<float>({2, 3}, gen))};
  m.forward(Var<float>::constant(randn<float>({2, 4, 2, 2}, gen)), ctx);
  CHECK(ctx.next_block == 1);
  // A label-conditioned block takes none.
  auto t = make<GBlockDeep<4, Up, TableBN<3>>, Image<4, 2, 2>>();
  ctx.labels = {0, 2};
  t.forward(Var<float>::constant(randn<float>({2, 4, 2, 2}, gen)), ctx);
  CHECK(ctx.next_block == 1);
}

TEST_CASE("DBlock and DBlockDeep: names") {
  auto d = make<DBlock<8>, Image<4, 4, 4>>();
  CHECK(parameter_names(d) == std::vector<std::string>{"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                                                       "conv_sc.weight", "conv_sc.bias", "conv1.u", "conv1.sv",
                                                       "conv2.u", "conv2.sv", "conv_sc.u", "conv_sc.sv"});
  auto same = make<DBlock<4, None>, Image<4, 4, 4>>();
  CHECK(parameter_names(same).size() == 8);  // conv1, conv2: weight, bias, u, sv
  auto deep = make<DBlockDeep<12>, Image<4, 4, 4>>();
  CHECK(deep.conv_sc.inner.weight.shape() == Shape{8, 4, 1, 1});  // In -> Out - In
  CHECK(deep.conv1.inner.weight.shape() == Shape{3, 4, 1, 1});    // hidden = Out / 4
  auto gdeep = make<GBlockDeep<8>, Image<16, 4, 4>>();
  CHECK(gdeep.conv1.inner.weight.shape() == Shape{4, 16, 1, 1});  // hidden = In / 4
  CHECK(gdeep.conv4.inner.weight.shape() == Shape{8, 4, 1, 1});
}

TEST_CASE("GBlock matches BigGAN-PyTorch's GBlock (PyTorch fixtures)") {
  SUBCASE("class-table ccbn, upsampling, training") {
    auto m = make<GBlock<8, TableBN<5>>, Image<6, 3, 4>>();
    check_bn_block(m, "gblock_class_table");
  }
  SUBCASE("projected ccbn, two blocks with hierarchical conditions, SN eps 1e-6") {
    auto m = make<Sequential<GBlock<6, ProjBN<5, 6>, 6>, GBlock<4, ProjBN<5, 6>, 6>>, Image<6, 2, 3>>();
    check_bn_block(m, "gblock_projected_seq");
  }
  SUBCASE("batch norm, no upsampling, identity shortcut, eval") {
    auto m = make<GBlock<4, BatchNorm2d<>, 8, None>, Image<4, 5, 3>>();
    part_fixture::check(m, "gblock_bn_noup_eval");
  }
}

TEST_CASE("DBlock matches BigGAN-PyTorch's DBlock (PyTorch fixtures)") {
  SUBCASE("first block: no preactivation, pool then shortcut conv, odd width") {
    auto m = make<DBlock<8, Down, Preactivation::off>, Image<3, 6, 5>>();
    part_fixture::check(m, "dblock_first");
  }
  SUBCASE("preactivation: shortcut conv then pool, odd height, eval") {
    auto m = make<DBlock<8>, Image<4, 5, 4>>();
    part_fixture::check(m, "dblock_preact_eval");
  }
  SUBCASE("no downsampling, identity shortcut") {
    auto m = make<DBlock<6, None>, Image<6, 3, 3>>();
    part_fixture::check(m, "dblock_nodown");
  }
}

TEST_CASE("GBlock2 matches U-Net GAN's GBlock2 (PyTorch fixture)") {
  auto m = make<GBlock2<6, 6>, Image<4, 3, 4>>();
  part_fixture::check(m, "gblock2");
}

TEST_CASE("GBlockDeep and DBlockDeep match BigGAN-deep's blocks (PyTorch fixtures)") {
  SUBCASE("G: projected ccbn, channels dropped, upsampling") {
    auto m = make<GBlockDeep<8, Up, ProjBN<6>>, Image<16, 3, 4>>();
    check_bn_block(m, "gblock_deep_projected");
  }
  SUBCASE("G: class tables, no drop, no upsampling, odd width") {
    auto m = make<GBlockDeep<8, None, TableBN<3>>, Image<8, 4, 5>>();
    check_bn_block(m, "gblock_deep_table");
  }
  SUBCASE("D: pooled, concatenating shortcut, odd width") {
    auto m = make<DBlockDeep<12>, Image<4, 6, 5>>();
    part_fixture::check(m, "dblock_deep");
  }
  SUBCASE("D: no pooling, identity shortcut, eval") {
    auto m = make<DBlockDeep<8, None>, Image<8, 3, 3>>();
    part_fixture::check(m, "dblock_deep_nodown_eval");
  }
}

TEST_CASE("BigGAN blocks: second-order gradchecks (double)") {
  SUBCASE("GBlock, projected ccbn (w.r.t. the condition too), training") {
    auto m = make<GBlock<4, ProjBN<3>>, Image<4, 2, 2>, double>();
    Context<double, cpu> ctx;
    ctx.shared_condition = part_fixture::input({2, 3}, 9);
    gradgrad_ok(m, Shape{2, 4, 2, 2}, ctx);
  }
  SUBCASE("GBlock, class tables") {
    auto m = make<GBlock<3, TableBN<4>>, Image<2, 2, 2>, double>();
    Context<double, cpu> ctx;
    ctx.labels = {3, 1};
    gradgrad_ok(m, Shape{2, 2, 2, 2}, ctx);
  }
  SUBCASE("DBlock, first block") {
    auto m = make<DBlock<4, Down, Preactivation::off>, Image<2, 4, 4>, double>();
    gradgrad_ok(m, Shape{2, 2, 4, 4});
  }
  SUBCASE("DBlock, preactivation") {
    auto m = make<DBlock<3>, Image<2, 4, 4>, double>();
    gradgrad_ok(m, Shape{2, 2, 4, 4});
  }
  SUBCASE("GBlock2") {
    auto m = make<GBlock2<3>, Image<2, 2, 2>, double>();
    gradgrad_ok(m, Shape{2, 2, 2, 2});
  }
  SUBCASE("GBlockDeep, projected ccbn, channels dropped") {
    auto m = make<GBlockDeep<4, Up, ProjBN<3>>, Image<8, 2, 2>, double>();
    Context<double, cpu> ctx;
    ctx.shared_condition = part_fixture::input({2, 3}, 9);
    gradgrad_ok(m, Shape{2, 8, 2, 2}, ctx);
  }
  SUBCASE("DBlockDeep, concatenating shortcut") {
    auto m = make<DBlockDeep<8>, Image<4, 4, 4>, double>();
    gradgrad_ok(m, Shape{2, 4, 4, 4});
  }
}

// ---- the blocks inside models ---------------------------------------------------------------
namespace {
// A small BigGAN (hierarchical z: 2 conditioned blocks -> 3 slots of 4; condition 4 + 4 = 8),
// with attention between the blocks, and a small BigGAN-deep (condition cat(shared(y), z)).
using SmallBigGAN = Generator<Latent<12>, Classes<3>, SharedEmbedding<4>, Hierarchical, SNLinear<8 * 2 * 2>,
                              Reshape<8, 2, 2>, GBlock<8, ProjBN<8>>, SelfAttention, GBlock<8, ProjBN<8>>,
                              BatchNorm2d<>, ReLU, SNConv2d<3, 3>, Tanh>;
using SmallDeep = Generator<Latent<8>, Classes<3>, SharedEmbedding<4>, FullConditioning, SNLinear<16 * 2 * 2>,
                            Reshape<16, 2, 2>, GBlockDeep<16, None, ProjBN<12>>, GBlockDeep<8, Up, ProjBN<12>>,
                            BatchNorm2d<>, ReLU, SNConv2d<3, 3>, Tanh>;
using SmallD = Discriminator<Image<3, 8, 8>, DBlock<8, Down, Preactivation::off>, SelfAttention, DBlock<8>, DBlock<8, None>,
                             ProjectionHead<3>>;
using SmallDeepD = Discriminator<Image<3, 8, 8>, SNConv2d<4, 3>, DBlockDeep<8>, DBlockDeep<8, None>, DBlockDeep<16>,
                                 ProjectionHead<3>>;
}  // namespace

static_assert(SmallBigGAN::conditioned_blocks == 2 && SmallBigGAN::chunk_size == 4 &&
              SmallBigGAN::condition_size == 8);
static_assert(std::is_same_v<SmallBigGAN::output, Image<3, 8, 8>>);
static_assert(SmallDeep::conditioned_blocks == 2 && SmallDeep::condition_size == 12);
static_assert(std::is_same_v<SmallDeep::output, Image<3, 4, 4>>);

TEST_CASE("BigGAN and BigGAN-deep generators and discriminators built from the blocks run end to end") {
  Rng gen(4);
  Init init{gen, InitScheme::orthogonal};
  const std::vector<int64_t> y{2, 0};
  SmallBigGAN::module<float, cpu> g(init);
  SmallD::module<float, cpu> d(init);
  auto z = Var<float>(randn<float>({2, 12}, gen), true);
  auto img = g.forward(z, y, true);  // throws if a prepared block condition is not taken
  CHECK(img.shape() == Shape{2, 3, 8, 8});
  auto score = d.forward(img, y, true);
  CHECK(score.shape() == Shape{2, 1});
  auto gz = grad(std::vector{sum(score)}, std::vector{z});
  CHECK(gz[0].shape() == Shape{2, 12});

  SmallDeep::module<float, cpu> gd(init);
  SmallDeepD::module<float, cpu> dd(init);
  auto zd = Var<float>(randn<float>({2, 8}, gen), true);
  auto imgd = gd.forward(zd, y, true);
  CHECK(imgd.shape() == Shape{2, 3, 4, 4});
  auto pad = upsample_nearest2d(imgd, 2);  // the small D takes 8 x 8
  CHECK(dd.forward(pad, y, true).shape() == Shape{2, 1});
}
