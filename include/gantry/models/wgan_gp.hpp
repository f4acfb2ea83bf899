#pragma once
// WGAN-GP (Gulrajani et al. 2017; SPECS.md §1b-1d): the Wasserstein critic with the gradient
// penalty, Adam for both nets, n_critic critic steps per generator step and a learning rate
// that decays linearly to 0. The nets are any pair from wgan_nets.hpp (or your own):
//
//   using Model = models::wgan_gp<Image<1, 32, 32>>;   // gan_cifar_resnet.py's nets, Width<128>
//   auto model = Model::make(cpu{}, seed);           // models::wgan_gp<Vector<2>>: gan_toy.py's
//   m.d_step(batches, rng); m.g_step(1, rng);   // or hand it to train::Trainer
//
// Defaults are gan_cifar_resnet.py's: critic batch 64, G batch 128, lr 2e-4 decaying to 0
// over 100000 G steps, Adam(0, 0.9), 5 critic steps, lambda 10. WganGpHyper::toy() is
// gan_toy.py's: batch 256, lr 1e-4, Adam(0.5, 0.9), lambda 0.1, no decay.
#include <cstdint>
#include <span>
#include <tuple>
#include <utility>

#include "../losses/gradient_penalty.hpp"
#include "../losses/wasserstein.hpp"
#include "../optim/adam.hpp"
#include "../optim/schedule.hpp"
#include "gan.hpp"
#include "hyper.hpp"
#include "wgan_nets.hpp"

namespace gantry::models {

struct WganGpHyper {
  int64_t batch_size = 64;     // critic batch (BATCH_SIZE)
  int64_t g_batch_size = 128;  // generator batch (2 * BATCH_SIZE in gan_cifar_resnet.py)
  double lr = 2e-4;            // both nets
  double beta1 = 0.0, beta2 = 0.9;
  int64_t n_critic = 5;
  double lambda = 10.0;        // gradient penalty weight
  int64_t decay_steps = 100000;  // lr * max(0, 1 - step / decay_steps); 0: constant

  static WganGpHyper toy() {
    WganGpHyper h;
    h.batch_size = h.g_batch_size = 256;
    h.lr = 1e-4;
    h.beta1 = 0.5;
    h.lambda = 0.1;
    h.decay_steps = 0;
    return h;
  }

  template <class F>
  void fields(F&& f) {
    f("batch_size", batch_size);
    f("g_batch_size", g_batch_size);
    f("lr", lr);
    f("beta1", beta1);
    f("beta2", beta2);
    f("n_critic", n_critic);
    f("lambda", lambda);
    f("decay_steps", decay_steps);
  }
};

// The papers' settings, as every paper's <paper>_hyper(): gan_cifar_resnet.py's (the
// defaults above) and gan_toy.py's.
inline WganGpHyper wgan_gp_hyper() { return {}; }
inline WganGpHyper wgan_gp_toy_hyper() { return WganGpHyper::toy(); }

// The paper as a policy of the step template (gan.hpp).
struct WganGpPaper {
  static constexpr const char* name = "wgan-gp";
  using Hyper = WganGpHyper;
  using Loss = Wasserstein;
  template <class T, class D>
  using Optimizer = Adam<T, D>;
  static constexpr InitScheme init = InitScheme::pytorch_default;
  static constexpr bool zero_biases = false;
  static Hyper hyper() { return wgan_gp_hyper(); }

  static Hyper checked(const Hyper& h) {
    check(h.batch_size > 0 && h.g_batch_size > 0, "wgan-gp: batch sizes must be > 0, found ", h.batch_size, " and ",
          h.g_batch_size);
    check(h.n_critic >= 1, "wgan-gp: n_critic must be >= 1, found ", h.n_critic);
    check(h.lambda >= 0, "wgan-gp: lambda must be >= 0, found ", h.lambda);
    check(h.decay_steps >= 0, "wgan-gp: decay_steps must be >= 0, found ", h.decay_steps);
    return h;
  }
  static GanSettings settings(const Hyper& h) { return {.batch_size = h.batch_size, .g_batch_size = h.g_batch_size}; }
  static int64_t d_steps(const Hyper& h, int64_t /*g_step*/) { return h.n_critic; }
  // lr * max(0, 1 - step / decay_steps) for both nets, or constant.
  static std::pair<double, double> learning_rates(const Hyper& h, int64_t g_step) {
    const double lr = h.decay_steps > 0 ? LinearDecayLR(h.lr, h.decay_steps)(g_step) : h.lr;
    return {lr, lr};
  }
  static AdamOptions g_optimizer(const Hyper& h) { return {.lr = h.lr, .beta1 = h.beta1, .beta2 = h.beta2}; }
  static AdamOptions d_optimizer(const Hyper& h) { return g_optimizer(h); }
  static std::tuple<GradientPenalty> regularisers(const Hyper& h) { return {GradientPenalty{h.lambda}}; }
};

// gan_toy.py's defaults for the toy MLPs on 2-D data (models::wgan_gp<Vector<2>>): the same
// paper (and checkpoint name) with its own settings.
struct WganGpToyPaper : WganGpPaper {
  static Hyper hyper() { return wgan_gp_toy_hyper(); }
};

// Options: Architecture<A> (Arch::resnet, the paper's nets; Arch::dcgan), Width<Ch>, Latent<Z>
// (defaults in wgan_nets.hpp), Precision<T> (float). Vector<2> data takes the toy MLPs.
template <class Shape, class... Options>
using wgan_gp = Gan<typename detail::wgan_family_nets<Shape, Arch::resnet, Options...>::type,
                    std::conditional_t<VectorShape<Shape>, WganGpToyPaper, WganGpPaper>,
                    typename PresetOptions<takes<Width<1>, Latent<1>, Architecture<Arch::resnet>, Precision<void>>,
                                           Options...>::scalar>;

}  // namespace gantry::models
