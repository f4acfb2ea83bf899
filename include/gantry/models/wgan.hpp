#pragma once
// WGAN with weight clipping (Arjovsky et al. 2017; SPECS.md §1d), as martinarjovsky/
// WassersteinGAN's main.py trains it: RMSprop (lr 5e-5) for both nets, every critic weight
// clamped to [-c, c] before each critic step, and 5 critic steps per generator step except
// 100 for the first 25 generator steps and every 500th, so the critic starts near optimal.
//
//   using Model = models::wgan<Image<3, 32, 32>>;   // the paper's DCGAN nets (wgan_nets.hpp)
//
// Any pair of nets works through Gan<Nets, WganPaper>.
#include <cstdint>
#include <tuple>

#include "../losses/wasserstein.hpp"
#include "../losses/weight_clipping.hpp"
#include "../optim/rmsprop.hpp"
#include "gan.hpp"
#include "hyper.hpp"
#include "wgan_nets.hpp"

namespace gantry::models {

struct WganHyper {
  int64_t batch_size = 64;  // both nets
  double lr = 5e-5;
  double clip = 0.01;
  int64_t n_critic = 5;
  int64_t warmup_critic = 100;  // critic steps ...
  int64_t warmup_steps = 25;    // ... for the first this many G steps
  int64_t warmup_every = 500;   // ... and every this many G steps (0: never)

  template <class F>
  void fields(F&& f) {
    f("batch_size", batch_size);
    f("lr", lr);
    f("clip", clip);
    f("n_critic", n_critic);
    f("warmup_critic", warmup_critic);
    f("warmup_steps", warmup_steps);
    f("warmup_every", warmup_every);
  }
};

// The paper's settings (main.py's defaults, the struct's), as every paper's <paper>_hyper().
inline WganHyper wgan_hyper() { return {}; }

// The paper as a policy of the step template (gan.hpp).
struct WganPaper {
  static constexpr const char* name = "wgan";
  using Hyper = WganHyper;
  using Loss = Wasserstein;
  template <class T, class D>
  using Optimizer = RMSprop<T, D>;
  static constexpr InitScheme init = InitScheme::normal_002;
  static constexpr bool zero_biases = false;

  static Hyper checked(const Hyper& h) {
    check(h.batch_size > 0, "wgan: batch_size must be > 0, found ", h.batch_size);
    check(h.clip > 0, "wgan: clip must be > 0, found ", h.clip);
    check(h.n_critic >= 1 && h.warmup_critic >= 1, "wgan: critic step counts must be >= 1, found ", h.n_critic,
          " and ", h.warmup_critic);
    return h;
  }
  static GanSettings settings(const Hyper& h) { return {.batch_size = h.batch_size, .g_batch_size = h.batch_size}; }
  // main.py: Diters = 100 if gen_iterations < 25 or gen_iterations % 500 == 0 else 5.
  static int64_t d_steps(const Hyper& h, int64_t g_step) {
    const bool warm = g_step < h.warmup_steps || (h.warmup_every > 0 && g_step % h.warmup_every == 0);
    return warm ? h.warmup_critic : h.n_critic;
  }
  static RMSpropOptions g_optimizer(const Hyper& h) { return {.lr = h.lr}; }
  static RMSpropOptions d_optimizer(const Hyper& h) { return {.lr = h.lr}; }
  static std::tuple<WeightClipping> regularisers(const Hyper& h) { return {WeightClipping{h.clip}}; }
};

// Options: Architecture<A> (Arch::dcgan, the paper's nets; Arch::resnet), Width<Ch>, Latent<Z>
// (defaults in wgan_nets.hpp), Precision<T> (float). Vector<2> data takes the toy MLPs.
template <class Shape, class... Options>
using wgan = Gan<typename detail::wgan_family_nets<Shape, Arch::dcgan, Options...>::type, WganPaper,
                 typename PresetOptions<takes<Width<1>, Latent<1>, Architecture<Arch::resnet>, Precision<void>>,
                                        Options...>::scalar>;

}  // namespace gantry::models
