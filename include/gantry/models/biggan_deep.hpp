#pragma once
// BigGAN-deep (Brock et al. 2019; BigGAN-PyTorch BigGANdeep.py, scripts/launch_BigGAN_deep.sh;
// SPECS.md §3c) at 32x32, the layout of BigGANdeep.py's G_arch(ch)[32] / D_arch(ch)[32]:
// every stage has 4·Ch channels and two bottleneck blocks.
//
// G: c = cat(shared(y), z) (FullConditioning: BigGAN-PyTorch's `hier` for the deep model, z not
//    split) -> SNLinear(Shared + Z -> 4·4·4Ch) -> (4Ch, 4, 4) -> 3 stages of
//    [GBlockDeep(no up), GBlockDeep(up)] (8, 16, 32) -> attention after the stage whose output
//    side is GAttn (0: none) -> BN -> ReLU -> SNConv3x3(4Ch -> C) -> tanh. Every block's
//    batch norms are ccbn with SNLinear(Shared + Z -> C, no bias) projections, γ = 1 + gain(c).
// D: SNConv3x3(C -> 4Ch) -> 3 stages of [DBlockDeep(down as D_arch[32]: stages 0 and 1 halve,
//    stage 2 keeps 8x8), DBlockDeep(no down)] -> attention after each stage whose output side
//    is DAttn (0: none) -> ReLU -> sum pool -> SNLinear(-> 1) + projection SNEmbedding(K, 4Ch).
//    At 32x32 every stage keeps 4Ch channels, so the concatenating shortcut of DBlockDeep
//    (conv_sc) is not instantiated: that is D_arch[32]'s layout, not an omission.
// A stage is a Sequential of its blocks (and attention), so gantry's names are
// blocks.<stage + offset>.<j>.* (BigGAN-PyTorch: blocks.<stage>.<j> in D, one list per block in G;
// biggan_deep_official.hpp maps them).
//
// BigGAN-PyTorch's D_arch[32] lists every stage's resolution as 16, so its D_attn picks
// stages by that list; here DAttn is the stage's real output side.
// SN's ε = 10^-SNEps for every layer (the launch script's --SN_eps 1e-6); BN ε = 1e-5.
// Act is every block's non-linearity and G's last (ReLU; LOGAN: LeakyReLU<>); the projection
// head's pooling Σ ReLU(h) keeps its ReLU.
#include "../nn.hpp"
#include "hinge_gan.hpp"

namespace gantry::models {

template <class ImageShape = Image<3, 32, 32>, int Classes = 10, int Ch = 32, int Z = 128, int Shared = 128,
          int GAttn = 0, int DAttn = 0, int SNEps = 6, class Act = ReLU>
struct biggan_deep_nets {
  static_assert(ImageShape::height == 32 && ImageShape::width == 32,
                "gantry: biggan_deep_nets takes Image<C, 32, 32> (BigGANdeep.py's arch[32])");
  static_assert(Ch >= 1 && Classes >= 1 && Z >= 1 && Shared >= 1, "gantry: biggan_deep_nets needs positive sizes");
  static constexpr int C = ImageShape::channels, width = 4 * Ch, stages = 3;
  static constexpr int condition = Shared + Z;

  using CBN = ConditionalBatchNorm<Projected<condition, SNEps>, 5>;
  template <bool Up>
  using GB = GBlockDeep<width, Up, CBN, SNEps, Act>;
  template <bool Down>
  using DB = DBlockDeep<width, Down, SNEps, Act>;
  using Attn = SNSelfAttention<SNEps>;

  // G's stage i ends at side 8 << i; D's stage i at 16 >> min(i, 1).
  template <int Side, int At>
  using GStage = Sequential<GB<false>, GB<true>, When<At == Side, Attn>>;
  template <bool Down, int Side, int At>
  using DStage = Sequential<DB<Down>, DB<false>, When<At == Side, Attn>>;

  using G = Generator<Latent<Z>, gantry::Classes<Classes>, SharedEmbedding<Shared>, FullConditioning,
                      SNLinear<4 * 4 * width, true, SNEps>, Reshape<width, 4, 4>, GStage<8, GAttn>, GStage<16, GAttn>,
                      GStage<32, GAttn>, BatchNorm2d<>, Act, SNConv2d<C, 3, 1, 1, true, SNEps>, Tanh>;
  using D = Discriminator<ImageShape, SNConv2d<width, 3, 1, 1, true, SNEps>, DStage<true, 16, DAttn>,
                          DStage<true, 8, DAttn>, DStage<false, 8, DAttn>, ProjectionHead<Classes, SNEps>>;

  // Positions in the bodies (for the official name map).
  static constexpr int g_first_stage = 2, g_output_bn = g_first_stage + stages, g_output_conv = g_output_bn + 2;
  static constexpr int d_first_stage = 1, d_head = d_first_stage + stages;
};

// scripts/launch_BigGAN_deep.sh (ImageNet 128): batch 256 x 8 accumulations (2048), 1 D step,
// G_lr 1e-4, D_lr 4e-4, betas (0, 0.999), adam_eps 1e-6, G_ortho 0, EMA from iteration 20000
// (decay 0.9999, utils.py's default). Kept as published except the batch: 50, a CPU-sized
// micro-batch for 32x32 data (one micro-batch per step).
inline HingeGanHyper biggan_deep_hyper() {
  return {.batch_size = 50, .d_steps = 1, .g_lr = 1e-4, .d_lr = 4e-4, .beta1 = 0.0, .beta2 = 0.999,
          .adam_eps = 1e-6, .ema_decay = 0.9999, .ema_start = 20000, .ortho = 0.0, .concat_real_fake = true};
}

inline constexpr char biggan_deep_name[] = "biggan-deep";
// --G_init ortho --D_init ortho
using BigganDeepPaper = HingeInfo<biggan_deep_name, InitScheme::orthogonal, false, biggan_deep_hyper>;

template <class Nets = biggan_deep_nets<>, class T = float>
using biggan_deep = HingeGan<Nets, BigganDeepPaper, T>;

}  // namespace gantry::models
