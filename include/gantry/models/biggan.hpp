#pragma once
// BigGAN (Brock et al. 2019) as BigGAN-PyTorch builds it for 32x32 images (SPECS.md §3a,
// BigGAN.py arch[32], scripts/launch_cifar_ema.sh), trained by HingeGan (hinge_gan.hpp).
//
// biggan_nets<Image<3, 32, 32>, Classes = 10, Ch = 64, Attn = 0, Z = 128> (the CIFAR script):
//   G: z -> SNLinear(Z -> 4*4*4Ch) -> (4Ch, 4, 4) -> 3 GBlock(4Ch -> 4Ch, up), each with two
//      ccbn whose gain and bias are per-class tables (G_shared off; γ = 1 + gain[y]) ->
//      BN -> ReLU -> SNConv3x3(4Ch -> 3) -> tanh.
//   D: DBlock(3 -> 4Ch, down, no pre-activation), DBlock(4Ch, down), 2 DBlock(4Ch, no down)
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
// truncated_noise(n, Z, threshold, rng): the truncation trick's z, each element redrawn
// until |z| <= threshold (counter-based, so the same rng state gives the same z).
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "../nn.hpp"
#include "hinge_gan.hpp"

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

// G's body after the input specs (BigGAN.py Generator, arch[32]) and D (Discriminator).
template <int Ch, int Attn, class Norm>
struct biggan32_body {
  using Block = GBlock<4 * Ch, Norm>;
  using g0 = parts<SNLinear<4 * 4 * 4 * Ch>, Reshape<4 * Ch, 4, 4>, Block>;
  using g1 = typename push_all<push_t<g0, Attn == 8, SelfAttention>, Block>::type;
  using g2 = typename push_all<push_t<g1, Attn == 16, SelfAttention>, Block>::type;
  using g = typename push_all<push_t<g2, Attn == 32, SelfAttention>, BatchNorm2d<>, ReLU, SNConv2d<3, 3>, Tanh>::type;
  static constexpr bool d_attn = Attn == 16;
  using d0 = push_t<parts<DBlock<4 * Ch, true, false>>, d_attn, SelfAttention>;
  using d1 = push_t<typename push_all<d0, DBlock<4 * Ch>>::type, d_attn, SelfAttention>;
  using d2 = push_t<typename push_all<d1, DBlock<4 * Ch, false>>::type, d_attn, SelfAttention>;
  using d = push_t<typename push_all<d2, DBlock<4 * Ch, false>>::type, d_attn, SelfAttention>;
};
}  // namespace detail

template <class ImageShape = Image<3, 32, 32>, int Classes = 10, int Ch = 64, int Attn = 0, int Z = 128>
struct biggan_nets {
  static_assert(ImageShape::channels == 3 && ImageShape::height == 32 && ImageShape::width == 32,
                "gantry: biggan_nets is BigGAN-PyTorch's arch[32]: it takes Image<3, 32, 32>");
  static_assert(Attn == 0 || Attn == 8 || Attn == 16 || Attn == 32, "gantry: biggan_nets: Attn is 0, 8, 16 or 32");
  static constexpr int classes = Classes, ch = Ch, attention = Attn, latent = Z;
  static constexpr bool hierarchical = false;
  using Body = detail::biggan32_body<Ch, Attn, ConditionalBatchNorm<ClassTable<Classes>>>;
  using G = typename detail::build<Generator, detail::parts<Latent<Z>, gantry::Classes<Classes>>, typename Body::g>::type;
  using D = typename detail::build<Discriminator, detail::parts<ImageShape>,
                                   typename detail::push_all<typename Body::d, ProjectionHead<Classes>>::type>::type;
};

template <class ImageShape = Image<3, 32, 32>, int Classes = 10, int Ch = 64, int Attn = 0, int Z = 128>
struct biggan_hier_nets {
  static_assert(ImageShape::channels == 3 && ImageShape::height == 32 && ImageShape::width == 32,
                "gantry: biggan_hier_nets is BigGAN-PyTorch's arch[32]: it takes Image<3, 32, 32>");
  static_assert(Attn == 0 || Attn == 8 || Attn == 16 || Attn == 32,
                "gantry: biggan_hier_nets: Attn is 0, 8, 16 or 32");
  static_assert(Z % 4 == 0, "gantry: biggan_hier_nets: Z splits into 4 chunks (3 blocks + the linear)");
  static constexpr int classes = Classes, ch = Ch, attention = Attn, latent = Z;
  static constexpr bool hierarchical = true;
  using Body = detail::biggan32_body<Ch, Attn, ConditionalBatchNorm<Projected<Z + Z / 4>>>;
  using G = typename detail::build<Generator,
                                   detail::parts<Latent<Z>, gantry::Classes<Classes>, SharedEmbedding<Z>, Hierarchical>,
                                   typename Body::g>::type;
  using D = typename detail::build<Discriminator, detail::parts<ImageShape>,
                                   typename detail::push_all<typename Body::d, ProjectionHead<Classes>>::type>::type;
};

// The CIFAR script's init (G_init = D_init = N02) and BigGAN-PyTorch's default "ortho".
struct BigganPaper {
  static constexpr const char* name = "biggan";
  static constexpr InitScheme init = InitScheme::normal_002;
  static constexpr bool zero_biases = false;
};
struct BigganOrthoPaper {
  static constexpr const char* name = "biggan";
  static constexpr InitScheme init = InitScheme::orthogonal;
  static constexpr bool zero_biases = false;
};

// scripts/launch_cifar_ema.sh: batch 50, 4 D steps, lr 2e-4 both, betas (0, 0.999), EMA
// 0.9999 from iteration 1000, no orthogonal regularisation, real and fake in one D pass.
inline HingeGanHyper biggan_hyper() {
  return {.batch_size = 50, .d_steps = 4, .g_lr = 2e-4, .d_lr = 2e-4, .beta1 = 0.0, .beta2 = 0.999,
          .adam_eps = 1e-8, .ema_decay = 0.9999, .ema_start = 1000, .ortho = 0.0, .concat_real_fake = true};
}

template <class Nets = biggan_nets<>, class Paper = BigganPaper, class T = float>
using biggan = HingeGan<Nets, Paper, T>;

// z [n, latent] from N(0, 1) truncated to [-threshold, threshold] by redrawing (BigGAN's
// truncation trick, utils.sample with truncated z). Element i takes counter `first + i` of
// the rng's stream; its k-th redraw reads the same counter of a stream whose seed is moved
// by k, so every element depends only on the rng state and its index.
template <class T = float>
Tensor<T, cpu> truncated_noise(int64_t n, int64_t latent, double threshold, Rng& rng) {
  check(n >= 0 && latent > 0, "truncated_noise: n must be >= 0 and latent > 0, found ", n, " and ", latent);
  check(threshold > 0, "truncated_noise: threshold must be > 0, found ", threshold);
  const std::uint64_t seed = rng.seed(), first = rng.advance(static_cast<std::uint64_t>(n * latent));
  Tensor<T, cpu> z = Tensor<T, cpu>::empty(Shape{n, latent});
  T* out = z.data();
  for (int64_t i = 0; i < n * latent; ++i) {
    double v = Philox::normal(seed, first + static_cast<std::uint64_t>(i));
    for (std::uint64_t k = 1; std::abs(v) > threshold; ++k)
      v = Philox::normal(seed + k * 0x9E3779B97F4A7C15ull, first + static_cast<std::uint64_t>(i));
    out[i] = static_cast<T>(v);
  }
  return z;
}

}  // namespace gantry::models
