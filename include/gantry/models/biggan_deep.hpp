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
//    stage 2 keeps 8x8), DBlockDeep(no down)] -> with DAttn = 16, attention after every stage
//    (0: none) -> ReLU -> sum pool -> SNLinear(-> 1) + projection SNEmbedding(K, 4Ch).
//    At 32x32 every stage keeps 4Ch channels, so the concatenating shortcut of DBlockDeep
//    (conv_sc) is not instantiated: that is D_arch[32]'s layout, not an omission.
// A stage is a Sequential of its blocks (and attention), so gantry's names are
// blocks.<stage + offset>.<j>.* (BigGAN-PyTorch: blocks.<stage>.<j> in D, one list per block in G;
// biggan_deep_official.hpp maps them).
//
// BigGAN-PyTorch's D_arch[32] lists every stage's resolution as 16 and places D_attn by that
// list, so --D_attn 16 puts attention after all three stages (whose real sides are 16, 8, 8)
// and any other value none; DAttn follows it, so every official layout loads.
// SN's ε = 10^-SNEps for every layer (the launch script's --SN_eps 1e-6); BN ε = 1e-5.
// Act is every block's non-linearity and G's last (ReLU; LOGAN: LeakyReLU<>); the projection
// head's pooling Σ ReLU(h) keeps its ReLU.
#include "../nn.hpp"
#include "hinge_gan.hpp"
#include "options.hpp"

namespace gantry::models {

template <class ImageShape = Image<3, 32, 32>, int K = 10, int Ch = 32, int Z = 128, int Shared = 128,
          int GAttn = 0, int DAttn = 0, int SNEps = 6, class Act = ReLU>
struct biggan_deep_nets {
  static_assert(ImageShape::height == 32 && ImageShape::width == 32,
                "gantry: biggan_deep_nets takes Image<C, 32, 32> (BigGANdeep.py's arch[32])");
  static_assert(Ch >= 1 && K >= 1 && Z >= 1 && Shared >= 1, "gantry: biggan_deep_nets needs positive sizes");
  static_assert(GAttn == 0 || GAttn == 8 || GAttn == 16 || GAttn == 32,
                "gantry: biggan_deep_nets: G's attention is after the stage of side 8, 16 or 32 (0: none)");
  static_assert(DAttn == 0 || DAttn == 16,
                "gantry: biggan_deep_nets: D_arch[32] lists every D stage at resolution 16, so D's attention is 16 "
                "(after every stage) or 0 (none)");
  static constexpr int g_attention = GAttn, d_attention = DAttn;
  static constexpr int C = ImageShape::channels, width = 4 * Ch, stages = 3;
  static constexpr int condition = Shared + Z;

  using CBN = ConditionalBatchNorm<Projected<condition, SNEps>, 5>;
  template <class Resample>
  using GB = GBlockDeep<width, Resample, CBN, SNEps, Act>;
  template <class Resample>
  using DB = DBlockDeep<width, Resample, SNEps, Act>;
  using Attn = SNSelfAttention<SNEps>;

  // G's stage i ends at side 8 << i; D's stages are all listed at resolution 16.
  template <int Side, int At>
  using GStage = Sequential<GB<None>, GB<Up>, When<At == Side, Attn>>;
  template <class Resample, int At>
  using DStage = Sequential<DB<Resample>, DB<None>, When<At == 16, Attn>>;

  using G = Generator<Latent<Z>, Classes<K>, SharedEmbedding<Shared>, FullConditioning,
                      SNLinear<4 * 4 * width, Bias::on, SNEps>, Reshape<width, 4, 4>, GStage<8, GAttn>, GStage<16, GAttn>,
                      GStage<32, GAttn>, BatchNorm2d<>, Act, SNConv2d<C, 3, 1, 1, Bias::on, SNEps>, Tanh>;
  using D = Discriminator<ImageShape, SNConv2d<width, 3, 1, 1, Bias::on, SNEps>, DStage<Down, DAttn>,
                          DStage<Down, DAttn>, DStage<None, DAttn>, ProjectionHead<K, SNEps>>;

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

namespace detail {
template <class ImageShape, class... Options>
struct biggan_deep_preset {
  using O = PresetOptions<takes<Classes<1>, Width<1>, Latent<1>, SharedEmbedding<1>, AttentionAt<0>, Precision<void>>,
                          Options...>;
  static_assert(O::classes() > 0,
                "gantry: BigGAN-deep is class-conditional: name its classes, e.g. "
                "models::biggan_deep<Image<3, 32, 32>, Classes<10>>");
  using type = HingeGan<biggan_deep_nets<ImageShape, O::classes(), O::template width<32>, O::template latent<128>,
                                         O::template shared<128>, O::template g_attention<0>, O::template d_attention<0>>,
                        BigganDeepPaper, typename O::scalar>;
};
}  // namespace detail

// Options: Classes<K> (required), Width<Ch> (32), Latent<Z> (128), SharedEmbedding<N> (128),
// AttentionAt<G, D> (0, 0: none; a side in G, a side in D), Precision<T> (float).
template <class ImageShape, class... Options>
using biggan_deep = typename detail::biggan_deep_preset<ImageShape, Options...>::type;

}  // namespace gantry::models
