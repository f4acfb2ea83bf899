#pragma once
// IC-GAN (Casanova, Careil, Verbeek, Drozdzal, Romero-Soriano, NeurIPS 2021: "Instance-
// Conditioned GAN") and its class-conditional variant cc-IC-GAN, as facebookresearch/ic_gan
// trains them: BigGAN's G and D conditioned on an instance's features h (data/instances.hpp),
// the hinge loss, and data drawn in pairs (instance i, a neighbour's image), as a paper of the
// step template (gan.hpp) with HingePaper's policy.
//
// Nets (BigGAN.py with instance_cond, hier, G_shared; SN ε 1e-6):
//   G  e = [shared(y) (Dim 128, cc-IC-GAN only)] ⊕ shared_feat(h), shared_feat = SNLinear(F -> S);
//      z split into one chunk per block plus one; block i's conditional BN reads cat(e, chunk),
//      through bias-free SNLinears; chunk 0 feeds SNLinear(-> 4·4·in_0).
//   D  BigGAN's D -> ReLU -> sum pool φ -> SNLinear(φ -> 1) + ⟨SNLinear(F -> C)(h), φ⟩, or for
//      cc-IC-GAN + ⟨cat(SNEmbedding(y), SNLinear(F -> C/2)(h)), φ⟩ (FeatureProjectionHead).
// Layouts:
//   icgan64_nets   icgan_res64.json: G ch·[16,16,8,4] -> ch·[16,8,4,2], attention at 32;
//                  D 3 -> ch·[1,2,4,8,16], attention at 32; Z 120 (5 chunks of 24), F 2048, S 512
//   icgan128_nets  icgan_res128.json: G ch·[16,16,8,4,2] -> ch·[16,8,4,2,1], D ch·[1,2,4,8,16,16],
//                  attention at 64; Z 120 (6 chunks of 20)
//   (Attn: the resolution of the attention blocks, BigGAN.py's G_attn = D_attn; 0: none.)
//   icgan_nets     32x32 (Fashion-MNIST, CIFAR): BigGAN.py's arch[32] (G 4ch x 3 blocks, D 4ch
//                  x 4 blocks), the conditioning as above, F and S by template parameter
// Classes = 0 is IC-GAN; Classes = K > 0 is cc-IC-GAN (labels are the neighbours' classes).
//
// Settings: icgan_hyper() is icgan_res64.json (batch 256, one D step, lr 1e-4 for both, Adam
// β (0, 0.999) ε 1e-6, EMA 0.9999 from iteration 20000, real and fake in one D pass, orthogonal
// init); icgan128_hyper() the 128 config per GPU (batch 64, G 4e-5, D 1e-4; the paper ran 32
// GPUs); icgan_fashion_hyper() gantry's 32x32 settings. The neighbourhoods (k = 50, feature
// augmentation) are the instance set's (train/instance_features.hpp builds it).
#include <cstdint>

#include "../nn.hpp"
#include "biggan.hpp"
#include "hinge_gan.hpp"
#include "options.hpp"

namespace gantry::models {

namespace detail {
// G's input specs and block norm: instance features (and for K > 0 the shared class
// embedding) with hierarchical z in `Blocks + 1` chunks.
template <int K, int Z, int F, int S, int Blocks>
struct icgan_g_inputs {
  static_assert(Z % (Blocks + 1) == 0,
                "gantry: IC-GAN's G splits z into one chunk per block plus one (BigGAN's hier): Z must be a "
                "multiple of blocks + 1 (the official code truncates dim_z to that multiple)");
  static constexpr int class_dim = K > 0 ? 128 : 0;  // shared_dim of the cc-IC-GAN configs
  using specs = std::conditional_t<(K > 0),
                                   parts<Latent<Z>, Classes<K>, SharedEmbedding<class_dim>, InstanceFeatures<F, S, 6>,
                                         Hierarchical>,
                                   parts<Latent<Z>, InstanceFeatures<F, S, 6>, Hierarchical>>;
  using Norm = ConditionalBatchNorm<Projected<class_dim + S + Z / (Blocks + 1), 6>>;
};

template <int F, int K>
using icgan_head = FeatureProjectionHead<F, K, 6>;
template <int Out, class Resample = Down, Preactivation P = Preactivation::on>
using ICDown = DBlock<Out, Resample, P, 6>;
using ICAttention = SNSelfAttention<6>;
}  // namespace detail

template <class ImageShape = Image<1, 32, 32>, int K = 0, int Ch = 32, int F = 128, int S = 128, int Z = 128,
          int Attn = 0>
struct icgan_nets {
  static_assert(ImageShape::height == 32 && ImageShape::width == 32,
                "gantry: icgan_nets is BigGAN.py's arch[32] (pad 28x28 images with LoaderOptions::pad_to = 32); "
                "icgan64_nets and icgan128_nets are the official layouts");
  static constexpr int classes = K, ch = Ch, latent = Z, features = F, attention = Attn;
  using In = detail::icgan_g_inputs<K, Z, F, S, 3>;
  using Body = detail::biggan32_body<ImageShape::channels, Ch, Attn, typename In::Norm, 6>;
  using G = typename detail::apply_parts<Body::template G, typename In::specs>::type;
  using D = typename Body::template D<ImageShape, detail::icgan_head<F, K>>;
};

// Attn: self-attention after the G block and after the D block whose output has that
// resolution (BigGAN.py's G_attn = D_attn = "Attn"; 0: none).
template <int K = 0, int Ch = 64, int Z = 120, int F = 2048, int S = 512, int C = 3, int Attn = 32>
struct icgan64_nets {
  static constexpr int classes = K, ch = Ch, latent = Z, features = F, attention = Attn;
  using In = detail::icgan_g_inputs<K, Z, F, S, 4>;
  template <int Out>
  using Up = GBlock<Out, typename In::Norm, 6>;
  // Attention after the block whose output is Res x Res.
  template <int Res>
  using AttnAt = When<Res == Attn, detail::ICAttention>;
  template <class... Specs>
  using GWith = Generator<Specs..., SNLinear<4 * 4 * 16 * Ch, Bias::on, 6>, Reshape<16 * Ch, 4, 4>, Up<16 * Ch>, AttnAt<8>,
                          Up<8 * Ch>, AttnAt<16>, Up<4 * Ch>, AttnAt<32>, Up<2 * Ch>, AttnAt<64>, BatchNorm2d<>, ReLU,
                          SNConv2d<C, 3, 1, 1, Bias::on, 6>, Tanh>;
  using G = typename detail::apply_parts<GWith, typename In::specs>::type;
  using D = Discriminator<Image<C, 64, 64>, detail::ICDown<Ch, Down, Preactivation::off>, AttnAt<32>, detail::ICDown<2 * Ch>,
                          AttnAt<16>, detail::ICDown<4 * Ch>, AttnAt<8>, detail::ICDown<8 * Ch>, AttnAt<4>,
                          detail::ICDown<16 * Ch, None>, AttnAt<4>, detail::icgan_head<F, K>>;
};

template <int K = 0, int Ch = 96, int Z = 120, int F = 2048, int S = 512, int C = 3, int Attn = 64>
struct icgan128_nets {
  static constexpr int classes = K, ch = Ch, latent = Z, features = F, attention = Attn;
  using In = detail::icgan_g_inputs<K, Z, F, S, 5>;
  template <int Out>
  using Up = GBlock<Out, typename In::Norm, 6>;
  // Attention after the block whose output is Res x Res.
  template <int Res>
  using AttnAt = When<Res == Attn, detail::ICAttention>;
  template <class... Specs>
  using GWith = Generator<Specs..., SNLinear<4 * 4 * 16 * Ch, Bias::on, 6>, Reshape<16 * Ch, 4, 4>, Up<16 * Ch>, AttnAt<8>,
                          Up<8 * Ch>, AttnAt<16>, Up<4 * Ch>, AttnAt<32>, Up<2 * Ch>, AttnAt<64>, Up<Ch>, AttnAt<128>,
                          BatchNorm2d<>, ReLU, SNConv2d<C, 3, 1, 1, Bias::on, 6>, Tanh>;
  using G = typename detail::apply_parts<GWith, typename In::specs>::type;
  using D = Discriminator<Image<C, 128, 128>, detail::ICDown<Ch, Down, Preactivation::off>, AttnAt<64>, detail::ICDown<2 * Ch>,
                          AttnAt<32>, detail::ICDown<4 * Ch>, AttnAt<16>, detail::ICDown<8 * Ch>, AttnAt<8>,
                          detail::ICDown<16 * Ch>, AttnAt<4>, detail::ICDown<16 * Ch, None>, AttnAt<4>,
                          detail::icgan_head<F, K>>;
};

// icgan_res64.json (and cc_icgan_res64.json): see the header comment.
inline HingeGanHyper icgan_hyper() {
  return {.batch_size = 256, .d_steps = 1, .g_lr = 1e-4, .d_lr = 1e-4, .beta1 = 0.0, .beta2 = 0.999,
          .adam_eps = 1e-6, .ema_decay = 0.9999, .ema_start = 20000, .ortho = 0.0, .concat_real_fake = true};
}
// icgan_res128.json, per GPU.
inline HingeGanHyper icgan128_hyper() {
  HingeGanHyper h = icgan_hyper();
  h.batch_size = 64;
  h.g_lr = 4e-5;
  return h;
}
// gantry's 32x32 runs (Fashion-MNIST): the 64 config with a batch of 64 and a shorter EMA
// warm-up, so that short runs sample from the average.
inline HingeGanHyper icgan_fashion_hyper() {
  HingeGanHyper h = icgan_hyper();
  h.batch_size = 64;
  h.g_lr = 2e-4;
  h.d_lr = 2e-4;
  h.ema_start = 500;
  return h;
}

inline constexpr char icgan_name[] = "icgan";
inline constexpr char cc_icgan_name[] = "cc_icgan";
using IcganPaper = HingeInfo<icgan_name, InitScheme::orthogonal, false, icgan_hyper>;
using CcIcganPaper = HingeInfo<cc_icgan_name, InitScheme::orthogonal, false, icgan_hyper>;
using IcganFashionPaper = HingeInfo<icgan_name, InitScheme::orthogonal, false, icgan_fashion_hyper>;
using CcIcganFashionPaper = HingeInfo<cc_icgan_name, InitScheme::orthogonal, false, icgan_fashion_hyper>;

using Icgan128Paper = HingeInfo<icgan_name, InitScheme::orthogonal, false, icgan128_hyper>;
using CcIcgan128Paper = HingeInfo<cc_icgan_name, InitScheme::orthogonal, false, icgan128_hyper>;

namespace detail {
// The nets and settings by image side: 32 (gantry's, Fashion-MNIST's settings), 64 and 128 (the
// official layouts and configs). Conditional (cc-IC-GAN) when K > 0.
template <class ImageShape, bool ClassConditional, class... Options>
struct icgan_preset {
  using O = PresetOptions<takes<Classes<1>, Width<1>, Latent<1>, InstanceFeatures<1, 1>, AttentionAt<0>, Precision<void>>,
                          Options...>;
  static constexpr int K = O::classes();
  static_assert(ClassConditional == (K > 0),
                "gantry: models::icgan is unconditional (no Classes<K>); models::cc_icgan is class-conditional: name its "
                "classes, e.g. models::cc_icgan<Image<1, 32, 32>, Classes<10>>");
  static constexpr int C = ImageShape::channels, side = ImageShape::height;
  static_assert(ImageShape::width == side && (side == 32 || side == 64 || side == 128),
                "gantry: IC-GAN's nets are for Image<C, 32, 32> (gantry's), Image<C, 64, 64> or Image<C, 128, 128> "
                "(the official layouts)");
  template <int Ch, int Z, int F, int S, int Attn>
  using at = std::conditional_t<
      side == 32, icgan_nets<ImageShape, K, O::template width<Ch>, O::template features<F, S>::feature_size,
                             O::template features<F, S>::shared_size, O::template latent<Z>, O::template g_attention<Attn>>,
      std::conditional_t<side == 64,
                         icgan64_nets<K, O::template width<Ch>, O::template latent<Z>, O::template features<F, S>::feature_size,
                                      O::template features<F, S>::shared_size, C, O::template g_attention<Attn>>,
                         icgan128_nets<K, O::template width<Ch>, O::template latent<Z>,
                                       O::template features<F, S>::feature_size, O::template features<F, S>::shared_size,
                                       C, O::template g_attention<Attn>>>>;
  using nets = std::conditional_t<side == 32, at<32, 128, 128, 128, 0>,
                                  std::conditional_t<side == 64, at<64, 120, 2048, 512, 32>, at<96, 120, 2048, 512, 64>>>;
  using info = std::conditional_t<side == 32, std::conditional_t<K == 0, IcganFashionPaper, CcIcganFashionPaper>,
                                  std::conditional_t<side == 64, std::conditional_t<K == 0, IcganPaper, CcIcganPaper>,
                                                     std::conditional_t<K == 0, Icgan128Paper, CcIcgan128Paper>>>;
  using type = HingeGan<nets, info, typename O::scalar>;
};
}  // namespace detail

// Options: Width<Ch>, Latent<Z>, InstanceFeatures<F, S> (the instance features' size and their
// shared projection's), AttentionAt<Side>, Precision<T> (float); defaults by image side: 32:
// Ch 32, Z 128, F = S = 128, no attention; 64: Ch 64, Z 120, F 2048, S 512, attention at 32;
// 128: Ch 96, Z 120, F 2048, S 512, attention at 64. cc_icgan also takes Classes<K> (required).
template <class ImageShape, class... Options>
using icgan = typename detail::icgan_preset<ImageShape, false, Options...>::type;
template <class ImageShape, class... Options>
using cc_icgan = typename detail::icgan_preset<ImageShape, true, Options...>::type;

}  // namespace gantry::models
