// Self-attention, WGAN-GP's residual blocks and CycleGAN's ResNet block: static shapes at odd
// and even sizes, PyTorch fixtures (tests/fixtures/make_block_fixtures.py), second-order
// gradchecks in double, and the attention benchmark's shape. BigGAN's blocks are in
// test_nn_blocks_biggan.cpp.
#include <gantry/nn/blocks/cycle_resnet_block.hpp>
#include <gantry/nn/layers/self_attention.hpp>
#include <gantry/nn/blocks/wgan_resblock.hpp>

#include "block_test_helpers.hpp"

using namespace gantry;
using namespace block_test;

// ---- self-attention -----------------------------------------------------------------------
static_assert(std::is_same_v<out<SelfAttention, Image<16, 6, 4>>, Image<16, 6, 4>>);
static_assert(std::is_same_v<out<SelfAttention, Image<12, 2, 8>>, Image<12, 2, 8>>);
static_assert(!SelfAttention::accepts<Image<16, 5, 4>> && !SelfAttention::accepts<Image<16, 4, 7>>);
static_assert(!SelfAttention::accepts<Image<4, 4, 4>> && !SelfAttention::accepts<Vector<64>>);
static_assert(std::is_same_v<SelfAttention::expects<Image<4, 3, 3>>, ImageWithEvenSidesAndAtLeastChannels<8>>);

TEST_CASE("SelfAttention: shapes, names, gamma starts at 0") {
  check_runtime_shape<SelfAttention, Image<16, 6, 4>>();
  check_runtime_shape<SelfAttention, Image<12, 2, 8>>();  // C/8 = 1, C/2 = 6
  auto m = make<SelfAttention, Image<16, 4, 4>>();
  CHECK(m.gamma.shape() == Shape{});
  CHECK(m.gamma.item() == 0.0f);
  CHECK(m.theta.inner.weight.shape() == Shape{2, 16, 1, 1});
  CHECK(m.g.inner.weight.shape() == Shape{8, 16, 1, 1});
  CHECK(m.o.inner.weight.shape() == Shape{16, 8, 1, 1});
  CHECK(parameter_names(m) == std::vector<std::string>{"theta.weight", "phi.weight", "g.weight", "o.weight", "gamma",
                                                       "theta.u", "theta.sv", "phi.u", "phi.sv", "g.u", "g.sv", "o.u",
                                                       "o.sv"});
  // With gamma = 0 the block is the identity.
  Context<float, cpu> ctx;
  Rng gen(2);
  auto x = Var<float>::constant(randn<float>({2, 16, 4, 4}, gen));
  CHECK(m.forward(x, ctx).value().to_vector() == x.value().to_vector());
}

TEST_CASE("SelfAttention matches BigGAN-PyTorch's Attention (PyTorch fixtures)") {
  auto m = make<SelfAttention, Image<16, 6, 4>>();
  part_fixture::check(m, "self_attention");
  auto e = make<SNSelfAttention<6>, Image<8, 4, 4>>();
  part_fixture::check(e, "self_attention_eval");
}

TEST_CASE("SelfAttention: second-order gradcheck (double)") {
  auto m = make<SelfAttention, Image<8, 4, 4>, double>();
  set_parameter(m, "gamma", 0.7);
  Context<double, cpu> ctx;
  ctx.training = false;
  gradgrad_ok(m, Shape{2, 8, 4, 4}, ctx);
}

// ---- WGAN-GP residual blocks --------------------------------------------------------------
static_assert(std::is_same_v<out<WGANResBlock<6, Up, BatchNorm2d<>>, Image<4, 3, 4>>, Image<6, 6, 8>>);
static_assert(std::is_same_v<out<WGANResBlock<6, Down>, Image<4, 6, 4>>, Image<6, 3, 2>>);
static_assert(std::is_same_v<out<WGANResBlock<4, None>, Image<4, 3, 5>>, Image<4, 3, 5>>);
static_assert(std::is_same_v<out<WGANResBlock<6, None, LayerNorm, WGAN64>, Image<4, 3, 3>>, Image<6, 3, 3>>);
static_assert(std::is_same_v<out<WGANResBlock<6, Down, LayerNorm, WGAN64>, Image<4, 4, 6>>, Image<6, 2, 3>>);
static_assert(!WGANResBlock<6, Down>::accepts<Image<4, 5, 4>> && !WGANResBlock<6, Up>::accepts<Vector<4>>);
static_assert(WGANResBlock<6, Up>::accepts<Image<4, 5, 3>> && WGANResBlock<6, None>::accepts<Image<4, 5, 3>>);
static_assert(std::is_same_v<WGANResBlock<6, Down>::expects<Image<4, 5, 4>>, ImageWithEvenSides>);
static_assert(std::is_same_v<out<WGANOptimizedBlock<6>, Image<3, 4, 6>>, Image<6, 2, 3>>);
static_assert(!WGANOptimizedBlock<6>::accepts<Image<3, 5, 4>>);
static_assert(!WGANResBlock<4, Up, ConditionalBatchNorm<ClassTable<10, Gain::direct>>>::conditioned);  // reads labels

// gan_cifar_resnet.py's generator and critic bodies and gan_64x64.py's critic (SPECS §1b, §1c).
static_assert(std::is_same_v<chain_output<Image<128, 4, 4>, WGANResBlock<128, Up, BatchNorm2d<>>,
                                          WGANResBlock<128, Up, BatchNorm2d<>>, WGANResBlock<128, Up, BatchNorm2d<>>>,
                             Image<128, 32, 32>>);
static_assert(std::is_same_v<chain_output<Image<3, 32, 32>, WGANOptimizedBlock<128>, WGANResBlock<128, Down>,
                                          WGANResBlock<128, None>, WGANResBlock<128, None>>,
                             Image<128, 8, 8>>);
static_assert(std::is_same_v<chain_output<Image<64, 64, 64>, WGANResBlock<128, Down, LayerNorm, WGAN64>,
                                          WGANResBlock<256, Down, LayerNorm, WGAN64>,
                                          WGANResBlock<512, Down, LayerNorm, WGAN64>,
                                          WGANResBlock<512, Down, LayerNorm, WGAN64>>,
                             Image<512, 4, 4>>);

namespace {
// Gradients of biases of convolutions followed by batch or instance norm in training are zero
// in exact arithmetic (the norm subtracts the channel mean); they are compared at this scale.
constexpr double norm_zero_scale = 1.0;  // every other gradient of these fixtures has rms >= 1
}  // namespace

TEST_CASE("WGANResBlock, WGANOptimizedBlock: runtime shapes and names") {
  check_runtime_shape<WGANResBlock<6, Up, BatchNorm2d<>>, Image<4, 3, 5>>();
  check_runtime_shape<WGANResBlock<6, Down>, Image<4, 6, 4>>();
  check_runtime_shape<WGANResBlock<4, None>, Image<4, 3, 5>>();
  check_runtime_shape<WGANResBlock<6, None, LayerNorm, WGAN64>, Image<4, 5, 3>>();
  check_runtime_shape<WGANOptimizedBlock<6>, Image<3, 4, 6>>();
  auto m = make<WGANResBlock<6, Down, LayerNorm, WGAN64>, Image<4, 4, 4>>();
  CHECK(parameter_names(m) == std::vector<std::string>{"shortcut.weight", "shortcut.bias", "norm1.weight",
                                                       "norm1.bias", "conv1.weight", "norm2.weight", "norm2.bias",
                                                       "conv2.weight", "conv2.bias"});  // WGAN64: conv1 has no bias
  CHECK(m.conv1.weight.shape() == Shape{4, 4, 3, 3});
  auto id = make<WGANResBlock<4, None>, Image<4, 4, 4>>();
  CHECK(parameter_names(id) ==
        std::vector<std::string>{"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"});  // identity shortcut
}

TEST_CASE("WGANResBlock, WGANOptimizedBlock match improved_wgan_training's blocks (PyTorch fixtures)") {
  SUBCASE("generator block: up, batch norm") {
    auto m = make<WGANResBlock<6, Up, BatchNorm2d<>>, Image<4, 3, 4>>();
    part_fixture::check(m, "wgan_up_bn", part_fixture::Default{}, 1e-4, norm_zero_scale);
  }
  SUBCASE("conditional generator block: per-class scale and offset") {
    auto m = make<WGANResBlock<6, Up, ConditionalBatchNorm<ClassTable<3, Gain::direct>>>, Image<4, 4, 3>>();
    part_fixture::check(m, "wgan_up_cbn", part_fixture::Default{}, 1e-4, norm_zero_scale);
  }
  SUBCASE("CIFAR critic: down") {
    auto m = make<WGANResBlock<6, Down>, Image<4, 6, 4>>();
    part_fixture::check(m, "wgan_down");
  }
  SUBCASE("CIFAR critic: no resampling, identity shortcut, odd sizes") {
    auto m = make<WGANResBlock<4, None>, Image<4, 3, 5>>();
    part_fixture::check(m, "wgan_none_identity");
  }
  SUBCASE("64x64 critic: down, layer norm") {
    auto m = make<WGANResBlock<6, Down, LayerNorm, WGAN64>, Image<4, 4, 6>>();
    part_fixture::check(m, "wgan64_down_ln");
  }
  SUBCASE("64x64 critic: no resampling, layer norm, shortcut conv") {
    auto m = make<WGANResBlock<6, None, LayerNorm, WGAN64>, Image<4, 3, 3>>();
    part_fixture::check(m, "wgan64_none_ln");
  }
  SUBCASE("optimized first critic block") {
    auto m = make<WGANOptimizedBlock<6>, Image<3, 4, 6>>();
    part_fixture::check(m, "wgan_optimized");
  }
}

TEST_CASE("WGAN blocks: second-order gradchecks (double)") {
  SUBCASE("up, batch norm") {
    auto m = make<WGANResBlock<3, Up, BatchNorm2d<>>, Image<2, 2, 2>, double>();
    gradgrad_ok(m, Shape{2, 2, 2, 2});
  }
  SUBCASE("up, per-class tables") {
    auto m = make<WGANResBlock<3, Up, ConditionalBatchNorm<ClassTable<2, Gain::direct>>>, Image<2, 2, 2>, double>();
    Context<double, cpu> ctx;
    ctx.labels = {1, 0};
    gradgrad_ok(m, Shape{2, 2, 2, 2}, ctx);
  }
  SUBCASE("down, layer norm (64x64 critic)") {
    auto m = make<WGANResBlock<3, Down, LayerNorm, WGAN64>, Image<2, 4, 4>, double>();
    gradgrad_ok(m, Shape{2, 2, 4, 4});
  }
  SUBCASE("no resampling, identity shortcut") {
    auto m = make<WGANResBlock<2, None>, Image<2, 3, 3>, double>();
    gradgrad_ok(m, Shape{2, 2, 3, 3});
  }
  SUBCASE("optimized block") {
    auto m = make<WGANOptimizedBlock<3>, Image<2, 4, 4>, double>();
    gradgrad_ok(m, Shape{2, 2, 4, 4});
  }
}

// ---- CycleGAN's ResNet block --------------------------------------------------------------
static_assert(std::is_same_v<out<CycleResnetBlock, Image<4, 5, 6>>, Image<4, 5, 6>>);
static_assert(std::is_same_v<out<CycleResnetBlock, Image<256, 64, 64>>, Image<256, 64, 64>>);
static_assert(!CycleResnetBlock::accepts<Image<4, 1, 5>> && !CycleResnetBlock::accepts<Vector<4>>);
static_assert(std::is_same_v<CycleResnetBlock::expects<Image<4, 1, 5>>, ImageAtLeast<2, 2>>);

TEST_CASE("CycleResnetBlock: shapes, names, PyTorch fixture, second-order gradcheck") {
  check_runtime_shape<CycleResnetBlock, Image<4, 5, 6>>();
  check_runtime_shape<CycleResnetBlock, Image<3, 2, 3>>();
  auto m = make<CycleResnetBlock, Image<4, 5, 6>>();
  CHECK(parameter_names(m) == std::vector<std::string>{"conv_block.1.weight", "conv_block.1.bias",
                                                       "conv_block.5.weight", "conv_block.5.bias"});
  part_fixture::check(m, "cycle_resnet_block", part_fixture::Default{}, 1e-4, norm_zero_scale);
  auto d = make<CycleResnetBlock, Image<2, 3, 3>, double>();
  gradgrad_ok(d, Shape{2, 2, 3, 3});
}
