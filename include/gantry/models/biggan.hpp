#pragma once
// BigGAN (Brock et al. 2019) as BigGAN-PyTorch builds it for 32x32 images (SPECS.md §3a,
// BigGAN.py arch[32], scripts/launch_cifar_ema.sh), trained by HingeGan (hinge_gan.hpp).
//
//   using Model = models::biggan<Image<3, 32, 32>, Classes<10>>;   // the CIFAR script's nets
// Options: Classes<K> (required), Width<Ch> (64), AttentionAt<Attn> (0), Latent<Z> (128),
// Hierarchical (biggan_hier_nets), WeightInit<S> (InitScheme::normal_002, or ::orthogonal),
// Precision<T> (float).
//
// biggan_nets<Image<3, 32, 32>, K = 10, Ch = 64, Attn = 0, Z = 128> (the CIFAR script):
//   G: z -> SNLinear(Z -> 4*4*4Ch) -> (4Ch, 4, 4) -> 3 GBlock(4Ch -> 4Ch, up), each with two
//      ccbn whose gain and bias are per-class tables (G_shared off; γ = 1 + gain[y]) ->
//      BN -> ReLU -> SNConv3x3(4Ch -> C) -> tanh (C = 3 in the script; 1 for grey images).
//   D: DBlock(C -> 4Ch, down, no pre-activation), DBlock(4Ch, down), 2 DBlock(4Ch, no down)
//      -> ReLU -> sum pool -> SNLinear(4Ch -> 1) + <SNEmbedding(y), φ> (projection).
//   SN ε 1e-8, BN ε 1e-5, weights N(0, 0.02) (BigganPaper; BigganOrthoPaper: orthogonal).
// biggan_hier_nets<...>: the ImageNet conditioning at 32x32 (BigGAN.py with G_shared and
//   hier): a shared class embedding (nn.Embedding(K, Z), `shared`), z split into 4 chunks of
//   Z/4; chunk 0 feeds the linear (Z/4 -> 4*4*4Ch), block i's ccbn reads cat(shared(y),
//   chunk i+1) through bias-free SNLinears (Projected<Z + Z/4>).
// Attn (0 = none, 8, 16 or 32): self-attention where BigGAN.py's arch tables put it for
//   G_attn = D_attn = "Attn": in G after the GBlock whose output has that resolution; in D
//   arch[32] labels all four blocks 16, so Attn = 16 adds attention after every D block and
//   other values add none in D.
//
// DHead: D's head on its last feature map (default the projection head; ADC-GAN, AC-GAN and
//   TAC-GAN put Heads<LinearHead<>, classifier head> there, adcgan.hpp).
//
// Truncated sampling: truncated_noise (truncation.hpp).
#include <type_traits>

#include "../nn.hpp"
#include "hinge_gan.hpp"
#include "options.hpp"
#include "truncation.hpp"

namespace gantry::models {

namespace detail {
// A list of types (input specs, widths), and F<Ts...> of a list's types.
template <class... Ts>
struct parts {};
template <template <class...> class F, class L>
struct apply_parts;
template <template <class...> class F, class... Ts>
struct apply_parts<F, parts<Ts...>> {
  using type = F<Ts...>;
};

// G's body after the input specs (BigGAN.py Generator, arch[32]) and D's parts before its head
// (Discriminator), as aliases taking those leading parts; spectral norm's ε = 10^-Eps.
template <int C, int Ch, int Attn, class Norm, int Eps = 8>
struct biggan32_body {
  using Block = GBlock<4 * Ch, Norm, Eps>;
  using Attention = SNSelfAttention<Eps>;
  template <class... Inputs>
  using G = Generator<Inputs..., SNLinear<4 * 4 * 4 * Ch, Bias::on, Eps>, Reshape<4 * Ch, 4, 4>, Block,
                      When<Attn == 8, Attention>, Block, When<Attn == 16, Attention>, Block,
                      When<Attn == 32, Attention>, BatchNorm2d<>, ReLU, SNConv2d<C, 3, 1, 1, Bias::on, Eps>, Tanh>;
  // With Attn == 16, D's attention follows each of its four blocks.
  static constexpr bool d_attn = Attn == 16;
  template <class Resample, Preactivation P = Preactivation::on>
  using DB = DBlock<4 * Ch, Resample, P, Eps>;
  template <class Input, class Head>
  using D = Discriminator<Input, DB<Down, Preactivation::off>, When<d_attn, Attention>, DB<Down>, When<d_attn, Attention>,
                          DB<None>, When<d_attn, Attention>, DB<None>, When<d_attn, Attention>, Head>;
};
}  // namespace detail

template <class ImageShape = Image<3, 32, 32>, int K = 10, int Ch = 64, int Attn = 0, int Z = 128,
          class DHead = ProjectionHead<K>>
struct biggan_nets {
  static_assert(ImageShape::height == 32 && ImageShape::width == 32,
                "gantry: biggan_nets is BigGAN-PyTorch's arch[32]: it takes Image<C, 32, 32> (pad 28x28 images "
                "with LoaderOptions::pad_to = 32)");
  static_assert(Attn == 0 || Attn == 8 || Attn == 16 || Attn == 32, "gantry: biggan_nets: Attn is 0, 8, 16 or 32");
  static constexpr int classes = K, ch = Ch, attention = Attn, latent = Z;
  static constexpr bool hierarchical = false;
  using Body = detail::biggan32_body<ImageShape::channels, Ch, Attn, ConditionalBatchNorm<ClassTable<K>>>;
  using G = typename Body::template G<Latent<Z>, Classes<K>>;
  using D = typename Body::template D<ImageShape, DHead>;
};

template <class ImageShape = Image<3, 32, 32>, int K = 10, int Ch = 64, int Attn = 0, int Z = 128,
          class DHead = ProjectionHead<K>>
struct biggan_hier_nets {
  static_assert(ImageShape::height == 32 && ImageShape::width == 32,
                "gantry: biggan_hier_nets is BigGAN-PyTorch's arch[32]: it takes Image<C, 32, 32> (pad 28x28 images "
                "with LoaderOptions::pad_to = 32)");
  static_assert(Attn == 0 || Attn == 8 || Attn == 16 || Attn == 32,
                "gantry: biggan_hier_nets: Attn is 0, 8, 16 or 32");
  static_assert(Z % 4 == 0, "gantry: biggan_hier_nets: Z splits into 4 chunks (3 blocks + the linear)");
  static constexpr int classes = K, ch = Ch, attention = Attn, latent = Z;
  static constexpr bool hierarchical = true;
  using Body = detail::biggan32_body<ImageShape::channels, Ch, Attn, ConditionalBatchNorm<Projected<Z + Z / 4>>>;
  using G = typename Body::template G<Latent<Z>, Classes<K>, SharedEmbedding<Z>, Hierarchical>;
  using D = typename Body::template D<ImageShape, DHead>;
};

// scripts/launch_cifar_ema.sh: batch 50, 4 D steps, lr 2e-4 both, betas (0, 0.999), EMA
// 0.9999 from iteration 1000, no orthogonal regularisation, real and fake in one D pass.
inline HingeGanHyper biggan_hyper() {
  return {.batch_size = 50, .d_steps = 4, .g_lr = 2e-4, .d_lr = 2e-4, .beta1 = 0.0, .beta2 = 0.999,
          .adam_eps = 1e-8, .ema_decay = 0.9999, .ema_start = 1000, .ortho = 0.0, .concat_real_fake = true};
}

// The CIFAR script's init (G_init = D_init = N02) and BigGAN-PyTorch's default "ortho".
inline constexpr char biggan_name[] = "biggan";
using BigganPaper = HingeInfo<biggan_name, InitScheme::normal_002, false, biggan_hyper>;
using BigganOrthoPaper = HingeInfo<biggan_name, InitScheme::orthogonal, false, biggan_hyper>;

namespace detail {
// The options of the BigGAN-based presets (biggan, adcgan, acgan, tacgan): the nets with D's
// head `Head<K>`.
using biggan_takes = takes<Classes<1>, Width<1>, AttentionAt<0>, Latent<1>, Hierarchical,
                           WeightInit<InitScheme::pytorch_default>, Precision<void>>;
template <class ImageShape, template <int> class Head, class... Options>
struct biggan_preset_nets {
  using O = PresetOptions<biggan_takes, Options...>;
  static constexpr int K = O::classes();
  static_assert(K > 0,
                "gantry: BigGAN is class-conditional: name its classes, e.g. models::biggan<Image<3, 32, 32>, Classes<10>>");
  static_assert(O::template g_attention<0> == O::template d_attention<0>,
                "gantry: BigGAN's nets put attention at one side in G and D: AttentionAt<Side>");
  using type = std::conditional_t<O::hierarchical,
                                  biggan_hier_nets<ImageShape, K, O::template width<64>, O::template g_attention<0>,
                                                   O::template latent<128>, Head<K>>,
                                  biggan_nets<ImageShape, K, O::template width<64>, O::template g_attention<0>,
                                              O::template latent<128>, Head<K>>>;
};
template <int K>
using projection_head = ProjectionHead<K>;
template <class ImageShape, class... Options>
struct biggan_preset {
  using O = PresetOptions<biggan_takes, Options...>;
  static constexpr InitScheme init = O::template init<InitScheme::normal_002>;
  static_assert(init == InitScheme::normal_002 || init == InitScheme::orthogonal,
                "gantry: BigGAN's init is WeightInit<InitScheme::normal_002> (the CIFAR script) or "
                "WeightInit<InitScheme::orthogonal> (BigGAN-PyTorch's default)");
  using type = HingeGan<typename biggan_preset_nets<ImageShape, projection_head, Options...>::type,
                        std::conditional_t<init == InitScheme::orthogonal, BigganOrthoPaper, BigganPaper>,
                        typename O::scalar>;
};
}  // namespace detail

template <class ImageShape, class... Options>
using biggan = typename detail::biggan_preset<ImageShape, Options...>::type;

}  // namespace gantry::models
