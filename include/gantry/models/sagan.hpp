#pragma once
// SAGAN (Zhang et al. 2019, "Self-Attention Generative Adversarial Networks"; SPECS.md §2a),
// class-conditional, for 32x32 images. Sources: brain-research/self-attention-gan
// generator.py (generator_test), discriminator.py (discriminator_test), non_local.py
// (sn_non_local_block_sim), ops.py (spectral_normed_weight, conditional batch norm),
// model.py (hinge losses, update_collection), train_imagenet.py (Adam, learning rates).
//
//   using Model = models::sagan<Image<1, 32, 32>, Classes<10>>;   // Width<64>, Latent<128>
//   auto model = Model::make(cpu{}, seed);                       // then train::fit
// Options: Classes<K> (required), Width<Ch> (64), Latent<Z> (128), Precision<T> (float).
//
// The official net is ImageNet 128x128; here its layout is scaled to 32x32 (Ch = the
// official gf_dim = df_dim):
//   G: z -> SNLinear(Z -> 4*4*4Ch) -> (4Ch, 4, 4) -> GBlock(4Ch) 8x8 -> GBlock(2Ch) 16x16
//      -> SelfAttention(2Ch) -> GBlock(Ch) 32x32 -> BN -> ReLU -> SNConv3x3(Ch -> C) -> tanh.
//      GBlock = generator.py's `block`: CBN -> ReLU -> up -> SNConv3x3 -> CBN -> ReLU ->
//      SNConv3x3, shortcut SNConv1x1(up(x)) (always present: every block upsamples). CBN is
//      ops.py's conditional_batch_norm: per-class scale and offset tables, the scale used
//      directly and initialised to 1, the offset to 0 (ClassTable<K, Gain::direct>).
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
// - Spectral norm is BigGAN-PyTorch's (nn/layers/spectral_norm.hpp), the transposed layout of the
//   same power iteration; u is updated in every training forward, while the official
//   updates it only on D's real pass (update_collection NO_OPS for the fake pass and G's
//   loss). With concat_real_fake false, D's u moves twice per D step here.
// - Batch-norm running statistics use PyTorch's momentum 0.1 (TF's decay is 0.999); they
//   only matter in eval-mode sampling.
// - One device, batch 64: the official trains 4 towers of 64 (256 per step, README).
// - beta2 0.999 is the official code's (TF's Adam default); the paper's text says 0.9.
#include "../nn.hpp"
#include "hinge_gan.hpp"
#include "options.hpp"

namespace gantry::models {

template <class ImageShape, int K, int Ch = 64, int Z = 128>
struct sagan_nets {
  static constexpr int C = ImageShape::channels, S = ImageShape::height;
  static_assert(ImageShape::width == S && S == 32,
                "gantry: sagan_nets<Image<C, 32, 32>, K>: 32x32 images (pad 28x28 ones with LoaderOptions::pad_to = 32)");
  static_assert(K > 0,
                "gantry: SAGAN is class-conditional: name its classes, e.g. models::sagan<Image<1, 32, 32>, Classes<10>>");
  static_assert(Ch >= 8, "gantry: sagan_nets needs Ch >= 8 (D's attention has Ch/8 query channels)");
  static constexpr int sn_eps_exp = 12;  // spectral norm's ε = 1e-12 (ops.py: l2_normalize's)
  using CBN = ConditionalBatchNorm<ClassTable<K, Gain::direct>>;
  template <int Out>
  using GUp = GBlock<Out, CBN, sn_eps_exp>;
  using Attention = SNSelfAttention<sn_eps_exp>;

  using G = Generator<Latent<Z>, Classes<K>, SNLinear<4 * 4 * 4 * Ch, Bias::on, sn_eps_exp>, Reshape<4 * Ch, 4, 4>,
                      GUp<4 * Ch>, GUp<2 * Ch>, Attention, GUp<Ch>, BatchNorm2d<>, ReLU,
                      SNConv2d<C, 3, 1, 1, Bias::on, sn_eps_exp>, Tanh>;
  template <int Out, class Resample = Down, Preactivation P = Preactivation::on>
  using DB = DBlock<Out, Resample, P, sn_eps_exp>;
  using D = Discriminator<ImageShape, DB<Ch, Down, Preactivation::off>, Attention, DB<2 * Ch>, DB<4 * Ch>,
                          DB<4 * Ch, None>, ProjectionHead<K, sn_eps_exp>>;
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

namespace detail {
template <class ImageShape, class... Options>
struct sagan_preset {
  using O = PresetOptions<takes<Classes<1>, Width<1>, Latent<1>, Precision<void>>, Options...>;
  using type = HingeGan<sagan_nets<ImageShape, O::classes(), O::template width<64>, O::template latent<128>>, SaganPaper,
                        typename O::scalar>;
};
}  // namespace detail

template <class ImageShape, class... Options>
using sagan = typename detail::sagan_preset<ImageShape, Options...>::type;

}  // namespace gantry::models
