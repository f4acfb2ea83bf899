#pragma once
// BigGAN (Brock et al. 2019) as BigGAN-PyTorch builds it for 32x32 images (SPECS.md §3a,
// BigGAN.py arch[32], scripts/launch_cifar_ema.sh), trained by HingeGan (hinge_gan.hpp).
//
// biggan_nets<Image<3, 32, 32>, Classes = 10, Ch = 64, Attn = 0, Z = 128> (the CIFAR script):
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
#include "truncation.hpp"

namespace gantry::models {

namespace detail {
template <class... Ts>
struct parts {};
// parts<A...> followed by P when On.
template <class L, bool On, class P>
struct push;
template <class... Ts, bool On, class P>
struct push<parts<Ts...>, On, P> {
  using type = std::conditional_t<On, parts<Ts..., P>, parts<Ts...>>;
};
template <class L, bool On, class P>
using push_t = typename push<L, On, P>::type;
template <class L, class... Ps>
struct push_all;
template <class... Ts, class... Ps>
struct push_all<parts<Ts...>, Ps...> {
  using type = parts<Ts..., Ps...>;
};
template <template <class...> class Model, class Head, class L>
struct build;
template <template <class...> class Model, class... Head, class... Ts>
struct build<Model, parts<Head...>, parts<Ts...>> {
  using type = Model<Head..., Ts...>;
};

// G's body after the input specs (BigGAN.py Generator, arch[32]) and D (Discriminator);
// spectral norm's ε = 10^-Eps.
template <int C, int Ch, int Attn, class Norm, int Eps = 8>
struct biggan32_body {
  using Block = GBlock<4 * Ch, Norm, Eps>;
  using Attention = SNSelfAttention<Eps>;
  using g0 = parts<SNLinear<4 * 4 * 4 * Ch, true, Eps>, Reshape<4 * Ch, 4, 4>, Block>;
  using g1 = typename push_all<push_t<g0, Attn == 8, Attention>, Block>::type;
  using g2 = typename push_all<push_t<g1, Attn == 16, Attention>, Block>::type;
  using g = typename push_all<push_t<g2, Attn == 32, Attention>, BatchNorm2d<>, ReLU,
                              SNConv2d<C, 3, 1, 1, true, Eps>, Tanh>::type;
  static constexpr bool d_attn = Attn == 16;
  using d0 = push_t<parts<DBlock<4 * Ch, true, false, Eps>>, d_attn, Attention>;
  using d1 = push_t<typename push_all<d0, DBlock<4 * Ch, true, true, Eps>>::type, d_attn, Attention>;
  using d2 = push_t<typename push_all<d1, DBlock<4 * Ch, false, true, Eps>>::type, d_attn, Attention>;
  using d = push_t<typename push_all<d2, DBlock<4 * Ch, false, true, Eps>>::type, d_attn, Attention>;
};
}  // namespace detail

template <class ImageShape = Image<3, 32, 32>, int Classes = 10, int Ch = 64, int Attn = 0, int Z = 128,
          class DHead = ProjectionHead<Classes>>
struct biggan_nets {
  static_assert(ImageShape::height == 32 && ImageShape::width == 32,
                "gantry: biggan_nets is BigGAN-PyTorch's arch[32]: it takes Image<C, 32, 32> (pad 28x28 images "
                "with LoaderOptions::pad_to = 32)");
  static_assert(Attn == 0 || Attn == 8 || Attn == 16 || Attn == 32, "gantry: biggan_nets: Attn is 0, 8, 16 or 32");
  static constexpr int classes = Classes, ch = Ch, attention = Attn, latent = Z;
  static constexpr bool hierarchical = false;
  using Body = detail::biggan32_body<ImageShape::channels, Ch, Attn, ConditionalBatchNorm<ClassTable<Classes>>>;
  using G = typename detail::build<Generator, detail::parts<Latent<Z>, gantry::Classes<Classes>>, typename Body::g>::type;
  using D = typename detail::build<Discriminator, detail::parts<ImageShape>,
                                   typename detail::push_all<typename Body::d, DHead>::type>::type;
};

template <class ImageShape = Image<3, 32, 32>, int Classes = 10, int Ch = 64, int Attn = 0, int Z = 128,
          class DHead = ProjectionHead<Classes>>
struct biggan_hier_nets {
  static_assert(ImageShape::height == 32 && ImageShape::width == 32,
                "gantry: biggan_hier_nets is BigGAN-PyTorch's arch[32]: it takes Image<C, 32, 32> (pad 28x28 images "
                "with LoaderOptions::pad_to = 32)");
  static_assert(Attn == 0 || Attn == 8 || Attn == 16 || Attn == 32,
                "gantry: biggan_hier_nets: Attn is 0, 8, 16 or 32");
  static_assert(Z % 4 == 0, "gantry: biggan_hier_nets: Z splits into 4 chunks (3 blocks + the linear)");
  static constexpr int classes = Classes, ch = Ch, attention = Attn, latent = Z;
  static constexpr bool hierarchical = true;
  using Body = detail::biggan32_body<ImageShape::channels, Ch, Attn, ConditionalBatchNorm<Projected<Z + Z / 4>>>;
  using G = typename detail::build<Generator,
                                   detail::parts<Latent<Z>, gantry::Classes<Classes>, SharedEmbedding<Z>, Hierarchical>,
                                   typename Body::g>::type;
  using D = typename detail::build<Discriminator, detail::parts<ImageShape>,
                                   typename detail::push_all<typename Body::d, DHead>::type>::type;
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

template <class Nets = biggan_nets<>, class Paper = BigganPaper, class T = float>
using biggan = HingeGan<Nets, Paper, T>;

}  // namespace gantry::models
