#pragma once
// SAGAN (Zhang et al. 2019, "Self-Attention Generative Adversarial Networks"; SPECS.md §2a),
// class-conditional, for 32x32 images. Sources: brain-research/self-attention-gan
// generator.py (generator_test), discriminator.py (discriminator_test), non_local.py
// (sn_non_local_block_sim), ops.py (spectral_normed_weight, conditional batch norm),
// model.py (hinge losses, update_collection), train_imagenet.py (Adam, learning rates).
//
//   using Model = models::sagan<Image<1, 32, 32>, 10>;     // Ch = 64, z in R^128
//   Model m(models::sagan_hyper(), seed);                 // then train::Trainer
//
// The official net is ImageNet 128x128; here its layout is scaled to 32x32 (Ch = the
// official gf_dim = df_dim):
//   G: z -> SNLinear(Z -> 4*4*4Ch) -> (4Ch, 4, 4) -> GBlock(4Ch) 8x8 -> GBlock(2Ch) 16x16
//      -> SelfAttention(2Ch) -> GBlock(Ch) 32x32 -> BN -> ReLU -> SNConv3x3(Ch -> C) -> tanh.
//      GBlock = generator.py's `block`: CBN -> ReLU -> up -> SNConv3x3 -> CBN -> ReLU ->
//      SNConv3x3, shortcut SNConv1x1(up(x)) (always present: every block upsamples). CBN is
//      ops.py's conditional_batch_norm: per-class scale and offset tables, the scale used
//      directly and initialised to 1, the offset to 0 (ClassTable<K, true>).
//   D: optimized_block(C -> Ch) 16x16 -> SelfAttention(Ch) -> block(2Ch, down) 8x8 ->
//      block(4Ch, down) 4x4 -> block(4Ch, no down) 4x4 -> ReLU -> global SUM pool ->
//      SNLinear(4Ch -> 1) + <SNEmbedding(K, 4Ch)(y), phi>.
//   The official G is 16Ch -> 16Ch -> 8Ch -> 4Ch -> [attention] -> 2Ch -> Ch over 4..128 px;
//   at 32 px there are three up-blocks, whose widths here halve to Ch as the official's last
//   blocks do. Spectral norm on every conv, linear and the projection embedding of G and D,
//   one power iteration, eps 1e-12 (ops.py); Xavier-uniform weights, zero biases.
//
// Attention position: 16x16 in both nets (after G's second block, after D's first). The
// official puts it at 32x32 of 128, a quarter of the side, which at 32 px would be 8x8:
// 64 query positions and 16 pooled keys, where the paper's own ablation found attention
// at small maps (feat8, feat16 of 128) least useful. 16x16 is StudioGAN's CIFAR-10 SAGAN
// (§2c) and keeps attention on the second-largest map, as the official's is the
// third-largest of five.
//
// Deviations from the official code (besides the 32 px scaling above):
// - Spectral norm is BigGAN-PyTorch's (nn/spectral_norm.hpp), the transposed layout of the
//   same power iteration; u is updated in every training forward, while the official
//   updates it only on D's real pass (update_collection NO_OPS for the fake pass and G's
//   loss). With concat_real_fake false, D's u moves twice per D step here.
// - Batch-norm running statistics use PyTorch's momentum 0.1 (TF's decay is 0.999); they
//   only matter in eval-mode sampling.
// - One device, batch 64: the official trains 4 towers of 64 (256 per step, README).
// - beta2 0.999 is the official code's (TF's Adam default); the paper's text says 0.9.
#include "../nn.hpp"
#include "hinge_gan.hpp"

namespace gantry::models {

template <class ImageShape, int Classes, int Ch = 64, int Z = 128>
struct sagan_nets {
  static constexpr int C = ImageShape::channels, S = ImageShape::height;
  static_assert(ImageShape::width == S && S == 32,
                "gantry: sagan_nets<Image<C, 32, 32>, K>: 32x32 images (pad 28x28 ones with LoaderOptions::pad_to = 32)");
  static_assert(Classes > 0, "gantry: sagan_nets is class-conditional: Classes > 0");
  static_assert(Ch >= 8, "gantry: sagan_nets needs Ch >= 8 (D's attention has Ch/8 query channels)");
  static constexpr int eps = 12;  // ops.py: l2_normalize's 1e-12
  using CBN = ConditionalBatchNorm<ClassTable<Classes, true>>;
  template <int Out>
  using GUp = GBlock<Out, CBN, eps>;
  using Attention = SNSelfAttention<eps>;

  using G = Generator<Latent<Z>, gantry::Classes<Classes>, SNLinear<4 * 4 * 4 * Ch, true, eps>, Reshape<4 * Ch, 4, 4>,
                      GUp<4 * Ch>, GUp<2 * Ch>, Attention, GUp<Ch>, BatchNorm2d<>, ReLU,
                      SNConv2d<C, 3, 1, 1, true, eps>, Tanh>;
  using D = Discriminator<ImageShape, DBlock<Ch, true, false, eps>, Attention, DBlock<2 * Ch, true, true, eps>,
                          DBlock<4 * Ch, true, true, eps>, DBlock<4 * Ch, false, true, eps>,
                          ProjectionHead<Classes, eps>>;
};

// train_imagenet.py / model.py: TTUR (D 4e-4, G 1e-4), Adam(0, 0.999), one D step per G
// step, no EMA, batch 64 per tower, real and fake through D in separate passes.
inline HingeGanHyper sagan_hyper() {
  return {.batch_size = 64, .d_steps = 1, .g_lr = 1e-4, .d_lr = 4e-4, .beta1 = 0.0, .beta2 = 0.999,
          .adam_eps = 1e-8, .ema_decay = 0.0, .ema_start = 0, .ortho = 0.0, .concat_real_fake = false};
}

inline constexpr char sagan_name[] = "sagan";
// TF's glorot_uniform weights, zero biases.
using SaganPaper = HingeInfo<sagan_name, InitScheme::xavier_uniform, true, sagan_hyper>;

template <class ImageShape, int Classes, int Ch = 64, int Z = 128, class T = float>
using sagan = HingeGan<sagan_nets<ImageShape, Classes, Ch, Z>, SaganPaper, T>;

}  // namespace gantry::models
