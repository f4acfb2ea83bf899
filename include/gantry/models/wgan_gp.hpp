#pragma once
// WGAN-GP (Gulrajani et al. 2017; SPECS.md §1b-1d): the Wasserstein critic with the gradient
// penalty, Adam for both nets, n_critic critic steps per generator step and a learning rate
// that decays linearly to 0. The nets are any pair from wgan_nets.hpp (or your own):
//
//   using Model = models::WganGp<models::wgan_gp_resnet<Image<1, 32, 32>>>;
//   Model m(models::WganGpHyper{}, seed);
//   m.d_step(batches, rng); m.g_step(1, rng);   // or hand it to train::Trainer
//
// Defaults are gan_cifar_resnet.py's: critic batch 64, G batch 128, lr 2e-4 decaying to 0
// over 100000 G steps, Adam(0, 0.9), 5 critic steps, lambda 10. WganGpHyper::toy() is
// gan_toy.py's: batch 256, lr 1e-4, Adam(0.5, 0.9), lambda 0.1, no decay.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "../autograd/ops/elementwise.hpp"
#include "../data/loader.hpp"
#include "../losses/gradient_penalty.hpp"
#include "../losses/wasserstein.hpp"
#include "../optim/adam.hpp"
#include "../optim/schedule.hpp"
#include "hyper.hpp"
#include "net_pair.hpp"

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

template <class Nets, class T = float>
class WganGp : public PairedModel<Nets, Adam, T> {
 public:
  using Hyper = WganGpHyper;
  using typename PairedModel<Nets, Adam, T>::Pair;
  using PairedModel<Nets, Adam, T>::nets;
  static constexpr const char* name = "wgan-gp";

  WganGp(Hyper h, std::uint64_t seed)
      : PairedModel<Nets, Adam, T>(seed, InitScheme::pytorch_default, false, adam(checked(h)), adam(h)), hyper_(h) {}

  const Hyper& hyper() const { return hyper_; }
  int64_t batch_size() const { return hyper_.batch_size; }
  int64_t d_steps(int64_t /*g_step*/) const { return hyper_.n_critic; }

  // The learning rate of G step `g_step` (0-based) and of the critic steps before it.
  void set_step(int64_t g_step) {
    const double lr = hyper_.decay_steps > 0 ? LinearDecayLR(hyper_.lr, hyper_.decay_steps)(g_step) : hyper_.lr;
    nets.set_lr(lr, lr);
  }

  // One critic update from one or more real micro-batches (gradient accumulation: each
  // micro-batch's loss is divided by their number).
  StepLosses d_step(std::span<const data::Batch> real, Rng& rng) {
    nets.opt_D.zero_grad();
    const T scale = T(1) / static_cast<T>(real.size());
    double loss = 0, wdist = 0, gp = 0;
    for (const data::Batch& b : real) {
      const Var<T, cpu> x(cast<T>(b.images));
      const Var<T, cpu> fake = nets.detached_fakes(b.size(), b.labels, rng);
      const Var<T, cpu> d_real = nets.D.forward(x, b.labels, true);
      const Var<T, cpu> d_fake = nets.D.forward(fake, b.labels, true);
      const Var<T, cpu> w = Wasserstein::d_loss(d_real, d_fake);
      const auto critic = [&](const Var<T, cpu>& v) { return nets.D.forward(v, b.labels, true); };
      const Var<T, cpu> penalty = GradientPenalty{hyper_.lambda}(critic, x, fake, rng);
      const Var<T, cpu> total = add(w, penalty);
      mul_scalar(total, scale).backward();
      loss += total.item() * scale;
      wdist -= w.item() * scale;  // the critic's estimate E[D(real)] - E[D(fake)]
      gp += penalty.item() * scale;
    }
    nets.opt_D.step();
    return {{"d_loss", loss}, {"wasserstein", wdist}, {"gp", gp}};
  }

  StepLosses g_step(int accumulate, Rng& rng) {
    const double loss = nets.generator_backward(hyper_.g_batch_size, accumulate, rng,
                                                [](const Var<T, cpu>& d) { return Wasserstein::g_loss(d); });
    nets.opt_G.step();
    return {{"g_loss", loss}};
  }

 private:
  static Hyper checked(const Hyper& h) {
    check(h.batch_size > 0 && h.g_batch_size > 0, "wgan-gp: batch sizes must be > 0, found ", h.batch_size, " and ",
          h.g_batch_size);
    check(h.n_critic >= 1, "wgan-gp: n_critic must be >= 1, found ", h.n_critic);
    check(h.lambda >= 0, "wgan-gp: lambda must be >= 0, found ", h.lambda);
    check(h.decay_steps >= 0, "wgan-gp: decay_steps must be >= 0, found ", h.decay_steps);
    return h;
  }
  static AdamOptions adam(const Hyper& h) { return {.lr = h.lr, .beta1 = h.beta1, .beta2 = h.beta2}; }

  Hyper hyper_;
};

}  // namespace gantry::models
