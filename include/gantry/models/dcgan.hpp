#pragma once
// DCGAN (Radford et al. 2016) and LSGAN (Mao et al. 2017): the same nets and optimiser, two
// adversarial losses, each a preset of the step template (gan.hpp) in a few lines.
//
//   using Model = models::dcgan<Image<1, 32, 32>>;    // or models::lsgan<...>
//   Model m(Model::paper_hyper(), seed);               // then train::Trainer
//
// Nets (dcgan_nets = wgan_nets.hpp's wgan_dcgan, WassersteinGAN's models/dcgan.py, which is
// DCGAN's architecture for 32x32): G: z -> ConvT4 (4x4, 4NGF) -> BN -> ReLU -> 2 x [ConvT4 s2
// -> BN -> ReLU] -> ConvT4 s2 -> tanh; D: Conv4 s2 -> LReLU(0.2) -> 2 x [Conv4 s2 -> BN ->
// LReLU] -> Conv4 (-> 1 logit). No conv biases; weights N(0, 0.02) as the paper.
// DCGAN: the non-saturating loss (BCE on D's logit; the paper's sigmoid is inside the loss),
// Adam lr 2e-4, beta1 0.5, batch 128, one D step per G step.
// LSGAN: the least-squares loss with the 0-1 coding, a = 0, b = c = 1 (paper eq. 9, as
// losses/least_squares.hpp: D 0.5 [(D(x) - 1)^2 + D(G(z))^2]; G (D(G(z)) - 1)^2, without
// the paper's 0.5 on G: CycleGAN's form, which only scales G's step) and the paper's
// DCGAN-style training, Adam lr 2e-4, beta1 0.5.
#include <cstdint>
#include <tuple>

#include "../losses/least_squares.hpp"
#include "../losses/non_saturating.hpp"
#include "../optim/adam.hpp"
#include "gan.hpp"
#include "hyper.hpp"
#include "wgan_nets.hpp"

namespace gantry::models {

template <class ImageShape, int Z = 100, int NGF = 64, int NDF = 64>
using dcgan_nets = wgan_dcgan<ImageShape, Z, NGF, NDF>;

struct AdamGanHyper {
  int64_t batch_size = 128;  // both nets
  double lr = 2e-4;          // both nets
  double beta1 = 0.5, beta2 = 0.999;
  int64_t d_steps = 1;

  template <class F>
  void fields(F&& f) {
    f("batch_size", batch_size);
    f("lr", lr);
    f("beta1", beta1);
    f("beta2", beta2);
    f("d_steps", d_steps);
  }
};

// The papers' settings (both train as DCGAN), as every paper's <paper>_hyper().
inline AdamGanHyper dcgan_hyper() { return {}; }
inline AdamGanHyper lsgan_hyper() { return {}; }

// A paper that is a loss with DCGAN's training: Adam for both nets, N(0, 0.02) weights.
template <class LossPolicy, const char* Name>
struct AdamGanPaper {
  static constexpr const char* name = Name;
  using Hyper = AdamGanHyper;
  using Loss = LossPolicy;
  template <class T, class D>
  using Optimizer = Adam<T, D>;
  static constexpr InitScheme init = InitScheme::normal_002;
  static constexpr bool zero_biases = true;

  static Hyper checked(const Hyper& h) {
    check(h.batch_size > 0, name, ": batch_size must be > 0, found ", h.batch_size);
    check(h.d_steps >= 1, name, ": d_steps must be >= 1, found ", h.d_steps);
    return h;
  }
  static GanSettings settings(const Hyper& h) { return {.batch_size = h.batch_size, .g_batch_size = h.batch_size}; }
  static int64_t d_steps(const Hyper& h, int64_t /*g_step*/) { return h.d_steps; }
  static AdamOptions g_optimizer(const Hyper& h) { return {.lr = h.lr, .beta1 = h.beta1, .beta2 = h.beta2}; }
  static AdamOptions d_optimizer(const Hyper& h) { return g_optimizer(h); }
  static std::tuple<> regularisers(const Hyper&) { return {}; }
};

inline constexpr char dcgan_name[] = "dcgan";
inline constexpr char lsgan_name[] = "lsgan";
using DcganPaper = AdamGanPaper<NonSaturating, dcgan_name>;
using LsganPaper = AdamGanPaper<LeastSquares, lsgan_name>;

namespace detail {
template <class Paper, class ImageShape, class... Options>
struct dcgan_preset {
  using O = PresetOptions<takes<Latent<1>, Width<1>, Precision<void>>, Options...>;
  using type = Gan<dcgan_nets<ImageShape, O::template latent<100>, O::template width<64>, O::template width<64>>, Paper,
                   typename O::scalar>;
};
}  // namespace detail

// Options: Latent<Z> (100), Width<Ch> (64: ngf = ndf), Precision<T> (float).
template <class ImageShape, class... Options>
using dcgan = typename detail::dcgan_preset<DcganPaper, ImageShape, Options...>::type;
template <class ImageShape, class... Options>
using lsgan = typename detail::dcgan_preset<LsganPaper, ImageShape, Options...>::type;

}  // namespace gantry::models
